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
}

/// Ledgers of disconnected peers, the most recent `ARCHIVED` of them: a peer that reconnects picks its history up
/// again, and a peer that churns through connections shows it, while a flood of new identities costs bounded memory.
#[derive(Debug, Default)]
pub struct LedgerArchive {
    ledgers: HashMap<PeerId, Ledger>,
    order: VecDeque<PeerId>,
}

/// Disconnected peers whose ledgers are kept.
pub const ARCHIVED: usize = 1024;

impl LedgerArchive {
    pub fn keep(&mut self, peer: PeerId, ledger: Ledger) {
        if self.ledgers.insert(peer, ledger).is_none() {
            self.order.push_back(peer);
        }
        while self.order.len() > ARCHIVED {
            if let Some(old) = self.order.pop_front() {
                self.ledgers.remove(&old);
            }
        }
    }

    /// The peer's earlier ledger, or a fresh one.
    pub fn take(&mut self, peer: &PeerId) -> Ledger {
        match self.ledgers.remove(peer) {
            Some(l) => {
                self.order.retain(|p| p != peer);
                l
            }
            None => Ledger::default(),
        }
    }

    pub fn len(&self) -> usize {
        self.ledgers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ledgers.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_archive_returns_a_peers_ledger_and_forgets_the_oldest_past_its_bound() {
        let mut archive = LedgerArchive::default();
        let first = PeerId::random();
        archive.keep(first, Ledger { connections: 3, ..Ledger::default() });
        for _ in 0..ARCHIVED {
            archive.keep(PeerId::random(), Ledger::default());
        }
        assert_eq!(archive.len(), ARCHIVED);
        assert_eq!(archive.take(&first), Ledger::default(), "the oldest was forgotten");

        let back = PeerId::random();
        archive.keep(back, Ledger { connections: 7, ..Ledger::default() });
        assert_eq!(archive.take(&back).connections, 7);
        assert_eq!(archive.take(&back), Ledger::default(), "taken once");
        assert_eq!(archive.len(), ARCHIVED - 1, "the oldest went to make room for it");
    }
}
