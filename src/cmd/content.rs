//! `cat`, `get` and `ls`: reading UnixFS content, from the local store first and, for `cat` and `get`, from the
//! network when blocks are missing (an embedded node runs for the duration).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use cid::Cid;
use serde::Serialize;

use crate::cli::FetchArgs;
use crate::node::blockstore::{Blockstore, StoreError};
use crate::node::config::NodeConfig;
use crate::node::dag::exporter;
use crate::node::dag::walk::walk_dag;
use crate::node::fetch::{FetchStats, fetch_dag};
use crate::node::handle::NodeHandle;

use super::Ctx;

/// What a network fetch took, for `get --json`.
#[derive(Debug, Serialize)]
pub(crate) struct GetReport {
    cid: String,
    bytes: u64,
    blocks: u64,
    /// Blocks that came from the network (the rest were already stored: a resumed fetch).
    fetched_blocks: u64,
    /// From the first connection to the last block.
    ms: u64,
    /// From start to the first connection.
    dial_ms: u64,
}

pub fn cat(ctx: &mut Ctx, cid: &str, net: &FetchArgs) -> Result<()> {
    let cid = super::parse_cid(cid)?;
    let store = ctx.store()?;
    // A `repo gc` between fetching the blocks (unpinned) and reading them out would fail the cat half-way.
    let _hold = store.hold_gc();
    ensure_local(ctx, &store, &cid, net)?;
    exporter::cat(&store, &cid, &mut ctx.out)?;
    ctx.out.flush().context("writing to stdout")?;
    Ok(())
}

pub fn get(ctx: &mut Ctx, cid: &str, output: Option<&Path>, net: &FetchArgs, json: bool) -> Result<()> {
    let cid = super::parse_cid(cid)?;
    let store = ctx.store()?;
    // As for `cat`: what was fetched stays until it is written out.
    let _hold = store.hold_gc();
    let report = ensure_local(ctx, &store, &cid, net)?;
    let dest = ctx.path(output.unwrap_or_else(|| Path::new("")));
    let dest = if output.is_none() { ctx.cwd.join(cid.to_string()) } else { dest };
    exporter::get(&store, &cid, &dest)?;
    if json {
        let report = match report {
            Some(r) => r,
            None => {
                let mut stats = FetchStats::default();
                walk_dag(&store, &cid, &mut |_, d| {
                    stats.blocks += 1;
                    stats.bytes += d.len() as u64;
                    Ok(())
                })?;
                GetReport {
                    cid: cid.to_string(),
                    bytes: stats.bytes,
                    blocks: stats.blocks,
                    fetched_blocks: 0,
                    ms: 0,
                    dial_ms: 0,
                }
            }
        };
        writeln!(ctx.out, "{}", serde_json::to_string(&report)?)?;
    } else {
        writeln!(ctx.out, "Saved {} to {}", cid, dest.display())?;
    }
    Ok(())
}

/// Makes sure every block under `cid` is stored, fetching what is missing unless `--offline`: through the
/// daemon's node when one lends it, else through an embedded node that runs for the duration.
pub(crate) fn ensure_local(ctx: &mut Ctx, store: &Blockstore, cid: &Cid, net: &FetchArgs) -> Result<Option<GetReport>> {
    let missing = match walk_dag(store, cid, &mut |_, _| Ok(())) {
        Ok(()) => return Ok(None),
        Err(StoreError::NotFound(missing)) => missing,
        Err(e) => return Err(e.into()),
    };
    if net.offline {
        bail!("block {missing} not found in the local store (and --offline)");
    }
    let connect = net.connect.iter().map(|a| super::parse_multiaddr(a)).collect::<Result<Vec<_>>>()?;
    let timeout = Duration::from_secs(net.timeout);
    if let Some(shared) = ctx.shared.clone() {
        return shared.runtime.block_on(fetch_with(&shared.node, cid, connect, timeout)).map(Some);
    }
    let mut config = NodeConfig::new(ctx.repo.clone());
    config.mdns = !net.no_mdns;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let show_events = net.events;
    runtime
        .block_on(async {
            let (node, mut events) = crate::node::start(config, store.clone())?;
            if show_events {
                tokio::spawn(async move {
                    while let Some(e) = events.recv().await {
                        eprintln!("{}", serde_json::to_string(&e).unwrap_or_default());
                    }
                });
            }
            let result = fetch_with(&node, cid, connect, timeout).await;
            node.shutdown().await;
            result
        })
        .map(Some)
}

/// Dials `connect`, then fetches the DAG under `cid` within `timeout`.
async fn fetch_with(
    node: &NodeHandle,
    cid: &Cid,
    connect: Vec<libp2p::Multiaddr>,
    timeout: Duration,
) -> Result<GetReport> {
    let start = Instant::now();
    let mut dial_errors = Vec::new();
    for addr in connect {
        if let Err(e) = node.dial(addr).await {
            dial_errors.push(e.to_string());
        }
    }
    let dial_ms = start.elapsed().as_millis() as u64;
    if !dial_errors.is_empty() && node.peers().await.map(|p| p.is_empty()).unwrap_or(true) {
        bail!("{}", dial_errors.join("; "));
    }
    let connected = Instant::now();
    match tokio::time::timeout(timeout, fetch_dag(node, *cid, crate::node::op::OpId::next(), &mut |_| {})).await {
        Ok(Ok(stats)) => Ok(GetReport {
            cid: cid.to_string(),
            bytes: stats.bytes,
            blocks: stats.blocks,
            fetched_blocks: stats.fetched_blocks,
            ms: connected.elapsed().as_millis() as u64,
            dial_ms,
        }),
        Ok(Err(e)) => Err(e.into()),
        Err(_) => Err(anyhow::anyhow!("{}", explain_timeout(node, cid, timeout).await)),
    }
}

/// One line on what was tried: the peers asked and what they answered.
async fn explain_timeout(node: &NodeHandle, cid: &Cid, timeout: Duration) -> String {
    let ledgers = node.ledgers().await.unwrap_or_default();
    let peers = node.peers().await.unwrap_or_default();
    let mut line = format!("could not fetch {cid} within {}s", timeout.as_secs());
    if peers.is_empty() {
        line.push_str(": no peers connected (use --connect MULTIADDR)");
        return line;
    }
    let asked: Vec<String> = ledgers
        .iter()
        .map(|(p, l)| {
            format!(
                "{p}: {} wants sent, {} HAVE, {} DONT_HAVE, {} blocks",
                l.wants_sent, l.haves_received, l.dont_haves_received, l.blocks_received
            )
        })
        .collect();
    line.push_str(&format!("; asked {} peer(s): {}", asked.len(), asked.join("; ")));
    line
}

/// One line of `ls --json`.
#[derive(Debug, Serialize)]
struct LsEntry {
    name: String,
    cid: String,
    size: u64,
    #[serde(rename = "type")]
    kind: String,
}

pub fn ls(ctx: &mut Ctx, cid: &str, json: bool) -> Result<()> {
    let cid = super::parse_cid(cid)?;
    let store = ctx.store()?;
    let entries = exporter::ls(&store, &cid)?;
    for e in entries {
        let kind = format!("{:?}", e.kind).to_lowercase();
        if json {
            let line = LsEntry { name: e.name.clone(), cid: e.cid.to_string(), size: e.size, kind };
            writeln!(ctx.out, "{}", serde_json::to_string(&line)?)?;
        } else {
            let slash = if kind == "directory" || kind == "hamtshard" { "/" } else { "" };
            writeln!(ctx.out, "{} {} {}{}", e.cid, e.size, e.name, slash)?;
        }
    }
    Ok(())
}
