//! `get` of a directory DAG from anyone (issue 10, item 2): the input builds a small UnixFS DAG (files, symlinks
//! aimed at `..`, the victim or the output itself, nested and HAMT-sharded directories, names that repeat or are
//! unsafe), `exporter::get` writes it into `BASE/out`, and nothing else under `BASE` may change: the victim
//! directory beside the output keeps exactly its one file. A failed get must also leave no `out` behind, and its
//! error must be one line.
#![no_main]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use cid::Cid;
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use prost::Message;
use swarmscope::node::block::{Block, DAG_PB, RAW, SHA2_256};
use swarmscope::node::dag::pb::{Link, Node};
use swarmscope::node::dag::unixfs_pb::{Data, DataType};
use swarmscope::node::dag::{BlockSink, MemoryStore, exporter};

/// Deeper trees add nothing the shallow ones do not already try.
const MAX_NESTING: u32 = 6;
const MAX_ENTRIES: usize = 6;
/// Names drawn often, so that repeats are common; the rest are unsafe or arbitrary.
const NAMES: &[&str] = &["a", "a", "b", "pwned.txt", "victim", "out", "..", ".", "", "a/b", "x\0y", "A"];

/// A per-process scratch directory (tmpfs when there is one): `victim/keep.txt` beside the output path `out`.
fn base() -> &'static Path {
    static BASE: OnceLock<PathBuf> = OnceLock::new();
    BASE.get_or_init(|| {
        let root = if Path::new("/dev/shm").is_dir() { PathBuf::from("/dev/shm") } else { std::env::temp_dir() };
        let base = root.join(format!("swarmscope-fuzz-dir_export-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(base.join("victim")).unwrap();
        std::fs::write(base.join("victim/keep.txt"), b"keep").unwrap();
        base
    })
}

/// Everything under `dir` except `out`, symlinks not followed.
fn snapshot(dir: &Path, skip_out: bool) -> BTreeMap<PathBuf, String> {
    let mut seen = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if skip_out && path == dir.join("out") {
                continue;
            }
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let what = if meta.is_symlink() {
                format!("-> {:?}", std::fs::read_link(&path).unwrap())
            } else if meta.is_dir() {
                stack.push(path.clone());
                "dir".to_string()
            } else {
                format!("{:?}", std::fs::read(&path).unwrap())
            };
            seen.insert(path, what);
        }
    }
    seen
}

fn put(store: &MemoryStore, codec: u64, bytes: Vec<u8>) -> Cid {
    let block = Block::from_data(cid::Version::V1, codec, SHA2_256, bytes).unwrap();
    let cid = *block.cid();
    let mut sink = store;
    sink.put(block).unwrap();
    cid
}

fn pb(store: &MemoryStore, data: Data, links: Vec<(String, Cid)>) -> Cid {
    let links = links.into_iter().map(|(name, cid)| Link { cid, name, tsize: Some(1) }).collect();
    put(store, DAG_PB, Node { data: Some(data.encode_to_vec().into()), links }.encode())
}

fn name(u: &mut Unstructured) -> Result<String> {
    if u.ratio(1, 8)? { Ok(u.arbitrary::<&str>()?.chars().take(8).collect()) } else { Ok(u.choose(NAMES)?.to_string()) }
}

fn symlink_target(u: &mut Unstructured) -> Result<Vec<u8>> {
    let base = base().as_os_str().as_encoded_bytes();
    let targets: [&[u8]; 8] = [b"..", b"../..", b"../victim", b".", b"/", b"a", b"", b"../victim/keep.txt"];
    Ok(match u.int_in_range(0..=10)? {
        i @ 0..=7 => targets[i as usize].to_vec(),
        8 => [base, b"/victim"].concat(),
        9 => [base, b"/out"].concat(),
        _ => u.arbitrary::<&[u8]>()?.iter().take(16).copied().collect(),
    })
}

/// One node of the DAG, built bottom-up from the input.
fn node(u: &mut Unstructured, store: &MemoryStore, nesting: u32) -> Result<Cid> {
    let leaf_only = nesting >= MAX_NESTING || u.is_empty();
    match u.int_in_range(0..=if leaf_only { 2 } else { 5 })? {
        0 => Ok(put(store, RAW, u.arbitrary::<&[u8]>()?.iter().take(32).copied().collect())),
        1 => {
            let bytes: Vec<u8> = u.arbitrary::<&[u8]>()?.iter().take(32).copied().collect();
            let data = Data {
                r#type: DataType::File as i32,
                filesize: Some(bytes.len() as u64),
                data: Some(bytes),
                ..Default::default()
            };
            Ok(pb(store, data, vec![]))
        }
        2 => {
            let data = Data { r#type: DataType::Symlink as i32, data: Some(symlink_target(u)?), ..Default::default() };
            Ok(pb(store, data, vec![]))
        }
        3 | 4 => {
            let mut links = Vec::new();
            for _ in 0..u.int_in_range(0..=MAX_ENTRIES)? {
                links.push((name(u)?, node(u, store, nesting + 1)?));
            }
            Ok(pb(store, Data { r#type: DataType::Directory as i32, ..Default::default() }, links))
        }
        _ => shard(u, store, nesting),
    }
}

/// A HAMT shard: `XX` + name for an entry, `XX` alone for a sub-shard (or, hostile, for anything else).
fn shard(u: &mut Unstructured, store: &MemoryStore, nesting: u32) -> Result<Cid> {
    let mut links = Vec::new();
    for _ in 0..u.int_in_range(0..=MAX_ENTRIES)? {
        let prefix = *u.choose(&["1A", "7F", "E2", "0"])?;
        let child = if u.ratio(1, 4)? && nesting < MAX_NESTING {
            (prefix.to_string(), shard(u, store, nesting + 1)?)
        } else {
            (format!("{prefix}{}", name(u)?), node(u, store, nesting + 1)?)
        };
        links.push(child);
    }
    let data = Data {
        r#type: DataType::HamtShard as i32,
        data: Some(vec![0u8; 32]),
        hash_type: Some(0x22),
        fanout: Some(256),
        ..Default::default()
    };
    Ok(pb(store, data, links))
}

fuzz_target!(|input: &[u8]| {
    let base = base();
    let before = snapshot(base, false);
    let store = MemoryStore::default();
    let Ok(root) = node(&mut Unstructured::new(input), &store, 0) else { return };
    let out = base.join("out");
    let result = exporter::get(&store, &root, &out);
    assert_eq!(snapshot(base, true), before, "something outside the output changed: {result:?}");
    match result {
        Ok(()) => {
            // Written and complete: clear it for the next input (remove_dir_all does not follow symlinks).
            let meta = std::fs::symlink_metadata(&out).expect("a successful get creates its output");
            if meta.is_dir() { std::fs::remove_dir_all(&out) } else { std::fs::remove_file(&out) }.unwrap();
        }
        Err(e) => {
            assert!(std::fs::symlink_metadata(&out).is_err(), "a failed get left {out:?} behind: {e}");
            assert!(!e.to_string().contains('\n'), "not one line: {e}");
        }
    }
});
