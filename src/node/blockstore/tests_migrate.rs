//! Format 1 -> 2: a repo written the way swarmscope wrote it up to 02ef151 is migrated on open, and a migration
//! stopped at any step (as a crash would stop it) loses nothing and is finished by the next open.

use std::os::unix::fs::PermissionsExt;

use super::*;
use crate::node::block::{DAG_PB, RAW, SHA2_256};
use crate::node::dag::pb::{Link, Node};
use tables::{BLOCKS, META, META_BLOCKS, META_BYTES, PINS, SEGMENTS};

fn raw(seed: u8, len: usize) -> Block {
    let data: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 8) as u8).collect();
    Block::from_data(cid::Version::V1, RAW, SHA2_256, data).unwrap()
}

/// Writes `blocks` in format 1: bodies over 1024 bytes bare in segments of `per_segment` blocks, smaller ones
/// inline in the index, the pins, the totals; no repo.json; files 0644 in a 0755 directory, as it was.
fn write_format1(dir: &Path, blocks: &[Block], pins: &[(Cid, u8)], per_segment: usize) {
    std::fs::create_dir_all(dir.join("segments")).unwrap();
    let db = redb::Database::create(dir.join(INDEX_FILE)).unwrap();
    let txn = db.begin_write().unwrap();
    {
        let mut table = txn.open_table(BLOCKS).unwrap();
        let mut segs = txn.open_table(SEGMENTS).unwrap();
        let (small, large): (Vec<&Block>, Vec<&Block>) = blocks.iter().partition(|b| b.len() <= 1024);
        for b in small {
            let loc = Location::Inline { codec: b.cid().codec(), data: b.data().to_vec() };
            table.insert(b.cid().hash().to_bytes().as_slice(), loc.encode().as_slice()).unwrap();
        }
        for (i, chunk) in large.chunks(per_segment).enumerate() {
            let id = i as u32 + 1;
            let mut body = Vec::new();
            for b in chunk {
                let loc = Location::Bare {
                    codec: b.cid().codec(),
                    segment: id,
                    offset: body.len() as u64,
                    len: b.len() as u32,
                };
                body.extend_from_slice(b.data());
                table.insert(b.cid().hash().to_bytes().as_slice(), loc.encode().as_slice()).unwrap();
            }
            std::fs::write(segments::segment_path(dir, id), &body).unwrap();
            segs.insert(id, (body.len() as u64, body.len() as u64)).unwrap();
        }
        let mut pin_table = txn.open_table(PINS).unwrap();
        for (cid, kind) in pins {
            pin_table.insert(cid.to_bytes().as_slice(), *kind).unwrap();
        }
        let mut meta = txn.open_table(META).unwrap();
        meta.insert(META_BLOCKS, blocks.len() as u64).unwrap();
        meta.insert(META_BYTES, blocks.iter().map(|b| b.len() as u64).sum::<u64>()).unwrap();
    }
    txn.commit().unwrap();
    std::fs::write(dir.join(lock::LOCK_FILE), b"pid 1: swarmscope add x\n").unwrap();
}

/// 30 large blocks (3 segments), 10 small ones, a DAG over some of them pinned recursively, one direct pin.
fn content() -> (Vec<Block>, Vec<(Cid, u8)>) {
    let mut blocks: Vec<Block> = (0..30).map(|i| raw(i, 3000 + i as usize)).collect();
    blocks.extend((0..10).map(|i| raw(100 + i, 200)));
    let links = blocks[..5].iter().map(|l| Link { cid: *l.cid(), name: String::new(), tsize: None }).collect();
    let root = Block::from_data(cid::Version::V0, DAG_PB, SHA2_256, Node { data: None, links }.encode()).unwrap();
    let pins = vec![(*root.cid(), 0), (*blocks[35].cid(), 1)];
    blocks.push(root);
    (blocks, pins)
}

fn check_migrated(dir: &Path, blocks: &[Block], pins: &[(Cid, u8)]) -> Blockstore {
    let store = Blockstore::open(dir).unwrap();
    let m = marker::Marker::read(dir).unwrap().expect("repo.json written");
    assert_eq!(m.format, FORMAT);
    for id in 1..=3 {
        assert!(!segments::segment_path(dir, id).exists(), "segment {id} of bare bodies is gone");
    }
    for b in blocks {
        assert_eq!(store.get(b.cid()).unwrap().unwrap(), b.data(), "{}", b.cid());
        match store.location(b.cid().hash()).unwrap().unwrap() {
            Location::Record { segment, .. } => assert!(segment >= 4),
            other => panic!("not migrated: {other:?}"),
        }
    }
    let mut got: Vec<(Cid, u8)> =
        store.pins().unwrap().into_iter().map(|(c, k)| (c, u8::from(k == PinKind::Direct))).collect();
    got.sort();
    let mut want = pins.to_vec();
    want.sort();
    assert_eq!(got, want);
    let stat = store.stat().unwrap();
    assert_eq!((stat.blocks, stat.block_bytes), (blocks.len() as u64, blocks.iter().map(|b| b.len() as u64).sum()));
    assert!(store.verify().unwrap().bad.is_empty());
    store
}

#[test]
fn a_format_1_repo_is_migrated_on_open_and_can_then_be_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("repo");
    let (blocks, pins) = content();
    write_format1(&d, &blocks, &pins, 10);
    // A bad body (a block that does not hash) and an uncommitted tail, as format 1 could leave them.
    let mut seg2 = std::fs::read(segments::segment_path(&d, 2)).unwrap();
    seg2[100] ^= 0xff;
    std::fs::write(segments::segment_path(&d, 2), &seg2).unwrap();
    let mut seg3 = std::fs::OpenOptions::new().append(true).open(segments::segment_path(&d, 3)).unwrap();
    std::io::Write::write_all(&mut seg3, &[7u8; 999]).unwrap();
    let bad = blocks[10].clone();
    let good: Vec<Block> = blocks.iter().filter(|b| b.cid() != bad.cid()).cloned().collect();

    let store = check_migrated(&d, &good, &pins);
    assert_eq!(store.stat().unwrap().bad_blocks, 1, "the bad block was found and dropped, not copied");
    assert!(store.get(bad.cid()).unwrap().is_none());
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!((mode(&d), mode(&d.join(INDEX_FILE)), mode(&d.join(lock::LOCK_FILE))), (0o700, 0o600, 0o600));
    drop(store);
    // The migrated repo is self-describing: without its index, everything comes back.
    std::fs::remove_file(d.join(INDEX_FILE)).unwrap();
    let (store, report) = Blockstore::rebuild_index(&d).unwrap();
    assert_eq!((report.blocks, report.pins), (good.len() as u64, 2), "{report:?}");
    drop(store);
    check_migrated(&d, &good, &pins);
}

#[test]
fn a_migration_stopped_at_any_step_loses_nothing() {
    let (blocks, pins) = content();
    // 41 blocks in steps of 8 (the test step size): six steps, then the last one that finishes.
    for stop in 0..=6 {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write_format1(d, &blocks, &pins, 10);
        migrate::STOP_AFTER.with(|s| s.set(stop));
        let stopped = Blockstore::open(d);
        migrate::STOP_AFTER.with(|s| s.set(usize::MAX));
        if stop < 6 {
            assert!(stopped.is_err(), "stop {stop}: the migration has more steps than that");
            assert!(!d.join(marker::MARKER_FILE).exists());
            // What a kill in the middle of the next step leaves: records after the last commit.
            let newest = open::segment_files(d).unwrap().into_keys().next_back().unwrap();
            let mut f = std::fs::OpenOptions::new().append(true).open(segments::segment_path(d, newest)).unwrap();
            std::io::Write::write_all(&mut f, &record::header(record::Kind::Block, b"torn", &[0; 9])).unwrap();
        } else {
            drop(stopped.expect("six steps and the end"));
        }
        check_migrated(d, &blocks, &pins);
    }
}
