//! `id`, `swarm …` and `bitswap …`: what the running node knows. Without one, `id` answers from the repo's
//! identity and the others say how to start a daemon.

use anyhow::{Result, bail};
use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, PeerId};

use super::outcome::{BitswapStat, IdInfo};
use super::{Ctx, Outcome};

pub fn id(ctx: &mut Ctx) -> Result<Outcome> {
    let (peer_id, addresses, dht_mode) = match &ctx.shared {
        Some(s) => {
            let me = s.node.peer_id();
            let addrs = s.runtime.block_on(s.node.listen_addrs())?;
            let mode = s.runtime.block_on(s.node.routing_status())?.dht_mode;
            (me, addrs.into_iter().map(|a| a.with(Protocol::P2p(me))).collect(), Some(mode))
        }
        None => (crate::node::identity::load_or_create(&ctx.repo)?.public().to_peer_id(), Vec::new(), None),
    };
    Ok(Outcome::Id(IdInfo { peer_id, agent: crate::node::swarm::agent_version(), addresses, dht_mode }))
}

/// Connected peers, sorted by peer id.
pub fn peers(ctx: &mut Ctx) -> Result<Outcome> {
    let s = ctx.node()?;
    let mut peers = s.runtime.block_on(s.node.peers())?;
    peers.sort_by(|a, b| a.peer.cmp(&b.peer));
    Ok(Outcome::Peers { peers })
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
    let ledgers = s.runtime.block_on(s.node.ledgers())?;
    let wants = s.runtime.block_on(s.node.wantlists())?;
    let tasks = s.runtime.metrics().num_alive_tasks();
    let mut stat = BitswapStat { peers: ledgers.len(), wants: wants.ours.len(), tasks, ..Default::default() };
    for l in ledgers.values() {
        stat.blocks_received += l.blocks_received;
        stat.bytes_received += l.bytes_received;
        stat.blocks_sent += l.blocks_sent;
        stat.bytes_sent += l.bytes_sent;
        stat.duplicate_blocks += l.duplicate_blocks;
        stat.rejected_blocks += l.rejected_blocks;
    }
    Ok(Outcome::BitswapStat(stat))
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
    let ledgers = s.runtime.block_on(s.node.ledgers())?;
    Ok(Outcome::Ledger { peer, ledger: ledgers.get(&peer).cloned().unwrap_or_default() })
}
