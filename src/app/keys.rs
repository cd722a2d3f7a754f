//! The reducer's part for keys: moving around the panes (the keymap's actions) and the input bar (editing, history,
//! Tab completion, Enter runs a command).

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind};
use tui_input::backend::crossterm::EventHandler;

use super::command::{self, Command, Completion};
use super::keymap::{self, Action};
use super::msg::Effect;
use super::state::{AppState, Filter, Pane};

/// History lines kept (in memory and in the repo).
pub const HISTORY: usize = 500;

impl AppState {
    pub(super) fn key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.kind != KeyEventKind::Press {
            return Vec::new();
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
                self.input_focused = false;
                self.input.reset();
            }
            KeyCode::Tab => match command::complete(self.input.value(), &self.known_ids()) {
                Completion::Line(done) => self.input = tui_input::Input::new(done),
                Completion::Path => return vec![Effect::CompletePath { line: self.input.value().to_string() }],
                Completion::Nothing => {}
            },
            KeyCode::Up | KeyCode::Down if !self.history.is_empty() => self.browse_history(key.code),
            _ => {
                self.input.handle_event(&Event::Key(key));
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
            Err(e) => self.status = Some((e, true)),
        }
        effects
    }

    /// A command from the input bar (or the demo): view changes here, the rest as a job.
    pub(super) fn command(&mut self, cmd: Command) -> Vec<Effect> {
        match cmd {
            Command::Quit => return vec![Effect::Quit],
            Command::Help => self.help = true,
            Command::Filter(text) => {
                self.filter = Filter::parse(&text);
                self.pane = Some(Pane::Transfers);
            }
            Command::Inspect(cid) => {
                let info = crate::ops::cid::inspect(&cid);
                let body = serde_json::to_string_pretty(&info).unwrap_or_default();
                self.preview = Some((format!("inspect {cid}"), body));
            }
            other => return super::job::job(other, &self.cwd).map(|j| Effect::Run(Box::new(j))).into_iter().collect(),
        }
        Vec::new()
    }

    /// Rows in the focused pane, for moving the selection.
    fn rows(&self) -> usize {
        match self.pane() {
            Pane::Peers => self.peers.len(),
            Pane::Wantlists => {
                self.wantlists.ours.len() + self.wantlists.theirs.values().map(|v| v.len()).sum::<usize>()
            }
            Pane::Ledger => self.ledgers.len(),
            Pane::Transfers => self.visible_transfers().count(),
            Pane::Operations => self.ops.len(),
            Pane::Explorer => self.explorer.as_ref().map_or(0, |e| e.rows.len()),
            Pane::Log => self.log.len(),
        }
    }

    /// What a key's action does outside the input bar.
    fn action(&mut self, action: Action) -> Vec<Effect> {
        let pane = self.pane();
        let idx = Pane::ALL.iter().position(|p| *p == pane).unwrap_or(0);
        let n = self.rows();
        let current = self.selected.get(&pane).copied().unwrap_or(0);
        let mut sel = current;
        let mut effects = Vec::new();
        match action {
            Action::Quit => effects.push(Effect::Quit),
            Action::NextPane => self.pane = Some(Pane::ALL[(idx + 1) % Pane::ALL.len()]),
            Action::PrevPane => self.pane = Some(Pane::ALL[(idx + Pane::ALL.len() - 1) % Pane::ALL.len()]),
            Action::Pane(i) => self.pane = Pane::ALL.get(i).copied().or(self.pane),
            Action::Down => sel = (sel + 1).min(n.saturating_sub(1)),
            Action::Up => sel = sel.saturating_sub(1),
            Action::Top => sel = 0,
            Action::Bottom => sel = n.saturating_sub(1),
            Action::Enter => match pane {
                Pane::Peers => self.pane = Some(Pane::Ledger),
                Pane::Operations => {
                    // The DAG of the selected operation (its target, or the root it made), in the explorer.
                    if let Some(cid) = self.ops.iter().rev().nth(current).and_then(|o| o.cid()) {
                        effects.extend(self.command(Command::Explore(cid.into())));
                    }
                }
                Pane::Transfers => {
                    let cid = self.visible_transfers().rev().nth(current).map(|r| r.cid.clone());
                    if let Some(cid) = cid {
                        self.filter.cid = Some(cid);
                    }
                }
                _ => {}
            },
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
            Action::ToggleHelp => self.help = !self.help,
            Action::Sort => self.sort_column = (self.sort_column + 1) % 4,
            Action::Escape => {
                self.help = false;
                self.preview = None;
                self.input_focused = false;
            }
        }
        self.selected.insert(pane, sel);
        effects
    }
}
