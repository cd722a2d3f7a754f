//! Making sure a whole DAG is stored: local blocks first, the rest from the network, through the running node
//! or a node started for the command. A cancel withdraws every want (peers get a CANCEL) and keeps what arrived.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use cid::Cid;

use super::outcome::GetStats;
use super::request::FetchOptions;
use super::{Cancelled, Ctx, OpEvent};
use crate::node::blockstore::{Blockstore, StoreError};
use crate::node::config::NodeConfig;
use crate::node::dag::walk::walk_dag;
use crate::node::events::Event;
use crate::node::fetch::{FetchStats, fetch_dag};
use crate::node::handle::NodeHandle;

/// Progress of a fetch is reported at most this often.
const REPORT_EVERY: Duration = Duration::from_millis(100);

/// Fetches what is missing under `cid` unless `fetch.offline`; `None` when everything was already stored.
pub fn ensure_local(ctx: &mut Ctx, store: &Blockstore, cid: &Cid, fetch: &FetchOptions) -> Result<Option<GetStats>> {
    let missing = match walk_dag(store, cid, &mut |_, _| Ok(())) {
        Ok(()) => return Ok(None),
        Err(StoreError::NotFound(missing)) => missing,
        Err(e) => return Err(e.into()),
    };
    if fetch.offline {
        bail!("block {missing} not found in the local store (and --offline)");
    }
    let timeout = Duration::from_secs(fetch.timeout_secs);
    if let Some(shared) = ctx.shared.clone() {
        return shared.runtime.block_on(fetch_with(ctx, &shared.node, cid, fetch, timeout, None)).map(Some);
    }
    let mut config = NodeConfig::new(ctx.repo.clone());
    config.mdns = fetch.mdns;
    config.routing.bootstrap = fetch.bootstrap.clone();
    config.routing.dht = crate::node::routing::config::DhtMode::Client;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime
        .block_on(async {
            let (node, events) = crate::node::start(config, store.clone())?;
            let events = fetch.events.then_some(events);
            let result = fetch_with(ctx, &node, cid, fetch, timeout, events).await;
            node.shutdown().await;
            result
        })
        .map(Some)
}

/// Dials `fetch.connect`, then fetches the DAG under `cid` within `timeout`, reporting progress (and the node's
/// events, when given) while it runs.
async fn fetch_with(
    ctx: &mut Ctx<'_>,
    node: &NodeHandle,
    cid: &Cid,
    fetch: &FetchOptions,
    timeout: Duration,
    mut node_events: Option<tokio::sync::mpsc::Receiver<Event>>,
) -> Result<GetStats> {
    let start = Instant::now();
    let mut dial_errors = Vec::new();
    for addr in &fetch.connect {
        if let Err(e) = node.dial(addr.clone()).await {
            dial_errors.push(e.to_string());
        }
    }
    let dial_ms = start.elapsed().as_millis() as u64;
    if !dial_errors.is_empty() && node.peers().await.map(|p| p.is_empty()).unwrap_or(true) {
        bail!("{}", dial_errors.join("; "));
    }
    let connected = Instant::now();
    let latest = Arc::new(Mutex::new(FetchStats::default()));
    let seen = latest.clone();
    let mut progress = move |s: &FetchStats| *seen.lock().expect("fetch stats") = *s;
    let fetching = tokio::time::timeout(timeout, fetch_dag(node, *cid, ctx.op, &mut progress));
    tokio::pin!(fetching);
    let mut tick = tokio::time::interval(REPORT_EVERY);
    let cancel = ctx.cancel.clone();
    let result = loop {
        tokio::select! {
            done = &mut fetching => break done,
            _ = cancel.cancelled() => return Err(Cancelled.into()),
            _ = tick.tick() => {
                let s = *latest.lock().expect("fetch stats");
                if s.blocks > 0 {
                    ctx.report(OpEvent::Fetch { blocks: s.blocks, bytes: s.bytes });
                }
            }
            Some(event) = async { match node_events.as_mut() { Some(rx) => rx.recv().await, None => std::future::pending().await } } => {
                ctx.report(OpEvent::Node { event: Box::new(event) });
            }
        }
    };
    match result {
        Ok(Ok(stats)) => {
            ctx.report(OpEvent::Fetch { blocks: stats.blocks, bytes: stats.bytes });
            Ok(GetStats {
                cid: *cid,
                bytes: stats.bytes,
                blocks: stats.blocks,
                fetched_blocks: stats.fetched_blocks,
                ms: connected.elapsed().as_millis() as u64,
                dial_ms,
            })
        }
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

/// Blocks and bytes of the whole DAG under `cid`, read from the store.
pub fn count(store: &Blockstore, cid: &Cid) -> Result<(u64, u64)> {
    let (mut blocks, mut bytes) = (0u64, 0u64);
    walk_dag(store, cid, &mut |_, d| {
        blocks += 1;
        bytes += d.len() as u64;
        Ok(())
    })?;
    Ok((blocks, bytes))
}
