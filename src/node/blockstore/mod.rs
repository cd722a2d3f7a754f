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

mod batch;
mod gc;
mod gc_lock;
mod lock;
mod notify;
mod segments;
mod tables;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use cid::Cid;
use redb::{ReadableDatabase, ReadableTable};

use crate::node::block::{self, Block, BlockError};
use batch::Batch;
use segments::{ActiveSegment, SEGMENTS_DIR, SegmentReaders};
use tables::{BLOCKS, Location, META, META_BLOCKS, META_BYTES, PINS, SEGMENTS};

pub use gc_lock::GcHold;
use gc_lock::GcLock;
pub use lock::RepoLock;
use notify::Notifier;
pub use notify::{CHANGES_CAPACITY, StoreChange};
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
    #[error("cannot read links of {cid}: {reason}")]
    Links { cid: Cid, reason: String },
    #[error("repo is busy: {0} adds, imports or gets still running after 60 s; gc did nothing, try again")]
    Busy(usize),
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
    inner: Arc<Inner>,
}

struct Inner {
    dir: PathBuf,
    db: redb::Database,
    readers: SegmentReaders,
    /// Serialises every write (one redb writer at a time) and owns the segment being appended to.
    write: Mutex<WriteState>,
    gc_lock: Arc<GcLock>,
    notifier: Notifier,
    _lock: RepoLock,
}

struct WriteState {
    dir: PathBuf,
    active: ActiveSegment,
}

macro_rules! db_errors {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                StoreError::Db(e.to_string())
            }
        }
    )*};
}
db_errors!(redb::DatabaseError, redb::TransactionError, redb::TableError, redb::StorageError, redb::CommitError);

impl Blockstore {
    /// Opens (creating if needed) the repo at `dir`, taking its exclusive lock and recovering from a crash
    /// (segment tails not referenced by the index are truncated, segments never committed are removed).
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        let lock = RepoLock::acquire(dir)?;
        let db = redb::Database::create(dir.join(INDEX_FILE))?;
        {
            let txn = db.begin_write()?;
            txn.open_table(BLOCKS)?;
            txn.open_table(SEGMENTS)?;
            txn.open_table(PINS)?;
            txn.open_table(META)?;
            txn.commit()?;
        }
        let active = recover_segments(dir, &db)?;
        Ok(Self {
            inner: Arc::new(Inner {
                dir: dir.to_path_buf(),
                readers: SegmentReaders::new(dir),
                write: Mutex::new(WriteState { dir: dir.to_path_buf(), active }),
                gc_lock: Arc::default(),
                notifier: Notifier::default(),
                db,
                _lock: lock,
            }),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// Holds `gc` off while alive: take it before writing a DAG and keep it until the DAG is pinned.
    pub fn hold_gc(&self) -> GcHold {
        self.inner.gc_lock.hold()
    }

    fn write_state(&self) -> MutexGuard<'_, WriteState> {
        // A panic while writing leaves nothing half-committed (redb aborts the transaction): keep going.
        self.inner.write.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn batch(&self) -> Result<Batch<'_>, StoreError> {
        Batch::begin(&self.inner.db, &self.inner.notifier, self.write_state())
    }

    /// Every committed write that adds or removes blocks (put, put_many, the streaming writer, CAR import, gc,
    /// remove, an aborted import), announced once after its commit. The channel is bounded: a receiver that lags
    /// gets `RecvError::Lagged` and must resync from [`Blockstore::cids`].
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<StoreChange> {
        self.inner.notifier.subscribe()
    }

    /// Stores one block durably in its own transaction. Returns false when it was already present.
    pub fn put(&self, block: &Block) -> Result<bool, StoreError> {
        Ok(self.put_many(std::slice::from_ref(block))? == 1)
    }

    /// Stores many blocks durably in one transaction. Returns how many were new.
    pub fn put_many(&self, blocks: &[Block]) -> Result<u64, StoreError> {
        let mut batch = self.batch()?;
        for b in blocks {
            batch.put(b)?;
        }
        Ok(batch.commit()?.new_blocks)
    }

    /// A streaming writer: blocks go through a bounded channel to a dedicated thread that batches them into
    /// few transactions. Use it for imports (add, CAR import) and network fetches.
    pub fn writer(&self) -> BlockWriter {
        BlockWriter::spawn(self.clone())
    }

    fn location(&self, cid: &Cid) -> Result<Option<Location>, StoreError> {
        let txn = self.inner.db.begin_read()?;
        let table = txn.open_table(BLOCKS)?;
        let key = cid.hash().to_bytes();
        let Some(value) = table.get(key.as_slice())? else {
            return Ok(None);
        };
        Location::decode(value.value())
            .map(Some)
            .ok_or_else(|| StoreError::Corrupt(format!("unreadable index entry for {cid}")))
    }

    fn read_location(&self, loc: &Location) -> Result<Bytes, StoreError> {
        match loc {
            Location::Inline { data, .. } => Ok(Bytes::copy_from_slice(data)),
            Location::Segment { segment, offset, len, .. } => {
                Ok(Bytes::from(self.inner.readers.read(*segment, *offset, *len)?))
            }
        }
    }

    pub fn get(&self, cid: &Cid) -> Result<Option<Bytes>, StoreError> {
        if let Some(data) = crate::node::dag::store::identity_block(cid) {
            return Ok(Some(data));
        }
        match self.location(cid)? {
            None => Ok(None),
            Some(loc) => self.read_location(&loc).map(Some),
        }
    }

    pub fn has(&self, cid: &Cid) -> Result<bool, StoreError> {
        Ok(cid.hash().code() == block::IDENTITY || self.location(cid)?.is_some())
    }

    /// The block's length without reading it.
    pub fn size(&self, cid: &Cid) -> Result<Option<u64>, StoreError> {
        if cid.hash().code() == block::IDENTITY {
            return Ok(Some(cid.hash().digest().len() as u64));
        }
        Ok(self.location(cid)?.map(|l| l.len()))
    }

    /// Removes a block. Returns false when it was not present.
    pub fn remove(&self, cid: &Cid) -> Result<bool, StoreError> {
        Ok(self.remove_keys(&[cid.hash().to_bytes()])?.removed_blocks == 1)
    }

    /// Removes blocks by multihash in one transaction.
    fn remove_keys(&self, keys: &[Vec<u8>]) -> Result<GcStats, StoreError> {
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
    }

    /// Every stored block as a CIDv1 with the codec it was first stored under.
    pub fn cids(&self) -> Result<Vec<Cid>, StoreError> {
        let mut out = Vec::new();
        self.for_each_location(&mut |cid, _| {
            out.push(cid);
            Ok(())
        })?;
        Ok(out)
    }

    fn for_each_location(&self, f: &mut dyn FnMut(Cid, Location) -> Result<(), StoreError>) -> Result<(), StoreError> {
        let txn = self.inner.db.begin_read()?;
        let table = txn.open_table(BLOCKS)?;
        for row in table.iter()? {
            let (k, v) = row?;
            let mh = multihash::Multihash::<64>::from_bytes(k.value())
                .map_err(|e| StoreError::Corrupt(format!("index key is not a multihash: {e}")))?;
            let loc =
                Location::decode(v.value()).ok_or_else(|| StoreError::Corrupt("unreadable index entry".to_string()))?;
            f(Cid::new_v1(loc.codec(), mh), loc)?;
        }
        Ok(())
    }

    pub fn stat(&self) -> Result<StoreStat, StoreError> {
        let txn = self.inner.db.begin_read()?;
        let meta = txn.open_table(META)?;
        let get = |k: &str| -> Result<u64, StoreError> { Ok(meta.get(k)?.map_or(0, |v| v.value())) };
        Ok(StoreStat {
            blocks: get(META_BLOCKS)?,
            block_bytes: get(META_BYTES)?,
            disk_bytes: allocated_bytes(&self.inner.dir)?,
        })
    }
}

/// Allocated bytes of every file under `dir` (what `du` counts).
fn allocated_bytes(dir: &Path) -> Result<u64, StoreError> {
    use std::os::unix::fs::MetadataExt;
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() { allocated_bytes(&entry.path())? } else { meta.blocks() * 512 };
    }
    Ok(total)
}

/// Makes the segment files agree with the index after a crash; returns the segment to append to.
fn recover_segments(dir: &Path, db: &redb::Database) -> Result<ActiveSegment, StoreError> {
    let txn = db.begin_read()?;
    let table = txn.open_table(SEGMENTS)?;
    let mut known = std::collections::BTreeMap::new();
    for row in table.iter()? {
        let (id, value) = row?;
        known.insert(id.value(), value.value().0);
    }
    std::fs::create_dir_all(dir.join(SEGMENTS_DIR))?;
    for entry in std::fs::read_dir(dir.join(SEGMENTS_DIR))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(id) = segments::segment_id(&name) else {
            continue;
        };
        let len = entry.metadata()?.len();
        match known.get(&id) {
            // Created but never committed: nothing points into it.
            None => std::fs::remove_file(entry.path())?,
            Some(&committed) if len > committed => {
                std::fs::OpenOptions::new().write(true).open(entry.path())?.set_len(committed)?;
            }
            Some(&committed) if len < committed => {
                return Err(StoreError::Corrupt(format!(
                    "segment {name} has {len} bytes but the index references {committed}"
                )));
            }
            Some(_) => {}
        }
    }
    let (id, committed) = known.iter().next_back().map_or((1, 0), |(&id, &c)| (id, c));
    Ok(ActiveSegment::open(dir, id, committed)?)
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_notify;
