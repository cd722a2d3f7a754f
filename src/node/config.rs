//! How a node is started: its repo, addresses, and limits.

use std::path::PathBuf;
use std::time::Duration;

use libp2p::Multiaddr;

/// The default TCP and QUIC port: fixed (so peers can find a node again) and not Kubo's 4001.
pub const DEFAULT_PORT: u16 = 4021;

/// Everything a node needs to start.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    pub repo: PathBuf,
    /// Empty means the defaults: TCP and QUIC on all interfaces at [`DEFAULT_PORT`].
    pub listen: Vec<Multiaddr>,
    /// Dialled at start.
    pub connect: Vec<Multiaddr>,
    pub mdns: bool,
    /// Capacity of the event channel to consumers; past it events are dropped and counted.
    pub event_capacity: usize,
    pub idle_timeout: Duration,
    pub limits: crate::node::swarm::Limits,
    /// How often a snapshot of peers, wantlists and ledgers is published.
    pub snapshot_every: Duration,
    /// Bootstrap peers, announce addresses, DHT mode, provide strategy. The default reaches no one.
    pub routing: crate::node::routing::config::RoutingConfig,
}

impl NodeConfig {
    pub fn new(repo: PathBuf) -> Self {
        Self {
            repo,
            listen: Vec::new(),
            connect: Vec::new(),
            mdns: true,
            event_capacity: 4096,
            idle_timeout: Duration::from_secs(120),
            limits: crate::node::swarm::Limits::default(),
            snapshot_every: Duration::from_secs(2),
            routing: Default::default(),
        }
    }

    /// The listen addresses to use.
    pub fn listen_addrs(&self) -> Vec<Multiaddr> {
        if !self.listen.is_empty() {
            return self.listen.clone();
        }
        use libp2p::multiaddr::Protocol;
        let any = Multiaddr::empty().with(Protocol::Ip4(std::net::Ipv4Addr::UNSPECIFIED));
        vec![
            any.clone().with(Protocol::Tcp(DEFAULT_PORT)),
            any.with(Protocol::Udp(DEFAULT_PORT)).with(Protocol::QuicV1),
        ]
    }
}
