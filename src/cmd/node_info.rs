//! `id`, `swarm …` and `bitswap …`: what the running daemon's node knows. These run inside the daemon (through
//! the control socket); without one, `id` answers from the repo's identity and the others say how to start one.

use anyhow::{Result, anyhow, bail};
use libp2p::PeerId;
use serde::Serialize;

use super::Ctx;
use super::ctx::Shared;
use crate::cli::{BitswapCommand, SwarmCommand};
use crate::node::bitswap::ledger::Ledger;

fn daemon(ctx: &Ctx) -> Result<Shared> {
    ctx.shared.clone().ok_or_else(|| {
        anyhow!("no daemon is running on repo {} (start one with `swarmscope daemon`)", ctx.repo.display())
    })
}

fn parse_peer(text: &str) -> Result<PeerId> {
    text.parse().map_err(|e| anyhow!("invalid peer id {text:?}: {e}"))
}

#[derive(Serialize)]
struct Id {
    peer_id: String,
    agent: String,
    addresses: Vec<String>,
}

pub fn id(ctx: &mut Ctx, json: bool) -> Result<()> {
    let (peer_id, addresses) = match &ctx.shared {
        Some(s) => {
            let me = s.node.peer_id();
            let addrs = s.runtime.block_on(s.node.listen_addrs())?;
            (me, addrs.iter().map(|a| format!("{a}/p2p/{me}")).collect())
        }
        None => (crate::node::identity::load_or_create(&ctx.repo)?.public().to_peer_id(), Vec::new()),
    };
    let id = Id { peer_id: peer_id.to_string(), agent: crate::node::swarm::agent_version(), addresses };
    if json {
        writeln!(ctx.out, "{}", serde_json::to_string(&id)?)?;
    } else {
        writeln!(ctx.out, "{}", id.peer_id)?;
        for a in &id.addresses {
            writeln!(ctx.out, "{a}")?;
        }
    }
    Ok(())
}

pub fn swarm(ctx: &mut Ctx, command: SwarmCommand) -> Result<()> {
    let shared = daemon(ctx)?;
    let node = &shared.node;
    match command {
        SwarmCommand::Peers { verbose, json } => {
            let mut peers = shared.runtime.block_on(node.peers())?;
            peers.sort_by(|a, b| a.peer.cmp(&b.peer));
            for p in peers {
                if json {
                    writeln!(ctx.out, "{}", serde_json::to_string(&p)?)?;
                } else if verbose {
                    let agent = p.agent.as_deref().unwrap_or("-");
                    let bitswap = if p.bitswap { "bitswap" } else { "-" };
                    writeln!(ctx.out, "{}/p2p/{} {agent} {bitswap}", p.addr, p.peer)?;
                } else {
                    writeln!(ctx.out, "{}/p2p/{}", p.addr, p.peer)?;
                }
            }
        }
        SwarmCommand::Connect { multiaddr } => {
            let addr = super::parse_multiaddr(&multiaddr)?;
            shared.runtime.block_on(node.dial(addr))?;
            writeln!(ctx.out, "connect {multiaddr} success")?;
        }
        SwarmCommand::Disconnect { peer } => {
            let id = parse_peer(&peer)?;
            if !shared.runtime.block_on(node.disconnect(id))? {
                bail!("{peer} is not connected");
            }
            writeln!(ctx.out, "disconnect {peer} success")?;
        }
    }
    Ok(())
}

/// `bitswap stat`: the ledgers summed.
#[derive(Serialize, Default)]
struct Stat {
    peers: usize,
    wants: usize,
    blocks_received: u64,
    bytes_received: u64,
    blocks_sent: u64,
    bytes_sent: u64,
    duplicate_blocks: u64,
    rejected_blocks: u64,
    /// Tokio tasks alive in the daemon: the soak script watches this for leaks.
    tasks: usize,
}

#[derive(Serialize)]
struct LedgerOut<'a> {
    peer: &'a str,
    debt_ratio: f64,
    #[serde(flatten)]
    ledger: &'a Ledger,
}

pub fn bitswap(ctx: &mut Ctx, command: BitswapCommand) -> Result<()> {
    let shared = daemon(ctx)?;
    let node = &shared.node;
    match command {
        BitswapCommand::Stat { json } => {
            let ledgers = shared.runtime.block_on(node.ledgers())?;
            let wants = shared.runtime.block_on(node.wantlists())?;
            let tasks = shared.runtime.metrics().num_alive_tasks();
            let mut s = Stat { peers: ledgers.len(), wants: wants.ours.len(), tasks, ..Default::default() };
            for l in ledgers.values() {
                s.blocks_received += l.blocks_received;
                s.bytes_received += l.bytes_received;
                s.blocks_sent += l.blocks_sent;
                s.bytes_sent += l.bytes_sent;
                s.duplicate_blocks += l.duplicate_blocks;
                s.rejected_blocks += l.rejected_blocks;
            }
            if json {
                writeln!(ctx.out, "{}", serde_json::to_string(&s)?)?;
            } else {
                writeln!(ctx.out, "bitswap status")?;
                writeln!(ctx.out, "\tpeers: {}\n\twantlist: {} keys", s.peers, s.wants)?;
                writeln!(ctx.out, "\tblocks received: {} ({} bytes)", s.blocks_received, s.bytes_received)?;
                writeln!(ctx.out, "\tblocks sent: {} ({} bytes)", s.blocks_sent, s.bytes_sent)?;
                writeln!(
                    ctx.out,
                    "\tdup blocks received: {}\n\trejected blocks: {}",
                    s.duplicate_blocks, s.rejected_blocks
                )?;
                writeln!(ctx.out, "\tnode tasks: {}", s.tasks)?;
            }
        }
        BitswapCommand::Wantlist { peer, json } => {
            let wants = shared.runtime.block_on(node.wantlists())?;
            match peer {
                None => {
                    for w in &wants.ours {
                        if json {
                            writeln!(ctx.out, "{}", serde_json::to_string(w)?)?;
                        } else {
                            writeln!(ctx.out, "{}", w.cid)?;
                        }
                    }
                }
                Some(p) => {
                    let id = parse_peer(&p)?.to_string();
                    for w in wants.theirs.get(&id).into_iter().flatten() {
                        if json {
                            writeln!(ctx.out, "{}", serde_json::to_string(w)?)?;
                        } else {
                            writeln!(ctx.out, "{} {}", w.cid, w.want_type)?;
                        }
                    }
                }
            }
        }
        BitswapCommand::Ledger { peer, json } => {
            let id = parse_peer(&peer)?;
            let ledgers = shared.runtime.block_on(node.ledgers())?;
            let ledger = ledgers.get(&id).cloned().unwrap_or_default();
            let out = LedgerOut { peer: &peer, debt_ratio: ledger.debt_ratio(), ledger: &ledger };
            if json {
                writeln!(ctx.out, "{}", serde_json::to_string(&out)?)?;
            } else {
                writeln!(ctx.out, "Ledger for {peer}")?;
                writeln!(ctx.out, "Debt ratio:\t{:.6}", out.debt_ratio)?;
                writeln!(ctx.out, "Exchanges:\t{}", ledger.blocks_sent + ledger.blocks_received)?;
                writeln!(ctx.out, "Bytes sent:\t{}", ledger.bytes_sent)?;
                writeln!(ctx.out, "Bytes received:\t{}", ledger.bytes_received)?;
                writeln!(
                    ctx.out,
                    "Blocks sent:\t{}\nBlocks received:\t{}",
                    ledger.blocks_sent, ledger.blocks_received
                )?;
                writeln!(ctx.out, "Duplicate blocks:\t{}", ledger.duplicate_blocks)?;
            }
        }
    }
    Ok(())
}
