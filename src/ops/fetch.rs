//! The network for one command: the running node's, or a node started on the first missing block and stopped
//! when the command ends. Single blocks (path resolution, `ls`, `block get`) and whole DAGs (`cat`, `get`,
//! `pin add`, `dag export`, `dag fetch`) come through it, local blocks first; `--offline` never touches the
//! network. A cancel withdraws every want (peers get a CANCEL) and keeps what arrived.

use std::cell::RefCell;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use cid::Cid;

use super::outcome::GetStats;
use super::request::FetchOptions;
use super::{Cancelled, Ctx, OpEvent};
use crate::node::blockstore::{Blockstore, StoreError};
use crate::node::config::NodeConfig;
use crate::node::dag::BlockSource;
use crate::node::dag::resolver::{self, IpfsPath, ResolveError};
use crate::node::dag::walk::walk_dag;
use crate::node::events::Event;
use crate::node::fetch::{FetchStats, fetch_dag};
use crate::node::handle::NodeHandle;

/// Progress of a fetch is reported at most this often.
const REPORT_EVERY: Duration = Duration::from_millis(100);

/// A node started for one command (no daemon runs): its runtime, and its events when `--events` asked for them.
struct Own {
    runtime: tokio::runtime::Runtime,
    node: NodeHandle,
    events: Option<tokio::sync::mpsc::Receiver<Event>>,
}

impl Drop for Own {
    fn drop(&mut self) {
        self.runtime.block_on(self.node.shutdown());
    }
}

/// One command's way to the network. The timeout counts from its creation, for everything the command fetches.
pub struct Net {
    fetch: FetchOptions,
    deadline: Instant,
    own: Option<Own>,
    dialed: bool,
    /// How long dialing `--connect` took.
    dial_ms: u64,
}

impl Net {
    pub fn new(fetch: &FetchOptions) -> Self {
        Self {
            fetch: fetch.clone(),
            deadline: Instant::now() + Duration::from_secs(fetch.timeout_secs),
            own: None,
            dialed: false,
            dial_ms: 0,
        }
    }

    /// Never touches the network: a missing block is an error.
    pub fn offline() -> Self {
        Self::new(&FetchOptions { offline: true, ..FetchOptions::default() })
    }

    fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// The node to fetch `cid` with (the running one, or one started now) and a runtime to drive it; dials
    /// `--connect` once.
    fn node(&mut self, ctx: &Ctx, store: &Blockstore, cid: &Cid) -> Result<(tokio::runtime::Handle, NodeHandle)> {
        // Nobody could ever answer: say so now rather than after the timeout.
        if ctx.shared.is_none()
            && self.own.is_none()
            && self.fetch.connect.is_empty()
            && !self.fetch.mdns
            && self.fetch.bootstrap.is_empty()
            && self.fetch.routers.is_empty()
        {
            bail!(
                "could not fetch {cid}: not found in the local store and no peers connected (use --connect MULTIADDR)"
            );
        }
        let (runtime, node) = self.start(ctx, store)?;
        self.dial_connect(&runtime, &node)?;
        Ok((runtime, node))
    }

    /// The running node, or one started now (kept until the command ends), without dialling anyone.
    pub(crate) fn start(&mut self, ctx: &Ctx, store: &Blockstore) -> Result<(tokio::runtime::Handle, NodeHandle)> {
        Ok(match (&ctx.shared, &self.own) {
            (Some(shared), _) => (shared.runtime.clone(), shared.node.clone()),
            (None, Some(own)) => (own.runtime.handle().clone(), own.node.clone()),
            (None, None) => {
                let mut config = NodeConfig::new(ctx.repo.clone());
                config.mdns = self.fetch.mdns;
                // Bootstrap peers as the CLI resolved them (none unless it did); the DHT finds providers.
                config.routing.bootstrap = self.fetch.bootstrap.clone();
                config.routing.routers = self.fetch.routers.clone();
                config.routing.dht = crate::node::routing::config::DhtMode::Client;
                let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
                let (node, events) = {
                    let _entered = runtime.enter();
                    crate::node::start(config, store.clone())?
                };
                let events = self.fetch.events.then_some(events);
                let handle = runtime.handle().clone();
                self.own = Some(Own { runtime, node: node.clone(), events });
                (handle, node)
            }
        })
    }

    /// Dials `--connect` once; an error only when none of them could be reached and no peer is connected.
    pub(crate) fn dial_connect(&mut self, runtime: &tokio::runtime::Handle, node: &NodeHandle) -> Result<()> {
        if !self.dialed {
            self.dialed = true;
            let connect = self.fetch.connect.clone();
            let start = Instant::now();
            let dialed = runtime.block_on(async {
                let mut errors = Vec::new();
                for addr in connect {
                    if let Err(e) = node.dial(addr).await {
                        errors.push(e.to_string());
                    }
                }
                if !errors.is_empty() && node.peers().await.map(|p| p.is_empty()).unwrap_or(true) {
                    bail!("{}", errors.join("; "));
                }
                Ok(())
            });
            self.dial_ms = start.elapsed().as_millis() as u64;
            dialed?;
        }
        Ok(())
    }

    /// One block: from the store, else from the network (then stored).
    pub fn block(&mut self, ctx: &mut Ctx, store: &Blockstore, cid: &Cid) -> Result<Bytes> {
        if let Some(data) = store.get(cid)? {
            return Ok(data);
        }
        if self.fetch.offline {
            bail!("block {cid} not found in the local store (and --offline)");
        }
        let (runtime, node) = self.node(ctx, store, cid)?;
        let timeout = Duration::from_secs(self.fetch.timeout_secs);
        let remaining = self.remaining();
        let cancel = ctx.cancel.clone();
        let mut events = self.own.as_mut().and_then(|o| o.events.as_mut());
        let block = runtime.block_on(async {
            let want = tokio::time::timeout(remaining, node.want(*cid));
            tokio::pin!(want);
            loop {
                tokio::select! {
                    got = &mut want => break match got {
                        Ok(block) => Ok(block?),
                        Err(_) => Err(anyhow::anyhow!("{}", explain_timeout(&node, cid, timeout).await)),
                    },
                    _ = cancel.cancelled() => break Err(Cancelled.into()),
                    Some(event) = next_event(events.as_deref_mut()) => {
                        ctx.report(OpEvent::Node { event: Box::new(event) });
                    }
                }
            }
        })?;
        store.put(&block)?;
        Ok(block.data().clone())
    }

    /// Makes the whole DAG under `cid` local unless `--offline`; `None` when everything was already stored.
    pub fn dag(&mut self, ctx: &mut Ctx, store: &Blockstore, cid: &Cid) -> Result<Option<GetStats>> {
        let missing = match walk_dag(store, cid, &mut |_, _| Ok(())) {
            Ok(()) => return Ok(None),
            Err(StoreError::NotFound(missing)) => missing,
            Err(e) => return Err(e.into()),
        };
        if self.fetch.offline {
            bail!("block {missing} not found in the local store (and --offline)");
        }
        let (runtime, node) = self.node(ctx, store, cid)?;
        let timeout = Duration::from_secs(self.fetch.timeout_secs);
        let remaining = self.remaining();
        let events = self.own.as_mut().and_then(|o| o.events.as_mut());
        let mut stats = runtime.block_on(fetch_with(ctx, &node, cid, timeout, remaining, events))?;
        stats.dial_ms = self.dial_ms;
        Ok(Some(stats))
    }

    /// The CID `path` names, fetching the nodes on the way (and only those).
    pub fn resolve(&mut self, ctx: &mut Ctx, store: &Blockstore, path: &IpfsPath) -> Result<Cid> {
        if path.is_cid() {
            return Ok(path.root);
        }
        resolver::resolve(path, &mut |cid| self.block(ctx, store, cid)).map_err(|e| match e {
            ResolveError::Load(e) => e,
            other => anyhow::anyhow!("{other}"),
        })
    }
}

async fn next_event(events: Option<&mut tokio::sync::mpsc::Receiver<Event>>) -> Option<Event> {
    match events {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// A [`BlockSource`] that fetches what the store lacks through a [`Net`]. A failed fetch reads as missing; the
/// error itself is kept for [`Fetching::into_error`], so that the caller reports it instead of "not found".
pub struct Fetching<'n, 'c, 'a> {
    pub store: Blockstore,
    net: RefCell<&'n mut Net>,
    ctx: RefCell<&'c mut Ctx<'a>>,
    error: RefCell<Option<anyhow::Error>>,
}

impl<'n, 'c, 'a> Fetching<'n, 'c, 'a> {
    pub fn new(store: Blockstore, net: &'n mut Net, ctx: &'c mut Ctx<'a>) -> Self {
        Self { store, net: RefCell::new(net), ctx: RefCell::new(ctx), error: RefCell::new(None) }
    }

    /// The fetch error that made a block read as missing, if any.
    pub fn into_error(self) -> Option<anyhow::Error> {
        self.error.into_inner()
    }
}

impl BlockSource for Fetching<'_, '_, '_> {
    fn get(&self, cid: &Cid) -> Result<Option<Bytes>, StoreError> {
        if let Some(data) = self.store.get(cid)? {
            return Ok(Some(data));
        }
        let mut ctx = self.ctx.borrow_mut();
        match self.net.borrow_mut().block(&mut ctx, &self.store, cid) {
            Ok(data) => Ok(Some(data)),
            Err(e) => {
                self.error.borrow_mut().get_or_insert(e);
                Ok(None)
            }
        }
    }
}

/// Fetches the DAG under `cid` within `remaining`, reporting progress (and the node's events, when given).
async fn fetch_with(
    ctx: &mut Ctx<'_>,
    node: &NodeHandle,
    cid: &Cid,
    timeout: Duration,
    remaining: Duration,
    mut node_events: Option<&mut tokio::sync::mpsc::Receiver<Event>>,
) -> Result<GetStats> {
    let connected = Instant::now();
    let latest = Arc::new(Mutex::new(FetchStats::default()));
    let seen = latest.clone();
    let mut progress = move |s: &FetchStats| *seen.lock().unwrap_or_else(|p| p.into_inner()) = *s;
    let fetching = tokio::time::timeout(remaining, fetch_dag(node, *cid, ctx.op, &mut progress));
    tokio::pin!(fetching);
    let mut tick = tokio::time::interval(REPORT_EVERY);
    let cancel = ctx.cancel.clone();
    let result = loop {
        tokio::select! {
            done = &mut fetching => break done,
            _ = cancel.cancelled() => return Err(Cancelled.into()),
            _ = tick.tick() => {
                let s = *latest.lock().unwrap_or_else(|p| p.into_inner());
                if s.blocks > 0 {
                    ctx.report(OpEvent::Fetch { blocks: s.blocks, bytes: s.bytes });
                }
            }
            Some(event) = next_event(node_events.as_deref_mut()) => {
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
                dag_bytes: stats.bytes,
                blocks: stats.blocks,
                fetched_blocks: stats.fetched_blocks,
                ms: connected.elapsed().as_millis() as u64,
                dial_ms: 0,
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
