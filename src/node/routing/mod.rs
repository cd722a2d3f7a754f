//! Routing (issue 12): bootstrap, the Amino DHT (Kademlia), provider search for stuck wants, providing, and the
//! connection manager. Owned by the node task like Bitswap: the task calls the few hooks below (`start`, `tick`,
//! `on_kad`, `on_identify`, `on_dial_error`, `on_request`, `on_stored`, `status`) and everything routing does is
//! published as events. Nothing here dials anyone unless the node's config names them (bootstrap) or a peer the DHT
//! returned: the library default reaches no one.

pub mod api;
pub mod circuit;
pub mod config;
pub mod conn_manager;
mod delegated;
pub mod http;
pub mod kad;
pub mod nat;
mod progress;
pub mod provide;
mod recent;
pub mod reprovide;
pub mod search;
pub mod status;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use cid::Cid;
use libp2p::core::Endpoint;
use libp2p::kad::QueryId;
use libp2p::swarm::dial_opts::{DialOpts, PeerCondition};
use libp2p::swarm::{ConnectionId, DialError, NetworkBehaviour};
use libp2p::{Multiaddr, PeerId, Swarm, identify};
use tokio::sync::{mpsc, oneshot};

pub(crate) use api::Request;
use config::RoutingConfig;
use status::{AddrError, BucketSize, Provider, QueryKind, RoutingSource, RoutingStatus};

use super::events::NodeEvent;
use super::sink::EventSink;
use super::swarm::Behaviour;

/// Kubo's bootstrap rule: every 30 s, while fewer than 4 peers are connected, dial the bootstrap peers again.
pub const BOOTSTRAP_EVERY: Duration = Duration::from_secs(30);
pub const BOOTSTRAP_MIN_PEERS: usize = 4;
/// `find_providers` answers at most this many providers whatever limit it is given.
pub const MAX_PROVIDERS: usize = 1000;
/// How often the DHT walks to its own id to refresh the routing table (rust-libp2p's default), driven from here and
/// only while the table has a peer: a node with no DHT peer stays quiet instead of warning every round.
pub const WALK_EVERY: Duration = Duration::from_secs(5 * 60);
/// A DHT query gives up once this many of the peers it tried failed. rust-libp2p's Kademlia walks every closer peer
/// it is told of: a peer that answered with 10,000 bogus closer peers made one query fail ~20,000 dials in 12 s.
pub const MAX_QUERY_FAILURES: u32 = 200;

type ProvideReply = oneshot::Sender<Result<u64, String>>;

enum Reply {
    Providers(mpsc::Sender<Provider>),
    Peer(oneshot::Sender<Result<Vec<Multiaddr>, String>>),
    Provide,
    /// A provider search for a stuck want: providers found are dialled.
    Search {
        dialled: usize,
    },
    /// Answered already (a `find_peer` whose reply went out).
    Answered,
}

struct Query {
    id: u64,
    kind: QueryKind,
    key: String,
    cid: Option<Cid>,
    peer: Option<PeerId>,
    started: Instant,
    found: HashSet<PeerId>,
    /// DHT peers asked so far.
    contacted: u32,
    limit: usize,
    reply: Reply,
    /// Router queries still answering (see `delegated.rs`).
    http_pending: usize,
    /// Delegated routers were asked too (the Routing pane lists both sources).
    http_asked: bool,
    /// The DHT's part ended while routers still answer.
    dht_done: bool,
    /// Set when the query closes: its router queries stop.
    cancel: Arc<AtomicBool>,
}

/// Routing state, owned by the node task.
#[derive(Default)]
pub(crate) struct Routing {
    config: RoutingConfig,
    queries: HashMap<QueryId, Query>,
    next_id: u64,
    planner: search::Planner,
    provides: provide::Queue,
    provide_waiters: HashMap<Cid, Vec<ProvideReply>>,
    last_bootstrap: Option<Instant>,
    /// When the last DHT bootstrap walk started.
    last_walk: Option<Instant>,
    external: HashSet<Multiaddr>,
    recent: recent::Recent,
    pub(crate) http: delegated::Http,
    nat: nat::Nat,
}

fn short(e: impl std::fmt::Display) -> String {
    e.to_string().replace('\n', " ")
}

/// The addresses the DHT knows for `peer`: its routing-table entry and what running queries were told. (Kademlia
/// hands these to the swarm when it dials a peer by id; asking the same way reads them without dialling.)
fn known_addrs(swarm: &mut Swarm<Behaviour>, peer: PeerId) -> Vec<Multiaddr> {
    let kad = &mut swarm.behaviour_mut().kad;
    let id = ConnectionId::new_unchecked(usize::MAX);
    let mut addrs = kad.handle_pending_outbound_connection(id, Some(peer), &[], Endpoint::Dialer).unwrap_or_default();
    let mut seen = HashSet::new();
    addrs.retain(|a| seen.insert(a.clone()));
    addrs
}

impl Routing {
    pub(crate) fn new(config: RoutingConfig) -> Self {
        Self { config, ..Self::default() }
    }

    /// At start: the configured DHT mode, and a first round of bootstrap dials.
    pub(crate) fn start(&mut self, swarm: &mut Swarm<Behaviour>, events: &mut EventSink) {
        swarm.behaviour_mut().kad.set_mode(Some(kad::mode_of(self.config.dht)));
        let mode = swarm.behaviour().kad.mode();
        events.emit(NodeEvent::DhtMode { mode: kad::mode_name(mode).into(), configured: self.config.dht });
        self.bootstrap(swarm, events, Instant::now());
    }

    /// Dials every bootstrap peer not connected yet.
    fn bootstrap(&mut self, swarm: &mut Swarm<Behaviour>, events: &mut EventSink, now: Instant) {
        self.last_bootstrap = Some(now);
        for addr in &self.config.bootstrap {
            let Some(peer) = config::bootstrap_peer(addr) else { continue };
            if swarm.is_connected(&peer) {
                continue;
            }
            let opts = DialOpts::peer_id(peer)
                .addresses(vec![addr.clone()])
                .condition(PeerCondition::DisconnectedAndNotDialing)
                .build();
            match swarm.dial(opts) {
                Ok(()) | Err(DialError::DialPeerConditionFalse(_)) => {}
                Err(e) => {
                    events.emit(NodeEvent::Error { message: format!("cannot dial bootstrap {addr}: {}", short(e)) })
                }
            }
        }
    }

    /// The addresses to advertise (identify, provider records): the announce list, or else the listen addresses.
    fn sync_external(&mut self, swarm: &mut Swarm<Behaviour>) {
        let want: HashSet<Multiaddr> = if self.config.announce.is_empty() {
            swarm.listeners().cloned().collect()
        } else {
            self.config.announce.iter().cloned().collect()
        };
        for gone in self.external.difference(&want) {
            swarm.remove_external_address(gone);
        }
        for new in want.difference(&self.external) {
            swarm.add_external_address(new.clone());
        }
        self.external = want;
    }

    /// Every second: advertised addresses, bootstrap while the node has few peers, the connection manager (with
    /// the peers in an active transfer), provider searches for stuck wants, and the provide queue.
    pub(crate) fn tick(
        &mut self,
        swarm: &mut Swarm<Behaviour>,
        wants: impl IntoIterator<Item = (Cid, Duration)>,
        busy: impl IntoIterator<Item = PeerId>,
        events: &mut EventSink,
    ) {
        let now = Instant::now();
        self.sync_external(swarm);
        self.sync_nat(swarm, events);
        let due = self.last_bootstrap.is_none_or(|t| now.saturating_duration_since(t) >= BOOTSTRAP_EVERY);
        if due && swarm.connected_peers().count() < BOOTSTRAP_MIN_PEERS {
            self.bootstrap(swarm, events, now);
        }
        let cm = &mut swarm.behaviour_mut().conn_manager;
        cm.manager.set_busy(busy);
        cm.trim(now);
        self.walk(swarm, now);
        let wants: Vec<(Cid, Duration)> = wants.into_iter().collect();
        self.recent.wants(&wants);
        for cid in self.planner.plan(&wants, now) {
            self.start_search(swarm, cid, events);
        }
        self.run_provides(swarm, events);
    }

    /// Every [`WALK_EVERY`], and first as soon as the routing table has a peer: a DHT bootstrap walk (Kademlia's
    /// own timer is off, see [`kad::behaviour`]).
    fn walk(&mut self, swarm: &mut Swarm<Behaviour>, now: Instant) {
        let due = self.last_walk.is_none_or(|t| now.saturating_duration_since(t) >= WALK_EVERY);
        let kad = &mut swarm.behaviour_mut().kad;
        if due && kad.kbuckets().any(|b| b.num_entries() > 0) && kad.bootstrap().is_ok() {
            self.last_walk = Some(now);
        }
    }

    fn begin(&mut self, kind: QueryKind, key: String, events: &mut EventSink) -> u64 {
        self.next_id += 1;
        events.emit(NodeEvent::RoutingQuery { query: self.next_id, kind, key, source: RoutingSource::Dht });
        self.next_id
    }

    fn add_query(&mut self, qid: QueryId, id: u64, kind: QueryKind, key: String, reply: Reply, limit: usize) {
        let q = Query {
            id,
            kind,
            key,
            cid: None,
            peer: None,
            started: Instant::now(),
            found: HashSet::new(),
            contacted: 0,
            limit,
            reply,
            http_pending: 0,
            http_asked: false,
            dht_done: false,
            cancel: Arc::default(),
        };
        self.queries.insert(qid, q);
    }

    fn start_search(&mut self, swarm: &mut Swarm<Behaviour>, cid: Cid, events: &mut EventSink) {
        let id = self.begin(QueryKind::Search, cid.to_string(), events);
        let qid = swarm.behaviour_mut().kad.get_providers(kad::provider_key(&cid));
        let limit = self.planner.rules.dial_per_search;
        self.add_query(qid, id, QueryKind::Search, cid.to_string(), Reply::Search { dialled: 0 }, limit);
        if let Some(q) = self.queries.get_mut(&qid) {
            q.cid = Some(cid);
        }
        self.start_http(qid, cid, QueryKind::Search, events);
    }

    fn run_provides(&mut self, swarm: &mut Swarm<Behaviour>, events: &mut EventSink) {
        let next = self.provides.start_next();
        if next.is_empty() {
            return;
        }
        self.sync_external(swarm);
        for cid in next {
            let id = self.begin(QueryKind::Provide, cid.to_string(), events);
            match swarm.behaviour_mut().kad.start_providing(kad::provider_key(&cid)) {
                Ok(qid) => {
                    self.add_query(qid, id, QueryKind::Provide, cid.to_string(), Reply::Provide, 0);
                    if let Some(q) = self.queries.get_mut(&qid) {
                        q.cid = Some(cid);
                    }
                }
                Err(e) => {
                    let error = format!("cannot provide: {}", short(e));
                    self.provides.finished(&cid, false);
                    self.answer_provide(&cid, Err(error.clone()));
                    let (kind, key, source) = (QueryKind::Provide, cid.to_string(), RoutingSource::Dht);
                    events.emit(NodeEvent::RoutingDone {
                        query: id,
                        kind,
                        key,
                        source,
                        ms: 0,
                        count: 0,
                        error: Some(error),
                    });
                }
            }
        }
    }

    fn answer_provide(&mut self, cid: &Cid, result: Result<u64, String>) {
        for w in self.provide_waiters.remove(cid).unwrap_or_default() {
            let _ = w.send(result.clone());
        }
    }

    /// Queues `cid` to be announced; `reply` hears when it is done.
    fn provide(&mut self, swarm: &mut Swarm<Behaviour>, cid: Cid, reply: Option<ProvideReply>, events: &mut EventSink) {
        match self.provides.push(cid) {
            provide::Pushed::Full => {
                let msg = format!("provide queue full ({} waiting): {cid} not announced", self.provides.waiting());
                events.emit(NodeEvent::Error { message: msg.clone() });
                if let Some(r) = reply {
                    let _ = r.send(Err(msg));
                }
                return;
            }
            provide::Pushed::Queued | provide::Pushed::Already => {}
        }
        if let Some(r) = reply {
            self.provide_waiters.entry(cid).or_default().push(r);
        }
        self.run_provides(swarm, events);
    }

    /// Blocks newly stored: announced when the strategy is `all` (roots are announced by the operations that
    /// store them, through `NodeHandle::provide`).
    pub(crate) fn on_stored(&mut self, swarm: &mut Swarm<Behaviour>, added: &[Cid], events: &mut EventSink) {
        if self.config.provide != config::ProvideStrategy::All {
            return;
        }
        for cid in added {
            self.provide(swarm, *cid, None, events);
        }
    }

    pub(crate) fn on_request(&mut self, swarm: &mut Swarm<Behaviour>, req: Request, events: &mut EventSink) {
        match req {
            Request::FindProviders { cid, limit, tx } => {
                let limit = limit.clamp(1, MAX_PROVIDERS);
                let id = self.begin(QueryKind::FindProviders, cid.to_string(), events);
                let qid = swarm.behaviour_mut().kad.get_providers(kad::provider_key(&cid));
                self.add_query(qid, id, QueryKind::FindProviders, cid.to_string(), Reply::Providers(tx), limit);
                if let Some(q) = self.queries.get_mut(&qid) {
                    q.cid = Some(cid);
                }
                self.start_http(qid, cid, QueryKind::FindProviders, events);
            }
            Request::FindPeer { peer, reply } => {
                let id = self.begin(QueryKind::FindPeer, peer.to_string(), events);
                let qid = swarm.behaviour_mut().kad.get_closest_peers(peer);
                self.add_query(qid, id, QueryKind::FindPeer, peer.to_string(), Reply::Peer(reply), 1);
                if let Some(q) = self.queries.get_mut(&qid) {
                    q.peer = Some(peer);
                }
            }
            Request::Provide { cid, reply } => self.provide(swarm, cid, reply, events),
            Request::Announce { cid, pinned } => {
                if self.config.provide.announces_root(pinned) {
                    self.provide(swarm, cid, None, events);
                }
            }
            Request::Status { reply } => {
                let _ = reply.send(self.status(swarm));
            }
        }
    }

    /// A peer's identify: a DHT server (it lists `/ipfs/kad/1.0.0`) joins the routing table with its listen
    /// addresses.
    pub(crate) fn on_identify(&mut self, swarm: &mut Swarm<Behaviour>, peer: PeerId, info: &identify::Info) {
        if !info.protocols.contains(&kad::PROTOCOL) {
            return;
        }
        for addr in &info.listen_addrs {
            swarm.behaviour_mut().kad.add_address(&peer, addr.clone());
        }
    }

    /// A failed dial: one `dial_failed` event with the reason per address; a DHT query that has seen too many
    /// peers fail gives up ([`MAX_QUERY_FAILURES`]).
    pub(crate) fn on_dial_error(
        &mut self,
        swarm: &mut Swarm<Behaviour>,
        peer: Option<PeerId>,
        error: &DialError,
        events: &mut EventSink,
    ) {
        let kad = &mut swarm.behaviour_mut().kad;
        let failing = |qid: &&QueryId| kad.query(qid).is_some_and(|q| q.stats().num_failures() >= MAX_QUERY_FAILURES);
        let over: Vec<QueryId> = self.queries.keys().filter(failing).copied().collect();
        for qid in over {
            if let Some(mut q) = swarm.behaviour_mut().kad.query_mut(&qid) {
                q.finish();
            }
            self.finish(swarm, qid, Some(format!("gave up after {MAX_QUERY_FAILURES} peers failed")), events);
        }
        let errors = match error {
            DialError::Transport(tried) => tried
                .iter()
                .map(|(addr, e)| AddrError { addr: addr.to_string(), error: circuit::addr_error(addr, e) })
                .collect(),
            other => vec![AddrError { addr: String::new(), error: short(other) }],
        };
        events.emit(NodeEvent::DialFailed { peer: peer.map(|p| p.to_string()), errors });
    }

    pub(crate) fn on_kad(&mut self, swarm: &mut Swarm<Behaviour>, event: libp2p::kad::Event, events: &mut EventSink) {
        use libp2p::kad::Event;
        match event {
            Event::OutboundQueryProgressed { id, result, step, stats } => {
                if let Some(q) = self.queries.get_mut(&id) {
                    q.contacted = stats.num_requests();
                }
                self.on_progress(swarm, id, result, step, stats, events)
            }
            Event::ModeChanged { new_mode } => {
                let mode = kad::mode_name(new_mode).to_string();
                events.emit(NodeEvent::DhtMode { mode, configured: self.config.dht });
            }
            _ => {}
        }
    }

    /// Routing as it is now (published beside every snapshot).
    pub(crate) fn status(&self, swarm: &mut Swarm<Behaviour>) -> RoutingStatus {
        let connected = swarm.connected_peers().copied().collect::<HashSet<_>>();
        let configured = self.config.bootstrap.iter().filter_map(config::bootstrap_peer).collect::<HashSet<_>>();
        let bootstrap_peers = configured.intersection(&connected).count();
        let now = Instant::now();
        let b = swarm.behaviour_mut();
        let buckets: Vec<BucketSize> = b
            .kad
            .kbuckets()
            .map(|k| BucketSize { index: k.range().0.ilog2().unwrap_or(0), peers: k.num_entries() })
            .filter(|k| k.peers > 0)
            .collect();
        let table_size = buckets.iter().map(|k| k.peers).sum();
        RoutingStatus {
            dht_mode: kad::mode_name(b.kad.mode()).into(),
            configured: self.config.dht,
            reachability: self.nat.reachability,
            table_size,
            buckets,
            bootstrap_peers,
            connections: b.conn_manager.manager.connections(),
            trimmed: b.conn_manager.manager.trimmed,
            queries: self.queries.len(),
            searches: self.planner.in_flight(),
            provide_waiting: self.provides.waiting(),
            provide_running: self.provides.running(),
            provide_done: self.provides.done,
            provide_failed: self.provides.failed,
            provide_refused: self.provides.refused,
            provide_next: self.provides.peek(status::PROVIDE_SHOWN).map(|c| c.to_string()).collect(),
            recent: self.recent.queries(self.queries.values(), now),
            bootstrap: status::BootstrapState {
                configured: configured.len(),
                connected: bootstrap_peers,
                last_dial_ms_ago: self
                    .last_bootstrap
                    .filter(|_| !configured.is_empty())
                    .map(|t| now.saturating_duration_since(t).as_millis() as u64),
                last_walk: self.recent.last_walk.clone(),
            },
            wants: self.recent.want_states(self.queries.values(), table_size > 0, now),
            routers: self.config.routers.clone(),
            router_errors: self.http.errors,
        }
    }

    /// A `routing_status` event (beside every snapshot).
    pub(crate) fn publish(&self, swarm: &mut Swarm<Behaviour>, events: &mut EventSink) {
        let status = self.status(swarm);
        events.emit(NodeEvent::RoutingStatus(Box::new(status)));
    }
}
