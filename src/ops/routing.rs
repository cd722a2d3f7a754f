//! `routing findprovs`, `routing findpeer`, `routing provide` (Kubo's names), and announcing what `add`,
//! `dag import` and `block put` store. They run on the daemon's node (the DHT lives there).

use std::time::Duration;

use anyhow::{Result, bail};
use cid::Cid;
use libp2p::PeerId;
use serde::{Deserialize, Serialize};

use super::{Ctx, Outcome};
use crate::node::dag::walk::walk_dag;

/// A findprovs query gives up after this (the DHT query itself stops at 60 s).
const FIND_TIMEOUT: Duration = Duration::from_secs(70);

/// One provider, as `routing findprovs --json` prints it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProviderRow {
    pub peer: String,
    pub addrs: Vec<String>,
    /// `dht` or `http`.
    pub source: String,
    pub ms: u64,
    /// Listed by a delegated router only as an HTTP trustless gateway (not dialled over libp2p).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub gateway: bool,
}

impl ProviderRow {
    /// The text line: peer id, addresses (`-` for none), source, and `gateway` for an HTTP-only provider.
    pub fn text(&self) -> String {
        let addrs = if self.addrs.is_empty() { "-".to_string() } else { self.addrs.join(" ") };
        let gateway = if self.gateway { " gateway" } else { "" };
        format!("{} {addrs} {}{gateway}", self.peer, self.source)
    }
}

/// The providers of `cid` from the DHT and the delegated routers at once, each written to the output (a text line,
/// or a JSON object with `json`) as soon as it arrives.
pub fn findprovs(ctx: &mut Ctx, cid: Cid, limit: usize, json: bool) -> Result<Outcome> {
    let s = ctx.node()?;
    let (node, runtime) = (s.node.clone(), s.runtime.clone());
    let cancel = ctx.cancel.clone();
    let mut rows = Vec::new();
    super::stream::stream(ctx, |out| {
        runtime.block_on(async {
            let mut rx = node.find_providers(cid, limit).await?;
            let deadline = tokio::time::Instant::now() + FIND_TIMEOUT;
            loop {
                let p = tokio::select! {
                    p = tokio::time::timeout_at(deadline, rx.recv()) => match p {
                        Ok(Some(p)) => p,
                        Ok(None) | Err(_) => break,
                    },
                    _ = cancel.cancelled() => break,
                };
                let row = ProviderRow {
                    peer: p.peer.to_string(),
                    addrs: p.addrs.iter().map(|a| a.to_string()).collect(),
                    source: p.source.to_string(),
                    ms: p.ms,
                    gateway: p.gateway,
                };
                let line = if json { serde_json::to_string(&row)? } else { row.text() };
                writeln!(out, "{line}")?;
                out.flush()?;
                rows.push(row);
            }
            anyhow::Ok(())
        })
    })?;
    ctx.check_cancelled()?;
    Ok(Outcome::Providers { providers: rows, streamed: true })
}

pub fn findpeer(ctx: &mut Ctx, peer: PeerId) -> Result<Outcome> {
    let s = ctx.node()?;
    let addrs = match s.runtime.block_on(s.node.find_peer(peer)) {
        Ok(addrs) => addrs,
        Err(e) => bail!("{peer}: {e}"),
    };
    Ok(Outcome::PeerAddrs { peer, addrs })
}

pub fn provide(ctx: &mut Ctx, cid: Cid, recursive: bool) -> Result<Outcome> {
    let s = ctx.node()?;
    if !s.node.store().has(&cid)? {
        bail!("{cid} is not in the repo: nothing to provide");
    }
    if !recursive {
        let peers = s.runtime.block_on(s.node.provide(cid))?;
        return Ok(Outcome::Provided { cid, peers, blocks: 1 });
    }
    let mut cids = Vec::new();
    let store = s.node.store().clone();
    walk_dag(&store, &cid, &mut |c, _| {
        cids.push(*c);
        Ok(())
    })
    .map_err(|e| {
        anyhow::anyhow!("cannot walk the DAG under {cid}: {e} (fetch it first: `swarmscope dag fetch {cid}`)")
    })?;
    let blocks = cids.len() as u64;
    let node = s.node.clone();
    // A few at a time, as the provide queue runs them: the queue is bounded and a large DAG must not overflow it.
    let peers = s.runtime.block_on(async move {
        let mut running = tokio::task::JoinSet::new();
        let (mut fewest, mut failed, mut first_error) = (u64::MAX, 0u64, None);
        let mut todo = cids.into_iter();
        loop {
            while running.len() < PROVIDE_AT_ONCE {
                let Some(c) = todo.next() else { break };
                let node = node.clone();
                running.spawn(async move { (c, node.provide(c).await) });
            }
            let Some(done) = running.join_next().await else { break };
            match done {
                Ok((_, Ok(peers))) => fewest = fewest.min(peers),
                Ok((c, Err(e))) => {
                    failed += 1;
                    first_error.get_or_insert_with(|| format!("{c}: {e}"));
                }
                Err(e) => {
                    failed += 1;
                    first_error.get_or_insert_with(|| e.to_string());
                }
            }
        }
        match first_error {
            Some(e) => Err(anyhow::anyhow!("{failed} of {blocks} announcements failed; the first: {e}")),
            None => Ok(fewest),
        }
    })?;
    Ok(Outcome::Provided { cid, peers, blocks })
}

/// `routing provide -r`: announcements waited on at once (the provide queue runs a few at a time anyway).
const PROVIDE_AT_ONCE: usize = 8;

/// Queues `roots` (`pinned` when they are) for announcement when a node runs, as its provide strategy says;
/// without a node there is no one to tell.
pub fn announce(ctx: &Ctx, roots: &[Cid], pinned: bool) {
    let Some(s) = &ctx.shared else { return };
    for root in roots {
        let _ = s.runtime.block_on(s.node.announce(*root, pinned));
    }
}
