//! Passing node events on to a consumer that can itself fall behind (the control socket's watch reads from a
//! broadcast): what the relay misses is added to the node's count, so `dropped` stays cumulative for that consumer,
//! exactly as it is for the node's own channel.

use super::events::{Event, NodeEvent};

/// Tracks one relayed stream: the node's drops it has seen and what the relay itself missed.
#[derive(Debug, Default)]
pub struct Relay {
    last_seq: u64,
    last_at_ms: u64,
    node_dropped: u64,
    lagged: u64,
}

impl Relay {
    /// An event passed on: a node `dropped` is raised by what this relay missed so far.
    pub fn pass(&mut self, mut event: Event) -> Event {
        match &mut event.kind {
            NodeEvent::Dropped { count } => {
                self.node_dropped = self.node_dropped.max(*count);
                *count = self.node_dropped + self.lagged;
            }
            NodeEvent::Snapshot { dropped_events, .. } => self.node_dropped = self.node_dropped.max(*dropped_events),
            _ => {}
        }
        self.last_seq = event.seq;
        self.last_at_ms = event.at_ms;
        event
    }

    /// The relay missed `n` events: a `dropped` with the total this consumer missed. It is not a node event, so it
    /// takes no `seq` of its own: it repeats the `seq` and `at_ms` of the last event passed on (docs/events.md).
    pub fn lagged(&mut self, n: u64) -> Event {
        self.lagged += n;
        Event {
            seq: self.last_seq,
            at_ms: self.last_at_ms,
            kind: NodeEvent::Dropped { count: self.node_dropped + self.lagged },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(seq: u64, kind: NodeEvent) -> Event {
        Event { seq, at_ms: seq * 10, kind }
    }

    #[test]
    fn a_relay_adds_what_it_missed_to_the_nodes_count() {
        let mut r = Relay::default();
        let err = || NodeEvent::Error { message: "x".into() };
        r.pass(ev(1, err()));
        r.pass(ev(4, NodeEvent::Dropped { count: 2 })); // the node dropped seq 2 and 3
        let d = r.lagged(5); // the relay missed seq 5..=9
        assert_eq!((d.seq, d.at_ms, d.kind), (4, 40, NodeEvent::Dropped { count: 7 }));
        r.pass(ev(10, err()));
        let later = r.pass(ev(13, NodeEvent::Dropped { count: 4 }));
        assert_eq!(later.kind, NodeEvent::Dropped { count: 9 }, "node 4 + relay 5: cumulative for this consumer");
        assert_eq!(r.lagged(1).kind, NodeEvent::Dropped { count: 10 });
    }
}
