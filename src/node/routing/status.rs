//! What routing publishes: the payloads of its events and of [`NodeHandle`](crate::node::handle::NodeHandle) answers.

use libp2p::{Multiaddr, PeerId};
use serde::{Deserialize, Serialize};

use super::config::DhtMode;
use super::nat::Reachability;

/// What a routing query is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueryKind {
    /// `routing findprovs`: the providers of a CID.
    FindProviders,
    /// `routing findpeer`: the addresses of a peer.
    FindPeer,
    /// Announcing that this node provides a CID.
    Provide,
    /// A provider search for a want that connected peers did not answer.
    Search,
}

/// Where a routing answer came from: the DHT, or a delegated HTTP router.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RoutingSource {
    Dht,
    Http,
}

impl std::fmt::Display for RoutingSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Dht => "dht",
            Self::Http => "http",
        })
    }
}

/// One address a dial tried, and why it failed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AddrError {
    /// Empty when the dial failed before any address was tried.
    pub addr: String,
    pub error: String,
}

/// Peers in one bucket of the routing table (bucket index: the log2 distance to this node).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BucketSize {
    pub index: u32,
    pub peers: usize,
}

/// Routing as it is now, published beside every snapshot (`routing_status`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RoutingStatus {
    /// The mode the DHT runs in now: `client` or `server`.
    pub dht_mode: String,
    /// The mode asked for (`auto` is a server only while `reachability` is public).
    pub configured: DhtMode,
    /// What AutoNAT concluded: whether peers can dial this node.
    #[serde(default)]
    pub reachability: Reachability,
    pub table_size: usize,
    /// Non-empty buckets only.
    pub buckets: Vec<BucketSize>,
    pub bootstrap_peers: usize,
    pub connections: usize,
    /// Connections closed by the connection manager so far.
    pub trimmed: u64,
    /// Routing queries running (find, provide, searches).
    pub queries: usize,
    /// Provider searches for stuck wants running.
    pub searches: usize,
    pub provide_waiting: usize,
    pub provide_running: usize,
    pub provide_done: u64,
    pub provide_failed: u64,
    /// Announcements refused because the provide queue was full.
    pub provide_refused: u64,
    /// The delegated routers asked beside the DHT (`--routing-url`).
    #[serde(default)]
    pub routers: Vec<String>,
    /// Queries to delegated routers that ended in an error (unreachable, bad answer, a limit hit).
    #[serde(default)]
    pub router_errors: u64,
}

/// A provider found by `find_providers`.
#[derive(Clone, Debug, PartialEq)]
pub struct Provider {
    pub peer: PeerId,
    pub addrs: Vec<Multiaddr>,
    pub source: RoutingSource,
    /// Since the query started.
    pub ms: u64,
    /// A router listed it only as an HTTP (trustless gateway) endpoint: shown, never dialled over libp2p.
    pub gateway: bool,
}
