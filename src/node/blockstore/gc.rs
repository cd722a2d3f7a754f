//! Pins, garbage collection with segment compaction, and verification.

use std::collections::{HashMap, HashSet};

use cid::Cid;
use redb::{ReadableDatabase, ReadableTable};

use super::tables::{Location, PINS, SEGMENTS};
use super::{Blockstore, GcStats, PinKind, StoreError, VerifyReport};
use crate::node::block;
use crate::node::dag::walk::walk_dag;

/// A live block to move out of a segment: multihash key, codec, offset, length.
type Move = (Vec<u8>, u64, u64, u32);

/// A segment is compacted when less than this share of it is still live.
const COMPACT_BELOW: f64 = 0.75;

impl Blockstore {
    /// Pins `cid`. A recursive pin requires every block of the DAG to be present (dag-pb links are followed);
    /// the first missing block is named in the error.
    pub fn pin_add(&self, cid: &Cid, kind: PinKind) -> Result<(), StoreError> {
        // The blocks just walked must still be there when the pin lands.
        let _hold = self.hold_gc();
        match kind {
            PinKind::Recursive => walk_dag(self, cid, &mut |_, _| Ok(()))?,
            PinKind::Direct => {
                if !self.has(cid)? {
                    return Err(StoreError::NotFound(*cid));
                }
            }
        }
        let batch = self.batch()?;
        {
            let mut pins = batch.txn().open_table(PINS)?;
            let key = cid.to_bytes();
            // A recursive pin is never downgraded by a direct one.
            let current = pins.get(key.as_slice())?.map(|v| v.value());
            if !(current == Some(0) && kind == PinKind::Direct) {
                pins.insert(key.as_slice(), if kind == PinKind::Recursive { 0 } else { 1 })?;
            }
        }
        batch.commit()?;
        Ok(())
    }

    /// Removes the pins of `cid` (under any CID version with the same multihash). Returns false when none.
    pub fn pin_rm(&self, cid: &Cid) -> Result<bool, StoreError> {
        let matching: Vec<Vec<u8>> =
            self.pins()?.into_iter().filter(|(p, _)| p.hash() == cid.hash()).map(|(p, _)| p.to_bytes()).collect();
        if matching.is_empty() {
            return Ok(false);
        }
        let batch = self.batch()?;
        {
            let mut pins = batch.txn().open_table(PINS)?;
            for key in &matching {
                pins.remove(key.as_slice())?;
            }
        }
        batch.commit()?;
        Ok(true)
    }

    pub fn pins(&self) -> Result<Vec<(Cid, PinKind)>, StoreError> {
        let txn = self.inner.db.begin_read()?;
        let table = txn.open_table(PINS)?;
        let mut out = Vec::new();
        for row in table.iter()? {
            let (k, v) = row?;
            let cid = Cid::try_from(k.value()).map_err(|e| StoreError::Corrupt(format!("pin is not a CID: {e}")))?;
            out.push((cid, if v.value() == 0 { PinKind::Recursive } else { PinKind::Direct }));
        }
        Ok(out)
    }

    /// Removes every block no pin reaches, then compacts segments whose live share dropped.
    pub fn gc(&self) -> Result<GcStats, StoreError> {
        let _alone = self.inner.gc_lock.collect()?;
        let mut reachable: HashSet<Vec<u8>> = HashSet::new();
        for (cid, kind) in self.pins()? {
            match kind {
                PinKind::Direct => {
                    reachable.insert(cid.hash().to_bytes());
                }
                PinKind::Recursive => walk_dag(self, &cid, &mut |c, _| {
                    reachable.insert(c.hash().to_bytes());
                    Ok(())
                })?,
            }
        }
        let mut garbage = Vec::new();
        self.for_each_location(&mut |cid, _| {
            let key = cid.hash().to_bytes();
            if !reachable.contains(&key) {
                garbage.push(key);
            }
            Ok(())
        })?;
        let stats = self.remove_keys(&garbage)?;
        self.compact()?;
        Ok(stats)
    }

    /// Copies the live blocks of mostly-dead segments into the active one and deletes those segments.
    fn compact(&self) -> Result<(), StoreError> {
        let segments: Vec<(u32, u64, u64)> = {
            let txn = self.inner.db.begin_read()?;
            let table = txn.open_table(SEGMENTS)?;
            let mut v = Vec::new();
            for row in table.iter()? {
                let (id, value) = row?;
                let (committed, live) = value.value();
                v.push((id.value(), committed, live));
            }
            v
        };
        let victims: HashSet<u32> = segments
            .iter()
            .filter(|(_, committed, live)| *committed > 0 && (*live as f64) < *committed as f64 * COMPACT_BELOW)
            .map(|(id, ..)| *id)
            .collect();
        if victims.is_empty() {
            return Ok(());
        }
        let mut moving: HashMap<u32, Vec<Move>> = HashMap::new();
        self.for_each_location(&mut |cid, loc| {
            if let Location::Segment { codec, segment, offset, len } = loc
                && victims.contains(&segment)
            {
                moving.entry(segment).or_default().push((cid.hash().to_bytes(), codec, offset, len));
            }
            Ok(())
        })?;
        let mut batch = self.batch()?;
        if victims.contains(&batch.active_id()) {
            batch.roll_over()?;
        }
        for id in &victims {
            for (key, codec, offset, len) in moving.remove(id).unwrap_or_default() {
                let data = self.inner.readers.read(*id, offset, len)?;
                batch.relocate(&key, codec, &data, *id)?;
            }
            batch.drop_segment(*id)?;
        }
        batch.commit()?;
        for id in victims {
            self.inner.readers.forget(id);
            let path = super::segments::segment_path(&self.inner.dir, id);
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Re-reads and re-hashes every stored block.
    pub fn verify(&self) -> Result<VerifyReport, StoreError> {
        let mut report = VerifyReport::default();
        let mut locations = Vec::new();
        self.for_each_location(&mut |cid, loc| {
            locations.push((cid, loc));
            Ok(())
        })?;
        for (cid, loc) in locations {
            report.checked += 1;
            report.bytes += loc.len();
            let ok = match self.read_location(&loc) {
                Ok(data) => block::verify(&cid, &data).is_ok(),
                Err(_) => false,
            };
            if !ok {
                report.bad.push(cid.to_string());
            }
        }
        Ok(report)
    }
}
