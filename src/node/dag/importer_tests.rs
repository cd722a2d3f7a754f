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

use crate::node::dag::BlockSource;
