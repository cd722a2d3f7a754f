//! Reachability: AutoNAT v1 (`/libp2p/autonat/1.0.0`, as Kubo and Helia speak it), client and server, and what
//! follows from it: `--dht auto` runs the DHT as a server only while AutoNAT says this node is publicly reachable
//! (a node behind NAT that answered DHT requests would poison other nodes' routing tables with an address nobody
//! can dial).
//!
//! The servers AutoNAT asks are only the peers the node is connected to anyway. By default AutoNAT ignores peers
//! seen at non-global addresses and refuses to dial back non-global ones, so on a LAN or loopback reachability
//! stays unknown; [`NatConfig::allow_private`] lifts that for loopback tests only (it is a config field, never a
//! command-line flag).

use std::time::Duration;

use libp2p::autonat::v1 as autonat;
use libp2p::kad::Mode;
use libp2p::{Multiaddr, PeerId, Swarm};
use serde::{Deserialize, Serialize};

use super::Routing;
use super::config::DhtMode;
use crate::node::events::NodeEvent;
use crate::node::sink::EventSink;
use crate::node::swarm::Behaviour;

/// AutoNAT settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NatConfig {
    /// For loopback tests only: AutoNAT asks peers at private addresses and dials back private addresses, and
    /// probes come quickly (1 s after start, every 2 s until sure). Off for users: on the public network a private
    /// address says nothing about reachability.
    pub allow_private: bool,
}

/// The AutoNAT behaviour for `peer`.
pub fn behaviour(peer: PeerId, config: &NatConfig) -> autonat::Behaviour {
    autonat::Behaviour::new(peer, autonat_config(config))
}

/// libp2p's AutoNAT defaults (first probe after 15 s, global addresses only), or the loopback test settings.
pub fn autonat_config(config: &NatConfig) -> autonat::Config {
    let mut c = autonat::Config::default();
    if config.allow_private {
        c.only_global_ips = false;
        c.boot_delay = Duration::from_secs(1);
        c.retry_interval = Duration::from_secs(2);
        c.throttle_server_period = Duration::from_secs(1);
        c.timeout = Duration::from_secs(10);
    }
    c
}

/// Whether other peers can dial this node, as AutoNAT last concluded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reachability {
    /// Not probed yet, or no peer could answer.
    #[default]
    Unknown,
    /// Peers dialled this node back at a confirmed address.
    Public,
    /// Peers could not dial this node back (behind NAT or a firewall).
    Private,
}

impl From<&autonat::NatStatus> for Reachability {
    fn from(s: &autonat::NatStatus) -> Self {
        match s {
            autonat::NatStatus::Public(_) => Self::Public,
            autonat::NatStatus::Private => Self::Private,
            autonat::NatStatus::Unknown => Self::Unknown,
        }
    }
}

impl std::fmt::Display for Reachability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Unknown => "unknown",
            Self::Public => "public",
            Self::Private => "private",
        })
    }
}

/// The mode switch rule: the Kademlia mode for a configured DHT mode when reachability is `reach`. `auto` is a
/// server only while the node is known to be public; unknown counts as private (Kubo's rule).
pub fn dht_mode(configured: DhtMode, reach: Reachability) -> Mode {
    match (configured, reach) {
        (DhtMode::Server, _) | (DhtMode::Auto, Reachability::Public) => Mode::Server,
        (DhtMode::Client, _) | (DhtMode::Auto, Reachability::Unknown | Reachability::Private) => Mode::Client,
    }
}

/// What AutoNAT concluded last.
#[derive(Clone, Debug, Default)]
pub(crate) struct Nat {
    pub reachability: Reachability,
    /// The address peers dialled back, while public.
    pub public_addr: Option<Multiaddr>,
}

impl Routing {
    /// An AutoNAT event: its status may have changed.
    pub(crate) fn on_autonat(&mut self, swarm: &mut Swarm<Behaviour>, event: autonat::Event, events: &mut EventSink) {
        if let autonat::Event::StatusChanged { .. } = event {
            self.sync_nat(swarm, events);
        }
    }

    /// Reads AutoNAT's status (also every tick: libp2p resets it to unknown without an event when the public
    /// address expires). On a change of reachability a `reachability` event, and under `--dht auto` the DHT mode
    /// follows (a `dht_mode` event when it changes).
    pub(crate) fn sync_nat(&mut self, swarm: &mut Swarm<Behaviour>, events: &mut EventSink) {
        let status = swarm.behaviour().autonat.nat_status();
        let reach = Reachability::from(&status);
        let addr = match status {
            autonat::NatStatus::Public(a) => Some(a),
            _ => None,
        };
        if reach == self.nat.reachability && addr == self.nat.public_addr {
            return;
        }
        self.nat.public_addr = addr;
        if reach != self.nat.reachability {
            self.nat.reachability = reach;
            let address = self.nat.public_addr.as_ref().map(|a| a.to_string());
            events.emit(NodeEvent::Reachability { status: reach, address });
        }
        self.apply_dht_mode(swarm, events);
    }

    /// Puts the DHT in the mode the configured mode and reachability call for; a `dht_mode` event if it changed.
    pub(crate) fn apply_dht_mode(&mut self, swarm: &mut Swarm<Behaviour>, events: &mut EventSink) {
        let want = dht_mode(self.config.dht, self.nat.reachability);
        let kad = &mut swarm.behaviour_mut().kad;
        if kad.mode() == want {
            return;
        }
        kad.set_mode(Some(want));
        events.emit(NodeEvent::DhtMode { mode: super::kad::mode_name(want).into(), configured: self.config.dht });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_is_a_server_only_while_public() {
        use Reachability::*;
        assert_eq!(dht_mode(DhtMode::Auto, Unknown), Mode::Client);
        assert_eq!(dht_mode(DhtMode::Auto, Public), Mode::Server);
        assert_eq!(dht_mode(DhtMode::Auto, Private), Mode::Client, "back to client when NAT is found");
        for r in [Unknown, Public, Private] {
            assert_eq!(dht_mode(DhtMode::Server, r), Mode::Server, "server is forced");
            assert_eq!(dht_mode(DhtMode::Client, r), Mode::Client, "client is forced");
        }
    }

    #[test]
    fn autonat_status_maps_to_reachability() {
        let a: Multiaddr = "/ip4/1.2.3.4/tcp/4001".parse().unwrap();
        assert_eq!(Reachability::from(&autonat::NatStatus::Public(a)), Reachability::Public);
        assert_eq!(Reachability::from(&autonat::NatStatus::Private), Reachability::Private);
        assert_eq!(Reachability::from(&autonat::NatStatus::Unknown), Reachability::Unknown);
        assert_eq!(serde_json::to_string(&Reachability::Public).unwrap(), "\"public\"");
        assert_eq!(Reachability::default().to_string(), "unknown");
    }

    #[test]
    fn users_get_autonat_for_global_addresses_only() {
        // The user default keeps libp2p's rules: only global addresses count, first probe after 15 s.
        assert!(!NatConfig::default().allow_private);
        let d = autonat_config(&NatConfig::default());
        assert!(d.only_global_ips && d.use_connected);
        assert_eq!(d.boot_delay, Duration::from_secs(15));
        let t = autonat_config(&NatConfig { allow_private: true });
        assert!(!t.only_global_ips);
        assert!(t.boot_delay < d.boot_delay && t.retry_interval < d.retry_interval);
    }
}
