//! The control socket: while a daemon holds a repo, commands for that repo run inside it (on its open store and
//! its node) for the CLI and an attached TUI, and an attached TUI watches its events.
//!
//! `repo/control.sock`, owner-only from the moment it appears, and connections from other users are refused
//! ([`socket`]). Frames carry typed requests, progress events, streamed data and the typed result
//! ([`protocol`]); [`server`] runs in the daemon, [`client`] in the caller.

pub mod client;
pub mod protocol;
pub mod server;
pub mod socket;

/// The socket's file name inside the repo.
pub const SOCKET: &str = "control.sock";
