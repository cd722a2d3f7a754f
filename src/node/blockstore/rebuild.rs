//! `repo verify --rebuild-index`: a new index from the segments alone. Every record of every segment is read and
//! every block re-hashed; blocks, pins (replayed in write order), segment lengths and totals are rebuilt into a
//! new file, which then replaces the old index (kept as `index.redb.before-rebuild`). Nothing is deleted: a
//! segment with no readable record at all is renamed `*.seg.damaged` and left for the user, and new records go
//! to a new segment.
//!
//! A rebuilt index may hold blocks that were removed (gc, `block rm`) but whose segment was not compacted yet:
//! they are unpinned, verified copies, and the next `repo gc` removes them again.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use super::marker::{FORMAT, Marker, random_id};
use super::record::{PIN_DIRECT, PIN_RECURSIVE, PIN_REMOVED};
use super::scan::{Found, scan};
use super::segments::{self, SEGMENTS_DIR};
use super::tables::{
    BAD, BLOCKS, Location, META, META_BLOCKS, META_BYTES, META_FORMAT, META_MAX_SEGMENT, META_REPO_ID, PINS, SEGMENTS,
};
use super::{Blockstore, INDEX_FILE, RepoLock, StoreError, fsx, guard, open};

/// The new index is built here, then renamed over `index.redb`.
const REBUILD_FILE: &str = "index.redb.rebuild";
/// Where the index that was there before is kept.
pub const BEFORE_REBUILD_FILE: &str = "index.redb.before-rebuild";

/// What a rebuild kept and what it skipped (`repo verify --rebuild-index --json` prints it, also through a daemon).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RebuildReport {
    /// Segment files read.
    pub segments: u64,
    /// Blocks kept (each verified), and their bytes.
    pub blocks: u64,
    pub block_bytes: u64,
    /// Pins restored.
    pub pins: u64,
    /// Further good copies of blocks already kept (left by compaction or re-adds), skipped.
    pub duplicates: u64,
    /// Blocks with a sound record whose bytes are cut short or do not hash to their CID, and no good copy
    /// anywhere: skipped (and counted as bad blocks), as CIDv1 strings.
    pub damaged_blocks: Vec<String>,
    /// Bytes that hold no readable record, as "segments/000003.seg: N bytes at OFFSET".
    pub damaged_ranges: Vec<String>,
    /// Segments with no readable record, renamed to `*.seg.damaged` and left in place.
    pub set_aside: Vec<String>,
    /// Where the previous index was kept, if there was one.
    pub old_index: Option<String>,
}

pub(super) fn rebuild(dir: &Path) -> Result<(Blockstore, RebuildReport), StoreError> {
    fsx::create_private_dir(dir)?;
    let lock = RepoLock::acquire(dir)?;
    let index = dir.join(INDEX_FILE);
    guard::guarded(&index, || rebuild_locked(dir, lock)).map_err(|e| e.in_dir(dir))
}

fn rebuild_locked(dir: &Path, lock: RepoLock) -> Result<(Blockstore, RebuildReport), StoreError> {
    let index = dir.join(INDEX_FILE);
    let marker = Marker::read(dir).ok().flatten();
    // A format-1 repo's segments hold bare bodies that only its index can find: migrate it first, if it opens.
    if marker.is_none() && std::fs::metadata(&index).is_ok_and(|m| m.len() > 0) {
        let v1 = open::open_db(&index).and_then(|db| open::meta_value(&db, META_FORMAT)).is_ok_and(|f| f.is_none());
        if v1 {
            drop(open::open_locked(dir, lock.try_clone()?)?);
        }
    }
    let marker = Marker::read(dir).ok().flatten();
    let id = marker.map_or_else(random_id, |m| m.id);
    let tmp = dir.join(REBUILD_FILE);
    match std::fs::remove_file(&tmp) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
        _ => {}
    }
    let mut report = RebuildReport::default();
    let files = open::segment_files(dir)?;
    let mut set_aside = Vec::new();
    {
        let db = open::open_db(&tmp)?;
        let txn = open::write_txn(&db)?;
        let mut pins: BTreeMap<Vec<u8>, u8> = BTreeMap::new();
        {
            let mut blocks = txn.open_table(BLOCKS)?;
            let mut segs = txn.open_table(SEGMENTS)?;
            let mut bad: HashMap<Vec<u8>, (u64, String)> = HashMap::new();
            let mut kept: HashSet<Vec<u8>> = HashSet::new();
            for (&seg, &len) in &files {
                let name = format!("{SEGMENTS_DIR}/{seg:06}.seg");
                let file = std::fs::File::open(segments::segment_path(dir, seg))?;
                report.segments += 1;
                let (mut good, mut live) = (0u64, 0u64);
                let mut failed: Option<StoreError> = None;
                scan(&file, len, &mut |found| {
                    if failed.is_some() {
                        return;
                    }
                    match found {
                        Found::Block { cid, offset, len, record_len } => {
                            good += 1;
                            let key = cid.hash().to_bytes();
                            if !kept.insert(key.clone()) {
                                report.duplicates += 1;
                                return;
                            }
                            bad.remove(&key);
                            let loc = Location::Record { codec: cid.codec(), segment: seg, offset, len };
                            if let Err(e) = blocks.insert(key.as_slice(), loc.encode().as_slice()) {
                                failed = Some(e.into());
                            }
                            report.blocks += 1;
                            report.block_bytes += u64::from(len);
                            live += record_len;
                        }
                        Found::BadBlock { cid, offset, reason } => {
                            let key = cid.hash().to_bytes();
                            if !kept.contains(&key) {
                                bad.insert(key, (cid.codec(), format!("{cid} ({name} at {offset}: {reason})")));
                            }
                        }
                        Found::Pin { cid, op } => {
                            good += 1;
                            match op {
                                PIN_RECURSIVE | PIN_DIRECT => {
                                    pins.insert(cid, op);
                                }
                                PIN_REMOVED => {
                                    pins.remove(&cid);
                                }
                                _ => {}
                            }
                        }
                        Found::PinSet(all) => {
                            good += 1;
                            pins = all.into_iter().collect();
                        }
                        Found::Damaged { offset, len } => {
                            report.damaged_ranges.push(format!("{name}: {len} bytes at {offset}"));
                        }
                    }
                })?;
                if let Some(e) = failed {
                    return Err(e);
                }
                if good == 0 && len > 0 {
                    set_aside.push(seg);
                    report.set_aside.push(format!("{name}.damaged"));
                } else {
                    segs.insert(seg, (len, live))?;
                }
            }
            let mut bad_table = txn.open_table(BAD)?;
            let mut bad: Vec<_> = bad.into_iter().collect();
            bad.sort();
            for (key, (codec, line)) in bad {
                bad_table.insert(key.as_slice(), codec.to_le_bytes().as_slice())?;
                report.damaged_blocks.push(line);
            }
            let mut pin_table = txn.open_table(PINS)?;
            for (cid, op) in &pins {
                pin_table.insert(cid.as_slice(), *op)?;
            }
            report.pins = pins.len() as u64;
            let mut meta = txn.open_table(META)?;
            meta.insert(META_BLOCKS, report.blocks)?;
            meta.insert(META_BYTES, report.block_bytes)?;
            meta.insert(META_FORMAT, FORMAT)?;
            meta.insert(META_REPO_ID, id)?;
            // New records go to a new segment: nothing is appended after bytes the rebuild could not read.
            let next = files.keys().next_back().copied().unwrap_or(0) + 1;
            segs.insert(next, (0, 0))?;
            meta.insert(META_MAX_SEGMENT, u64::from(next))?;
        }
        txn.commit()?;
    }
    if index.exists() {
        let old = dir.join(BEFORE_REBUILD_FILE);
        std::fs::rename(&index, &old)?;
        report.old_index = Some(old.display().to_string());
    }
    std::fs::rename(&tmp, &index)?;
    fsx::sync_dir(dir)?;
    for seg in set_aside {
        let path = segments::segment_path(dir, seg);
        let mut aside = path.clone().into_os_string();
        aside.push(".damaged");
        std::fs::rename(&path, aside)?;
    }
    fsx::sync_dir(&dir.join(SEGMENTS_DIR))?;
    Marker::new(id).write(dir)?;
    tracing::info!(repo = %dir.display(), blocks = report.blocks, pins = report.pins, "index rebuilt from the segments");
    Ok((open::open_locked(dir, lock)?, report))
}
