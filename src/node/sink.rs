//! Where node events leave the node: each is numbered (`seq`) and timed (`at_ms`, the node's monotonic clock since
//! start) here, at publication, so that events reported from outside the node task (progress) are stamped in
//! arrival order like the node's own. Never blocks: what does not fit the bounded channel is counted, and the
//! count is published as `dropped`, cumulative.

use std::time::Instant;

use tokio::sync::mpsc;

use super::events::{Event, NodeEvent};
use super::trace::Trace;

/// Events published before `ready` are held at most this many; past it they go out without waiting for `ready`.
const HOLD: usize = 256;

/// The node's clock: milliseconds since the node started.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NodeClock(Instant);

impl NodeClock {
    pub(crate) fn start() -> Self {
        NodeClock(Instant::now())
    }

    pub(crate) fn now_ms(&self) -> u64 {
        self.0.elapsed().as_millis() as u64
    }
}

/// Events to consumers; never blocks.
pub(crate) struct EventSink {
    tx: mpsc::Sender<Event>,
    clock: NodeClock,
    /// The last `seq` given out (dropped events use theirs too, so a gap is exactly what was dropped).
    seq: u64,
    pub(crate) dropped: u64,
    reported: u64,
    /// Events before `ready`, held so that `ready` is every consumer's first event; `None` once released.
    held: Option<Vec<NodeEvent>>,
    /// What each CID we want went through, for `why` and the timeline: fed here, where every event is published.
    pub(crate) trace: Trace,
}

impl EventSink {
    pub(crate) fn new(tx: mpsc::Sender<Event>) -> Self {
        Self {
            tx,
            clock: NodeClock::start(),
            seq: 0,
            dropped: 0,
            reported: 0,
            held: Some(Vec::new()),
            trace: Trace::default(),
        }
    }

    pub(crate) fn clock(&self) -> NodeClock {
        self.clock
    }

    /// Publishes `kind`, stamped now; held until `ready` if that has not gone out yet.
    pub(crate) fn emit(&mut self, kind: NodeEvent) {
        if let Some(held) = self.held.as_mut() {
            if held.len() < HOLD {
                held.push(kind);
                return;
            }
            self.release();
        }
        self.send(kind);
    }

    /// Publishes `ready` first, then what was held for it.
    pub(crate) fn ready(&mut self, ready: NodeEvent) {
        self.send(ready);
        self.release();
    }

    /// Publishes what was held without waiting for `ready` (a listener failed: `ready` may never come).
    pub(crate) fn release(&mut self) {
        for kind in self.held.take().unwrap_or_default() {
            self.send(kind);
        }
    }

    fn send(&mut self, kind: NodeEvent) {
        self.seq += 1;
        let at_ms = self.clock.now_ms();
        self.trace.observe(at_ms, &kind);
        let event = Event { seq: self.seq, at_ms, kind };
        if self.tx.try_send(event).is_err() {
            self.dropped += 1;
        }
    }

    /// Tells consumers how many events they missed in all, once there is room. A report that does not fit takes
    /// no `seq`, so gaps in `seq` stay exactly the events dropped.
    pub(crate) fn report_drops(&mut self) {
        if self.dropped <= self.reported {
            return;
        }
        let event =
            Event { seq: self.seq + 1, at_ms: self.clock.now_ms(), kind: NodeEvent::Dropped { count: self.dropped } };
        if self.tx.try_send(event).is_ok() {
            self.seq += 1;
            self.reported = self.dropped;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(i: usize) -> NodeEvent {
        NodeEvent::Error { message: format!("e{i}") }
    }

    fn ready() -> NodeEvent {
        NodeEvent::Ready {
            schema: super::super::events::SCHEMA_VERSION,
            peer_id: "me".into(),
            listen: vec![],
            started_unix_ms: 0,
        }
    }

    #[test]
    fn seq_is_contiguous_and_at_ms_monotonic_on_the_node_clock() {
        let (tx, mut rx) = mpsc::channel(100);
        let mut sink = EventSink::new(tx);
        sink.ready(ready());
        for i in 0..20 {
            sink.emit(error(i));
            if i % 5 == 0 {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        }
        let mut events = Vec::new();
        while let Ok(e) = rx.try_recv() {
            events.push(e);
        }
        assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), (1..=21).collect::<Vec<_>>());
        assert!(events.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
        let spread = events.last().unwrap().at_ms - events[0].at_ms;
        assert!((60..2_000).contains(&spread), "the node's clock moved {spread} ms over 4 sleeps of 20 ms");
    }

    #[test]
    fn ready_goes_first_and_what_came_before_follows_it_in_order() {
        let (tx, mut rx) = mpsc::channel(100);
        let mut sink = EventSink::new(tx);
        sink.emit(error(1));
        sink.emit(error(2));
        assert!(rx.try_recv().is_err(), "held until ready");
        sink.ready(ready());
        sink.emit(error(3));
        let got: Vec<Event> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
        assert!(matches!(got[0].kind, NodeEvent::Ready { .. }));
        let rest: Vec<_> = got[1..].iter().map(|e| (e.seq, e.kind.clone())).collect();
        assert_eq!(rest, vec![(2, error(1)), (3, error(2)), (4, error(3))]);
    }

    #[test]
    fn a_flood_before_ready_is_not_held_forever() {
        let (tx, mut rx) = mpsc::channel(1000);
        let mut sink = EventSink::new(tx);
        for i in 0..HOLD + 1 {
            sink.emit(error(i));
        }
        assert_eq!(std::iter::from_fn(|| rx.try_recv().ok()).count(), HOLD + 1);
    }

    #[test]
    fn drops_leave_seq_gaps_of_exactly_their_number_and_the_count_is_cumulative() {
        let (tx, mut rx) = mpsc::channel(3);
        let mut sink = EventSink::new(tx);
        sink.ready(ready());
        for i in 0..10 {
            sink.emit(error(i)); // 2 fit, 8 dropped
        }
        sink.report_drops(); // no room: takes no seq
        let first: Vec<Event> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
        assert_eq!(first.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1, 2, 3]);
        sink.report_drops();
        sink.emit(error(10));
        for i in 11..20 {
            sink.emit(error(i)); // 1 fits, 8 dropped
        }
        sink.report_drops(); // no room
        let second: Vec<Event> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
        sink.report_drops();
        let third: Vec<Event> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
        let all: Vec<Event> = first.into_iter().chain(second).chain(third).collect();
        let counts: Vec<u64> = all
            .iter()
            .filter_map(|e| match e.kind {
                NodeEvent::Dropped { count } => Some(count),
                _ => None,
            })
            .collect();
        assert_eq!(counts, vec![8, 16], "cumulative, not per incident");
        let gaps: u64 = all.windows(2).map(|w| w[1].seq - w[0].seq - 1).sum();
        assert_eq!(gaps, 16, "every dropped event is one missing seq");
    }
}
