//! "Why stuck?": exactly one reason per pending want, from a fixed set, with its evidence. A pure function of the
//! CID's trace, what the node has now (connected peers and their Bitswap versions, whether routing can search) and
//! the time, so that it is tested from mark sequences on a fake clock.
//!
//! The reasons, in the order they are tried (the first that holds wins):
//! 1. `bad_block`: a block from a peer we asked failed verification (or was another block);
//! 2. `receiving`: a connected peer said HAVE and the block is on its way;
//! 3. peers we asked are connected:
//!    - some are silent: `no_presences` when every silent one speaks Bitswap 1.0/1.1 (they cannot say
//!      DONT_HAVE), else `no_answer` (asked N, silent for so long);
//!    - all said DONT_HAVE: what routing does about it when it can search (`finding_providers`,
//!      `dial_failed`, `no_providers`), else `all_dont_have`;
//! 4. nobody we asked is connected: `finding_providers` (a search runs), `dial_failed` (providers found, every
//!    dial failed), `no_providers` (routing searched and found none), `no_peers` (no Bitswap peer connected),
//!    `routing_off` (peers connected but none to ask, and routing cannot search), else `no_answer` (none asked yet).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{CidTrace, MarkKind};

/// A want unanswered this long is past the timeout (the client moves a WANT_BLOCK after it: boxo's 5 s).
pub const ANSWER_TIMEOUT_MS: u64 = 5_000;

/// The reasons a want is pending (issue 14's contract set).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    NoPeers,
    RoutingOff,
    FindingProviders,
    NoProviders,
    DialFailed,
    AllDontHave,
    NoAnswer,
    NoPresences,
    BadBlock,
    Receiving,
}

impl Reason {
    pub fn name(self) -> &'static str {
        match self {
            Reason::NoPeers => "no_peers",
            Reason::RoutingOff => "routing_off",
            Reason::FindingProviders => "finding_providers",
            Reason::NoProviders => "no_providers",
            Reason::DialFailed => "dial_failed",
            Reason::AllDontHave => "all_dont_have",
            Reason::NoAnswer => "no_answer",
            Reason::NoPresences => "no_presences",
            Reason::BadBlock => "bad_block",
            Reason::Receiving => "receiving",
        }
    }
}

/// A peer and what it said or failed with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PeerNote {
    pub peer: String,
    pub note: String,
}

/// What backs a reason; each reason fills its own fields (the rest are left out of the JSON).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// The peers the reason is about: who said DONT_HAVE, who is silent, who sent a bad block, who said HAVE.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub peers: Vec<String>,
    /// Per peer: a dial error, a bad block's fault, a Bitswap version.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<PeerNote>,
    /// Connected peers we asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asked: Option<usize>,
    /// How long the silent peers have been silent (since the first of them was asked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waited_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    /// When it started (`at_ms`): the running search, the first HAVE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since_ms: Option<u64>,
    /// Providers found (the running search's, or in all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found: Option<usize>,
    /// Provider searches run for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub searches: Option<usize>,
    /// The last search's error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Peers connected now (any protocol).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connected: Option<usize>,
    /// Whether routing can search (DHT peers known or a delegated router).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing: Option<bool>,
}

/// One reason with its evidence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Why {
    pub reason: Reason,
    pub evidence: Evidence,
}

/// A connected peer, as the classifier needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct PeerView {
    pub peer: String,
    pub bitswap: bool,
    /// The Bitswap version negotiated ("1.2.0"), once a stream exists.
    pub version: Option<String>,
}

/// What the node has now.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NodeView {
    /// The node's clock (`at_ms` of an event published now).
    pub now_ms: u64,
    pub peers: Vec<PeerView>,
    /// Routing can search: the DHT knows peers, or a delegated router is set.
    pub routing_on: bool,
}

/// Where a peer stands with our want, from its marks in order.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Stand {
    Asked(u64),
    Have(u64),
    DontHave,
    Cancelled,
}

/// The search side of a trace.
#[derive(Default)]
struct Search {
    searches: usize,
    running_since: Option<u64>,
    found_now: usize,
    providers: BTreeSet<String>,
    last_error: Option<String>,
    /// Per provider: the last dial outcome (`None`: connected).
    dials: BTreeMap<String, Option<String>>,
}

fn search_of(trace: &CidTrace) -> Search {
    let mut s = Search::default();
    for m in &trace.marks {
        match m.kind {
            MarkKind::SearchStart => {
                s.searches += 1;
                s.running_since = Some(m.at_ms);
                s.found_now = 0;
            }
            MarkKind::SearchEnd => {
                s.running_since = None;
                s.last_error = m.detail.as_deref().and_then(|d| d.split_once("; ")).map(|(_, e)| e.to_string());
            }
            MarkKind::ProviderFound => {
                s.found_now += 1;
                s.providers.extend(m.peer.clone());
            }
            MarkKind::DialFailed => {
                if let Some(p) = &m.peer {
                    s.dials.insert(p.clone(), Some(m.detail.clone().unwrap_or_default()));
                }
            }
            MarkKind::Connected => {
                if let Some(p) = &m.peer {
                    s.dials.insert(p.clone(), None);
                }
            }
            _ => {}
        }
    }
    s
}

/// The routing reason, when routing has something to say: a search running, every dial failed, none found.
fn routing_reason(s: &Search, view: &NodeView) -> Option<Why> {
    let ev = Evidence { searches: Some(s.searches), routing: Some(view.routing_on), ..Evidence::default() };
    if let Some(since) = s.running_since {
        let ev = Evidence { since_ms: Some(since), found: Some(s.found_now), ..ev };
        return Some(Why { reason: Reason::FindingProviders, evidence: ev });
    }
    let failed: Vec<PeerNote> = s
        .providers
        .iter()
        .filter_map(|p| s.dials.get(p).cloned().flatten().map(|e| PeerNote { peer: p.clone(), note: e }))
        .collect();
    if !s.providers.is_empty() && failed.len() == s.providers.len() {
        let ev = Evidence { found: Some(s.providers.len()), notes: failed, ..ev };
        return Some(Why { reason: Reason::DialFailed, evidence: ev });
    }
    if s.searches > 0 && s.providers.is_empty() && view.routing_on {
        let ev = Evidence { found: Some(0), error: s.last_error.clone(), ..ev };
        return Some(Why { reason: Reason::NoProviders, evidence: ev });
    }
    None
}

fn old_version(v: Option<&str>) -> bool {
    matches!(v, Some("1.0.0" | "1.1.0" | "/ipfs/bitswap"))
}

/// The one reason `trace`'s CID is still pending (it is: the caller checked the wantlist).
pub fn classify(trace: Option<&CidTrace>, view: &NodeView) -> Why {
    let empty = CidTrace::default();
    let trace = trace.unwrap_or(&empty);
    let connected: BTreeMap<&str, &PeerView> = view.peers.iter().map(|p| (p.peer.as_str(), p)).collect();
    let mut stand: BTreeMap<&str, Stand> = BTreeMap::new();
    let mut bad: Vec<PeerNote> = Vec::new();
    for m in &trace.marks {
        let Some(peer) = m.peer.as_deref() else { continue };
        let now = stand.get(peer).copied();
        let next = match (m.kind, now) {
            (MarkKind::WantHave | MarkKind::WantBlock, Some(Stand::Have(t))) => Stand::Have(t),
            (MarkKind::WantHave | MarkKind::WantBlock, Some(Stand::Asked(t))) => Stand::Asked(t),
            (MarkKind::WantHave | MarkKind::WantBlock, _) => Stand::Asked(m.at_ms),
            (MarkKind::Have, _) => Stand::Have(m.at_ms),
            (MarkKind::DontHave, _) => Stand::DontHave,
            (MarkKind::Cancel | MarkKind::Block, _) => Stand::Cancelled,
            (MarkKind::BadBlock, _) => {
                if !bad.iter().any(|n| n.peer == peer) {
                    bad.push(PeerNote { peer: peer.to_string(), note: m.detail.clone().unwrap_or_default() });
                }
                continue;
            }
            _ => continue,
        };
        stand.insert(peer, next);
    }
    if !bad.is_empty() {
        let peers = bad.iter().map(|n| n.peer.clone()).collect();
        return Why { reason: Reason::BadBlock, evidence: Evidence { peers, notes: bad, ..Evidence::default() } };
    }
    let asked: Vec<(&str, Stand)> = stand
        .iter()
        .filter(|(p, s)| connected.contains_key(*p) && **s != Stand::Cancelled)
        .map(|(p, s)| (*p, *s))
        .collect();
    let haves: Vec<(&str, u64)> =
        asked.iter().filter_map(|(p, s)| if let Stand::Have(t) = s { Some((*p, *t)) } else { None }).collect();
    if let Some(since) = haves.iter().map(|(_, t)| *t).min() {
        let peers = haves.iter().map(|(p, _)| p.to_string()).collect();
        let ev = Evidence { peers, since_ms: Some(since), ..Evidence::default() };
        return Why { reason: Reason::Receiving, evidence: ev };
    }
    let search = search_of(trace);
    if !asked.is_empty() {
        let silent: Vec<(&str, u64)> =
            asked.iter().filter_map(|(p, s)| if let Stand::Asked(t) = s { Some((*p, *t)) } else { None }).collect();
        if silent.is_empty() {
            if let Some(why) = routing_reason(&search, view).filter(|_| view.routing_on) {
                return why;
            }
            let peers = asked.iter().map(|(p, _)| p.to_string()).collect();
            let ev =
                Evidence { peers, asked: Some(asked.len()), routing: Some(view.routing_on), ..Evidence::default() };
            return Why { reason: Reason::AllDontHave, evidence: ev };
        }
        let peers: Vec<String> = silent.iter().map(|(p, _)| p.to_string()).collect();
        let versions: Vec<Option<&str>> =
            silent.iter().map(|(p, _)| connected.get(p).and_then(|v| v.version.as_deref())).collect();
        if versions.iter().all(|v| old_version(*v)) {
            let notes = peers
                .iter()
                .zip(&versions)
                .map(|(p, v)| PeerNote { peer: p.clone(), note: format!("bitswap {}", v.unwrap_or("?")) })
                .collect();
            let ev = Evidence { peers, notes, asked: Some(asked.len()), ..Evidence::default() };
            return Why { reason: Reason::NoPresences, evidence: ev };
        }
        let first = silent.iter().map(|(_, t)| *t).min().unwrap_or(view.now_ms);
        let ev = Evidence {
            peers,
            asked: Some(asked.len()),
            waited_ms: Some(view.now_ms.saturating_sub(first)),
            timeout_ms: Some(ANSWER_TIMEOUT_MS),
            ..Evidence::default()
        };
        return Why { reason: Reason::NoAnswer, evidence: ev };
    }
    if let Some(why) = routing_reason(&search, view) {
        return why;
    }
    let bitswap = view.peers.iter().filter(|p| p.bitswap).count();
    let base = Evidence { connected: Some(view.peers.len()), routing: Some(view.routing_on), ..Evidence::default() };
    if bitswap == 0 && (view.peers.is_empty() || view.routing_on) {
        return Why { reason: Reason::NoPeers, evidence: base };
    }
    if bitswap == 0 {
        return Why { reason: Reason::RoutingOff, evidence: base };
    }
    Why { reason: Reason::NoAnswer, evidence: Evidence { asked: Some(0), ..base } }
}

fn ms(v: u64) -> String {
    if v < 1_000 { format!("{v} ms") } else { format!("{} s", v / 1_000) }
}

impl Why {
    /// A few words, for the Wantlists pane's status column and the last line of `why`.
    pub fn short(&self, now_ms: u64) -> String {
        let e = &self.evidence;
        let n = e.peers.len();
        match self.reason {
            Reason::NoPeers => "no peers".into(),
            Reason::RoutingOff => "routing off".into(),
            Reason::FindingProviders => {
                let since = e.since_ms.map(|s| ms(now_ms.saturating_sub(s))).unwrap_or_default();
                format!("finding providers ({since}, {} found)", e.found.unwrap_or(0))
            }
            Reason::NoProviders => "no providers found".into(),
            Reason::DialFailed => format!("dial failed ({} providers)", e.notes.len()),
            Reason::AllDontHave => format!("all {n} said DONT_HAVE"),
            Reason::NoAnswer => {
                format!("no answer from {} ({})", e.asked.unwrap_or(0), ms(e.waited_ms.unwrap_or(0)))
            }
            Reason::NoPresences => format!("no presences: {n} on bitswap 1.0/1.1"),
            Reason::BadBlock => format!("bad block from {n}"),
            Reason::Receiving => format!("receiving (HAVE from {n})"),
        }
    }
}
