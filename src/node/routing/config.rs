//! What routing a node does, as data: the bootstrap list, the announce addresses, the DHT mode and the provide
//! strategy. The library default ([`RoutingConfig::default`]) reaches no one: no bootstrap peers, so a node started
//! by a test or a library user never leaves the machine. The public defaults ([`public_bootstrap`]) are applied only
//! by the command line, when the user said neither `--bootstrap` nor `--no-bootstrap`.

use std::str::FromStr;

use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, PeerId};

/// Kubo's default bootstrap peers (`Bootstrap` in a fresh Kubo config): the `/dnsaddr/bootstrap.libp2p.io` peers,
/// resolved through libp2p's DNS transport, and the "mars" peer over TCP and QUIC. Only the CLI layer uses these.
pub const PUBLIC_BOOTSTRAP: &[&str] = &[
    "/dnsaddr/bootstrap.libp2p.io/p2p/QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN",
    "/dnsaddr/bootstrap.libp2p.io/p2p/QmQCU2EcMqAqQPR2i9bChDtGNJchTbq5TbXJJ16u19uLTa",
    "/dnsaddr/bootstrap.libp2p.io/p2p/QmbLHAnMoJPWSCR5Zhtx6BHJX9KiKNN6tpvbUcqanj75Nb",
    "/dnsaddr/bootstrap.libp2p.io/p2p/QmcZf59bWwK5XFi76CZX8cbJ4BhTzzA3gU1ZjYZcYW3dwt",
    "/ip4/104.131.131.82/tcp/4001/p2p/QmaCpDMGvV2BGHeYERUEnRQAwe3N8SzbUtfsmvsqQLuvuJ",
    "/ip4/104.131.131.82/udp/4001/quic-v1/p2p/QmaCpDMGvV2BGHeYERUEnRQAwe3N8SzbUtfsmvsqQLuvuJ",
];

/// The public bootstrap list, parsed. For the CLI's default only: never call this from a test that dials.
pub fn public_bootstrap() -> Vec<Multiaddr> {
    // Every entry parses (a unit test checks it); one that did not would be left out, not crash the node.
    PUBLIC_BOOTSTRAP.iter().filter_map(|a| a.parse().ok()).collect()
}

/// The peer id a bootstrap address ends with (`/p2p/<id>`); a bootstrap address without one cannot be
/// authenticated and is refused.
pub fn bootstrap_peer(addr: &Multiaddr) -> Option<PeerId> {
    match addr.iter().last() {
        Some(Protocol::P2p(peer)) => Some(peer),
        _ => None,
    }
}

/// Parses one bootstrap address, with the one-line error a user sees.
pub fn parse_bootstrap(s: &str) -> Result<Multiaddr, String> {
    let addr: Multiaddr = s.parse().map_err(|e| format!("bad bootstrap address {s:?}: {e}"))?;
    if bootstrap_peer(&addr).is_none() {
        return Err(format!("bootstrap address {s:?} must end with /p2p/<peer id>"));
    }
    Ok(addr)
}

/// The DHT mode (Kubo's `Routing.Type` dht / dhtclient / auto).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DhtMode {
    /// Queries only; does not answer DHT requests nor advertise `/ipfs/kad/1.0.0`.
    Client,
    /// Answers DHT requests and keeps provider records for others.
    Server,
    /// A server only while AutoNAT confirms the node is publicly reachable; a client before that and behind NAT.
    #[default]
    Auto,
}

impl FromStr for DhtMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "client" => Ok(Self::Client),
            "server" => Ok(Self::Server),
            "auto" => Ok(Self::Auto),
            _ => Err(format!("unknown DHT mode {s:?}: client, server or auto")),
        }
    }
}

impl std::fmt::Display for DhtMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Client => "client",
            Self::Server => "server",
            Self::Auto => "auto",
        })
    }
}

/// Which stored blocks are announced (Kubo's `Reprovider.Strategy`; `roots` is the default, as issue 12 asks).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProvideStrategy {
    /// The roots of what is added, imported or put.
    #[default]
    Roots,
    /// Pinned roots only.
    Pinned,
    /// Every block.
    All,
}

impl ProvideStrategy {
    /// Whether a root an operation stored is announced (`pinned`: it is pinned). Under `all` every block is also
    /// announced as it is stored.
    pub fn announces_root(self, pinned: bool) -> bool {
        pinned || self != Self::Pinned
    }
}

impl FromStr for ProvideStrategy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "roots" => Ok(Self::Roots),
            "pinned" => Ok(Self::Pinned),
            "all" => Ok(Self::All),
            _ => Err(format!("unknown provide strategy {s:?}: roots, pinned or all")),
        }
    }
}

/// Routing settings of a node. `Default` reaches no one (no bootstrap peers); the CLI adds the public list.
#[derive(Clone, Debug, Default)]
pub struct RoutingConfig {
    /// Dialled at start, and again on a timer while the node has few peers. Each ends with `/p2p/<peer id>`.
    pub bootstrap: Vec<Multiaddr>,
    /// Addresses advertised in identify and provider records instead of the listen addresses (Kubo's
    /// `Addresses.Announce`). Empty: the listen addresses are advertised, as Kubo does.
    pub announce: Vec<Multiaddr>,
    pub dht: DhtMode,
    pub provide: ProvideStrategy,
    /// Delegated routers (Routing V1 HTTP base URLs), asked beside the DHT. Empty by default: the CLI adds
    /// [`DEFAULT_ROUTER`](super::http::DEFAULT_ROUTER) unless the user said `--routing-url`.
    pub routers: Vec<String>,
    /// The bounds of each query to a router.
    pub http_limits: super::http::Limits,
    /// AutoNAT's settings; the default is the one for users (global addresses only).
    pub nat: super::nat::NatConfig,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_list_is_kubos_and_every_entry_names_its_peer() {
        let list = public_bootstrap();
        assert_eq!(list.len(), 6);
        let dnsaddr = list.iter().filter(|a| matches!(a.iter().next(), Some(Protocol::Dnsaddr(_)))).count();
        assert_eq!(dnsaddr, 4, "four /dnsaddr/bootstrap.libp2p.io peers");
        let mars: PeerId = "QmaCpDMGvV2BGHeYERUEnRQAwe3N8SzbUtfsmvsqQLuvuJ".parse().unwrap();
        let mars_addrs: Vec<_> = list.iter().filter(|a| bootstrap_peer(a) == Some(mars)).collect();
        assert_eq!(mars_addrs.len(), 2, "mars over TCP and QUIC");
        assert!(mars_addrs.iter().any(|a| a.iter().any(|p| matches!(p, Protocol::QuicV1))));
        for a in &list {
            assert!(parse_bootstrap(&a.to_string()).is_ok(), "{a}");
        }
    }

    #[test]
    fn the_library_default_reaches_no_one() {
        let c = RoutingConfig::default();
        assert!(c.bootstrap.is_empty() && c.announce.is_empty() && c.routers.is_empty());
        assert_eq!((c.dht, c.provide), (DhtMode::Auto, ProvideStrategy::Roots));
        assert!(!c.nat.allow_private, "AutoNAT counts only global addresses unless a test says otherwise");
    }

    #[test]
    fn bad_bootstrap_addresses_get_one_clear_line() {
        let e = parse_bootstrap("/ip4/127.0.0.1/tcp/4001").unwrap_err();
        assert!(e.contains("must end with /p2p/"), "{e}");
        assert!(parse_bootstrap("nonsense").unwrap_err().starts_with("bad bootstrap address"));
        assert_eq!("server".parse::<DhtMode>(), Ok(DhtMode::Server));
        assert!("lan".parse::<DhtMode>().is_err());
        assert_eq!("all".parse::<ProvideStrategy>(), Ok(ProvideStrategy::All));
    }

    #[test]
    fn the_pinned_strategy_announces_only_pinned_roots() {
        use ProvideStrategy::*;
        assert!(Roots.announces_root(false) && Roots.announces_root(true));
        assert!(All.announces_root(false));
        assert!(!Pinned.announces_root(false) && Pinned.announces_root(true));
    }
}
