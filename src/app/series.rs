//! Rates over time for the header's sparklines: bytes per second, one bucket a second, the last minute.

use std::collections::VecDeque;

pub const SECONDS: usize = 60;

/// Bytes counted into one-second buckets; old buckets fall off, so memory is fixed.
#[derive(Clone, Debug, Default)]
pub struct Series {
    buckets: VecDeque<u64>,
    /// The second (of the node's clock) of the newest bucket.
    newest: u64,
}

impl Series {
    /// Counts `bytes` in the bucket of `at_ms` (the window moves there if it is newer; older times still in the
    /// window count in their own second, older ones are gone).
    pub fn add(&mut self, at_ms: u64, bytes: u64) {
        self.advance(at_ms);
        let back = (self.newest - at_ms / 1000) as usize;
        let n = self.buckets.len();
        if back < n {
            self.buckets[n - 1 - back] += bytes;
        }
    }

    /// Moves the window to `now_ms`, opening empty buckets for the seconds that passed.
    pub fn advance(&mut self, now_ms: u64) {
        let sec = now_ms / 1000;
        if self.buckets.is_empty() {
            self.buckets.push_back(0);
            self.newest = sec;
            return;
        }
        let gap = sec.saturating_sub(self.newest).min(SECONDS as u64);
        for _ in 0..gap {
            self.buckets.push_back(0);
        }
        self.newest = self.newest.max(sec);
        while self.buckets.len() > SECONDS {
            self.buckets.pop_front();
        }
    }

    /// The buckets, oldest first.
    pub fn values(&self) -> Vec<u64> {
        self.buckets.iter().copied().collect()
    }

    /// The last [`SECONDS`] full seconds, oldest first and the newest last (the second still being counted is
    /// left out: it would always look like a dip). Seconds before the first sample are zeros, so the newest value
    /// is always at the same place, the right edge of a graph, and the graph moves while nothing happens.
    pub fn window(&self) -> Vec<u64> {
        let full = self.buckets.len().saturating_sub(1);
        let mut out = vec![0; SECONDS - full.min(SECONDS)];
        out.extend(self.buckets.iter().take(full).copied());
        out
    }

    /// [`Series::window`] as of `now_ms`, for a series nobody advanced (a peer's, while it is idle): the seconds
    /// since its newest bucket are zeros at the right.
    pub fn window_at(&self, now_ms: u64) -> Vec<u64> {
        let idle = (now_ms / 1000).saturating_sub(self.newest).min(SECONDS as u64) as usize;
        let mut w = self.window();
        if self.buckets.is_empty() {
            return w;
        }
        w.drain(..idle);
        // The bucket that was being counted is full now.
        if idle > 0 {
            w.push(self.buckets.back().copied().unwrap_or(0));
            w.extend(std::iter::repeat_n(0, idle - 1));
        }
        w
    }

    /// The highest rate in [`Series::window`]: the graph's scale.
    pub fn max(&self) -> u64 {
        self.window().into_iter().max().unwrap_or(0)
    }

    /// Bytes per second over the last full second.
    pub fn rate(&self) -> u64 {
        let n = self.buckets.len();
        if n >= 2 { self.buckets[n - 2] } else { self.buckets.back().copied().unwrap_or(0) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_roll_and_stay_bounded() {
        let mut s = Series::default();
        s.add(1_000, 10);
        s.add(1_500, 5);
        s.add(2_100, 7);
        assert_eq!(s.values(), vec![15, 7]);
        assert_eq!(s.rate(), 15);
        s.add(500_000, 1);
        assert_eq!(s.values().len(), SECONDS);
        assert_eq!(*s.values().last().unwrap(), 1);
    }

    #[test]
    fn the_window_ends_with_the_newest_full_second_and_moves_while_idle() {
        let mut s = Series::default();
        s.add(10_000, 100);
        s.add(11_200, 7);
        let w = s.window();
        assert_eq!(w.len(), SECONDS);
        // 11 s is still being counted: 10 s is the newest full second, at the right edge.
        assert_eq!(&w[SECONDS - 1..], &[100]);
        assert_eq!(s.max(), 100);
        s.advance(13_000);
        let w = s.window();
        assert_eq!(&w[SECONDS - 3..], &[100, 7, 0], "idle seconds push the burst left");
        assert_eq!(&s.window_at(15_000)[SECONDS - 5..], &[100, 7, 0, 0, 0], "as of later, without advancing");
        s.advance(200_000);
        assert_eq!(s.window(), vec![0; SECONDS]);
        assert_eq!(s.max(), 0);
    }
}
