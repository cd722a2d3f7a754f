//! When a want is stuck, look for providers (issue 12 part 4, boxo's rules): a want that connected peers have not
//! answered within [`Rules::stuck_after`] (1 s, boxo's provider-search delay) starts a provider search; up to
//! [`Rules::dial_per_search`] providers found are dialled (they then get the wantlist like any Bitswap peer); a
//! want still stuck searches again after [`Rules::again_after`] (boxo's rebroadcast, 30 s). The load on the network
//! is bounded: at most [`Rules::max_in_flight`] searches at once, and never two for one CID within `again_after`.
//!
//! The fetch side talks to this through one call, [`Planner::plan`], with its outstanding wants and their ages
//! (whatever client or session holds them), and hears back which CIDs to search now. Sans-I/O: time comes in.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use cid::Cid;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rules {
    pub stuck_after: Duration,
    pub again_after: Duration,
    pub max_in_flight: usize,
    pub dial_per_search: usize,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            stuck_after: Duration::from_secs(1),
            again_after: Duration::from_secs(30),
            max_in_flight: 3,
            dial_per_search: 10,
        }
    }
}

/// Which stuck wants to search for, and when.
#[derive(Debug, Default)]
pub struct Planner {
    pub rules: Rules,
    /// When each CID's last search started; forgotten once the CID is no longer wanted.
    last: HashMap<Cid, Instant>,
    in_flight: HashSet<Cid>,
}

impl Planner {
    pub fn new(rules: Rules) -> Self {
        Self { rules, ..Self::default() }
    }

    /// The CIDs to search for now, given every outstanding want and its age; each is counted in flight until
    /// [`Planner::finished`]. Oldest wants first.
    pub fn plan(&mut self, wants: &[(Cid, Duration)], now: Instant) -> Vec<Cid> {
        let wanted: HashSet<&Cid> = wants.iter().map(|(c, _)| c).collect();
        self.last.retain(|c, _| wanted.contains(c) || self.in_flight.contains(c));
        let mut stuck: Vec<&(Cid, Duration)> = wants
            .iter()
            .filter(|(c, age)| {
                *age >= self.rules.stuck_after
                    && !self.in_flight.contains(c)
                    && self.last.get(c).is_none_or(|t| now.saturating_duration_since(*t) >= self.rules.again_after)
            })
            .collect();
        stuck.sort_by_key(|w| std::cmp::Reverse(w.1));
        let room = self.rules.max_in_flight.saturating_sub(self.in_flight.len());
        let out: Vec<Cid> = stuck.into_iter().take(room).map(|(c, _)| *c).collect();
        for c in &out {
            self.in_flight.insert(*c);
            self.last.insert(*c, now);
        }
        out
    }

    /// A search ended (done, failed or cancelled): room for another.
    pub fn finished(&mut self, cid: &Cid) {
        self.in_flight.remove(cid);
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cid(n: u8) -> Cid {
        let mh = multihash::Multihash::<64>::wrap(0x12, &[n; 32]).unwrap();
        Cid::new_v1(0x55, mh)
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_want_younger_than_one_second_is_not_searched() {
        let t0 = Instant::now();
        let mut p = Planner::default();
        assert!(p.plan(&[(cid(1), ms(999))], t0).is_empty());
        assert_eq!(p.plan(&[(cid(1), ms(1000))], t0 + ms(1)), vec![cid(1)]);
    }

    #[test]
    fn searches_in_flight_are_bounded_oldest_first() {
        let t0 = Instant::now();
        let mut p = Planner::default();
        let wants: Vec<_> = (1..=5).map(|n| (cid(n), ms(1000 + n as u64 * 100))).collect();
        let first = p.plan(&wants, t0);
        assert_eq!(first, vec![cid(5), cid(4), cid(3)], "three at most, the oldest wants first");
        assert!(p.plan(&wants, t0 + ms(10)).is_empty(), "no room while three are in flight");
        p.finished(&cid(4));
        assert_eq!(p.plan(&wants, t0 + ms(20)), vec![cid(2)], "one finished: one more, never the same again");
    }

    #[test]
    fn a_still_stuck_want_searches_again_only_after_the_interval() {
        let t0 = Instant::now();
        let mut p = Planner::default();
        let w = [(cid(1), ms(1500))];
        assert_eq!(p.plan(&w, t0), vec![cid(1)]);
        p.finished(&cid(1));
        assert!(p.plan(&w, t0 + Duration::from_secs(29)).is_empty(), "within 30 s of the last search");
        assert_eq!(p.plan(&w, t0 + Duration::from_secs(30)), vec![cid(1)]);
    }

    #[test]
    fn a_want_that_went_away_is_forgotten() {
        let t0 = Instant::now();
        let mut p = Planner::default();
        assert_eq!(p.plan(&[(cid(1), ms(1500))], t0), vec![cid(1)]);
        p.finished(&cid(1));
        assert!(p.plan(&[], t0 + ms(1)).is_empty());
        // Wanted anew later: a fresh want, searched as soon as it is stuck.
        assert_eq!(p.plan(&[(cid(1), ms(1000))], t0 + ms(2)), vec![cid(1)]);
    }
}
