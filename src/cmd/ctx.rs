//! What a command runs against. The same command code serves the process's own terminal and, through the daemon's
//! control socket, another process's: output goes to `out`/`err`, input comes from `input`, relative paths are the
//! caller's, and a running daemon lends its open store and its node.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::node::blockstore::Blockstore;
use crate::node::handle::NodeHandle;

/// The daemon's store and node, shared with the commands it runs for control-socket clients.
#[derive(Clone)]
pub struct Shared {
    pub store: Blockstore,
    pub node: NodeHandle,
    pub runtime: tokio::runtime::Handle,
    /// Every node event, for control-socket clients that watch (an attached TUI).
    pub events: tokio::sync::broadcast::Sender<crate::node::events::Event>,
}

pub struct Ctx<'a> {
    pub repo: PathBuf,
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
    pub input: &'a mut dyn Read,
    /// The caller's working directory: relative paths are resolved against it.
    pub cwd: PathBuf,
    /// Draw progress bars on this process's stderr (only when it is the caller's terminal).
    pub progress: bool,
    pub shared: Option<Shared>,
}

impl Ctx<'_> {
    /// The repo's store: the daemon's, or opened (and locked) for this command.
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
}

/// Runs `f` with a context on this process's own stdio.
pub fn with_stdio<T>(repo: PathBuf, f: impl FnOnce(&mut Ctx) -> Result<T>) -> Result<T> {
    use std::io::IsTerminal;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
    let mut err = std::io::stderr();
    let mut input = std::io::stdin();
    let mut ctx = Ctx {
        repo,
        out: &mut out,
        err: &mut err,
        input: &mut input,
        cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        progress: std::io::stderr().is_terminal(),
        shared: None,
    };
    let result = f(&mut ctx);
    let flushed = out.flush();
    let value = result?;
    flushed?;
    Ok(value)
}
