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
    /// The first CIDs waiting in the provide queue (at most [`PROVIDE_SHOWN`]), next first.
    #[serde(default)]
    pub provide_next: Vec<String>,
    /// Queries running (oldest first), then those that finished lately (newest first, at most
    /// [`RECENT_QUERIES`]): the Routing pane's table.
    #[serde(default)]
    pub recent: Vec<QueryInfo>,
    #[serde(default)]
    pub bootstrap: BootstrapState,
    /// What routing does for each of our wants (at most [`WANTS_SHOWN`]): the Wantlists pane's status.
    #[serde(default)]
    pub wants: Vec<WantRouting>,
}

/// Finished queries kept in [`RoutingStatus::recent`].
pub const RECENT_QUERIES: usize = 32;
/// Waiting CIDs listed in [`RoutingStatus::provide_next`].
pub const PROVIDE_SHOWN: usize = 8;
/// Wants listed in [`RoutingStatus::wants`]: the status stays small whatever the wantlist's size.
pub const WANTS_SHOWN: usize = 256;

/// How a routing query stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum QueryOutcome {
    Running,
    Done,
    Failed { error: String },
}

/// One routing query, running or finished lately: what it looks for, where, and how far it got.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryInfo {
    /// The `query` of its `routing_query` / `routing_done` events.
    pub id: u64,
    pub kind: QueryKind,
    /// The CID or peer id looked up.
    pub key: String,
    pub sources: Vec<RoutingSource>,
    /// DHT peers asked so far.
    pub contacted: u32,
    /// Providers (or addresses, or peers that took a provide) found so far.
    pub found: u64,
    /// Running time so far, or its whole duration once finished.
    pub elapsed_ms: u64,
    /// For a finished query: how long ago it ended.
    #[serde(default)]
    pub ended_ms_ago: u64,
    pub outcome: QueryOutcome,
}

/// Bootstrap as it stands: peers configured and connected, and how the last round went.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BootstrapState {
    /// Bootstrap peers configured (distinct peer ids).
    pub configured: usize,
    /// Of them, connected now.
    pub connected: usize,
    /// Since the last round of bootstrap dials; `None` before the first (or with no bootstrap peers).
    pub last_dial_ms_ago: Option<u64>,
    /// The last DHT bootstrap walk (a lookup of our own id that fills the routing table): `ok: N peers` or its
    /// error; `None` before the first (it starts once the table has a peer).
    pub last_walk: Option<String>,
}

/// What routing does for one of our wants.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WantRouting {
    pub cid: String,
    pub state: WantRoutingState,
}

/// What routing does for a want, as data (a view words it; [`std::fmt::Display`] is the short form).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum WantRoutingState {
    /// Routing cannot help: the DHT has no peers (and no delegated router is configured).
    Off,
    /// Not searched: connected peers are asked first, a search starts when the want is stuck.
    Waiting,
    /// A provider search runs: `found` providers so far, `dialling` of them dialled.
    Searching { found: u64, dialling: u64 },
    /// The last search found providers and dialled `dialled` of them (the others were connected already).
    Found { found: u64, dialled: u64, ms_ago: u64 },
    /// The last search found no provider.
    NoProviders { ms_ago: u64 },
    /// The last search failed.
    Failed { error: String, ms_ago: u64 },
}

impl std::fmt::Display for WantRoutingState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Off => f.write_str("routing off"),
            Self::Waiting => f.write_str("asking connected peers"),
            Self::Searching { found, dialling } => write!(f, "finding providers: {found} found, dialling {dialling}"),
            Self::Found { found, dialled, .. } => write!(f, "{found} providers found, {dialled} dialled"),
            Self::NoProviders { .. } => f.write_str("no providers"),
            Self::Failed { error, .. } => write!(f, "provider search failed: {error}"),
        }
    }
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
