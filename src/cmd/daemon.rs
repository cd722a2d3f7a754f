//! `daemon`: the node, headless. With `--json`, stdout is one JSON object per line: the `ready` line once every
//! listener is up, then every node event. Commands for the repo run inside it, through the control socket.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

use crate::cli::DaemonArgs;
use crate::control::server::Daemon;
use crate::node::config::NodeConfig;
use crate::node::events::NodeEvent;
use crate::ops::Shared;
use crate::recording::{NodeLine, Recorder};

pub fn run(repo: &Path, args: &DaemonArgs) -> Result<()> {
    let storage_max = crate::node::storage_limit::parse_size(&args.storage_max).map_err(anyhow::Error::msg)?;
    let store = crate::node::blockstore::Blockstore::open(repo)?;
    let mut config = NodeConfig::new(repo.to_path_buf());
    args.node.configure(&mut config)?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let (node, mut events) = crate::node::start(config, store.clone())?;
        let (watchers, _) = tokio::sync::broadcast::channel(4096);
        let shared = Shared { store: store.clone(), node: node.clone(), runtime: tokio::runtime::Handle::current() };
        crate::control::server::serve(Daemon { repo: repo.to_path_buf(), shared, events: watchers.clone() })?;
        let auto_gc = args
            .enable_gc
            .then(|| tokio::spawn(crate::node::storage_limit::run(store.clone(), node.clone(), storage_max)));
        let mut stdout = std::io::stdout().lock();
        let mut ready = false;
        let mut early = Vec::new();
        let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        let mut recorder = args.node.recording("daemon")?;
        // A recording also has the store's totals (the TUI's header shows them), every few seconds.
        let mut totals = tokio::time::interval(std::time::Duration::from_secs(2));
        let mut now_ms = 0;
        loop {
            let event = tokio::select! {
                e = events.recv() => match e { Some(e) => e, None => break },
                _ = tokio::signal::ctrl_c() => break,
                _ = sigterm.recv() => break,
                _ = totals.tick(), if recorder.is_some() => {
                    record_totals(&mut recorder, &store, now_ms);
                    continue;
                }
            };
            now_ms = now_ms.max(event.at_ms);
            if let Some(r) = &mut recorder {
                r.record(&NodeLine::Event(event.clone()), event.at_ms);
                if let Some(e) = r.take_error() {
                    tracing::error!("{e}");
                    let kind = NodeEvent::Error { message: e };
                    let line = serde_json::to_string(&crate::node::events::Event { seq: 0, at_ms: now_ms, kind })?;
                    if args.json {
                        writeln!(stdout, "{line}")?;
                    } else {
                        eprintln!("error: recording stopped: see the log");
                    }
                }
            }
            if watchers.receiver_count() > 0 {
                let _ = watchers.send(event.clone());
            }
            if args.json {
                // The ready line comes first, whatever happened while the listeners came up.
                if !ready && !matches!(event.kind, NodeEvent::Ready { .. }) {
                    early.push(event);
                    continue;
                }
                writeln!(stdout, "{}", serde_json::to_string(&event)?)?;
                if !ready {
                    ready = true;
                    for e in early.drain(..) {
                        writeln!(stdout, "{}", serde_json::to_string(&e)?)?;
                    }
                }
                stdout.flush()?;
            } else {
                print_human(&mut stdout, &event.kind)?;
            }
        }
        if let Some(task) = auto_gc {
            task.abort();
        }
        node.shutdown().await;
        let _ = std::fs::remove_file(repo.join(crate::control::SOCKET));
        anyhow::Ok(())
    })
}

/// The store's totals, as a recording's `stored` line.
fn record_totals(recorder: &mut Option<Recorder>, store: &crate::node::blockstore::Blockstore, at_ms: u64) {
    let (Some(r), Ok(stat)) = (recorder.as_mut(), store.stat()) else { return };
    r.record(&NodeLine::Stored { at_ms, blocks: stat.blocks, bytes: stat.block_bytes }, at_ms);
}

fn print_human(out: &mut impl Write, event: &NodeEvent) -> Result<()> {
    match event {
        NodeEvent::Ready { peer_id, listen, .. } => {
            writeln!(out, "peer id: {peer_id}")?;
            for a in listen {
                writeln!(out, "listening on {a}")?;
            }
        }
        NodeEvent::Connected { peer, addr, direction, .. } => writeln!(out, "connected {peer} {addr} ({direction:?})")?,
        NodeEvent::Disconnected { peer, .. } => writeln!(out, "disconnected {peer}")?,
        NodeEvent::Error { message } => writeln!(out, "error: {message}")?,
        NodeEvent::ProtocolError { peer, error, .. } => writeln!(out, "protocol error from {peer}: {error}")?,
        NodeEvent::BlockRejected { peer, cid, reason, .. } => {
            writeln!(out, "rejected block {cid} from {peer}: {reason}")?
        }
        _ => {}
    }
    out.flush()?;
    Ok(())
}
