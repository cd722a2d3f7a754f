//! Opening a repo: tell a fresh repo from one whose index was lost (`repo.json`), open the index (every page
//! checked, panics caught), make the segment files agree with it after a crash, and note what is damaged.
//!
//! What open may delete, and only with an intact index of this repo: the tail of a segment written after the
//! last commit, a segment created after the last commit (its id is above every id the index ever committed),
//! and segments compaction already dropped from the index. Everything else the index does not know is left
//! alone and reported.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use redb::{ReadableDatabase, ReadableTable};

use super::marker::{FORMAT, Marker};
use super::segments::{self, ActiveSegment, SEGMENTS_DIR, SegmentReaders};
use super::tables::{
    BAD, BLOCKS, Location, META, META_FORMAT, META_MAX_SEGMENT, META_REPO_ID, PINS, RETIRED, SEGMENTS,
};
use super::{Blockstore, INDEX_FILE, Inner, RepoLock, SegmentDamage, StoreError, WriteState, fsx, guard, migrate};

/// Opens the index file (created 0600 when missing), checking every page: a damaged file is an error here
/// rather than a panic later.
pub(super) fn open_db(path: &Path) -> Result<redb::Database, StoreError> {
    let damaged = |detail: String| StoreError::IndexDamaged { file: path.to_path_buf(), detail };
    let file = fsx::open_private(path)?;
    let backend = redb::backends::FileBackend::new(file).map_err(|e| damaged(format!("cannot be opened: {e}")))?;
    let db = redb::Builder::new()
        .set_check_integrity_on_open(true)
        .create_with_backend(backend)
        .map_err(|e| damaged(format!("is damaged: {e}")))?;
    // Every table exists from here on (a format-1 index lacks the newer ones).
    let txn = write_txn(&db)?;
    txn.open_table(BLOCKS)?;
    txn.open_table(SEGMENTS)?;
    txn.open_table(PINS)?;
    txn.open_table(META)?;
    txn.open_table(BAD)?;
    txn.open_table(RETIRED)?;
    txn.commit()?;
    Ok(db)
}

/// A write transaction outside a batch, committed in two phases like every other (batch.rs says why).
pub(super) fn write_txn(db: &redb::Database) -> Result<redb::WriteTransaction, StoreError> {
    let mut txn = db.begin_write()?;
    txn.set_two_phase_commit(true);
    Ok(txn)
}

fn meta(db: &redb::Database, key: &str) -> Result<Option<u64>, StoreError> {
    let txn = db.begin_read()?;
    Ok(txn.open_table(META)?.get(key)?.map(|v| v.value()))
}

/// Segment files by id, with their lengths.
pub(super) fn segment_files(dir: &Path) -> Result<BTreeMap<u32, u64>, StoreError> {
    let mut files = BTreeMap::new();
    let seg_dir = dir.join(SEGMENTS_DIR);
    let entries = match std::fs::read_dir(&seg_dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(files),
        Err(e) => return Err(e.into()),
    };
    for entry in entries {
        let entry = entry?;
        if let Some(id) = segments::segment_id(&entry.file_name().to_string_lossy()) {
            files.insert(id, entry.metadata()?.len());
        }
    }
    Ok(files)
}

pub(super) fn open(dir: &Path) -> Result<Blockstore, StoreError> {
    fsx::create_private_dir(dir)?;
    let lock = RepoLock::acquire(dir)?;
    let index = dir.join(INDEX_FILE);
    guard::guarded(&index, || open_locked(dir, lock)).map_err(|e| e.in_dir(dir))
}

/// Opens the repo with its lock held.
pub(super) fn open_locked(dir: &Path, lock: RepoLock) -> Result<Blockstore, StoreError> {
    let marker = Marker::read(dir)?;
    let index = dir.join(INDEX_FILE);
    let index_len = std::fs::metadata(&index).ok().map(|m| m.len());
    let damaged = |detail: &str| StoreError::IndexDamaged { file: index.clone(), detail: detail.into() };
    if let Some(m) = &marker
        && m.format > FORMAT
    {
        return Err(StoreError::Format { path: dir.to_path_buf(), found: m.format });
    }
    let holds_data = || -> Result<bool, StoreError> { Ok(segment_files(dir)?.values().any(|&len| len > 0)) };
    let fresh = match (&marker, index_len) {
        (Some(_), None) => return Err(damaged("is missing")),
        (Some(_), Some(0)) => return Err(damaged("is empty")),
        (None, None | Some(0)) if holds_data()? => {
            return Err(damaged("is missing or empty (and repo.json too) while the segments hold data"));
        }
        (None, None | Some(0)) => true,
        (_, Some(_)) => false,
    };
    let db = open_db(&index)?;
    let format = meta(&db, META_FORMAT)?;
    let mut migrating = false;
    if fresh {
        // A new repo: private, whoever created the directory (the TUI's log file may have, a moment ago).
        fsx::make_private(dir)?;
        let id = super::marker::random_id();
        let txn = write_txn(&db)?;
        {
            let mut meta = txn.open_table(META)?;
            meta.insert(META_FORMAT, FORMAT)?;
            meta.insert(META_REPO_ID, id)?;
        }
        txn.commit()?;
        Marker::new(id).write(dir)?;
    } else {
        match (&marker, format) {
            (Some(m), Some(FORMAT)) if meta(&db, META_REPO_ID)? == Some(m.id) => {}
            (Some(_), Some(FORMAT)) => return Err(damaged("belongs to another repo (its id is not repo.json's)")),
            (Some(_), _) => return Err(damaged("is not a format-2 index (it was made anew or replaced)")),
            // Created or migrated, but the marker was not written yet: finish that.
            (None, Some(FORMAT)) => {
                let id = meta(&db, META_REPO_ID)?.ok_or_else(|| damaged("has no repo id"))?;
                Marker::new(id).write(dir)?;
            }
            (None, Some(other)) => return Err(StoreError::Format { path: dir.to_path_buf(), found: other }),
            (None, None) => migrating = true,
        }
    }
    let recovered = recover(dir, &db, migrating)?;
    let store = Blockstore {
        inner: Arc::new(Inner {
            dir: dir.to_path_buf(),
            index,
            readers: SegmentReaders::new(dir),
            write: Mutex::new(WriteState { active: recovered.active }),
            gc_lock: Arc::default(),
            notifier: Default::default(),
            damaged: recovered.damaged,
            problems: recovered.problems,
            broken: AtomicBool::new(false),
            db,
            _lock: lock,
        }),
    };
    for p in store.problems() {
        tracing::warn!(repo = %dir.display(), "{p}");
    }
    if migrating {
        migrate::migrate(&store)?;
    }
    Ok(store)
}

struct Recovered {
    active: ActiveSegment,
    damaged: HashMap<u32, SegmentDamage>,
    problems: Vec<String>,
}

/// Makes the segment files agree with an intact index after a crash; notes missing and short segments; returns
/// the segment to append to. While a format-1 repo is migrated, appends go to segments from the migration floor
/// on (the older ones hold bare bodies).
fn recover(dir: &Path, db: &redb::Database, migrating: bool) -> Result<Recovered, StoreError> {
    let (known, retired) = {
        let txn = db.begin_read()?;
        let mut known = BTreeMap::new();
        for row in txn.open_table(SEGMENTS)?.iter()? {
            let (id, value) = row?;
            known.insert(id.value(), value.value().0);
        }
        let mut retired = HashSet::new();
        for row in txn.open_table(RETIRED)?.iter()? {
            retired.insert(row?.0.value());
        }
        (known, retired)
    };
    let top_known = known.keys().next_back().copied().unwrap_or(0);
    let max_segment = meta(db, META_MAX_SEGMENT)?.map_or(top_known, |m| (m as u32).max(top_known));
    fsx::create_private_dir(&dir.join(SEGMENTS_DIR))?;
    let files = segment_files(dir)?;
    let mut damaged: HashMap<u32, SegmentDamage> = HashMap::new();
    let mut problems = Vec::new();
    let name = |id: u32| format!("{SEGMENTS_DIR}/{id:06}.seg");
    for (&id, &len) in &files {
        let path = segments::segment_path(dir, id);
        if retired.contains(&id) {
            std::fs::remove_file(&path)?;
            continue;
        }
        match known.get(&id) {
            Some(&committed) if len > committed => {
                std::fs::OpenOptions::new().write(true).open(&path)?.set_len(committed)?;
            }
            Some(&committed) if len < committed => {
                damaged.insert(id, SegmentDamage { readable: len, missing: false, blocks: 0, bytes: 0 });
            }
            Some(_) => {}
            None if id > max_segment => std::fs::remove_file(&path)?,
            None => problems.push(format!(
                "segment {} is not in the index; it was left alone: run `swarmscope --repo {} repo verify \
                 --rebuild-index` to take its blocks back",
                name(id),
                dir.display()
            )),
        }
    }
    for (&id, &committed) in &known {
        if committed > 0 && !files.contains_key(&id) {
            damaged.insert(id, SegmentDamage { readable: 0, missing: true, blocks: 0, bytes: 0 });
        }
    }
    if !retired.is_empty() {
        let txn = write_txn(db)?;
        {
            let mut table = txn.open_table(RETIRED)?;
            for id in &retired {
                table.remove(*id)?;
            }
        }
        txn.commit()?;
    }
    if !damaged.is_empty() {
        count_damaged(db, &mut damaged)?;
        let mut ids: Vec<_> = damaged.keys().copied().collect();
        ids.sort();
        for id in ids {
            let d = damaged[&id];
            if d.blocks == 0 {
                continue; // nothing the index still wants is lost
            }
            let what = if d.missing {
                "is missing".to_string()
            } else {
                format!("has {} bytes, fewer than the index says ({})", d.readable, known[&id])
            };
            problems.push(format!(
                "segment {} {what}: {} blocks ({} bytes) cannot be read; restore the file and run `swarmscope \
                 --repo {} repo verify --rebuild-index`, or run `swarmscope --repo {} repo verify` to drop them so \
                 that a re-add or a fetch stores them again",
                name(id),
                d.blocks,
                d.bytes,
                dir.display(),
                dir.display()
            ));
        }
    }
    let floor = if migrating { migrate::floor(db, &known, &files)? } else { 0 };
    let (&last, &committed) = known.iter().next_back().unwrap_or((&0, &0));
    let active = if last != 0 && last >= floor && !damaged.contains_key(&last) {
        ActiveSegment::open(dir, last, committed)?
    } else {
        let top_file = files.keys().next_back().copied().unwrap_or(0);
        ActiveSegment::open(dir, floor.max(max_segment.max(top_file) + 1), 0)?
    };
    Ok(Recovered { active, damaged, problems })
}

/// Counts the blocks (and bytes) each damaged segment can no longer give back.
fn count_damaged(db: &redb::Database, damaged: &mut HashMap<u32, SegmentDamage>) -> Result<(), StoreError> {
    let txn = db.begin_read()?;
    for row in txn.open_table(BLOCKS)?.iter()? {
        let (k, v) = row?;
        let (Ok(mh), Some(loc)) = (multihash::Multihash::<64>::from_bytes(k.value()), Location::decode(v.value()))
        else {
            continue;
        };
        if let Some((segment, _, end)) = loc.span(&mh)
            && let Some(d) = damaged.get_mut(&segment)
            && end > d.readable
        {
            d.blocks += 1;
            d.bytes += loc.len();
        }
    }
    Ok(())
}

/// Reads a META value (for migration and rebuild).
pub(super) fn meta_value(db: &redb::Database, key: &str) -> Result<Option<u64>, StoreError> {
    meta(db, key)
}
