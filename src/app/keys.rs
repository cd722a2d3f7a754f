//! The reducer's part for keys: moving around the panes (the keymap's actions) and the input bar (editing, history,
//! Tab completion, Enter runs a command).

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind};
use tui_input::backend::crossterm::EventHandler;

use super::command::{self, Command, Completion};
use super::keymap::{self, Action};
use super::msg::Effect;
use super::selection::Anchor;
use super::state::{AppState, Filter, Pane};
use crate::node::events::OpId;

/// History lines kept (in memory and in the repo).
pub const HISTORY: usize = 500;

impl AppState {
    pub(super) fn key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.kind != KeyEventKind::Press {
            return Vec::new();
        }
        if self.help && !self.input_focused {
            // The help scrolls with the movement keys; anything else closes it or acts as usual.
            let step: i32 = match keymap::action_for(key) {
                Some(Action::Down) => 1,
                Some(Action::Up) => -1,
                Some(Action::PageDown | Action::HalfDown) => self.page() as i32,
                Some(Action::PageUp | Action::HalfUp) => -(self.page() as i32),
                Some(Action::Top) => -10_000,
                Some(Action::Bottom) => 10_000,
                _ => 0,
            };
            if step != 0 {
                let most = (keymap::BINDINGS.len() + command::COMMANDS.len() + 3) as i32;
                self.help_scroll = (self.help_scroll as i32 + step).clamp(0, most) as u16;
                return Vec::new();
            }
        }
        if !self.input_focused {
            return match keymap::action_for(key) {
                Some(action) => self.action(action),
                None => Vec::new(),
            };
        }
        match key.code {
            KeyCode::Enter => return self.submit(),
            KeyCode::Esc => {
                // Esc on a filter being typed clears the filter too.
                if self.input.value().starts_with("filter") {
                    self.filter = Filter::default();
                }
                self.input_focused = false;
                self.input.reset();
            }
            KeyCode::Tab => match command::complete(self.input.value(), &self.known_ids()) {
                Completion::Line(done) => self.input = tui_input::Input::new(done),
                Completion::Path => return vec![Effect::CompletePath { line: self.input.value().to_string() }],
                Completion::Several { line, candidates } => {
                    if line.len() > self.input.value().len() {
                        self.input = tui_input::Input::new(line);
                    }
                    let shown: Vec<String> =
                        candidates.iter().take(6).map(|c| crate::ui::format::middle(c, 20)).collect();
                    let more = candidates.len().saturating_sub(6);
                    let more = if more > 0 { format!(" … {more} more") } else { String::new() };
                    self.set_status(format!("{} match: {}{more}", candidates.len(), shown.join("  ")), false);
                }
                Completion::Nothing => {}
            },
            KeyCode::Up | KeyCode::Down if !self.history.is_empty() => self.browse_history(key.code),
            _ => {
                self.input.handle_event(&Event::Key(key));
                // A filter applies as it is typed.
                if let Some(rest) = self.input.value().strip_prefix("filter") {
                    self.filter = Filter::parse(rest);
                    self.pane = Some(Pane::Transfers);
                }
            }
        }
        Vec::new()
    }

    /// A path completion came back: taken if the line is still the one it was asked for.
    pub(super) fn completed(&mut self, line: String, completed: Option<String>) {
        if let Some(done) = completed.filter(|_| self.input_focused && self.input.value() == line) {
            self.input = tui_input::Input::new(done);
        }
    }

    fn browse_history(&mut self, code: KeyCode) {
        let at = match (code, self.history_at) {
            (KeyCode::Up, None) => self.history.len() - 1,
            (KeyCode::Up, Some(i)) => i.saturating_sub(1),
            (_, None) => return,
            (_, Some(i)) if i + 1 >= self.history.len() => {
                self.history_at = None;
                self.input.reset();
                return;
            }
            (_, Some(i)) => i + 1,
        };
        self.history_at = Some(at);
        self.input = tui_input::Input::new(self.history[at].clone());
    }

    /// Enter in the input bar: the line goes to the history and runs.
    fn submit(&mut self) -> Vec<Effect> {
        let line = self.input.value().trim().to_string();
        self.input.reset();
        self.input_focused = false;
        self.history_at = None;
        if line.is_empty() {
            return Vec::new();
        }
        let mut effects = Vec::new();
        if self.history.last() != Some(&line) {
            self.history.push(line.clone());
            let over = self.history.len().saturating_sub(HISTORY);
            self.history.drain(..over);
            effects.push(Effect::SaveHistory(self.history.clone()));
        }
        match command::parse(&line) {
            Ok(cmd) => effects.extend(self.command(cmd)),
            Err(e) => self.set_status(e, true),
        }
        effects
    }

    /// A command from the input bar (or the demo): view changes here, the rest as a job.
    pub(super) fn command(&mut self, cmd: Command) -> Vec<Effect> {
        match cmd {
            Command::Quit => return vec![Effect::Quit],
            Command::Help => self.help = true,
            Command::Cancel(n) => return self.cancel(OpId(n)),
            Command::Record(file) => {
                let file = file.map(|f| if f.is_absolute() { f } else { self.cwd.join(f) });
                return vec![Effect::Record(file)];
            }
            Command::Filter(text) => {
                self.filter = Filter::parse(&text);
                self.pane = Some(Pane::Transfers);
            }
            Command::Why(cid) => return self.open_timeline(cid),
            Command::Inspect(cid) => {
                let info = crate::ops::cid::inspect(&cid);
                let body = serde_json::to_string_pretty(&info).unwrap_or_default();
                self.preview = Some((format!("inspect {cid}"), body));
            }
            other => return super::job::job(other, &self.cwd).map(|j| Effect::Run(Box::new(j))).into_iter().collect(),
        }
        Vec::new()
    }

    /// What a key's action does outside the input bar.
    fn action(&mut self, action: Action) -> Vec<Effect> {
        let pane = self.pane();
        let n = self.rows(pane);
        let current = self.selection(pane);
        let last = n.saturating_sub(1);
        let (page, half) = (self.page(), self.page().div_ceil(2));
        let mut sel = current;
        let mut effects = Vec::new();
        match action {
            Action::Quit => effects.push(Effect::Quit),
            Action::NextPane => self.pane = Some(self.pane_after(1)),
            Action::PrevPane => self.pane = Some(self.pane_after(-1)),
            Action::Pane(i) => self.pane = Pane::ALL.get(i).copied().or(self.pane),
            Action::Zoom => self.single = !self.single,
            Action::Inspect => effects.extend(self.inspect(pane, current)),
            Action::Down => sel = (sel + 1).min(last),
            Action::Up => sel = sel.saturating_sub(1),
            Action::PageDown => sel = (sel + page).min(last),
            Action::PageUp => sel = sel.saturating_sub(page),
            Action::HalfDown => sel = (sel + half).min(last),
            Action::HalfUp => sel = sel.saturating_sub(half),
            Action::Top => sel = 0,
            Action::Bottom => sel = last,
            Action::Follow => {
                self.follow = !self.follow;
                if self.follow {
                    sel = 0;
                }
            }
            Action::CancelOp => {
                if pane == Pane::Operations
                    && let Some(id) = self.ops.iter().rev().nth(current).map(|o| o.id)
                {
                    effects.extend(self.cancel(id));
                }
            }
            Action::Copy => {
                if let Some(text) = self.copyable(pane, current) {
                    self.set_status(format!("copied {text}"), false);
                    effects.push(Effect::Copy(text));
                }
            }
            Action::Enter => match pane {
                // A peer's detail: from the Peers pane or the Ledger.
                Pane::Peers | Pane::Ledger => {
                    if let Some(Anchor::Peer(peer)) = self.anchor_at(pane, current) {
                        self.detail = Some(peer);
                        self.pane = Some(Pane::Peers);
                    }
                }
                Pane::Operations => {
                    // The DAG of the selected operation (its target, or the root it made), in the explorer.
                    if let Some(cid) = self.ops.iter().rev().nth(current).and_then(|o| o.cid()) {
                        effects.extend(self.command(Command::Explore(cid.into())));
                    }
                }
                // The timeline of the selected transfer's CID, or of our selected want.
                Pane::Transfers => {
                    let cid = self.visible_transfers().rev().nth(current).and_then(|r| r.cid.parse().ok());
                    if let Some(cid) = cid {
                        effects.extend(self.open_timeline(cid));
                    }
                }
                Pane::Wantlists => {
                    let cid = self.wantlists.ours.get(current).and_then(|w| w.cid.parse().ok());
                    if let Some(cid) = cid {
                        effects.extend(self.open_timeline(cid));
                    }
                }
                _ => {}
            },
            Action::Timeline => {
                if pane == Pane::Operations
                    && let Some(cid) = self.ops.iter().rev().nth(current).and_then(|o| o.cid())
                {
                    effects.extend(self.open_timeline(cid));
                }
            }
            Action::FocusInput => self.input_focused = true,
            Action::Filter => {
                self.input_focused = true;
                self.input = tui_input::Input::new("filter ".into());
            }
            Action::TogglePause => {
                self.paused_at = match self.paused_at {
                    Some(_) => None,
                    None => Some(self.transfers.len()),
                }
            }
            Action::ToggleHelp => {
                self.help = !self.help;
                self.help_scroll = 0;
            }
            Action::Sort => self.sort_column = (self.sort_column + 1) % 4,
            Action::Escape
                if self.timeline_cid.is_some() && !self.help && self.preview.is_none() && !self.input_focused =>
            {
                self.close_timeline()
            }
            Action::Escape => {
                if !self.help && self.preview.is_none() && !self.input_focused {
                    self.detail = None;
                    // Esc in the transfer log clears its filter.
                    if pane == Pane::Transfers {
                        self.filter = Filter::default();
                    }
                }
                self.help = false;
                self.preview = None;
                self.input_focused = false;
            }
        }
        if sel != current && matches!(pane, Pane::Transfers | Pane::Operations) {
            // Moving off the newest row holds the selection where it is; going back to the top follows again.
            self.follow = sel == 0;
        }
        self.selected.insert(pane, sel);
        effects
    }

    /// Cancels operation `id` if it is running; says so either way.
    fn cancel(&mut self, id: OpId) -> Vec<Effect> {
        match self.ops.iter().find(|o| o.id == id) {
            Some(op) if op.result.is_none() => {
                self.set_status(format!("cancelling #{} {} {}", id.0, op.kind, op.target), false);
                vec![Effect::Cancel(id)]
            }
            Some(_) => {
                self.set_status(format!("cancel: #{} has finished", id.0), true);
                Vec::new()
            }
            None => {
                self.set_status(format!("cancel: no operation #{}", id.0), true);
                Vec::new()
            }
        }
    }

    /// `i` on row `idx` of `pane`: a CID opens the inspect popup (as `:inspect`), a peer its detail, an operation
    /// the CID it is about (its target, or the root it made).
    fn inspect(&mut self, pane: Pane, idx: usize) -> Vec<Effect> {
        let cid = match pane {
            Pane::Peers | Pane::Ledger => {
                if let Some(Anchor::Peer(peer)) = self.anchor_at(pane, idx) {
                    self.detail = Some(peer);
                    self.pane = Some(Pane::Peers);
                }
                return Vec::new();
            }
            // A received entry: the message it came in (the message inspector); a sent one: its CID.
            Pane::Transfers => {
                let row = self.visible_transfers().rev().nth(idx).cloned();
                if let Some(row) = row.as_ref().filter(|r| r.direction == crate::node::events::Direction::In)
                    && let Some(job) = super::job::message_job(row, &self.cwd)
                {
                    return vec![Effect::Run(Box::new(job))];
                }
                row.map(|r| r.cid)
            }
            Pane::Operations => self.ops.iter().rev().nth(idx).and_then(|o| o.cid()).map(|c| c.to_string()),
            Pane::Wantlists | Pane::Explorer => self.copyable(pane, idx),
            Pane::Log => None,
        };
        match cid.map(|c| c.parse::<cid::Cid>()) {
            Some(Ok(cid)) => self.command(Command::Inspect(cid)),
            Some(Err(_)) => {
                self.set_status("inspect: the selected row has no valid CID".into(), true);
                Vec::new()
            }
            None => Vec::new(),
        }
    }

    /// What `y` copies from row `idx` of `pane`: the CID, peer id or log line it is about.
    fn copyable(&self, pane: Pane, idx: usize) -> Option<String> {
        match pane {
            Pane::Transfers => self.visible_transfers().rev().nth(idx).map(|r| r.cid.clone()),
            Pane::Operations => {
                let op = self.ops.iter().rev().nth(idx)?;
                op.cid().map(|c| c.to_string())
            }
            Pane::Log => self.log.get(idx).map(|l| l.text.clone()),
            Pane::Wantlists => self.want_at(idx).map(|(_, cid)| cid.to_string()),
            _ => match self.anchor_at(pane, idx)? {
                Anchor::Peer(p) => Some(p),
                Anchor::Key(k) => Some(k),
                _ => None,
            },
        }
    }

    /// The wheel moves the selection by three rows; a click selects the row under it (a click on the tabs switches).
    pub(super) fn mouse(&mut self, mouse: MouseEvent) -> Vec<Effect> {
        if self.help || self.preview.is_some() || self.input_focused {
            return Vec::new();
        }
        match mouse.kind {
            MouseEventKind::ScrollDown => {
                for _ in 0..3 {
                    self.action(Action::Down);
                }
            }
            MouseEventKind::ScrollUp => {
                for _ in 0..3 {
                    self.action(Action::Up);
                }
            }
            MouseEventKind::Down(MouseButton::Left) if mouse.row == super::selection::header_rows(self.viewport.1) => {
                // The tab bar: a click on a tab opens its pane, as its digit does.
                if let Some(i) = super::selection::tab_at(self.viewport.0, mouse.column)
                    .and_then(|pane| Pane::ALL.iter().position(|p| *p == pane))
                {
                    return self.action(Action::Pane(i));
                }
            }
            MouseEventKind::Down(MouseButton::Left) => {
                // A click focuses the pane under it (the dashboard) and selects the row it is on.
                if let Some((pane, _)) = self.pane_at(mouse.column, mouse.row) {
                    self.pane = Some(pane);
                }
                if let Some((pane, row)) = self.row_at(mouse.column, mouse.row) {
                    if matches!(pane, Pane::Transfers | Pane::Operations) {
                        self.follow = row == 0;
                    }
                    self.selected.insert(pane, row);
                }
            }
            _ => {}
        }
        Vec::new()
    }
}
