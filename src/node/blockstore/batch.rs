//! One write transaction: records appended to segments, index entries, segment lengths and running totals,
//! committed together. The segment is fsynced before the index commit, so the index never points at bytes that
//! a crash could lose; the commit is two-phase, so a damaged newest commit is an error at open, never a silent
//! fall-back to an older index (which would make committed records look like a tail to cut).

use std::collections::{HashMap, HashSet};
use std::sync::MutexGuard;

use cid::Cid;
use multihash::Multihash;
use redb::{ReadableTable, ReadableTableMetadata};

use super::notify::StoreChange;
use super::record::{self, Kind};
use super::segments::{ActiveSegment, SEGMENT_MAX};
use super::tables::{BAD, BLOCKS, Location, META, META_BLOCKS, META_BYTES, META_MAX_SEGMENT, PINS, RETIRED, SEGMENTS};
use super::{Inner, PinKind, StoreError, WriteState};
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
    inner: &'a Inner,
    state: MutexGuard<'a, WriteState>,
    txn: Option<redb::WriteTransaction>,
    /// What this batch adds and removes, announced once after its commit.
    change: StoreChange,
    /// Live-byte changes per segment, and the final lengths of segments rolled over in this batch.
    live: HashMap<u32, i64>,
    sealed: Vec<(u32, u64)>,
    retired: Vec<u32>,
    seen: HashSet<Vec<u8>>,
    blocks_delta: i64,
    bytes_delta: i64,
    appended: bool,
    /// Whether the bad-blocks table had entries when the batch began (a put then clears its block's entry).
    bad_present: bool,
    result: BatchResult,
}

fn mh_of(key: &[u8]) -> Result<Multihash<64>, StoreError> {
    Multihash::from_bytes(key).map_err(|e| StoreError::Corrupt(format!("index key is not a multihash: {e}")))
}

impl<'a> Batch<'a> {
    pub fn begin(inner: &'a Inner) -> Result<Self, StoreError> {
        let state = inner.write_state();
        let txn = super::open::write_txn(&inner.db)?;
        let bad_present = !txn.open_table(BAD)?.is_empty()?;
        Ok(Self {
            inner,
            state,
            txn: Some(txn),
            change: StoreChange::default(),
            live: HashMap::new(),
            sealed: Vec::new(),
            retired: Vec::new(),
            seen: HashSet::new(),
            blocks_delta: 0,
            bytes_delta: 0,
            appended: false,
            bad_present,
            result: BatchResult::default(),
        })
    }

    /// The open transaction; it lives until `commit` consumes the batch, so a missing one is a bug, reported.
    fn txn(&self) -> Result<&redb::WriteTransaction, StoreError> {
        self.txn.as_ref().ok_or_else(|| StoreError::Db("write batch used after its commit".into()))
    }

    /// Bytes of new blocks in this batch so far.
    pub fn new_bytes(&self) -> u64 {
        self.result.new_bytes
    }

    /// Appends one record to the active segment, rolling over to a new segment when it is full. Returns the
    /// segment and where the body starts.
    fn append(&mut self, header: &[u8], body: &[u8]) -> Result<(u32, u64), StoreError> {
        let total = (header.len() + body.len()) as u64;
        let active = &mut self.state.active;
        if active.len > 0 && active.len + total > SEGMENT_MAX {
            // Seal the full segment (its bytes are synced now, its length committed with this batch).
            active.sync()?;
            self.sealed.push((active.id, active.len));
            *active = ActiveSegment::open(&self.inner.dir, active.id + 1, 0)?;
        }
        let start = active.append(header, body)?;
        self.appended = true;
        Ok((active.id, start + header.len() as u64))
    }

    /// Appends a block record and returns its location; counts its bytes as live.
    fn append_block(&mut self, codec: u64, mh: &Multihash<64>, data: &[u8]) -> Result<Location, StoreError> {
        let len = u32::try_from(data.len()).map_err(|_| StoreError::Corrupt("block over 4 GiB".into()))?;
        let header = record::header(Kind::Block, &record::block_key(codec, mh), data);
        let (segment, offset) = self.append(&header, data)?;
        crate::node::copies::record(crate::node::copies::Site::SegmentWrite, data.len());
        *self.live.entry(segment).or_default() += (header.len() + data.len()) as i64;
        Ok(Location::Record { codec, segment, offset, len })
    }

    /// Adds a block unless present. Returns true when it is new. A present copy that cannot be read (its segment
    /// is missing or short) is replaced.
    pub fn put(&mut self, block: &Block) -> Result<bool, StoreError> {
        let mh = *block.cid().hash();
        if mh.code() == IDENTITY {
            return Ok(false);
        }
        let key = mh.to_bytes();
        if self.seen.contains(&key) {
            self.result.existing_blocks += 1;
            return Ok(false);
        }
        let existing = self.txn()?.open_table(BLOCKS)?.get(key.as_slice())?.map(|v| Location::decode(v.value()));
        match existing {
            Some(Some(loc)) if self.inner.readable(&loc, &mh) => {
                self.result.existing_blocks += 1;
                return Ok(false);
            }
            Some(Some(loc)) => self.forget(&key, &loc)?,
            Some(None) | None => {}
        }
        if self.bad_present {
            self.txn()?.open_table(BAD)?.remove(key.as_slice())?;
        }
        let codec = block.cid().codec();
        let data = block.data();
        let loc = self.append_block(codec, &mh, data)?;
        self.txn()?.open_table(BLOCKS)?.insert(key.as_slice(), loc.encode().as_slice())?;
        self.blocks_delta += 1;
        self.bytes_delta += data.len() as i64;
        self.result.new_blocks += 1;
        self.result.new_bytes += data.len() as u64;
        self.seen.insert(key.clone());
        self.change.added.push(Cid::new_v1(codec, mh));
        self.result.added.push(key);
        Ok(true)
    }

    /// Takes an entry out of the counts (its index row is replaced or removed by the caller).
    fn forget(&mut self, key: &[u8], loc: &Location) -> Result<(), StoreError> {
        if let Some((segment, span, _)) = loc.span(&mh_of(key)?) {
            *self.live.entry(segment).or_default() -= span as i64;
        }
        self.blocks_delta -= 1;
        self.bytes_delta -= loc.len() as i64;
        Ok(())
    }

    /// Removes a block by multihash; returns its length when it was present.
    pub fn remove(&mut self, key: &[u8]) -> Result<Option<u64>, StoreError> {
        let old = self.txn()?.open_table(BLOCKS)?.remove(key)?.map(|v| v.value().to_vec());
        let Some(old) = old else { return Ok(None) };
        let loc = Location::decode(&old).ok_or_else(|| StoreError::Corrupt("unreadable index entry".into()))?;
        self.forget(key, &loc)?;
        self.change.removed.push(Cid::new_v1(loc.codec(), mh_of(key)?));
        Ok(Some(loc.len()))
    }

    /// Drops a block found damaged at `seen` (unless it was replaced meanwhile) and remembers it as bad, so that
    /// it reads as missing and a re-add or fetch stores it again. Returns whether it was dropped.
    pub fn quarantine(&mut self, key: &[u8], seen: &Location) -> Result<bool, StoreError> {
        let current = self.txn()?.open_table(BLOCKS)?.get(key)?.and_then(|v| Location::decode(v.value()));
        if current.as_ref() != Some(seen) {
            return Ok(false);
        }
        self.remove(key)?;
        let cid = Cid::new_v1(seen.codec(), mh_of(key)?);
        self.change.damaged.push(cid);
        self.txn()?.open_table(BAD)?.insert(key, seen.codec().to_le_bytes().as_slice())?;
        Ok(true)
    }

    /// Moves a block to the active segment (compaction, migration) and points the index at it.
    pub fn relocate(&mut self, key: &[u8], from: &Location, data: &[u8]) -> Result<(), StoreError> {
        let mh = mh_of(key)?;
        if let Some((segment, span, _)) = from.span(&mh) {
            *self.live.entry(segment).or_default() -= span as i64;
        }
        let loc = self.append_block(from.codec(), &mh, data)?;
        self.txn()?.open_table(BLOCKS)?.insert(key, loc.encode().as_slice())?;
        Ok(())
    }

    /// Sets (`Some`) or removes (`None`) the pin of `cid`, in the index and as a record in the segment, so that a
    /// rebuilt index has it back. A recursive pin is never downgraded by a direct one.
    pub fn set_pin(&mut self, cid: &Cid, kind: Option<PinKind>) -> Result<(), StoreError> {
        let key = cid.to_bytes();
        let op = {
            let mut pins = self.txn()?.open_table(PINS)?;
            let current = pins.get(key.as_slice())?.map(|v| v.value());
            match kind {
                Some(PinKind::Direct) if current == Some(record::PIN_RECURSIVE) => return Ok(()),
                Some(k) => {
                    let op = if k == PinKind::Recursive { record::PIN_RECURSIVE } else { record::PIN_DIRECT };
                    if current == Some(op) {
                        return Ok(());
                    }
                    pins.insert(key.as_slice(), op)?;
                    op
                }
                None => {
                    if pins.remove(key.as_slice())?.is_none() {
                        return Ok(());
                    }
                    record::PIN_REMOVED
                }
            }
        };
        let body = [op];
        self.append(&record::header(Kind::Pin, &key, &body), &body)?;
        Ok(())
    }

    /// Appends every pin as one record: what a rebuild takes over from here on, whatever older records said.
    pub fn write_pinset(&mut self) -> Result<(), StoreError> {
        let mut pins = Vec::new();
        for row in self.txn()?.open_table(PINS)?.iter()? {
            let (k, v) = row?;
            pins.push((k.value().to_vec(), v.value()));
        }
        let body = record::encode_pinset(&pins);
        self.append(&record::header(Kind::PinSet, &[], &body), &body)?;
        Ok(())
    }

    /// Forgets a segment in the index; its file is deleted by the caller after commit (or on the next open).
    pub fn drop_segment(&mut self, id: u32) -> Result<(), StoreError> {
        self.live.remove(&id);
        self.txn()?.open_table(SEGMENTS)?.remove(id)?;
        self.retired.push(id);
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
        *active = ActiveSegment::open(&self.inner.dir, active.id + 1, 0)?;
        self.appended = true;
        Ok(())
    }

    /// The write transaction, for bookkeeping the batch does not manage (META during migration).
    pub fn raw_txn(&self) -> Result<&redb::WriteTransaction, StoreError> {
        self.txn()
    }

    /// Syncs appended bytes, then commits the index and announces what changed. On failure the appended tail is
    /// cut away and nothing is announced.
    pub fn commit(mut self) -> Result<BatchResult, StoreError> {
        match self.try_commit() {
            Ok(()) => {
                let active = &mut self.state.active;
                active.committed = active.len;
                // Announced while the write lock is still held, so changes arrive in commit order.
                self.inner.notifier.announce(std::mem::take(&mut self.change));
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
            let txn = self.txn()?;
            let mut segs = txn.open_table(SEGMENTS)?;
            let mut lens: HashMap<u32, u64> = self.sealed.iter().copied().collect();
            if self.appended {
                lens.insert(self.state.active.id, self.state.active.len);
            }
            // A segment dropped in this batch (compaction rolls the active one over, then drops it) stays dropped.
            let ids: HashSet<u32> =
                lens.keys().chain(self.live.keys()).copied().filter(|id| !self.retired.contains(id)).collect();
            for &id in &ids {
                let (committed, live) = segs.get(id)?.map_or((0, 0), |v| v.value());
                let committed = lens.get(&id).copied().unwrap_or(committed);
                let live = (live as i64 + self.live.get(&id).copied().unwrap_or(0)).max(0) as u64;
                segs.insert(id, (committed, live))?;
            }
            let mut meta = txn.open_table(META)?;
            for (key, delta) in [(META_BLOCKS, self.blocks_delta), (META_BYTES, self.bytes_delta)] {
                if delta != 0 {
                    let old = meta.get(key)?.map_or(0, |v| v.value());
                    meta.insert(key, (old as i64 + delta).max(0) as u64)?;
                }
            }
            if let Some(&top) = lens.keys().max() {
                let old = meta.get(META_MAX_SEGMENT)?.map_or(0, |v| v.value());
                if u64::from(top) > old {
                    meta.insert(META_MAX_SEGMENT, u64::from(top))?;
                }
            }
            let mut retired = txn.open_table(RETIRED)?;
            for &id in &self.retired {
                retired.insert(id, ())?;
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
