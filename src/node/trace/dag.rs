//! The blocks of recent DAG fetches (issue 14): for each root, every block the fetch got with the block that linked
//! to it, when it was wanted and when it came, and from whom (first) and how many copies came after. What the
//! timeline's per-block rows and critical path are drawn from, also after the fetch finished.
//!
//! Fed by `dag_fetch` events (the fetch says which blocks arrived and their parents), timed from the blocks' own
//! marks in the per-CID trace (the WANT sent, the BLOCK received). Bounded: [`MAX_DAGS`] fetches (the oldest
//! evicted) and [`MAX_DAG_BLOCKS`] blocks each (the rest counted in `dropped`).

use std::collections::{HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use super::{CidTrace, MarkKind};
use crate::node::events::DagBlock;

/// DAG fetches kept (running and finished); the oldest goes first.
pub const MAX_DAGS: usize = 16;
/// Blocks kept per fetch: a 1 GiB file of 256 KiB blocks.
pub const MAX_DAG_BLOCKS: usize = 4096;

/// One block of a DAG fetch.
#[derive(Clone, Debug, PartialEq)]
pub struct DagMark {
    pub cid: String,
    /// Index of the block that linked to it (none for the root).
    pub parent: Option<u32>,
    /// When it was first wanted from a peer (`at_ms`), else when its parent arrived.
    pub wanted_ms: u64,
    /// When it arrived (verified), or was read from the store.
    pub arrived_ms: u64,
    /// Who sent it first (none: it was stored already).
    pub from: Option<String>,
    /// Copies that came after the first.
    pub duplicates: u32,
}

/// What a fetch said of its shape last, and its blocks.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DagTrace {
    pub root: String,
    /// Blocks wanted now, known links not wanted yet, pending blocks whose links are unknown.
    pub pending: u64,
    pub queued: u64,
    pub unknown_under: u64,
    pub done: bool,
    /// When the last `dag_fetch` came.
    pub at_ms: u64,
    pub blocks: Vec<DagMark>,
    index: HashMap<String, u32>,
    /// Blocks past [`MAX_DAG_BLOCKS`], not kept.
    pub dropped: u64,
}

/// The fetches kept.
#[derive(Clone, Debug, Default)]
pub struct Dags {
    by_root: HashMap<String, DagTrace>,
    order: VecDeque<String>,
    /// Fetches evicted so far.
    pub evicted: u64,
}

/// How one block's marks time it: the first want, the first verified copy (and from whom), the copies after it.
fn timing(t: Option<&CidTrace>) -> (Option<u64>, Option<(u64, String)>, u32) {
    let Some(t) = t else { return (None, None, 0) };
    let wanted = t.marks.iter().find(|m| matches!(m.kind, MarkKind::WantHave | MarkKind::WantBlock)).map(|m| m.at_ms);
    let mut first = None;
    let mut dups = 0;
    for m in t.marks.iter().filter(|m| m.kind == MarkKind::Block) {
        if first.is_none() && m.detail.is_none() {
            first = m.peer.clone().map(|p| (m.at_ms, p));
        } else {
            dups += 1;
        }
    }
    (wanted, first, dups)
}

impl Dags {
    pub fn get(&self, root: &str) -> Option<&DagTrace> {
        self.by_root.get(root)
    }

    pub fn len(&self) -> usize {
        self.by_root.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_root.is_empty()
    }

    /// Takes in one `dag_fetch` event; `cid` gives a block's per-CID trace.
    pub(super) fn observe<'a>(
        &mut self,
        at_ms: u64,
        root: &str,
        (pending, queued, unknown_under): (u64, u64, u64),
        arrived: &[DagBlock],
        done: bool,
        cid: impl Fn(&str) -> Option<&'a CidTrace>,
    ) {
        let restart = arrived.first().is_some_and(|b| b.parent.is_none() && b.cid == root);
        if restart || !self.by_root.contains_key(root) {
            if !self.by_root.contains_key(root) && self.by_root.len() >= MAX_DAGS {
                while let Some(old) = self.order.pop_front() {
                    if self.by_root.remove(&old).is_some() {
                        self.evicted += 1;
                        break;
                    }
                }
            }
            if !self.by_root.contains_key(root) {
                self.order.push_back(root.to_string());
            }
            self.by_root.insert(root.to_string(), DagTrace { root: root.to_string(), ..DagTrace::default() });
        }
        let Some(d) = self.by_root.get_mut(root) else { return };
        d.pending = pending;
        d.queued = queued;
        d.unknown_under = unknown_under;
        d.done = done;
        d.at_ms = at_ms;
        for b in arrived {
            if d.blocks.len() >= MAX_DAG_BLOCKS {
                d.dropped += 1;
                continue;
            }
            let parent = b.parent.as_deref().and_then(|p| d.index.get(p).copied());
            let parent_ms = parent.map(|i| d.blocks[i as usize].arrived_ms);
            let (wanted, first, duplicates) = timing(cid(&b.cid));
            let (arrived_ms, from) = match first {
                Some((ms, peer)) if !b.local => (ms, Some(peer)),
                _ => (at_ms, None),
            };
            let wanted_ms = wanted.or(parent_ms).unwrap_or(arrived_ms).min(arrived_ms);
            d.index.insert(b.cid.clone(), d.blocks.len() as u32);
            d.blocks.push(DagMark { cid: b.cid.clone(), parent, wanted_ms, arrived_ms, from, duplicates });
        }
    }
}

impl DagTrace {
    /// The critical path: the chain from the root to the block that arrived last, each block's arrival having
    /// gated the want of the next. Indexes, root first.
    pub fn critical_path(&self) -> Vec<usize> {
        let Some(last) = (0..self.blocks.len()).max_by_key(|&i| (self.blocks[i].arrived_ms, i)) else {
            return Vec::new();
        };
        let mut path = vec![last];
        let mut at = last;
        while let Some(p) = self.blocks[at].parent {
            let p = p as usize;
            if path.contains(&p) || path.len() > self.blocks.len() {
                break;
            }
            path.push(p);
            at = p;
        }
        path.reverse();
        path
    }
}

/// A block's row as `why` and the timeline show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DagRow {
    pub cid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    pub wanted_ms: u64,
    pub arrived_ms: u64,
    /// Who sent it first; none when it was stored already.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub duplicates: u32,
    /// On the critical path.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub critical: bool,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A DAG fetch in `why`'s answer: what is not wanted yet, and the blocks that came (the first, then the critical
/// path, then the slowest).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DagReport {
    pub done: bool,
    /// Blocks wanted now.
    pub pending: u64,
    /// Blocks not wanted yet because their parents have not arrived: `queued` known links waiting for room in the
    /// window (counted), and the children of `unknown_under` pending blocks (not countable until they arrive).
    pub queued: u64,
    pub unknown_under: u64,
    /// Blocks that came (kept and past the cap).
    pub arrived: u64,
    /// The critical path, root first.
    pub critical: Vec<String>,
    /// At most [`MAX_ROWS`] rows.
    pub rows: Vec<DagRow>,
}

/// Rows in a report: the timeline shows a screenful, the JSON stays small.
pub const MAX_ROWS: usize = 64;

impl DagReport {
    pub fn of(d: &DagTrace) -> Self {
        let path = d.critical_path();
        let row = |i: usize| {
            let b = &d.blocks[i];
            DagRow {
                cid: b.cid.clone(),
                parent: b.parent.map(|p| d.blocks[p as usize].cid.clone()),
                wanted_ms: b.wanted_ms,
                arrived_ms: b.arrived_ms,
                from: b.from.clone(),
                duplicates: b.duplicates,
                critical: path.contains(&i),
            }
        };
        let first = (0..d.blocks.len()).min_by_key(|&i| (d.blocks[i].arrived_ms, i));
        let mut order: Vec<usize> = first.into_iter().collect();
        order.extend(path.iter().copied().filter(|i| Some(*i) != first));
        let mut slow: Vec<usize> = (0..d.blocks.len()).filter(|i| !order.contains(i)).collect();
        let took = |i: &usize| d.blocks[*i].arrived_ms - d.blocks[*i].wanted_ms;
        slow.sort_by_key(|i| (std::cmp::Reverse(took(i)), *i));
        order.extend(slow.into_iter().take(MAX_ROWS.saturating_sub(order.len())));
        DagReport {
            done: d.done,
            pending: d.pending,
            queued: d.queued,
            unknown_under: d.unknown_under,
            arrived: d.blocks.len() as u64 + d.dropped,
            critical: path.iter().map(|&i| d.blocks[i].cid.clone()).collect(),
            rows: order.into_iter().map(row).collect(),
        }
    }

    /// What is not wanted yet, in words.
    pub fn not_wanted_text(&self) -> String {
        format!(
            "not wanted yet (parents not arrived): {} known links queued beyond the window, and the children of {} \
             pending blocks (not known until they arrive)",
            self.queued, self.unknown_under
        )
    }
}
