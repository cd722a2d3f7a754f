//! The reducer: `update(&mut AppState, Msg) -> Vec<Effect>`, the one writer of TUI state (the Elm architecture).
//! No I/O and no clock here: node events carry their own time, ticks bring "now", and whatever needs the world
//! (running a command, saving history, reading the store's totals) goes out as an [`Effect`] for the run loop.
//! Its parts by message kind: [`super::keys`], [`super::node_events`], [`super::op_results`].

use super::msg::{Effect, Msg};
use super::state::{AppState, LogLine, MAX_LOG, Pane};

pub fn update(state: &mut AppState, msg: Msg) -> Vec<Effect> {
    let before = state.anchor_before(&msg);
    let effects = apply(state, msg);
    state.reanchor(before);
    effects
}

fn apply(state: &mut AppState, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => return state.key(key),
        Msg::Resize { width, height } => state.viewport = (width, height),
        Msg::Mouse(mouse) => return state.mouse(mouse),
        Msg::Node(e) => {
            state.advance(e.at_ms);
            state.trace.observe(e.at_ms, &e.kind);
            state.apply_node(e.at_ms, e.kind);
            return state.refresh_explorer().into_iter().collect();
        }
        Msg::Tick { now_ms } => state.advance(now_ms),
        Msg::Heartbeat { now_ms } => {
            state.advance(now_ms);
            let mut effects: Vec<Effect> = state.refresh_explorer().into_iter().collect();
            effects.extend(state.refresh_timeline());
            // At most one `repo stat` at a time: a slow store (or daemon) is not asked again until it answers.
            if !state.stat_in_flight {
                state.stat_in_flight = true;
                effects.push(Effect::RefreshStored);
            }
            return effects;
        }
        Msg::Log(line) => state.push_log(line),
        Msg::Command(cmd) => return state.command(cmd),
        Msg::Status { text, error } => {
            if error {
                state.push_log(format!("error: {text}"));
            }
            state.set_status(text, error);
        }
        Msg::OpStarted { id, kind, target } => state.op_started(id, kind, target),
        Msg::OpProgress { id, event } => state.op_progress(id, event),
        Msg::JobDone(done) => state.job_done(*done),
        Msg::Stored { blocks, bytes } => {
            state.stat_in_flight = false;
            state.stored_blocks = blocks;
            state.stored_bytes = bytes;
        }
        Msg::StoredFailed => state.stat_in_flight = false,
        Msg::Completed { line, completed } => state.completed(line, completed),
    }
    Vec::new()
}

impl AppState {
    /// Moves "now" to `now_ms` if that is later: node events and ticks may interleave out of step.
    fn advance(&mut self, now_ms: u64) {
        self.now_ms = self.now_ms.max(now_ms);
        self.bytes_in.advance(self.now_ms);
        self.bytes_out.advance(self.now_ms);
    }

    /// A line for the status bar; it shows until a newer one or its timeout ([`AppState::status_line`]).
    pub(super) fn set_status(&mut self, text: String, error: bool) {
        self.status = Some((text, error));
        self.status_at_ms = self.now_ms;
    }

    /// Appends a line, stamped with "now". The Log selection follows its line: on the newest line (or never moved)
    /// it moves to the new one, so the pane tails the log; elsewhere it stays on its line as old lines are dropped.
    pub(super) fn push_log(&mut self, text: String) {
        let tailing = self.selected.get(&Pane::Log).is_none_or(|&sel| sel + 1 >= self.log.len());
        self.log.push_back(LogLine { at_ms: self.now_ms, text });
        let mut sel = self.selection(Pane::Log);
        while self.log.len() > MAX_LOG {
            self.log.pop_front();
            sel = sel.saturating_sub(1);
        }
        if tailing {
            sel = self.log.len() - 1;
        }
        self.selected.insert(Pane::Log, sel);
    }
}

#[cfg(test)]
#[path = "update_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "update_keys_tests.rs"]
mod keys_tests;

#[cfg(test)]
#[path = "update_timeline_tests.rs"]
mod timeline_tests;
