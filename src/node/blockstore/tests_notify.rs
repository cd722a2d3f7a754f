//! Every write path announces its committed change exactly once, naming its blocks.

use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::TryRecvError;

use super::*;
use crate::node::block::{DAG_PB, RAW, SHA2_256};
use crate::node::dag::car;
use crate::node::dag::pb::{Link, Node};

fn raw(seed: u8, len: usize) -> Block {
    let data: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect();
    Block::from_data(cid::Version::V1, RAW, SHA2_256, data).unwrap()
}

fn v1(b: &Block) -> Cid {
    Cid::new_v1(b.cid().codec(), *b.cid().hash())
}

/// The one change waiting, and that no other follows it.
fn only_change(rx: &mut Receiver<StoreChange>) -> StoreChange {
    let change = rx.try_recv().expect("one change announced");
    assert_eq!(rx.try_recv().err(), Some(TryRecvError::Empty), "exactly one change per commit");
    change
}

/// Every change waiting. The streaming writer commits per batch (a batch also ends when no block came for 50 ms),
/// so a loaded machine may split one import over two commits: each commit is still announced once, and no block
/// is named twice.
fn drain(rx: &mut Receiver<StoreChange>) -> Vec<StoreChange> {
    let mut out = Vec::new();
    loop {
        match rx.try_recv() {
            Ok(c) => out.push(c),
            Err(TryRecvError::Empty) => return out,
            Err(e) => panic!("{e}"),
        }
    }
}

fn sorted(mut v: Vec<Cid>) -> Vec<Cid> {
    v.sort();
    v
}

#[test]
fn each_write_path_announces_one_change_naming_its_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let store = Blockstore::open(dir.path()).unwrap();
    let mut rx = store.subscribe();

    // put: a small and a large block, and a repeat put announces nothing.
    let small = raw(1, 100);
    store.put(&small).unwrap();
    assert_eq!(only_change(&mut rx), StoreChange { added: vec![v1(&small)], ..Default::default() });
    store.put(&small).unwrap();
    assert_eq!(rx.try_recv().err(), Some(TryRecvError::Empty), "nothing new, nothing announced");

    // put_many: one commit, one change, already-present blocks left out.
    let many: Vec<Block> = (10..15).map(|i| raw(i, 3000)).collect();
    let mut with_old = many.clone();
    with_old.push(small.clone());
    store.put_many(&with_old).unwrap();
    let change = only_change(&mut rx);
    assert_eq!(sorted(change.added), sorted(many.iter().map(v1).collect()));
    assert!(change.removed.is_empty());

    // The streaming writer: blocks sent together commit (and are announced) together.
    let streamed: Vec<Block> = (20..30).map(|i| raw(i, 70_000)).collect();
    let mut w = store.writer();
    for b in &streamed {
        w.put(b.clone()).unwrap();
    }
    w.finish().unwrap();
    let changes = drain(&mut rx);
    assert!(!changes.is_empty() && changes.iter().all(|c| !c.added.is_empty() && c.removed.is_empty()));
    let added: Vec<Cid> = changes.into_iter().flat_map(|c| c.added).collect();
    assert_eq!(sorted(added), sorted(streamed.iter().map(v1).collect()));

    // CAR import through the writer, a dag-pb root under CIDv0 announced as CIDv1.
    let leaves: Vec<Block> = (40..43).map(|i| raw(i, 5000)).collect();
    let links = leaves.iter().map(|l| Link { cid: *l.cid(), name: String::new(), tsize: Some(5000) }).collect();
    let root = Block::from_data(cid::Version::V0, DAG_PB, SHA2_256, Node { data: None, links }.encode()).unwrap();
    let mut car_bytes = Vec::new();
    {
        let source = crate::node::dag::store::MemoryStore::default();
        let mut sink = &source;
        for b in leaves.iter().chain([&root]) {
            crate::node::dag::store::BlockSink::put(&mut sink, b.clone()).unwrap();
        }
        car::write_car(&source, &[*root.cid()], &mut car_bytes).unwrap();
    }
    let mut w = store.writer();
    car::import_car(car_bytes.as_slice(), &mut w).unwrap();
    w.finish().unwrap();
    let added: Vec<Cid> = drain(&mut rx).into_iter().flat_map(|c| c.added).collect();
    let mut expected: Vec<Cid> = leaves.iter().map(v1).collect();
    expected.push(v1(&root));
    assert!(added.iter().all(|c| c.version() == cid::Version::V1));
    assert_eq!(sorted(added), sorted(expected));

    // remove: one change naming the block, with its codec.
    assert!(store.remove(root.cid()).unwrap());
    assert_eq!(only_change(&mut rx), StoreChange { removed: vec![v1(&root)], ..Default::default() });
    assert!(!store.remove(root.cid()).unwrap());
    assert_eq!(rx.try_recv().err(), Some(TryRecvError::Empty));

    // gc: everything unpinned goes in one announced commit (compaction moves blocks but adds or removes none).
    store.pin_add(small.cid(), PinKind::Direct).unwrap();
    assert_eq!(rx.try_recv().err(), Some(TryRecvError::Empty), "pins change no blocks");
    let gc = store.gc().unwrap();
    let change = only_change(&mut rx);
    assert_eq!(change.removed.len() as u64, gc.removed_blocks);
    let mut gone: Vec<Cid> = many.iter().chain(&streamed).chain(&leaves).map(v1).collect();
    gone.sort();
    assert_eq!(sorted(change.removed), gone);
    assert!(change.added.is_empty());
}

#[test]
fn an_aborted_import_announces_its_blocks_then_their_removal() {
    let dir = tempfile::tempdir().unwrap();
    let store = Blockstore::open(dir.path()).unwrap();
    let mut rx = store.subscribe();
    let blocks: Vec<Block> = (0..4).map(|i| raw(i, 2000)).collect();
    let mut w = store.writer();
    for b in &blocks {
        w.put(b.clone()).unwrap();
    }
    // Let the writer commit what it has before the abort arrives.
    std::thread::sleep(std::time::Duration::from_millis(200));
    w.abort().unwrap();
    let mut changes = drain(&mut rx);
    let removal = changes.pop().expect("the abort's removal");
    assert!(removal.added.is_empty());
    assert_eq!(sorted(removal.removed), sorted(blocks.iter().map(v1).collect()), "one commit removes them all");
    let added: Vec<Cid> = changes.into_iter().flat_map(|c| c.added).collect();
    assert_eq!(sorted(added), sorted(blocks.iter().map(v1).collect()));
}

#[test]
fn a_failed_commit_announces_nothing_and_a_lagging_receiver_learns_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Blockstore::open(dir.path()).unwrap();
    let mut rx = store.subscribe();
    // A dropped, uncommitted batch is rolled back: nothing to announce.
    {
        let mut batch = store.batch().unwrap();
        batch.put(&raw(7, 5000)).unwrap();
    }
    assert_eq!(rx.try_recv().err(), Some(TryRecvError::Empty));
    for i in 0..(CHANGES_CAPACITY + 10) {
        store.put(&raw(i as u8, 2000 + i)).unwrap();
    }
    assert_eq!(rx.try_recv().err(), Some(TryRecvError::Lagged(10)), "the receiver learns how many it missed");
    // After lagging it keeps receiving the newest changes; the full picture comes from the store.
    assert!(rx.try_recv().is_ok());
    assert_eq!(store.cids().unwrap().len(), CHANGES_CAPACITY + 10);
}
