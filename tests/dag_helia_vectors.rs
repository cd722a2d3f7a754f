//! Large directories (flat, and HAMT-sharded above the threshold), the trickle layout, the rabin chunker and
//! wrapping in a directory give Helia's CIDs. Every vector is computed by Helia's importer at test time
//! (`tests/interop/add.mjs`), in each profile; none is pasted.

mod common;

use std::path::Path;

use prost::Message;
use swarmscope::node::dag::MemoryStore;
use swarmscope::node::dag::importer::{Imported, import_file, wrap_in_directory};
use swarmscope::node::dag::pb::Node;
use swarmscope::node::dag::profile::{ImportFlags, ImportOptions};
use swarmscope::node::dag::unixfs_pb::{Data, DataType};

use common::helia::helia_add_all;
use common::swarmscope::Repo;

/// Writes `n` files named `f00000`, `f00001`, … (6-byte names) of a few bytes each.
fn write_files(dir: &Path, n: usize) {
    write_named(dir, n, |i| format!("f{i:05}"));
}

/// A 240-byte name: few entries of these reach the threshold, which keeps Helia's part of the test short.
fn long_name(prefix: char, i: usize) -> String {
    format!("{prefix}{i:05}{}", "x".repeat(234))
}

fn write_named(dir: &Path, n: usize, name: impl Fn(usize) -> String) {
    std::fs::create_dir_all(dir).unwrap();
    for i in 0..n {
        std::fs::write(dir.join(name(i)), format!("{i}\n")).unwrap();
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The UnixFS type of a stored dag-pb block.
fn kind(repo: &Repo, cid: &str) -> DataType {
    let out = repo.run(&["block", "get", cid], None);
    assert!(out.status.success());
    let node = Node::decode(&out.stdout[..]).unwrap();
    let data = Data::decode(&node.data.unwrap()[..]).unwrap();
    DataType::try_from(data.r#type).unwrap()
}

/// Asserts that two trees hold the same names, file bytes and symlink targets.
fn assert_same_tree(a: &Path, b: &Path) {
    let names = |d: &Path| {
        let mut v: Vec<_> = std::fs::read_dir(d).unwrap().map(|e| e.unwrap().file_name()).collect();
        v.sort();
        v
    };
    assert_eq!(names(a), names(b), "{} vs {}", a.display(), b.display());
    for name in names(a) {
        let (x, y) = (a.join(&name), b.join(&name));
        let meta = std::fs::symlink_metadata(&x).unwrap();
        if meta.is_symlink() {
            assert_eq!(std::fs::read_link(&x).unwrap(), std::fs::read_link(&y).unwrap());
        } else if meta.is_dir() {
            assert_same_tree(&x, &y);
        } else {
            assert_eq!(std::fs::read(&x).unwrap(), std::fs::read(&y).unwrap(), "{}", x.display());
        }
    }
}

/// Entries of 240-byte names that still fit under the 262,144-byte threshold, by each profile's estimate:
/// `default` (unixfs-v1-2025) counts whole encoded links, 286 bytes here, plus 4 bytes of Data: 4 + 286 × 916 =
/// 261,980; `helia` counts name + CIDv1 bytes, 276 × 949 = 261,924; `kubo` name + CIDv0 bytes, 274 × 956 =
/// 261,944. One entry more passes the threshold in each.
const FIT: [(&str, usize); 3] = [("default", 916), ("helia", 949), ("kubo", 956)];

#[test]
fn directories_just_below_and_just_above_the_threshold_get_helias_cids() {
    let tmp = tempfile::tempdir().unwrap();
    for (profile, fit) in FIT {
        let below = tmp.path().join(format!("{profile}-below"));
        let above = tmp.path().join(format!("{profile}-above"));
        write_named(&below, fit, |i| long_name('f', i));
        write_named(&above, fit + 1, |i| long_name('f', i));
        let want = helia_add_all(&[&below, &above], profile, &[]);
        let repo = Repo::new();
        for (path, want, expected) in [(&below, &want[0], DataType::Directory), (&above, &want[1], DataType::HamtShard)]
        {
            let got = repo.ok(&["add", "-r", "-Q", "--profile", profile, s(path)]);
            assert_eq!(got.trim(), want, "{profile}: {}", path.display());
            assert_eq!(kind(&repo, want), expected, "{profile}: {}", path.display());
        }
        if profile == "kubo" {
            let out = tmp.path().join("out");
            repo.ok(&["get", &want[1], "-o", s(&out), "--offline"]);
            assert_same_tree(&above, &out);
        }
    }
}

/// 10,000 entries: a shard with sub-shards, in Kubo's profile and the default one; `ls` reads it back, and `get`
/// too (once: creating 10,000 files costs seconds of system time on these disks).
#[test]
fn a_directory_far_above_the_threshold_gets_helias_cid() {
    let tmp = tempfile::tempdir().unwrap();
    let big = tmp.path().join("big");
    write_files(&big, 10_000);
    for profile in ["default", "kubo"] {
        let want = &helia_add_all(&[&big], profile, &[])[0];
        let repo = Repo::new();
        let got = repo.ok(&["add", "-r", "-Q", "--profile", profile, s(&big)]);
        assert_eq!(got.trim(), want, "{profile}");
        assert_eq!(kind(&repo, want), DataType::HamtShard);
        let listing = repo.ok(&["ls", want]);
        assert_eq!(listing.lines().count(), 10_000);
        assert!(listing.lines().any(|l| l.ends_with(" f09999")), "{}", &listing[..200]);
        if profile == "default" {
            let out = tmp.path().join("out");
            repo.ok(&["get", want, "-o", s(&out), "--offline"]);
            assert_same_tree(&big, &out);
        }
    }
}

/// Helia counts a subdirectory towards its parent's estimate only while it is still empty: when it is added, and
/// never again once it has entries. A filled subdirectory first in name order therefore adds nothing (the parent
/// stays flat, though counting it would pass the threshold), while one last in order tips a full parent over the
/// threshold at the moment it is added. Also an empty subdirectory and a symlink inside a shard.
#[test]
fn subdirectories_count_towards_sharding_as_in_helia() {
    let tmp = tempfile::tempdir().unwrap();
    let (fit, first, last) = (FIT[1].1, tmp.path().join("first"), tmp.path().join("last"));
    write_named(&first, fit, |i| long_name('f', i));
    write_files(&first.join(long_name('a', 0)), 1);
    write_named(&last, fit, |i| long_name('f', i));
    write_files(&last.join(long_name('z', 0)), 2);
    std::fs::create_dir(last.join("empty")).unwrap();
    std::os::unix::fs::symlink("f00001", last.join("link")).unwrap();
    let want = helia_add_all(&[&first, &last], "helia", &[]);
    let repo = Repo::new();
    for (path, want, expected) in [(&first, &want[0], DataType::Directory), (&last, &want[1], DataType::HamtShard)] {
        let got = repo.ok(&["add", "-r", "-Q", "--profile", "helia", s(path)]);
        assert_eq!(got.trim(), want, "{}", path.display());
        assert_eq!(kind(&repo, want), expected, "{}", path.display());
    }
    let out = tmp.path().join("out");
    repo.ok(&["get", &want[1], "-o", s(&out), "--offline"]);
    assert_same_tree(&last, &out);
}

fn import(path: &Path, opts: &ImportOptions) -> Imported {
    let file = std::fs::File::open(path).unwrap();
    import_file(file, opts, &mut &MemoryStore::default(), &mut |_| {}).unwrap()
}

fn opts(profile: &str, chunker: &str, trickle: bool) -> ImportOptions {
    ImportOptions::resolve_flags(&ImportFlags {
        profile: Some(profile),
        chunker: Some(chunker),
        trickle,
        ..Default::default()
    })
    .unwrap()
}

/// Files of 1 … 500 leaves of 64 bytes under 3 links per node: the trickle root takes 3 leaves, then subtrees of
/// depth 1 (3 leaves each) four times, of depth 2 (15 leaves) four times, of depth 3 (75 leaves) four times, so
/// the sizes land on both sides of every layer boundary.
#[test]
fn trickle_files_get_helias_cids() {
    let tmp = tempfile::tempdir().unwrap();
    let content = common::content::bytes("trickle", 500 * 64);
    let mut paths = Vec::new();
    for leaves in [1, 2, 3, 4, 15, 16, 18, 19, 90, 91, 390, 391, 500] {
        for len in [leaves * 64 - 10, leaves * 64] {
            let path = tmp.path().join(format!("t{len}"));
            std::fs::write(&path, &content[..len]).unwrap();
            paths.push(path);
        }
    }
    let refs: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
    for profile in ["default", "kubo"] {
        let want = helia_add_all(&refs, profile, &["--layout", "trickle", "--max-links", "3", "--chunker", "size-64"]);
        let o = ImportOptions { max_links: 3, ..opts(profile, "size-64", true) };
        for (path, want) in refs.iter().zip(&want) {
            assert_eq!(&import(path, &o).cid.to_string(), want, "{profile} trickle {}", path.display());
        }
    }
}

/// Rabin chunks over up to 3 MiB of content with small bounds (thousands of chunks) and with Kubo's default
/// bounds (`rabin` alone: average 256 KiB), and files shorter than the minimum. (Helia refuses an empty file with
/// its rabin chunker, "Nothing imported"; swarmscope gives it the empty file's CID, as with fixed-size chunks.)
#[test]
fn rabin_chunks_get_helias_cids() {
    let tmp = tempfile::tempdir().unwrap();
    let content = common::content::bytes("rabin", 3 << 20);
    let mut paths = Vec::new();
    for len in [15, 100, 300_000, 3 << 20] {
        let path = tmp.path().join(format!("r{len}"));
        std::fs::write(&path, &content[..len]).unwrap();
        paths.push(path);
    }
    let refs: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
    for (profile, chunker, helia_chunker) in [
        ("default", "rabin-256-1024-4096", "rabin-256-1024-4096"),
        ("kubo", "rabin-256-1024-4096", "rabin-256-1024-4096"),
        ("default", "rabin", "rabin-262144"),
        ("kubo", "rabin-100000", "rabin-100000"),
    ] {
        let want = helia_add_all(&refs, profile, &["--chunker", helia_chunker]);
        let o = opts(profile, chunker, false);
        for (path, want) in refs.iter().zip(&want) {
            assert_eq!(&import(path, &o).cid.to_string(), want, "{profile} {chunker} {}", path.display());
        }
    }
}

/// `add -w` of one file: a directory holding it under its name.
#[test]
fn wrapping_in_a_directory_gets_helias_cid() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("hello.txt");
    std::fs::write(&path, b"Hello Bitswap from Rust Helia").unwrap();
    for profile in ["default", "kubo"] {
        let want = helia_add_all(&[&path], profile, &["--wrap", "true"]);
        let o = ImportOptions::profile(profile).unwrap();
        let store = MemoryStore::default();
        let file = import(&path, &o);
        let root = wrap_in_directory(&[("hello.txt".to_string(), file)], &o, &mut &store).unwrap();
        assert_eq!(root.cid.to_string(), want[0], "{profile}");
    }
}
