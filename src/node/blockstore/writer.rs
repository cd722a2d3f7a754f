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

/// Batches puts on a dedicated thread. Dropping it without `finish` still commits what was sent.
pub struct BlockWriter {
    tx: Option<SyncSender<Msg>>,
    thread: Option<JoinHandle<Result<WriterStats, StoreError>>>,
}

impl BlockWriter {
    pub(super) fn spawn(store: Blockstore) -> Self {
        let (tx, rx) = sync_channel(QUEUE);
        let thread = std::thread::Builder::new()
            .name("blockstore-writer".into())
            .spawn(move || run(store, rx))
            .expect("spawn the blockstore writer thread");
        Self { tx: Some(tx), thread: Some(thread) }
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
    /// half-written behind.
    pub fn abort(mut self) -> Result<(), StoreError> {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Msg::Abort);
        }
        self.join().map(|_| ())
    }

    fn join(&mut self) -> Result<WriterStats, StoreError> {
        self.tx.take();
        match self.thread.take() {
            Some(t) => t.join().unwrap_or_else(|_| Err(StoreError::Db("the blockstore writer panicked".into()))),
            None => Err(StoreError::Db("the blockstore writer already stopped".into())),
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

fn run(store: Blockstore, rx: Receiver<Msg>) -> Result<WriterStats, StoreError> {
    let mut stats = WriterStats::default();
    let mut added: Vec<Vec<u8>> = Vec::new();
    let mut first = rx.recv().ok();
    while let Some(msg) = first.take() {
        let block = match msg {
            Msg::Block(b) => b,
            Msg::Abort => return abort(&store, &added).map(|_| stats),
        };
        let mut batch = store.batch()?;
        batch.put(&block)?;
        let mut count = 1;
        let mut aborted = false;
        while batch.new_bytes() < BATCH_BYTES && count < BATCH_BLOCKS {
            match rx.recv_timeout(IDLE) {
                Ok(Msg::Block(b)) => {
                    batch.put(&b)?;
                    count += 1;
                }
                Ok(Msg::Abort) => {
                    aborted = true;
                    break;
                }
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        if aborted {
            // Dropping the batch rolls its transaction back; its appended bytes are cut on the next commit or open.
            drop(batch);
            return abort(&store, &added).map(|_| stats);
        }
        let result = batch.commit()?;
        stats.new_blocks += result.new_blocks;
        stats.new_bytes += result.new_bytes;
        stats.existing_blocks += result.existing_blocks;
        added.extend(result.added);
        first = rx.recv().ok();
    }
    Ok(stats)
}

fn abort(store: &Blockstore, added: &[Vec<u8>]) -> Result<(), StoreError> {
    store.remove_keys(added).map(|_| ())
}
