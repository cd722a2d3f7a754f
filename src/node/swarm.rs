//! The libp2p swarm: TCP + noise + yamux, QUIC v1, DNS (so `/dns` and `/dnsaddr` addresses resolve), circuit relay
//! v2 as a client (so `/p2p-circuit` addresses dial through a relay), identify, ping, mDNS (optional), Kademlia,
//! AutoNAT, DCUtR and the connection manager (routing), and raw streams for Bitswap.

use std::time::Duration;

use libp2p::core::upgrade::Version;
use libp2p::identity::Keypair;
use libp2p::swarm::NetworkBehaviour;
use libp2p::swarm::behaviour::toggle::Toggle;
use libp2p::{Swarm, Transport, autonat, connection_limits, dcutr, identify, mdns, noise, ping, relay, tcp, yamux};

use crate::node::routing::nat::NatConfig;

/// How long an incoming connection may take from its first byte to a finished handshake (multistream-select,
/// noise, yamux; QUIC's handshake likewise). A few round trips take milliseconds; a connection that says nothing
/// holds a pending slot, so it is cut off after this (libp2p's TCP builder sets no limit, QUIC's is 5 s).
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(4);

/// The agent string peers see in identify.
pub fn agent_version() -> String {
    format!("swarmscope/{}", env!("CARGO_PKG_VERSION"))
}

#[derive(NetworkBehaviour)]
pub struct Behaviour {
    pub limits: connection_limits::Behaviour,
    /// Pending handshakes per remote address.
    pub guard: crate::node::conn_guard::Behaviour,
    pub identify: identify::Behaviour,
    pub ping: ping::Behaviour,
    pub mdns: Toggle<mdns::tokio::Behaviour>,
    /// Inbound Bitswap streams (every version); identify lists these protocols, and Helia asks only peers whose
    /// identify lists `/ipfs/bitswap/1.2.0`.
    pub inbound: crate::node::bitswap::inbound::Behaviour,
    /// Outbound Bitswap streams, opened through its `Control`.
    pub stream: libp2p_stream::Behaviour,
    /// The Amino DHT (`/ipfs/kad/1.0.0`); `src/node/routing` drives it.
    pub kad: crate::node::routing::kad::Kad,
    /// Trims connections past Kubo's high watermark.
    pub conn_manager: crate::node::routing::conn_manager::Behaviour,
    /// Circuit relay v2, client side: dials (and listens) through relays (`routing/circuit.rs`).
    pub relay_client: relay::client::Behaviour,
    /// Hole punching: upgrades a relayed connection to a direct one when both sides can (`routing/circuit.rs`).
    pub dcutr: dcutr::Behaviour,
    /// Reachability, as client and server (`routing/nat.rs`).
    pub autonat: autonat::v1::Behaviour,
}

/// Streams per connection. Set so high for its side effect on flow control: rust-yamux refuses frames over 1 MiB
/// (a constant), while js-yamux (Helia) sends a frame as large as the receive window it was granted, and rust-yamux
/// grows a stream's window up to `256 KiB + (1 GiB - max_streams × 256 KiB)`. With 4,093 streams that is 976 KiB, so
/// Helia's frames always fit. The total receive window per connection stays yamux's default (1 GiB). TCP connections
/// use `muxer::Config` (the same settings, and data frames of one noise message); relayed ones libp2p-yamux's.
pub const YAMUX_MAX_STREAMS: usize = 4093;

fn yamux_config() -> yamux::Config {
    let mut c = yamux::Config::default();
    c.set_max_num_streams(YAMUX_MAX_STREAMS);
    c
}

#[derive(Debug, thiserror::Error)]
pub enum SwarmError {
    #[error("transport setup failed: {0}")]
    Transport(String),
}

/// Connection limits: enough for a busy node, bounded against floods.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_established: u32,
    pub max_per_peer: u32,
    /// Handshakes in progress in total. One address may hold only `conn_guard::MAX_PENDING_PER_IP` of them, so
    /// this is what it takes many addresses to fill.
    pub max_pending_incoming: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_established: 512, max_per_peer: 4, max_pending_incoming: 256 }
    }
}

pub fn build(key: Keypair, mdns_on: bool, idle: Duration, limits: Limits) -> Result<Swarm<Behaviour>, SwarmError> {
    build_with(key, mdns_on, idle, limits, false, &NatConfig::default())
}

/// Like [`build`]; `hide_listen_addrs`: identify advertises only the external (announce) addresses, not the listen
/// addresses (Kubo's `Addresses.Announce` replaces them); `nat`: AutoNAT's settings.
pub fn build_with(
    key: Keypair,
    mdns_on: bool,
    idle: Duration,
    limits: Limits,
    hide_listen_addrs: bool,
    nat: &NatConfig,
) -> Result<Swarm<Behaviour>, SwarmError> {
    let peer_id = key.public().to_peer_id();
    let swarm = libp2p::SwarmBuilder::with_existing_identity(key)
        .with_tokio()
        .with_quic_config(|mut c| {
            c.handshake_timeout = HANDSHAKE_TIMEOUT;
            c
        })
        // TCP as the builder's `with_tcp` makes it, plus a timeout on incoming handshakes.
        .with_other_transport(|key| -> Result<_, Box<dyn std::error::Error + Send + Sync>> {
            Ok(tcp::tokio::Transport::new(tcp::Config::default().nodelay(true))
                .upgrade(Version::V1Lazy)
                .authenticate(noise::Config::new(key)?)
                .multiplex(crate::node::muxer::Config::new(YAMUX_MAX_STREAMS))
                .inbound_timeout(HANDSHAKE_TIMEOUT))
        })
        .map_err(|e| SwarmError::Transport(e.to_string()))?
        // Resolves only when an address needs it (`/dns…`, `/dnsaddr`): the bootstrap list's, for users.
        .with_dns()
        .map_err(|e| SwarmError::Transport(format!("DNS resolver: {e}")))?
        // `/p2p-circuit` addresses: a connection through a relay, itself secured and multiplexed end to end.
        .with_relay_client(noise::Config::new, yamux_config)
        .map_err(|e| SwarmError::Transport(format!("relay client: {e}")))?
        .with_behaviour(|key, relay_client| {
            let identify = identify::Behaviour::new(
                identify::Config::new("ipfs/0.1.0".into(), key.public())
                    .with_agent_version(agent_version())
                    .with_hide_listen_addrs(hide_listen_addrs),
            );
            let mdns =
                if mdns_on { Some(mdns::tokio::Behaviour::new(mdns::Config::default(), peer_id)?) } else { None };
            let limits = connection_limits::ConnectionLimits::default()
                .with_max_established(Some(limits.max_established))
                .with_max_established_per_peer(Some(limits.max_per_peer))
                .with_max_pending_incoming(Some(limits.max_pending_incoming));
            Ok(Behaviour {
                limits: connection_limits::Behaviour::new(limits),
                guard: Default::default(),
                identify,
                ping: ping::Behaviour::new(ping::Config::new().with_interval(Duration::from_secs(15))),
                mdns: Toggle::from(mdns),
                inbound: Default::default(),
                stream: libp2p_stream::Behaviour::new(),
                kad: crate::node::routing::kad::behaviour(peer_id),
                conn_manager: crate::node::routing::conn_manager::Behaviour::new(Default::default()),
                relay_client,
                dcutr: dcutr::Behaviour::new(peer_id),
                autonat: crate::node::routing::nat::behaviour(peer_id, nat),
            })
        })
        .map_err(|e| SwarmError::Transport(e.to_string()))?
        // A peer that opens a stream per message may have many negotiating at once; past this they are dropped.
        .with_swarm_config(|c| c.with_idle_connection_timeout(idle).with_max_negotiating_inbound_streams(512))
        .build();
    Ok(swarm)
}
