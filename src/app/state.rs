//! `AppState` and its reducer: node events and operation results in, state out. No I/O here, so it is tested by
//! feeding events. Every collection is bounded (ring buffers, retention), so a long session does not grow.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use crate::node::events::{Direction, EntryKind, Event, NodeEvent, OpId, PeerSnapshot, Wantlists};

use super::series::Series;

/// Rows kept in the transfer log.
pub const MAX_TRANSFERS: usize = 10_000;
/// Lines kept in the log pane.
pub const MAX_LOG: usize = 1_000;
/// Finished operations kept.
pub const MAX_FINISHED_OPS: usize = 100;

/// The panes, in tab order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pane {
    Peers,
    Wantlists,
    Ledger,
    Transfers,
    Operations,
    Explorer,
    Log,
}

impl Pane {
    pub const ALL: [Pane; 7] =
        [Pane::Peers, Pane::Wantlists, Pane::Ledger, Pane::Transfers, Pane::Operations, Pane::Explorer, Pane::Log];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Peers => "Peers",
            Pane::Wantlists => "Wantlists",
            Pane::Ledger => "Ledger",
            Pane::Transfers => "Transfers",
            Pane::Operations => "Operations",
            Pane::Explorer => "Explorer",
            Pane::Log => "Log",
        }
    }
}

/// What the app learns besides node events.
#[derive(Clone, Debug)]
pub enum AppEvent {
    /// A node event; its `at_ms` is the time of everything it changes, and moves "now" forward.
    Node(Event),
    /// Time passes (ages, rates), on the node's clock (ms since it started); never moves "now" back.
    Tick {
        now_ms: u64,
    },
    Log(String),
    OpStarted {
        id: OpId,
        kind: String,
        target: String,
    },
    OpDone {
        id: OpId,
        result: Result<String, String>,
    },
    Status {
        text: String,
        error: bool,
    },
    /// The store's totals, refreshed now and then.
    Stored {
        blocks: u64,
        bytes: u64,
    },
    /// Something to show over the panes (cat, ls).
    Preview {
        title: String,
        body: String,
    },
    /// The DAG under a CID as far as the local store has it.
    Explored {
        root: String,
        rows: Vec<DagRow>,
        truncated: bool,
    },
}

/// One node of the explorer's tree.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DagRow {
    pub depth: usize,
    pub name: String,
    pub cid: String,
    /// Block length when present; the link's cumulative size otherwise.
    pub size: u64,
    pub kind: String,
    pub present: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct PeerRow {
    pub peer: String,
    pub addr: String,
    pub direction: String,
    pub transport: String,
    pub agent: String,
    pub bitswap: String,
    pub rtt_ms: Option<f64>,
    pub connected_at_ms: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub wants_in: usize,
    pub wants_out: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TransferRow {
    pub at_ms: u64,
    pub direction: Direction,
    pub peer: String,
    pub kind: EntryKind,
    pub cid: String,
    pub size: Option<u64>,
    pub latency_ms: Option<f64>,
}

/// Answers to one of our wants, from the events.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Answers {
    pub haves: usize,
    pub dont_haves: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Operation {
    pub id: OpId,
    pub kind: String,
    pub target: String,
    pub started_ms: u64,
    pub blocks: u64,
    pub bytes: u64,
    pub total: Option<u64>,
    pub finished_ms: Option<u64>,
    pub result: Option<Result<String, String>>,
}

/// Narrows the transfer log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub peer: Option<String>,
    pub cid: Option<String>,
    pub kind: Option<String>,
}

impl Filter {
    /// `peer:X cid:Y kind:BLOCK`, or any bare word as a CID or peer fragment.
    pub fn parse(text: &str) -> Self {
        let mut f = Filter::default();
        for w in text.split_whitespace() {
            match w.split_once(':') {
                Some(("peer", v)) => f.peer = Some(v.to_string()),
                Some(("cid", v)) => f.cid = Some(v.to_string()),
                Some(("kind", v)) => f.kind = Some(v.to_uppercase()),
                _ => f.cid = Some(w.to_string()),
            }
        }
        f
    }

    pub fn is_empty(&self) -> bool {
        self == &Filter::default()
    }

    pub fn matches(&self, row: &TransferRow) -> bool {
        self.peer.as_ref().is_none_or(|p| row.peer.contains(p.as_str()))
            && self.cid.as_ref().is_none_or(|c| row.cid.contains(c.as_str()))
            && self.kind.as_ref().is_none_or(|k| kind_name(row.kind) == k.as_str())
    }
}

pub fn kind_name(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::WantHave => "WANT_HAVE",
        EntryKind::WantBlock => "WANT_BLOCK",
        EntryKind::Have => "HAVE",
        EntryKind::DontHave => "DONT_HAVE",
        EntryKind::Block => "BLOCK",
        EntryKind::Cancel => "CANCEL",
    }
}

#[derive(Clone, Debug, Default)]
pub struct AppState {
    /// The node's clock (ms since it started): the newest event's `at_ms`, or later when ticks moved it.
    pub now_ms: u64,
    /// Wall-clock time of the node's start (`ready`), to show node times as times of day.
    pub started_unix_ms: u64,
    pub peer_id: String,
    pub listen: Vec<String>,
    pub peers: BTreeMap<String, PeerRow>,
    pub ledgers: Vec<PeerSnapshot>,
    pub wantlists: Wantlists,
    /// HAVE / DONT_HAVE answers to our wants, by CID.
    pub answers: HashMap<String, Answers>,
    /// (peer, CID) pairs we answered DONT_HAVE: their wants we could not serve.
    pub unserved: HashSet<(String, String)>,
    pub transfers: VecDeque<TransferRow>,
    /// Transfer rows that arrived while paused are still kept; the view shows the log as it was.
    pub paused_at: Option<usize>,
    pub filter: Filter,
    pub ops: Vec<Operation>,
    pub log: VecDeque<String>,
    pub status: Option<(String, bool)>,
    pub dropped: u64,
    pub bytes_in: Series,
    pub bytes_out: Series,
    pub stored_blocks: u64,
    pub stored_bytes: u64,
    // View state: what is focused and selected (the UI only reads it).
    pub pane: Option<Pane>,
    pub selected: HashMap<Pane, usize>,
    pub sort_column: usize,
    pub help: bool,
    pub input_focused: bool,
    pub input: tui_input::Input,
    pub preview: Option<(String, String)>,
    pub explorer: Option<(String, Vec<DagRow>, bool)>,
    /// A CID the user asked to explore with a key (the loop turns it into an `explore` command).
    pub explore_request: Option<String>,
    pub quit: bool,
    /// Something changed since the last frame.
    pub dirty: bool,
}

impl AppState {
    pub fn new() -> Self {
        Self { pane: Some(Pane::Peers), dirty: true, ..Default::default() }
    }

    pub fn pane(&self) -> Pane {
        self.pane.unwrap_or(Pane::Peers)
    }

    /// The reducer.
    pub fn apply(&mut self, event: AppEvent) {
        self.dirty = true;
        match event {
            AppEvent::Node(e) => {
                self.advance(e.at_ms);
                self.apply_node(e.at_ms, e.kind);
            }
            AppEvent::Tick { now_ms } => self.advance(now_ms),
            AppEvent::Log(line) => self.push_log(line),
            AppEvent::OpStarted { id, kind, target } => self.ops.push(Operation {
                id,
                kind,
                target,
                started_ms: self.now_ms,
                blocks: 0,
                bytes: 0,
                total: None,
                finished_ms: None,
                result: None,
            }),
            AppEvent::OpDone { id, result } => {
                let line = match &result {
                    Ok(s) => (s.clone(), false),
                    Err(e) => (e.clone(), true),
                };
                if let Some(op) = self.ops.iter_mut().find(|o| o.id == id) {
                    op.finished_ms = Some(self.now_ms);
                    op.result = Some(result);
                    self.status = Some((format!("{} {}: {}", op.kind, op.target, line.0), line.1));
                }
                self.retain_ops();
            }
            AppEvent::Status { text, error } => {
                if error {
                    self.push_log(format!("error: {text}"));
                }
                self.status = Some((text, error));
            }
            AppEvent::Preview { title, body } => self.preview = Some((title, body)),
            AppEvent::Explored { root, rows, truncated } => {
                self.explorer = Some((root, rows, truncated));
                self.pane = Some(Pane::Explorer);
                self.selected.insert(Pane::Explorer, 0);
            }
            AppEvent::Stored { blocks, bytes } => {
                self.stored_blocks = blocks;
                self.stored_bytes = bytes;
            }
        }
    }

    /// Moves "now" to `now_ms` if that is later: node events and ticks may interleave out of step.
    fn advance(&mut self, now_ms: u64) {
        self.now_ms = self.now_ms.max(now_ms);
        self.bytes_in.advance(self.now_ms);
        self.bytes_out.advance(self.now_ms);
    }

    fn retain_ops(&mut self) {
        let finished = self.ops.iter().filter(|o| o.finished_ms.is_some()).count();
        if finished > MAX_FINISHED_OPS {
            let mut drop = finished - MAX_FINISHED_OPS;
            self.ops.retain(|o| {
                if drop > 0 && o.finished_ms.is_some() {
                    drop -= 1;
                    false
                } else {
                    true
                }
            });
        }
    }

    fn push_log(&mut self, line: String) {
        self.log.push_back(line);
        while self.log.len() > MAX_LOG {
            self.log.pop_front();
        }
    }

    /// A node event that happened at `at` (node clock): every time it records is `at`, never a clock read here.
    fn apply_node(&mut self, at: u64, e: NodeEvent) {
        match e {
            NodeEvent::Ready { peer_id, listen, started_unix_ms, .. } => {
                self.peer_id = peer_id;
                self.listen = listen;
                self.started_unix_ms = started_unix_ms;
            }
            NodeEvent::ListenAddr { .. } => {}
            // Routing (issue 12): shown by the Routing pane once it exists.
            NodeEvent::RoutingQuery { .. }
            | NodeEvent::ProviderFound { .. }
            | NodeEvent::RoutingDone { .. }
            | NodeEvent::DialFailed { .. }
            | NodeEvent::DhtMode { .. }
            | NodeEvent::RoutingStatus(_) => {}
            NodeEvent::Connected { peer, addr, direction, transport } => {
                let row = self.peers.entry(peer.clone()).or_default();
                if row.peer.is_empty() {
                    row.connected_at_ms = at;
                }
                row.peer = peer;
                row.addr = addr;
                row.direction = direction.to_string();
                row.transport = transport.to_string();
            }
            NodeEvent::Disconnected { peer, .. } => {
                self.peers.remove(&peer);
            }
            NodeEvent::Identified { peer, agent, protocols } => {
                let row = self.peers.entry(peer.clone()).or_default();
                row.peer = peer;
                row.agent = agent;
                row.bitswap = ["1.2.0", "1.1.0", "1.0.0"]
                    .iter()
                    .find(|v| protocols.iter().any(|p| p == &format!("/ipfs/bitswap/{v}")))
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "-".into());
            }
            NodeEvent::Ping { peer, rtt_ms } => {
                if let Some(row) = self.peers.get_mut(&peer) {
                    row.rtt_ms = Some(rtt_ms);
                }
            }
            NodeEvent::Bitswap { direction, peer, kind, cid, size, latency_ms } => {
                match (direction, kind) {
                    (Direction::In, EntryKind::Block) => self.bytes_in.add(at, size.unwrap_or(0)),
                    (Direction::Out, EntryKind::Block) => self.bytes_out.add(at, size.unwrap_or(0)),
                    (Direction::In, EntryKind::Have) => self.answers.entry(cid.clone()).or_default().haves += 1,
                    (Direction::In, EntryKind::DontHave) => {
                        self.answers.entry(cid.clone()).or_default().dont_haves += 1
                    }
                    (Direction::Out, EntryKind::DontHave) => {
                        self.unserved.insert((peer.clone(), cid.clone()));
                    }
                    _ => {}
                }
                self.transfers.push_back(TransferRow { at_ms: at, direction, peer, kind, cid, size, latency_ms });
                while self.transfers.len() > MAX_TRANSFERS {
                    self.transfers.pop_front();
                    if let Some(p) = self.paused_at.as_mut() {
                        *p = p.saturating_sub(1);
                    }
                }
            }
            NodeEvent::BlockRejected { peer, cid, reason, .. } => {
                self.push_log(format!("rejected block {cid} from {peer}: {reason}"));
            }
            NodeEvent::ProtocolError { peer, error, .. } => {
                self.push_log(format!("protocol error from {peer}: {error}"))
            }
            NodeEvent::Progress { op, blocks, bytes, total_bytes, .. } => {
                // The last progress can arrive after the operation's result (they travel on different channels).
                if let Some(op) = self.ops.iter_mut().find(|o| o.id == op && o.bytes <= bytes) {
                    op.blocks = blocks;
                    op.bytes = bytes;
                    op.total = total_bytes.or(op.total);
                }
            }
            // The store's totals are polled; views that follow the store come later.
            NodeEvent::Stored { .. } | NodeEvent::StoreResync { .. } => {}
            NodeEvent::Error { message } => {
                self.push_log(format!("error: {message}"));
                self.status = Some((message, true));
            }
            // Cumulative from the node (and from a relay, which adds what it missed).
            NodeEvent::Dropped { count } => self.dropped = self.dropped.max(count),
            NodeEvent::Snapshot { peers, wantlists, dropped_events } => {
                self.dropped = self.dropped.max(dropped_events);
                for p in &peers {
                    let row = self.peers.entry(p.peer.clone()).or_default();
                    row.peer = p.peer.clone();
                    row.bytes_in = p.ledger.bytes_received;
                    row.bytes_out = p.ledger.bytes_sent;
                    row.wants_in = wantlists.theirs.get(&p.peer).map_or(0, |w| w.len());
                    if row.agent.is_empty() {
                        row.agent = p.agent.clone().unwrap_or_default();
                    }
                    if row.addr.is_empty() {
                        row.addr = p.addr.clone().unwrap_or_default();
                    }
                }
                // The snapshot is the truth: peers it does not list are gone.
                let live: HashSet<&String> = peers.iter().map(|p| &p.peer).collect();
                self.peers.retain(|k, _| live.contains(k));
                let ours = wantlists.ours.len();
                for row in self.peers.values_mut() {
                    row.wants_out = ours;
                }
                let wanted: HashSet<&String> = wantlists.ours.iter().map(|w| &w.cid).collect();
                self.answers.retain(|cid, _| wanted.contains(cid));
                self.ledgers = peers;
                self.wantlists = wantlists;
            }
        }
    }

    /// The transfer rows the view shows: frozen at the pause point, filtered.
    pub fn visible_transfers(&self) -> impl DoubleEndedIterator<Item = &TransferRow> {
        let end = self.paused_at.unwrap_or(self.transfers.len()).min(self.transfers.len());
        self.transfers.range(..end).filter(|r| self.filter.matches(r))
    }

    /// Peer rows sorted by the chosen column.
    pub fn sorted_peers(&self) -> Vec<&PeerRow> {
        let mut rows: Vec<&PeerRow> = self.peers.values().collect();
        match self.sort_column % 4 {
            1 => rows.sort_by(|a, b| a.rtt_ms.unwrap_or(f64::MAX).total_cmp(&b.rtt_ms.unwrap_or(f64::MAX))),
            2 => rows.sort_by_key(|r| std::cmp::Reverse(r.bytes_in)),
            3 => rows.sort_by_key(|r| std::cmp::Reverse(r.bytes_out)),
            _ => {}
        }
        rows
    }

    /// CIDs and peer ids seen, for Tab completion.
    pub fn known_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.peers.keys().cloned().collect();
        ids.extend(self.transfers.iter().rev().take(500).map(|t| t.cid.clone()));
        ids.extend(self.ops.iter().filter_map(|o| o.result.as_ref().and_then(|r| r.as_ref().ok()).cloned()));
        ids.sort();
        ids.dedup();
        ids
    }
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
