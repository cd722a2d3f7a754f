//! Pins, garbage collection with segment compaction.

use std::collections::{HashMap, HashSet};

use cid::Cid;
use redb::{ReadableDatabase, ReadableTable};

use super::read::ReadFail;
use super::tables::{Location, PINS, RETIRED, SEGMENTS};
use super::{Blockstore, GcStats, PinKind, StoreError};
use crate::node::dag::walk::walk_dag;

/// A live block to move out of a segment: its CID and where it is.
type Move = (Cid, Location);

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
        self.call(|| {
            let mut batch = self.batch()?;
            batch.set_pin(cid, Some(kind))?;
            batch.commit().map(|_| ())
        })
    }

    /// Removes the pins of `cid` (under any CID version with the same multihash). Returns false when none.
    pub fn pin_rm(&self, cid: &Cid) -> Result<bool, StoreError> {
        let matching: Vec<Cid> =
            self.pins()?.into_iter().filter(|(p, _)| p.hash() == cid.hash()).map(|(p, _)| p).collect();
        if matching.is_empty() {
            return Ok(false);
        }
        self.call(|| {
            let mut batch = self.batch()?;
            for pin in &matching {
                batch.set_pin(pin, None)?;
            }
            batch.commit().map(|_| true)
        })
    }

    pub fn pins(&self) -> Result<Vec<(Cid, PinKind)>, StoreError> {
        self.call(|| {
            let txn = self.inner.db.begin_read()?;
            let table = txn.open_table(PINS)?;
            let mut out = Vec::new();
            for row in table.iter()? {
                let (k, v) = row?;
                let cid =
                    Cid::try_from(k.value()).map_err(|e| StoreError::Corrupt(format!("pin is not a CID: {e}")))?;
                out.push((cid, if v.value() == 0 { PinKind::Recursive } else { PinKind::Direct }));
            }
            Ok(out)
        })
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
                })
                .map_err(|e| match e {
                    // Collecting now would take the rest of the DAG under the missing block.
                    StoreError::NotFound(missing) | StoreError::Damaged { cid: missing, .. } => {
                        StoreError::GcBlocked(format!(
                            "pinned DAG {cid} is missing block {missing} (damaged or removed): fetch it with \
                             `swarmscope dag fetch {cid}`, or unpin it"
                        ))
                    }
                    e => e,
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

    /// Copies the live blocks of mostly-dead segments into the active one, records the pins anew (the dropped
    /// segments may hold pin records) and deletes those segments. Damaged segments are left alone until nothing
    /// in them is live; damaged blocks met on the way are dropped as reads drop them.
    fn compact(&self) -> Result<(), StoreError> {
        let segments: Vec<(u32, u64, u64)> = self.call(|| {
            let txn = self.inner.db.begin_read()?;
            let mut v = Vec::new();
            for row in txn.open_table(SEGMENTS)?.iter()? {
                let (id, value) = row?;
                let (committed, live) = value.value();
                v.push((id.value(), committed, live));
            }
            Ok(v)
        })?;
        let victims: HashSet<u32> = segments
            .iter()
            .filter(|(id, committed, live)| {
                let mostly_dead = *committed > 0 && (*live as f64) < *committed as f64 * COMPACT_BELOW;
                mostly_dead && (*live == 0 || !self.inner.damaged.contains_key(id))
            })
            .map(|(id, ..)| *id)
            .collect();
        if victims.is_empty() {
            return Ok(());
        }
        let mut moving: HashMap<u32, Vec<Move>> = HashMap::new();
        self.for_each_location(&mut |cid, loc| {
            if let Some(segment) = loc.segment()
                && victims.contains(&segment)
            {
                moving.entry(segment).or_default().push((cid, loc));
            }
            Ok(())
        })?;
        self.call(|| {
            let mut batch = self.batch()?;
            if victims.contains(&batch.active_id()) {
                batch.roll_over()?;
            }
            for id in &victims {
                for (cid, loc) in moving.remove(id).unwrap_or_default() {
                    let key = cid.hash().to_bytes();
                    match self.read_verified(&cid, &loc) {
                        Ok(data) => batch.relocate(&key, &loc, &data)?,
                        Err(ReadFail::Damaged(reason)) => {
                            tracing::error!(%cid, "damaged block dropped during gc: {reason}");
                            batch.quarantine(&key, &loc)?;
                        }
                        Err(ReadFail::Io(e)) => return Err(e.into()),
                    }
                }
                batch.drop_segment(*id)?;
            }
            batch.write_pinset()?;
            batch.commit().map(|_| ())
        })?;
        let victims: Vec<u32> = victims.into_iter().collect();
        for &id in &victims {
            self.inner.readers.forget(id);
            let path = super::segments::segment_path(&self.inner.dir, id);
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        self.clear_retired(&victims)
    }

    /// Forgets dropped segments whose files are gone (else the next open deletes them).
    pub(super) fn clear_retired(&self, ids: &[u32]) -> Result<(), StoreError> {
        self.call(|| {
            let txn = super::open::write_txn(&self.inner.db)?;
            {
                let mut table = txn.open_table(RETIRED)?;
                for id in ids {
                    table.remove(*id)?;
                }
            }
            Ok(txn.commit()?)
        })
    }
}
