//! `bootstrap list|add|rm|reset` (Kubo's `ipfs bootstrap`): the bootstrap peers kept in the repo, in a small text
//! file `REPO/bootstrap` (one multiaddr a line; `#` comments). No file means Kubo's public list; an empty file means
//! none. A node started on the repo (`tui`, `daemon`, a command that fetches) dials this list when no `--bootstrap`
//! is given; `--bootstrap` and `--no-bootstrap` still win. A running daemon reads it at its next start.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use libp2p::Multiaddr;

use crate::cli::BootstrapCommand;
use crate::node::routing::config::{parse_bootstrap, public_bootstrap};

/// The file's name in the repo.
pub const FILE: &str = "bootstrap";

fn path(repo: &Path) -> PathBuf {
    repo.join(FILE)
}

/// The repo's list, or `None` when it keeps none (the public list applies). A bad line is an error that names it.
pub fn load(repo: &Path) -> Result<Option<Vec<Multiaddr>>> {
    let file = path(repo);
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        // A repo this user may not read (another user's, through its daemon's socket): no bootstrap peers at all,
        // never the public list instead of the owner's; what the command does next says what is denied.
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => return Ok(Some(Vec::new())),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", file.display())),
    };
    let lines = text.lines().map(str::trim).enumerate().filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
    let list = lines
        .map(|(n, l)| parse_bootstrap(l).map_err(|e| anyhow::anyhow!("{} line {}: {e}", file.display(), n + 1)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(list))
}

/// The list a node on `repo` dials by default: the repo's, else the public one.
fn effective(repo: &Path) -> Result<Vec<Multiaddr>> {
    Ok(load(repo)?.unwrap_or_else(public_bootstrap))
}

/// Writes `list` as the repo's (atomically: a temporary file renamed over it).
fn save(repo: &Path, list: &[Multiaddr]) -> Result<()> {
    std::fs::create_dir_all(repo).with_context(|| format!("cannot create {}", repo.display()))?;
    let file = path(repo);
    let tmp = repo.join(format!("{FILE}.tmp"));
    let mut text = String::from("# swarmscope bootstrap peers: one multiaddr a line (`swarmscope bootstrap`)\n");
    for a in list {
        text.push_str(&format!("{a}\n"));
    }
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &file).with_context(|| format!("cannot write {}", file.display()))
}

/// Runs one `bootstrap` command, printing as Kubo does: the list one per line; `added MA` / `removed MA` per
/// address changed.
pub fn run(repo: &Path, command: BootstrapCommand, out: &mut impl Write) -> Result<()> {
    match command {
        BootstrapCommand::List => {
            for a in effective(repo)? {
                writeln!(out, "{a}")?;
            }
        }
        BootstrapCommand::Add { addrs } => {
            let new =
                addrs.iter().map(|a| parse_bootstrap(a)).collect::<Result<Vec<_>, _>>().map_err(anyhow::Error::msg)?;
            let mut list = effective(repo)?;
            let mut added = Vec::new();
            for a in new {
                if !list.contains(&a) {
                    list.push(a.clone());
                    added.push(a);
                }
            }
            save(repo, &list)?;
            for a in added {
                writeln!(out, "added {a}")?;
            }
        }
        BootstrapCommand::Rm { addrs, all } => {
            let mut list = effective(repo)?;
            let removed: Vec<Multiaddr> = if all {
                std::mem::take(&mut list)
            } else {
                let gone = addrs
                    .iter()
                    .map(|a| a.parse::<Multiaddr>().map_err(|e| anyhow::anyhow!("bad multiaddr {a:?}: {e}")))
                    .collect::<Result<Vec<_>>>()?;
                let removed: Vec<Multiaddr> = list.iter().filter(|a| gone.contains(a)).cloned().collect();
                list.retain(|a| !gone.contains(a));
                removed
            };
            save(repo, &list)?;
            for a in removed {
                writeln!(out, "removed {a}")?;
            }
        }
        BootstrapCommand::Reset => {
            match std::fs::remove_file(path(repo)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e).with_context(|| format!("cannot remove {}", path(repo).display())),
            }
            for a in public_bootstrap() {
                writeln!(out, "added {a}")?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "/ip4/127.0.0.1/tcp/4001/p2p/QmaCpDMGvV2BGHeYERUEnRQAwe3N8SzbUtfsmvsqQLuvuJ";
    const B: &str = "/ip4/127.0.0.1/tcp/4002/p2p/12D3KooWQdyXe6437mcrku6raQEkxMYok54tJYVamkq8kLQTMzLf";

    fn cmd(repo: &Path, c: BootstrapCommand) -> String {
        let mut out = Vec::new();
        run(repo, c, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_list_is_kept_in_the_repo_public_until_changed() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path();
        let public: Vec<String> = public_bootstrap().iter().map(|a| a.to_string()).collect();
        assert_eq!(load(repo).unwrap(), None, "no file: the public list");
        assert_eq!(cmd(repo, BootstrapCommand::List).lines().collect::<Vec<_>>(), public);
        let removed = cmd(repo, BootstrapCommand::Rm { addrs: vec![], all: true });
        assert_eq!(removed.lines().count(), public.len());
        assert_eq!(load(repo).unwrap(), Some(vec![]), "rm --all: none");
        assert_eq!(
            cmd(repo, BootstrapCommand::Add { addrs: vec![A.into(), B.into(), A.into()] }),
            format!("added {A}\nadded {B}\n")
        );
        assert_eq!(cmd(repo, BootstrapCommand::List), format!("{A}\n{B}\n"));
        assert_eq!(cmd(repo, BootstrapCommand::Rm { addrs: vec![A.into()], all: false }), format!("removed {A}\n"));
        assert_eq!(load(repo).unwrap(), Some(vec![B.parse().unwrap()]));
        cmd(repo, BootstrapCommand::Reset);
        assert_eq!(load(repo).unwrap(), None, "reset: back to the public list");
        // Bad input: one clear line, the list unchanged.
        let mut out = Vec::new();
        let e = run(repo, BootstrapCommand::Add { addrs: vec!["/ip4/127.0.0.1/tcp/1".into()] }, &mut out).unwrap_err();
        assert!(e.to_string().contains("must end with /p2p/"), "{e}");
        assert_eq!(load(repo).unwrap(), None);
        std::fs::write(repo.join(FILE), "# mine\nnonsense\n").unwrap();
        assert!(load(repo).unwrap_err().to_string().contains("line 2"), "a bad line is named");
    }
}
