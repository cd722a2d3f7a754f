//! Damage: lost and damaged indexes, damaged segments, verified reads.

use super::*;
use crate::node::block::{DAG_PB, RAW, SHA2_256};
use crate::node::dag::pb::{Link, Node};

fn raw(seed: u8, len: usize) -> Block {
    let data: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect();
    Block::from_data(cid::Version::V1, RAW, SHA2_256, data).unwrap()
}

fn seg(dir: &Path, id: u32) -> PathBuf {
    segments::segment_path(dir, id)
}

fn flip(path: &Path, at: u64, n: usize) {
    let mut bytes = std::fs::read(path).unwrap();
    for b in &mut bytes[at as usize..at as usize + n] {
        *b ^= 0xff;
    }
    std::fs::write(path, bytes).unwrap();
}

/// A DAG of `n` leaves under a dag-pb root, all stored, the root pinned recursively.
fn pinned_dag(store: &Blockstore, seed: u8, n: u8, leaf: usize) -> (Block, Vec<Block>) {
    let leaves: Vec<Block> = (0..n).map(|i| raw(seed.wrapping_add(i), leaf)).collect();
    let links = leaves.iter().map(|l| Link { cid: *l.cid(), name: String::new(), tsize: Some(leaf as u64) }).collect();
    let root = Block::from_data(cid::Version::V0, DAG_PB, SHA2_256, Node { data: None, links }.encode()).unwrap();
    store.put_many(&leaves).unwrap();
    store.put(&root).unwrap();
    store.pin_add(root.cid(), PinKind::Recursive).unwrap();
    (root, leaves)
}

fn index_error(r: Result<Blockstore, StoreError>) -> String {
    match r {
        Err(e @ StoreError::IndexDamaged { .. }) => e.to_string(),
        Err(e) => panic!("expected an index error, got {e}"),
        Ok(_) => panic!("expected an index error, the repo opened"),
    }
}

#[test]
fn a_lost_empty_or_foreign_index_deletes_nothing_and_says_what_to_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (root, leaves) = {
        let store = Blockstore::open(d).unwrap();
        pinned_dag(&store, 1, 6, 100_000)
    };
    let seg_len = std::fs::metadata(seg(d, 1)).unwrap().len();
    assert!(seg_len > 600_000);
    let index = d.join(INDEX_FILE);
    let good_index = std::fs::read(&index).unwrap();

    // Missing, empty, or a fresh index of another repo: refused, segments untouched.
    std::fs::remove_file(&index).unwrap();
    let msg = index_error(Blockstore::open(d));
    assert!(msg.contains("is missing") && msg.contains("repo verify --rebuild-index"), "{msg}");
    assert!(msg.contains(&format!("--repo {}", d.display())), "the hint names the repo: {msg}");
    std::fs::write(&index, b"").unwrap();
    assert!(index_error(Blockstore::open(d)).contains("is empty"));
    std::fs::remove_file(&index).unwrap();
    {
        let other = tempfile::tempdir().unwrap();
        drop(Blockstore::open(other.path()).unwrap());
        std::fs::copy(other.path().join(INDEX_FILE), &index).unwrap();
    }
    assert!(index_error(Blockstore::open(d)).contains("another repo"));
    assert_eq!(std::fs::metadata(seg(d, 1)).unwrap().len(), seg_len, "no byte of the segment was touched");

    // Without repo.json either (as if the whole repo but the segments were lost): still refused.
    std::fs::remove_file(&index).unwrap();
    std::fs::remove_file(d.join(marker::MARKER_FILE)).unwrap();
    assert!(index_error(Blockstore::open(d)).contains("segments hold data"));
    assert_eq!(std::fs::metadata(seg(d, 1)).unwrap().len(), seg_len);

    // The rebuild brings everything back, the pin included: gc then keeps the DAG.
    let (store, report) = Blockstore::rebuild_index(d).unwrap();
    assert_eq!((report.blocks, report.pins, report.damaged_blocks.len()), (7, 1, 0), "{report:?}");
    assert_eq!(store.pins().unwrap(), vec![(*root.cid(), PinKind::Recursive)]);
    assert_eq!(store.gc().unwrap().removed_blocks, 0);
    for l in &leaves {
        assert_eq!(store.get(l.cid()).unwrap().unwrap(), l.data());
    }
    drop(store);
    // A good index put back is not this repo's any more (repo.json was made anew): still no deletion.
    std::fs::write(&index, &good_index).unwrap();
    let msg = index_error(Blockstore::open(d));
    assert!(msg.contains("another repo"), "{msg}");
}

#[test]
fn a_rebuild_restores_pins_in_write_order_and_skips_damaged_records() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let store = Blockstore::open(d).unwrap();
    let (root_a, _) = pinned_dag(&store, 10, 3, 50_000);
    let (root_b, leaves_b) = pinned_dag(&store, 20, 3, 50_000);
    let small = raw(99, 40);
    store.put(&small).unwrap();
    store.pin_add(small.cid(), PinKind::Direct).unwrap();
    let garbage: Vec<Block> = (0..20).map(|i| raw(100 + i, 90_000)).collect();
    store.put_many(&garbage).unwrap();
    // gc compacts (the active segment is mostly garbage): blocks move, the pins are written as one record.
    assert_eq!(store.gc().unwrap().removed_blocks, 20);
    // Pin changes after the pin set: a removal and a downgrade attempt.
    assert!(store.pin_rm(root_a.cid()).unwrap());
    store.pin_add(root_b.cid(), PinKind::Direct).unwrap();
    let mut pins_before = store.pins().unwrap();
    pins_before.sort_by_key(|p| p.0.to_bytes());
    let blocks_before = store.stat().unwrap().blocks;
    // Damage: the body of one leaf of B, and the header of another.
    let (body_at, header_at) = {
        let loc = |b: &Block| match store.location(b.cid().hash()).unwrap().unwrap() {
            Location::Record { segment, offset, .. } => (segment, offset),
            other => panic!("{other:?}"),
        };
        (loc(&leaves_b[0]), loc(&leaves_b[1]))
    };
    drop(store);
    flip(&seg(d, body_at.0), body_at.1 + 100, 16);
    flip(&seg(d, header_at.0), header_at.1 - 20, 4);
    std::fs::remove_file(d.join(INDEX_FILE)).unwrap();

    let (store, report) = Blockstore::rebuild_index(d).unwrap();
    let mut pins = store.pins().unwrap();
    pins.sort_by_key(|p| p.0.to_bytes());
    assert_eq!(pins, pins_before, "pins replayed: the pin set, then the removal");
    assert_eq!(report.blocks, blocks_before - 2, "{report:?}");
    assert_eq!(report.damaged_blocks.len(), 1, "{report:?}");
    assert!(report.damaged_blocks[0].starts_with(&Cid::new_v1(RAW, *leaves_b[0].cid().hash()).to_string()));
    assert_eq!(report.damaged_ranges.len(), 1, "the bad header's record is skipped as unreadable bytes: {report:?}");
    assert!(report.old_index.is_none());
    assert_eq!(store.stat().unwrap().bad_blocks, 1);
    assert!(!store.has(leaves_b[0].cid()).unwrap() && !store.has(leaves_b[1].cid()).unwrap());
    assert!(store.has(small.cid()).unwrap() && store.has(leaves_b[2].cid()).unwrap());
    assert!(store.verify().unwrap().bad.is_empty());
    // gc refuses while a pinned DAG misses blocks (it would take the rest of it), and says what to do.
    let err = store.gc().unwrap_err().to_string();
    assert!(err.contains("gc did nothing") && err.contains("dag fetch"), "{err}");
    // Re-adding the two lost leaves repairs the DAG.
    store.put_many(&leaves_b[..2]).unwrap();
    assert_eq!(store.stat().unwrap().bad_blocks, 0);
    store.pin_add(root_b.cid(), PinKind::Recursive).unwrap();
    assert_eq!(store.gc().unwrap().removed_blocks, 4, "only A's DAG, unpinned before the rebuild");
    assert!(store.has(small.cid()).unwrap() && store.has(leaves_b[0].cid()).unwrap());
}

#[test]
fn a_damaged_block_is_an_error_once_then_missing_until_stored_again() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let store = Blockstore::open(d).unwrap();
    let mut changes = store.subscribe();
    let b = raw(3, 10_000);
    let v0 = raw(4, 3000);
    store.put_many(&[b.clone(), v0.clone()]).unwrap();
    changes.try_recv().unwrap();
    flip(&seg(d, 1), 5000, 16);
    let err = store.get(b.cid()).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, StoreError::Damaged { cid, .. } if cid == *b.cid()), "{msg}");
    assert!(msg.contains("do not hash") && msg.contains("fetch") && !msg.contains('\n'), "{msg}");
    let change = changes.try_recv().unwrap();
    assert_eq!((change.removed.len(), change.damaged.clone()), (1, vec![*b.cid()]));
    assert_eq!(store.stat().unwrap().bad_blocks, 1);
    assert_eq!(store.stat().unwrap().blocks, 1);
    assert!(!store.has(b.cid()).unwrap());
    assert!(store.get(b.cid()).unwrap().is_none(), "from now on it is missing");
    assert_eq!(store.get(v0.cid()).unwrap().unwrap(), v0.data(), "its neighbour is fine");
    // Re-adding stores a good copy (today re-add saw it "present" and kept the bad bytes).
    assert!(store.put(&b).unwrap());
    assert_eq!(store.get(b.cid()).unwrap().unwrap(), b.data());
    assert_eq!(store.stat().unwrap().bad_blocks, 0);
    // Served blocks come out verified, as Blocks (the server does not hash again).
    assert_eq!(store.get_block(b.cid()).unwrap().unwrap(), b);
}

#[test]
fn a_deleted_active_segment_is_missing_never_zeros() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let blocks: Vec<Block> = (0..5).map(|i| raw(i, 100_000)).collect();
    drop({
        let store = Blockstore::open(d).unwrap();
        store.put_many(&blocks).unwrap();
        store
    });
    std::fs::remove_file(seg(d, 1)).unwrap();
    let store = Blockstore::open(d).unwrap();
    assert!(!seg(d, 1).exists(), "the lost segment is not recreated (it would read as zeros)");
    assert_eq!(store.problems().len(), 1);
    let p = &store.problems()[0];
    assert!(p.contains("segments/000001.seg is missing") && p.contains("5 blocks (500000 bytes)"), "{p}");
    assert!(!store.has(blocks[0].cid()).unwrap());
    assert_eq!(store.size(blocks[0].cid()).unwrap(), None);
    let err = store.get(blocks[0].cid()).unwrap_err().to_string();
    assert!(err.contains("segments/000001.seg is missing"), "{err}");
    // A re-add replaces blocks of the lost segment, in a new one.
    assert!(store.put(&blocks[1]).unwrap());
    assert_eq!(store.get(blocks[1].cid()).unwrap().unwrap(), blocks[1].data());
    assert!(seg(d, 2).exists());
    let report = store.verify().unwrap();
    assert_eq!((report.checked, report.bad.len()), (4, 3), "{report:?}");
    assert_eq!(store.stat().unwrap().bad_blocks, 4);
}

#[test]
fn a_short_or_missing_sealed_segment_opens_and_names_its_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let blocks: Vec<Block> = (0..10).map(|i| raw(i, 100_000)).collect();
    drop({
        let store = Blockstore::open(d).unwrap();
        store.put_many(&blocks[..6]).unwrap();
        store
    });
    // After a rebuild, new writes go to a new segment: segment 1 is sealed.
    drop(Blockstore::rebuild_index(d).unwrap());
    drop({
        let store = Blockstore::open(d).unwrap();
        store.put_many(&blocks[6..]).unwrap();
        store
    });
    assert!(seg(d, 2).exists());
    // Segment 1 cut after its third record (a short read: today every command refused to open the repo).
    let cut = std::fs::metadata(seg(d, 1)).unwrap().len() / 2;
    std::fs::OpenOptions::new().write(true).open(seg(d, 1)).unwrap().set_len(cut).unwrap();
    let store = Blockstore::open(d).unwrap();
    let p = store.problems().join("\n");
    assert!(p.contains("segments/000001.seg has") && p.contains("3 blocks (300000 bytes) cannot be read"), "{p}");
    assert_eq!(store.get(blocks[0].cid()).unwrap().unwrap(), blocks[0].data(), "blocks before the cut read fine");
    assert!(store.get(blocks[5].cid()).is_err());
    assert_eq!(store.verify().unwrap().bad.len(), 2);
    drop(store);
    // Now lose segment 1 entirely.
    std::fs::remove_file(seg(d, 1)).unwrap();
    let store = Blockstore::open(d).unwrap();
    let p = store.problems().join("\n");
    assert!(p.contains("segments/000001.seg is missing: 3 blocks"), "{p}");
    assert!(store.get(blocks[7].cid()).unwrap().is_some(), "segment 2 is intact");
    // A gc with nothing pinned drops what is unreadable with the rest, and the missing segment with it.
    store.gc().unwrap();
    drop(store);
    let store = Blockstore::open(d).unwrap();
    assert!(store.problems().is_empty(), "{:?}", store.problems());
}

#[test]
fn damaged_index_pages_are_an_error_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let blocks: Vec<Block> = (0..40).map(|i| raw(i, 5000)).collect();
    drop({
        let store = Blockstore::open(d).unwrap();
        store.put_many(&blocks).unwrap();
        store.pin_add(blocks[0].cid(), PinKind::Direct).unwrap();
        store
    });
    let index = d.join(INDEX_FILE);
    let good = std::fs::read(&index).unwrap();
    let mut refused = 0;
    for page in (0..good.len()).step_by(4096) {
        for at in [page, page + 100] {
            let mut bad = good.clone();
            for b in &mut bad[at..(at + 16).min(good.len())] {
                *b ^= 0xff;
            }
            std::fs::write(&index, &bad).unwrap();
            let opened = std::panic::catch_unwind(|| Blockstore::open(d).map(|s| s.cids().map(|c| c.len())));
            match opened.expect("no panic escapes the store") {
                Err(e @ StoreError::IndexDamaged { .. }) => {
                    refused += 1;
                    let msg = e.to_string();
                    assert!(msg.contains(&index.display().to_string()) && msg.contains("--rebuild-index"), "{msg}");
                }
                Err(e) => panic!("byte {at}: {e}"),
                Ok(Err(e)) => assert!(matches!(e, StoreError::IndexDamaged { .. }), "byte {at}: {e}"),
                Ok(Ok(n)) => assert_eq!(n, 40, "byte {at}: an index that opens is right"),
            }
        }
    }
    assert!(refused > 0, "some damage was found");
    let (store, report) = Blockstore::rebuild_index(d).unwrap();
    assert_eq!((report.blocks, report.pins), (40, 1));
    assert!(report.old_index.is_some());
    assert_eq!(store.cids().unwrap().len(), 40);
}

#[test]
fn a_repo_and_its_files_are_private_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("repo");
    let store = Blockstore::open(&d).unwrap();
    store.put(&raw(1, 5000)).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&d), 0o700);
    assert_eq!(mode(&d.join(segments::SEGMENTS_DIR)), 0o700);
    for f in [INDEX_FILE, lock::LOCK_FILE, marker::MARKER_FILE, "segments/000001.seg"] {
        assert_eq!(mode(&d.join(f)), 0o600, "{f}");
    }
    // The test of a whole repo made under umask 000 is in tests/repo_damage.rs (the umask is per process).
}
