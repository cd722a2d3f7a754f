//! Delegated routers asked beside the DHT: a provider query (`routing findprovs`, or a search for a stuck want)
//! starts one [`http::query`] per configured router at once with its DHT query. Each router query is a routing query
//! of its own in the events (`source: http`, its own number, its own `routing_done` with the error that ended it);
//! the providers of all sources merge into the one answer, each peer once. The whole query closes when the DHT and
//! every router are done, or as soon as it has found enough (the router queries are then told to stop).

use std::sync::Arc;
use std::time::Instant;

use cid::Cid;
use libp2p::kad::QueryId;
use libp2p::{Multiaddr, PeerId, Swarm};
use tokio::sync::mpsc;

use super::http::{self, Found as HttpFound};
use super::status::{QueryKind, RoutingSource};
use super::{Routing, short};
use crate::node::events::NodeEvent;
use crate::node::sink::EventSink;
use crate::node::swarm::Behaviour;

/// Router messages waiting for the node task at most; a router query waits (its thread blocks) when they are full.
const QUEUE: usize = 256;

/// One provider, from whichever source.
pub(super) struct Found {
    pub peer: PeerId,
    /// Every address it came with (shown).
    pub addrs: Vec<Multiaddr>,
    /// The addresses to dial over libp2p (none for a gateway).
    pub dial: Vec<Multiaddr>,
    pub source: RoutingSource,
    pub gateway: bool,
}

/// What a router query tells the node task.
pub(crate) struct Msg {
    parent: QueryId,
    sub: u64,
    kind: QueryKind,
    key: String,
    router: String,
    started: Instant,
    found: HttpFound,
}

/// The channel router queries report on, and the errors counted so far.
pub(crate) struct Http {
    tx: mpsc::Sender<Msg>,
    rx: mpsc::Receiver<Msg>,
    pub(crate) errors: u64,
}

impl Default for Http {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        Self { tx, rx, errors: 0 }
    }
}

impl Http {
    /// The next router message (the node task's `select!` waits on this).
    pub(crate) async fn next(&mut self) -> Option<Msg> {
        self.rx.recv().await
    }
}

impl Routing {
    /// Starts one query per configured router for the providers of `cid`, beside the DHT query `qid`.
    pub(super) fn start_http(&mut self, qid: QueryId, cid: Cid, kind: QueryKind, events: &mut EventSink) {
        let routers = self.config.routers.clone();
        let Some(cancel) = self.queries.get(&qid).map(|q| q.cancel.clone()) else { return };
        for router in routers {
            self.next_id += 1;
            let sub = self.next_id;
            let key = cid.to_string();
            events.emit(NodeEvent::RoutingQuery { query: sub, kind, key: key.clone(), source: RoutingSource::Http });
            let (tx, limits, cancel) = (self.http.tx.clone(), self.config.http_limits, Arc::clone(&cancel));
            tokio::task::spawn_blocking(move || {
                let started = Instant::now();
                let mut send = |found| {
                    let m = Msg { parent: qid, sub, kind, key: key.clone(), router: router.clone(), started, found };
                    tx.blocking_send(m).is_ok()
                };
                http::query(&router, &cid, limits, &cancel, &mut send);
            });
            if let Some(q) = self.queries.get_mut(&qid) {
                q.http_pending += 1;
                q.http_asked = true;
            }
        }
    }

    /// The DHT's part of `qid` ended: if routers still answer, its `routing_done` goes out now and the query stays
    /// open for them (true).
    pub(super) fn dht_done_first(&mut self, qid: QueryId, error: &Option<String>, events: &mut EventSink) -> bool {
        let Some(q) = self.queries.get_mut(&qid) else { return false };
        if q.http_pending == 0 {
            return false;
        }
        if q.dht_done {
            return true; // a late DHT event (after the query was told to finish): the routers still answer
        }
        q.dht_done = true;
        events.emit(NodeEvent::RoutingDone {
            query: q.id,
            kind: q.kind,
            key: q.key.clone(),
            source: RoutingSource::Dht,
            ms: q.started.elapsed().as_millis() as u64,
            count: q.found.len() as u64,
            error: error.clone(),
        });
        true
    }

    /// A router query's message: a provider (merged into its query), or its end.
    pub(crate) fn on_http(&mut self, swarm: &mut Swarm<Behaviour>, msg: Msg, events: &mut EventSink) {
        match msg.found {
            HttpFound::Provider(p) => {
                let dial = p.libp2p_addrs();
                let found =
                    Found { peer: p.peer, addrs: p.addrs, dial, source: RoutingSource::Http, gateway: p.gateway };
                if self.found_one(swarm, msg.parent, Some(msg.sub), found, events) {
                    self.end(swarm, msg.parent, events);
                }
            }
            HttpFound::Done { records, error } => {
                if let Some(e) = &error {
                    self.http.errors += 1;
                    let message = format!("router {}: {} for {}", msg.router, short(e), msg.key);
                    events.emit(NodeEvent::Error { message });
                }
                events.emit(NodeEvent::RoutingDone {
                    query: msg.sub,
                    kind: msg.kind,
                    key: msg.key,
                    source: RoutingSource::Http,
                    ms: msg.started.elapsed().as_millis() as u64,
                    count: records as u64,
                    error,
                });
                let Some(q) = self.queries.get_mut(&msg.parent) else { return };
                q.http_pending = q.http_pending.saturating_sub(1);
                if q.http_pending == 0 && q.dht_done {
                    self.finish(swarm, msg.parent, None, events);
                }
            }
        }
    }
}
