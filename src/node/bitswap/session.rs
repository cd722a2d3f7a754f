//! Fetch sessions: the wants of one DAG fetch share one set of peers, those that answered HAVE or sent blocks for
//! its CIDs (as boxo's and Helia's sessions do), or that were added from outside (provider search). A session's
//! WANT_BLOCKs go to its peers (and to peers that answered HAVE for that CID). What each peer delivered to each
//! session is kept for the node to publish; the last sessions that ended are remembered too.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use cid::Cid;
use libp2p::PeerId;

use super::peer_stats::SessionShare;

/// Block size assumed until a session has received a leaf: the largest common chunk (Helia's and ours; Kubo's is
/// 256 KiB), so that a session starts with shallow pipelines and deepens them as it measures, rather than handing
/// most of its first wants to the first peers that answered.
const DEFAULT_BLOCK: f64 = 1024.0 * 1024.0;
/// How fast the expected block size falls towards smaller blocks received (it rises at once to a larger one).
const SIZE_DECAY: f64 = 0.1;
/// A session that wants nothing for this long is over, ended or not (its fetch was dropped without saying so).
pub const ABANDONED: Duration = Duration::from_secs(60);
/// Ended sessions whose figures are kept.
const ENDED_KEPT: usize = 16;
/// Sessions listed per peer in its figures.
const SHARES_SHOWN: usize = 8;

/// A session's number: one per DAG fetch in this process. [`SessionId::NONE`] is a want of its own (`block get`),
/// whose WANT_BLOCKs go to any peer that provided before.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(pub u64);

impl SessionId {
    pub const NONE: SessionId = SessionId(0);

    /// A new session number, unique in this process.
    pub fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        SessionId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Delivered {
    blocks: u64,
    bytes: u64,
    /// Still one of the session's peers (false once it disconnected).
    member: bool,
}

#[derive(Debug)]
struct Session {
    root: Cid,
    peers: HashMap<PeerId, Delivered>,
    block_size: Option<f64>,
    /// Blocks it received.
    received: u64,
    /// Last time it had a want.
    last_want: Instant,
    ended: bool,
}

#[derive(Debug, Default)]
pub struct Sessions {
    live: HashMap<SessionId, Session>,
    ended: VecDeque<(SessionId, Cid, HashMap<PeerId, Delivered>)>,
}

impl Sessions {
    /// The session wants `cid` now (created by its first want, whose CID is its root).
    pub fn wanted(&mut self, id: SessionId, cid: Cid, now: Instant) {
        if id == SessionId::NONE {
            return;
        }
        let s = self.live.entry(id).or_insert_with(|| Session {
            root: cid,
            peers: HashMap::new(),
            block_size: None,
            received: 0,
            last_want: now,
            ended: false,
        });
        s.last_want = now;
    }

    /// The live sessions fetching the DAG under `root` (for `why ROOT`: the blocks they still want).
    pub fn rooted_at(&self, root: &Cid) -> Vec<SessionId> {
        self.live.iter().filter(|(_, s)| !s.ended && s.root.hash() == root.hash()).map(|(id, _)| *id).collect()
    }

    /// `peer` has blocks of this session (a HAVE, a block): it becomes one of its peers. True if it is new.
    pub fn join(&mut self, id: SessionId, peer: PeerId) -> bool {
        let Some(s) = self.live.get_mut(&id) else { return false };
        let d = s.peers.entry(peer).or_default();
        !std::mem::replace(&mut d.member, true)
    }

    /// `peer` disconnected: it leaves every session (what it delivered is kept).
    pub fn leave(&mut self, peer: &PeerId) {
        for s in self.live.values_mut() {
            if let Some(d) = s.peers.get_mut(peer) {
                d.member = false;
            }
        }
    }

    pub fn is_member(&self, id: SessionId, peer: &PeerId) -> bool {
        self.live.get(&id).and_then(|s| s.peers.get(peer)).is_some_and(|d| d.member)
    }

    /// `peer` delivered a wanted block of `bytes` to the session.
    pub fn credit(&mut self, id: SessionId, peer: PeerId, bytes: usize) {
        let Some(s) = self.live.get_mut(&id) else { return };
        let d = s.peers.entry(peer).or_default();
        d.member = true;
        d.blocks += 1;
        d.bytes += bytes as u64;
        s.received += 1;
        // The root says nothing of the leaves (a small node over large leaves): its size is not a measure.
        if s.received > 1 {
            let b = bytes as f64;
            s.block_size = Some(s.block_size.map_or(b, |old| if b > old { b } else { old + SIZE_DECAY * (b - old) }));
        }
    }

    /// The block size the session expects: the largest it received lately (leaves are most of a DAG, and a pipeline
    /// sized for small blocks would take far more large ones than the link carries in a round trip).
    pub fn block_size(&self, id: SessionId) -> f64 {
        self.live.get(&id).and_then(|s| s.block_size).unwrap_or(DEFAULT_BLOCK)
    }

    /// The fetch is over: the session is dropped once it holds no wants.
    pub fn end(&mut self, id: SessionId) {
        if let Some(s) = self.live.get_mut(&id) {
            s.ended = true;
        }
    }

    /// Drops sessions that ended (or were abandoned) and hold no wants, keeping their figures.
    pub fn collect(&mut self, now: Instant, wanting: &HashSet<SessionId>) {
        let done: Vec<SessionId> = self
            .live
            .iter()
            .filter(|(id, s)| {
                !wanting.contains(id) && (s.ended || now.saturating_duration_since(s.last_want) >= ABANDONED)
            })
            .map(|(id, _)| *id)
            .collect();
        for id in done {
            if let Some(s) = self.live.remove(&id) {
                self.ended.push_back((id, s.root, s.peers));
                if self.ended.len() > ENDED_KEPT {
                    self.ended.pop_front();
                }
            }
        }
    }

    pub fn live_len(&self) -> usize {
        self.live.len()
    }

    /// What `peer` delivered to each session, newest session first: the live ones, then those that ended.
    pub fn shares(&self, peer: &PeerId) -> Vec<SessionShare> {
        let live = self.live.iter().map(|(id, s)| (*id, &s.root, &s.peers));
        let ended = self.ended.iter().map(|(id, root, peers)| (*id, root, peers));
        let mut shares: Vec<SessionShare> = live
            .chain(ended)
            .filter_map(|(id, root, peers)| {
                let d = peers.get(peer).filter(|d| d.blocks > 0)?;
                Some(SessionShare { session: id.0, root: root.to_string(), blocks: d.blocks, bytes: d.bytes })
            })
            .collect();
        shares.sort_by_key(|s| std::cmp::Reverse(s.session));
        shares.truncate(SHARES_SHOWN);
        shares
    }
}
