//! Verified reads. Every block read out of the store is hashed against its CID here, once: a block whose bytes
//! changed on disk, or whose segment is missing or short, is an error to the reader ([`StoreError::Damaged`]),
//! is dropped from the index and counted (`bad_blocks`), and from then on reads as missing, so that a re-add or a
//! network fetch stores a good copy. Other I/O errors (too many open files…) are returned as they are and drop
//! nothing.

use bytes::Bytes;
use cid::Cid;
use multihash::Multihash;
use redb::{ReadableDatabase, ReadableTable, ReadableTableMetadata};

use super::tables::{BAD, BLOCKS, Location, META, META_BLOCKS, META_BYTES};
use super::{Blockstore, StoreError, StoreStat, VerifyReport};
use crate::node::block::{self, Block};
use crate::node::copies::{self, Site};
use crate::node::dag::store::identity_block;

/// Why a read did not return good bytes.
pub(super) enum ReadFail {
    /// The block is damaged: what to tell the reader.
    Damaged(String),
    Io(std::io::Error),
}

impl Blockstore {
    pub(super) fn location(&self, mh: &Multihash<64>) -> Result<Option<Location>, StoreError> {
        let txn = self.inner.db.begin_read()?;
        let table = txn.open_table(BLOCKS)?;
        let Some(value) = table.get(mh.to_bytes().as_slice())? else {
            return Ok(None);
        };
        Location::decode(value.value())
            .map(Some)
            .ok_or_else(|| StoreError::Corrupt(format!("unreadable index entry for {}", Cid::new_v1(block::RAW, *mh))))
    }

    /// Reads a block's bytes and checks them against `cid`. Never writes: callers decide what to do with damage.
    pub(super) fn read_verified(&self, cid: &Cid, loc: &Location) -> Result<Bytes, ReadFail> {
        let seg_name = |id: u32| {
            let path = self.inner.readers.path(id);
            path.strip_prefix(&self.inner.dir).map(|p| p.display().to_string()).unwrap_or(path.display().to_string())
        };
        if !self.inner.readable(loc, cid.hash()) {
            let id = loc.segment().unwrap_or_default();
            let d = self.inner.damaged[&id];
            let what = if d.missing { "is missing" } else { "is shorter than the index says" };
            return Err(ReadFail::Damaged(format!(
                "segment {} {what}; {} blocks ({} bytes) in it cannot be read",
                seg_name(id),
                d.blocks,
                d.bytes
            )));
        }
        let data = match loc {
            Location::Inline { data, .. } => {
                copies::record(Site::SegmentRead, data.len());
                Bytes::copy_from_slice(data)
            }
            Location::Bare { segment, offset, len, .. } | Location::Record { segment, offset, len, .. } => {
                match self.inner.readers.read(*segment, *offset, *len) {
                    Ok(data) => Bytes::from(data),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        return Err(ReadFail::Damaged(format!("segment {} is missing", seg_name(*segment))));
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                        return Err(ReadFail::Damaged(format!("segment {} is cut short", seg_name(*segment))));
                    }
                    Err(e) => {
                        let path = self.inner.readers.path(*segment);
                        return Err(ReadFail::Io(std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))));
                    }
                }
            }
        };
        match block::verify(cid, &data) {
            Ok(()) => Ok(data),
            Err(_) => Err(ReadFail::Damaged("its bytes do not hash to its CID".into())),
        }
    }

    /// Drops a damaged block (it then reads as missing) and says so: an error log line and a store change.
    fn quarantine(&self, cid: &Cid, loc: &Location, reason: &str) -> Result<(), StoreError> {
        tracing::error!(%cid, repo = %self.inner.dir.display(), "damaged block dropped from the store: {reason}");
        let mut batch = self.batch()?;
        if batch.quarantine(&cid.hash().to_bytes(), loc)? {
            batch.commit()?;
        }
        Ok(())
    }

    /// A block's bytes, verified against `cid`. `Ok(None)` when it is not stored (or was found damaged before).
    pub fn get(&self, cid: &Cid) -> Result<Option<Bytes>, StoreError> {
        if let Some(data) = identity_block(cid) {
            return Ok(Some(data));
        }
        self.call(|| {
            let Some(loc) = self.location(cid.hash())? else { return Ok(None) };
            match self.read_verified(cid, &loc) {
                Ok(data) => Ok(Some(data)),
                Err(ReadFail::Io(e)) => Err(e.into()),
                Err(ReadFail::Damaged(reason)) => {
                    self.quarantine(cid, &loc, &reason)?;
                    Err(StoreError::Damaged { cid: *cid, reason: reason.into() })
                }
            }
        })
    }

    /// Like [`Blockstore::get`], as a [`Block`] under the CID asked for: the bytes were verified by the read, so
    /// the caller (the Bitswap server) does not hash them again.
    pub fn get_block(&self, cid: &Cid) -> Result<Option<Block>, StoreError> {
        Ok(self.get(cid)?.map(|data| Block::verified_by_store(*cid, data)))
    }

    /// Whether a readable copy is stored (a block in a missing or short segment is not).
    pub fn has(&self, cid: &Cid) -> Result<bool, StoreError> {
        if cid.hash().code() == block::IDENTITY {
            return Ok(true);
        }
        self.call(|| Ok(self.location(cid.hash())?.is_some_and(|l| self.inner.readable(&l, cid.hash()))))
    }

    /// The block's length without reading it.
    pub fn size(&self, cid: &Cid) -> Result<Option<u64>, StoreError> {
        if cid.hash().code() == block::IDENTITY {
            return Ok(Some(cid.hash().digest().len() as u64));
        }
        self.call(|| Ok(self.location(cid.hash())?.filter(|l| self.inner.readable(l, cid.hash())).map(|l| l.len())))
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

    pub(super) fn for_each_location(
        &self,
        f: &mut dyn FnMut(Cid, Location) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.call(|| {
            let txn = self.inner.db.begin_read()?;
            let table = txn.open_table(BLOCKS)?;
            for row in table.iter()? {
                let (k, v) = row?;
                let mh = Multihash::<64>::from_bytes(k.value())
                    .map_err(|e| StoreError::Corrupt(format!("index key is not a multihash: {e}")))?;
                let loc = Location::decode(v.value())
                    .ok_or_else(|| StoreError::Corrupt("unreadable index entry".to_string()))?;
                f(Cid::new_v1(loc.codec(), mh), loc)?;
            }
            Ok(())
        })
    }

    pub fn stat(&self) -> Result<StoreStat, StoreError> {
        self.call(|| {
            let txn = self.inner.db.begin_read()?;
            let meta = txn.open_table(META)?;
            let get = |k: &str| -> Result<u64, StoreError> { Ok(meta.get(k)?.map_or(0, |v| v.value())) };
            Ok(StoreStat {
                blocks: get(META_BLOCKS)?,
                block_bytes: get(META_BYTES)?,
                disk_bytes: allocated_bytes(&self.inner.dir)?,
                bad_blocks: txn.open_table(BAD)?.len()?,
            })
        })
    }

    /// Re-reads and re-hashes every stored block. Damaged ones are dropped (in one transaction) so that they read
    /// as missing from now on; the report lists them.
    pub fn verify(&self) -> Result<VerifyReport, StoreError> {
        let mut report = VerifyReport { problems: self.inner.problems.clone(), ..Default::default() };
        let mut locations = Vec::new();
        self.for_each_location(&mut |cid, loc| {
            locations.push((cid, loc));
            Ok(())
        })?;
        let mut damaged = Vec::new();
        for (cid, loc) in locations {
            report.checked += 1;
            report.bytes += loc.len();
            match self.read_verified(&cid, &loc) {
                Ok(_) => {}
                Err(ReadFail::Damaged(reason)) => {
                    tracing::error!(%cid, "damaged block dropped from the store: {reason}");
                    report.bad.push(cid.to_string());
                    damaged.push((cid, loc));
                }
                Err(ReadFail::Io(e)) => report.bad.push(format!("{cid} (unreadable: {e})")),
            }
        }
        if !damaged.is_empty() {
            self.call(|| {
                let mut batch = self.batch()?;
                for (cid, loc) in &damaged {
                    batch.quarantine(&cid.hash().to_bytes(), loc)?;
                }
                batch.commit().map(|_| ())
            })?;
        }
        Ok(report)
    }
}

/// Allocated bytes of every file under `dir` (what `du` counts).
fn allocated_bytes(dir: &std::path::Path) -> Result<u64, StoreError> {
    use std::os::unix::fs::MetadataExt;
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() { allocated_bytes(&entry.path())? } else { meta.blocks() * 512 };
    }
    Ok(total)
}
