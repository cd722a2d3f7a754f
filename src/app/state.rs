//! `AppState`: what the TUI shows, written only by the reducer (`update`), read by `ui`. Every collection is
//! bounded (ring buffers, retention), so a long session does not grow.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use std::path::PathBuf;

use cid::Cid;

use super::job::Target;
use super::series::Series;
use crate::node::events::{Direction, EntryKind, OpId, PeerSnapshot, Wantlists};
use crate::ops::explore::Explored;

/// A line of the Log pane: when it came (node clock, ms since start: the pane shows it as wall time) and what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    pub at_ms: u64,
    pub text: String,
}

/// Rows kept in the transfer log.
pub const MAX_TRANSFERS: usize = 10_000;
/// Lines kept in the log pane.
pub const MAX_LOG: usize = 1_000;
/// (peer, CID) pairs we answered DONT_HAVE kept between snapshots (a snapshot prunes them to live wants).
pub const MAX_UNSERVED: usize = 100_000;
/// Peers that left kept (greyed, with their ledgers); the oldest to leave go first.
pub const MAX_GONE_PEERS: usize = 256;
/// Addresses kept per peer.
pub const MAX_ADDRS: usize = 8;
/// Ping round trips kept per peer.
pub const MAX_PINGS: usize = 32;
/// Latency and throughput samples kept per peer (one per snapshot: two minutes), for the detail's sparklines.
pub const MAX_SAMPLES: usize = 120;
/// Finished operations kept.
pub const MAX_FINISHED_OPS: usize = 100;

/// How long a result stays in the status line.
pub const STATUS_OK_MS: u64 = 10_000;
/// How long an error stays in the status line.
pub const STATUS_ERROR_MS: u64 = 30_000;

/// The panes, in tab order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pane {
    Peers,
    Wantlists,
    Ledger,
    Transfers,
    Operations,
    Explorer,
    Routing,
    Log,
}

impl Pane {
    pub const ALL: [Pane; 8] = [
        Pane::Peers,
        Pane::Wantlists,
        Pane::Ledger,
        Pane::Transfers,
        Pane::Operations,
        Pane::Explorer,
        Pane::Routing,
        Pane::Log,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Peers => "Peers",
            Pane::Wantlists => "Wantlists",
            Pane::Ledger => "Ledger",
            Pane::Transfers => "Transfers",
            Pane::Operations => "Operations",
            Pane::Explorer => "Explorer",
            Pane::Log => "Log",
            Pane::Routing => "Routing",
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct PeerRow {
    pub peer: String,
    pub addr: String,
    pub direction: String,
    pub transport: String,
    pub agent: String,
    pub bitswap: String,
    pub rtt_ms: Option<f64>,
    /// The last [`MAX_PINGS`] ping round trips (libp2p ping), oldest first: the detail's min / avg / max.
    pub rtts: VecDeque<f64>,
    pub connected_at_ms: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub wants_in: usize,
    pub wants_out: usize,
    /// Every protocol it announced (identify).
    pub protocols: Vec<String>,
    /// Every address it was seen at, newest last (bounded).
    pub addrs: Vec<String>,
    /// When it left (node clock); `None` while connected. A peer that left stays, greyed, with its ledger.
    pub gone_at_ms: Option<u64>,
    /// Its ledger as the last snapshot had it.
    pub ledger: Option<crate::node::bitswap::ledger::Ledger>,
    /// Block bytes from and to it, per second: the detail's graph.
    pub rate_in: Series,
    pub rate_out: Series,
    /// Every connection goes through a relay (the last snapshot said so).
    pub relayed: bool,
    /// What our fetches measured of it, one sample per snapshot (the last [`MAX_SAMPLES`]), oldest first: latency
    /// in tenths of a ms (0: none measured yet) and delivery throughput in bytes/s. The detail's sparklines.
    pub latency_samples: VecDeque<u64>,
    pub throughput_samples: VecDeque<u64>,
}

/// Appends `v` to a ring of the last `max` values, oldest first.
fn push_bounded<T>(ring: &mut VecDeque<T>, v: T, max: usize) {
    ring.push_back(v);
    while ring.len() > max {
        ring.pop_front();
    }
}

impl PeerRow {
    pub fn connected(&self) -> bool {
        self.gone_at_ms.is_none()
    }

    /// A ping round trip came back.
    pub fn pinged(&mut self, rtt_ms: f64) {
        self.rtt_ms = Some(rtt_ms);
        push_bounded(&mut self.rtts, rtt_ms, MAX_PINGS);
    }

    /// A snapshot's figures for it: latency (its moving average, else the last ping) and throughput.
    pub fn sampled(&mut self, latency_ms: Option<f64>, throughput_bps: Option<f64>) {
        let latency = latency_ms.or(self.rtt_ms).map_or(0, |ms| (ms * 10.0).round() as u64);
        for (ring, v) in [
            (&mut self.latency_samples, latency),
            (&mut self.throughput_samples, throughput_bps.map_or(0, |b| b as u64)),
        ] {
            push_bounded(ring, v, MAX_SAMPLES);
        }
    }

    /// Min, average and max of the kept ping round trips, if any came back.
    pub fn rtt_stats(&self) -> Option<(f64, f64, f64)> {
        let n = self.rtts.len();
        if n == 0 {
            return None;
        }
        let min = self.rtts.iter().copied().fold(f64::MAX, f64::min);
        let max = self.rtts.iter().copied().fold(0.0, f64::max);
        Some((min, self.rtts.iter().sum::<f64>() / n as f64, max))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TransferRow {
    /// Counts up from 0 in arrival order: what the selection holds on to while rows arrive.
    pub id: u64,
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
    pub target: Target,
    pub started_ms: u64,
    pub blocks: u64,
    pub bytes: u64,
    pub total: Option<u64>,
    pub finished_ms: Option<u64>,
    pub result: Option<Result<String, String>>,
    /// The root it produced (`put`, `add`, `import`).
    pub root: Option<Cid>,
}

impl Operation {
    /// The CID this operation is about: its target, or the root it produced.
    pub fn cid(&self) -> Option<Cid> {
        match &self.target {
            Target::Cid(c) => Some(*c),
            _ => self.root,
        }
    }
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
                // A prefix: `kind:want` is both WANT_HAVE and WANT_BLOCK; `-` for `_` (`kind:dont-have`).
                Some(("kind", v)) => f.kind = Some(v.to_uppercase().replace('-', "_")),
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
            && self.kind.as_ref().is_none_or(|k| kind_name(row.kind).starts_with(k.as_str()))
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
    /// When the last snapshot came (node clock): wantlist ages are as of then, and the panes say how long ago.
    pub wantlists_at_ms: u64,
    /// A `repo stat` is running: the heartbeat asks for no other until it answers.
    pub stat_in_flight: bool,
    /// HAVE / DONT_HAVE answers to our wants, by CID.
    pub answers: HashMap<String, Answers>,
    /// (peer, CID) pairs we answered DONT_HAVE: their wants we could not serve.
    pub unserved: HashSet<(String, String)>,
    pub transfers: VecDeque<TransferRow>,
    /// The id the next transfer row gets.
    pub next_transfer: u64,
    /// Transfer rows that arrived while paused are still kept; the view shows the log as it was.
    pub paused_at: Option<usize>,
    pub filter: Filter,
    pub ops: Vec<Operation>,
    pub log: VecDeque<LogLine>,
    pub status: Option<(String, bool)>,
    /// When the status line was set (node clock): it times out.
    pub status_at_ms: u64,
    /// How far the help is scrolled (lines).
    pub help_scroll: u16,
    /// A replay's position, speed and keys (`swarmscope replay`), shown on the input bar; `None` when live.
    pub replay: Option<String>,
    pub dropped: u64,
    pub bytes_in: Series,
    pub bytes_out: Series,
    pub stored_blocks: u64,
    pub stored_bytes: u64,
    /// Routing as the last `routing_status` had it (DHT mode changes apply at once): the Routing pane and header.
    pub routing: crate::node::events::RoutingStatus,
    // View state: what is focused and selected (the UI only reads it).
    pub pane: Option<Pane>,
    pub selected: HashMap<Pane, usize>,
    /// Transfers and Operations keep the newest row selected (`f` toggles); moving the selection stops it.
    pub follow: bool,
    /// The terminal's size (columns, rows) as the loop last reported it: how far a page is, where a click lands.
    pub viewport: (u16, u16),
    pub sort_column: usize,
    /// The focused pane alone even where the dashboard fits (`z` toggles).
    pub single: bool,
    pub help: bool,
    pub input_focused: bool,
    pub input: tui_input::Input,
    pub preview: Option<(String, String)>,
    pub explorer: Option<Explored>,
    /// When the explorer's tree was read (node clock): its title says how long ago.
    pub explorer_at_ms: u64,
    /// A block that links others arrived since the tree was read: it is read again.
    pub explore_stale: bool,
    /// A re-read of the tree is running.
    pub explore_in_flight: bool,
    /// The peer whose detail is open (Enter on a peer; Esc closes).
    pub detail: Option<String>,
    /// The timeline open over the panes (Enter on a want or transfer, `t` on an operation; Esc closes): the
    /// node's answer to `why CID`, asked again every second while open.
    pub timeline: Option<crate::node::trace::report::WhyReport>,
    /// The CID whose timeline is open (the answer may still be on its way).
    pub timeline_cid: Option<cid::Cid>,
    /// A `why` is running: the heartbeat asks for no other until it answers.
    pub timeline_in_flight: bool,
    /// The TUI's own trace of the events it was told (the node's, bounded alike): the timeline until the node
    /// answers, and for good in a replay, where no command runs.
    pub trace: crate::node::trace::Trace,
    /// Lines typed into the input bar, oldest first (loaded by the loop, saved through an effect).
    pub history: Vec<String>,
    /// Where Up/Down is in the history while browsing it.
    pub history_at: Option<usize>,
    /// Where the TUI was started: relative paths in commands are relative to it.
    pub cwd: PathBuf,
}

impl AppState {
    pub fn new() -> Self {
        Self { pane: Some(Pane::Peers), follow: true, ..Default::default() }
    }

    pub fn pane(&self) -> Pane {
        self.pane.unwrap_or(Pane::Peers)
    }

    /// The status line, if it has not timed out: results for [`STATUS_OK_MS`], errors for [`STATUS_ERROR_MS`]
    /// (they are also in the Log pane).
    pub fn status_line(&self) -> Option<(&str, bool)> {
        let (text, error) = self.status.as_ref()?;
        let ttl = if *error { STATUS_ERROR_MS } else { STATUS_OK_MS };
        (self.now_ms.saturating_sub(self.status_at_ms) < ttl).then_some((text.as_str(), *error))
    }

    /// The transfer rows the view shows: frozen at the pause point, filtered.
    pub fn visible_transfers(&self) -> impl DoubleEndedIterator<Item = &TransferRow> {
        let end = self.paused_at.unwrap_or(self.transfers.len()).min(self.transfers.len());
        self.transfers.range(..end).filter(|r| self.filter.matches(r))
    }

    /// Peer rows sorted by the chosen column.
    pub fn sorted_peers(&self) -> Vec<&PeerRow> {
        // Connected peers first; those that left below them.
        let mut rows: Vec<&PeerRow> = self.peers.values().filter(|p| p.connected()).collect();
        match self.sort_column % 4 {
            1 => rows.sort_by(|a, b| a.rtt_ms.unwrap_or(f64::MAX).total_cmp(&b.rtt_ms.unwrap_or(f64::MAX))),
            2 => rows.sort_by_key(|r| std::cmp::Reverse(r.bytes_in)),
            3 => rows.sort_by_key(|r| std::cmp::Reverse(r.bytes_out)),
            _ => {}
        }
        let mut gone: Vec<&PeerRow> = self.peers.values().filter(|p| !p.connected()).collect();
        gone.sort_by_key(|p| std::cmp::Reverse(p.gone_at_ms));
        rows.extend(gone);
        rows
    }

    /// Peers connected now (those that left are kept, greyed, but not counted).
    pub fn connected_peers(&self) -> usize {
        self.peers.values().filter(|p| p.connected()).count()
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
