use std::cell::RefCell;

use super::*;
use crate::node::blockstore::StoreError;
use crate::node::dag::importer::{DirOptions, import_dir};
use crate::node::dag::profile::ImportOptions;
use crate::node::dag::{BlockSource, MemoryStore};

/// A tree with a flat subdirectory and one big enough to be sharded (with sub-shards).
fn tree() -> (tempfile::TempDir, MemoryStore, Cid) {
    let tmp = tempfile::tempdir().unwrap();
    let top = tmp.path().join("top");
    std::fs::create_dir_all(top.join("sub")).unwrap();
    std::fs::create_dir_all(top.join("big")).unwrap();
    std::fs::write(top.join("a.txt"), b"alpha\n").unwrap();
    std::fs::write(top.join("sub/b.txt"), b"beta\n").unwrap();
    for i in 0..1200 {
        std::fs::write(top.join("big").join(format!("f{i:05}{}", "x".repeat(234))), format!("{i}\n")).unwrap();
    }
    let store = MemoryStore::default();
    let root = import_dir(&top, &ImportOptions::unixfs_v1_2025(), &DirOptions::default(), &mut &store, &mut |_, _| {})
        .unwrap()
        .cid;
    (tmp, store, root)
}

fn cat(store: &MemoryStore, cid: &Cid) -> Vec<u8> {
    let mut out = Vec::new();
    crate::node::dag::exporter::cat(store, cid, &mut out).unwrap();
    out
}

#[test]
fn paths_parse_in_kubos_spellings_and_print_back() {
    let cid = "bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq";
    for text in [format!("{cid}/a/b"), format!("/ipfs/{cid}/a/b"), format!("/ipfs/{cid}//a/b/")] {
        let p = IpfsPath::parse(&text).unwrap();
        assert_eq!(p.segments, ["a", "b"], "{text}");
        assert_eq!(p.to_string(), format!("/ipfs/{cid}/a/b"));
    }
    assert!(IpfsPath::parse(cid).unwrap().is_cid());
    assert_eq!(IpfsPath::parse(cid).unwrap().to_string(), cid);
    assert!(IpfsPath::parse("/ipns/example.com").unwrap_err().contains("IPNS"));
    assert!(IpfsPath::parse("/tmp/x").is_err());
    assert!(IpfsPath::parse("").is_err());
    let json = serde_json::to_string(&IpfsPath::parse(&format!("{cid}/a")).unwrap()).unwrap();
    assert_eq!(json, format!("\"/ipfs/{cid}/a\""));
}

#[test]
fn resolves_through_flat_and_sharded_directories_loading_only_the_path() {
    let (_tmp, store, root) = tree();
    let loaded = RefCell::new(Vec::new());
    let mut load = |cid: &Cid| {
        loaded.borrow_mut().push(*cid);
        store.require(cid)
    };
    let path = |s: &str| IpfsPath::parse(&format!("{root}/{s}")).unwrap();
    let a = resolve(&path("a.txt"), &mut load).unwrap();
    assert_eq!(cat(&store, &a), b"alpha\n");
    let b = resolve(&path("sub/b.txt"), &mut load).unwrap();
    assert_eq!(cat(&store, &b), b"beta\n");
    loaded.borrow_mut().clear();
    let name = format!("f00777{}", "x".repeat(234));
    let f = resolve(&path(&format!("big/{name}")), &mut load).unwrap();
    assert_eq!(cat(&store, &f), b"777\n");
    let loaded = loaded.into_inner();
    // The root, the shard root, and one sub-shard per level on the name's hash path: never the whole shard.
    assert!((3..=4).contains(&loaded.len()), "loaded {} nodes", loaded.len());
}

#[test]
fn a_missing_name_is_worded_as_kubo_words_it() {
    let (_tmp, store, root) = tree();
    let mut load = |cid: &Cid| store.require(cid);
    let e = resolve(&IpfsPath::parse(&format!("{root}/nope")).unwrap(), &mut load).unwrap_err();
    assert_eq!(e.to_string(), format!("no link named \"nope\" under {root}"));
    let e = resolve(&IpfsPath::parse(&format!("{root}/big/nope")).unwrap(), &mut load).unwrap_err();
    assert!(e.to_string().starts_with("no link named \"nope\" under "), "{e}");
    let a = resolve(&IpfsPath::parse(&format!("{root}/a.txt")).unwrap(), &mut load).unwrap();
    let e = resolve(&IpfsPath::parse(&format!("{root}/a.txt/x")).unwrap(), &mut load).unwrap_err();
    assert_eq!(e.to_string(), format!("no link named \"x\" under {a}"));
    let missing = MemoryStore::default();
    let mut load = |cid: &Cid| missing.require(cid);
    let e = resolve(&IpfsPath::parse(&format!("{root}/a.txt")).unwrap(), &mut load).unwrap_err();
    assert!(matches!(e, ResolveError::Load(StoreError::NotFound(c)) if c == root));
}
