//! The node task: one `select!` over the swarm, the commands, the Bitswap streams and a tick (`client::TICK`). It owns
//! all node state (peers, wantlists, ledgers, the Bitswap client), so every change is ordered and publishable.
//! It never awaits a consumer: events are `try_send`, and what does not fit is counted.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures::StreamExt;
use libp2p::core::ConnectedPoint;
use libp2p::swarm::dial_opts::DialOpts;
use libp2p::swarm::{ConnectionId, SwarmEvent};
use libp2p::{Multiaddr, PeerId, Swarm, identify, mdns, ping};
use tokio::sync::{broadcast, mpsc, oneshot};

use super::bitswap::client::{Client, Received};
use super::bitswap::ledger::{Ledger, LedgerArchive};
use super::bitswap::protocol::{Outgoing, PROTOCOLS, ReceivedBlock};
use super::bitswap::serve_queue::ServeQueue;
use super::bitswap::streams::{InboundCounts, PeerCmd, StreamEvent, spawn_peer};
use super::bitswap::wantlist::{MAX_ENTRIES, PeerWantlist};
use super::blockstore::{Blockstore, StoreChange};
use super::events::{CloseCause, Direction, EntryKind, NodeEvent, ProtocolErrorKind, RejectCause, Transport};
use super::events::{OurWantInfo, PeerSnapshot, Wantlists};
use super::handle::Command;
use super::sink::EventSink;
use super::swarm::{Behaviour, BehaviourEvent};

/// Leaving: every connection closed before the node stops.
mod close;
/// Asking one peer about one CID (`check`).
mod probe;
/// The serve side: late blocks, serve queues, the ledgers of peers that left.
mod routing;
mod serve;
/// The want side: a fetch's wants and its session, to the Bitswap client.
mod want;
/// `why CID`: the node's state for the classifier.
mod why;

#[derive(Default)]
struct PeerState {
    addr: Option<Multiaddr>,
    agent: Option<String>,
    bitswap: bool,
    details: super::peer_details::PeerDetails,
    actor: Option<mpsc::Sender<PeerCmd>>,
    their_wants: PeerWantlist,
    /// Their wants waiting for an answer, shared with the peer's actor.
    serve: ServeQueue,
    ledger: Ledger,
}

pub(crate) struct NodeTask {
    pub(crate) swarm: Swarm<Behaviour>,
    pub(crate) store: Blockstore,
    pub(crate) control: libp2p_stream::Control,
    pub(crate) commands: mpsc::Receiver<Command>,
    pub(crate) stream_rx: mpsc::Receiver<StreamEvent>,
    pub(crate) stream_tx: mpsc::Sender<StreamEvent>,
    pub(crate) events: EventSink,
    pub(crate) listeners: HashMap<libp2p::core::transport::ListenerId, bool>,
    client: Client,
    peers: HashMap<PeerId, PeerState>,
    dials: HashMap<ConnectionId, oneshot::Sender<Result<(), String>>>,
    /// Ledgers of peers that went away, so a peer that comes back (or churns) keeps its history.
    archive: LedgerArchive,
    /// Inbound Bitswap streams open per peer.
    inbound: InboundCounts,
    ready_sent: bool,
    pub(crate) snapshot_every: Duration,
    /// Every committed store write, whoever made it.
    changes: broadcast::Receiver<StoreChange>,
    store_open: bool,
    pub(crate) routing: super::routing::Routing,
    probes: super::probe::Probes,
    /// What the repo held before this run, announced again once the DHT has peers.
    pub(crate) reprovide: super::routing::reprovide::Sweep,
    /// The last messages received, decoded for the message inspector.
    inspector: super::bitswap::inspect::Inspector,
}

/// The event kind of a wantlist entry.
fn want_kind(w: &super::bitswap::protocol::Want) -> EntryKind {
    match (w.cancel, w.want_type) {
        (true, _) => EntryKind::Cancel,
        (false, super::bitswap::message::WantType::Have) => EntryKind::WantHave,
        (false, super::bitswap::message::WantType::Block) => EntryKind::WantBlock,
    }
}

/// Wall-clock now, only to tell consumers when the node's clock started (`ready.started_unix_ms`).
fn unix_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

fn short(e: impl std::fmt::Display) -> String {
    e.to_string().replace('\n', " ")
}

impl NodeTask {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        swarm: Swarm<Behaviour>,
        store: Blockstore,
        control: libp2p_stream::Control,
        commands: mpsc::Receiver<Command>,
        stream_rx: mpsc::Receiver<StreamEvent>,
        stream_tx: mpsc::Sender<StreamEvent>,
        events: EventSink,
        listeners: HashMap<libp2p::core::transport::ListenerId, bool>,
    ) -> Self {
        let changes = store.subscribe();
        Self {
            swarm,
            store,
            control,
            commands,
            stream_rx,
            stream_tx,
            events,
            listeners,
            client: Client::default(),
            peers: HashMap::new(),
            dials: HashMap::new(),
            archive: LedgerArchive::default(),
            inbound: InboundCounts::default(),
            ready_sent: false,
            snapshot_every: Duration::from_secs(2),
            changes,
            store_open: true,
            routing: Default::default(),
            probes: Default::default(),
            reprovide: Default::default(),
            inspector: Default::default(),
        }
    }

    pub(crate) async fn run(mut self) {
        let mut tick = tokio::time::interval(super::bitswap::client::TICK);
        let mut snapshots = tokio::time::interval(self.snapshot_every);
        snapshots.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        self.maybe_ready();
        loop {
            // Biased, local work before remote work (rust-libp2p's coding guidelines): what this node's own user and
            // store ask for cannot be starved by what peers send. In order:
            // 1. commands: the user waits on each, and a shutdown must not queue behind a flood from peers;
            // 2. store changes: local writes, and the late blocks peers wait for; a lagging receiver costs a resync;
            // 3. the timers: rare and cheap, and the client's timeouts and rebroadcasts must fire on time under load;
            // 4. the swarm: connections, identify, ping, inbound streams (remote, bounded by the connection limits),
            //    ahead of the data on those connections so a busy peer cannot hold up connection bookkeeping;
            // 5. Bitswap messages read from peers (remote; their readers wait on this bounded channel, which slows
            //    the peers down rather than the node).
            tokio::select! {
                biased;
                cmd = self.commands.recv() => match cmd {
                    Some(Command::Shutdown) => return self.close_connections().await,
                    None => return,
                    Some(cmd) => self.on_command(cmd),
                },
                change = self.changes.recv(), if self.store_open => self.on_store(change),
                _ = tick.tick() => {
                    let sends = self.client.tick(Instant::now());
                    self.dispatch(sends);
                    self.probe_tick(Instant::now());
                    self.routing_tick();
                    self.events.report_drops();
                }
                _ = snapshots.tick() => self.snapshot(),
                event = self.swarm.select_next_some() => self.on_swarm(event),
                // Providers from delegated routers (remote, bounded: their queries wait when this is full).
                Some(msg) = self.routing.http.next() => self.routing.on_http(&mut self.swarm, msg, &mut self.events),
                Some(ev) = self.stream_rx.recv() => self.on_stream(ev),
            }
        }
    }

    fn maybe_ready(&mut self) {
        if self.ready_sent || self.listeners.values().any(|up| !up) {
            return;
        }
        self.ready_sent = true;
        let me = *self.swarm.local_peer_id();
        let listen = self.swarm.listeners().map(|a| super::routing::circuit::with_peer(a, me).to_string()).collect();
        let started_unix_ms = unix_ms().saturating_sub(self.events.clock().now_ms());
        self.events.ready(NodeEvent::Ready {
            schema: super::events::SCHEMA_VERSION,
            peer_id: me.to_string(),
            listen,
            started_unix_ms,
        });
    }

    fn on_command(&mut self, cmd: Command) {
        match cmd {
            Command::Dial { addr, reply } => {
                let opts = DialOpts::from(addr.clone());
                let id = opts.connection_id();
                self.swarm.behaviour_mut().conn_manager.manager.protect_dial(id);
                match self.swarm.dial(opts) {
                    Ok(()) => {
                        self.dials.insert(id, reply);
                    }
                    Err(e) => {
                        let _ = reply.send(Err(format!("cannot dial {addr}: {}", short(e))));
                    }
                }
            }
            cmd @ (Command::Want { .. }
            | Command::WantMany { .. }
            | Command::EndSession(_)
            | Command::SessionPeer(..)) => self.on_want(cmd),
            cmd @ Command::Probe { .. } => self.on_probe(cmd),
            Command::Peers { reply } => {
                let peers = self
                    .peers
                    .iter()
                    .map(|(p, s)| {
                        let addr = s.addr.as_ref().map(|a| a.to_string()).unwrap_or_default();
                        s.details.info(p.to_string(), addr, s.agent.clone(), s.bitswap, &s.ledger)
                    })
                    .collect();
                let _ = reply.send(peers);
            }
            Command::Ledgers { reply } => {
                let ledgers = self.peers.iter().map(|(p, s)| (*p, self.client.with_figures(p, &s.ledger))).collect();
                let _ = reply.send(ledgers);
            }
            Command::Ledger { peer, reply } => {
                let live = self.peers.get(&peer).map(|s| self.client.with_figures(&peer, &s.ledger));
                let _ = reply.send(live.or_else(|| self.ledger_of(&peer)));
            }
            Command::Totals { reply } => {
                let _ = reply.send(self.totals());
            }
            Command::ListenAddrs { reply } => {
                let _ = reply.send(self.swarm.listeners().cloned().collect());
            }
            Command::Disconnect { peer, reply } => {
                let _ = reply.send(self.swarm.disconnect_peer_id(peer).is_ok());
            }
            Command::Wantlists { reply } => {
                let _ = reply.send(self.wantlists());
            }
            Command::Why { cid, reply } => {
                let _ = reply.send(self.why(&cid));
            }
            Command::Messages { peer, cid, limit, reply } => {
                let _ = reply.send(self.inspector.find(peer, cid, limit));
            }
            Command::Routing(req) => self.routing.on_request(&mut self.swarm, req, &mut self.events),
            Command::Emit(event) => self.events.emit(event),
            Command::Shutdown => {}
        }
    }

    fn wantlists(&mut self) -> Wantlists {
        let view = self.why_view();
        let ours = self
            .client
            .wantlist()
            .into_iter()
            .map(|(cid, age, asked)| {
                let cid = cid.to_string();
                let why = Some(self.want_why(&cid, &view));
                OurWantInfo { cid, age_ms: age.as_millis() as u64, peers_asked: asked, why }
            })
            .collect();
        let theirs = self
            .peers
            .iter()
            .filter(|(_, s)| !s.their_wants.is_empty())
            .map(|(p, s)| (p.to_string(), s.their_wants.infos()))
            .collect();
        Wantlists { ours, theirs }
    }

    fn snapshot(&mut self) {
        let peers = self
            .peers
            .iter()
            .map(|(p, s)| PeerSnapshot {
                peer: p.to_string(),
                addr: s.addr.as_ref().map(|a| a.to_string()),
                agent: s.agent.clone(),
                bitswap: s.bitswap,
                debt_ratio: s.ledger.debt_ratio(),
                ledger: self.client.with_figures(p, &s.ledger),
                bitswap_version: s.details.negotiated().map(|v| v.name().to_string()),
                relayed: s.details.relayed,
            })
            .collect();
        let departed = self.departed_snapshots();
        let wantlists = self.wantlists();
        let dropped_events = self.events.dropped;
        self.events.emit(NodeEvent::Snapshot { peers, departed, wantlists, dropped_events });
        self.routing.publish(&mut self.swarm, &mut self.events);
    }

    fn on_swarm(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::NewListenAddr { listener_id, address } => {
                self.listeners.insert(listener_id, true);
                self.events.emit(NodeEvent::ListenAddr { addr: address.to_string() });
                self.maybe_ready();
            }
            SwarmEvent::ListenerError { error, .. } => {
                self.events.emit(NodeEvent::Error { message: format!("listener: {}", short(error)) });
                // `ready` may never come now: what was held for it goes out.
                self.events.release();
            }
            SwarmEvent::ListenerClosed { reason, .. } if !self.ready_sent => {
                let why = reason.err().map(|e| format!(": {}", short(e))).unwrap_or_default();
                self.events.emit(NodeEvent::Error { message: format!("a listener closed before it was up{why}") });
                self.events.release();
            }
            SwarmEvent::ConnectionEstablished { peer_id, connection_id, endpoint, .. } => {
                let (addr, direction) = match &endpoint {
                    ConnectedPoint::Dialer { address, .. } => (address.clone(), Direction::Out),
                    // Through a relay the peer has no address of its own: the circuit it came through says more.
                    ConnectedPoint::Listener { local_addr, .. } if endpoint.is_relayed() => {
                        (local_addr.clone(), Direction::In)
                    }
                    ConnectedPoint::Listener { send_back_addr, .. } => (send_back_addr.clone(), Direction::In),
                };
                let quic = addr.iter().any(|p| matches!(p, libp2p::multiaddr::Protocol::QuicV1));
                let transport = if quic { Transport::Quic } else { Transport::Tcp };
                let archive = &mut self.archive;
                let state = self
                    .peers
                    .entry(peer_id)
                    .or_insert_with(|| PeerState { ledger: archive.take(&peer_id), ..PeerState::default() });
                state.addr = Some(addr.clone());
                state.details.opened(connection_id, endpoint.is_relayed());
                state.details.direction.get_or_insert(direction);
                state.ledger.connections += 1;
                self.events.emit(NodeEvent::Connected {
                    peer: peer_id.to_string(),
                    addr: addr.to_string(),
                    direction,
                    transport,
                });
                if let Some(reply) = self.dials.remove(&connection_id) {
                    self.client.named(peer_id);
                    let _ = reply.send(Ok(()));
                }
            }
            SwarmEvent::OutgoingConnectionError { connection_id, error, peer_id } => {
                let message = format!("dial failed: {}", super::routing::circuit::dial_error(&error));
                if let Some(reply) = self.dials.remove(&connection_id) {
                    let _ = reply.send(Err(message.clone()));
                }
                self.routing.on_dial_error(&mut self.swarm, peer_id, &error, &mut self.events);
                let who = peer_id.map(|p| format!(" ({p})")).unwrap_or_default();
                self.events.emit(NodeEvent::Error { message: format!("{message}{who}") });
            }
            SwarmEvent::ConnectionClosed { peer_id, connection_id, num_established: 1.., .. } => {
                self.peers.get_mut(&peer_id).into_iter().for_each(|s| s.details.closed(connection_id))
            }
            SwarmEvent::ConnectionClosed { peer_id, num_established: 0, cause, .. } => {
                if let Some(mut state) = self.peers.remove(&peer_id) {
                    state.ledger.figures = self.client.figures(&peer_id);
                    self.depart(peer_id, state);
                }
                let sends = self.client.peer_gone(&peer_id, Instant::now());
                self.dispatch(sends);
                let (cause, error) = match cause {
                    None => (CloseCause::Local, None),
                    Some(libp2p::swarm::ConnectionError::KeepAliveTimeout) => (CloseCause::Idle, None),
                    Some(e) => (CloseCause::Error, Some(short(e))),
                };
                self.events.emit(NodeEvent::Disconnected { peer: peer_id.to_string(), cause, error });
            }
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received { peer_id, info, .. })) => {
                self.routing.on_identify(&mut self.swarm, peer_id, &info);
                let protocols: Vec<String> = info.protocols.iter().map(|p| p.to_string()).collect();
                let speaks = info.protocols.iter().any(|p| PROTOCOLS.iter().any(|b| b == p));
                let Some(state) = self.peers.get_mut(&peer_id) else { return };
                state.agent = Some(info.agent_version.clone());
                state.details.protocols.clone_from(&protocols);
                self.events.emit(NodeEvent::Identified {
                    peer: peer_id.to_string(),
                    agent: info.agent_version,
                    protocols,
                });
                if speaks {
                    self.bitswap_peer(peer_id);
                }
            }
            SwarmEvent::Behaviour(
                e @ (BehaviourEvent::Kad(_)
                | BehaviourEvent::Autonat(_)
                | BehaviourEvent::Dcutr(_)
                | BehaviourEvent::RelayClient(_)),
            ) => self.on_routing(e),
            SwarmEvent::Behaviour(BehaviourEvent::Ping(ping::Event { peer, result: Ok(rtt), .. })) => {
                self.client.on_ping(peer, rtt);
                if let Some(state) = self.peers.get_mut(&peer) {
                    state.details.rtt_ms = Some(rtt.as_secs_f64() * 1000.0);
                }
                self.events.emit(NodeEvent::Ping { peer: peer.to_string(), rtt_ms: rtt.as_secs_f64() * 1000.0 });
            }
            SwarmEvent::Behaviour(BehaviourEvent::Inbound(inbound)) => {
                let peer = inbound.peer;
                if let Err(error) = self.inbound.accept(inbound, &self.stream_tx) {
                    if let Some(s) = self.peers.get_mut(&peer) {
                        s.ledger.protocol_errors += 1;
                    }
                    let kind = ProtocolErrorKind::TooManyStreams;
                    self.events.emit(NodeEvent::ProtocolError { peer: peer.to_string(), kind, error });
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Mdns(mdns::Event::Discovered(found))) => {
                for (peer, addr) in found {
                    if !self.swarm.is_connected(&peer) {
                        // Both sides hear each other's announcement at once and dial at once. From the listen port
                        // (libp2p's default) the two SYNs meet as one TCP simultaneous open, both ends then start
                        // noise as initiator and the handshake fails on both: a fresh port gives two sound links.
                        let opts = DialOpts::peer_id(peer).addresses(vec![addr]).allocate_new_port().build();
                        let _ = self.swarm.dial(opts);
                    }
                }
            }
            _ => {}
        }
    }

    /// A peer that speaks Bitswap: it gets our wantlist.
    fn bitswap_peer(&mut self, peer: PeerId) {
        let Some(state) = self.peers.get_mut(&peer) else { return };
        if state.bitswap {
            return;
        }
        state.bitswap = true;
        let sends = self.client.peer_ready(peer, Instant::now());
        self.dispatch(sends);
    }

    /// The peer's actor, started on first use; none once the peer is gone (its late events spawn nothing).
    fn actor(&mut self, peer: PeerId) -> Option<mpsc::Sender<PeerCmd>> {
        let state = self.peers.get_mut(&peer)?;
        if let Some(a) = state.actor.as_ref().filter(|a| !a.is_closed()) {
            return Some(a.clone());
        }
        let queue = state.serve.clone();
        let actor = spawn_peer(peer, self.control.clone(), self.store.clone(), self.stream_tx.clone(), queue);
        state.actor = Some(actor.clone());
        Some(actor)
    }

    fn dispatch(&mut self, sends: Vec<(PeerId, Outgoing)>) {
        for (peer, out) in sends {
            if out.is_empty() {
                continue;
            }
            let Some(actor) = self.actor(peer) else { continue };
            if actor.try_send(PeerCmd::Send(out)).is_err() {
                self.events.emit(NodeEvent::Error { message: format!("send queue to {peer} is full: wants dropped") });
            }
        }
    }

    fn bitswap_event(
        &mut self,
        direction: Direction,
        peer: PeerId,
        kind: EntryKind,
        cid: &cid::Cid,
        size: Option<u64>,
        latency: Option<Duration>,
    ) {
        self.events.emit(NodeEvent::Bitswap {
            direction,
            peer: peer.to_string(),
            kind,
            cid: cid.to_string(),
            size,
            latency_ms: latency.map(|d| d.as_secs_f64() * 1000.0),
        });
    }

    fn on_stream(&mut self, event: StreamEvent) {
        let now = Instant::now();
        match event {
            StreamEvent::Received { peer, parsed, version } => {
                let now_ms = self.events.clock().now_ms();
                self.inspector.record(now_ms, peer.to_string(), version.name(), &parsed);
                if !self.peers.contains_key(&peer) {
                    // Read after the connection closed: its wants died with it, but blocks we want still count.
                    for received in parsed.blocks {
                        self.on_block(peer, received, now);
                    }
                    return;
                }
                self.bitswap_peer(peer);
                let Some(state) = self.peers.get_mut(&peer) else { return };
                state.details.bitswap_in = Some(version);
                state.ledger.touch(self.events.clock().now_ms());
                state.ledger.protocol_errors += parsed.malformed as u64;
                let applied = state.their_wants.apply(parsed.full, &parsed.wants);
                state.ledger.protocol_errors += applied.refused as u64;
                state.ledger.wants_received += parsed.wants.iter().filter(|w| !w.cancel).count() as u64;
                state.ledger.haves_received += parsed.haves.len() as u64;
                state.ledger.dont_haves_received += parsed.dont_haves.len() as u64;
                // An event per entry the wantlist can hold; a flood past the cap is one event, not thousands.
                for w in parsed.wants.iter().take(MAX_ENTRIES) {
                    let kind = want_kind(w);
                    self.bitswap_event(Direction::In, peer, kind, &w.cid, None, None);
                }
                if applied.refused > 0 {
                    let error =
                        format!("wantlist over the {MAX_ENTRIES}-entry cap: {} entries refused", applied.refused);
                    let kind = ProtocolErrorKind::WantlistFull;
                    self.events.emit(NodeEvent::ProtocolError { peer: peer.to_string(), kind, error });
                }
                self.serve(peer, applied.wanted, false, &applied.cancelled);
                for cid in &parsed.haves {
                    self.bitswap_event(Direction::In, peer, EntryKind::Have, cid, None, None);
                    self.probe_presence(peer, cid, true, now);
                    let sends = self.client.on_have(peer, cid, now);
                    self.dispatch(sends);
                }
                for cid in &parsed.dont_haves {
                    self.bitswap_event(Direction::In, peer, EntryKind::DontHave, cid, None, None);
                    self.probe_presence(peer, cid, false, now);
                    let sends = self.client.on_dont_have(peer, cid, now);
                    self.dispatch(sends);
                }
                for received in parsed.blocks {
                    self.on_block(peer, received, now);
                }
            }
            StreamEvent::Sent { peer, out, version } => {
                let now_ms = self.events.clock().now_ms();
                let Some(state) = self.peers.get_mut(&peer) else { return };
                state.details.bitswap_out = Some(version);
                let l = &mut state.ledger;
                l.touch(now_ms);
                l.blocks_sent += out.blocks.len() as u64;
                l.bytes_sent += out.blocks.iter().map(|b| b.len() as u64).sum::<u64>();
                l.wants_sent += out.wants.iter().filter(|w| !w.cancel).count() as u64;
                l.haves_sent += out.haves.len() as u64;
                l.dont_haves_sent += out.dont_haves.len() as u64;
                for b in &out.blocks {
                    state.their_wants.remove(b.cid());
                }
                state.serve.cancel(out.blocks.iter().map(|b| b.cid()));
                for c in &out.haves {
                    state.their_wants.answered_have(c);
                }
                for w in &out.wants {
                    let kind = want_kind(w);
                    self.bitswap_event(Direction::Out, peer, kind, &w.cid, None, None);
                }
                for c in &out.haves {
                    self.bitswap_event(Direction::Out, peer, EntryKind::Have, c, None, None);
                }
                for c in &out.dont_haves {
                    self.bitswap_event(Direction::Out, peer, EntryKind::DontHave, c, None, None);
                }
                for b in &out.blocks {
                    self.bitswap_event(Direction::Out, peer, EntryKind::Block, b.cid(), Some(b.len() as u64), None);
                }
            }
            StreamEvent::SendFailed { peer, error } => {
                if let Some(s) = self.peers.get_mut(&peer) {
                    s.actor = None;
                }
                self.events.emit(NodeEvent::Error { message: format!("bitswap send to {peer} failed: {error}") });
            }
            StreamEvent::Refused { peer, cid, size } => {
                if let Some(s) = self.peers.get_mut(&peer) {
                    s.ledger.refused_wants += 1;
                }
                let error = format!("wants {cid}, a block of {size} bytes, over the 2 MiB Bitswap limit: DONT_HAVE");
                let kind = ProtocolErrorKind::OversizedWant;
                self.events.emit(NodeEvent::ProtocolError { peer: peer.to_string(), kind, error });
            }
            StreamEvent::ProtocolError { peer, error } => {
                if let Some(s) = self.peers.get_mut(&peer) {
                    s.ledger.protocol_errors += 1;
                }
                let kind = ProtocolErrorKind::Frame;
                self.events.emit(NodeEvent::ProtocolError { peer: peer.to_string(), kind, error });
            }
        }
    }

    fn on_block(&mut self, peer: PeerId, received: ReceivedBlock, now: Instant) {
        let block = match received {
            ReceivedBlock::Ok(b) => b,
            ReceivedBlock::Rejected { cid, reason } => {
                if let Some(s) = self.peers.get_mut(&peer) {
                    s.ledger.rejected_blocks += 1;
                }
                let cid = cid.map(|c| c.to_string()).unwrap_or_else(|| "?".into());
                let cause = RejectCause::Invalid;
                self.events.emit(NodeEvent::BlockRejected { peer: peer.to_string(), cid, cause, reason });
                return;
            }
        };
        let probed = self.probe_block(peer, block.cid(), block.len() as u64, now);
        let (outcome, sends) = self.client.on_block(peer, block.cid(), block.len(), now);
        self.dispatch(sends);
        let mut gone = Ledger::default();
        let ledger = self.peers.get_mut(&peer).map_or(&mut gone, |s| &mut s.ledger);
        match outcome {
            Received::Wanted { waiters, latency } => {
                ledger.blocks_received += 1;
                ledger.bytes_received += block.len() as u64;
                self.bitswap_event(
                    Direction::In,
                    peer,
                    EntryKind::Block,
                    block.cid(),
                    Some(block.len() as u64),
                    Some(latency),
                );
                for w in waiters {
                    let _ = w.send(block.clone());
                }
            }
            Received::Duplicate => {
                ledger.duplicate_blocks += 1;
                ledger.bytes_received += block.len() as u64;
                self.bitswap_event(Direction::In, peer, EntryKind::Block, block.cid(), Some(block.len() as u64), None);
            }
            // Asked for by a probe (`check`): expected, not stored.
            Received::Unsolicited if probed => {
                self.bitswap_event(Direction::In, peer, EntryKind::Block, block.cid(), Some(block.len() as u64), None);
            }
            Received::Unsolicited => {
                ledger.rejected_blocks += 1;
                self.events.emit(NodeEvent::BlockRejected {
                    peer: peer.to_string(),
                    cid: block.cid().to_string(),
                    cause: RejectCause::Unsolicited,
                    reason: "unsolicited: never wanted".into(),
                });
            }
        }
    }
}
