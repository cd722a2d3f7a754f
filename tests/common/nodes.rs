//! In-process nodes for swarm tests: real swarmscope nodes on 127.0.0.1 with on-disk repos, and a scripted peer
//! that speaks raw Bitswap frames (for hostile-peer tests).

use std::time::Duration;

use futures::{AsyncWriteExt, StreamExt};
use libp2p::{Multiaddr, PeerId, StreamProtocol, Swarm};
use swarmscope::node::blockstore::Blockstore;
use swarmscope::node::config::NodeConfig;
use swarmscope::node::events::{Event, NodeEvent};
use swarmscope::node::handle::NodeHandle;
use tokio::sync::mpsc;

/// A node with its repo, its event stream (after `ready`, which is kept) and its first listen address.
pub struct TestNode {
    pub handle: NodeHandle,
    pub events: mpsc::Receiver<Event>,
    pub ready: Event,
    pub addr: Multiaddr,
    pub _dir: tempfile::TempDir,
}

pub async fn node() -> TestNode {
    node_with(|_| {}).await
}

/// A node whose config `tune` adjusts first.
pub async fn node_with(tune: impl FnOnce(&mut NodeConfig)) -> TestNode {
    let dir = tempfile::tempdir().unwrap();
    let store = Blockstore::open(dir.path()).unwrap();
    let mut config = NodeConfig::new(dir.path().to_path_buf());
    config.mdns = false;
    config.listen = vec!["/ip4/127.0.0.1/tcp/0".parse().unwrap()];
    tune(&mut config);
    let (handle, mut events) = swarmscope::node::start(config, store).unwrap();
    let (addr, ready) = loop {
        match tokio::time::timeout(Duration::from_secs(10), events.recv()).await {
            Ok(Some(e @ Event { kind: NodeEvent::Ready { .. }, .. })) => {
                let NodeEvent::Ready { listen, .. } = &e.kind else { unreachable!() };
                break (listen[0].parse().unwrap(), e);
            }
            Ok(Some(_)) => continue,
            _ => panic!("node never became ready"),
        }
    };
    TestNode { handle, events, ready, addr, _dir: dir }
}

impl TestNode {
    /// Waits for an event matching `pred`, up to `timeout`.
    pub async fn expect(&mut self, timeout: Duration, pred: impl Fn(&NodeEvent) -> bool) -> NodeEvent {
        self.expect_event(timeout, pred).await.kind
    }

    /// Like `expect`, with the event's envelope (`seq`, `at_ms`).
    pub async fn expect_event(&mut self, timeout: Duration, pred: impl Fn(&NodeEvent) -> bool) -> Event {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(e)) if pred(&e.kind) => return e,
                Ok(Some(_)) => continue,
                _ => panic!("no matching event within {timeout:?}"),
            }
        }
    }
}

/// A peer under the test's control: it dials, opens a Bitswap stream and writes whatever bytes it is told to.
pub struct RawPeer {
    pub peer_id: PeerId,
    control: libp2p_stream::Control,
    _task: tokio::task::JoinHandle<()>,
}

/// Dropping the peer stops its swarm, which closes its connections.
impl Drop for RawPeer {
    fn drop(&mut self) {
        self._task.abort();
    }
}

impl RawPeer {
    pub async fn connect(addr: &Multiaddr) -> Self {
        Self::connect_as(libp2p::identity::Keypair::generate_ed25519(), addr).await
    }

    /// Like `connect`, with a given identity (RSA, secp256k1 and ECDSA peers exist: Kubo's are often RSA).
    pub async fn connect_as(key: libp2p::identity::Keypair, addr: &Multiaddr) -> Self {
        let mut swarm: Swarm<libp2p_stream::Behaviour> = libp2p::SwarmBuilder::with_existing_identity(key)
            .with_tokio()
            .with_tcp(libp2p::tcp::Config::default(), libp2p::noise::Config::new, libp2p::yamux::Config::default)
            .unwrap()
            .with_behaviour(|_| libp2p_stream::Behaviour::new())
            .unwrap()
            .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
            .build();
        let peer_id = *swarm.local_peer_id();
        let control = swarm.behaviour().new_control();
        swarm.dial(addr.clone()).unwrap();
        let task = tokio::spawn(async move {
            loop {
                swarm.select_next_some().await;
            }
        });
        Self { peer_id, control, _task: task }
    }

    /// Opens a fresh `/ipfs/bitswap/1.2.0` stream to `peer` and writes `bytes` to it, then closes it.
    pub async fn send_raw(&mut self, peer: PeerId, bytes: &[u8]) {
        let mut stream = self
            .control
            .open_stream(peer, StreamProtocol::new("/ipfs/bitswap/1.2.0"))
            .await
            .expect("open a bitswap stream");
        let _ = stream.write_all(bytes).await;
        let _ = stream.flush().await;
        let _ = stream.close().await;
    }

    /// Sends one well-formed frame holding `msg`.
    pub async fn send(&mut self, peer: PeerId, msg: &swarmscope::node::bitswap::message::Message) {
        use prost::Message as _;
        self.send_raw(peer, &msg.encode_length_delimited_to_vec()).await;
    }
}

impl RawPeer {
    /// Accepts inbound streams on `protocol` only (an old peer that speaks nothing newer) and hands over every
    /// message the node writes to it, decoded.
    pub fn listen(&mut self, protocol: &'static str) -> mpsc::Receiver<swarmscope::node::bitswap::message::Message> {
        let (tx, rx) = mpsc::channel(64);
        let mut incoming = self.control.accept(StreamProtocol::new(protocol)).expect("accept once per protocol");
        tokio::spawn(async move {
            while let Some((_, mut stream)) = incoming.next().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    while let Ok(Some(msg)) = swarmscope::node::bitswap::codec::read_message(&mut stream, 4 << 20).await
                    {
                        if tx.send(msg).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        rx
    }

    /// Sends one frame on a stream of the given protocol.
    pub async fn send_on(
        &mut self,
        peer: PeerId,
        protocol: &'static str,
        msg: &swarmscope::node::bitswap::message::Message,
    ) {
        use prost::Message as _;
        let mut stream = self.control.open_stream(peer, StreamProtocol::new(protocol)).await.expect("open a stream");
        let _ = stream.write_all(&msg.encode_length_delimited_to_vec()).await;
        let _ = stream.flush().await;
        let _ = stream.close().await;
    }
}

impl RawPeer {
    /// Accepts the node's streams on `protocol` and never reads them: a peer that lets the node's writes pile up.
    pub fn hold(&mut self, protocol: &'static str) {
        let mut incoming = self.control.accept(StreamProtocol::new(protocol)).expect("accept once per protocol");
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Some((_, stream)) = incoming.next().await {
                held.push(stream);
            }
        });
    }
}

impl RawPeer {
    /// Opens a Bitswap 1.2.0 stream, writes `bytes` and keeps the stream open (the caller holds it): a frame that
    /// never finishes arriving.
    pub async fn open_partial(&mut self, peer: PeerId, bytes: &[u8]) -> Option<libp2p::Stream> {
        let mut stream = self.control.open_stream(peer, StreamProtocol::new("/ipfs/bitswap/1.2.0")).await.ok()?;
        stream.write_all(bytes).await.ok()?;
        stream.flush().await.ok()?;
        Some(stream)
    }
}

impl RawPeer {
    /// A handle to open streams from several tasks at once.
    pub fn control(&self) -> libp2p_stream::Control {
        self.control.clone()
    }
}

/// Opens a fresh Bitswap 1.2.0 stream with `control` and sends `msg` on it.
pub async fn send_with(
    mut control: libp2p_stream::Control,
    peer: PeerId,
    msg: &swarmscope::node::bitswap::message::Message,
) {
    use prost::Message as _;
    let mut stream =
        control.open_stream(peer, StreamProtocol::new("/ipfs/bitswap/1.2.0")).await.expect("open a bitswap stream");
    let _ = stream.write_all(&msg.encode_length_delimited_to_vec()).await;
    let _ = stream.flush().await;
    let _ = stream.close().await;
}
