//! The streaming writer: a dedicated thread that turns a stream of blocks into few, large transactions, so
//! imports and fetches never do storage work on their own (or async worker) threads.

use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;

use super::{Blockstore, StoreError, WriterStats};
use crate::node::block::Block;

/// Blocks queued between the producer and the writer thread (each up to 2 MiB: memory stays bounded).
const QUEUE: usize = 16;
/// A batch commits past this many new bytes or blocks, or when no block arrived for `IDLE`.
const BATCH_BYTES: u64 = 64 << 20;
const BATCH_BLOCKS: usize = 2048;
const IDLE: Duration = Duration::from_millis(50);

enum Msg {
    Block(Block),
    /// Remove what this writer stored, then stop.
    Abort,
}

/// What the writer thread ends with: its result, and the blocks it committed (so that an abort after a failure,
/// a full disk say, can still remove them).
struct Outcome {
    result: Result<WriterStats, StoreError>,
    added: Vec<Vec<u8>>,
}

/// Batches puts on a dedicated thread. Dropping it without `finish` still commits what was sent.
pub struct BlockWriter {
    store: Blockstore,
    tx: Option<SyncSender<Msg>>,
    thread: Option<JoinHandle<Outcome>>,
    /// What a thread that stopped on an error had committed.
    committed_before_failure: Vec<Vec<u8>>,
}

impl BlockWriter {
    pub(super) fn spawn(store: Blockstore) -> Self {
        let (tx, rx) = sync_channel(QUEUE);
        let thread_store = store.clone();
        let thread = std::thread::Builder::new().name("blockstore-writer".into()).spawn(move || run(thread_store, rx));
        let (tx, thread) = match thread {
            Ok(t) => (Some(tx), Some(t)),
            // Out of threads: the first put fails with "already stopped" and the import aborts cleanly.
            Err(e) => {
                tracing::error!("cannot start the blockstore writer thread: {e}");
                (None, None)
            }
        };
        Self { store, tx, thread, committed_before_failure: Vec::new() }
    }

    /// Queues a block; blocks the caller when the bounded queue is full. Fails if the writer thread failed.
    pub fn put(&mut self, block: Block) -> Result<(), StoreError> {
        let sent = self.tx.as_ref().is_some_and(|tx| tx.send(Msg::Block(block)).is_ok());
        if sent {
            return Ok(());
        }
        // The thread is gone: its error says why.
        Err(self.join().err().unwrap_or_else(|| StoreError::Db("the blockstore writer stopped".into())))
    }

    /// Commits everything queued and returns the counts. Every block put before is durable when this returns Ok.
    pub fn finish(mut self) -> Result<WriterStats, StoreError> {
        self.join()
    }

    /// Commits nothing more and removes every block this writer newly stored, so a failed import leaves nothing
    /// half-written behind, also when the writer itself failed (a full disk).
    pub fn abort(mut self) -> Result<(), StoreError> {
        if self.thread.is_none() {
            let added = std::mem::take(&mut self.committed_before_failure);
            return self.store.remove_keys(&added).map(|_| ());
        }
        if let Some(tx) = &self.tx {
            let _ = tx.send(Msg::Abort);
        }
        match self.join() {
            Ok(_) => Ok(()),
            // The thread failed before it saw the abort: remove what it had committed.
            Err(_) => {
                let added = std::mem::take(&mut self.committed_before_failure);
                self.store.remove_keys(&added).map(|_| ())
            }
        }
    }

    fn join(&mut self) -> Result<WriterStats, StoreError> {
        self.tx.take();
        match self.thread.take() {
            Some(t) => match t.join() {
                Ok(Outcome { result: Ok(stats), .. }) => Ok(stats),
                Ok(Outcome { result: Err(e), added }) => {
                    self.committed_before_failure = added;
                    Err(e)
                }
                Err(_) => Err(StoreError::Db("the blockstore writer panicked".into())),
            },
            None => Err(StoreError::Db("the blockstore writer already stopped (or could not start)".into())),
        }
    }
}

impl Drop for BlockWriter {
    fn drop(&mut self) {
        if self.thread.is_some() {
            let _ = self.join();
        }
    }
}

fn run(store: Blockstore, rx: Receiver<Msg>) -> Outcome {
    let mut stats = WriterStats::default();
    let mut added: Vec<Vec<u8>> = Vec::new();
    let result = store.call(|| batches(&store, &rx, &mut stats, &mut added));
    match result {
        Ok(true) => Outcome { result: store.remove_keys(&added).map(|_| stats), added: Vec::new() },
        Ok(false) => Outcome { result: Ok(stats), added },
        Err(e) => Outcome { result: Err(e), added },
    }
}

/// Commits batches until the sender is gone; `Ok(true)` when an abort arrived.
fn batches(
    store: &Blockstore,
    rx: &Receiver<Msg>,
    stats: &mut WriterStats,
    added: &mut Vec<Vec<u8>>,
) -> Result<bool, StoreError> {
    let mut first = rx.recv().ok();
    while let Some(msg) = first.take() {
        let block = match msg {
            Msg::Block(b) => b,
            Msg::Abort => return Ok(true),
        };
        let mut batch = store.batch()?;
        batch.put(&block)?;
        let mut count = 1;
        while batch.new_bytes() < BATCH_BYTES && count < BATCH_BLOCKS {
            match rx.recv_timeout(IDLE) {
                Ok(Msg::Block(b)) => {
                    batch.put(&b)?;
                    count += 1;
                }
                // Dropping the batch rolls its transaction back and cuts what it appended.
                Ok(Msg::Abort) => return Ok(true),
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        let result = batch.commit()?;
        stats.new_blocks += result.new_blocks;
        stats.new_bytes += result.new_bytes;
        stats.existing_blocks += result.existing_blocks;
        added.extend(result.added);
        first = rx.recv().ok();
    }
    Ok(false)
}
