//! The on-disk blockstore: redb as the index, large block bodies in append-only segment files.
//!
//! Why not one redb value per block: redb 4 allocates values in power-of-two slots, so a 256 KiB block lands in
//! a 512 KiB slot (2× disk, half the write speed; ARCHITECTURE.md). Layout of a repo directory:
//!
//! ```text
//! repo.lock            exclusive flock + "pid cmdline" of the holder (lock.rs)
//! index.redb           blocks: multihash -> location (inline bytes for small blocks, or segment/offset/len),
//!                      pins, segment table (committed length, live bytes)
//! segments/000001.seg  block bodies, appended; a body is referenced only after the segment is fsynced and the
//!                      redb transaction that points at it has committed, so a crash leaves at worst an
//!                      unreferenced tail, truncated away on the next open.
//! ```
//!
//! Keys are multihashes (as Kubo keys its blockstore): the same bytes under CIDv0 and CIDv1 are stored once.
//! Every put takes a [`Block`], which can only exist verified. Identity CIDs are answered from the CID itself and
//! never stored. Reads use redb read transactions (MVCC) and positional reads of segment files, so they never wait
//! for the writer.

mod lock;

use std::path::{Path, PathBuf};

use bytes::Bytes;
use cid::Cid;

use crate::node::block::{Block, BlockError};

pub use lock::RepoLock;

/// Why a store operation failed. Each variant's message is one line fit for a user.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process holds the repo. `holder` names it ("pid 1234: swarmscope add big.bin").
    #[error("repo {} is in use by {holder}", path.display())]
    Locked { path: PathBuf, holder: String },
    #[error(transparent)]
    Block(#[from] BlockError),
    #[error("block {0} not found in the local store")]
    NotFound(Cid),
    #[error("repo I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("repo index error: {0}")]
    Db(String),
    #[error("repo is corrupt: {0}")]
    Corrupt(String),
    #[error("cannot read links of {cid}: {reason}")]
    Links { cid: Cid, reason: String },
}

/// What `repo stat` reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct StoreStat {
    /// Number of stored blocks.
    pub blocks: u64,
    /// Sum of the stored blocks' lengths.
    pub block_bytes: u64,
    /// Bytes allocated on disk by the whole repo directory (st_blocks × 512).
    pub disk_bytes: u64,
}

/// Whether a pin covers the DAG under its root or the root block only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PinKind {
    Recursive,
    Direct,
}

/// What `repo gc` removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct GcStats {
    pub removed_blocks: u64,
    pub removed_bytes: u64,
}

/// What `repo verify` found: blocks whose bytes no longer hash to their key are listed, never silently kept.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct VerifyReport {
    pub checked: u64,
    pub bytes: u64,
    /// Multihashes (as CIDv1 raw strings) of blocks that failed to verify or could not be read.
    pub bad: Vec<String>,
}

/// Counts from one [`BlockWriter`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriterStats {
    /// Blocks newly stored (already present ones are skipped).
    pub new_blocks: u64,
    pub new_bytes: u64,
    /// Blocks that were already present.
    pub existing_blocks: u64,
}

/// A handle to an open repo's blockstore. Cheap to clone; all clones share one lock and one index.
#[derive(Clone)]
pub struct Blockstore {
    _private: (),
}

impl Blockstore {
    /// Opens (creating if needed) the repo at `dir`, taking its exclusive lock and recovering from a crash
    /// (segment tails not referenced by the index are truncated).
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        let _ = dir;
        todo!()
    }

    pub fn dir(&self) -> &Path {
        todo!()
    }

    /// Stores one block durably in its own transaction. Returns false when it was already present.
    pub fn put(&self, block: &Block) -> Result<bool, StoreError> {
        let _ = block;
        todo!()
    }

    /// Stores many blocks durably in one transaction. Returns how many were new.
    pub fn put_many(&self, blocks: &[Block]) -> Result<u64, StoreError> {
        let _ = blocks;
        todo!()
    }

    /// A streaming writer: blocks go through a bounded channel to a dedicated thread that batches them into
    /// few transactions. Use it for imports (add, CAR import) and, later, network fetches.
    pub fn writer(&self) -> BlockWriter {
        todo!()
    }

    pub fn get(&self, cid: &Cid) -> Result<Option<Bytes>, StoreError> {
        let _ = cid;
        todo!()
    }

    pub fn has(&self, cid: &Cid) -> Result<bool, StoreError> {
        let _ = cid;
        todo!()
    }

    /// The block's length without reading it.
    pub fn size(&self, cid: &Cid) -> Result<Option<u64>, StoreError> {
        let _ = cid;
        todo!()
    }

    /// Removes a block. Returns false when it was not present.
    pub fn remove(&self, cid: &Cid) -> Result<bool, StoreError> {
        let _ = cid;
        todo!()
    }

    /// Every stored block as a CIDv1 with the codec it was first stored under.
    pub fn cids(&self) -> Result<Vec<Cid>, StoreError> {
        todo!()
    }

    /// Pins `cid`. A recursive pin requires every block of the DAG to be present (dag-pb links are followed).
    pub fn pin_add(&self, cid: &Cid, kind: PinKind) -> Result<(), StoreError> {
        let _ = (cid, kind);
        todo!()
    }

    /// Removes a pin. Returns false when `cid` was not pinned.
    pub fn pin_rm(&self, cid: &Cid) -> Result<bool, StoreError> {
        let _ = cid;
        todo!()
    }

    pub fn pins(&self) -> Result<Vec<(Cid, PinKind)>, StoreError> {
        todo!()
    }

    /// Removes every block no pin reaches and compacts segments whose live share dropped.
    pub fn gc(&self) -> Result<GcStats, StoreError> {
        todo!()
    }

    pub fn stat(&self) -> Result<StoreStat, StoreError> {
        todo!()
    }

    /// Re-reads and re-hashes every stored block.
    pub fn verify(&self) -> Result<VerifyReport, StoreError> {
        todo!()
    }
}

/// Batches puts on a dedicated thread. Dropping it without `finish` still commits what was sent.
pub struct BlockWriter {
    _private: (),
}

impl BlockWriter {
    /// Queues a block; blocks the caller when the bounded queue is full (memory stays bounded).
    /// Fails if the writer thread already failed.
    pub fn put(&mut self, block: Block) -> Result<(), StoreError> {
        let _ = block;
        todo!()
    }

    /// Commits everything queued and returns the counts. Every block put before is durable when this returns Ok.
    pub fn finish(self) -> Result<WriterStats, StoreError> {
        todo!()
    }

    /// Commits nothing more and removes every block this writer newly stored, so a failed import leaves nothing
    /// half-written behind.
    pub fn abort(self) -> Result<(), StoreError> {
        todo!()
    }
}
