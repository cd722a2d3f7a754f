//! The on-disk blockstore: append-only segment files of self-describing records, and redb as their index.
//!
//! Why not one redb value per block: redb 4 allocates values in power-of-two slots, so a 256 KiB block lands in
//! a 512 KiB slot (2× disk, half the write speed; ARCHITECTURE.md). Layout of a repo directory (0700, files
//! 0600):
//!
//! ```text
//! repo.json            format version and repo id, written when the repo is created (marker.rs)
//! repo.lock            exclusive flock + "pid cmdline" of the holder (lock.rs)
//! index.redb           blocks: multihash -> segment/offset/len; pins; segment table (committed length, live
//!                      bytes); totals; blocks found bad (tables.rs). A cache of the segments: it can be rebuilt.
//! segments/000001.seg  records (record.rs): blocks framed with their CID, pin changes. A record is referenced
//!                      only after the segment is fsynced and the index transaction that points at it has
//!                      committed, so a crash leaves at worst an unreferenced tail, cut on the next open.
//! ```
//!
//! Keys are multihashes (as Kubo keys its blockstore): the same bytes under CIDv0 and CIDv1 are stored once.
//! Every put takes a [`Block`], which can only exist verified, and every read is verified again (hashing once,
//! here: the Bitswap server does not hash what it serves). Identity CIDs are answered from the CID itself and
//! never stored. Reads use redb read transactions (MVCC) and positional reads of segment files, so they never
//! wait for the writer. README.md ("The store's promises") says what survives what.

mod batch;
mod fsx;
mod gc;
mod gc_lock;
mod guard;
mod lock;
mod marker;
mod migrate;
mod notify;
mod open;
mod pinned;
mod read;
mod rebuild;
mod record;
mod scan;
mod segments;
mod tables;
mod writer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use cid::Cid;

use crate::node::block::{Block, BlockError};
use batch::Batch;
use segments::{ActiveSegment, SegmentReaders};
use tables::Location;

pub use gc_lock::GcHold;
use gc_lock::GcLock;
pub use lock::RepoLock;
pub use marker::FORMAT;
use notify::Notifier;
pub use notify::{CHANGES_CAPACITY, StoreChange};
pub use pinned::{PinnedBy, Removal};
pub use rebuild::RebuildReport;
pub use writer::BlockWriter;

/// File name of the index inside a repo.
pub const INDEX_FILE: &str = "index.redb";

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
    /// The index is missing, empty, unreadable or not this repo's. Nothing was deleted.
    #[error("repo index {} {detail}; nothing was deleted: run `swarmscope --repo {} repo verify --rebuild-index` to rebuild it from the segments", file.display(), repo_of(file).display())]
    IndexDamaged { file: PathBuf, detail: String },
    /// A block's bytes do not hash to its CID, or its segment is missing or short. It now reads as missing.
    #[error(
        "block {cid} is damaged in the store ({reason}); it now counts as missing: run the command again to fetch it, or add its data again (`swarmscope repo verify` checks every block)"
    )]
    Damaged { cid: Cid, reason: Box<str> },
    #[error("repo {} has format {found}, newer than this swarmscope reads ({FORMAT}): use a newer swarmscope", path.display())]
    Format { path: PathBuf, found: u64 },
    #[error("cannot read links of {cid}: {reason}")]
    Links { cid: Cid, reason: String },
    #[error("repo is busy: {0} adds, imports or gets still running after 60 s; gc did nothing, try again")]
    Busy(usize),
    /// gc cannot tell what a pinned DAG reaches.
    #[error("gc did nothing: {0}")]
    GcBlocked(String),
}

fn repo_of(index: &Path) -> &Path {
    index.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

impl StoreError {
    /// Index errors raised without knowing the repo name its file relative; this makes the path whole.
    fn in_dir(self, dir: &Path) -> Self {
        match self {
            StoreError::IndexDamaged { file, detail } if file.is_relative() => {
                StoreError::IndexDamaged { file: dir.join(file), detail }
            }
            other => other,
        }
    }
}

/// redb's errors: damage ("corrupted", a table of the wrong type) says the index is damaged and what to run;
/// the rest (I/O, a full disk) stays what it is.
fn from_redb(e: redb::Error) -> StoreError {
    match e {
        redb::Error::Io(io) => StoreError::Io(io),
        e @ (redb::Error::Corrupted(_)
        | redb::Error::TableTypeMismatch { .. }
        | redb::Error::TableIsMultimap(_)
        | redb::Error::TableIsNotMultimap(_)
        | redb::Error::TypeDefinitionChanged { .. }
        | redb::Error::UpgradeRequired(_)) => {
            StoreError::IndexDamaged { file: PathBuf::from(INDEX_FILE), detail: format!("is damaged: {e}") }
        }
        e => StoreError::Db(e.to_string()),
    }
}

macro_rules! db_errors {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                from_redb(e.into())
            }
        }
    )*};
}
db_errors!(redb::DatabaseError, redb::TransactionError, redb::TableError, redb::StorageError, redb::CommitError);

/// What `repo stat` reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct StoreStat {
    /// Number of stored blocks.
    pub blocks: u64,
    /// Sum of the stored blocks' lengths.
    pub block_bytes: u64,
    /// Bytes allocated on disk by the whole repo directory (st_blocks × 512).
    pub disk_bytes: u64,
    /// Blocks found damaged (bad bytes, unreadable segment) and not stored again since: they read as missing.
    pub bad_blocks: u64,
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
    /// CIDv1 strings of blocks that failed to verify or could not be read. Damaged ones are dropped: they now read
    /// as missing, so a re-add or a fetch stores them again.
    pub bad: Vec<String>,
    /// Problems found when the repo was opened (missing or short segments, files the index does not know).
    pub problems: Vec<String>,
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

/// A segment found missing or shorter than the index says when the repo was opened.
#[derive(Clone, Copy, Debug)]
struct SegmentDamage {
    /// Bytes that can still be read (0 when the file is missing).
    readable: u64,
    missing: bool,
    /// Blocks (and their bytes) the index places past `readable`.
    blocks: u64,
    bytes: u64,
}

/// A handle to an open repo's blockstore. Cheap to clone; all clones share one lock and one index.
#[derive(Clone)]
pub struct Blockstore {
    inner: Arc<Inner>,
}

struct Inner {
    dir: PathBuf,
    index: PathBuf,
    db: redb::Database,
    readers: SegmentReaders,
    /// Serialises every write (one redb writer at a time) and owns the segment being appended to.
    write: Mutex<WriteState>,
    gc_lock: Arc<GcLock>,
    notifier: Notifier,
    damaged: HashMap<u32, SegmentDamage>,
    problems: Vec<String>,
    /// Set once redb panicked: its state is unknown, so every later call says the index is damaged.
    broken: AtomicBool,
    _lock: RepoLock,
}

struct WriteState {
    active: ActiveSegment,
}

impl Inner {
    fn write_state(&self) -> MutexGuard<'_, WriteState> {
        // A panic while writing leaves nothing half-committed (redb aborts the transaction): keep going.
        self.write.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a block's bytes are inside what its segment still holds.
    fn readable(&self, loc: &Location, mh: &multihash::Multihash<64>) -> bool {
        match loc.span(mh) {
            Some((segment, _, end)) => self.damaged.get(&segment).is_none_or(|d| end <= d.readable),
            None => true,
        }
    }
}

impl Blockstore {
    /// Opens (creating if needed) the repo at `dir`, taking its exclusive lock, recovering from a crash (a tail
    /// written after the last commit is cut) and migrating a format-1 repo. A missing, empty or damaged index
    /// is an error that says to run `repo verify --rebuild-index`; missing or short segments are not (the repo
    /// opens, [`Blockstore::problems`] names them, and their blocks read as damaged).
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        open::open(dir)
    }

    /// Rebuilds the index of the repo at `dir` from its segments (every record re-hashed), keeping the old index
    /// beside it, then opens the repo. Works whatever state the old index is in.
    pub fn rebuild_index(dir: &Path) -> Result<(Self, RebuildReport), StoreError> {
        rebuild::rebuild(dir)
    }

    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// Problems found when the repo was opened, one line each (empty when all is well).
    pub fn problems(&self) -> &[String] {
        &self.inner.problems
    }

    /// Holds `gc` off while alive: take it before writing a DAG and keep it until the DAG is pinned.
    pub fn hold_gc(&self) -> GcHold {
        self.inner.gc_lock.hold()
    }

    /// Runs a store operation: a redb panic becomes [`StoreError::IndexDamaged`], and after one every call fails
    /// the same way (the index is in an unknown state).
    fn call<T>(&self, f: impl FnOnce() -> Result<T, StoreError>) -> Result<T, StoreError> {
        let damaged = || StoreError::IndexDamaged {
            file: self.inner.index.clone(),
            detail: "is damaged (a page could not be read)".into(),
        };
        if self.inner.broken.load(Ordering::Relaxed) {
            return Err(damaged());
        }
        guard::guarded(&self.inner.index, f).map_err(|e| {
            if matches!(e, StoreError::IndexDamaged { ref detail, .. } if detail == guard::PANICKED) {
                self.inner.broken.store(true, Ordering::Relaxed);
                return damaged();
            }
            e.in_dir(&self.inner.dir)
        })
    }

    /// A write batch. Never call while this thread already holds one (the write lock is not reentrant).
    fn batch(&self) -> Result<Batch<'_>, StoreError> {
        Batch::begin(&self.inner)
    }

    /// Every committed write that adds or removes blocks (put, put_many, the streaming writer, CAR import, gc,
    /// remove, an aborted import, blocks found damaged), announced once after its commit. The channel is bounded:
    /// a receiver that lags gets `RecvError::Lagged` and must resync from [`Blockstore::cids`].
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<StoreChange> {
        self.inner.notifier.subscribe()
    }

    /// Stores one block durably in its own transaction. Returns false when it was already present.
    pub fn put(&self, block: &Block) -> Result<bool, StoreError> {
        Ok(self.put_many(std::slice::from_ref(block))? == 1)
    }

    /// Stores many blocks durably in one transaction. Returns how many were new.
    pub fn put_many(&self, blocks: &[Block]) -> Result<u64, StoreError> {
        self.call(|| {
            let mut batch = self.batch()?;
            for b in blocks {
                batch.put(b)?;
            }
            Ok(batch.commit()?.new_blocks)
        })
    }

    /// A streaming writer: blocks go through a bounded channel to a dedicated thread that batches them into
    /// few transactions. Use it for imports (add, CAR import) and network fetches.
    pub fn writer(&self) -> BlockWriter {
        BlockWriter::spawn(self.clone())
    }

    /// Removes a block. Returns false when it was not present.
    pub fn remove(&self, cid: &Cid) -> Result<bool, StoreError> {
        Ok(self.remove_keys(&[cid.hash().to_bytes()])?.removed_blocks == 1)
    }

    /// Removes blocks by multihash in one transaction.
    fn remove_keys(&self, keys: &[Vec<u8>]) -> Result<GcStats, StoreError> {
        self.call(|| {
            let mut batch = self.batch()?;
            let mut stats = GcStats::default();
            for key in keys {
                if let Some(len) = batch.remove(key)? {
                    stats.removed_blocks += 1;
                    stats.removed_bytes += len;
                }
            }
            batch.commit()?;
            Ok(stats)
        })
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_damage;
#[cfg(test)]
mod tests_migrate;
#[cfg(test)]
mod tests_notify;
