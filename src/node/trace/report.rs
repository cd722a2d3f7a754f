//! What `swarmscope why CID` answers: the reason (with its evidence) and the CID's timeline, and for a DAG being
//! fetched from that root, each block it still waits for with its own reason.

use serde::{Deserialize, Serialize};

use super::dag::DagReport;
use super::why::{Evidence, NodeView, Reason, Why, classify};
use super::{Mark, Trace};

/// One block a DAG fetch still waits for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingBlock {
    pub cid: String,
    /// How long it has been wanted.
    pub age_ms: u64,
    pub reason: Reason,
    pub text: String,
    pub evidence: Evidence,
}

/// The answer to `why CID`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WhyReport {
    pub cid: String,
    /// Wanted now: by itself, or as the root of a DAG still being fetched.
    pub wanted: bool,
    /// `None` when it is not wanted.
    pub reason: Option<Reason>,
    /// The reason in a few words (or why there is none).
    pub text: String,
    pub evidence: Option<Evidence>,
    /// The node's clock now: the timeline's marks are on it.
    pub now_ms: u64,
    /// When it was first wanted (the first mark kept), for offsets.
    pub first_ms: Option<u64>,
    pub timeline: Vec<Mark>,
    /// Marks dropped past the per-CID cap (the oldest).
    #[serde(default)]
    pub dropped_marks: u64,
    /// For a DAG root: the blocks its fetch still waits for, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocks: Vec<PendingBlock>,
    /// For a DAG root fetched now or recently: what is not wanted yet, the blocks that came and the critical path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dag: Option<Box<DagReport>>,
}

/// Builds the report. `cid` is the CID as the node's events name it; `wanted_ms` is how long the node has wanted
/// it itself (`None`: it does not); `blocks` are the blocks a fetch rooted at it still wants, with their ages.
pub fn report(
    cid: &str,
    trace: &Trace,
    view: &NodeView,
    wanted_ms: Option<u64>,
    mut blocks: Vec<(String, u64)>,
) -> WhyReport {
    let t = trace.get(cid);
    let wanted = wanted_ms.is_some();
    blocks.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let pending: Vec<PendingBlock> = blocks
        .into_iter()
        .filter(|(c, _)| c != cid)
        .map(|(c, age_ms)| {
            let Why { reason, evidence } = classify(trace.get(&c), view);
            let text = Why { reason, evidence: evidence.clone() }.short(view.now_ms);
            PendingBlock { cid: c, age_ms, reason, text, evidence }
        })
        .collect();
    let why = if wanted {
        Some(classify(t, view))
    } else {
        pending.first().map(|b| Why { reason: b.reason, evidence: b.evidence.clone() })
    };
    let dag = trace.dags.get(cid).map(|d| Box::new(DagReport::of(d)));
    let text = match (&why, wanted, &dag) {
        (Some(w), true, _) => w.short(view.now_ms),
        (Some(w), false, _) => format!("{} blocks pending; the oldest: {}", pending.len(), w.short(view.now_ms)),
        (None, _, Some(d)) if d.done => format!("not wanted: fetched as a DAG ({} blocks)", d.arrived),
        (None, _, Some(d)) => format!("fetching a DAG: {} blocks pending", d.pending),
        (None, _, _) => "not wanted".to_string(),
    };
    WhyReport {
        cid: cid.to_string(),
        wanted: why.is_some(),
        reason: why.as_ref().map(|w| w.reason),
        text,
        evidence: why.map(|w| w.evidence),
        now_ms: view.now_ms,
        // The want may be older than its first mark (nobody to ask yet).
        first_ms: [
            t.map(|t| t.first_ms),
            wanted_ms.map(|age| view.now_ms.saturating_sub(age)),
            dag.as_ref().and_then(|d| d.rows.iter().map(|r| r.wanted_ms).min()),
        ]
        .into_iter()
        .flatten()
        .min(),
        timeline: t.map(|t| t.marks.iter().cloned().collect()).unwrap_or_default(),
        dropped_marks: t.map_or(0, |t| t.dropped_marks),
        blocks: pending,
        dag,
    }
}

impl WhyReport {
    /// The text `swarmscope why` prints: the timeline, one line per mark with its offset, then the reason.
    pub fn lines(&self) -> Vec<String> {
        let origin = self.first_ms.unwrap_or(0);
        let mut out = vec![format!("{}", self.cid)];
        if self.dropped_marks > 0 {
            out.push(format!("  ({} older marks dropped)", self.dropped_marks));
        }
        for m in &self.timeline {
            let peer = m.peer.as_deref().map(short_peer).unwrap_or("-");
            let detail = m.detail.as_deref().map(|d| format!("  {d}")).unwrap_or_default();
            out.push(format!("  +{:>7} ms  {:<14} {peer}{detail}", m.at_ms.saturating_sub(origin), m.kind.label()));
        }
        for b in &self.blocks {
            out.push(format!("  pending {} ({} ms): {}", b.cid, b.age_ms, b.text));
        }
        if let Some(d) = &self.dag {
            out.extend(dag_lines(d, origin));
        }
        match self.reason {
            Some(r) => out.push(format!("why: {} ({})", r.name(), self.text)),
            None => out.push(format!("why: {}", self.text)),
        }
        out
    }
}

/// A DAG fetch's part of the text: what is not wanted yet, then its blocks (the first, the critical path marked
/// `*`, the slowest) with their want and arrival offsets and who sent them first.
fn dag_lines(d: &DagReport, origin: u64) -> Vec<String> {
    let state = if d.done { "done" } else { "running" };
    let mut out = vec![format!("  dag ({state}): {} arrived, {} pending", d.arrived, d.pending)];
    if !d.done {
        out.push(format!("  {}", d.not_wanted_text()));
    }
    out.push(format!("  critical path: {} blocks", d.critical.len()));
    for r in &d.rows {
        let mark = if r.critical { '*' } else { ' ' };
        let from = r.from.as_deref().map(short_peer).unwrap_or("stored");
        let dups = if r.duplicates > 0 { format!(" +{} dup", r.duplicates) } else { String::new() };
        out.push(format!(
            "  {mark}block {} +{} ms → +{} ms ({} ms) from {from}{dups}",
            r.cid,
            r.wanted_ms.saturating_sub(origin),
            r.arrived_ms.saturating_sub(origin),
            r.arrived_ms - r.wanted_ms
        ));
    }
    out
}

/// The end of a peer id, as the TUI shows it.
pub fn short_peer(peer: &str) -> &str {
    match peer.char_indices().rev().nth(7) {
        Some((i, _)) => &peer[i..],
        None => peer,
    }
}
