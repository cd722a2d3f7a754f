//! Our side of Bitswap: what we want, whom we asked, what they answered. A pure state machine (no I/O): every
//! call returns the messages to send, so it is tested by feeding answers and reading the wire it asks for.
//!
//! As boxo's sessions do: WANT_HAVE goes to every connected Bitswap peer (with `sendDontHave`), WANT_BLOCK to one
//! peer known to have it (a HAVE, or a block served before); a DONT_HAVE or a timeout moves the WANT_BLOCK to
//! another peer that has it; once the block arrives, everyone else asked gets a CANCEL. Peers that connect later
//! receive the current wantlist.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use cid::Cid;
use libp2p::PeerId;
use tokio::sync::oneshot;

use super::message::WantType;
use super::protocol::{Outgoing, Want};
use crate::node::block::Block;

/// A WANT_BLOCK without an answer for this long is sent elsewhere (boxo's DONT_HAVE timeout is ~5 s).
pub const BLOCK_TIMEOUT: Duration = Duration::from_secs(5);
/// Wants with no HAVE from anyone are re-broadcast this often.
pub const REBROADCAST: Duration = Duration::from_secs(30);

struct OurWant {
    cid: Cid,
    since: Instant,
    waiters: Vec<oneshot::Sender<Block>>,
    asked: HashSet<PeerId>,
    haves: HashSet<PeerId>,
    dont_haves: HashSet<PeerId>,
    /// The peer asked for the block itself, and when.
    block_from: Option<(PeerId, Instant)>,
    last_broadcast: Instant,
}

/// What a received block turned out to be.
pub enum Received {
    /// Wanted: handed to these waiters; `latency` since it was first wanted.
    Wanted { waiters: Vec<oneshot::Sender<Block>>, latency: Duration },
    /// Received before (from another peer).
    Duplicate,
    /// Never asked for.
    Unsolicited,
}

#[derive(Default)]
pub struct Client {
    wants: HashMap<Vec<u8>, OurWant>,
    /// Connected peers that speak Bitswap.
    peers: HashSet<PeerId>,
    /// Peers that answered HAVE or sent blocks: WANT_BLOCK candidates. Value: WANT_BLOCKs outstanding.
    providers: HashMap<PeerId, usize>,
    /// Recently received blocks, to tell duplicates from unsolicited blocks.
    recent: HashSet<Vec<u8>>,
}

type Sends = Vec<(PeerId, Outgoing)>;

fn want(cid: Cid, want_type: WantType) -> Want {
    Want { cid, want_type, send_dont_have: true, cancel: false, priority: 1 }
}

fn push(sends: &mut Sends, peer: PeerId, w: Want) {
    match sends.iter_mut().find(|(p, _)| *p == peer) {
        Some((_, out)) => out.wants.push(w),
        None => sends.push((peer, Outgoing { wants: vec![w], ..Default::default() })),
    }
}

impl Client {
    pub fn wants_len(&self) -> usize {
        self.wants.len()
    }

    /// CIDs we want, with how long we have wanted each, and the peers asked.
    pub fn wantlist(&self) -> Vec<(Cid, Duration, usize)> {
        self.wants.values().map(|w| (w.cid, w.since.elapsed(), w.asked.len())).collect()
    }

    /// Wants `cid`; `waiter` gets the block.
    pub fn want(&mut self, cid: Cid, waiter: oneshot::Sender<Block>, now: Instant) -> Sends {
        let key = cid.hash().to_bytes();
        if let Some(w) = self.wants.get_mut(&key) {
            w.waiters.push(waiter);
            return Vec::new();
        }
        self.wants.insert(
            key.clone(),
            OurWant {
                cid,
                since: now,
                waiters: vec![waiter],
                asked: HashSet::new(),
                haves: HashSet::new(),
                dont_haves: HashSet::new(),
                block_from: None,
                last_broadcast: now,
            },
        );
        let mut sends = Vec::new();
        self.ask(&key, now, &mut sends);
        sends
    }

    /// Drops wants nobody waits for any more (a get that was cancelled), with CANCELs to the peers asked.
    pub fn prune(&mut self) -> Sends {
        let mut sends = Vec::new();
        let dead: Vec<Vec<u8>> = self
            .wants
            .iter_mut()
            .filter_map(|(k, w)| {
                w.waiters.retain(|t| !t.is_closed());
                w.waiters.is_empty().then(|| k.clone())
            })
            .collect();
        for key in dead {
            if let Some(w) = self.wants.remove(&key) {
                self.release(&w);
                for peer in w.asked {
                    push(&mut sends, peer, Want { cancel: true, ..want(w.cid, WantType::Block) });
                }
            }
        }
        sends
    }

    fn release(&mut self, w: &OurWant) {
        if let Some((p, _)) = w.block_from
            && let Some(n) = self.providers.get_mut(&p)
        {
            *n = n.saturating_sub(1);
        }
    }

    /// Asks for one want: WANT_BLOCK to the best provider that may have it, WANT_HAVE to every other peer not
    /// asked yet.
    fn ask(&mut self, key: &[u8], now: Instant, sends: &mut Sends) {
        let Some(w) = self.wants.get_mut(key) else { return };
        if w.block_from.is_none() {
            let candidate = self
                .providers
                .iter()
                .filter(|(p, _)| self.peers.contains(*p) && !w.dont_haves.contains(*p))
                .filter(|(p, _)| w.haves.is_empty() || w.haves.contains(*p))
                .min_by_key(|(p, n)| (**n, **p))
                .map(|(p, _)| *p);
            if let Some(p) = candidate {
                w.block_from = Some((p, now));
                w.asked.insert(p);
                *self.providers.entry(p).or_default() += 1;
                push(sends, p, want(w.cid, WantType::Block));
            }
        }
        let block_peer = w.block_from.map(|(p, _)| p);
        for p in &self.peers {
            if Some(*p) != block_peer && !w.asked.contains(p) {
                w.asked.insert(*p);
                push(sends, *p, want(w.cid, WantType::Have));
            }
        }
    }

    /// A peer that speaks Bitswap connected: it receives our whole wantlist.
    pub fn peer_ready(&mut self, peer: PeerId, now: Instant) -> Sends {
        if !self.peers.insert(peer) {
            return Vec::new();
        }
        let mut sends = Vec::new();
        let keys: Vec<Vec<u8>> = self.wants.keys().cloned().collect();
        for key in keys {
            self.ask(&key, now, &mut sends);
        }
        sends
    }

    /// A peer left: its WANT_BLOCKs go elsewhere.
    pub fn peer_gone(&mut self, peer: &PeerId, now: Instant) -> Sends {
        self.peers.remove(peer);
        self.providers.remove(peer);
        let mut sends = Vec::new();
        let keys: Vec<Vec<u8>> = self.wants.keys().cloned().collect();
        for key in keys {
            let w = self.wants.get_mut(&key).expect("key from the map");
            w.asked.remove(peer);
            w.haves.remove(peer);
            w.dont_haves.remove(peer);
            if w.block_from.is_some_and(|(p, _)| p == *peer) {
                w.block_from = None;
                self.ask(&key, now, &mut sends);
            }
        }
        sends
    }

    pub fn on_have(&mut self, peer: PeerId, cid: &Cid, now: Instant) -> Sends {
        self.providers.entry(peer).or_default();
        let key = cid.hash().to_bytes();
        let mut sends = Vec::new();
        if let Some(w) = self.wants.get_mut(&key) {
            w.haves.insert(peer);
            // A HAVE after a DONT_HAVE: the peer stored the block since (a server sends it as it arrives).
            w.dont_haves.remove(&peer);
            if w.block_from.is_none() {
                self.ask(&key, now, &mut sends);
            }
        }
        sends
    }

    pub fn on_dont_have(&mut self, peer: PeerId, cid: &Cid, now: Instant) -> Sends {
        let key = cid.hash().to_bytes();
        let mut sends = Vec::new();
        let Some(w) = self.wants.get_mut(&key) else { return sends };
        w.dont_haves.insert(peer);
        w.haves.remove(&peer);
        if w.block_from.is_some_and(|(p, _)| p == peer) {
            w.block_from = None;
            if let Some(n) = self.providers.get_mut(&peer) {
                *n = n.saturating_sub(1);
            }
            self.ask(&key, now, &mut sends);
        }
        sends
    }

    /// A verified block arrived from `peer`.
    pub fn on_block(&mut self, peer: PeerId, cid: &Cid, now: Instant) -> (Received, Sends) {
        let key = cid.hash().to_bytes();
        let mut sends = Vec::new();
        let Some(w) = self.wants.remove(&key) else {
            let seen = if self.recent.contains(&key) { Received::Duplicate } else { Received::Unsolicited };
            return (seen, sends);
        };
        self.release(&w);
        self.providers.entry(peer).or_default();
        if self.recent.len() > 100_000 {
            self.recent.clear();
        }
        self.recent.insert(key);
        for p in &w.asked {
            if *p != peer {
                push(&mut sends, *p, Want { cancel: true, ..want(w.cid, WantType::Block) });
            }
        }
        (Received::Wanted { waiters: w.waiters, latency: now.saturating_duration_since(w.since) }, sends)
    }

    /// Timeouts: a WANT_BLOCK unanswered past `BLOCK_TIMEOUT` moves to another provider; wants nobody has
    /// answered are re-broadcast every `REBROADCAST`.
    pub fn tick(&mut self, now: Instant) -> Sends {
        let mut sends = self.prune();
        let keys: Vec<Vec<u8>> = self.wants.keys().cloned().collect();
        for key in keys {
            let w = self.wants.get_mut(&key).expect("key from the map");
            if let Some((p, at)) = w.block_from {
                if now.saturating_duration_since(at) > BLOCK_TIMEOUT {
                    w.block_from = None;
                    w.dont_haves.insert(p);
                    if let Some(n) = self.providers.get_mut(&p) {
                        *n = n.saturating_sub(1);
                    }
                    self.ask(&key, now, &mut sends);
                }
            } else if now.saturating_duration_since(w.last_broadcast) > REBROADCAST {
                w.last_broadcast = now;
                w.asked.clear();
                w.dont_haves.clear();
                self.ask(&key, now, &mut sends);
            }
        }
        sends
    }
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
