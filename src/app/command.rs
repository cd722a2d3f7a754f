//! The input bar's grammar: text in, a `Command` out, or one line saying what is wrong.

use std::path::PathBuf;

use cid::Cid;
use libp2p::{Multiaddr, PeerId};

use crate::node::dag::resolver::IpfsPath;

/// What the user asked for in the input bar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Add(PathBuf),
    Put(String),
    /// An IPFS path (a CID, or `CID/a/b`, `/ipfs/CID/a/b`) for the commands that read content.
    Get(IpfsPath, Option<PathBuf>),
    Cat(IpfsPath),
    Ls(IpfsPath),
    Inspect(Cid),
    Explore(IpfsPath),
    Connect(Multiaddr),
    Disconnect(PeerId),
    Pin(IpfsPath),
    Unpin(Cid),
    Export(Cid, PathBuf),
    Import(PathBuf),
    /// `filter` alone clears; `filter peer:X cid:Y kind:BLOCK` narrows the transfer log.
    Filter(String),
    /// Stop a running operation (its number in the Operations pane), here or in the daemon.
    Cancel(u64),
    /// Why a CID has not arrived: its reason and timeline (what Enter on a want opens).
    Why(Cid),
    /// `record start FILE`: write what the TUI is told to FILE for `swarmscope replay`; `record stop`: `None`.
    Record(Option<PathBuf>),
    Help,
    Quit,
}

/// Every command word with its arguments and what it does: the input bar's help and its Tab completion.
/// (`get`, `cat`, `ls`, `explore` and `pin` also take IPFS paths: `CID/a/b`, `/ipfs/CID/a/b`.)
pub const COMMANDS: &[(&str, &str, &str)] = &[
    ("add", "PATH", "add a file or directory (default profile)"),
    ("put", "TEXT", "store the text as a block, show its CID"),
    ("get", "CID [PATH]", "fetch a DAG from the network (and write it out)"),
    ("cat", "CID", "fetch and preview a file"),
    ("ls", "CID", "list a directory's entries"),
    ("inspect", "CID", "version, codec, multihash of a CID"),
    ("explore", "CID", "the DAG under a CID: which blocks are here, which are missing"),
    ("connect", "MULTIADDR", "dial a peer"),
    ("disconnect", "PEER", "close the connections to a peer"),
    ("pin", "CID", "pin a DAG recursively"),
    ("unpin", "CID", "remove a pin"),
    ("export", "CID FILE.car", "write the DAG as a CAR file"),
    ("import", "FILE.car", "import a CAR file and pin its roots"),
    ("filter", "[peer:P] [cid:C] [kind:K]", "narrow the transfer log (alone: clear)"),
    ("why", "CID", "why a CID has not arrived, and its timeline"),
    ("cancel", "OP", "stop a running operation (its # in Operations; x there cancels the selected one)"),
    ("record", "start FILE | stop", "record this session for `swarmscope replay FILE`"),
    ("help", "", "show the keys and commands"),
    ("quit", "", "leave (the node stops)"),
];

fn cid(word: Option<&str>, cmd: &str) -> Result<Cid, String> {
    let w = word.ok_or_else(|| format!("{cmd}: a CID is required"))?;
    crate::ops::parse::cid(w).map_err(|e| format!("{cmd}: {e}"))
}

fn ipfs_path(word: Option<&str>, cmd: &str) -> Result<IpfsPath, String> {
    let w = word.ok_or_else(|| format!("{cmd}: a CID is required"))?;
    crate::ops::parse::path(w).map_err(|e| format!("{cmd}: {e}"))
}

fn path(word: Option<&str>, cmd: &str, what: &str) -> Result<PathBuf, String> {
    word.map(PathBuf::from).ok_or_else(|| format!("{cmd}: {what} is required"))
}

/// Parses one line of the input bar.
pub fn parse(line: &str) -> Result<Command, String> {
    let line = line.trim();
    let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let rest = rest.trim();
    let mut args = rest.split_whitespace();
    let extra = |args: &mut std::str::SplitWhitespace| -> Result<(), String> {
        match args.next() {
            Some(x) => Err(format!("{word}: unexpected argument {x:?}")),
            None => Ok(()),
        }
    };
    let cmd = match word {
        "" => return Err("type a command, or `help`".into()),
        "add" => Command::Add(path(Some(rest).filter(|r| !r.is_empty()), word, "a path")?),
        "put" if rest.is_empty() => return Err("put: some text is required".into()),
        "put" => Command::Put(rest.to_string()),
        "get" => {
            let c = ipfs_path(args.next(), word)?;
            let p = args.next().map(PathBuf::from);
            extra(&mut args)?;
            Command::Get(c, p)
        }
        "cat" => Command::Cat(ipfs_path(args.next(), word)?),
        "ls" => Command::Ls(ipfs_path(args.next(), word)?),
        "inspect" => Command::Inspect(cid(args.next(), word)?),
        "why" => Command::Why(cid(args.next(), word)?),
        "explore" => Command::Explore(ipfs_path(args.next(), word)?),
        "pin" => Command::Pin(ipfs_path(args.next(), word)?),
        "unpin" => Command::Unpin(cid(args.next(), word)?),
        "connect" => {
            let a = args.next().ok_or("connect: a multiaddr is required")?;
            Command::Connect(crate::ops::parse::multiaddr(a).map_err(|e| format!("connect: {e}"))?)
        }
        "disconnect" => {
            let p = args.next().ok_or("disconnect: a peer id is required")?;
            Command::Disconnect(crate::ops::parse::peer_id(p).map_err(|e| format!("disconnect: {e}"))?)
        }
        "export" => {
            let c = cid(args.next(), word)?;
            Command::Export(c, path(args.next(), word, "an output file")?)
        }
        "import" => Command::Import(path(args.next(), word, "a CAR file")?),
        "filter" => Command::Filter(rest.to_string()),
        "cancel" => {
            let op = args.next().ok_or("cancel: an operation number is required (see Operations)")?;
            Command::Cancel(
                op.trim_start_matches('#').parse().map_err(|_| format!("cancel: not an operation number: {op:?}"))?,
            )
        }
        "record" => match args.next() {
            Some("start") => Command::Record(Some(path(args.next(), "record start", "a file")?)),
            Some("stop") => Command::Record(None),
            _ => return Err("record: `record start FILE` or `record stop`".into()),
        },
        "help" | "?" => Command::Help,
        "quit" | "q" | "exit" => Command::Quit,
        other => return Err(format!("unknown command {other:?} (try `help`)")),
    };
    if !matches!(cmd, Command::Add(_) | Command::Put(_) | Command::Filter(_) | Command::Get(..)) {
        extra(&mut args)?;
    }
    Ok(cmd)
}

/// What Tab can do with the input line without looking at the filesystem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Completion {
    /// The completed line.
    Line(String),
    /// Nothing known matches the last word: it may be a path (see [`complete_path`]).
    Path,
    /// Several match: the line as far as they agree, and the candidates to show.
    Several {
        line: String,
        candidates: Vec<String>,
    },
    Nothing,
}

/// The longest start all of `words` share.
fn common_prefix(words: &[&str]) -> String {
    let Some(first) = words.first() else { return String::new() };
    let mut n = first.len();
    for w in &words[1..] {
        n = n.min(first.bytes().zip(w.bytes()).take_while(|(a, b)| a == b).count());
    }
    first[..n].to_string()
}

/// Completes the first word from the command list, or an argument from `candidates` (known CIDs, peer ids).
pub fn complete(line: &str, candidates: &[String]) -> Completion {
    if !line.contains(' ') {
        let hits: Vec<&str> = COMMANDS.iter().map(|c| c.0).filter(|c| c.starts_with(line)).collect();
        return match hits.len() {
            0 => Completion::Nothing,
            1 => Completion::Line(format!("{} ", hits[0])),
            _ => Completion::Several {
                line: common_prefix(&hits),
                candidates: hits.iter().map(|h| h.to_string()).collect(),
            },
        };
    }
    let Some((head, last)) = line.rsplit_once(' ') else { return Completion::Nothing };
    if last.is_empty() {
        return Completion::Nothing;
    }
    let mut hits: Vec<&str> = candidates.iter().map(String::as_str).filter(|c| c.starts_with(last)).collect();
    // The tables show ids cut in the middle: their ends are what a user reads, so an end completes too.
    let by_end = hits.is_empty() && last.len() >= 4;
    if by_end {
        hits = candidates.iter().map(String::as_str).filter(|c| c.ends_with(last)).collect();
    }
    match hits.len() {
        0 => Completion::Path,
        1 => Completion::Line(format!("{head} {}", hits[0])),
        _ => Completion::Several {
            line: if by_end { line.to_string() } else { format!("{head} {}", common_prefix(&hits)) },
            candidates: hits.iter().map(|h| h.to_string()).collect(),
        },
    }
}

/// Completes the path that ends `line` when exactly one filesystem entry matches (reads the directory: the run
/// loop calls this, not the reducer).
pub fn complete_path(line: &str) -> Option<String> {
    let (head, prefix) = line.rsplit_once(' ')?;
    let p = std::path::Path::new(prefix);
    let (dir, stem) = if prefix.ends_with('/') {
        (p.to_path_buf(), String::new())
    } else {
        (p.parent().map(|d| d.to_path_buf()).unwrap_or_default(), p.file_name()?.to_string_lossy().into_owned())
    };
    let read = std::fs::read_dir(if dir.as_os_str().is_empty() { std::path::Path::new(".") } else { &dir }).ok()?;
    let hits: Vec<String> =
        read.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).filter(|n| n.starts_with(&stem)).collect();
    if hits.len() != 1 {
        return None;
    }
    let full = dir.join(&hits[0]);
    let slash = if full.is_dir() { "/" } else { "" };
    Some(format!("{head} {}{slash}", full.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CID: &str = "bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq";

    #[test]
    fn commands_parse() {
        assert_eq!(parse("put hello world"), Ok(Command::Put("hello world".into())));
        assert!(matches!(parse(&format!("get {CID}")), Ok(Command::Get(_, None))));
        assert!(matches!(parse(&format!("get {CID} /tmp/x")), Ok(Command::Get(_, Some(_)))));
        assert!(matches!(parse("connect /ip4/127.0.0.1/tcp/4021"), Ok(Command::Connect(_))));
        let Ok(Command::Cat(p)) = parse(&format!("cat /ipfs/{CID}/a/b.txt")) else { panic!("cat takes a path") };
        assert_eq!((p.root.to_string().as_str(), p.segments.as_slice()), (CID, &["a".to_string(), "b.txt".into()][..]));
        assert!(matches!(parse(&format!("ls {CID}/sub")), Ok(Command::Ls(p)) if p.segments == ["sub"]));
        assert_eq!(parse("q"), Ok(Command::Quit));
        assert_eq!(parse("record start /tmp/r.jsonl"), Ok(Command::Record(Some("/tmp/r.jsonl".into()))));
        assert_eq!(parse("record stop"), Ok(Command::Record(None)));
        assert!(parse("record").is_err() && parse("record start").is_err() && parse("record stop x").is_err());
    }

    #[test]
    fn bad_input_is_one_clear_line() {
        for (line, needle) in [
            ("get not-a-cid", "invalid CID"),
            ("get", "a CID is required"),
            ("connect /ip4/1.2.3.4/tcp/x", "invalid multiaddr"),
            ("frobnicate", "unknown command"),
            ("put", "some text"),
            (&format!("cat {CID} extra"), "unexpected argument"),
        ] {
            let e = parse(line).unwrap_err();
            assert!(e.contains(needle) && !e.contains('\n'), "{line}: {e}");
        }
    }

    #[test]
    fn tab_completes_commands_and_known_cids() {
        assert_eq!(complete("con", &[]), Completion::Line("connect ".into()));
        let several =
            Completion::Several { line: "c".into(), candidates: vec!["cat".into(), "connect".into(), "cancel".into()] };
        assert_eq!(complete("c", &[]), several, "cat, connect and cancel are ambiguous: all are shown");
        assert_eq!(complete("get bafkrei", &[CID.to_string()]), Completion::Line(format!("get {CID}")));
        assert_eq!(complete("add /tm", &[]), Completion::Path);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("only.car"), b"").unwrap();
        let line = format!("import {}/on", dir.path().display());
        assert_eq!(complete_path(&line), Some(format!("import {}/only.car", dir.path().display())));
    }
}
