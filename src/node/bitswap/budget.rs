//! One node-wide budget for the bytes of inbound Bitswap frames, from their first byte until the node task has
//! taken the message. One peer is bounded by its stream cap (32 streams × 4 MiB), but a peer with many identities
//! multiplied that: 20 identities leaving half-finished 4 MiB frames on 32 streams each made a daemon hold 1.3 GiB.
//!
//! A frame's buffer grows as its bytes arrive, and each growth is charged here. While the budget has room, every
//! charge is granted. When it is full, the budget is shared fairly between the peers holding some of it: a peer
//! asking for more than its fair share (the total divided by the peers holding some) is refused, and one below it
//! takes what it needs from the peer holding the most, whose stalest unfinished frame is reset. So a peer that
//! stalls frames to hold memory cannot keep a newcomer out, and a well-behaved peer's small wantlist always gets
//! in. Refused and reset streams are protocol errors against their peer. A frame that has fully arrived is never
//! reset: its bytes are only waiting for the node.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use libp2p::PeerId;
use tokio::sync::Notify;

use super::codec::MAX_MESSAGE;
use super::streams::MAX_INBOUND_PER_PEER;

/// The node-wide budget: what one peer may hold on its own (32 streams × 4 MiB), so a single peer never notices
/// it, plus room beside it for everyone else's messages.
pub const INBOUND_BUDGET: usize = MAX_INBOUND_PER_PEER * MAX_MESSAGE + (16 << 20);

/// The shared budget; clones share it.
#[derive(Clone)]
pub struct Budget {
    state: Arc<Mutex<State>>,
    total: usize,
}

struct State {
    used: usize,
    per_peer: HashMap<PeerId, usize>,
    frames: HashMap<u64, Frame>,
    next_id: u64,
}

struct Frame {
    peer: PeerId,
    held: usize,
    /// The last time this frame grew: the stalest frame of a peer is the one reset first.
    grew: Instant,
    /// Fully arrived: waiting for the node, never reset.
    complete: bool,
    evict: Arc<Notify>,
}

impl Default for Budget {
    fn default() -> Self {
        Self::new(INBOUND_BUDGET)
    }
}

fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
}

impl Budget {
    pub fn new(total: usize) -> Self {
        let state = State { used: 0, per_peer: HashMap::new(), frames: HashMap::new(), next_id: 0 };
        Self { state: Arc::new(Mutex::new(state)), total }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A stream's account: it charges each of its frames in turn.
    pub fn account(&self, peer: PeerId) -> Charge {
        let evict = Arc::new(Notify::new());
        let mut s = self.lock();
        let id = s.next_id;
        s.next_id += 1;
        s.frames.insert(id, Frame { peer, held: 0, grew: Instant::now(), complete: false, evict: evict.clone() });
        Charge { budget: self.clone(), id, evict }
    }

    /// Bytes held now, in total.
    pub fn used(&self) -> usize {
        self.lock().used
    }

    fn grow(&self, id: u64, n: usize) -> Result<(), String> {
        let mut s = self.lock();
        let Some(peer) = s.frames.get(&id).map(|f| f.peer) else { return Err(self.evicted_message()) };
        if s.used + n > self.total {
            let mine = s.per_peer.get(&peer).copied().unwrap_or(0);
            let holders = s.per_peer.len() + usize::from(mine == 0);
            let share = self.total / holders;
            if mine + n > share {
                return Err(format!(
                    "unfinished frames from this peer hold {} and the node's {} budget for them is full: stream \
                     reset",
                    mib(mine),
                    mib(self.total)
                ));
            }
            while s.used + n > self.total {
                let Some(victim) = s.victim(peer) else {
                    return Err(format!(
                        "the node's {} budget for unfinished frames is full: stream reset",
                        mib(self.total)
                    ));
                };
                s.remove(victim);
            }
        }
        s.used += n;
        *s.per_peer.entry(peer).or_default() += n;
        if let Some(f) = s.frames.get_mut(&id) {
            f.held += n;
            f.grew = Instant::now();
        }
        Ok(())
    }

    fn evicted_message(&self) -> String {
        format!(
            "unfinished frame reset: the node's {} budget for unfinished frames was needed by a peer holding less",
            mib(self.total)
        )
    }
}

impl State {
    /// The stalest unfinished frame of the peer (other than `asking`) that holds the most.
    fn victim(&self, asking: PeerId) -> Option<u64> {
        let mut best: HashMap<PeerId, (u64, Instant)> = HashMap::new();
        for (id, f) in &self.frames {
            if f.peer == asking || f.complete || f.held == 0 {
                continue;
            }
            let e = best.entry(f.peer).or_insert((*id, f.grew));
            if f.grew < e.1 {
                *e = (*id, f.grew);
            }
        }
        best.into_iter().max_by_key(|(peer, _)| self.per_peer.get(peer).copied().unwrap_or(0)).map(|(_, (id, _))| id)
    }

    /// Takes back what frame `id` holds; returns its peer and the bytes.
    fn release(&mut self, id: u64) {
        let Some(f) = self.frames.get_mut(&id) else { return };
        let (peer, held) = (f.peer, std::mem::take(&mut f.held));
        f.complete = false;
        self.used -= held;
        if let Some(p) = self.per_peer.get_mut(&peer) {
            *p -= held;
            if *p == 0 {
                self.per_peer.remove(&peer);
            }
        }
    }

    /// Resets a frame: its bytes are taken back at once and its reader is told to drop the stream.
    fn remove(&mut self, id: u64) {
        self.release(id);
        if let Some(f) = self.frames.remove(&id) {
            f.evict.notify_one();
        }
    }
}

/// One inbound stream's claim on the budget. Dropping it gives everything back.
pub struct Charge {
    budget: Budget,
    id: u64,
    evict: Arc<Notify>,
}

impl Charge {
    /// Charges `n` more bytes to the current frame, or says why not (the stream is then reset).
    pub fn grow(&mut self, n: usize) -> Result<(), String> {
        self.budget.grow(self.id, n)
    }

    /// The frame has fully arrived: it is no longer reset to make room.
    pub fn complete(&mut self) {
        if let Some(f) = self.budget.lock().frames.get_mut(&self.id) {
            f.complete = true;
        }
    }

    /// The node has the message (or the frame failed): its bytes go back to the budget.
    pub fn release(&mut self) {
        self.budget.lock().release(self.id);
    }

    /// Completes when this stream's frame was reset to make room for another peer.
    pub fn evicted(&self) -> Arc<Notify> {
        self.evict.clone()
    }

    /// What to report when this stream's frame was reset.
    pub fn evicted_message(&self) -> String {
        self.budget.evicted_message()
    }
}

impl Drop for Charge {
    fn drop(&mut self) {
        let mut s = self.budget.lock();
        s.release(self.id);
        s.frames.remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: usize = 1 << 20;

    #[test]
    fn with_room_every_charge_is_granted_and_comes_back() {
        let b = Budget::new(8 * MIB);
        let p = PeerId::random();
        let mut c = b.account(p);
        c.grow(4 * MIB).unwrap();
        c.grow(4 * MIB).unwrap();
        assert_eq!(b.used(), 8 * MIB);
        c.release();
        assert_eq!(b.used(), 0);
        c.grow(MIB).unwrap();
        drop(c);
        assert_eq!(b.used(), 0);
    }

    #[test]
    fn when_full_a_peer_below_its_share_resets_the_biggest_holders_stalest_frame() {
        let b = Budget::new(8 * MIB);
        let (hog, newcomer) = (PeerId::random(), PeerId::random());
        let mut old = b.account(hog);
        old.grow(4 * MIB).unwrap();
        let mut recent = b.account(hog);
        recent.grow(4 * MIB).unwrap();
        let old_evicted = old.evicted();
        // The hog is alone: past the total it is refused, never granted.
        let mut third = b.account(hog);
        let err = third.grow(1).unwrap_err();
        assert!(err.contains("hold 8.0 MiB") && err.contains("budget"), "{err}");
        // A newcomer takes room from the hog's stalest frame, which is told so.
        let mut small = b.account(newcomer);
        small.grow(1000).unwrap();
        assert!(futures::FutureExt::now_or_never(old_evicted.notified()).is_some(), "the old frame was reset");
        assert!(old.grow(1).unwrap_err().contains("needed by a peer holding less"));
        assert_eq!(b.used(), 4 * MIB + 1000);
        // Up to its share (4 MiB of 8 between two), then it is refused too.
        small.grow(4 * MIB - 1000).unwrap();
        assert!(small.grow(1).is_err());
        assert!(futures::FutureExt::now_or_never(recent.evicted().notified()).is_none());
    }

    #[test]
    fn a_complete_frame_is_never_reset() {
        let b = Budget::new(4 * MIB);
        let mut done = b.account(PeerId::random());
        done.grow(4 * MIB).unwrap();
        done.complete();
        let err = b.account(PeerId::random()).grow(1).unwrap_err();
        assert!(err.contains("budget for unfinished frames is full"), "{err}");
        done.release();
        b.account(PeerId::random()).grow(4 * MIB).unwrap();
    }
}
