//! The per-peer ledger: what was exchanged with each peer, both ways, as `ipfs bitswap ledger` shows it and more.

use serde::{Deserialize, Serialize};

/// Counters for one peer. Times are milliseconds since the Unix epoch.
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
    pub last_exchange_ms: Option<u64>,
}

impl Ledger {
    /// Kubo's debt ratio: bytes sent / (bytes received + 1).
    pub fn debt_ratio(&self) -> f64 {
        self.bytes_sent as f64 / (self.bytes_received as f64 + 1.0)
    }

    pub fn touch(&mut self) {
        self.last_exchange_ms = Some(now_ms());
    }
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}
