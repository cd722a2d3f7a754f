//! Everything the TUI learns ([`Msg`]) and everything it asks the run loop to do ([`Effect`]). The reducer
//! (`update`) is the only writer of `AppState`: keys, node events, command results, log lines and ticks all come in
//! as messages; what needs I/O goes out as effects.

use crossterm::event::{KeyEvent, MouseEvent};

use super::command::Command;
use super::job::{Job, Shown, Target};
use crate::node::events::{Event, OpId};
use crate::ops::{OpEvent, Outcome};

#[derive(Clone, Debug)]
pub enum Msg {
    /// A key press (repeats and releases are filtered out by the loop).
    Key(KeyEvent),
    /// The terminal's size (columns, rows), at the start and when it changes.
    Resize { width: u16, height: u16 },
    /// A mouse wheel or click.
    Mouse(MouseEvent),
    /// A node event; its `at_ms` is the time of everything it changes, and moves "now" forward.
    Node(Event),
    /// Time passes (ages, rates), on the node's clock (ms since it started); never moves "now" back.
    Tick { now_ms: u64 },
    /// The once-a-second clock: time passes, and the store's totals are refreshed.
    Heartbeat { now_ms: u64 },
    /// A line of this process's log.
    Log(String),
    /// A command to run as if typed (the demo's steps).
    Command(Command),
    /// A line for the status bar (the demo's narration, errors from the side).
    Status { text: String, error: bool },
    /// A job shown as an operation got its op id.
    OpStarted { id: OpId, kind: String, target: Target },
    /// Progress of a running operation.
    OpProgress { id: OpId, event: OpEvent },
    /// A job finished.
    JobDone(Box<JobDone>),
    /// The store's totals, refreshed now and then.
    Stored { blocks: u64, bytes: u64 },
    /// The store's totals could not be read this time (the next heartbeat asks again).
    StoredFailed,
    /// A path completion the loop looked up for the input line `line`.
    Completed { line: String, completed: Option<String> },
}

/// A finished job: its result (an error as one line) and its streamed output (a `cat` preview).
#[derive(Clone, Debug)]
pub struct JobDone {
    pub id: OpId,
    pub kind: &'static str,
    pub target: Target,
    pub shown: Shown,
    pub result: Result<Outcome, String>,
    pub output: Vec<u8>,
}

/// What the run loop does for the reducer.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Run a job through the command layer (here or in the daemon); its progress and result come back as messages.
    Run(Box<Job>),
    /// Write the input history to the repo.
    SaveHistory(Vec<String>),
    /// Ask the store (or the daemon) for its totals: a [`Msg::Stored`] comes back.
    RefreshStored,
    /// Complete the path at the end of `line` from the filesystem: a [`Msg::Completed`] comes back.
    CompletePath {
        line: String,
    },
    /// Cancel a running operation through the command layer (its token: here, or a `Cancel` to the daemon).
    Cancel(OpId),
    /// Put this text on the terminal's clipboard (OSC 52: works over ssh and in tmux with `set-clipboard on`).
    Copy(String),
    /// Start recording to this file (`None`: stop), for `swarmscope replay`.
    Record(Option<std::path::PathBuf>),
    Quit,
}
