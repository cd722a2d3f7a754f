//! What a DAG fetch publishes of its shape (issue 14, "why stuck?" and the timeline): the blocks it waits for,
//! the blocks it cannot want yet, and each block that arrived with its parent. Kept apart from the fetch loop so
//! that the loop only says what happened.

use cid::Cid;

use super::block::DAG_PB;
use super::events::{DAG_FETCH_BLOCKS, DagBlock, NodeEvent};
use super::handle::NodeHandle;
use super::op::OpId;

/// The fetch's shape since its last `dag_fetch` event.
#[derive(Default)]
pub(crate) struct Shape {
    arrived: Vec<DagBlock>,
    /// Pending blocks that may have links (dag-pb, still in flight).
    pending_pb: u64,
    /// Something changed since the last event.
    pub dirty: bool,
}

impl Shape {
    /// A block is wanted (put in the window).
    pub fn wanted(&mut self, cid: &Cid) {
        if cid.codec() == DAG_PB {
            self.pending_pb += 1;
        }
    }

    /// A block arrived (or was read from the store): `parent` linked to it.
    pub fn arrived(&mut self, cid: &Cid, parent: Option<&Cid>, local: bool) {
        if cid.codec() == DAG_PB {
            self.pending_pb = self.pending_pb.saturating_sub(1);
        }
        self.arrived.push(DagBlock { cid: cid.to_string(), parent: parent.map(Cid::to_string), local });
        self.dirty = true;
    }

    /// Enough blocks arrived to fill one event.
    pub fn full(&self) -> bool {
        self.arrived.len() >= DAG_FETCH_BLOCKS
    }

    /// The event to publish now; `pending` blocks are in the window and `queued` known links wait for room.
    pub fn event(&mut self, op: OpId, root: &Cid, pending: usize, queued: usize, done: bool) -> NodeEvent {
        self.dirty = false;
        NodeEvent::DagFetch {
            op,
            root: root.to_string(),
            pending: pending as u64,
            queued: queued as u64,
            unknown_under: if done { 0 } else { self.pending_pb },
            arrived: std::mem::take(&mut self.arrived),
            done,
        }
    }
}

/// Says the fetch ended however it ends: a fetch that is cancelled (its future dropped) publishes no last event of
/// its own, and the trace would show it running for ever.
pub(crate) struct Ended<'a> {
    pub node: &'a NodeHandle,
    pub op: OpId,
    pub root: Cid,
    /// The last `dag_fetch` went out.
    pub said: bool,
}

impl Drop for Ended<'_> {
    fn drop(&mut self) {
        if !self.said {
            let e = Shape::default().event(self.op, &self.root, 0, 0, true);
            self.node.try_report(e);
        }
    }
}
