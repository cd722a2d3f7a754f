//! The want splitter's view of the client: which peers may be asked for a want's block, how many WANT_BLOCKs each
//! may hold (its pipeline depth), and which of them is expected to deliver soonest.

use std::collections::{HashMap, HashSet};

use libp2p::PeerId;

use super::{MAX_DEPTH, MIN_DEPTH, OurWant, PIPELINE_SLACK};
use crate::node::bitswap::peer_stats::{DEFAULT_THROUGHPUT, PeerStats};
use crate::node::bitswap::session::{SessionId, Sessions};

/// The parts of the client the splitter reads while it changes one want.
pub(super) struct View<'a> {
    pub(super) peers: &'a HashSet<PeerId>,
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

    /// The candidate (other than `except`) expected to deliver `w` soonest, with a free slot in its pipeline.
    pub(super) fn best(&self, w: &OurWant, except: Option<PeerId>) -> Option<(PeerId, f64)> {
        let size = self.size(w);
        let fallback = self.fallback();
        let choices = w.haves.iter().chain(self.peers.iter().filter(|p| !w.haves.contains(*p)));
        choices
            .filter(|p| Some(**p) != except && self.candidate(w, p))
            .filter_map(|p| {
                let st = self.stat(p);
                let in_flight = st.map_or(0, |s| s.in_flight);
                (in_flight < self.depth(p, size)).then(|| {
                    let eta = st.map_or(size / fallback, |s| s.eta(size, fallback));
                    (*p, eta)
                })
            })
            .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
    }
}
