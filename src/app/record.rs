//! Recordings (issue 14 part 1): what a session showed, as JSON lines, so that `swarmscope replay` can open the
//! same screens later, on another machine. A recording holds what the reducer was told from outside (node events
//! with their own `at_ms`, the periodic snapshots among them as keyframes; the store's totals; operations and their
//! results, the Explorer's rows among them; log and status lines), never keys: the person replaying moves around
//! freely. The first line is a [`Header`]; each other line is one [`Line`]. The file and its writer are
//! [`crate::recording`]'s.

use serde::{Deserialize, Serialize};

use super::job::{Shown, Target};
use super::msg::{JobDone, Msg};
use crate::node::events::Event;
use crate::node::op::OpId;
use crate::ops::{OpEvent, Outcome};

pub use crate::recording::{DEFAULT_MAX_BYTES, FORMAT, Header, Recorder, VERSION};

/// One recorded message (externally tagged: `{"event": {...}}`, `{"stored": {...}}`, ...).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Line {
    Header(Header),
    /// A node event, as `--json` prints it.
    Event(Event),
    /// The store's totals.
    Stored {
        at_ms: u64,
        blocks: u64,
        bytes: u64,
    },
    OpStarted {
        at_ms: u64,
        id: OpId,
        kind: String,
        target: Target,
    },
    OpProgress {
        at_ms: u64,
        id: OpId,
        event: OpEvent,
    },
    /// A finished operation, with its result (the Explorer's rows for `explore`) and its preview bytes.
    OpDone {
        at_ms: u64,
        id: OpId,
        kind: JobKind,
        target: Target,
        quiet: bool,
        result: Box<Result<Outcome, String>>,
        output: Vec<u8>,
    },
    Log {
        at_ms: u64,
        text: String,
    },
    Status {
        at_ms: u64,
        text: String,
        error: bool,
    },
    /// The recorder fell behind and lost this many lines (cumulative).
    Dropped {
        at_ms: u64,
        count: u64,
    },
}

impl Line {
    /// The line for a message the reducer is about to see at `now_ms`; `None` for what a replay must not repeat
    /// (keys, mouse, size, ticks) or cannot (completions, commands that would run).
    pub fn of(msg: &Msg, now_ms: u64) -> Option<Line> {
        let at_ms = now_ms;
        Some(match msg {
            Msg::Node(e) => Line::Event(e.clone()),
            Msg::Stored { blocks, bytes } => Line::Stored { at_ms, blocks: *blocks, bytes: *bytes },
            Msg::OpStarted { id, kind, target } => {
                Line::OpStarted { at_ms, id: *id, kind: kind.clone(), target: target.clone() }
            }
            Msg::OpProgress { id, event } => Line::OpProgress { at_ms, id: *id, event: event.clone() },
            Msg::JobDone(done) => Line::OpDone {
                at_ms,
                id: done.id,
                kind: JobKind::of(done.kind),
                target: done.target.clone(),
                quiet: done.shown == Shown::Quiet,
                result: Box::new(done.result.clone()),
                output: done.output.clone(),
            },
            Msg::Log(text) => Line::Log { at_ms, text: text.clone() },
            Msg::Status { text, error } => Line::Status { at_ms, text: text.clone(), error: *error },
            _ => return None,
        })
    }

    /// When it happened, on the node's clock (a header: never).
    pub fn at_ms(&self) -> Option<u64> {
        match self {
            Line::Header(_) => None,
            Line::Event(e) => Some(e.at_ms),
            Line::Stored { at_ms, .. }
            | Line::OpStarted { at_ms, .. }
            | Line::OpProgress { at_ms, .. }
            | Line::OpDone { at_ms, .. }
            | Line::Log { at_ms, .. }
            | Line::Status { at_ms, .. }
            | Line::Dropped { at_ms, .. } => Some(*at_ms),
        }
    }

    /// The message a replay gives the reducer (a header or a `dropped` line: a status line).
    pub fn into_msg(self) -> Msg {
        match self {
            Line::Header(h) => Msg::Status { text: format!("replaying a {} recording", h.source), error: false },
            Line::Event(e) => Msg::Node(e),
            Line::Stored { blocks, bytes, .. } => Msg::Stored { blocks, bytes },
            Line::OpStarted { id, kind, target, .. } => Msg::OpStarted { id, kind, target },
            Line::OpProgress { id, event, .. } => Msg::OpProgress { id, event },
            Line::OpDone { id, kind, target, quiet, result, output, .. } => Msg::JobDone(Box::new(JobDone {
                id,
                kind: kind.name(),
                target,
                shown: if quiet { Shown::Quiet } else { Shown::Operation },
                result: *result,
                output,
            })),
            Line::Log { text, .. } => Msg::Log(text),
            Line::Status { text, error, .. } => Msg::Status { text, error },
            Line::Dropped { count, .. } => {
                Msg::Status { text: format!("the recorder lost {count} lines here (it fell behind)"), error: true }
            }
        }
    }
}

/// An operation's kind in a recording. The TUI names kinds with static words; a recording brings them back to the
/// same words, and an unknown one (a newer version's) to "op".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JobKind(String);

/// Every kind the input bar runs (`job::job`).
const KINDS: &[&str] = &[
    "put",
    "add",
    "get",
    "cat",
    "ls",
    "explore",
    super::live::REEXPLORE,
    "connect",
    "disconnect",
    "pin",
    "unpin",
    "export",
    "import",
    "check",
    "why",
    super::job::MESSAGE,
];

impl JobKind {
    pub fn of(kind: &str) -> Self {
        Self(kind.to_string())
    }

    pub fn name(&self) -> &'static str {
        KINDS.iter().find(|k| **k == self.0).copied().unwrap_or("op")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kind the recording does not bring back as itself would replay differently (a re-explore as a new explore).
    #[test]
    fn every_kind_the_tui_runs_comes_back_from_a_recording() {
        let cid = "bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq";
        let lines = [
            "put x".to_string(),
            "add /tmp/x".into(),
            format!("get {cid}"),
            format!("get {cid} /tmp/out"),
            format!("cat {cid}"),
            format!("ls {cid}"),
            format!("explore {cid}"),
            "connect /ip4/127.0.0.1/tcp/1".into(),
            "disconnect 12D3KooWLRPJAA5o6Z6pVTyDfD7DvPMvSrcZxzf3fpYMwcDGWP3v".into(),
            format!("pin {cid}"),
            format!("unpin {cid}"),
            format!("export {cid} /tmp/x.car"),
            "import /tmp/x.car".into(),
            format!("check {cid}"),
            format!("why {cid}"),
        ];
        let mut kinds: Vec<&str> = vec![super::super::live::REEXPLORE, super::super::job::MESSAGE];
        for line in &lines {
            let cmd = super::super::command::parse(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            if let Some(job) = super::super::job::job(cmd, std::path::Path::new("/")) {
                kinds.push(job.kind);
            }
        }
        assert!(kinds.len() >= lines.len(), "{kinds:?}");
        for kind in kinds {
            assert_eq!(JobKind::of(kind).name(), kind);
        }
    }
}
