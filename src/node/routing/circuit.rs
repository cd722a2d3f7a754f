//! Circuit relay v2 (client) and DCUtR: most providers on the public network sit behind NAT and are reachable only
//! through a relay (`…/p2p/RELAY/p2p-circuit/p2p/TARGET`). The swarm's transport dials such addresses (the relay
//! client in `swarm.rs`), whether the user named one (`--connect`) or a provider record carried one; DCUtR then
//! tries to replace the relayed connection with a direct one by hole punching. This module says which connections
//! are relayed and publishes what DCUtR and the relay client report.
//!
//! Relays limit what passes through them (Kubo's and js-libp2p's default: 2 minutes and 128 KiB per circuit), so
//! a relayed connection is a way to meet, not to transfer much: the hole punch is what makes it a real link.

use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, PeerId, dcutr, relay};

use super::Routing;
use crate::node::events::NodeEvent;
use crate::node::sink::EventSink;

/// Whether `addr` goes through a relay (it has a `/p2p-circuit` part).
pub fn is_relayed(addr: &Multiaddr) -> bool {
    addr.iter().any(|p| matches!(p, Protocol::P2pCircuit))
}

/// The relay's part of a circuit address (up to and with `/p2p/RELAY`), if it is one.
pub fn relay_of(addr: &Multiaddr) -> Option<Multiaddr> {
    let mut out = Multiaddr::empty();
    for p in addr.iter() {
        if matches!(p, Protocol::P2pCircuit) {
            return matches!(out.iter().last(), Some(Protocol::P2p(_))).then_some(out);
        }
        out.push(p);
    }
    None
}

/// `addr` ending with `/p2p/<peer>`: a listen address as others dial it (a circuit listen address has it already).
pub fn with_peer(addr: &Multiaddr, peer: PeerId) -> Multiaddr {
    if addr.iter().last() == Some(Protocol::P2p(peer)) { addr.clone() } else { addr.clone().with(Protocol::P2p(peer)) }
}

fn short(e: impl std::fmt::Display) -> String {
    e.to_string().replace('\n', " ")
}

/// What libp2p's relay client says when the relay itself could not be reached (it drops its answer).
const RELAY_UNREACHED: &str = "oneshot canceled";

/// A failed dial in one line (libp2p's words); when a circuit was tried, each address with its reason, and a circuit
/// whose relay could not be reached says so instead of libp2p's "Response from behaviour was canceled".
pub fn dial_error(error: &libp2p::swarm::DialError) -> String {
    match error {
        libp2p::swarm::DialError::Transport(tried) if tried.iter().any(|(a, _)| is_relayed(a)) => {
            let each: Vec<String> = tried.iter().map(|(a, e)| format!("{a}: {}", addr_error(a, e))).collect();
            format!("no address worked: {}", each.join("; "))
        }
        other => short(other),
    }
}

/// An error and its causes in one line: the non-empty messages, each once (libp2p's transport errors display as
/// nothing and keep the reason in their sources).
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(e);
    while let Some(err) = next {
        let text = short(err);
        let text = text.trim().trim_end_matches('.').to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = err.source();
    }
    parts.join(": ")
}

/// Why one address failed (see [`dial_error`]).
pub fn addr_error(addr: &Multiaddr, error: &(dyn std::error::Error + 'static)) -> String {
    let text = chain(error);
    match relay_of(addr) {
        Some(relay) if text.contains(RELAY_UNREACHED) => format!("the relay {relay} could not be reached"),
        _ => text,
    }
}

impl Routing {
    /// A DCUtR outcome: a `hole_punch` event, successful (a direct connection now exists beside the relayed one) or
    /// not (the relayed connection stays).
    pub(crate) fn on_dcutr(&mut self, event: dcutr::Event, events: &mut EventSink) {
        let peer = event.remote_peer_id.to_string();
        let error = event.result.err().map(short);
        events.emit(NodeEvent::HolePunch { peer, ok: error.is_none(), error });
    }

    /// The relay client: a reservation on a relay (when the node listens on a `/p2p-circuit` address) is worth a
    /// line in the log; a circuit that could not be opened shows as a failed dial already.
    pub(crate) fn on_relay_client(&mut self, event: relay::client::Event) {
        match event {
            relay::client::Event::ReservationReqAccepted { relay_peer_id, renewal, .. } => {
                tracing::info!(relay = %relay_peer_id, renewal, "relay reservation accepted");
            }
            relay::client::Event::OutboundCircuitEstablished { relay_peer_id, .. } => {
                tracing::debug!(relay = %relay_peer_id, "outbound circuit established");
            }
            relay::client::Event::InboundCircuitEstablished { src_peer_id, .. } => {
                tracing::debug!(from = %src_peer_id, "inbound circuit established");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RELAY: &str = "12D3KooWLRPJAA5o6Z6pVTyDfD7DvPMvSrcZxzf3fpYMwcDGWP3v";
    const TARGET: &str = "12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo";

    #[test]
    fn circuit_addresses_are_relayed_and_name_their_relay() {
        let circuit: Multiaddr =
            format!("/ip4/127.0.0.1/tcp/4001/p2p/{RELAY}/p2p-circuit/p2p/{TARGET}").parse().unwrap();
        assert!(is_relayed(&circuit));
        let relay: Multiaddr = format!("/ip4/127.0.0.1/tcp/4001/p2p/{RELAY}").parse().unwrap();
        assert_eq!(relay_of(&circuit), Some(relay.clone()));
        assert!(!is_relayed(&relay));
        assert_eq!(relay_of(&relay), None);
        let bare: Multiaddr = "/ip4/127.0.0.1/tcp/4001/p2p-circuit".parse().unwrap();
        assert!(is_relayed(&bare) && relay_of(&bare).is_none(), "a circuit without a relay id names no relay");
        let err = |s: &str| std::io::Error::other(s.to_string());
        let unreached = err("Response from behaviour was canceled: oneshot canceled");
        assert_eq!(addr_error(&circuit, &unreached), format!("the relay {relay} could not be reached"));
        assert_eq!(addr_error(&relay, &err("Connection refused")), "Connection refused", "other errors are kept");
        let target: PeerId = TARGET.parse().unwrap();
        assert_eq!(with_peer(&circuit, target), circuit, "once");
        assert_eq!(with_peer(&relay, target).to_string(), format!("{relay}/p2p/{TARGET}"));
    }
}
