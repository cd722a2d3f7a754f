use super::*;
use crate::node::block;
use crate::node::block::{DAG_PB, RAW, SHA2_256};
use crate::node::dag::pb::{Link, Node};
use bytes::Bytes;

fn raw(data: Vec<u8>) -> Block {
    Block::from_data(cid::Version::V1, RAW, SHA2_256, data).unwrap()
}

fn pattern(seed: u8, len: usize) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

#[test]
fn inline_and_segment_blocks_round_trip_and_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let small = raw(b"small".to_vec());
    let big = raw(pattern(1, 300_000));
    {
        let store = Blockstore::open(dir.path()).unwrap();
        assert!(store.put(&small).unwrap());
        assert!(store.put(&big).unwrap());
        assert!(!store.put(&big).unwrap(), "second put is a no-op");
        assert_eq!(store.get(small.cid()).unwrap().unwrap(), small.data());
        assert_eq!(store.size(big.cid()).unwrap(), Some(300_000));
    }
    let store = Blockstore::open(dir.path()).unwrap();
    assert_eq!(store.get(big.cid()).unwrap().unwrap(), big.data());
    let stat = store.stat().unwrap();
    assert_eq!((stat.blocks, stat.block_bytes), (2, 300_005));
    assert!(store.remove(big.cid()).unwrap());
    assert!(!store.has(big.cid()).unwrap());
    assert!(!store.remove(big.cid()).unwrap());
    assert_eq!(store.stat().unwrap().blocks, 1);
}

#[test]
fn the_same_bytes_under_v0_and_v1_are_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Blockstore::open(dir.path()).unwrap();
    let node = Node { data: Some(Bytes::from_static(&[8, 2, 0x18, 0])), links: vec![] }.encode();
    let v0 = Block::from_data(cid::Version::V0, DAG_PB, SHA2_256, node.clone()).unwrap();
    let v1 = Block::from_data(cid::Version::V1, DAG_PB, SHA2_256, node).unwrap();
    assert!(store.put(&v0).unwrap());
    assert!(!store.put(&v1).unwrap());
    assert!(store.has(v1.cid()).unwrap());
    assert_eq!(store.cids().unwrap(), vec![*v1.cid()]);
}

#[test]
fn identity_cids_are_answered_and_never_stored() {
    let dir = tempfile::tempdir().unwrap();
    let store = Blockstore::open(dir.path()).unwrap();
    let id = Block::from_data(cid::Version::V1, RAW, block::IDENTITY, b"inline".to_vec()).unwrap();
    assert!(!store.put(&id).unwrap());
    assert_eq!(store.get(id.cid()).unwrap().unwrap(), &b"inline"[..]);
    assert_eq!(store.stat().unwrap().blocks, 0);
}

#[test]
fn writer_batches_and_abort_removes_only_its_new_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let store = Blockstore::open(dir.path()).unwrap();
    let before = raw(pattern(9, 5000));
    store.put(&before).unwrap();
    let mut w = store.writer();
    for i in 0..200u8 {
        w.put(raw(pattern(i, 4096 + i as usize))).unwrap();
    }
    w.put(before.clone()).unwrap();
    let stats = w.finish().unwrap();
    assert_eq!((stats.new_blocks, stats.existing_blocks), (200, 1));
    assert_eq!(store.stat().unwrap().blocks, 201);

    let mut w = store.writer();
    for i in 0..50u8 {
        w.put(raw(pattern(i.wrapping_add(100), 70_000))).unwrap();
    }
    w.put(before.clone()).unwrap();
    w.abort().unwrap();
    assert_eq!(store.stat().unwrap().blocks, 201, "aborted blocks are gone, older ones stay");
    assert!(store.has(before.cid()).unwrap());
    assert!(store.verify().unwrap().bad.is_empty());
}

#[test]
fn an_uncommitted_segment_tail_is_cut_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let blocks: Vec<Block> = (0..5).map(|i| raw(pattern(i, 100_000))).collect();
    {
        let store = Blockstore::open(dir.path()).unwrap();
        store.put_many(&blocks).unwrap();
    }
    let seg = segments::segment_path(dir.path(), 1);
    let committed = std::fs::metadata(&seg).unwrap().len();
    // What a crash between the append and the index commit leaves: bytes nothing points at.
    use std::io::Write;
    std::fs::OpenOptions::new().append(true).open(&seg).unwrap().write_all(&[0xee; 77_777]).unwrap();
    // And a segment created just before the crash.
    std::fs::write(segments::segment_path(dir.path(), 2), [1u8; 10]).unwrap();
    let store = Blockstore::open(dir.path()).unwrap();
    assert_eq!(std::fs::metadata(&seg).unwrap().len(), committed);
    assert!(!segments::segment_path(dir.path(), 2).exists());
    let report = store.verify().unwrap();
    assert_eq!((report.checked, report.bad.len()), (5, 0));
    let more = raw(pattern(50, 100_000));
    store.put(&more).unwrap();
    assert_eq!(store.get(more.cid()).unwrap().unwrap(), more.data());
}

#[test]
fn verify_catches_bytes_changed_behind_the_stores_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = Blockstore::open(dir.path()).unwrap();
    let b = raw(pattern(3, 10_000));
    store.put(&b).unwrap();
    let seg = segments::segment_path(dir.path(), 1);
    let mut bytes = std::fs::read(&seg).unwrap();
    bytes[5000] ^= 0xff;
    std::fs::write(&seg, bytes).unwrap();
    assert_eq!(store.verify().unwrap().bad, vec![b.cid().to_string()]);
}

#[test]
fn a_second_open_names_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let _held = Blockstore::open(dir.path()).unwrap();
    let err = Blockstore::open(dir.path()).err().expect("second open must fail");
    let msg = err.to_string();
    assert!(msg.contains("in use by pid") && msg.contains(&std::process::id().to_string()), "{msg}");
}

#[test]
fn pins_keep_dags_and_gc_compacts_segments() {
    let dir = tempfile::tempdir().unwrap();
    let store = Blockstore::open(dir.path()).unwrap();
    let leaves: Vec<Block> = (0..8).map(|i| raw(pattern(i, 200_000))).collect();
    let links = leaves.iter().map(|l| Link { cid: *l.cid(), name: String::new(), tsize: Some(200_000) }).collect();
    let root = Block::from_data(cid::Version::V1, DAG_PB, SHA2_256, Node { data: None, links }.encode()).unwrap();
    let garbage: Vec<Block> = (0..20).map(|i| raw(pattern(100 + i, 300_000))).collect();
    store.put_many(&garbage).unwrap();
    store.put_many(&leaves).unwrap();
    assert!(matches!(store.pin_add(root.cid(), PinKind::Recursive), Err(StoreError::NotFound(c)) if c == *root.cid()));
    store.put(&root).unwrap();
    store.pin_add(root.cid(), PinKind::Recursive).unwrap();
    let full = store.stat().unwrap().disk_bytes;

    let gc = store.gc().unwrap();
    assert_eq!(gc.removed_blocks, 20);
    let after = store.stat().unwrap();
    assert_eq!(after.blocks, 9);
    assert!(after.disk_bytes < full / 2, "compaction freed the dead bytes: {} -> {}", full, after.disk_bytes);
    for l in &leaves {
        assert_eq!(store.get(l.cid()).unwrap().unwrap(), l.data());
    }
    assert!(store.verify().unwrap().bad.is_empty());

    assert!(store.pin_rm(root.cid()).unwrap());
    assert!(!store.pin_rm(root.cid()).unwrap());
    store.gc().unwrap();
    let empty = store.stat().unwrap();
    assert_eq!(empty.blocks, 0);
    assert!(empty.disk_bytes < 4 << 20, "an empty repo is small: {}", empty.disk_bytes);
}

#[test]
fn disk_use_stays_within_1_15x_of_block_bytes() {
    for size in [256 * 1024, 1 << 20] {
        let dir = tempfile::tempdir().unwrap();
        let store = Blockstore::open(dir.path()).unwrap();
        let mut w = store.writer();
        for i in 0..(64 << 20) / size {
            let mut data = pattern(i as u8, size);
            data[..8].copy_from_slice(&(i as u64).to_le_bytes());
            w.put(raw(data)).unwrap();
        }
        w.finish().unwrap();
        let s = store.stat().unwrap();
        assert_eq!(s.block_bytes, 64 << 20);
        let ratio = s.disk_bytes as f64 / s.block_bytes as f64;
        assert!(ratio <= 1.15, "{size}-byte blocks: disk/blocks = {ratio:.3}");
    }
}

#[test]
fn gc_never_runs_between_an_adds_writes_and_its_pin() {
    let dir = tempfile::tempdir().unwrap();
    let store = Blockstore::open(dir.path()).unwrap();
    let block = raw(pattern(9, 100_000));
    let (written, go) = std::sync::mpsc::channel();
    let adder = {
        let store = store.clone();
        let block = block.clone();
        std::thread::spawn(move || {
            let _hold = store.hold_gc();
            let mut w = store.writer();
            w.put(block.clone()).unwrap();
            w.finish().unwrap();
            written.send(()).unwrap();
            // The gc below starts now, while this add has written but not pinned.
            std::thread::sleep(std::time::Duration::from_millis(300));
            store.pin_add(block.cid(), PinKind::Recursive).unwrap();
        })
    };
    go.recv().unwrap();
    let stats = store.gc().unwrap();
    adder.join().unwrap();
    assert_eq!(stats.removed_blocks, 0, "gc waited for the pin");
    assert!(store.has(block.cid()).unwrap());
    assert_eq!(store.verify().unwrap().bad.len(), 0);
}
