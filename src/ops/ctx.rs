//! What a command runs against: the repo (its store opened on demand, or lent by a running node), where its
//! streamed output and progress go, where its input comes from, and the token that cancels it.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Result;
use tokio_util::sync::CancellationToken;

use super::OpEvent;
use crate::node::blockstore::Blockstore;
use crate::node::handle::NodeHandle;

/// Identifies one running command in progress reports: the node's one allocator (a daemon allocates for the
/// commands it runs; a fetch inside reports its progress under the same id).
pub use crate::node::op::OpId;

/// A running node's store, node and runtime, lent to the commands it runs (a daemon's, or the TUI's own).
#[derive(Clone)]
pub struct Shared {
    pub store: Blockstore,
    pub node: NodeHandle,
    pub runtime: tokio::runtime::Handle,
}

/// The command was cancelled: explicitly, or because its caller went away.
#[derive(Debug, thiserror::Error)]
#[error("cancelled")]
pub struct Cancelled;

pub struct Ctx<'a> {
    pub repo: PathBuf,
    /// The caller's working directory: relative paths are resolved against it.
    pub cwd: PathBuf,
    pub op: OpId,
    /// `None`: no node runs on this repo; the store is opened (and locked) for the command.
    pub shared: Option<Shared>,
    pub cancel: CancellationToken,
    /// The caller's stdin (`add -`, `block put`).
    pub input: &'a mut dyn Read,
    /// Large outputs (`cat`, `block get`, `dag export` to stdout) stream here.
    pub output: &'a mut dyn Write,
    /// Streamed output stops after this many bytes (see [`super::Call::output_cap`]).
    pub output_cap: Option<u64>,
    pub events: &'a mut dyn FnMut(OpEvent),
}

impl Ctx<'_> {
    /// The repo's store: the running node's, or opened (and locked) for this command.
    pub fn store(&self) -> Result<Blockstore> {
        match &self.shared {
            Some(s) => Ok(s.store.clone()),
            None => Ok(Blockstore::open(&self.repo)?),
        }
    }

    /// A path as the caller meant it.
    pub fn path(&self, p: &Path) -> PathBuf {
        if p.is_absolute() { p.to_path_buf() } else { self.cwd.join(p) }
    }

    pub fn report(&mut self, event: OpEvent) {
        (self.events)(event);
    }

    pub fn check_cancelled(&self) -> Result<(), Cancelled> {
        if self.cancel.is_cancelled() { Err(Cancelled) } else { Ok(()) }
    }

    /// The running node, or the error that says how to start one.
    pub fn node(&self) -> Result<&Shared> {
        self.shared.as_ref().ok_or_else(|| {
            anyhow::anyhow!("no daemon is running on repo {} (start one with `swarmscope daemon`)", self.repo.display())
        })
    }
}
