use super::*;
use crate::node::dag::MemoryStore;
use crate::node::dag::store::NullSink;

/// INTEROP.md's deterministic content.
pub(crate) fn interop_content(seed: &str, len: usize) -> Vec<u8> {
    use sha3::Shake128;
    use sha3::digest::{ExtendableOutput, Update, XofReader};
    let mut out = Vec::with_capacity(len);
    let mut k = 0;
    while out.len() < len {
        let mut h = Shake128::default();
        h.update(format!("interop-v1:{seed}:{k}").as_bytes());
        let mut chunk = vec![0u8; 1 << 20];
        XofReader::read(&mut h.finalize_xof(), &mut chunk);
        let take = (len - out.len()).min(chunk.len());
        out.extend_from_slice(&chunk[..take]);
        k += 1;
    }
    out
}

fn cid_of(data: &[u8], opts: &ImportOptions) -> String {
    import_file(data, opts, &mut NullSink::default(), &mut |_| {}).unwrap().cid.to_string()
}

#[test]
fn interop_vectors_default_profile() {
    let o = ImportOptions::unixfs_v1_2025();
    assert_eq!(
        cid_of(b"Hello Bitswap from Rust Helia", &o),
        "bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq"
    );
    assert_eq!(cid_of(b"", &o), "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
    let mib = interop_content("1", (1 << 20) + 1);
    assert_eq!(cid_of(&mib[..1 << 20], &o), "bafkreicrv6zvluayzycjrfe7c3xpcrvwpwpeobfpbqlyvrs2zicjigsn2a");
    assert_eq!(cid_of(&mib, &o), "bafybeif3vmztgjykilecdgs5pq5plw2hskptwfmgq2xjml2dtc4nqtdi5e");
}

#[test]
fn interop_vectors_kubo_profile() {
    let o = ImportOptions::legacy_cid_v0();
    assert_eq!(cid_of(b"Hello Bitswap from Rust Helia", &o), "QmT36SRc6xtQKZXnYW5ctk31FuZ4e6CsVNFJ4mwJk4sn5o");
    assert_eq!(cid_of(b"", &o), "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH");
    let mib = interop_content("1", 1 << 20);
    assert_eq!(cid_of(&mib, &o), "QmaFxbUadg67xVmbDYWkx7F1N8Pi7eaYue57Lzrv8dU6qx");
}

#[test]
fn deep_trees_round_trip_and_stay_balanced() {
    let data = interop_content("deep", 1000);
    for raw_leaves in [true, false] {
        let opts = ImportOptions { chunk_size: 10, max_links: 3, raw_leaves, ..ImportOptions::unixfs_v1_2025() };
        let store = MemoryStore::default();
        let imported = import_file(&data[..], &opts, &mut &store, &mut |_| {}).unwrap();
        assert_eq!(imported.file_size, 1000);
        // 100 leaves, groups of 3: 34 + 12 + 4 + 2 + 1 parents.
        assert_eq!(store.len(), 100 + 34 + 12 + 4 + 2 + 1);
        let mut out = Vec::new();
        crate::node::dag::exporter::cat(&store, &imported.cid, &mut out).unwrap();
        assert_eq!(out, data);
    }
}

#[test]
fn exact_multiples_of_max_links_do_not_add_a_level() {
    let opts = ImportOptions { chunk_size: 1, max_links: 4, ..ImportOptions::unixfs_v1_2025() };
    let store = MemoryStore::default();
    import_file(&[7u8; 16][..], &opts, &mut &store, &mut |_| {}).unwrap();
    // 16 raw leaves are one identical block; 4 identical parents; 1 root.
    assert_eq!(store.len(), 1 + 1 + 1);
}

#[test]
fn progress_reports_bytes_read() {
    let mut seen = Vec::new();
    let opts = ImportOptions { chunk_size: 4, ..ImportOptions::unixfs_v1_2025() };
    import_file(&[1u8; 10][..], &opts, &mut NullSink::default(), &mut |n| seen.push(n)).unwrap();
    assert_eq!(seen, vec![4, 8, 10]);
}

#[test]
fn directories_sort_entries_and_skip_hidden_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("d");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(root.join("b"), b"b").unwrap();
    std::fs::write(root.join("B"), b"B").unwrap();
    std::fs::write(root.join(".hidden"), b"h").unwrap();
    std::fs::write(root.join("sub/x"), b"x").unwrap();
    let store = MemoryStore::default();
    let mut seen = Vec::new();
    let opts = ImportOptions::unixfs_v1_2025();
    let imported =
        import_dir(&root, &opts, &DirOptions::default(), &mut &store, &mut |rel, _| seen.push(rel.to_string()))
            .unwrap();
    assert_eq!(seen, ["d/B", "d/b", "d/sub/x", "d/sub", "d"]);
    let node = Node::decode(&store.get(&imported.cid).unwrap().unwrap()[..]).unwrap();
    let names: Vec<_> = node.links.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["B", "b", "sub"]);
    assert_eq!(node.data.as_deref(), Some(&[8u8, 1][..]));

    let with_hidden =
        import_dir(&root, &opts, &DirOptions { hidden: true }, &mut NullSink::default(), &mut |_, _| {}).unwrap();
    assert_ne!(with_hidden.cid, imported.cid);
}

/// Kubo's own vector (coreapi's `addCidSha3`): "hello, world!" with `--hash sha3-256` and no CID version is CIDv1
/// with a raw leaf.
#[test]
fn kubo_sha3_vector() {
    let flags =
        crate::node::dag::profile::ImportFlags { profile: Some("kubo"), hash: Some("sha3-256"), ..Default::default() };
    let o = ImportOptions::resolve_flags(&flags).unwrap();
    assert_eq!(cid_of(b"hello, world!", &o), "bafkrmichjflejeh6aren53o7pig7zk3m3vxqcoc2i5dv326k3x6obh7jry");
}

/// Every block of a DAG carries the chosen hash, and the DAG reads back, in both layouts and both chunkers.
#[test]
fn other_hashes_layouts_and_chunkers_round_trip() {
    use crate::node::block::{BLAKE2B_256, BLAKE3, SHA2_512, SHA3_256};
    use crate::node::dag::profile::Layout;
    use crate::node::dag::rabin::RabinParams;
    let data = interop_content("hashes", 50_000);
    for (hash, layout, rabin) in [
        (SHA2_512, Layout::Balanced, None),
        (BLAKE2B_256, Layout::Trickle, None),
        (BLAKE3, Layout::Trickle, Some(RabinParams { min: 64, avg: 256, max: 1024 })),
        (SHA3_256, Layout::Balanced, Some(RabinParams { min: 64, avg: 256, max: 1024 })),
    ] {
        for raw_leaves in [true, false] {
            let opts = ImportOptions {
                hash,
                layout,
                rabin,
                raw_leaves,
                chunk_size: 300,
                max_links: 4,
                ..ImportOptions::unixfs_v1_2025()
            };
            let store = MemoryStore::default();
            let root = import_file(&data[..], &opts, &mut &store, &mut |_| {}).unwrap();
            assert_eq!(root.file_size, data.len() as u64);
            let mut blocks = 0;
            crate::node::dag::walk::walk_dag(&store, &root.cid, &mut |cid, bytes| {
                assert_eq!(cid.hash().code(), hash);
                crate::node::block::verify(cid, bytes).unwrap();
                blocks += 1;
                Ok(())
            })
            .unwrap();
            assert!(blocks > 100, "{blocks}");
            let mut out = Vec::new();
            crate::node::dag::exporter::cat(&store, &root.cid, &mut out).unwrap();
            assert_eq!(out, data, "{hash:x} {layout:?} {rabin:?}");
        }
    }
}

#[test]
fn wrapping_keeps_names_and_refuses_duplicates() {
    let opts = ImportOptions::legacy_cid_v0();
    let store = MemoryStore::default();
    let a = import_file(&b"a"[..], &opts, &mut &store, &mut |_| {}).unwrap();
    let b = import_file(&b"b"[..], &opts, &mut &store, &mut |_| {}).unwrap();
    let root = wrap_in_directory(&[("b".into(), b), ("a".into(), a)], &opts, &mut &store).unwrap();
    let names: Vec<_> =
        crate::node::dag::exporter::ls(&store, &root.cid).unwrap().into_iter().map(|e| e.name).collect();
    assert_eq!(names, ["a", "b"]);
    assert!(root.has_entries);
    let dup = wrap_in_directory(&[("a".into(), a), ("a".into(), b)], &opts, &mut &store);
    assert!(matches!(dup, Err(ImportError::DuplicateName(n)) if n == "a"));
}

use crate::node::dag::BlockSource;
