//! Our side of Bitswap: what we want, whom we asked, what they answered. A pure state machine (no I/O): every
//! call returns the messages to send, so it is tested by feeding answers and reading the wire it asks for.
//!
//! Wants belong to sessions (one per DAG fetch, `session.rs`), whose peers are those that answered HAVE or sent
//! blocks for its CIDs. For each want the splitter sends WANT_BLOCK to the peer expected to deliver it soonest given
//! what it already has in flight (`peer_stats.rs`: a round trip plus its queue at its measured throughput), and
//! WANT_HAVE to every other connected peer, for discovery (a peer that answers HAVE joins). Each peer holds
//! only as many WANT_BLOCKs as keep its pipeline full (its throughput times a round trip and some slack); the rest
//! wait and go to whichever peer frees up first, so the split follows measured throughput and a slow peer still
//! gets its share. A peer that delivers nothing past its timeout loses its wants to others; a DONT_HAVE removes a
//! peer for that CID; a peer that leaves gives its wants back; a peer that answers HAVE joins the session. Once a
//! block arrives, everyone else asked gets a CANCEL.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use cid::Cid;
use libp2p::PeerId;
use tokio::sync::oneshot;

use super::ledger::Ledger;
use super::message::WantType;
use super::peer_stats::{PeerFigures, PeerStats};
use super::protocol::{Outgoing, Want};
use super::session::{SessionId, Sessions};
use crate::node::block::Block;
use split::{View, assign, unassign};

/// A WANT_BLOCK unanswered for this long plus twice its expected wait is sent elsewhere, whatever else its peer
/// delivers (the silence check of `peer_stats` catches a peer that stalls as a whole much sooner).
pub const BLOCK_TIMEOUT: Duration = Duration::from_secs(5);
/// Wants with no HAVE from anyone are re-broadcast this often.
pub const REBROADCAST: Duration = Duration::from_secs(30);
/// How often the node calls [`Client::tick`].
pub const TICK: Duration = Duration::from_millis(250);
/// Beyond one round trip, a peer's pipeline holds this much more work, so that it never runs dry while our next
/// WANT_BLOCK is on its way: servers batch the blocks they hold into one message (Helia sends all it has), so a
/// pipeline of one round trip drains with every batch. Measured on 100 Mbit/s links: 0.1 s left them 40 % idle.
const PIPELINE_SLACK: f64 = 0.3;
/// WANT_BLOCKs in flight per peer: at least three (one being sent, one batched with it, one queued), at most a DAG
/// fetch's window.
const MIN_DEPTH: usize = 3;
const MAX_DEPTH: usize = 64;
/// A peer that stalls this many times in a row, delivering nothing in between, leaves its sessions.
const STALLS_TO_LEAVE: u32 = 2;
/// Wants moved per rebalancing pass.
const MAX_MOVES: usize = 64;

struct Assigned {
    peer: PeerId,
    at: Instant,
    deadline: Instant,
}

struct OurWant {
    cid: Cid,
    since: Instant,
    waiters: Vec<oneshot::Sender<Block>>,
    /// The sessions that want it (usually one).
    sessions: Vec<SessionId>,
    /// Peers holding a want of ours for it, and since when.
    asked: HashMap<PeerId, Instant>,
    haves: HashSet<PeerId>,
    dont_haves: HashSet<PeerId>,
    /// Peers it was moved away from for slowness: not asked for the block again.
    slow: HashSet<PeerId>,
    /// The peer asked for the block itself.
    block_from: Option<Assigned>,
    /// Its WANT_BLOCK went once to a peer only likely to have it (`View::guess`): not again.
    guessed: bool,
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
    /// Peers the user dialled by name (`--connect`, `swarm connect`): the likeliest to have what is fetched next.
    named: HashSet<PeerId>,
    /// Measurements of the peers we fetch from.
    stats: HashMap<PeerId, PeerStats>,
    sessions: Sessions,
    /// Recently received blocks, and the session each was for: tells duplicates from unsolicited blocks, and a late
    /// HAVE or duplicate still makes its sender a peer of that session.
    recent: HashMap<Vec<u8>, SessionId>,
}

pub type Sends = Vec<(PeerId, Outgoing)>;

fn want(cid: Cid, want_type: WantType) -> Want {
    Want { cid, want_type, send_dont_have: true, cancel: false, priority: 1 }
}

fn push(sends: &mut Sends, peer: PeerId, w: Want) {
    match sends.iter_mut().find(|(p, _)| *p == peer) {
        Some((_, out)) => out.wants.push(w),
        None => sends.push((peer, Outgoing { wants: vec![w], ..Default::default() })),
    }
}

fn cancel(sends: &mut Sends, peer: PeerId, cid: Cid) {
    push(sends, peer, Want { cancel: true, ..want(cid, WantType::Block) });
}

impl Client {
    pub fn wants_len(&self) -> usize {
        self.wants.len()
    }

    /// Sessions not yet over.
    pub fn sessions_len(&self) -> usize {
        self.sessions.live_len()
    }

    /// CIDs we want, with how long we have wanted each, and the peers asked.
    pub fn wantlist(&self) -> Vec<(Cid, Duration, usize)> {
        self.wants.values().map(|w| (w.cid, w.since.elapsed(), w.asked.len())).collect()
    }

    /// Whether `cid` (any CID version) is wanted now: as the want names it, and since how long.
    pub fn wanted_as(&self, cid: &Cid) -> Option<(Cid, Duration)> {
        self.wants.get(&cid.hash().to_bytes()).map(|w| (w.cid, w.since.elapsed()))
    }

    /// The blocks still wanted by the live fetches of the DAG under `root`, with how long each has been wanted.
    pub fn session_wants(&self, root: &Cid) -> Vec<(Cid, Duration)> {
        let ids = self.sessions.rooted_at(root);
        if ids.is_empty() {
            return Vec::new();
        }
        let of = |w: &&OurWant| w.sessions.iter().any(|s| ids.contains(s));
        self.wants.values().filter(of).map(|w| (w.cid, w.since.elapsed())).collect()
    }

    /// What we measured of `peer`, and what it delivered to each session.
    pub fn figures(&self, peer: &PeerId) -> PeerFigures {
        let mut f = self.stats.get(peer).map(PeerStats::figures).unwrap_or_default();
        f.sessions = self.sessions.shares(peer);
        f
    }

    /// A connected peer's `ledger` with what our fetches measured of it (the node publishes both together).
    pub fn with_figures(&self, peer: &PeerId, ledger: &Ledger) -> Ledger {
        Ledger { figures: self.figures(peer), ..ledger.clone() }
    }

    fn view(&self) -> View<'_> {
        let fallback = self.stats.values().filter_map(PeerStats::throughput).reduce(f64::max);
        View { peers: &self.peers, named: &self.named, stats: &self.stats, sessions: &self.sessions, fallback }
    }

    /// The user dialled `peer` by name: a fetch with no better lead asks it for its first block at once.
    pub fn named(&mut self, peer: PeerId) {
        self.named.insert(peer);
    }

    /// Wants `cid` for `session`; `waiter` gets the block.
    pub fn want(&mut self, cid: Cid, session: SessionId, waiter: oneshot::Sender<Block>, now: Instant) -> Sends {
        let mut sends = Vec::new();
        self.want_into(cid, session, waiter, now, &mut sends);
        sends
    }

    /// Wants several blocks for `session` at once (a DAG node's children): their wants leave in one message per
    /// peer, so that a window of wants costs one round trip and not a message each.
    pub fn want_many(&mut self, wants: Vec<(Cid, oneshot::Sender<Block>)>, session: SessionId, now: Instant) -> Sends {
        let mut sends = Vec::new();
        for (cid, waiter) in wants {
            self.want_into(cid, session, waiter, now, &mut sends);
        }
        sends
    }

    fn want_into(
        &mut self,
        cid: Cid,
        session: SessionId,
        waiter: oneshot::Sender<Block>,
        now: Instant,
        sends: &mut Sends,
    ) {
        let key = cid.hash().to_bytes();
        self.sessions.wanted(session, cid, now);
        if let Some(w) = self.wants.get_mut(&key) {
            w.waiters.push(waiter);
            if !w.sessions.contains(&session) {
                w.sessions.push(session);
            }
            return;
        }
        self.wants.insert(
            key.clone(),
            OurWant {
                cid,
                since: now,
                waiters: vec![waiter],
                sessions: vec![session],
                asked: HashMap::new(),
                haves: HashSet::new(),
                dont_haves: HashSet::new(),
                slow: HashSet::new(),
                block_from: None,
                guessed: false,
                last_broadcast: now,
            },
        );
        self.ask(&key, now, sends);
    }

    /// The fetch of `session` is over (done or dropped); its figures stay published for a while.
    pub fn end_session(&mut self, session: SessionId) {
        self.sessions.end(session);
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
                for peer in w.asked.keys() {
                    cancel(&mut sends, *peer, w.cid);
                }
            }
        }
        sends
    }

    fn release(&mut self, w: &OurWant) {
        if let Some(a) = &w.block_from
            && let Some(st) = self.stats.get_mut(&a.peer)
        {
            st.released();
        }
    }

    /// Asks for one want: WANT_BLOCK to the best candidate with room, if it has none yet, and WANT_HAVE to every
    /// other connected peer not asked yet. Discovery goes to all: a peer that connected after the session's first
    /// wants (or that a session never heard from) finds its way in by answering HAVE. A session's want that no peer
    /// is known to have (its first) goes as WANT_BLOCK to the peer likeliest to have it all the same, as boxo's
    /// sessions do with their peers: the block comes in one round trip instead of two (HAVE, then WANT_BLOCK), and a
    /// peer without it answers DONT_HAVE in the round the others answer HAVE in.
    fn ask(&mut self, key: &[u8], now: Instant, sends: &mut Sends) {
        let view = self.view();
        let Some(w) = self.wants.get(key) else { return };
        let best = if w.block_from.is_none() { view.best(w, None) } else { None };
        let guess = if w.block_from.is_none() && best.is_none() { view.guess(w) } else { None };
        let chosen = best.or(guess);
        let haves: Vec<PeerId> = self
            .peers
            .iter()
            .filter(|p| !w.asked.contains_key(*p) && chosen.is_none_or(|(c, _)| c != **p))
            .copied()
            .collect();
        let Some(w) = self.wants.get_mut(key) else { return };
        w.guessed |= guess.is_some();
        if let Some((p, eta)) = chosen {
            assign(w, &mut self.stats, p, eta, now, sends);
        }
        for p in haves {
            w.asked.insert(p, now);
            push(sends, p, want(w.cid, WantType::Have));
        }
    }

    /// Gives WANT_BLOCKs to peers with room in their pipelines: wants without one, oldest first.
    fn fill(&mut self, now: Instant, sends: &mut Sends) {
        let mut waiting: Vec<(Instant, Vec<u8>)> =
            self.wants.iter().filter(|(_, w)| w.block_from.is_none()).map(|(k, w)| (w.since, k.clone())).collect();
        waiting.sort();
        for (_, key) in waiting {
            let Some(w) = self.wants.get(&key) else { continue };
            let Some((p, eta)) = self.view().best(w, None) else { continue };
            if let Some(w) = self.wants.get_mut(&key) {
                assign(w, &mut self.stats, p, eta, now, sends);
            }
        }
    }

    /// Moves WANT_BLOCKs a peer holds beyond its pipeline depth (its throughput fell) to a peer with room that
    /// would deliver them sooner, and at the tail of a fetch a slow peer's wants to an idle peer much faster for
    /// them. The peer's newest wants go first: its oldest may be on the wire already.
    fn rebalance(&mut self, now: Instant, sends: &mut Sends) {
        for _ in 0..MAX_MOVES {
            let view = self.view();
            let mut queues: HashMap<PeerId, Vec<(Instant, &Vec<u8>)>> = HashMap::new();
            for (k, w) in &self.wants {
                if let Some(a) = &w.block_from {
                    queues.entry(a.peer).or_default().push((a.at, k));
                }
            }
            let mut best_move: Option<(f64, Vec<u8>, PeerId, f64)> = None;
            for (p, queue) in queues {
                let tail = queue.iter().max_by_key(|(at, _)| *at).map(|(_, k)| (*k).clone());
                let Some(tail) = tail else { continue };
                let w = &self.wants[&tail];
                let size = view.size(w);
                let overfull = queue.len() > view.depth(&p, size);
                let Some(st) = view.stat(&p) else { continue };
                let here = st.eta(size, view.fallback()) - st.block_secs(size, view.fallback());
                if let Some((q, eta)) = view.best(w, Some(p)) {
                    let gain = here - eta;
                    // Overfull, any gain will do. Otherwise `q` has room with nothing waiting for it (the tail of a
                    // fetch): it takes a slower peer's last want only if it would deliver it in under half the time,
                    // so that wants do not bounce between peers.
                    let worth = if overfull { gain > 0.0 } else { gain > eta };
                    if worth && best_move.as_ref().is_none_or(|(g, ..)| gain > *g) {
                        best_move = Some((gain, tail, q, eta));
                    }
                }
            }
            let Some((_, key, q, eta)) = best_move else { return };
            let Some(w) = self.wants.get_mut(&key) else { return };
            unassign(w, &mut self.stats, true, sends);
            assign(w, &mut self.stats, q, eta, now, sends);
        }
    }

    /// After any change: idle pipelines take waiting wants, overfull ones shed theirs.
    fn schedule(&mut self, now: Instant, sends: &mut Sends) {
        self.fill(now, sends);
        self.rebalance(now, sends);
    }

    /// A peer that speaks Bitswap connected: it receives our whole wantlist (as WANT_HAVEs; it joins the sessions
    /// it answers HAVE for), except a fetch's first want waiting for a peer, which goes to it as WANT_BLOCK if it is
    /// the likeliest to have it (`get --connect` wants its root before the peer it dialled is identified).
    pub fn peer_ready(&mut self, peer: PeerId, now: Instant) -> Sends {
        if !self.peers.insert(peer) {
            return Vec::new();
        }
        let mut sends = Vec::new();
        let keys: Vec<Vec<u8>> = self.wants.keys().cloned().collect();
        for key in keys {
            self.ask(&key, now, &mut sends);
        }
        self.schedule(now, &mut sends);
        sends
    }

    /// A peer left: its WANT_BLOCKs go elsewhere.
    pub fn peer_gone(&mut self, peer: &PeerId, now: Instant) -> Sends {
        self.peers.remove(peer);
        self.named.remove(peer);
        self.stats.remove(peer);
        self.sessions.leave(peer);
        let mut sends = Vec::new();
        for w in self.wants.values_mut() {
            w.asked.remove(peer);
            w.haves.remove(peer);
            w.dont_haves.remove(peer);
            w.slow.remove(peer);
            if w.block_from.as_ref().is_some_and(|a| a.peer == *peer) {
                w.block_from = None;
            }
        }
        self.schedule(now, &mut sends);
        sends
    }

    /// A round trip to `peer` measured by ping.
    pub fn on_ping(&mut self, peer: PeerId, rtt: Duration) {
        self.stats.entry(peer).or_default().round_trip(rtt);
    }

    /// An answer (HAVE / DONT_HAVE) to a want sent while the peer had no block to send us is a round trip.
    fn answered(&mut self, peer: PeerId, key: &[u8], now: Instant) {
        let st = self.stats.entry(peer).or_default();
        if let Some(at) = self.wants.get(key).and_then(|w| w.asked.get(&peer))
            && st.in_flight == 0
        {
            st.round_trip(now.saturating_duration_since(*at));
        }
    }

    pub fn on_have(&mut self, peer: PeerId, cid: &Cid, now: Instant) -> Sends {
        let key = cid.hash().to_bytes();
        self.answered(peer, &key, now);
        self.stats.entry(peer).or_default().provider = true;
        let mut sends = Vec::new();
        let Some(w) = self.wants.get_mut(&key) else {
            if let Some(s) = self.recent.get(&key)
                && self.sessions.join(*s, peer)
            {
                self.schedule(now, &mut sends);
            }
            return sends;
        };
        w.haves.insert(peer);
        // A HAVE after a DONT_HAVE: the peer stored the block since (a server sends it as it arrives).
        w.dont_haves.remove(&peer);
        let mut joined = false;
        for s in &w.sessions {
            joined |= self.sessions.join(*s, peer);
        }
        if self.wants[&key].block_from.is_none() {
            self.ask(&key, now, &mut sends);
        }
        if joined {
            self.joined(now, &mut sends);
        }
        sends
    }

    /// A new peer of a session: it gets the session's wants (WANT_HAVE) and takes its share of the waiting ones.
    fn joined(&mut self, now: Instant, sends: &mut Sends) {
        let keys: Vec<Vec<u8>> = self.wants.keys().cloned().collect();
        for k in keys {
            self.ask(&k, now, sends);
        }
        self.schedule(now, sends);
    }

    /// `peer` is known from outside the session (provider search) to have its blocks: it joins the session as if it
    /// had answered HAVE, and is asked at once if connected, else when it connects ([`Client::peer_ready`]).
    pub fn add_session_peer(&mut self, session: SessionId, peer: PeerId, now: Instant) -> Sends {
        let mut sends = Vec::new();
        if self.sessions.join(session, peer) && self.peers.contains(&peer) {
            self.joined(now, &mut sends);
        }
        sends
    }

    pub fn on_dont_have(&mut self, peer: PeerId, cid: &Cid, now: Instant) -> Sends {
        let key = cid.hash().to_bytes();
        self.answered(peer, &key, now);
        let mut sends = Vec::new();
        let Some(w) = self.wants.get_mut(&key) else { return sends };
        w.dont_haves.insert(peer);
        w.haves.remove(&peer);
        if w.block_from.as_ref().is_some_and(|a| a.peer == peer) {
            unassign(w, &mut self.stats, false, &mut sends);
            self.ask(&key, now, &mut sends);
        }
        self.schedule(now, &mut sends);
        sends
    }

    /// A verified block of `size` bytes arrived from `peer`.
    pub fn on_block(&mut self, peer: PeerId, cid: &Cid, size: usize, now: Instant) -> (Received, Sends) {
        let key = cid.hash().to_bytes();
        let mut sends = Vec::new();
        let Some(w) = self.wants.remove(&key) else {
            let Some(s) = self.recent.get(&key).copied() else { return (Received::Unsolicited, sends) };
            // A block we already had, from a peer that has the session's blocks: a peer of the session.
            if self.sessions.join(s, peer) {
                self.schedule(now, &mut sends);
            }
            return (Received::Duplicate, sends);
        };
        self.stats.entry(peer).or_default().delivered(size, now);
        self.release(&w);
        for s in &w.sessions {
            self.sessions.credit(*s, peer, size);
        }
        if self.recent.len() > 100_000 {
            self.recent.clear();
        }
        self.recent.insert(key, w.sessions.first().copied().unwrap_or(SessionId::NONE));
        for p in w.asked.keys() {
            if *p != peer {
                cancel(&mut sends, *p, w.cid);
            }
        }
        self.schedule(now, &mut sends);
        (Received::Wanted { waiters: w.waiters, latency: now.saturating_duration_since(w.since) }, sends)
    }

    /// Timeouts: a peer silent past its timeout loses its WANT_BLOCKs to others, as does a WANT_BLOCK past its
    /// deadline; wants nobody has answered are re-broadcast every `REBROADCAST`; sessions that are over are
    /// collected.
    pub fn tick(&mut self, now: Instant) -> Sends {
        let mut sends = self.prune();
        self.timeouts(now, &mut sends);
        let wanting: HashSet<SessionId> = self.wants.values().flat_map(|w| w.sessions.iter().copied()).collect();
        let keys: Vec<Vec<u8>> = self.wants.keys().cloned().collect();
        for key in keys {
            let Some(w) = self.wants.get_mut(&key) else { continue };
            if w.block_from.is_none() && now.saturating_duration_since(w.last_broadcast) > REBROADCAST {
                w.last_broadcast = now;
                w.asked.clear();
                w.dont_haves.clear();
                w.slow.clear();
                self.ask(&key, now, &mut sends);
            }
        }
        self.sessions.collect(now, &wanting);
        self.schedule(now, &mut sends);
        sends
    }

    /// Moves the WANT_BLOCKs of silent peers, and those past their deadline, to other candidates (when there are
    /// any: a want stays with its only provider, however slow).
    fn timeouts(&mut self, now: Instant, sends: &mut Sends) {
        let view = self.view();
        let mut size: HashMap<PeerId, f64> = HashMap::new();
        for w in self.wants.values() {
            if let Some(a) = &w.block_from {
                let s = size.entry(a.peer).or_default();
                *s = s.max(view.size(w));
            }
        }
        let silent: HashSet<PeerId> = size
            .iter()
            .filter(|(p, s)| {
                view.stat(p).is_some_and(|st| st.silent_for(now).is_some_and(|d| d > st.timeout(**s, view.fallback)))
            })
            .map(|(p, _)| *p)
            .collect();
        let late: Vec<Vec<u8>> = self
            .wants
            .iter()
            .filter(|(_, w)| w.block_from.as_ref().is_some_and(|a| silent.contains(&a.peer) || now > a.deadline))
            .map(|(k, _)| k.clone())
            .collect();
        let mut moved: HashMap<PeerId, usize> = HashMap::new();
        for key in late {
            let Some(w) = self.wants.get_mut(&key) else { continue };
            let Some(p) = w.block_from.as_ref().map(|a| a.peer) else { continue };
            w.slow.insert(p);
            let view = View {
                peers: &self.peers,
                named: &self.named,
                stats: &self.stats,
                sessions: &self.sessions,
                fallback: None,
            };
            let elsewhere = view.peers.iter().any(|q| *q != p && view.candidate(w, q));
            if !elsewhere {
                // Nobody else has it: it stays, asked again (a peer may have dropped our want: Helia under load
                // does), and its clock restarts.
                w.slow.remove(&p);
                if let Some(a) = w.block_from.as_mut() {
                    a.deadline = now + BLOCK_TIMEOUT;
                }
                push(sends, p, want(w.cid, WantType::Block));
                continue;
            }
            unassign(w, &mut self.stats, true, sends);
            *moved.entry(p).or_default() += 1;
            self.ask(&key, now, sends);
        }
        for p in silent {
            let n = moved.get(&p).copied().unwrap_or(0);
            if let Some(st) = self.stats.get_mut(&p) {
                st.stalled(n, now);
                if st.stalls >= STALLS_TO_LEAVE && n > 0 {
                    // It has stopped serving and others took its wants: its sessions stop counting on it (a HAVE
                    // brings it back). A sole provider stays, however slow: leaving would only delay its wants.
                    st.provider = false;
                    self.sessions.leave(&p);
                }
            }
        }
    }
}

#[path = "split.rs"]
mod split;

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "session_tests.rs"]
mod session_tests;
