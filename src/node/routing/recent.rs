//! What routing remembers for the Routing pane and the Wantlists status column: the queries that finished lately
//! (bounded), how each wanted CID's last provider search ended, and the last bootstrap walk. `Routing::status` turns
//! it, with the queries still running, into the [`RoutingStatus`](super::status::RoutingStatus) fields `recent`,
//! `wants` and `bootstrap.last_walk`.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use cid::Cid;

use super::status::{
    QueryInfo, QueryOutcome, RECENT_QUERIES, RoutingSource, WANTS_SHOWN, WantRouting, WantRoutingState,
};
use super::{Query, Reply};

/// How a CID's last provider search ended.
struct LastSearch {
    at: Instant,
    found: u64,
    dialled: u64,
    error: Option<String>,
}

#[derive(Default)]
pub(super) struct Recent {
    /// Newest last, with when each ended.
    finished: VecDeque<(Instant, QueryInfo)>,
    searches: HashMap<Cid, LastSearch>,
    /// Our wants as the last tick had them, oldest first.
    wanted: Vec<Cid>,
    /// The last DHT bootstrap walk: `ok: N peers` or its error.
    pub(super) last_walk: Option<String>,
}

fn ms(d: Duration) -> u64 {
    d.as_millis() as u64
}

fn dialled(q: &Query) -> u64 {
    match q.reply {
        Reply::Search { dialled } => dialled as u64,
        _ => 0,
    }
}

fn info(q: &Query, found: u64, elapsed: Duration, outcome: QueryOutcome) -> QueryInfo {
    QueryInfo {
        id: q.id,
        kind: q.kind,
        key: q.key.clone(),
        sources: if q.http_asked { vec![RoutingSource::Dht, RoutingSource::Http] } else { vec![RoutingSource::Dht] },
        contacted: q.contacted,
        found,
        elapsed_ms: ms(elapsed),
        ended_ms_ago: 0,
        outcome,
    }
}

impl Recent {
    /// `q` ended at `now` with `count` found (or `error`): kept among the recent queries; a provider search is
    /// remembered for its CID while that CID is wanted.
    pub(super) fn finished(&mut self, q: &Query, count: u64, error: Option<&str>, now: Instant) {
        let outcome = match error {
            None => QueryOutcome::Done,
            Some(e) => QueryOutcome::Failed { error: e.to_string() },
        };
        self.finished.push_back((now, info(q, count, now.saturating_duration_since(q.started), outcome)));
        while self.finished.len() > RECENT_QUERIES {
            self.finished.pop_front();
        }
        if let (Reply::Search { dialled }, Some(cid)) = (&q.reply, q.cid) {
            let last = LastSearch { at: now, found: count, dialled: *dialled as u64, error: error.map(str::to_string) };
            self.searches.insert(cid, last);
        }
    }

    /// Our wants now (each tick): searches of CIDs no longer wanted are forgotten.
    pub(super) fn wants(&mut self, wants: &[(Cid, Duration)]) {
        self.wanted = wants.iter().map(|(c, _)| *c).collect();
        let wanted: HashSet<&Cid> = self.wanted.iter().collect();
        self.searches.retain(|c, _| wanted.contains(c));
    }

    /// The running queries (oldest first), then the finished ones (newest first).
    pub(super) fn queries<'a>(&self, live: impl IntoIterator<Item = &'a Query>, now: Instant) -> Vec<QueryInfo> {
        let mut running: Vec<&Query> = live.into_iter().collect();
        running.sort_by_key(|q| q.id);
        let mut out: Vec<QueryInfo> = running
            .into_iter()
            .map(|q| {
                let found = q.found.len() as u64;
                info(q, found, now.saturating_duration_since(q.started), QueryOutcome::Running)
            })
            .collect();
        out.extend(
            self.finished
                .iter()
                .rev()
                .map(|(at, i)| QueryInfo { ended_ms_ago: ms(now.saturating_duration_since(*at)), ..i.clone() }),
        );
        out
    }

    /// What routing does for each want (at most [`WANTS_SHOWN`]): searching, how the last search ended, waiting
    /// for one, or off when the DHT has no peer to ask (`routable` false).
    pub(super) fn want_states<'a>(
        &self,
        live: impl IntoIterator<Item = &'a Query>,
        routable: bool,
        now: Instant,
    ) -> Vec<WantRouting> {
        let running: HashMap<Cid, &Query> = live
            .into_iter()
            .filter(|q| matches!(q.reply, Reply::Search { .. }))
            .filter_map(|q| q.cid.map(|c| (c, q)))
            .collect();
        self.wanted
            .iter()
            .take(WANTS_SHOWN)
            .map(|cid| {
                let state = if let Some(q) = running.get(cid) {
                    WantRoutingState::Searching { found: q.found.len() as u64, dialling: dialled(q) }
                } else if let Some(last) = self.searches.get(cid) {
                    let ms_ago = ms(now.saturating_duration_since(last.at));
                    match (&last.error, last.found) {
                        (Some(e), _) => WantRoutingState::Failed { error: e.clone(), ms_ago },
                        (None, 0) => WantRoutingState::NoProviders { ms_ago },
                        (None, found) => WantRoutingState::Found { found, dialled: last.dialled, ms_ago },
                    }
                } else if routable {
                    WantRoutingState::Waiting
                } else {
                    WantRoutingState::Off
                };
                WantRouting { cid: cid.to_string(), state }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::node::routing::status::QueryKind;

    fn cid(n: u8) -> Cid {
        Cid::new_v1(0x55, multihash::Multihash::<64>::wrap(0x12, &[n; 32]).unwrap())
    }

    fn search(id: u64, c: Cid, started: Instant, found: usize, dialled: usize) -> Query {
        let found: HashSet<libp2p::PeerId> = (0..found).map(|_| libp2p::PeerId::random()).collect();
        Query {
            id,
            kind: QueryKind::Search,
            key: c.to_string(),
            cid: Some(c),
            peer: None,
            started,
            found,
            contacted: 4,
            limit: 10,
            reply: Reply::Search { dialled },
            http_pending: 0,
            http_asked: false,
            dht_done: false,
            cancel: Default::default(),
        }
    }

    #[test]
    fn recent_queries_are_bounded_running_first_then_newest_finished() {
        let t0 = Instant::now();
        let mut r = Recent::default();
        for n in 0..(RECENT_QUERIES as u64 + 5) {
            r.finished(&search(n, cid(1), t0, 0, 0), 0, None, t0 + Duration::from_millis(n));
        }
        let live = [search(100, cid(2), t0, 3, 2)];
        let q = r.queries(&live, t0 + Duration::from_secs(1));
        assert_eq!(q.len(), RECENT_QUERIES + 1);
        assert_eq!((q[0].id, q[0].found, q[0].elapsed_ms, &q[0].outcome), (100, 3, 1000, &QueryOutcome::Running));
        assert_eq!(q[1].id, RECENT_QUERIES as u64 + 4, "newest finished first");
        assert_eq!(q.last().map(|i| i.id), Some(5), "the oldest went past the bound");
    }

    #[test]
    fn each_want_says_what_routing_does_for_it() {
        let t0 = Instant::now();
        let mut r = Recent::default();
        let age = Duration::from_secs(2);
        r.wants(&[(cid(1), age), (cid(2), age), (cid(3), age), (cid(4), age), (cid(5), age)]);
        r.finished(&search(1, cid(2), t0, 0, 0), 0, None, t0);
        r.finished(&search(2, cid(3), t0, 2, 1), 2, None, t0);
        r.finished(&search(3, cid(4), t0, 0, 0), 0, Some("timed out"), t0);
        let live = [search(4, cid(5), t0, 3, 2)];
        let states: Vec<String> = r.want_states(&live, true, t0).into_iter().map(|w| w.state.to_string()).collect();
        assert_eq!(
            states,
            [
                "asking connected peers",
                "no providers",
                "2 providers found, 1 dialled",
                "provider search failed: timed out",
                "finding providers: 3 found, dialling 2",
            ]
        );
        assert_eq!(r.want_states(&[], false, t0)[0].state, WantRoutingState::Off);
        r.wants(&[(cid(1), age)]);
        assert_eq!(r.searches.len(), 0, "searches of CIDs no longer wanted are forgotten");
    }
}
