//! The per-peer ledger: what was exchanged with each peer, both ways, as `ipfs bitswap ledger` shows it and more.

use std::collections::{HashMap, VecDeque};

use libp2p::PeerId;
use serde::{Deserialize, Serialize};

/// Counters for one peer. Times are on the node's clock: milliseconds since the node started, like events' `at_ms`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Ledger {
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub blocks_sent: u64,
    pub blocks_received: u64,
    /// Blocks received that we already had or no longer wanted.
    pub duplicate_blocks: u64,
    /// Blocks refused: hash mismatch or unsolicited.
    pub rejected_blocks: u64,
    pub wants_sent: u64,
    pub wants_received: u64,
    pub haves_sent: u64,
    pub haves_received: u64,
    pub dont_haves_sent: u64,
    pub dont_haves_received: u64,
    /// Malformed frames or entries from this peer.
    pub protocol_errors: u64,
    /// Wants we would not serve: blocks over Bitswap's 2 MiB limit.
    #[serde(default)]
    pub refused_wants: u64,
    /// Connections made with this peer since the node started (churn shows here).
    #[serde(default)]
    pub connections: u64,
    pub last_exchange_ms: Option<u64>,
    /// When the peer's last connection closed (node clock), for a peer that left and whose ledger is kept; absent
    /// while it is connected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_ms: Option<u64>,
    /// What our fetches measured of this peer (latency, throughput, blocks per session): flat in the JSON.
    #[serde(default, flatten)]
    pub figures: super::peer_stats::PeerFigures,
}

impl Ledger {
    /// Kubo's debt ratio: bytes sent / (bytes received + 1).
    pub fn debt_ratio(&self) -> f64 {
        self.bytes_sent as f64 / (self.bytes_received as f64 + 1.0)
    }

    /// Something was exchanged at `now_ms` (node clock).
    pub fn touch(&mut self, now_ms: u64) {
        self.last_exchange_ms = Some(now_ms);
    }

    /// Adds `other`'s counters to these (totals over peers); the latest exchange of the two is kept.
    pub fn add(&mut self, other: &Ledger) {
        let Ledger {
            bytes_sent,
            bytes_received,
            blocks_sent,
            blocks_received,
            duplicate_blocks,
            rejected_blocks,
            wants_sent,
            wants_received,
            haves_sent,
            haves_received,
            dont_haves_sent,
            dont_haves_received,
            protocol_errors,
            refused_wants,
            connections,
            last_exchange_ms,
            left_ms: _,
            figures: _,
        } = other;
        self.bytes_sent += bytes_sent;
        self.bytes_received += bytes_received;
        self.blocks_sent += blocks_sent;
        self.blocks_received += blocks_received;
        self.duplicate_blocks += duplicate_blocks;
        self.rejected_blocks += rejected_blocks;
        self.wants_sent += wants_sent;
        self.wants_received += wants_received;
        self.haves_sent += haves_sent;
        self.haves_received += haves_received;
        self.dont_haves_sent += dont_haves_sent;
        self.dont_haves_received += dont_haves_received;
        self.protocol_errors += protocol_errors;
        self.refused_wants += refused_wants;
        self.connections += connections;
        self.last_exchange_ms = self.last_exchange_ms.max(*last_exchange_ms);
    }
}

/// A peer that left, as kept: its ledger (with `left_ms`) and what was known of it, so that a view can still show
/// it (greyed).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Departed {
    pub ledger: Ledger,
    pub addr: Option<String>,
    pub agent: Option<String>,
    pub bitswap: bool,
}

/// `bitswap stat`: node-lifetime totals, which do not drop when peers leave (Kubo's `bitswap stat` counts the same
/// way).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BitswapTotals {
    /// Peers connected now.
    pub peers: usize,
    /// Peers that left and whose ledgers are kept (at most [`ARCHIVED`]).
    pub departed: usize,
    /// Every ledger counter summed over every peer since the node started: connected, departed and kept, and
    /// departed so long ago that their ledgers were forgotten. `connections` counts every connection made.
    pub totals: Ledger,
}

/// Ledgers of disconnected peers, the most recent `ARCHIVED` of them: a peer that reconnects picks its history up
/// again, a peer that churns through connections shows it, and `bitswap ledger` answers for a peer that left, while
/// a flood of new identities costs bounded memory. The counters of the ledgers it forgets stay in `retired`, so
/// node totals never go down.
#[derive(Debug, Default)]
pub struct LedgerArchive {
    kept: HashMap<PeerId, Departed>,
    /// Oldest departure first.
    order: VecDeque<PeerId>,
    retired: Ledger,
}

/// Disconnected peers whose ledgers are kept.
pub const ARCHIVED: usize = 1024;

impl LedgerArchive {
    /// Keeps a departed peer's ledger; `departed.ledger.left_ms` says when it left.
    pub fn keep(&mut self, peer: PeerId, departed: Departed) {
        if self.kept.insert(peer, departed).is_some() {
            self.order.retain(|p| *p != peer);
        }
        self.order.push_back(peer);
        while self.order.len() > ARCHIVED {
            if let Some(old) = self.order.pop_front()
                && let Some(gone) = self.kept.remove(&old)
            {
                self.retired.add(&gone.ledger);
            }
        }
    }

    /// The peer's earlier ledger (no longer marked as departed), or a fresh one.
    pub fn take(&mut self, peer: &PeerId) -> Ledger {
        match self.kept.remove(peer) {
            Some(d) => {
                self.order.retain(|p| p != peer);
                Ledger { left_ms: None, ..d.ledger }
            }
            None => Ledger::default(),
        }
    }

    /// A departed peer's ledger, if kept.
    pub fn get(&self, peer: &PeerId) -> Option<&Departed> {
        self.kept.get(peer)
    }

    /// The `n` most recent departures, most recent first.
    pub fn recent(&self, n: usize) -> impl Iterator<Item = (&PeerId, &Departed)> {
        self.order.iter().rev().take(n).filter_map(|p| self.kept.get(p).map(|d| (p, d)))
    }

    /// Every counter of every departed peer, kept or forgotten.
    pub fn totals(&self) -> Ledger {
        let mut sum = self.retired.clone();
        for d in self.kept.values() {
            sum.add(&d.ledger);
        }
        sum
    }

    pub fn len(&self) -> usize {
        self.kept.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn departed(ledger: Ledger) -> Departed {
        Departed { ledger, ..Departed::default() }
    }

    #[test]
    fn the_archive_returns_a_peers_ledger_and_forgets_the_oldest_past_its_bound() {
        let mut archive = LedgerArchive::default();
        let first = PeerId::random();
        archive.keep(first, departed(Ledger { connections: 3, left_ms: Some(5), ..Ledger::default() }));
        for _ in 0..ARCHIVED {
            archive.keep(PeerId::random(), departed(Ledger::default()));
        }
        assert_eq!(archive.len(), ARCHIVED);
        assert_eq!(archive.take(&first), Ledger::default(), "the oldest was forgotten");

        let back = PeerId::random();
        archive.keep(back, departed(Ledger { connections: 7, left_ms: Some(9), ..Ledger::default() }));
        assert_eq!(archive.get(&back).unwrap().ledger.left_ms, Some(9));
        assert_eq!(archive.recent(1).next().map(|(p, _)| *p), Some(back), "most recent first");
        let taken = archive.take(&back);
        assert_eq!((taken.connections, taken.left_ms), (7, None), "back: no longer marked as departed");
        assert_eq!(archive.take(&back), Ledger::default(), "taken once");
        assert_eq!(archive.len(), ARCHIVED - 1, "the oldest went to make room for it");
    }

    #[test]
    fn totals_keep_what_the_archive_forgets() {
        let mut archive = LedgerArchive::default();
        for i in 0..ARCHIVED as u64 + 10 {
            let ledger = Ledger { blocks_sent: 1, bytes_sent: 100, last_exchange_ms: Some(i), ..Ledger::default() };
            archive.keep(PeerId::random(), departed(ledger));
        }
        let totals = archive.totals();
        assert_eq!(archive.len(), ARCHIVED);
        assert_eq!((totals.blocks_sent, totals.bytes_sent), (ARCHIVED as u64 + 10, 100 * (ARCHIVED as u64 + 10)));
        assert_eq!(totals.last_exchange_ms, Some(ARCHIVED as u64 + 9));
    }
}
