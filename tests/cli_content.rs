//! The offline CLI end to end: add → cat/get/ls, CAR export → import into a fresh repo, pins and gc, and bad input
//! that must give one clear line and leave the store as it was.

mod common;

use common::content;
use common::swarmscope::Repo;

fn sha256(data: &[u8]) -> String {
    use sha2::Digest;
    format!("{:x}", sha2::Sha256::digest(data))
}

fn blocks(repo: &Repo) -> u64 {
    let stat: serde_json::Value = serde_json::from_str(&repo.ok(&["repo", "stat", "--json"])).unwrap();
    stat["blocks"].as_u64().unwrap()
}

#[test]
fn add_then_cat_returns_identical_bytes_in_both_profiles() {
    let repo = Repo::new();
    let file = repo.path().parent().unwrap().join(format!("content-{}", std::process::id()));
    let data = content::bytes("cat", 3 * 1024 * 1024 + 5);
    std::fs::write(&file, &data).unwrap();
    for profile in ["unixfs-v1-2025", "kubo"] {
        let out = repo.ok(&["add", "--profile", profile, file.to_str().unwrap()]);
        let mut words = out.split_whitespace();
        assert_eq!(words.next(), Some("added"), "{out}");
        let cid = words.next().unwrap().to_string();
        assert_eq!(words.next().map(String::from), file.file_name().map(|n| n.to_string_lossy().into_owned()));
        let cat = repo.run(&["cat", &cid], None);
        assert!(cat.status.success());
        assert_eq!(sha256(&cat.stdout), sha256(&data), "cat of {cid} ({profile})");
        let dest = repo.path().join(format!("got-{profile}"));
        repo.ok(&["get", &cid, "-o", dest.to_str().unwrap()]);
        assert_eq!(std::fs::read(&dest).unwrap(), data);
        if profile == "kubo" {
            assert!(cid.starts_with("Qm"), "kubo profile gives CIDv0: {cid}");
        }
    }
    std::fs::remove_file(file).unwrap();
}

#[test]
fn stdin_add_quieter_prints_only_the_root() {
    let repo = Repo::new();
    let out = repo.run(&["add", "-Q", "-"], Some(b"Hello Bitswap from Rust Helia"));
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq\n");
    let pins = repo.ok(&["pin", "ls"]);
    assert!(pins.contains("bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq recursive"), "{pins}");
}

#[test]
fn raw_leaves_is_a_flag_before_a_path_and_takes_an_explicit_value() {
    let repo = Repo::new();
    let file = repo.path().join("leaves.bin");
    std::fs::write(&file, content::bytes("leaves", 300_000)).unwrap();
    let path = file.to_str().unwrap();
    // As `ipfs add --raw-leaves FILE`: the flag takes no value, the path is the path.
    let raw = repo.ok(&["add", "-Q", "--profile", "kubo", "--cid-version", "1", "--raw-leaves", path]);
    let pb = repo.ok(&["add", "-Q", "--profile", "kubo", "--cid-version", "1", "--raw-leaves=false", path]);
    assert_ne!(raw, pb, "raw leaves change the root");
    let (raw_links, pb_links) = (repo.ok(&["ls", raw.trim()]), repo.ok(&["ls", pb.trim()]));
    assert!(raw_links.lines().all(|l| l.starts_with("bafkrei")), "raw leaves: {raw_links}");
    assert!(pb_links.lines().all(|l| l.starts_with("bafybei")), "dag-pb leaves: {pb_links}");
}

#[test]
fn only_hash_stores_nothing() {
    let repo = Repo::new();
    let out = repo.run(&["add", "-n", "-Q", "--profile", "kubo", "-"], Some(b"Hello Bitswap from Rust Helia"));
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), "QmT36SRc6xtQKZXnYW5ctk31FuZ4e6CsVNFJ4mwJk4sn5o");
    assert!(!repo.path().join("index.redb").exists(), "-n must not even create the repo");
}

#[test]
fn directory_round_trip_through_get_and_car() {
    let src = tempfile::tempdir().unwrap();
    let root = src.path().join("tree");
    std::fs::create_dir_all(root.join("a/b")).unwrap();
    std::fs::create_dir_all(root.join("empty")).unwrap();
    std::fs::write(root.join("a/one.txt"), b"one").unwrap();
    std::fs::write(root.join("a/b/two.bin"), content::bytes("two", 1_500_000)).unwrap();
    std::fs::write(root.join("zero"), b"").unwrap();

    let repo = Repo::new();
    let out = repo.ok(&["add", "-r", root.to_str().unwrap()]);
    let last = out.lines().last().unwrap();
    assert!(last.ends_with(" tree"), "the directory itself is added last: {out}");
    let cid = last.split_whitespace().nth(1).unwrap().to_string();

    let ls = repo.ok(&["ls", &cid]);
    let names: Vec<&str> = ls.lines().map(|l| l.rsplit(' ').next().unwrap()).collect();
    assert_eq!(names, ["a/", "empty/", "zero"], "entries sorted by name: {ls}");

    let got = src.path().join("got");
    repo.ok(&["get", &cid, "-o", got.to_str().unwrap()]);
    assert_eq!(std::fs::read(got.join("a/b/two.bin")).unwrap(), content::bytes("two", 1_500_000));
    assert_eq!(std::fs::read(got.join("a/one.txt")).unwrap(), b"one");
    assert!(got.join("empty").is_dir());
    assert_eq!(std::fs::read(got.join("zero")).unwrap(), b"");

    // CAR out of this repo, into a fresh one: identical tree.
    let car = src.path().join("tree.car");
    repo.ok(&["dag", "export", &cid, "-o", car.to_str().unwrap()]);
    let fresh = Repo::new();
    let imported = fresh.ok(&["dag", "import", car.to_str().unwrap()]);
    assert_eq!(imported.trim(), format!("Pinned root {cid} success"));
    assert_eq!(blocks(&fresh), blocks(&repo));
    let again = src.path().join("again");
    fresh.ok(&["get", &cid, "-o", again.to_str().unwrap()]);
    assert_eq!(std::fs::read(again.join("a/b/two.bin")).unwrap(), content::bytes("two", 1_500_000));
    fresh.ok(&["repo", "verify"]);
}

#[test]
fn gc_keeps_pinned_dags_and_removes_the_rest() {
    let repo = Repo::new();
    let keep = repo.run(&["add", "-Q", "--chunker", "size-1000", "-"], Some(&content::bytes("keep", 10_000)));
    let keep = String::from_utf8(keep.stdout).unwrap().trim().to_string();
    let drop = repo.run(&["add", "-Q", "--pin=false", "-"], Some(&content::bytes("drop", 5_000)));
    let drop = String::from_utf8(drop.stdout).unwrap().trim().to_string();
    let before = blocks(&repo);
    assert_eq!(before, 11 + 1, "10 leaves + 1 root kept, 1 raw block dropped");
    let gc: serde_json::Value = serde_json::from_str(&repo.ok(&["repo", "gc", "--json"])).unwrap();
    assert_eq!(gc["removed_blocks"], 1);
    assert_eq!(blocks(&repo), 11);
    assert!(repo.fails(&["block", "stat", &drop], None).contains("not found"));
    repo.ok(&["pin", "rm", &keep]);
    repo.ok(&["repo", "gc"]);
    assert_eq!(blocks(&repo), 0);
}

#[test]
fn block_put_get_stat_rm() {
    let repo = Repo::new();
    let out = repo.run(&["block", "put", "--mhtype", "blake3"], Some(b"some bytes"));
    let cid = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let info: serde_json::Value = serde_json::from_str(&repo.ok(&["cid", "inspect", "--json", &cid])).unwrap();
    assert_eq!(info["multihash"]["name"], "blake3");
    assert_eq!(info["codec"], "raw");
    assert_eq!(repo.run(&["block", "get", &cid], None).stdout, b"some bytes");
    assert_eq!(repo.ok(&["block", "stat", &cid]), format!("Key: {cid}\nSize: 10\n"));
    repo.ok(&["block", "rm", &cid]);
    assert!(repo.fails(&["block", "get", "--offline", &cid], None).contains("not found"));
    assert!(repo.fails(&["block", "get", "--no-mdns", &cid], None).contains("not found"), "no peers: said at once");
    let bad = repo.fails(&["block", "put", "--cid-codec", "dag-pb"], Some(b"\xff\xff not protobuf"));
    assert!(bad.contains("dag-pb"), "{bad}");
}

#[test]
fn cid_inspect_shows_both_versions() {
    let repo = Repo::new();
    let out = repo.ok(&["cid", "inspect", "--json", "QmT36SRc6xtQKZXnYW5ctk31FuZ4e6CsVNFJ4mwJk4sn5o"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], 0);
    assert_eq!(v["codec"], "dag-pb");
    assert_eq!(v["multihash"]["length"], 32);
    assert_eq!(v["cid_v0"], "QmT36SRc6xtQKZXnYW5ctk31FuZ4e6CsVNFJ4mwJk4sn5o");
    assert!(v["cid_v1"].as_str().unwrap().starts_with("bafybei"));
}

#[test]
fn bad_input_is_one_line_and_changes_nothing() {
    let repo = Repo::new();
    repo.run(&["add", "-Q", "-"], Some(b"existing"));
    let before = blocks(&repo);

    let e = repo.fails(&["cat", "not-a-cid"], None);
    assert!(e.starts_with("error: invalid CID \"not-a-cid\""), "{e}");
    let missing = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
    assert!(repo.fails(&["cat", "--offline", missing], None).contains("not found"));
    let e = repo.fails(&["cat", "--no-mdns", "--timeout", "1", missing], None);
    assert!(e.contains("could not fetch") && e.contains("no peers"), "{e}");
    let e = repo.fails(&["add", "--profile", "nonsense", "-"], Some(b"x"));
    assert!(e.contains("nonsense") && e.contains("unixfs-v1-2025"), "{e}");
    let e = repo.fails(&["add", "/definitely/not/here"], None);
    assert!(e.contains("/definitely/not/here"), "{e}");
    let e = repo.fails(&["add", "--chunker", "buzhash", "-"], Some(b"x"));
    assert!(e.contains("buzhash"), "{e}");

    // A CAR whose second block is corrupt: nothing of it may stay.
    let car = repo.path().join("broken.car");
    let src = Repo::new();
    let cid = src.run(&["add", "-Q", "--chunker", "size-100", "-"], Some(&content::bytes("car", 1000))).stdout;
    let cid = String::from_utf8(cid).unwrap().trim().to_string();
    src.ok(&["dag", "export", &cid, "-o", car.to_str().unwrap()]);
    let mut bytes = std::fs::read(&car).unwrap();
    let n = bytes.len();
    bytes[n - 10] ^= 0xff; // inside the last block's data
    std::fs::write(&car, &bytes).unwrap();
    let e = repo.fails(&["dag", "import", car.to_str().unwrap()], None);
    assert!(e.contains("match"), "{e}");
    std::fs::write(&car, &bytes[..n / 2]).unwrap();
    let e = repo.fails(&["dag", "import", car.to_str().unwrap()], None);
    assert!(e.to_lowercase().contains("truncated") || e.contains("unexpected end"), "{e}");

    assert_eq!(blocks(&repo), before, "failed commands left blocks behind");
    repo.ok(&["repo", "verify"]);
}

#[test]
fn export_into_a_directory_is_refused_and_long_cids_are_cut_in_errors() {
    let repo = Repo::new();
    let cid = String::from_utf8(repo.run(&["add", "-Q", "-"], Some(b"export me")).stdout).unwrap();
    let dir = repo.path().join("out");
    std::fs::create_dir(&dir).unwrap();
    let e = repo.fails(&["dag", "export", cid.trim(), "-o", dir.to_str().unwrap()], None);
    assert!(e.contains("is a directory"), "{e}");
    let left: Vec<_> = std::fs::read_dir(repo.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(!left.iter().any(|n| n.to_string_lossy().ends_with(".tmp")), "left behind: {left:?}");

    // A huge argument (an oversized identity CID, say) is quoted cut to 64 characters and "…", not echoed whole.
    let huge = format!("b{}", "a".repeat(100_000));
    for args in [&["cat", huge.as_str()][..], &["block", "get", &huge], &["pin", "add", &huge]] {
        let e = repo.fails(args, None);
        assert!(e.len() < 400 && e.contains("invalid CID") && e.contains("…\""), "{args:?}: {} chars", e.len());
    }
}
