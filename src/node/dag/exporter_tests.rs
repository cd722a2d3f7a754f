use super::*;
use crate::node::block::{Block, SHA2_256};
use crate::node::dag::importer::{DirOptions, import_dir, import_file};
use crate::node::dag::pb::Link;
use crate::node::dag::profile::ImportOptions;
use crate::node::dag::{BlockSink, MemoryStore};

fn put_pb(store: &MemoryStore, data: Data, links: Vec<Link>) -> Cid {
    let node = Node { data: Some(Bytes::from(data.encode_to_vec())), links };
    let block = Block::from_data(cid::Version::V1, DAG_PB, SHA2_256, node.encode()).unwrap();
    let cid = *block.cid();
    (&*store).put(block).unwrap();
    cid
}

fn file(store: &MemoryStore, bytes: &[u8]) -> Cid {
    import_file(bytes, &ImportOptions::unixfs_v1_2025(), &mut &*store, &mut |_| {}).unwrap().cid
}

#[test]
fn cat_reads_inline_data_before_links_and_v0_leaves() {
    let store = MemoryStore::default();
    let leaf = file(&store, b" world");
    let data = Data {
        r#type: DataType::File as i32,
        data: Some(b"hello".to_vec()),
        filesize: Some(11),
        blocksizes: vec![6],
        ..Default::default()
    };
    let root = put_pb(&store, data, vec![Link { cid: leaf, name: String::new(), tsize: Some(6) }]);
    let mut out = Vec::new();
    assert_eq!(cat(&store, &root, &mut out).unwrap(), 11);
    assert_eq!(out, b"hello world");
    assert_eq!(file_size(&store, &root).unwrap(), 11);

    let kubo = ImportOptions { chunk_size: 3, ..ImportOptions::legacy_cid_v0() };
    let v0 = import_file(&b"abcdefgh"[..], &kubo, &mut &store, &mut |_| {}).unwrap();
    assert_eq!(v0.cid.version(), cid::Version::V0);
    let mut out = Vec::new();
    cat(&store, &v0.cid, &mut out).unwrap();
    assert_eq!(out, b"abcdefgh");
}

#[test]
fn errors_name_the_problem() {
    let store = MemoryStore::default();
    let dir = put_pb(&store, Data { r#type: DataType::Directory as i32, ..Default::default() }, vec![]);
    assert!(matches!(cat(&store, &dir, &mut Vec::new()), Err(ExportError::IsDirectory(_))));
    let missing = Block::from_data(cid::Version::V1, RAW, SHA2_256, &b"nope"[..]).unwrap();
    let err = cat(&store, missing.cid(), &mut Vec::new()).unwrap_err();
    assert!(err.to_string().contains("not found"), "{err}");
    let not_unixfs = Block::from_data(cid::Version::V1, DAG_PB, SHA2_256, Node::default().encode()).unwrap();
    let cid = *not_unixfs.cid();
    (&store).put(not_unixfs).unwrap();
    assert!(matches!(cat(&store, &cid, &mut Vec::new()), Err(ExportError::NotUnixfs(_))));
}

#[test]
fn hostile_names_are_refused_by_get() {
    let store = MemoryStore::default();
    let f = file(&store, b"evil");
    for name in ["..", "a/b", "", "."] {
        let dir = put_pb(
            &store,
            Data { r#type: DataType::Directory as i32, ..Default::default() },
            vec![Link { cid: f, name: name.to_string(), tsize: Some(4) }],
        );
        let out = tempfile::tempdir().unwrap();
        let err = get(&store, &dir, &out.path().join("x")).unwrap_err();
        assert!(matches!(err, ExportError::BadName { .. }), "{name:?}: {err}");
        assert!(!out.path().join("x").exists(), "nothing is written before the names are checked");
    }
}

fn dir(store: &MemoryStore, entries: &[(&str, Cid)]) -> Cid {
    let links = entries.iter().map(|(n, c)| Link { cid: *c, name: n.to_string(), tsize: None }).collect();
    put_pb(store, Data { r#type: DataType::Directory as i32, ..Default::default() }, links)
}

fn symlink(store: &MemoryStore, target: &[u8]) -> Cid {
    put_pb(store, Data { r#type: DataType::Symlink as i32, data: Some(target.to_vec()), ..Default::default() }, vec![])
}

fn shard(store: &MemoryStore, links: &[(&str, Cid)]) -> Cid {
    let data = Data {
        r#type: DataType::HamtShard as i32,
        data: Some(vec![0u8; 32]),
        hash_type: Some(0x22),
        fanout: Some(256),
        ..Default::default()
    };
    put_pb(store, data, links.iter().map(|(n, c)| Link { cid: *c, name: n.to_string(), tsize: None }).collect())
}

/// A parent directory holding a victim directory with one file, and the path `get` writes to beside it.
struct Scene {
    parent: tempfile::TempDir,
}

impl Scene {
    fn new() -> Self {
        let parent = tempfile::tempdir().unwrap();
        std::fs::create_dir(parent.path().join("victim")).unwrap();
        std::fs::write(parent.path().join("victim/keep.txt"), b"keep").unwrap();
        Self { parent }
    }

    fn victim(&self) -> std::path::PathBuf {
        self.parent.path().join("victim")
    }

    fn out(&self) -> std::path::PathBuf {
        self.parent.path().join("out")
    }

    /// Exports `root` into `out`, which must fail and leave the parent as it was (victim untouched, no `out`).
    fn get_fails(&self, store: &MemoryStore, root: &Cid) -> ExportError {
        let err = get(store, root, &self.out()).unwrap_err();
        let mut names: Vec<_> =
            std::fs::read_dir(self.parent.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        names.sort();
        assert_eq!(names, ["victim"], "{err}");
        let victim: Vec<_> = std::fs::read_dir(self.victim()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(victim, ["keep.txt"], "{err}");
        assert_eq!(std::fs::read(self.victim().join("keep.txt")).unwrap(), b"keep", "{err}");
        assert!(!err.to_string().contains('\n'), "one line: {err}");
        err
    }
}

#[test]
fn a_symlink_then_a_directory_of_the_same_name_is_refused() {
    let store = MemoryStore::default();
    let scene = Scene::new();
    let pwned = file(&store, b"pwned");
    let inner = dir(&store, &[("pwned.txt", pwned)]);
    let link = symlink(&store, scene.victim().as_os_str().as_encoded_bytes());
    let root = dir(&store, &[("a", link), ("a", inner)]);
    let err = scene.get_fails(&store, &root);
    // Refused before anything was created: nothing to take back.
    assert!(matches!(err, ExportError::DuplicateName { .. }), "{err}");
    let text = err.to_string();
    assert_eq!(text, format!("directory {root} has more than one entry named \"a\" (refused)"));
}

#[test]
fn a_symlink_then_a_file_of_the_same_name_is_refused() {
    let store = MemoryStore::default();
    let scene = Scene::new();
    let link = symlink(&store, scene.victim().join("keep.txt").as_os_str().as_encoded_bytes());
    let evil = file(&store, b"overwritten");
    let root = dir(&store, &[("a", link), ("a", evil)]);
    scene.get_fails(&store, &root);
    // Duplicate plain files too, in a subdirectory.
    let one = file(&store, b"one");
    let sub = dir(&store, &[("f", one), ("f", evil)]);
    let root = dir(&store, &[("ok", one), ("sub", sub)]);
    let err = scene.get_fails(&store, &root);
    let out = scene.out();
    let expected = format!(
        "directory {sub} has more than one entry named \"f\" (refused); removed the partial output {}",
        out.display()
    );
    assert_eq!(err.to_string(), expected);
}

#[test]
fn a_symlink_to_dot_dot_is_data_and_never_entered() {
    let store = MemoryStore::default();
    let scene = Scene::new();
    let up = symlink(&store, b"..");
    let pwned = file(&store, b"pwned");
    let inner = dir(&store, &[("pwned.txt", pwned)]);
    scene.get_fails(&store, &dir(&store, &[("a", up), ("a", inner)]));
    // Alone, it is written as it is (a symlink's target is data), and nothing goes through it.
    let root = dir(&store, &[("up", up)]);
    get(&store, &root, &scene.out()).unwrap();
    assert_eq!(std::fs::read_link(scene.out().join("up")).unwrap(), Path::new(".."));
}

#[test]
fn a_deep_path_through_a_symlink_in_a_hamt_shard_is_refused() {
    let store = MemoryStore::default();
    let scene = Scene::new();
    let link = symlink(&store, scene.victim().as_os_str().as_encoded_bytes());
    let pwned = file(&store, b"pwned");
    let c = dir(&store, &[("pwned.txt", pwned)]);
    let b = dir(&store, &[("c", c)]);
    let a = dir(&store, &[("b", b)]);
    // "a" twice once the bucket prefixes are taken off, the second in a sub-shard.
    let sub = shard(&store, &[("0Fa", a)]);
    let root = shard(&store, &[("1Aa", link), ("7F", sub)]);
    let err = scene.get_fails(&store, &root);
    assert!(err.to_string().contains(&format!("directory {root} has more than one entry named \"a\"")), "{err}");
}

#[test]
fn the_destination_must_not_exist() {
    let store = MemoryStore::default();
    let scene = Scene::new();
    let f = file(&store, b"new");
    let tree = dir(&store, &[("keep.txt", f)]);
    for root in [f, tree] {
        let err = get(&store, &root, &scene.victim()).unwrap_err();
        assert!(matches!(err, ExportError::Exists(_)), "{err}");
        let err = get(&store, &root, &scene.victim().join("keep.txt")).unwrap_err();
        assert!(matches!(err, ExportError::Exists(_)), "{err}");
        assert!(get(&store, &root, &scene.parent.path().join(".")).is_err());
    }
    assert_eq!(std::fs::read(scene.victim().join("keep.txt")).unwrap(), b"keep");
    // A dangling symlink at the destination is not followed either.
    std::os::unix::fs::symlink(scene.victim().join("new.txt"), scene.out()).unwrap();
    assert!(matches!(get(&store, &f, &scene.out()), Err(ExportError::Exists(_))));
    assert!(!scene.victim().join("new.txt").exists());
}

#[test]
fn a_symlink_target_with_a_nul_byte_is_refused() {
    let store = MemoryStore::default();
    let scene = Scene::new();
    let bad = symlink(&store, b"a\0b");
    let root = dir(&store, &[("l", bad)]);
    let err = scene.get_fails(&store, &root);
    assert!(err.to_string().contains(&bad.to_string()), "{err}");
}

#[test]
fn hamt_shards_are_listed_flat_and_exported() {
    let store = MemoryStore::default();
    let a = file(&store, b"A");
    let b = file(&store, b"BB");
    let c = file(&store, b"CCC");
    let shard = |fanout| Data {
        r#type: DataType::HamtShard as i32,
        data: Some(vec![0u8; 32]),
        hash_type: Some(0x22),
        fanout: Some(fanout),
        ..Default::default()
    };
    let sub = put_pb(&store, shard(256), vec![Link { cid: c, name: "0Fc.txt".into(), tsize: Some(3) }]);
    let root = put_pb(
        &store,
        shard(256),
        vec![
            Link { cid: a, name: "1Aa.txt".into(), tsize: Some(1) },
            Link { cid: sub, name: "7F".into(), tsize: Some(50) },
            Link { cid: b, name: "E2b.txt".into(), tsize: Some(2) },
        ],
    );
    let names: Vec<_> = ls(&store, &root).unwrap().into_iter().map(|e| (e.name, e.size)).collect();
    assert_eq!(names, [("a.txt".to_string(), 1), ("c.txt".to_string(), 3), ("b.txt".to_string(), 2)]);
    let out = tempfile::tempdir().unwrap();
    get(&store, &root, &out.path().join("h")).unwrap();
    assert_eq!(std::fs::read(out.path().join("h/c.txt")).unwrap(), b"CCC");
}

#[test]
fn directory_trees_round_trip_through_get() {
    let src = tempfile::tempdir().unwrap();
    let root = src.path().join("t");
    std::fs::create_dir_all(root.join("x/y")).unwrap();
    std::fs::create_dir_all(root.join("empty")).unwrap();
    std::fs::write(root.join("x/y/z"), vec![9u8; 5000]).unwrap();
    std::fs::write(root.join("top"), b"top").unwrap();
    std::os::unix::fs::symlink("top", root.join("link")).unwrap();
    let store = MemoryStore::default();
    let opts = ImportOptions { chunk_size: 1000, ..ImportOptions::legacy_cid_v0() };
    let imported = import_dir(&root, &opts, &DirOptions::default(), &mut &store, &mut |_, _| {}).unwrap();
    let entries = ls(&store, &imported.cid).unwrap();
    let kinds: Vec<_> = entries.iter().map(|e| (e.name.as_str(), e.kind)).collect();
    assert_eq!(
        kinds,
        [("empty", Kind::Directory), ("link", Kind::Symlink), ("top", Kind::File), ("x", Kind::Directory)]
    );
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("t");
    get(&store, &imported.cid, &dest).unwrap();
    assert_eq!(std::fs::read(dest.join("x/y/z")).unwrap(), vec![9u8; 5000]);
    assert_eq!(std::fs::read_link(dest.join("link")).unwrap(), Path::new("top"));
    assert!(dest.join("empty").is_dir());
    let file_entries = ls(&store, &ls(&store, &ls(&store, &imported.cid).unwrap()[3].cid).unwrap()[0].cid).unwrap();
    assert_eq!(file_entries.len(), 1, "z is listed in y");
    let chunks = ls(&store, &file_entries[0].cid).unwrap();
    assert_eq!(chunks.len(), 5, "a file lists its chunk links");
}

#[test]
fn cat_range_reads_only_the_blocks_it_needs() {
    use std::cell::Cell;
    struct Counting<'a>(&'a MemoryStore, Cell<usize>);
    impl BlockSource for Counting<'_> {
        fn get(&self, cid: &Cid) -> Result<Option<Bytes>, StoreError> {
            self.1.set(self.1.get() + 1);
            self.0.get(cid)
        }
    }
    let data: Vec<u8> = (0..10_000u32).map(|i| (i * 31 % 251) as u8).collect();
    for raw_leaves in [true, false] {
        let opts = ImportOptions { chunk_size: 100, max_links: 4, raw_leaves, ..ImportOptions::unixfs_v1_2025() };
        let store = MemoryStore::default();
        let root = crate::node::dag::importer::import_file(&data[..], &opts, &mut &store, &mut |_| {}).unwrap().cid;
        for (offset, length) in [(0, Some(10)), (150, Some(120)), (9_990, None), (9_999, Some(5)), (20_000, None)] {
            let counting = Counting(&store, Cell::new(0));
            let mut out = Vec::new();
            let n = cat_range(&counting, &root, offset, length, &mut out).unwrap();
            let from = (offset as usize).min(data.len());
            let to = length.map_or(data.len(), |l| (from + l as usize).min(data.len()));
            assert_eq!(out, &data[from..to], "{offset} {length:?}");
            assert_eq!(n, out.len() as u64);
            // A 100-leaf tree of 4-link parents is 5 levels deep: a short range loads a few blocks per level.
            assert!(counting.1.get() <= 20, "{offset} {length:?}: {} blocks loaded", counting.1.get());
        }
    }
}
