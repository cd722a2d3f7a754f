//! The DHT's answers to routing's queries, as they arrive: providers found (published, handed to the caller or
//! dialled), a peer's addresses, a provide that ended, and the end of a query (closed unless routers still
//! answer it). Split from `mod.rs`, which starts queries and owns the state these handlers update.

use std::collections::HashSet;
use std::time::Instant;

use libp2p::kad::{GetClosestPeersOk, GetProvidersOk, QueryId, QueryResult};
use libp2p::swarm::dial_opts::{DialOpts, PeerCondition};
use libp2p::{Multiaddr, PeerId, Swarm};

use super::delegated::Found;
use super::status::{Provider, QueryKind, RoutingSource};
use super::{Reply, Routing, known_addrs, short};
use crate::node::events::NodeEvent;
use crate::node::sink::EventSink;
use crate::node::swarm::Behaviour;

impl Routing {
    pub(super) fn on_progress(
        &mut self,
        swarm: &mut Swarm<Behaviour>,
        id: QueryId,
        result: QueryResult,
        step: libp2p::kad::ProgressStep,
        stats: libp2p::kad::QueryStats,
        events: &mut EventSink,
    ) {
        match result {
            QueryResult::GetProviders(Ok(GetProvidersOk::FoundProviders { providers, .. })) => {
                self.found_providers(swarm, id, providers, events);
                if step.last {
                    self.finish(swarm, id, None, events);
                }
            }
            QueryResult::GetProviders(Ok(GetProvidersOk::FinishedWithNoAdditionalRecord { .. })) => {
                self.finish(swarm, id, None, events)
            }
            QueryResult::GetProviders(Err(e)) => self.finish(swarm, id, Some(short(e)), events),
            QueryResult::GetClosestPeers(result) => {
                let (peers, error) = match result {
                    Ok(GetClosestPeersOk { peers, .. }) => (peers, None),
                    Err(libp2p::kad::GetClosestPeersError::Timeout { peers, .. }) => {
                        (peers, Some("timed out".to_string()))
                    }
                };
                self.found_peer(swarm, id, peers, error, events);
            }
            QueryResult::StartProviding(result) => {
                let error = result.err().map(short);
                if let Some(q) = self.queries.get_mut(&id) {
                    q.found = HashSet::new();
                    q.limit = stats.num_successes() as usize;
                }
                self.finish(swarm, id, error, events);
            }
            QueryResult::Bootstrap(result) if step.last => {
                self.recent.last_walk = Some(match result {
                    Ok(_) => format!("ok: {} peers answered", stats.num_successes()),
                    Err(e) => short(e),
                });
            }
            _ => {}
        }
    }

    fn found_providers(
        &mut self,
        swarm: &mut Swarm<Behaviour>,
        qid: QueryId,
        providers: HashSet<PeerId>,
        events: &mut EventSink,
    ) {
        let me = *swarm.local_peer_id();
        for peer in providers {
            let Some(q) = self.queries.get(&qid) else { return };
            if q.found.contains(&peer) || q.found.len() >= q.limit {
                continue;
            }
            let addrs =
                if peer == me { swarm.external_addresses().cloned().collect() } else { known_addrs(swarm, peer) };
            let found = Found { peer, dial: addrs.clone(), addrs, source: RoutingSource::Dht, gateway: false };
            if self.found_one(swarm, qid, None, found, events) {
                return self.end(swarm, qid, events);
            }
        }
    }

    /// One provider for query `qid` (from the DHT, or from the router query numbered `sub`): published, handed to
    /// the caller or dialled (`dial`: its libp2p addresses). True when the query has found enough or its caller
    /// went away.
    pub(super) fn found_one(
        &mut self,
        swarm: &mut Swarm<Behaviour>,
        qid: QueryId,
        sub: Option<u64>,
        f: Found,
        events: &mut EventSink,
    ) -> bool {
        let me = *swarm.local_peer_id();
        let Some(q) = self.queries.get_mut(&qid) else { return false };
        if q.found.len() >= q.limit || !q.found.insert(f.peer) {
            return false;
        }
        let mut done = false;
        let ms = q.started.elapsed().as_millis() as u64;
        events.emit(NodeEvent::ProviderFound {
            query: sub.unwrap_or(q.id),
            key: q.key.clone(),
            peer: f.peer.to_string(),
            addrs: f.addrs.iter().map(|a| a.to_string()).collect(),
            source: f.source,
            ms,
            gateway: f.gateway,
        });
        match &mut q.reply {
            Reply::Providers(tx) => {
                let p = Provider { peer: f.peer, addrs: f.addrs, source: f.source, ms, gateway: f.gateway };
                if tx.try_send(p).is_err() {
                    done = true; // the caller went away
                }
            }
            Reply::Search { dialled } => {
                if f.peer != me && !swarm.is_connected(&f.peer) && !f.dial.is_empty() {
                    *dialled += 1;
                    let opts = DialOpts::peer_id(f.peer)
                        .addresses(f.dial)
                        .condition(PeerCondition::DisconnectedAndNotDialing)
                        .build();
                    let _ = swarm.dial(opts);
                }
            }
            Reply::Peer(_) | Reply::Provide | Reply::Answered => {}
        }
        done || q.found.len() >= q.limit
    }

    /// Ends query `qid` now (found enough, or its caller went away): the DHT query and the routers' are stopped.
    pub(super) fn end(&mut self, swarm: &mut Swarm<Behaviour>, qid: QueryId, events: &mut EventSink) {
        if let Some(q) = self.queries.get_mut(&qid) {
            q.http_pending = 0;
        }
        if let Some(mut q) = swarm.behaviour_mut().kad.query_mut(&qid) {
            q.finish();
        }
        self.finish(swarm, qid, None, events);
    }

    fn found_peer(
        &mut self,
        swarm: &mut Swarm<Behaviour>,
        qid: QueryId,
        peers: Vec<libp2p::kad::PeerInfo>,
        error: Option<String>,
        events: &mut EventSink,
    ) {
        let Some(target) = self.queries.get(&qid).and_then(|q| q.peer) else { return };
        let mut addrs: Vec<Multiaddr> =
            peers.into_iter().filter(|p| p.peer_id == target).flat_map(|p| p.addrs).collect();
        if addrs.is_empty() {
            addrs = known_addrs(swarm, target);
        }
        addrs.dedup();
        let found = !addrs.is_empty();
        if let Some(q) = self.queries.get_mut(&qid) {
            if found {
                q.found.insert(target);
            }
            if let Reply::Peer(_) = q.reply {
                let reply = std::mem::replace(&mut q.reply, Reply::Answered);
                if let Reply::Peer(tx) = reply {
                    let answer =
                        if found { Ok(addrs) } else { Err(error.clone().unwrap_or_else(|| "not found".into())) };
                    let _ = tx.send(answer);
                }
            }
        }
        let error = if found { None } else { Some(error.unwrap_or_else(|| "not found".into())) };
        self.finish(swarm, qid, error, events);
    }

    /// The DHT's part of query `qid` ended (or the whole query, through [`Routing::end`]): the query closes unless
    /// routers are still answering it.
    pub(super) fn finish(
        &mut self,
        _swarm: &mut Swarm<Behaviour>,
        qid: QueryId,
        error: Option<String>,
        events: &mut EventSink,
    ) {
        if self.dht_done_first(qid, &error, events) {
            return;
        }
        let Some(q) = self.queries.remove(&qid) else { return };
        q.cancel.store(true, std::sync::atomic::Ordering::Relaxed);
        let ms = q.started.elapsed().as_millis() as u64;
        let count = match q.kind {
            QueryKind::Provide => q.limit as u64,
            _ => q.found.len() as u64,
        };
        self.recent.finished(&q, count, error.as_deref(), Instant::now());
        match (&q.reply, q.cid) {
            (Reply::Search { .. }, Some(cid)) => self.planner.finished(&cid),
            (Reply::Provide, Some(cid)) => {
                self.provides.finished(&cid, error.is_none());
                let answer = match &error {
                    None => Ok(count),
                    Some(e) => Err(e.clone()),
                };
                self.answer_provide(&cid, answer);
            }
            _ => {}
        }
        if q.dht_done {
            return; // its routing_done went out when the DHT finished
        }
        events.emit(NodeEvent::RoutingDone {
            query: q.id,
            kind: q.kind,
            key: q.key,
            source: RoutingSource::Dht,
            ms,
            count,
            error,
        });
    }
}
