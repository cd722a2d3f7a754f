//! A peer's serve queue: its wants that wait for an answer, oldest first. The node task fills and prunes it as the
//! peer's wantlist changes and as blocks arrive in the store; the peer's actor (in `streams`) takes from it. Shared
//! through a mutex rather than sent through a channel, so that what waits is bounded by the queue's own limits
//! whatever the peer sends and however slowly it reads: at most [`MAX_QUEUED`] wants, one per block (a want
//! repeated while queued is merged, not queued twice), and no block bytes (the actor loads at most one message of
//! blocks at a time, see `streams::SERVE_BYTES`).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use cid::Cid;
use tokio::sync::Notify;

use super::message::WantType;
use super::wantlist::{Entry, MAX_ENTRIES};

/// Wants queued per peer at most: as many as its wantlist may hold, since every queued want is in the wantlist.
pub const MAX_QUEUED: usize = MAX_ENTRIES;

/// A want waiting for an answer.
#[derive(Clone, Debug)]
pub struct Queued {
    pub entry: Entry,
    /// Queued because the block arrived after the peer asked (or the node re-checks after missing store changes):
    /// answered only if the block is there, since the peer already had its DONT_HAVE.
    pub late: bool,
}

#[derive(Debug, Default)]
struct Inner {
    /// By multihash: the arrival number and the want.
    items: HashMap<Vec<u8>, (u64, Queued)>,
    /// Arrival order.
    order: BTreeMap<u64, Vec<u8>>,
    next: u64,
}

impl Inner {
    /// After a panic while the lock was held, the two maps may disagree: the order is rebuilt from the items.
    fn repair(&mut self) {
        self.order = self.items.iter().map(|(k, (n, _))| (*n, k.clone())).collect();
    }
}

/// The queue, cheap to clone (the node task and the actor each hold one).
#[derive(Clone, Debug, Default)]
pub struct ServeQueue {
    inner: Arc<Mutex<Inner>>,
    ready: Arc<Notify>,
}

impl ServeQueue {
    /// The lock, recovered if a holder panicked (as everywhere in the node: a panic in one serve must not take
    /// the queue, and with it the peer's service, down).
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| {
            let mut inner = poisoned.into_inner();
            inner.repair();
            self.inner.clear_poison();
            inner
        })
    }

    /// Queues wants to answer; a want already queued is merged (a WANT_BLOCK upgrades a WANT_HAVE, and a want
    /// the peer repeats is answered in full even if it was queued as late). Returns how many found no room.
    pub fn push(&self, entries: impl IntoIterator<Item = Entry>, late: bool) -> usize {
        let mut refused = 0;
        {
            let mut q = self.lock();
            for entry in entries {
                let key = entry.cid.hash().to_bytes();
                if let Some((_, queued)) = q.items.get_mut(&key) {
                    let upgrade = entry.want_type == WantType::Block;
                    if upgrade {
                        queued.entry.want_type = WantType::Block;
                    }
                    queued.entry.send_dont_have |= entry.send_dont_have;
                    queued.late &= late;
                    continue;
                }
                if q.items.len() >= MAX_QUEUED {
                    refused += 1;
                    continue;
                }
                let n = q.next;
                q.next += 1;
                q.order.insert(n, key.clone());
                q.items.insert(key, (n, Queued { entry, late }));
            }
        }
        self.ready.notify_one();
        refused
    }

    /// Drops queued wants for these blocks (cancelled, or left out of a full wantlist).
    pub fn cancel<'a>(&self, cids: impl IntoIterator<Item = &'a Cid>) {
        let mut q = self.lock();
        for cid in cids {
            if let Some((n, _)) = q.items.remove(&cid.hash().to_bytes()) {
                q.order.remove(&n);
            }
        }
    }

    /// The oldest queued want.
    pub fn pop(&self) -> Option<Queued> {
        let mut q = self.lock();
        while let Some((_, key)) = q.order.pop_first() {
            if let Some((_, queued)) = q.items.remove(&key) {
                return Some(queued);
            }
        }
        None
    }

    pub fn len(&self) -> usize {
        self.lock().items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Resolves after a `push` (at once if one came since the last wait): no push is missed.
    pub async fn pushed(&self) {
        self.ready.notified().await;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::node::block::{Block, RAW, SHA2_256};

    fn entry(i: u32, want_type: WantType) -> Entry {
        let cid = *Block::from_data(cid::Version::V1, RAW, SHA2_256, i.to_le_bytes().to_vec()).unwrap().cid();
        Entry::new(cid, want_type, false, Instant::now())
    }

    #[test]
    fn wants_are_served_oldest_first_and_merged_when_repeated() {
        let q = ServeQueue::default();
        q.push([entry(1, WantType::Have), entry(2, WantType::Block)], true);
        assert_eq!(q.push([entry(1, WantType::Block)], false), 0);
        assert_eq!(q.len(), 2, "a repeated want is merged, not queued twice");
        let first = q.pop().unwrap();
        assert_eq!(first.entry.cid, entry(1, WantType::Have).cid);
        assert_eq!((first.entry.want_type, first.late), (WantType::Block, false), "upgraded, and asked again");
        assert!(q.pop().unwrap().late);
        assert!(q.pop().is_none());
    }

    #[test]
    fn the_queue_is_bounded_and_cancels_what_it_holds() {
        let q = ServeQueue::default();
        for _ in 0..5 {
            // The same hostile burst again and again: bounded, whatever the repeats.
            let refused = q.push((0..2000).map(|i| entry(i, WantType::Block)), false);
            assert!(refused >= 2000 - MAX_QUEUED);
            assert_eq!(q.len(), MAX_QUEUED);
        }
        let gone: Vec<Cid> = (0..1000).map(|i| entry(i, WantType::Block).cid).collect();
        q.cancel(&gone);
        assert_eq!(q.len(), MAX_QUEUED - 1000);
        assert_eq!(q.pop().unwrap().entry.cid, entry(1000, WantType::Block).cid);
    }

    #[test]
    fn a_poisoned_lock_is_recovered_and_the_queue_stays_whole() {
        let q = ServeQueue::default();
        q.push((0..3).map(|i| entry(i, WantType::Block)), false);
        let held = q.clone();
        let panicked = std::thread::spawn(move || {
            let mut inner = held.inner.lock().unwrap();
            // A panic half-way through an update: the order lost an entry the items still hold.
            inner.order.pop_first();
            panic!("provoked while holding the serve queue");
        })
        .join();
        assert!(panicked.is_err() && q.inner.is_poisoned());
        q.push([entry(9, WantType::Have)], false);
        assert!(!q.inner.is_poisoned(), "recovered once, not on every call");
        let served: Vec<Cid> = std::iter::from_fn(|| q.pop()).map(|e| e.entry.cid).collect();
        let expected: Vec<Cid> = [0, 1, 2, 9].iter().map(|i| entry(*i, WantType::Block).cid).collect();
        assert_eq!(served, expected, "nothing lost, order kept");
    }
}
