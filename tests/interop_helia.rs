//! CIDs equal to Helia's own importer (the pinned @helia/unixfs, run at test time) under both profiles, and CAR
//! files that cross between Helia and swarmscope in both directions.

mod common;

use std::path::Path;

use common::content;
use common::helia;
use common::swarmscope::Repo;

const PROFILES: [(&str, &str); 2] = [("unixfs-v1-2025", "default"), ("legacy-cid-v0", "kubo")];

fn our_cid(repo: &Repo, path: &Path, profile: &str, dir: bool) -> String {
    let mut args = vec!["add", "-n", "-Q", "--profile", profile];
    if dir {
        args.push("-r");
    }
    args.push(path.to_str().unwrap());
    repo.ok(&args).trim().to_string()
}

fn assert_same_cids(path: &Path, dir: bool, label: &str) {
    let repo = Repo::new();
    for (ours, theirs) in PROFILES {
        let expected = helia::helia_add(path, theirs);
        let got = our_cid(&repo, path, ours, dir);
        assert_eq!(got, expected, "{label} under {ours}: swarmscope {got}, Helia {expected}");
    }
}

#[test]
fn files_get_helias_cids_in_both_profiles() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("seed text", b"Hello Bitswap from Rust Helia".to_vec()),
        ("empty", Vec::new()),
        ("1 MiB", content::bytes("1", 1 << 20)),
        ("1 MiB + 1", content::bytes("1", (1 << 20) + 1)),
        ("3 MiB + 5", content::bytes("1", 3 * (1 << 20) + 5)),
    ];
    for (label, data) in cases {
        let path = dir.path().join("f");
        std::fs::write(&path, &data).unwrap();
        assert_same_cids(&path, false, label);
    }
    // The known vectors of INTEROP.md, so a harness fault cannot hide behind agreement.
    let path = dir.path().join("seed");
    std::fs::write(&path, b"Hello Bitswap from Rust Helia").unwrap();
    assert_eq!(helia::helia_add(&path, "default"), "bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq");
}

#[test]
fn a_64_mib_file_gets_helias_cids() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big");
    content::write_file(&path, "64", 64 << 20);
    assert_same_cids(&path, false, "64 MiB");
}

/// A nested tree of a few hundred files with awkward names and sizes around chunk boundaries.
fn make_tree(root: &Path) {
    let names = ["a", "B", "z", "é-accent", "with space", "1", "10", "2", "dots.in.name", "ünïcödé"];
    let mut n = 0u64;
    for top in ["alpha", "Beta", "gamma-dir", "zz"] {
        for sub in ["one", "two", "three"] {
            let d = root.join(top).join(sub);
            std::fs::create_dir_all(&d).unwrap();
            for (i, name) in names.iter().enumerate() {
                for k in 0..3 {
                    let size = match (n % 7, k) {
                        (0, _) => 0,
                        (1, _) => 262_144,
                        (2, _) => 262_145,
                        (3, 0) => (1 << 20) + 17,
                        _ => (n * 997 % 5000) as usize,
                    };
                    let file = d.join(format!("{name}-{i}-{k}.dat"));
                    std::fs::write(&file, content::bytes(&format!("tree{n}"), size)).unwrap();
                    n += 1;
                }
            }
        }
    }
    std::fs::create_dir_all(root.join("empty-dir")).unwrap();
    std::fs::write(root.join("top-level.txt"), b"top").unwrap();
    assert!(n >= 300, "{n} files");
}

#[test]
fn a_nested_directory_gets_helias_cids() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("tree");
    make_tree(&root);
    assert_same_cids(&root, true, "nested tree");
}

#[test]
fn cars_cross_between_helia_and_swarmscope() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("content.bin");
    let data = content::bytes("car", 3 * (1 << 20) + 5);
    std::fs::write(&file, &data).unwrap();

    for (ours, theirs) in PROFILES {
        // Helia writes, swarmscope imports.
        let helia_car = dir.path().join(format!("helia-{theirs}.car"));
        let root = helia::helia_car_export(&file, theirs, &helia_car);
        let repo = Repo::new();
        let printed = repo.ok(&["dag", "import", helia_car.to_str().unwrap()]);
        assert_eq!(printed.trim(), format!("Pinned root {root} success"));
        assert_eq!(repo.run(&["cat", &root], None).stdout, data, "{ours}: bytes of Helia's CAR");

        // swarmscope writes, Helia imports and reads the file back.
        let our_root = repo.ok(&["add", "-Q", "--profile", ours, file.to_str().unwrap()]).trim().to_string();
        assert_eq!(our_root, root);
        let our_car = dir.path().join(format!("ours-{theirs}.car"));
        repo.ok(&["dag", "export", &our_root, "-o", our_car.to_str().unwrap()]);
        let out = dir.path().join(format!("helia-read-{theirs}.bin"));
        let roots = helia::helia_car_import(&our_car, &out);
        assert_eq!(roots, vec![our_root.clone()]);
        assert_eq!(std::fs::read(&out).unwrap(), data, "{ours}: bytes Helia read from our CAR");
    }
}

#[test]
fn a_helia_hamt_sharded_directory_is_listed_and_exported() {
    // Helia shards a directory whose estimated node size passes 256 KiB: 3,000 long names do that.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("big-dir");
    std::fs::create_dir(&root).unwrap();
    let names: Vec<String> =
        (0..3000).map(|i| format!("{i:05}-{}", "a-rather-long-file-name-to-fill-the-node".repeat(2))).collect();
    for (i, name) in names.iter().enumerate() {
        std::fs::write(root.join(name), format!("file {i}")).unwrap();
    }
    let car = dir.path().join("hamt.car");
    let cid = helia::helia_car_export(&root, "default", &car);
    let repo = Repo::new();
    repo.ok(&["dag", "import", car.to_str().unwrap()]);
    let listed: serde_json::Value =
        serde_json::from_str(&format!("[{}]", repo.ok(&["ls", "--json", &cid]).trim_end().replace('\n', ","))).unwrap();
    let mut got: Vec<String> =
        listed.as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap().to_string()).collect();
    got.sort();
    assert_eq!(got, names, "every entry of Helia's HAMT, with its real name");
    let root_block = repo.run(&["block", "get", &cid], None).stdout;
    let node = swarmscope::node::dag::pb::Node::decode(&root_block[..]).unwrap();
    let data: swarmscope::node::dag::unixfs_pb::Data = prost::Message::decode(node.data.as_deref().unwrap()).unwrap();
    assert_eq!(data.r#type, 5, "Helia produced a HAMT shard, so this test exercises the HAMT reader");
    let out = dir.path().join("out");
    repo.ok(&["get", &cid, "-o", out.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(out.join(&names[1234])).unwrap(), "file 1234");
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 3000);
}
