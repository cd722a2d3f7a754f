//! `id`, `swarm …` and `bitswap …`: what the running node knows. Without one, `id` answers from the repo's
//! identity and the others say how to start a daemon.

use anyhow::{Result, bail};
use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, PeerId};

use super::outcome::{Bandwidth, BitswapStat, IdInfo};
use super::{Ctx, Outcome};

pub fn id(ctx: &mut Ctx) -> Result<Outcome> {
    let (peer_id, addresses, status) = match &ctx.shared {
        Some(s) => {
            let me = s.node.peer_id();
            let addrs = s.runtime.block_on(s.node.listen_addrs())?;
            let status = s.runtime.block_on(s.node.routing_status())?;
            (me, addrs.into_iter().map(|a| a.with(Protocol::P2p(me))).collect(), Some(status))
        }
        None => (crate::node::identity::load_or_create(&ctx.repo)?.public().to_peer_id(), Vec::new(), None),
    };
    let (dht_mode, reachability, routers) = match status {
        Some(s) => (Some(s.dht_mode), Some(s.reachability), Some(s.routers)),
        None => (None, None, None),
    };
    let agent = crate::node::swarm::agent_version();
    Ok(Outcome::Id(IdInfo { peer_id, agent, addresses, dht_mode, reachability, routers }))
}

/// Connected peers, sorted by peer id.
pub fn peers(ctx: &mut Ctx) -> Result<Outcome> {
    let s = ctx.node()?;
    let mut peers = s.runtime.block_on(s.node.peers())?;
    peers.sort_by(|a, b| a.peer.cmp(&b.peer));
    for p in &mut peers {
        p.addr = without_peer(&p.addr);
    }
    Ok(Outcome::Peers { peers })
}

/// The transport part of an address: a dialed address ends in `/p2p/ID` already, and `swarm peers` adds that
/// itself (Kubo prints `ADDR/p2p/ID` once).
fn without_peer(addr: &str) -> String {
    match addr.parse::<Multiaddr>() {
        Ok(mut a) => {
            while matches!(a.iter().last(), Some(Protocol::P2p(_))) {
                a.pop();
            }
            a.to_string()
        }
        Err(_) => addr.to_string(),
    }
}

pub fn connect(ctx: &mut Ctx, addr: Multiaddr) -> Result<Outcome> {
    let s = ctx.node()?;
    s.runtime.block_on(s.node.dial(addr.clone()))?;
    Ok(Outcome::Connected { addr })
}

pub fn disconnect(ctx: &mut Ctx, peer: PeerId) -> Result<Outcome> {
    let s = ctx.node()?;
    if !s.runtime.block_on(s.node.disconnect(peer))? {
        bail!("{peer} is not connected");
    }
    Ok(Outcome::Disconnected { peer })
}

pub fn bitswap_stat(ctx: &mut Ctx) -> Result<Outcome> {
    let s = ctx.node()?;
    // Node-lifetime totals: the peers that left still count (their sends and receipts happened).
    let t = s.runtime.block_on(s.node.bitswap_totals())?;
    let wants = s.runtime.block_on(s.node.wantlists())?;
    let tasks = s.runtime.metrics().num_alive_tasks();
    Ok(Outcome::BitswapStat(BitswapStat {
        peers: t.peers,
        departed: t.departed,
        wants: wants.ours.len(),
        blocks_received: t.totals.blocks_received,
        bytes_received: t.totals.bytes_received,
        blocks_sent: t.totals.blocks_sent,
        bytes_sent: t.totals.bytes_sent,
        duplicate_blocks: t.totals.duplicate_blocks,
        rejected_blocks: t.totals.rejected_blocks,
        tasks,
        copies: crate::node::copies::snapshot(),
    }))
}

/// How long `stats bw` measures its rates.
const RATE_WINDOW: std::time::Duration = std::time::Duration::from_secs(1);

/// Totals in and out (Bitswap block bytes over the node's lifetime, peers that left included) and their rates
/// over [`RATE_WINDOW`].
pub fn bandwidth(ctx: &mut Ctx) -> Result<Outcome> {
    let s = ctx.node()?.clone();
    let totals = |s: &super::Shared| -> Result<(u64, u64)> {
        let t = s.runtime.block_on(s.node.bitswap_totals())?;
        Ok((t.totals.bytes_received, t.totals.bytes_sent))
    };
    let (in0, out0) = totals(&s)?;
    let start = std::time::Instant::now();
    let cancel = ctx.cancel.clone();
    s.runtime.block_on(async {
        tokio::select! {
            _ = tokio::time::sleep(RATE_WINDOW) => Ok(()),
            _ = cancel.cancelled() => Err(super::Cancelled),
        }
    })?;
    let (in1, out1) = totals(&s)?;
    let secs = start.elapsed().as_secs_f64();
    Ok(Outcome::Bandwidth(Bandwidth {
        total_in: in1,
        total_out: out1,
        rate_in: in1.saturating_sub(in0) as f64 / secs,
        rate_out: out1.saturating_sub(out0) as f64 / secs,
    }))
}

/// Our wantlist, or what `peer` wants from us.
pub fn wantlist(ctx: &mut Ctx, peer: Option<PeerId>) -> Result<Outcome> {
    let s = ctx.node()?;
    let mut wants = s.runtime.block_on(s.node.wantlists())?;
    Ok(match peer {
        None => Outcome::Wantlist { ours: wants.ours },
        Some(peer) => Outcome::PeerWants { peer, wants: wants.theirs.remove(&peer.to_string()).unwrap_or_default() },
    })
}

pub fn ledger(ctx: &mut Ctx, peer: PeerId) -> Result<Outcome> {
    let s = ctx.node()?;
    // A peer that left keeps its ledger (marked by `left_ms`); one never seen has zeros, as in Kubo.
    let ledger = s.runtime.block_on(s.node.ledger(peer))?;
    Ok(Outcome::Ledger { peer, ledger: ledger.unwrap_or_default() })
}

/// The message inspector: the last messages received (from `peer`, carrying `cid`), newest first.
pub fn messages(ctx: &mut Ctx, peer: Option<PeerId>, cid: Option<cid::Cid>, limit: usize) -> Result<Outcome> {
    let s = ctx.node()?;
    let messages =
        s.runtime.block_on(s.node.messages(peer, cid, limit.clamp(1, crate::node::bitswap::inspect::KEEP)))?;
    Ok(Outcome::BitswapMessages { messages })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_dialed_address_loses_its_peer_id_once() {
        let id = "12D3KooWLRPJAA5o6Z6pVTyDfD7DvPMvSrcZxzf3fpYMwcDGWP3v";
        assert_eq!(super::without_peer(&format!("/ip4/127.0.0.1/tcp/1/p2p/{id}")), "/ip4/127.0.0.1/tcp/1");
        assert_eq!(super::without_peer("/ip4/127.0.0.1/udp/1/quic-v1"), "/ip4/127.0.0.1/udp/1/quic-v1");
    }
}
