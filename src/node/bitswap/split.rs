//! The want splitter's view of the client: which peers may be asked for a want's block, how many WANT_BLOCKs each
//! may hold (its pipeline depth), which of them is expected to deliver soonest, and the hand-over of a want's
//! WANT_BLOCK to a peer and back.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use libp2p::PeerId;

use super::{Assigned, BLOCK_TIMEOUT, MAX_DEPTH, MIN_DEPTH, OurWant, PIPELINE_SLACK, Sends, cancel, push, want};
use crate::node::bitswap::message::WantType;
use crate::node::bitswap::peer_stats::{DEFAULT_THROUGHPUT, PeerStats};
use crate::node::bitswap::session::{SessionId, Sessions};

/// The parts of the client the splitter reads while it changes one want.
pub(super) struct View<'a> {
    pub(super) peers: &'a HashSet<PeerId>,
    pub(super) named: &'a HashSet<PeerId>,
    pub(super) stats: &'a HashMap<PeerId, PeerStats>,
    pub(super) sessions: &'a Sessions,
    /// The best measured throughput: what a peer not measured yet is assumed to reach.
    pub(super) fallback: Option<f64>,
}

impl View<'_> {
    pub(super) fn stat(&self, p: &PeerId) -> Option<&PeerStats> {
        self.stats.get(p)
    }

    pub(super) fn fallback(&self) -> f64 {
        self.fallback.unwrap_or(DEFAULT_THROUGHPUT)
    }

    /// The block size `w`'s session expects.
    pub(super) fn size(&self, w: &OurWant) -> f64 {
        self.sessions.block_size(w.sessions.first().copied().unwrap_or(SessionId::NONE))
    }

    /// In `w`'s session: one of its peers (for a want of no session, any peer that provided before).
    pub(super) fn member(&self, w: &OurWant, p: &PeerId) -> bool {
        w.sessions.iter().any(|s| match *s {
            SessionId::NONE => self.stat(p).is_some_and(|st| st.provider),
            id => self.sessions.is_member(id, p),
        })
    }

    /// WANT_BLOCKs `p` may hold at once: its throughput times a round trip and the slack, in blocks.
    pub(super) fn depth(&self, p: &PeerId, size: f64) -> usize {
        let Some(st) = self.stat(p) else { return MIN_DEPTH };
        let bytes = st.throughput().unwrap_or(self.fallback()) * (st.latency().as_secs_f64() + PIPELINE_SLACK);
        ((bytes / size).ceil() as usize + 1).clamp(MIN_DEPTH, MAX_DEPTH)
    }

    /// May be asked for `w`'s block: connected, not known to lack it or to be slow for it, and known to have it or
    /// one of its session's peers.
    pub(super) fn candidate(&self, w: &OurWant, p: &PeerId) -> bool {
        self.peers.contains(p)
            && !w.dont_haves.contains(p)
            && !w.slow.contains(p)
            && (w.haves.contains(p) || self.member(w, p))
    }

    /// The candidate (other than `except`) expected to deliver `w` soonest, with a free slot in its pipeline. The
    /// only candidate always has room: nobody else could take the want, and holding it back as a WANT_HAVE would
    /// cost a round trip (the start of a fetch from one peer keeps that peer's pipeline full from the first
    /// message); once another peer joins, the overfull pipeline sheds its newest wants to it (`rebalance`).
    pub(super) fn best(&self, w: &OurWant, except: Option<PeerId>) -> Option<(PeerId, f64)> {
        let size = self.size(w);
        let fallback = self.fallback();
        let choices = w.haves.iter().chain(self.peers.iter().filter(|p| !w.haves.contains(*p)));
        let candidates: Vec<&PeerId> = choices.filter(|p| self.candidate(w, p)).collect();
        let sole = candidates.len() == 1;
        candidates
            .into_iter()
            .filter(|p| Some(**p) != except)
            .filter_map(|p| {
                let st = self.stat(p);
                let in_flight = st.map_or(0, |s| s.in_flight);
                (sole || in_flight < self.depth(p, size)).then(|| {
                    let eta = st.map_or(size / fallback, |s| s.eta(size, fallback));
                    (*p, eta)
                })
            })
            .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
    }

    /// For a session's want that no connected peer is a candidate for (its first, before any HAVE): the peer
    /// likeliest to have it, to ask for the block at once. A peer the user dialled by name comes first, then one
    /// that provided blocks or HAVEs before; the nearer first among equals; the only connected peer is the guess
    /// too (nobody else could answer). None when nothing points anywhere (a node among many DHT peers asks them all
    /// for HAVEs, as before), or once a guess was made for this want.
    pub(super) fn guess(&self, w: &OurWant) -> Option<(PeerId, f64)> {
        if w.guessed || w.sessions.iter().all(|s| *s == SessionId::NONE) {
            return None;
        }
        if self.peers.iter().any(|p| self.candidate(w, p)) {
            return None; // a candidate without room: it gets the want when it frees up
        }
        let rank = |p: &PeerId| {
            let st = self.stat(p);
            let named = self.named.contains(p);
            let provider = st.is_some_and(|s| s.provider);
            (!named, !provider, st.map_or(Duration::MAX, PeerStats::latency), *p)
        };
        let p = self
            .peers
            .iter()
            .filter(|p| !w.dont_haves.contains(*p) && !w.slow.contains(*p))
            .filter(|p| self.peers.len() == 1 || self.named.contains(*p) || self.stat(p).is_some_and(|s| s.provider))
            .min_by_key(|p| rank(p))?;
        Some((*p, self.size(w) / self.fallback()))
    }
}

/// Sends `w`'s WANT_BLOCK to `p`, expected in `eta` seconds.
pub(super) fn assign(
    w: &mut OurWant,
    stats: &mut HashMap<PeerId, PeerStats>,
    p: PeerId,
    eta: f64,
    now: Instant,
    sends: &mut Sends,
) {
    stats.entry(p).or_default().assigned(now);
    let deadline = now + BLOCK_TIMEOUT + Duration::from_secs_f64(2.0 * eta.min(60.0));
    w.block_from = Some(Assigned { peer: p, at: now, deadline });
    w.asked.insert(p, now);
    push(sends, p, want(w.cid, WantType::Block));
}

/// Takes `w`'s WANT_BLOCK back from its peer; with `cancel`, the peer is told.
pub(super) fn unassign(w: &mut OurWant, stats: &mut HashMap<PeerId, PeerStats>, tell: bool, sends: &mut Sends) {
    let Some(a) = w.block_from.take() else { return };
    if let Some(st) = stats.get_mut(&a.peer) {
        st.released();
    }
    if tell {
        w.asked.remove(&a.peer);
        cancel(sends, a.peer, w.cid);
    }
}
