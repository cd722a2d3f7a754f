//! Fetching a whole DAG: local blocks first, the rest from the network, many children wanted at once within a
//! bounded window (never one block per round trip), every block stored through a batched writer.

use std::collections::{HashSet, VecDeque};
use std::time::{Duration, Instant};

use bytes::Bytes;
use cid::Cid;
use futures::stream::FuturesUnordered;
use futures::{FutureExt, StreamExt};

use super::blockstore::StoreError;
use super::dag::pb;
use super::events::NodeEvent;
use super::fetch_shape::{Ended, Shape};
use super::handle::{NodeError, NodeHandle, SessionId};
use super::op::OpId;

/// Progress events are published at most this often per fetch.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// Blocks wanted at once. With 1 MiB blocks this keeps up to 64 MiB in flight: enough to fill a fast link.
pub const WINDOW: usize = 64;
/// The window is topped up once this much of it is free (or nothing is in flight): one store look-up and one
/// message per peer for several blocks instead of one each, while at least `WINDOW - REFILL` stay wanted.
const REFILL: usize = 8;

/// Blocks queued between the fetch and the writer's own queue (`blockstore::writer`, 16). Kept small: whatever
/// waits here is held in memory on top of the window, and while the writer syncs a batch the window's wants
/// already keep the network busy (a 16-block queue here made the worst case 64 + 16 + 16 MiB held, issue 15).
const TO_WRITER: usize = 2;

/// Ends the fetch's session however the fetch ends (done, failed, or dropped).
struct Session<'a> {
    node: &'a NodeHandle,
    id: SessionId,
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        self.node.end_session(self.id);
    }
}

/// What a fetch did.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct FetchStats {
    pub blocks: u64,
    pub bytes: u64,
    /// Blocks that came from the network (the rest were already stored).
    pub fetched_blocks: u64,
    pub fetched_bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(transparent)]
    Node(#[from] NodeError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("block {cid} is not valid dag-pb: {reason}")]
    Links { cid: Cid, reason: String },
    #[error("the block store writer stopped")]
    Writer,
}

/// Fetches every block under `root` that is not stored yet, storing each one. `progress(stats)` is called after
/// each block, and `progress` events name `op` (allocated by whoever runs the operation: [`OpId::next`]). Blocks
/// already stored stay stored if the fetch fails or is cancelled: a retry resumes.
pub async fn fetch_dag(
    node: &NodeHandle,
    root: Cid,
    op: OpId,
    progress: &mut (dyn FnMut(&FetchStats) + Send),
) -> Result<FetchStats, FetchError> {
    let store = node.store().clone();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<super::block::Block>(TO_WRITER);
    let writer_store = store.clone();
    let writer = tokio::task::spawn_blocking(move || {
        let mut w = writer_store.writer();
        while let Some(b) = rx.blocking_recv() {
            w.put(b)?;
        }
        w.finish()
    });

    // One Bitswap session for the whole DAG: its wants go to the peers that have its blocks, split by their speed.
    let session = Session { node, id: SessionId::next() };
    let mut stats = FetchStats::default();
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    // Each block with the block that linked to it (the root has none).
    let mut queue: VecDeque<(Cid, Option<Cid>)> = VecDeque::from([(root, None)]);
    let mut shape = Shape::default();
    let mut ended = Ended { node, op, root, said: false };
    let mut inflight = FuturesUnordered::new();
    let mut last_report = Instant::now();
    seen.insert(root.hash().to_bytes());
    let result: Result<(), FetchError> = async {
        loop {
            while (inflight.len() + REFILL <= WINDOW || inflight.is_empty()) && !queue.is_empty() {
                // The window's room in one go: one store look-up, then one want for what is missing, so that the
                // children of a node leave together, in one message per peer (one round trip, not one message each).
                let batch: Vec<(Cid, Option<Cid>)> =
                    queue.drain(..(WINDOW - inflight.len()).min(queue.len())).collect();
                for (cid, _) in &batch {
                    shape.wanted(cid);
                }
                let store = store.clone();
                let found = tokio::task::spawn_blocking(move || {
                    batch
                        .into_iter()
                        .map(|(cid, parent)| Ok((cid, parent, store.get(&cid)?)))
                        .collect::<Result<Vec<_>, StoreError>>()
                })
                .await
                .map_err(|_| FetchError::Writer)??;
                let (mut missing, mut parents) = (Vec::new(), Vec::new());
                for (cid, parent, local) in found {
                    match local {
                        Some(data) => inflight.push(futures::future::ready(Ok((cid, parent, data, None))).boxed()),
                        None => {
                            missing.push(cid);
                            parents.push(parent);
                        }
                    }
                }
                if missing.is_empty() {
                    continue;
                }
                let waits = node.want_many_in(session.id, &missing).await?;
                for ((cid, parent), wait) in missing.iter().copied().zip(parents).zip(waits) {
                    inflight.push(
                        async move {
                            let block = wait.await?;
                            Ok::<_, FetchError>((cid, parent, block.data().clone(), Some(block)))
                        }
                        .boxed(),
                    );
                }
            }
            // While a change is unpublished, wait no longer than the next report is due: a stalled fetch says
            // what it waits for.
            let next = if shape.dirty {
                let due = PROGRESS_EVERY.saturating_sub(last_report.elapsed());
                match tokio::time::timeout(due, inflight.next()).await {
                    Ok(next) => next,
                    Err(_) => {
                        last_report = Instant::now();
                        node.report(progress_event(op, &root, &stats, None)).await;
                        node.report(shape.event(op, &root, inflight.len(), queue.len(), false)).await;
                        continue;
                    }
                }
            } else {
                inflight.next().await
            };
            let Some(done) = next else { return Ok(()) };
            let (cid, parent, data, fetched): (Cid, Option<Cid>, Bytes, _) = done?;
            shape.arrived(&cid, parent.as_ref(), fetched.is_none());
            stats.blocks += 1;
            stats.bytes += data.len() as u64;
            if let Some(block) = fetched {
                stats.fetched_blocks += 1;
                stats.fetched_bytes += data.len() as u64;
                tx.send(block).await.map_err(|_| FetchError::Writer)?;
            }
            let links = pb::links(&cid, &data).map_err(|e| FetchError::Links { cid, reason: e.to_string() })?;
            // Children go first so that a file streams in order and the window follows the DFS front.
            for child in links.into_iter().rev() {
                if seen.insert(child.hash().to_bytes()) {
                    queue.push_front((child, Some(cid)));
                }
            }
            progress(&stats);
            if last_report.elapsed() >= PROGRESS_EVERY || shape.full() {
                last_report = Instant::now();
                node.report(progress_event(op, &root, &stats, None)).await;
                node.report(shape.event(op, &root, inflight.len(), queue.len(), false)).await;
            }
        }
    }
    .await;
    drop(tx);
    let written = writer.await.map_err(|_| FetchError::Writer)?;
    node.report(shape.event(op, &root, 0, 0, true)).await;
    ended.said = true;
    result?;
    written?;
    node.report(progress_event(op, &root, &stats, Some(stats.bytes))).await;
    Ok(stats)
}

fn progress_event(op: OpId, root: &Cid, stats: &FetchStats, total_bytes: Option<u64>) -> NodeEvent {
    NodeEvent::Progress { op, cid: root.to_string(), blocks: stats.blocks, bytes: stats.bytes, total_bytes }
}
