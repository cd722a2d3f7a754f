//! What the input bar's commands become: a request for the command layer, with what the TUI shows of it (an
//! operation row with a typed target, or only a status line), and the one-line summary of each result.

use std::fmt;
use std::path::{Path, PathBuf};

use cid::Cid;
use libp2p::{Multiaddr, PeerId};

use super::command::Command;
use crate::node::dag::resolver::IpfsPath;
use crate::ops::request::{AddRequest, AddSource, FetchOptions};
use crate::ops::{Call, Outcome, Request};

/// Bytes of a file a `cat` previews: the daemon (or the local store) stops reading there.
pub const PREVIEW_BYTES: u64 = 16 * 1024;

/// What an operation works on. Typed, so that Enter on an operation explores its CID without guessing. (Serialized
/// in recordings.)
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Cid(#[serde(with = "crate::ops::text")] Cid),
    /// An IPFS path below a CID (a bare CID is a `Cid`).
    Ipfs(IpfsPath),
    Path(PathBuf),
    /// `put`: the text's length.
    Text(usize),
    Peer(#[serde(with = "crate::ops::text")] PeerId),
    Addr(#[serde(with = "crate::ops::text")] Multiaddr),
}

impl From<&IpfsPath> for Target {
    fn from(p: &IpfsPath) -> Self {
        if p.is_cid() { Target::Cid(p.root) } else { Target::Ipfs(p.clone()) }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Cid(c) => write!(f, "{c}"),
            Target::Ipfs(p) => write!(f, "{p}"),
            Target::Path(p) => write!(f, "{}", p.display()),
            Target::Text(n) => write!(f, "{n} bytes"),
            Target::Peer(p) => write!(f, "{p}"),
            Target::Addr(a) => write!(f, "{a}"),
        }
    }
}

/// How the TUI shows a running request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    /// A row in the operations pane, with progress and its result.
    Operation,
    /// Only the status line (connect, disconnect) or the explorer.
    Quiet,
}

/// One request as the TUI runs it.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    /// The command word (`put`, `get`…).
    pub kind: &'static str,
    pub target: Target,
    pub shown: Shown,
    pub call: Call,
    /// The request's stdin (`put`'s text).
    pub stdin: Option<Vec<u8>>,
}

/// The job for an input-bar command; `None` for what the TUI does by itself (help, filter, inspect, quit).
pub fn job(cmd: Command, cwd: &Path) -> Option<Job> {
    let path = |p: PathBuf| if p.is_absolute() { p } else { cwd.join(p) };
    let fetch = FetchOptions::default();
    let (kind, target, shown, request, stdin) = match cmd {
        Command::Put(text) => (
            "put",
            Target::Text(text.len()),
            Shown::Operation,
            Request::Add(AddRequest::simple(AddSource::Stdin)),
            Some(text.into_bytes()),
        ),
        Command::Add(p) => {
            let p = path(p);
            let request = Request::Add(AddRequest::simple(AddSource::Path(p.clone())));
            ("add", Target::Path(p), Shown::Operation, request, None)
        }
        Command::Get(p, Some(out)) => {
            let target = Target::from(&p);
            let request = Request::Get { path: p, output: Some(path(out)), fetch, stats: true };
            ("get", target, Shown::Operation, request, None)
        }
        Command::Get(p, None) => {
            ("get", Target::from(&p), Shown::Operation, Request::DagFetch { path: p, fetch }, None)
        }
        Command::Cat(p) => {
            ("cat", Target::from(&p), Shown::Operation, Request::Cat { path: p, fetch, offset: 0, length: None }, None)
        }
        Command::Ls(p) => ("ls", Target::from(&p), Shown::Operation, Request::Ls { path: p, fetch }, None),
        Command::Explore(p) => ("explore", Target::from(&p), Shown::Quiet, Request::DagExplore { path: p }, None),
        Command::Connect(addr) => {
            ("connect", Target::Addr(addr.clone()), Shown::Quiet, Request::SwarmConnect { addr }, None)
        }
        Command::Disconnect(peer) => {
            ("disconnect", Target::Peer(peer), Shown::Quiet, Request::SwarmDisconnect { peer }, None)
        }
        Command::Pin(p) => {
            let request = Request::PinAdd { path: p.clone(), direct: false, fetch };
            ("pin", Target::from(&p), Shown::Operation, request, None)
        }
        Command::Unpin(cid) => ("unpin", Target::Cid(cid), Shown::Operation, Request::PinRm { cid }, None),
        Command::Export(cid, file) => {
            let request = Request::DagExport { cid, output: Some(path(file)), fetch };
            ("export", Target::Cid(cid), Shown::Operation, request, None)
        }
        Command::Import(file) => {
            let file = path(file);
            let request = Request::DagImport { files: vec![file.clone()] };
            ("import", Target::Path(file), Shown::Operation, request, None)
        }
        Command::Why(cid) => ("why", Target::Cid(cid), Shown::Quiet, Request::Why { cid }, None),
        Command::Inspect(_)
        | Command::Filter(_)
        | Command::Cancel(_)
        | Command::Record(_)
        | Command::Help
        | Command::Quit => return None,
    };
    let output_cap = matches!(request, Request::Cat { .. }).then_some(PREVIEW_BYTES);
    Some(Job { kind, target, shown, call: Call { request, cwd: cwd.to_path_buf(), output_cap }, stdin })
}

/// `i` on a received transfer row: the message inspector's record of the message that row came in (the newest
/// kept message from its peer that carries its CID). `None` when the row names no valid peer or CID.
pub fn message_job(row: &super::state::TransferRow, cwd: &Path) -> Option<Job> {
    let peer: PeerId = row.peer.parse().ok()?;
    let cid: Cid = row.cid.parse().ok()?;
    let request = Request::BitswapMessages { peer: Some(peer), cid: Some(cid), limit: 1 };
    let call = Call { request, cwd: cwd.to_path_buf(), output_cap: None };
    Some(Job { kind: MESSAGE, target: Target::Cid(cid), shown: Shown::Quiet, call, stdin: None })
}

/// The kind of a message-inspector job.
pub const MESSAGE: &str = "message";

/// A result in one line, for the operations pane and the status line.
pub fn summary(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Added { roots } | Outcome::Imported { roots } => {
            roots.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(" ")
        }
        Outcome::Fetched { blocks, bytes, .. } => format!("{blocks} blocks, {bytes} bytes"),
        Outcome::Saved { dest, stats, .. } => {
            let (blocks, bytes) = stats.as_ref().map_or((0, 0), |s| (s.blocks, s.bytes));
            format!("{blocks} blocks, {bytes} bytes -> {}", dest.display())
        }
        Outcome::Streamed { .. } => "previewed".into(),
        Outcome::Listed { .. } => "listed".into(),
        Outcome::Explored(_) => "explored".into(),
        Outcome::Pinned { .. } => "pinned".into(),
        Outcome::Unpinned { .. } => "unpinned".into(),
        Outcome::Exported { blocks, path, .. } => format!("{blocks} blocks -> {}", path.display()),
        Outcome::Connected { addr } => format!("connected to {addr}"),
        Outcome::Disconnected { peer } => format!("disconnected {peer}"),
        _ => "done".into(),
    }
}

/// What an `ls` preview shows: one line per entry.
pub fn ls_lines(outcome: &Outcome) -> Option<String> {
    let Outcome::Listed { entries } = outcome else { return None };
    Some(entries.iter().map(|e| format!("{} {:>10} {}", e.cid, e.size, e.name)).collect::<Vec<_>>().join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CID: &str = "bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq";

    #[test]
    fn commands_become_typed_requests() {
        let cid: Cid = CID.parse().unwrap();
        let put = job(Command::Put("hello".into()), Path::new("/home")).unwrap();
        assert_eq!(
            (put.kind, put.target.to_string(), put.stdin.as_deref()),
            ("put", "5 bytes".into(), Some(&b"hello"[..]))
        );
        let get = job(Command::Get(cid.into(), Some("out".into())), Path::new("/home")).unwrap();
        assert_eq!(get.target, Target::Cid(cid));
        assert!(matches!(get.call.request, Request::Get { output: Some(ref p), .. } if p == Path::new("/home/out")));
        let cat = job(Command::Cat(cid.into()), Path::new("/")).unwrap();
        assert_eq!(cat.call.output_cap, Some(PREVIEW_BYTES), "a cat preview reads 16 KiB, not the file");
        let connect = job(Command::Connect("/ip4/127.0.0.1/tcp/1".parse().unwrap()), Path::new("/")).unwrap();
        assert_eq!(connect.shown, Shown::Quiet);
        assert!(job(Command::Help, Path::new("/")).is_none());
    }
}
