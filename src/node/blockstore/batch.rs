//! One write transaction: block bodies appended to segments, index entries, segment lengths and running totals,
//! committed together. The segment is fsynced before the index commit, so the index never points at bytes that
//! a crash could lose.

use std::collections::{HashMap, HashSet};
use std::sync::MutexGuard;

use redb::ReadableTable;

use super::notify::{Notifier, StoreChange};
use super::segments::{ActiveSegment, SEGMENT_MAX};
use super::tables::{BLOCKS, INLINE_MAX, Location, META, META_BLOCKS, META_BYTES, SEGMENTS};
use super::{StoreError, WriteState};
use crate::node::block::{Block, IDENTITY};

/// What a committed batch did.
#[derive(Clone, Debug, Default)]
pub struct BatchResult {
    pub new_blocks: u64,
    pub new_bytes: u64,
    pub existing_blocks: u64,
    /// Multihashes of the blocks this batch newly stored.
    pub added: Vec<Vec<u8>>,
}

pub struct Batch<'a> {
    state: MutexGuard<'a, WriteState>,
    notifier: &'a Notifier,
    /// What this batch adds and removes, announced once after its commit.
    change: StoreChange,
    txn: Option<redb::WriteTransaction>,
    dir: std::path::PathBuf,
    /// Live-byte changes per segment, and the final lengths of segments rolled over in this batch.
    live: HashMap<u32, i64>,
    sealed: Vec<(u32, u64)>,
    seen: HashSet<Vec<u8>>,
    blocks_delta: i64,
    bytes_delta: i64,
    appended: bool,
    result: BatchResult,
}

impl<'a> Batch<'a> {
    pub fn begin(
        db: &redb::Database,
        notifier: &'a Notifier,
        state: MutexGuard<'a, WriteState>,
    ) -> Result<Self, StoreError> {
        let txn = Some(db.begin_write()?);
        let dir = state.dir.clone();
        Ok(Self {
            state,
            notifier,
            change: StoreChange::default(),
            txn,
            dir,
            live: HashMap::new(),
            sealed: Vec::new(),
            seen: HashSet::new(),
            blocks_delta: 0,
            bytes_delta: 0,
            appended: false,
            result: BatchResult::default(),
        })
    }

    /// Bytes of new blocks in this batch so far.
    pub fn new_bytes(&self) -> u64 {
        self.result.new_bytes
    }

    /// Adds a block unless present. Returns true when it is new.
    pub fn put(&mut self, block: &Block) -> Result<bool, StoreError> {
        if block.cid().hash().code() == IDENTITY {
            return Ok(false);
        }
        let key = block.cid().hash().to_bytes();
        let mut table = self.txn.as_ref().expect("open transaction").open_table(BLOCKS)?;
        if self.seen.contains(&key) || table.get(key.as_slice())?.is_some() {
            self.result.existing_blocks += 1;
            return Ok(false);
        }
        let codec = block.cid().codec();
        let data = block.data();
        let loc = if data.len() <= INLINE_MAX {
            Location::Inline { codec, data: data.to_vec() }
        } else {
            let len = u32::try_from(data.len()).map_err(|_| StoreError::Corrupt("block over 4 GiB".into()))?;
            let active = &mut self.state.active;
            if active.len > 0 && active.len + data.len() as u64 > SEGMENT_MAX {
                // Seal the full segment (its bytes are synced now, its length committed with this batch).
                active.sync()?;
                self.sealed.push((active.id, active.len));
                let next = ActiveSegment::open(&self.dir, active.id + 1, 0)?;
                *active = next;
            }
            let offset = active.append(data)?;
            self.appended = true;
            *self.live.entry(active.id).or_default() += i64::from(len);
            Location::Segment { codec, segment: active.id, offset, len }
        };
        table.insert(key.as_slice(), loc.encode().as_slice())?;
        drop(table);
        self.blocks_delta += 1;
        self.bytes_delta += data.len() as i64;
        self.result.new_blocks += 1;
        self.result.new_bytes += data.len() as u64;
        self.seen.insert(key.clone());
        self.change.added.push(cid::Cid::new_v1(codec, *block.cid().hash()));
        self.result.added.push(key);
        Ok(true)
    }

    /// Removes a block by multihash; returns its length when it was present.
    pub fn remove(&mut self, key: &[u8]) -> Result<Option<u64>, StoreError> {
        let mut table = self.txn.as_ref().expect("open transaction").open_table(BLOCKS)?;
        let Some(old) = table.remove(key)? else {
            return Ok(None);
        };
        let loc = Location::decode(old.value()).ok_or_else(|| StoreError::Corrupt("unreadable index entry".into()))?;
        drop(old);
        drop(table);
        if let Location::Segment { segment, len, .. } = loc {
            *self.live.entry(segment).or_default() -= i64::from(len);
        }
        self.blocks_delta -= 1;
        self.bytes_delta -= loc.len() as i64;
        if let Ok(mh) = multihash::Multihash::<64>::from_bytes(key) {
            self.change.removed.push(cid::Cid::new_v1(loc.codec(), mh));
        }
        Ok(Some(loc.len()))
    }

    /// Moves a block's body to the active segment (gc compaction) and points the index at it.
    pub fn relocate(&mut self, key: &[u8], codec: u64, data: &[u8], from: u32) -> Result<(), StoreError> {
        let len = data.len() as u32;
        let active = &mut self.state.active;
        if active.len > 0 && active.len + data.len() as u64 > SEGMENT_MAX {
            active.sync()?;
            self.sealed.push((active.id, active.len));
            *active = ActiveSegment::open(&self.dir, active.id + 1, 0)?;
        }
        let offset = active.append(data)?;
        self.appended = true;
        *self.live.entry(active.id).or_default() += i64::from(len);
        *self.live.entry(from).or_default() -= i64::from(len);
        let loc = Location::Segment { codec, segment: active.id, offset, len };
        self.txn.as_ref().expect("open transaction").open_table(BLOCKS)?.insert(key, loc.encode().as_slice())?;
        Ok(())
    }

    /// Forgets a segment in the index (its file is deleted by the caller after commit).
    pub fn drop_segment(&mut self, id: u32) -> Result<(), StoreError> {
        self.live.remove(&id);
        self.txn.as_ref().expect("open transaction").open_table(SEGMENTS)?.remove(id)?;
        Ok(())
    }

    /// The id of the segment being appended to.
    pub fn active_id(&self) -> u32 {
        self.state.active.id
    }

    /// Starts a new active segment so that the current one can be compacted away.
    pub fn roll_over(&mut self) -> Result<(), StoreError> {
        let active = &mut self.state.active;
        active.sync()?;
        self.sealed.push((active.id, active.len));
        *active = ActiveSegment::open(&self.dir, active.id + 1, 0)?;
        self.appended = true;
        Ok(())
    }

    /// The write transaction, for tables the batch does not manage (pins).
    pub fn txn(&self) -> &redb::WriteTransaction {
        self.txn.as_ref().expect("the transaction lives until commit consumes the batch")
    }

    /// Syncs appended bytes, then commits the index and announces what changed. On failure the appended tail is
    /// cut away and nothing is announced.
    pub fn commit(mut self) -> Result<BatchResult, StoreError> {
        match self.try_commit() {
            Ok(()) => {
                let active = &mut self.state.active;
                active.committed = active.len;
                // Announced while the write lock is still held, so changes arrive in commit order.
                self.notifier.announce(std::mem::take(&mut self.change));
                Ok(std::mem::take(&mut self.result))
            }
            Err(e) => {
                let _ = self.state.active.rollback();
                Err(e)
            }
        }
    }

    fn try_commit(&mut self) -> Result<(), StoreError> {
        if self.appended {
            self.state.active.sync()?;
        }
        {
            let mut segs = self.txn.as_ref().expect("open transaction").open_table(SEGMENTS)?;
            let mut lens: HashMap<u32, u64> = self.sealed.iter().copied().collect();
            if self.appended {
                lens.insert(self.state.active.id, self.state.active.len);
            }
            let ids: HashSet<u32> = lens.keys().chain(self.live.keys()).copied().collect();
            for id in ids {
                let (committed, live) = segs.get(id)?.map_or((0, 0), |v| v.value());
                let committed = lens.get(&id).copied().unwrap_or(committed);
                let live = (live as i64 + self.live.get(&id).copied().unwrap_or(0)).max(0) as u64;
                segs.insert(id, (committed, live))?;
            }
            let mut meta = self.txn.as_ref().expect("open transaction").open_table(META)?;
            for (key, delta) in [(META_BLOCKS, self.blocks_delta), (META_BYTES, self.bytes_delta)] {
                if delta != 0 {
                    let old = meta.get(key)?.map_or(0, |v| v.value());
                    meta.insert(key, (old as i64 + delta).max(0) as u64)?;
                }
            }
        }
        if let Some(txn) = self.txn.take() {
            txn.commit()?;
        }
        Ok(())
    }
}

impl Drop for Batch<'_> {
    /// A batch dropped uncommitted (an error, an abort) rolls back: redb drops the transaction, and the bytes it
    /// appended are cut so the next batch does not leave them dead inside the segment.
    fn drop(&mut self) {
        if self.txn.is_some() {
            let _ = self.state.active.rollback();
        }
    }
}
