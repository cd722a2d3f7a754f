//! What the client measures of each peer it fetches from: round-trip latency and delivery throughput (EWMAs), the
//! WANT_BLOCKs it has in flight, and how often its wants had to be moved away. The want splitter reads these to
//! send each WANT_BLOCK to the peer expected to deliver it soonest (boxo's sessions split by measured latency and
//! throughput too); the node publishes them in every peer's ledger ([`PeerFigures`]).

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// Weight of a new sample in the moving averages.
const ALPHA: f64 = 0.3;
/// Deliveries are folded into the throughput estimate once they span at least this long: two blocks of one message
/// arrive together and must not read as infinitely fast.
const SAMPLE: Duration = Duration::from_millis(20);
/// Throughput assumed for every peer while none has been measured: only its ratio to others matters, and while all
/// are unknown the split is by WANT_BLOCKs in flight.
pub const DEFAULT_THROUGHPUT: f64 = 10e6;
/// Stalls halve a peer's estimate down to this at most (bytes per second): a peer that stalled often still gets
/// its pipeline's minimum depth, and one block delivered brings its estimate back up.
const MIN_THROUGHPUT: f64 = 64.0 * 1024.0;
/// A peer with WANT_BLOCKs in flight that delivers nothing for this long at least is stalled (its wants move).
pub const MIN_TIMEOUT: Duration = Duration::from_millis(1500);
/// … and for this long at most, whatever its measured speed (boxo's DONT_HAVE timeout is ~5 s too).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(5);

fn ewma(old: Option<f64>, sample: f64) -> Option<f64> {
    Some(old.map_or(sample, |o| o + ALPHA * (sample - o)))
}

/// One peer's measurements, across every session it serves.
#[derive(Debug, Default)]
pub struct PeerStats {
    /// Round trip, seconds.
    latency: Option<f64>,
    /// Bytes per second while it had WANT_BLOCKs in flight.
    throughput: Option<f64>,
    meter_bytes: f64,
    meter_secs: f64,
    /// While WANT_BLOCKs are in flight: when it last made progress (its first want, or its last block).
    progress_at: Option<Instant>,
    /// WANT_BLOCKs sent and not answered, cancelled or moved.
    pub in_flight: usize,
    /// Wants moved away because it was slow or silent.
    pub moved: u64,
    /// Times in a row it stalled with nothing delivered in between.
    pub stalls: u32,
    /// Answered HAVE or sent a wanted block at least once.
    pub provider: bool,
}

impl PeerStats {
    /// A WANT_BLOCK went to this peer.
    pub fn assigned(&mut self, now: Instant) {
        if self.in_flight == 0 {
            self.progress_at = Some(now);
        }
        self.in_flight += 1;
    }

    /// A WANT_BLOCK of this peer ended (answered, cancelled, moved).
    pub fn released(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
        if self.in_flight == 0 {
            // Idle time is not delivery time: the meter counts only while something is in flight.
            self.progress_at = None;
        }
    }

    /// A wanted block of `bytes` arrived from this peer.
    pub fn delivered(&mut self, bytes: usize, now: Instant) {
        self.provider = true;
        self.stalls = 0;
        let Some(since) = self.progress_at else { return };
        self.meter_bytes += bytes as f64;
        self.meter_secs += now.saturating_duration_since(since).as_secs_f64();
        self.progress_at = Some(now);
        if self.meter_secs >= SAMPLE.as_secs_f64() {
            self.throughput = ewma(self.throughput, self.meter_bytes / self.meter_secs);
            self.meter_bytes = 0.0;
            self.meter_secs = 0.0;
        }
    }

    /// A round trip measured (a ping, or an answer to a want that queued behind nothing).
    pub fn round_trip(&mut self, rtt: Duration) {
        self.latency = ewma(self.latency, rtt.as_secs_f64());
    }

    /// Its wants were moved away for silence: its throughput estimate halves, and its silence clock restarts.
    pub fn stalled(&mut self, moved: usize, now: Instant) {
        self.throughput = self.throughput.map(|t| (t / 2.0).max(MIN_THROUGHPUT));
        self.moved += moved as u64;
        self.stalls += 1;
        if self.in_flight > 0 {
            self.progress_at = Some(now);
        }
    }

    pub fn throughput(&self) -> Option<f64> {
        self.throughput
    }

    pub fn latency(&self) -> Duration {
        Duration::from_secs_f64(self.latency.unwrap_or(0.0))
    }

    /// Seconds it takes to deliver a block of `size`, at its measured throughput or `fallback`.
    pub fn block_secs(&self, size: f64, fallback: f64) -> f64 {
        size / self.throughput.unwrap_or(fallback).max(1.0)
    }

    /// When a new WANT_BLOCK sent now would be answered, in seconds: a round trip plus everything already queued.
    pub fn eta(&self, size: f64, fallback: f64) -> f64 {
        self.latency.unwrap_or(0.0) + (self.in_flight + 1) as f64 * self.block_secs(size, fallback)
    }

    /// How long it may deliver nothing while it has wants in flight: three block times and two round trips,
    /// within [`MIN_TIMEOUT`, `MAX_TIMEOUT`]; `MAX_TIMEOUT` when nothing was measured yet.
    pub fn timeout(&self, size: f64, fallback: Option<f64>) -> Duration {
        let Some(fallback) = self.throughput.or(fallback) else { return MAX_TIMEOUT };
        let secs = 3.0 * self.block_secs(size, fallback) + 2.0 * self.latency.unwrap_or(0.0);
        Duration::from_secs_f64(secs).clamp(MIN_TIMEOUT, MAX_TIMEOUT)
    }

    /// How long it has had wants in flight with nothing delivered.
    pub fn silent_for(&self, now: Instant) -> Option<Duration> {
        self.progress_at.map(|t| now.saturating_duration_since(t))
    }
}

/// One peer's figures as the node publishes them (in its ledger): what the want splitter measured.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PeerFigures {
    /// Round-trip latency (moving average of pings and unqueued answers), in ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<f64>,
    /// Delivery throughput while WANT_BLOCKs were in flight (moving average), bytes per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throughput_bps: Option<f64>,
    /// WANT_BLOCKs in flight to this peer now.
    #[serde(default)]
    pub blocks_in_flight: u64,
    /// Wants moved away from this peer because it was slow or silent.
    #[serde(default)]
    pub wants_moved: u64,
    /// Blocks this peer delivered to each fetch session: the live ones and the last few that ended.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sessions: Vec<SessionShare>,
}

/// What one peer delivered to one session.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionShare {
    /// The session's number (one per DAG fetch, in this node).
    pub session: u64,
    /// The first CID the session wanted (the DAG's root).
    pub root: String,
    pub blocks: u64,
    pub bytes: u64,
}

impl PeerStats {
    /// The published figures, without the sessions (the client adds them).
    pub fn figures(&self) -> PeerFigures {
        PeerFigures {
            latency_ms: self.latency.map(|s| s * 1000.0),
            throughput_bps: self.throughput,
            blocks_in_flight: self.in_flight as u64,
            wants_moved: self.moved,
            sessions: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::bitswap::ledger::Ledger;

    #[test]
    fn figures_sit_flat_in_a_ledger_and_parse_back() {
        let figures = PeerFigures {
            latency_ms: Some(0.9),
            throughput_bps: Some(12.3e6),
            blocks_in_flight: 3,
            wants_moved: 1,
            sessions: vec![SessionShare { session: 7, root: "bafybei".into(), blocks: 8, bytes: 8 << 20 }],
        };
        let ledger = Ledger { blocks_received: 8, figures, ..Ledger::default() };
        let json = serde_json::to_value(&ledger).unwrap();
        for field in ["blocks_received", "latency_ms", "throughput_bps", "blocks_in_flight", "wants_moved", "sessions"]
        {
            assert!(json.get(field).is_some(), "{field} in {json}");
        }
        assert_eq!(serde_json::from_value::<Ledger>(json).unwrap(), ledger);
        // A ledger written before the figures existed still parses.
        let mut old = serde_json::to_value(Ledger::default()).unwrap();
        for field in ["latency_ms", "throughput_bps", "blocks_in_flight", "wants_moved", "sessions"] {
            old.as_object_mut().unwrap().remove(field);
        }
        let old: Ledger = serde_json::from_value(old).unwrap();
        assert_eq!(old.figures, PeerFigures::default());
    }

    #[test]
    fn throughput_is_measured_only_while_blocks_are_in_flight() {
        let t0 = Instant::now();
        let mut st = PeerStats::default();
        st.assigned(t0);
        st.assigned(t0);
        st.delivered(1 << 20, t0 + Duration::from_millis(100));
        st.released();
        st.delivered(1 << 20, t0 + Duration::from_millis(200));
        st.released();
        let bps = st.throughput().unwrap();
        assert!((bps - 10.48e6).abs() < 0.1e6, "{bps}");
        // Idle for a second: not counted.
        st.assigned(t0 + Duration::from_millis(1200));
        st.delivered(1 << 20, t0 + Duration::from_millis(1300));
        assert!((st.throughput().unwrap() - 10.48e6).abs() < 0.1e6);
    }
}
