//! What `swarm peers -v` shows of a peer beyond its ledger: kept by the node task as connections, pings,
//! identify answers and Bitswap streams come in.

use super::bitswap::ledger::Ledger;
use super::bitswap::protocol::Version;
use super::events::{Direction, PeerInfo};

#[derive(Clone, Debug, Default)]
pub(crate) struct PeerDetails {
    /// Who dialled the first connection.
    pub direction: Option<Direction>,
    pub rtt_ms: Option<f64>,
    /// What identify listed.
    pub protocols: Vec<String>,
    /// The Bitswap version of our stream to the peer, and of the peer's stream to us, as negotiated.
    pub bitswap_out: Option<Version>,
    pub bitswap_in: Option<Version>,
    /// Every open connection goes through a relay.
    pub relayed: bool,
}

impl PeerDetails {
    /// The Bitswap version negotiated: of our stream to the peer, else of the peer's stream to us.
    pub fn negotiated(&self) -> Option<Version> {
        self.bitswap_out.or(self.bitswap_in)
    }

    /// The peer as `swarm peers` shows it.
    pub fn info(&self, peer: String, addr: String, agent: Option<String>, bitswap: bool, ledger: &Ledger) -> PeerInfo {
        PeerInfo {
            peer,
            addr,
            agent,
            bitswap,
            direction: self.direction,
            latency_ms: self.rtt_ms,
            protocols: self.protocols.clone(),
            bitswap_version: self.negotiated().map(|v| v.name().to_string()),
            bytes_received: ledger.bytes_received,
            bytes_sent: ledger.bytes_sent,
            relayed: self.relayed,
        }
    }
}
