//! The embedded IPFS node: blocks, the blockstore, DAGs, the libp2p swarm and Bitswap. Knows nothing of `app`
//! or `ui`; usable as a library (tests, benchmarks, `daemon`).

pub mod bitswap;
pub mod block;
pub mod blockstore;
pub mod config;
pub mod conn_guard;
pub mod copies;
pub mod dag;
pub mod events;
pub mod fetch;
mod fetch_shape;
pub mod handle;
pub mod identity;
mod listen;
pub mod muxer;
pub mod op;
mod peer_details;
pub mod probe;
pub mod relay;
pub mod routing;
mod sink;
pub mod storage_limit;
mod stored;
pub mod swarm;
mod task;
pub mod trace;

use tokio::sync::mpsc;

use blockstore::Blockstore;
use config::NodeConfig;
use events::{Event, NodeEvent};
use handle::NodeHandle;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Identity(#[from] identity::IdentityError),
    #[error(transparent)]
    Swarm(#[from] swarm::SwarmError),
    #[error("cannot listen on {addr}: {reason}")]
    Listen { addr: String, reason: String },
}

/// Starts a node on `store` (whose repo also holds the identity). Must run inside a tokio runtime.
/// Returns the handle and the event stream (numbered and timed by the node; `ready` first); the node runs until
/// `shutdown` or until every handle is dropped.
pub fn start(config: NodeConfig, store: Blockstore) -> Result<(NodeHandle, mpsc::Receiver<Event>), StartError> {
    let key = identity::load_or_create(&config.repo)?;
    let peer_id = key.public().to_peer_id();
    let hide_listen = !config.routing.announce.is_empty();
    let mut swarm =
        swarm::build_with(key, config.mdns, config.idle_timeout, config.limits, hide_listen, &config.routing.nat)?;
    let (stream_tx, stream_rx) = mpsc::channel(256);
    let control = swarm.behaviour().stream.new_control();
    let listeners = listen::listen_all(&mut swarm, &config.listen)?;
    let (events_tx, events_rx) = mpsc::channel(config.event_capacity);
    let mut sink = sink::EventSink::new(events_tx);
    for addr in &config.connect {
        // Peers the user named are kept by the connection manager.
        let opts = libp2p::swarm::dial_opts::DialOpts::from(addr.clone());
        swarm.behaviour_mut().conn_manager.manager.protect_dial(opts.connection_id());
        if let Err(e) = swarm.dial(opts) {
            sink.emit(NodeEvent::Error { message: format!("cannot dial {addr}: {e}") });
        }
    }
    let (commands_tx, commands_rx) = mpsc::channel(256);
    let mut node =
        task::NodeTask::new(swarm, store.clone(), control, commands_rx, stream_rx, stream_tx, sink, listeners);
    node.snapshot_every = config.snapshot_every;
    node.name_peers(&config.connect);
    node.routing = routing::Routing::new(config.routing.clone());
    node.reprovide = routing::reprovide::Sweep::load(store.clone(), config.routing.provide);
    node.routing.start(&mut node.swarm, &mut node.events);
    tokio::spawn(node.run());
    Ok((NodeHandle { commands: commands_tx, peer_id, store }, events_rx))
}
