//! The provide queue (issue 12 part 5): CIDs waiting to be announced to the DHT, bounded and visible. A few
//! announcements run at once (each is a DHT walk to the closest peers); the rest wait in order; past the cap new
//! ones are refused and counted, never silently lost. Sans-I/O: the node starts what [`Queue::next`] hands out and
//! reports back with [`Queue::finished`].
//!
//! Reproviding: the DHT republishes every key this node provides every [`REPROVIDE_EVERY`] (Kubo's 22 h), before
//! the records expire (48 h).

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

use cid::Cid;

/// How often provider records are announced again (Kubo's `Reprovider.Interval`).
pub const REPROVIDE_EVERY: Duration = Duration::from_secs(22 * 3600);
/// How long others keep a provider record (Kubo's and the spec's 48 h).
pub const RECORD_TTL: Duration = Duration::from_secs(48 * 3600);
/// CIDs waiting at most.
pub const QUEUE_CAP: usize = 16_384;
/// Announcements running at once.
pub const IN_FLIGHT: usize = 4;

#[derive(Debug)]
pub struct Queue {
    waiting: VecDeque<Cid>,
    /// Waiting or running: a CID queued twice is announced once.
    known: HashSet<Cid>,
    running: usize,
    cap: usize,
    in_flight: usize,
    /// Refused because the queue was full.
    pub refused: u64,
    pub done: u64,
    pub failed: u64,
}

impl Default for Queue {
    fn default() -> Self {
        Self::new(QUEUE_CAP, IN_FLIGHT)
    }
}

/// What became of a CID pushed onto the queue.
#[derive(Debug, PartialEq, Eq)]
pub enum Pushed {
    Queued,
    /// Already waiting or running.
    Already,
    /// The queue is full: refused (counted in `refused`).
    Full,
}

impl Queue {
    pub fn new(cap: usize, in_flight: usize) -> Self {
        Self {
            waiting: VecDeque::new(),
            known: HashSet::new(),
            running: 0,
            cap,
            in_flight,
            refused: 0,
            done: 0,
            failed: 0,
        }
    }

    pub fn push(&mut self, cid: Cid) -> Pushed {
        if self.known.contains(&cid) {
            return Pushed::Already;
        }
        if self.waiting.len() >= self.cap {
            self.refused += 1;
            return Pushed::Full;
        }
        self.known.insert(cid);
        self.waiting.push_back(cid);
        Pushed::Queued
    }

    /// The CIDs to start announcing now (room permitting).
    pub fn start_next(&mut self) -> Vec<Cid> {
        let room = self.in_flight.saturating_sub(self.running);
        let out: Vec<Cid> = (0..room).map_while(|_| self.waiting.pop_front()).collect();
        self.running += out.len();
        out
    }

    pub fn finished(&mut self, cid: &Cid, ok: bool) {
        if self.known.remove(cid) {
            self.running = self.running.saturating_sub(1);
            if ok {
                self.done += 1;
            } else {
                self.failed += 1;
            }
        }
    }

    /// The first `n` CIDs waiting, next first.
    pub fn peek(&self, n: usize) -> impl Iterator<Item = &Cid> {
        self.waiting.iter().take(n)
    }

    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }

    pub fn running(&self) -> usize {
        self.running
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cid(n: u16) -> Cid {
        let mut d = [0u8; 32];
        d[..2].copy_from_slice(&n.to_be_bytes());
        Cid::new_v1(0x55, multihash::Multihash::<64>::wrap(0x12, &d).unwrap())
    }

    #[test]
    fn a_few_run_at_once_the_rest_wait_in_order() {
        let mut q = Queue::new(10, 2);
        for n in 0..5 {
            assert_eq!(q.push(cid(n)), Pushed::Queued);
        }
        assert_eq!(q.start_next(), vec![cid(0), cid(1)]);
        assert!(q.start_next().is_empty(), "two running");
        q.finished(&cid(0), true);
        assert_eq!(q.start_next(), vec![cid(2)]);
        q.finished(&cid(1), false);
        assert_eq!((q.done, q.failed, q.running(), q.waiting()), (1, 1, 1, 2));
    }

    #[test]
    fn duplicates_are_announced_once_and_a_full_queue_refuses_and_counts() {
        let mut q = Queue::new(2, 1);
        assert_eq!(q.push(cid(1)), Pushed::Queued);
        assert_eq!(q.push(cid(1)), Pushed::Already);
        assert_eq!(q.push(cid(2)), Pushed::Queued);
        assert_eq!(q.push(cid(3)), Pushed::Full);
        assert_eq!(q.refused, 1);
        assert_eq!(q.start_next(), vec![cid(1)]);
        assert_eq!(q.push(cid(1)), Pushed::Already, "running counts as known");
        q.finished(&cid(1), true);
        assert_eq!(q.push(cid(1)), Pushed::Queued, "done: may be announced again");
    }

    #[test]
    fn a_finish_for_an_unknown_cid_changes_nothing() {
        let mut q = Queue::new(2, 1);
        q.finished(&cid(9), true);
        assert_eq!((q.done, q.running()), (0, 0));
    }
}
