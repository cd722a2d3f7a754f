//! What `swarm peers -v` shows of a peer beyond its ledger: kept by the node task as connections, pings,
//! identify answers and Bitswap streams come in.

use std::collections::HashMap;

use libp2p::swarm::ConnectionId;

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
    /// Open connections, and whether each goes through a relay.
    conns: HashMap<ConnectionId, bool>,
}

impl PeerDetails {
    /// A connection opened: `relayed` stays true while every open connection goes through a relay.
    pub fn opened(&mut self, id: ConnectionId, relayed: bool) {
        self.conns.insert(id, relayed);
        self.relayed = self.conns.values().all(|r| *r);
    }

    /// A connection closed (not the last one: the peer's details go with that).
    pub fn closed(&mut self, id: ConnectionId) {
        self.conns.remove(&id);
        self.relayed = !self.conns.is_empty() && self.conns.values().all(|r| *r);
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peer_is_relayed_while_every_connection_is() {
        let mut d = PeerDetails::default();
        let (relayed, direct) = (ConnectionId::new_unchecked(1), ConnectionId::new_unchecked(2));
        d.opened(relayed, true);
        assert!(d.relayed);
        d.opened(direct, false);
        assert!(!d.relayed, "a hole punch gave a direct connection");
        d.closed(relayed);
        assert!(!d.relayed);
        d.opened(relayed, true);
        d.closed(direct);
        assert!(d.relayed, "only the relayed one is left");
    }
}
