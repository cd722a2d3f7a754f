//! Carries out input-bar commands against the node and the store, off the UI loop: each becomes a task whose
//! results come back to the reducer as `AppEvent`s.

use std::path::PathBuf;

use tokio::sync::mpsc;

use super::command::Command;
use super::state::{AppEvent, AppState, Filter};
use crate::node::blockstore::{Blockstore, PinKind};
use crate::node::dag::{car, exporter, importer, profile::ImportOptions};
use crate::node::handle::NodeHandle;
use crate::node::op::OpId;

/// Where commands run: on this process's own node and store, or inside the daemon that holds the repo.
#[derive(Clone)]
pub enum Backend {
    Local { node: NodeHandle, store: Blockstore },
    Daemon(std::sync::Arc<crate::cmd::control::Client>),
}

/// What commands need.
#[derive(Clone)]
pub struct Exec {
    pub backend: Backend,
    pub events: mpsc::Sender<AppEvent>,
    /// Relative paths in commands are relative to where the TUI was started.
    pub cwd: PathBuf,
}

/// Bytes of a file shown by `cat`.
const PREVIEW_BYTES: usize = 16 * 1024;

impl Exec {
    fn path(&self, p: PathBuf) -> PathBuf {
        if p.is_absolute() { p } else { self.cwd.join(p) }
    }

    /// Runs `cmd`. Quick view changes happen on `state` at once; the rest runs as a task.
    pub fn run(&self, state: &mut AppState, cmd: Command) {
        match cmd {
            Command::Quit => state.quit = true,
            Command::Help => state.help = true,
            Command::Filter(text) => {
                state.filter = Filter::parse(&text);
                state.pane = Some(super::state::Pane::Transfers);
            }
            Command::Inspect(cid) => {
                let info = crate::cmd::cid::inspect(&cid);
                let body = serde_json::to_string_pretty(&info).unwrap_or_default();
                state.preview = Some((format!("inspect {cid}"), body));
            }
            other => self.spawn(other),
        }
    }

    /// Runs `work` as operation `id` (from the node's allocator; a fetch inside reports progress under it).
    fn op<F>(&self, id: OpId, kind: &str, target: String, work: F)
    where
        F: std::future::Future<Output = Result<String, String>> + Send + 'static,
    {
        let events = self.events.clone();
        let kind = kind.to_string();
        tokio::spawn(async move {
            let _ = events.send(AppEvent::OpStarted { id, kind: kind.clone(), target: target.clone() }).await;
            let result = work.await;
            match &result {
                Ok(r) => tracing::info!("{kind} {target}: {r}"),
                Err(e) => tracing::error!("{kind} {target}: {e}"),
            }
            let _ = events.send(AppEvent::OpDone { id, result }).await;
        });
    }

    fn status(&self, text: String, error: bool) {
        let events = self.events.clone();
        tokio::spawn(async move {
            let _ = events.send(AppEvent::Status { text, error }).await;
        });
    }

    fn spawn(&self, cmd: Command) {
        match &self.backend {
            Backend::Local { node, store } => self.spawn_local(node.clone(), store.clone(), cmd),
            Backend::Daemon(client) => self.spawn_remote(client.clone(), cmd),
        }
    }

    /// The command as the CLI says it, run inside the daemon through its control socket.
    fn spawn_remote(&self, client: std::sync::Arc<crate::cmd::control::Client>, cmd: Command) {
        let s = |x: &dyn std::fmt::Display| x.to_string();
        let (kind, target, args, stdin): (&str, String, Vec<String>, Vec<u8>) = match &cmd {
            Command::Put(text) => (
                "put",
                format!("{} bytes", text.len()),
                vec!["add".into(), "-Q".into(), "-".into()],
                text.clone().into_bytes(),
            ),
            Command::Add(p) => (
                "add",
                p.display().to_string(),
                vec!["add".into(), "-Q".into(), "-r".into(), p.display().to_string()],
                vec![],
            ),
            Command::Get(c, Some(p)) => {
                ("get", s(c), vec!["get".into(), s(c), "-o".into(), p.display().to_string()], vec![])
            }
            Command::Get(c, None) => ("get", s(c), vec!["dag".into(), "fetch".into(), s(c)], vec![]),
            Command::Cat(c) => ("cat", s(c), vec!["cat".into(), s(c)], vec![]),
            Command::Ls(c) => ("ls", s(c), vec!["ls".into(), s(c)], vec![]),
            Command::Explore(c) => ("explore", s(c), vec!["dag".into(), "explore".into(), s(c)], vec![]),
            Command::Connect(a) => ("connect", s(a), vec!["swarm".into(), "connect".into(), s(a)], vec![]),
            Command::Disconnect(p) => ("disconnect", s(p), vec!["swarm".into(), "disconnect".into(), s(p)], vec![]),
            Command::Pin(c) => ("pin", s(c), vec!["pin".into(), "add".into(), s(c)], vec![]),
            Command::Unpin(c) => ("unpin", s(c), vec!["pin".into(), "rm".into(), s(c)], vec![]),
            Command::Export(c, f) => (
                "export",
                s(c),
                vec!["dag".into(), "export".into(), s(c), "-o".into(), f.display().to_string()],
                vec![],
            ),
            Command::Import(f) => (
                "import",
                f.display().to_string(),
                vec!["dag".into(), "import".into(), f.display().to_string()],
                vec![],
            ),
            Command::Quit | Command::Help | Command::Filter(_) | Command::Inspect(_) => return,
        };
        let cwd = self.cwd.clone();
        let events = self.events.clone();
        let title = format!("{kind} {target}");
        self.op(OpId::next(), kind, target, async move {
            let out = blocking(move || client.run(&args, &stdin, &cwd).map_err(|e| e.to_string())).await?;
            if out.code != 0 {
                let err = String::from_utf8_lossy(&out.stderr).trim().trim_start_matches("error: ").to_string();
                return Err(if err.is_empty() { format!("exit code {}", out.code) } else { err });
            }
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            match cmd {
                Command::Cat(_) | Command::Ls(_) => {
                    let body: String = text.chars().take(PREVIEW_BYTES).collect();
                    let _ = events.send(AppEvent::Preview { title, body }).await;
                    Ok("shown".into())
                }
                Command::Explore(c) => {
                    let rows = text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
                    let _ = events.send(AppEvent::Explored { root: c.to_string(), rows, truncated: false }).await;
                    Ok("explored".into())
                }
                _ => Ok(text.lines().last().unwrap_or("done").trim().to_string()),
            }
        })
    }

    fn spawn_local(&self, node: NodeHandle, store: Blockstore, cmd: Command) {
        let id = OpId::next();
        match cmd {
            Command::Put(text) => self.op(id, "put", format!("{} bytes", text.len()), async move {
                blocking(move || {
                    // Held until the root is pinned: a `repo gc` in between would take the new blocks.
                    let _hold = store.hold_gc();
                    let mut writer = store.writer();
                    let imported = importer::import_file(
                        text.as_bytes(),
                        &ImportOptions::unixfs_v1_2025(),
                        &mut writer,
                        &mut |_| {},
                    )
                    .map_err(|e| e.to_string())?;
                    writer.finish().map_err(|e| e.to_string())?;
                    store.pin_add(&imported.cid, PinKind::Recursive).map_err(|e| e.to_string())?;
                    Ok(imported.cid.to_string())
                })
                .await
            }),
            Command::Add(path) => {
                let path = self.path(path);
                self.op(id, "add", path.display().to_string(), async move {
                    blocking(move || {
                        let opts = ImportOptions::unixfs_v1_2025();
                        // Held until the root is pinned: a `repo gc` in between would take the new blocks.
                        let _hold = store.hold_gc();
                        let mut writer = store.writer();
                        let result = if path.is_dir() {
                            importer::import_dir(&path, &opts, &Default::default(), &mut writer, &mut |_, _| {})
                        } else {
                            std::fs::File::open(&path)
                                .map_err(|e| {
                                    importer::ImportError::Io(std::io::Error::new(
                                        e.kind(),
                                        format!("{}: {e}", path.display()),
                                    ))
                                })
                                .and_then(|f| importer::import_file(f, &opts, &mut writer, &mut |_| {}))
                        };
                        match result {
                            Ok(imported) => {
                                writer.finish().map_err(|e| e.to_string())?;
                                store.pin_add(&imported.cid, PinKind::Recursive).map_err(|e| e.to_string())?;
                                Ok(imported.cid.to_string())
                            }
                            Err(e) => {
                                let _ = writer.abort();
                                Err(e.to_string())
                            }
                        }
                    })
                    .await
                })
            }
            Command::Get(cid, out) => {
                let out = out.map(|p| self.path(p));
                self.op(id, "get", cid.to_string(), async move {
                    let _hold = hold_gc(&store).await?;
                    let stats =
                        crate::node::fetch::fetch_dag(&node, cid, id, &mut |_| {}).await.map_err(|e| e.to_string())?;
                    if let Some(out) = out {
                        let shown = out.display().to_string();
                        blocking(move || exporter::get(&store, &cid, &out).map_err(|e| e.to_string())).await?;
                        return Ok(format!("{} blocks, {} bytes -> {shown}", stats.blocks, stats.bytes));
                    }
                    Ok(format!("{} blocks, {} bytes", stats.blocks, stats.bytes))
                })
            }
            Command::Cat(cid) => {
                let events = self.events.clone();
                self.op(id, "cat", cid.to_string(), async move {
                    let _hold = hold_gc(&store).await?;
                    crate::node::fetch::fetch_dag(&node, cid, id, &mut |_| {}).await.map_err(|e| e.to_string())?;
                    let body = blocking(move || {
                        let mut out = LimitedWriter { buf: Vec::new(), limit: PREVIEW_BYTES };
                        match exporter::cat(&store, &cid, &mut out) {
                            Ok(_) => {}
                            Err(exporter::ExportError::Io(_)) => {} // the preview is full
                            Err(e) => return Err(e.to_string()),
                        }
                        Ok(String::from_utf8_lossy(&out.buf).into_owned())
                    })
                    .await?;
                    let _ = events.send(AppEvent::Preview { title: format!("cat {cid}"), body }).await;
                    Ok("previewed".into())
                })
            }
            Command::Ls(cid) => {
                let events = self.events.clone();
                self.op(id, "ls", cid.to_string(), async move {
                    crate::node::fetch::fetch_dag(&node, cid, id, &mut |_| {}).await.map_err(|e| e.to_string())?;
                    let body = blocking(move || {
                        let entries = exporter::ls(&store, &cid).map_err(|e| e.to_string())?;
                        Ok(entries
                            .iter()
                            .map(|e| format!("{} {:>10} {}", e.cid, e.size, e.name))
                            .collect::<Vec<_>>()
                            .join("\n"))
                    })
                    .await?;
                    let _ = events.send(AppEvent::Preview { title: format!("ls {cid}"), body }).await;
                    Ok("listed".into())
                })
            }
            Command::Connect(addr) => {
                let me = self.clone();
                tokio::spawn(async move {
                    match node.dial(addr.clone()).await {
                        Ok(()) => me.status(format!("connected to {addr}"), false),
                        Err(e) => me.status(e.to_string(), true),
                    }
                });
            }
            Command::Disconnect(peer) => {
                let me = self.clone();
                tokio::spawn(async move {
                    match node.disconnect(peer).await {
                        Ok(true) => me.status(format!("disconnected {peer}"), false),
                        Ok(false) => me.status(format!("{peer} is not connected"), true),
                        Err(e) => me.status(e.to_string(), true),
                    }
                });
            }
            Command::Pin(cid) => self.op(id, "pin", cid.to_string(), async move {
                blocking(move || {
                    store.pin_add(&cid, PinKind::Recursive).map(|_| "pinned".into()).map_err(|e| e.to_string())
                })
                .await
            }),
            Command::Unpin(cid) => self.op(id, "unpin", cid.to_string(), async move {
                blocking(move || match store.pin_rm(&cid) {
                    Ok(true) => Ok("unpinned".into()),
                    Ok(false) => Err(format!("{cid} is not pinned")),
                    Err(e) => Err(e.to_string()),
                })
                .await
            }),
            Command::Export(cid, file) => {
                let file = self.path(file);
                self.op(id, "export", cid.to_string(), async move {
                    blocking(move || {
                        let f = std::fs::File::create(&file).map_err(|e| format!("{}: {e}", file.display()))?;
                        let mut w = std::io::BufWriter::new(f);
                        let stats = car::write_car(&store, &[cid], &mut w).map_err(|e| e.to_string())?;
                        std::io::Write::flush(&mut w).map_err(|e| e.to_string())?;
                        Ok(format!("{} blocks -> {}", stats.blocks, file.display()))
                    })
                    .await
                })
            }
            Command::Import(file) => {
                let file = self.path(file);
                self.op(id, "import", file.display().to_string(), async move {
                    blocking(move || {
                        let f = std::fs::File::open(&file).map_err(|e| format!("{}: {e}", file.display()))?;
                        // Held until the root is pinned: a `repo gc` in between would take the new blocks.
                        let _hold = store.hold_gc();
                        let mut writer = store.writer();
                        match car::import_car(std::io::BufReader::new(f), &mut writer) {
                            Ok((roots, _)) => {
                                writer.finish().map_err(|e| e.to_string())?;
                                for r in &roots {
                                    store.pin_add(r, PinKind::Recursive).map_err(|e| e.to_string())?;
                                }
                                Ok(roots.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(" "))
                            }
                            Err(e) => {
                                let _ = writer.abort();
                                Err(e.to_string())
                            }
                        }
                    })
                    .await
                })
            }
            Command::Explore(cid) => {
                let events = self.events.clone();
                tokio::spawn(async move {
                    let walked = tokio::task::spawn_blocking(move || explore(&store, cid)).await;
                    let event = match walked {
                        Ok((rows, truncated)) => AppEvent::Explored { root: cid.to_string(), rows, truncated },
                        Err(e) => AppEvent::Status { text: format!("explore {cid}: {e}"), error: true },
                    };
                    let _ = events.send(event).await;
                });
            }
            Command::Quit | Command::Help | Command::Filter(_) | Command::Inspect(_) => {}
        }
    }
}

/// Rows the explorer shows at most.
const EXPLORE_ROWS: usize = 2_000;

/// The DAG under `root` as far as the store has it: depth-first, each link with its name, size and presence.
/// Reads only the local store: a missing block is shown missing, not fetched.
pub fn explore(store: &Blockstore, root: cid::Cid) -> (Vec<super::state::DagRow>, bool) {
    use crate::node::dag::pb::Node;
    use crate::node::dag::unixfs_pb::{Data, DataType};
    use prost::Message;
    let mut rows = Vec::new();
    let mut stack = vec![(root, 0usize, String::new(), 0u64)];
    while let Some((cid, depth, name, tsize)) = stack.pop() {
        if rows.len() >= EXPLORE_ROWS {
            return (rows, true);
        }
        let block = store.get(&cid).ok().flatten();
        let (kind, links) = match (&block, cid.codec()) {
            (None, _) => ("missing".to_string(), Vec::new()),
            (Some(_), crate::node::block::RAW) => ("raw".to_string(), Vec::new()),
            (Some(data), crate::node::block::DAG_PB) => match Node::decode(&data[..]) {
                Ok(node) => {
                    let kind = node
                        .data
                        .as_ref()
                        .and_then(|d| Data::decode(&d[..]).ok())
                        .and_then(|d| DataType::try_from(d.r#type).ok())
                        .map_or("dag-pb".to_string(), |t| format!("{t:?}").to_lowercase());
                    (kind, node.links)
                }
                Err(_) => ("invalid dag-pb".to_string(), Vec::new()),
            },
            (Some(_), codec) => (crate::node::block::codec_name(codec).to_string(), Vec::new()),
        };
        rows.push(super::state::DagRow {
            depth,
            name,
            cid: cid.to_string(),
            size: block.as_ref().map_or(tsize, |b| b.len() as u64),
            kind,
            present: block.is_some(),
        });
        // File chunks have no names: show their position.
        for (i, link) in links.into_iter().enumerate().rev() {
            let name = if link.name.is_empty() { format!("[{i}]") } else { link.name };
            stack.push((link.cid, depth + 1, name, link.tsize.unwrap_or(0)));
        }
    }
    (rows, false)
}

/// Runs storage work on the blocking pool, never on the UI's or the node's threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, String> + Send + 'static) -> Result<T, String> {
    tokio::task::spawn_blocking(f).await.map_err(|e| e.to_string())?
}

/// Keeps `repo gc` from taking fetched (unpinned) blocks before they are read out; waits off the async threads
/// while a collection runs.
async fn hold_gc(store: &Blockstore) -> Result<crate::node::blockstore::GcHold, String> {
    let store = store.clone();
    blocking(move || Ok(store.hold_gc())).await
}

/// Collects up to `limit` bytes, then refuses more (which ends `cat` early).
struct LimitedWriter {
    buf: Vec<u8>,
    limit: usize,
}

impl std::io::Write for LimitedWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let room = self.limit - self.buf.len();
        if room == 0 {
            return Err(std::io::Error::other("preview full"));
        }
        let n = data.len().min(room);
        self.buf.extend_from_slice(&data[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explore_shows_present_and_missing_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let store = Blockstore::open(dir.path()).unwrap();
        let opts = ImportOptions { chunk_size: 100, max_links: 4, ..ImportOptions::unixfs_v1_2025() };
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 256) as u8).collect();
        let mut w = store.writer();
        let root = importer::import_file(&data[..], &opts, &mut w, &mut |_| {}).unwrap().cid;
        w.finish().unwrap();
        let first_leaf = {
            let node = crate::node::dag::pb::Node::decode(&store.get(&root).unwrap().unwrap()[..]).unwrap();
            let child =
                crate::node::dag::pb::Node::decode(&store.get(&node.links[0].cid).unwrap().unwrap()[..]).unwrap();
            child.links[0].cid
        };
        store.remove(&first_leaf).unwrap();
        let (rows, truncated) = explore(&store, root);
        assert!(!truncated);
        assert_eq!(rows.len(), 1 + 3 + 10, "root, 3 parents, 10 leaves");
        assert_eq!((rows[0].depth, rows[0].kind.as_str()), (0, "file"));
        let missing: Vec<_> = rows.iter().filter(|r| !r.present).collect();
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].cid, first_leaf.to_string());
        assert_eq!((missing[0].depth, missing[0].size, missing[0].kind.as_str()), (2, 100, "missing"));
    }
}
