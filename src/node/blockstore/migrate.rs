//! Format 1 -> 2, on open. Format 1 kept bare bodies in segments and small blocks only inside the index, so a lost
//! index lost everything. The migration copies every block into records in new segments (ids from the migration
//! floor on), verifying each, a batch per transaction; a segment of bare bodies is dropped only once all its
//! blocks are copied. Each step commits, so a crash (SIGKILL included) loses nothing: the next open sees the
//! floor in the index and carries on. The last step records the pins as a record, sets the format and writes
//! `repo.json`.

use std::collections::BTreeMap;

use cid::Cid;
use redb::{ReadableDatabase, ReadableTable};

use super::marker::{FORMAT, Marker, random_id};
use super::read::ReadFail;
use super::tables::{BLOCKS, Location, META, META_FORMAT, META_MIGRATE_FLOOR, META_REPO_ID, SEGMENTS};
use super::{Blockstore, StoreError, fsx, segments};

/// A migration step copies up to this many bytes or blocks.
const STEP_BYTES: u64 = 64 << 20;
const STEP_BLOCKS: usize = if cfg!(test) { 8 } else { 4096 };

/// The first segment id that holds records: set when the migration starts, kept until it ends.
pub(super) fn floor(
    db: &redb::Database,
    known: &BTreeMap<u32, u64>,
    files: &BTreeMap<u32, u64>,
) -> Result<u32, StoreError> {
    if let Some(f) = super::open::meta_value(db, META_MIGRATE_FLOOR)? {
        return Ok(f as u32);
    }
    let top = known.keys().chain(files.keys()).copied().max().unwrap_or(0);
    let max_segment = super::open::meta_value(db, super::tables::META_MAX_SEGMENT)?.unwrap_or(0) as u32;
    let floor = top.max(max_segment) + 1;
    let txn = super::open::write_txn(db)?;
    txn.open_table(META)?.insert(META_MIGRATE_FLOOR, u64::from(floor))?;
    txn.commit()?;
    Ok(floor)
}

#[cfg(test)]
thread_local! {
    /// Test hook: a migration on this thread stops after this many steps, as a crash would.
    pub(super) static STOP_AFTER: std::cell::Cell<usize> = const { std::cell::Cell::new(usize::MAX) };
}

fn stop_after() -> usize {
    #[cfg(test)]
    return STOP_AFTER.with(std::cell::Cell::get);
    #[cfg(not(test))]
    usize::MAX
}

/// Runs (or finishes) the migration of an open format-1 store.
pub(super) fn migrate(store: &Blockstore) -> Result<(), StoreError> {
    let dir = store.dir().to_path_buf();
    tracing::info!(repo = %dir.display(), "migrating the repo to format {FORMAT}");
    let floor = super::open::meta_value(&store.inner.db, META_MIGRATE_FLOOR)?.unwrap_or(0) as u32;
    let mut after: Option<Vec<u8>> = None;
    let mut steps = 0usize;
    loop {
        let (todo, last) = next_step(store, after.as_deref(), floor)?;
        if todo.is_empty() && last.is_none() {
            break;
        }
        after = last;
        if todo.is_empty() {
            continue;
        }
        if steps >= stop_after() {
            return Err(StoreError::Corrupt("migration stopped (test)".into()));
        }
        let mut batch = store.batch()?;
        for (key, loc) in &todo {
            let mh = multihash::Multihash::<64>::from_bytes(key)
                .map_err(|e| StoreError::Corrupt(format!("index key is not a multihash: {e}")))?;
            let cid = Cid::new_v1(loc.codec(), mh);
            match store.read_verified(&cid, loc) {
                Ok(data) => batch.relocate(key, loc, &data)?,
                Err(ReadFail::Damaged(reason)) => {
                    tracing::error!(%cid, "damaged block found while migrating, dropped: {reason}");
                    batch.quarantine(key, loc)?;
                }
                Err(ReadFail::Io(e)) => return Err(e.into()),
            }
        }
        batch.commit()?;
        steps += 1;
    }
    finish(store, floor)?;
    for p in
        [dir.clone(), dir.join(segments::SEGMENTS_DIR), dir.join(super::INDEX_FILE), dir.join(super::lock::LOCK_FILE)]
    {
        fsx::make_private(&p)?;
    }
    for id in super::open::segment_files(&dir)?.keys() {
        fsx::make_private(&segments::segment_path(&dir, *id))?;
    }
    tracing::info!(repo = %dir.display(), "the repo is now format {FORMAT}");
    Ok(())
}

type Todo = Vec<(Vec<u8>, Location)>;

/// The next blocks still in format 1 (inline, or bare below the floor), after key `after`; and the last key
/// looked at (`None` at the end of the table).
fn next_step(store: &Blockstore, after: Option<&[u8]>, floor: u32) -> Result<(Todo, Option<Vec<u8>>), StoreError> {
    let txn = store.inner.db.begin_read()?;
    let table = txn.open_table(BLOCKS)?;
    let mut todo = Vec::new();
    let (mut bytes, mut looked, mut last) = (0u64, 0usize, None);
    let range = match after {
        Some(a) => table.range::<&[u8]>((std::ops::Bound::Excluded(a), std::ops::Bound::Unbounded))?,
        None => table.range::<&[u8]>(..)?,
    };
    for row in range {
        let (k, v) = row?;
        looked += 1;
        last = Some(k.value().to_vec());
        let Some(loc) = Location::decode(v.value()) else { continue };
        let old = match loc {
            Location::Inline { .. } => true,
            Location::Bare { segment, .. } | Location::Record { segment, .. } => segment < floor,
        };
        if old {
            bytes += loc.len();
            todo.push((k.value().to_vec(), loc));
        }
        if bytes >= STEP_BYTES || todo.len() >= STEP_BLOCKS || looked >= 16 * STEP_BLOCKS {
            return Ok((todo, last));
        }
    }
    Ok((todo, if looked == 0 { None } else { last }))
}

/// Drops the segments of bare bodies, records the pins, sets the format, then writes `repo.json`.
fn finish(store: &Blockstore, floor: u32) -> Result<(), StoreError> {
    let old: Vec<u32> = {
        let txn = store.inner.db.begin_read()?;
        let mut ids = Vec::new();
        for row in txn.open_table(SEGMENTS)?.iter()? {
            let id = row?.0.value();
            if id < floor {
                ids.push(id);
            }
        }
        ids
    };
    let id = random_id();
    let mut batch = store.batch()?;
    for seg in &old {
        batch.drop_segment(*seg)?;
    }
    batch.write_pinset()?;
    {
        let mut meta = batch.raw_txn()?.open_table(META)?;
        meta.insert(META_FORMAT, FORMAT)?;
        meta.insert(META_REPO_ID, id)?;
        meta.remove(META_MIGRATE_FLOOR)?;
    }
    batch.commit()?;
    for seg in &old {
        store.inner.readers.forget(*seg);
        match std::fs::remove_file(segments::segment_path(store.dir(), *seg)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    store.clear_retired(&old)?;
    Marker::new(id).write(store.dir())
}
