//! The per-CID trace behind "why stuck?" and the timeline (issue 14 parts 2 and 3): for each CID this node wants
//! (and recently wanted), who was asked what, who answered what and when, the provider searches for it and the
//! dials to the providers found. Sans-I/O: fed every published event by the event sink (one hook, so the trace
//! sees exactly what consumers see, on the events' own clock `at_ms`), read by the classifier ([`why`]).
//!
//! Bounded: at most [`MAX_CIDS`] CIDs (CIDs no longer wanted are evicted first, then the oldest) and
//! [`MAX_MARKS`] marks per CID (the oldest dropped); both are counted.

use std::collections::{HashMap, HashSet, VecDeque};

use serde::{Deserialize, Serialize};

use super::events::{Direction, EntryKind, NodeEvent, QueryKind};

pub mod dag;
pub mod report;
pub mod why;

#[cfg(test)]
mod tests;

/// CIDs traced at most: a DAG fetch of thousands of blocks keeps its most recent ones.
pub const MAX_CIDS: usize = 4096;
/// Marks kept per CID: enough for a want broadcast to many peers, rebroadcast a few times.
pub const MAX_MARKS: usize = 256;
/// Providers remembered per CID, and CIDs per provider (to attach dial outcomes to the CIDs they were found for).
const MAX_PROVIDERS: usize = 32;
/// Wants remembered per peer (to blame a wrong block on the wants it held), and peers remembered: bounded work per
/// rejected block or dial, whatever a hostile peer sends.
const MAX_ASKED: usize = 256;
const MAX_PEERS: usize = 4096;

/// What happened to a CID at one moment, as the timeline shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MarkKind {
    /// We sent a WANT_HAVE.
    WantHave,
    /// We sent a WANT_BLOCK.
    WantBlock,
    /// We sent a CANCEL.
    Cancel,
    /// The peer said it has the block.
    Have,
    /// The peer said it has not.
    DontHave,
    /// The block arrived and was verified (`detail`: `duplicate` when it had already come from someone else).
    Block,
    /// A block from a peer we asked failed verification or was another block (`detail` says which).
    BadBlock,
    /// A provider search (or `routing findprovs`) started.
    SearchStart,
    /// A provider was found (`peer`).
    ProviderFound,
    /// The search ended (`detail`: providers found, or the error).
    SearchEnd,
    /// A provider found for this CID connected: the end of its dial span.
    Connected,
    /// A dial to a provider found for this CID failed (`detail`: the errors).
    DialFailed,
}

impl MarkKind {
    /// As the timeline and `why` print it.
    pub fn label(self) -> &'static str {
        match self {
            MarkKind::WantHave => "WANT_HAVE",
            MarkKind::WantBlock => "WANT_BLOCK",
            MarkKind::Cancel => "CANCEL",
            MarkKind::Have => "HAVE",
            MarkKind::DontHave => "DONT_HAVE",
            MarkKind::Block => "BLOCK",
            MarkKind::BadBlock => "BAD_BLOCK",
            MarkKind::SearchStart => "SEARCH_START",
            MarkKind::ProviderFound => "PROVIDER_FOUND",
            MarkKind::SearchEnd => "SEARCH_END",
            MarkKind::Connected => "CONNECTED",
            MarkKind::DialFailed => "DIAL_FAILED",
        }
    }
}

/// One mark on a CID's timeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mark {
    /// The event's `at_ms` (the node's clock).
    pub at_ms: u64,
    /// The peer it concerns; none for a search's start and end.
    pub peer: Option<String>,
    pub kind: MarkKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Everything kept of one CID.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CidTrace {
    pub cid: String,
    /// When it was first traced.
    pub first_ms: u64,
    pub marks: VecDeque<Mark>,
    /// Marks dropped past [`MAX_MARKS`] (the oldest).
    pub dropped_marks: u64,
    /// The block arrived (verified); a new want makes it live again.
    pub done: bool,
}

impl CidTrace {
    fn push(&mut self, mark: Mark) {
        if self.marks.len() >= MAX_MARKS {
            self.marks.pop_front();
            self.dropped_marks += 1;
        }
        self.marks.push_back(mark);
    }
}

/// The traces of the CIDs wanted now and recently.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    cids: HashMap<String, CidTrace>,
    /// CIDs in the order they were first traced (may hold evicted ones: skipped, compacted now and then).
    order: VecDeque<String>,
    /// CIDs in the order they were done, evicted first.
    done_order: VecDeque<String>,
    /// Traced CIDs not done.
    live: HashSet<String>,
    /// The CIDs we last sent each peer wants for (the newest [`MAX_ASKED`]), until it disconnects.
    asked: HashMap<String, VecDeque<String>>,
    /// The CIDs each peer was found a provider of.
    provides: HashMap<String, Vec<String>>,
    /// CIDs evicted so far to stay within [`MAX_CIDS`].
    pub evicted: u64,
    /// The blocks of recent DAG fetches, for their per-block rows and critical path.
    pub dags: dag::Dags,
}

fn mark(at_ms: u64, peer: Option<&str>, kind: MarkKind, detail: Option<String>) -> Mark {
    Mark { at_ms, peer: peer.map(str::to_string), kind, detail }
}

impl Trace {
    /// The trace of `cid` (as the node names it: the string its events carry), if kept.
    pub fn get(&self, cid: &str) -> Option<&CidTrace> {
        self.cids.get(cid)
    }

    pub fn len(&self) -> usize {
        self.cids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cids.is_empty()
    }

    /// Takes in one published event.
    pub fn observe(&mut self, at_ms: u64, event: &NodeEvent) {
        match event {
            NodeEvent::Bitswap { direction: Direction::Out, peer, kind, cid, .. } => {
                let kind = match kind {
                    EntryKind::WantHave => MarkKind::WantHave,
                    EntryKind::WantBlock => MarkKind::WantBlock,
                    EntryKind::Cancel => MarkKind::Cancel,
                    _ => return, // serving: not ours
                };
                let m = mark(at_ms, Some(peer), kind, None);
                if kind == MarkKind::Cancel {
                    self.add(cid, m);
                } else {
                    self.entry(cid, at_ms, m);
                    if self.asked.len() < MAX_PEERS || self.asked.contains_key(peer) {
                        let list = self.asked.entry(peer.clone()).or_default();
                        if !list.contains(cid) {
                            if list.len() >= MAX_ASKED {
                                list.pop_front();
                            }
                            list.push_back(cid.clone());
                        }
                    }
                }
            }
            NodeEvent::Bitswap { direction: Direction::In, peer, kind, cid, latency_ms, .. } => {
                let kind = match kind {
                    EntryKind::Have => MarkKind::Have,
                    EntryKind::DontHave => MarkKind::DontHave,
                    EntryKind::Block => MarkKind::Block,
                    _ => return, // their wants
                };
                let detail = (kind == MarkKind::Block && latency_ms.is_none()).then(|| "duplicate".to_string());
                self.add(cid, mark(at_ms, Some(peer), kind, detail));
                if kind == MarkKind::Block && latency_ms.is_some() {
                    self.finish(cid);
                }
            }
            NodeEvent::BlockRejected { peer, cid, reason, .. } => {
                let detail = if cid == "?" { reason.clone() } else { format!("{reason} (got {cid})") };
                if self.cids.get(cid.as_str()).is_some_and(|t| !t.done) {
                    self.add(cid, mark(at_ms, Some(peer), MarkKind::BadBlock, Some(detail)));
                    return;
                }
                // Another block than the one asked for: it counts against every want the peer holds of ours.
                let asked = self.asked.get(peer.as_str()).into_iter().flatten();
                let held: Vec<String> = asked
                    .filter(|c| self.cids.get(c.as_str()).is_some_and(|t| !t.done && holds_want(t, peer)))
                    .cloned()
                    .collect();
                for c in held {
                    self.add(&c, mark(at_ms, Some(peer), MarkKind::BadBlock, Some(detail.clone())));
                }
            }
            NodeEvent::RoutingQuery { query, kind, key, .. } => {
                let detail = Some(format!("query {query}"));
                match kind {
                    QueryKind::Search => self.entry(key, at_ms, mark(at_ms, None, MarkKind::SearchStart, detail)),
                    QueryKind::FindProviders => self.add(key, mark(at_ms, None, MarkKind::SearchStart, detail)),
                    _ => {}
                }
            }
            NodeEvent::ProviderFound { key, peer, source, .. } => {
                if let Some(t) = self.cids.get_mut(key.as_str()) {
                    t.push(mark(at_ms, Some(peer), MarkKind::ProviderFound, Some(source.to_string())));
                    if self.provides.len() >= MAX_PEERS && !self.provides.contains_key(peer) {
                        self.provides.clear(); // bounded; the oldest dial spans lose their ends
                    }
                    let of = self.provides.entry(peer.clone()).or_default();
                    if of.len() < MAX_PROVIDERS && !of.contains(key) {
                        of.push(key.clone());
                    }
                }
            }
            NodeEvent::RoutingDone {
                kind: QueryKind::Search | QueryKind::FindProviders, key, count, error, ..
            } => {
                let detail = match error {
                    Some(e) => format!("{count} found; {e}"),
                    None => format!("{count} found"),
                };
                self.add(key, mark(at_ms, None, MarkKind::SearchEnd, Some(detail)));
            }
            NodeEvent::DialFailed { peer: Some(peer), errors } => {
                let detail = errors
                    .iter()
                    .map(|e| if e.addr.is_empty() { e.error.clone() } else { format!("{}: {}", e.addr, e.error) })
                    .collect::<Vec<_>>()
                    .join("; ");
                self.mark_providers(peer, mark(at_ms, Some(peer), MarkKind::DialFailed, Some(detail)), false);
            }
            NodeEvent::Connected { peer, .. } => {
                self.mark_providers(peer, mark(at_ms, Some(peer), MarkKind::Connected, None), true);
            }
            NodeEvent::DagFetch { root, pending, queued, unknown_under, arrived, done, .. } => {
                let cids = &self.cids;
                let counts = (*pending, *queued, *unknown_under);
                self.dags.observe(at_ms, root, counts, arrived, *done, |c| cids.get(c));
            }
            NodeEvent::Disconnected { peer, .. } => {
                self.asked.remove(peer.as_str());
            }
            _ => {}
        }
    }

    /// Adds `m` to `cid` if it is traced.
    fn add(&mut self, cid: &str, m: Mark) {
        if let Some(t) = self.cids.get_mut(cid) {
            t.push(m);
        }
    }

    /// Adds `m` to every live CID `peer` was found a provider of; `end`: the dial span is over (connected), the
    /// peer is forgotten as a provider (a failed dial may be tried again).
    fn mark_providers(&mut self, peer: &str, m: Mark, end: bool) {
        let cids = if end { self.provides.remove(peer) } else { self.provides.get(peer).cloned() };
        for c in cids.unwrap_or_default() {
            if let Some(t) = self.cids.get_mut(c.as_str()).filter(|t| !t.done) {
                t.push(m.clone());
            }
        }
    }

    fn finish(&mut self, cid: &str) {
        if let Some(t) = self.cids.get_mut(cid).filter(|t| !t.done) {
            t.done = true;
            self.live.remove(cid);
            self.done_order.push_back(cid.to_string());
        }
    }

    /// Adds `m` to the trace of `cid`, created (evicting one past the cap) if new; a want makes it live again.
    fn entry(&mut self, cid: &str, at_ms: u64, m: Mark) {
        if !self.cids.contains_key(cid) {
            if self.cids.len() >= MAX_CIDS {
                self.evict();
            }
            self.order.push_back(cid.to_string());
            self.live.insert(cid.to_string());
            let t = CidTrace { cid: cid.to_string(), first_ms: at_ms, ..CidTrace::default() };
            self.cids.insert(cid.to_string(), t);
            if self.order.len() > 4 * MAX_CIDS {
                let cids = &self.cids;
                self.order.retain(|c| cids.contains_key(c));
                self.done_order.retain(|c| cids.get(c).is_some_and(|t| t.done));
            }
        }
        if let Some(t) = self.cids.get_mut(cid) {
            t.push(m);
            if t.done {
                t.done = false;
                self.live.insert(cid.to_string());
            }
        }
    }

    /// Drops one CID: the first done, else the oldest.
    fn evict(&mut self) {
        while let Some(c) = self.done_order.pop_front() {
            if self.cids.get(&c).is_some_and(|t| t.done) {
                self.cids.remove(&c);
                self.evicted += 1;
                return;
            }
        }
        while let Some(c) = self.order.pop_front() {
            if self.cids.remove(&c).is_some() {
                self.live.remove(&c);
                self.evicted += 1;
                return;
            }
        }
    }
}

/// Whether `peer` holds a want of ours in `t`: it was sent one and has neither answered it nor been cancelled.
fn holds_want(t: &CidTrace, peer: &str) -> bool {
    let last = t.marks.iter().rev().find(|m| m.peer.as_deref() == Some(peer)).map(|m| m.kind);
    matches!(last, Some(MarkKind::WantBlock | MarkKind::WantHave | MarkKind::Have | MarkKind::BadBlock))
}

#[cfg(test)]
mod dag_tests;
