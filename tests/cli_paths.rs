//! IPFS paths and commands that fetch (issue 11 items 4 and 5), against a real Helia peer serving a tree with a
//! flat subdirectory and a HAMT-sharded one: a path fetches only the nodes on it, `ls` only the directory's
//! nodes, `pin add` the whole DAG; `block get` and `dag export` fetch; `--offline` never does. Kubo's behaviour
//! is the reference, its error words too.

mod common;

use std::path::Path;

use common::background::Background;
use common::helia;
use common::swarmscope::Repo;

/// Entries of the sharded subdirectory: 240-byte names, so that 1,200 of them pass the threshold (see
/// `tests/dag_helia_vectors.rs`) and the shard has sub-shards.
const BIG: usize = 1200;

fn big_name(i: usize) -> String {
    format!("f{i:05}{}", "x".repeat(234))
}

/// `top/a.txt`, `top/sub/b.txt`, `top/big/<1,200 files>`.
fn write_tree(dir: &Path) -> std::path::PathBuf {
    let top = dir.join("top");
    std::fs::create_dir_all(top.join("sub")).unwrap();
    std::fs::create_dir_all(top.join("big")).unwrap();
    std::fs::write(top.join("a.txt"), b"alpha\n").unwrap();
    std::fs::write(top.join("sub/b.txt"), b"beta\n").unwrap();
    for i in 0..BIG {
        std::fs::write(top.join("big").join(big_name(i)), format!("{i}\n")).unwrap();
    }
    top
}

/// A Helia peer serving the tree: (peer, root CID, its address, the tree's directory).
fn serve() -> (Background, String, String, tempfile::TempDir) {
    let tmp = tempfile::tempdir().unwrap();
    let top = write_tree(tmp.path());
    let peer = helia::helia_serve(&top, "default");
    let cid = peer.first["cid"].as_str().unwrap().to_string();
    let addr = peer.first["addrs"][0].as_str().unwrap().to_string();
    (peer, cid, addr, tmp)
}

fn blocks(repo: &Repo) -> u64 {
    let stat: serde_json::Value = serde_json::from_str(&repo.ok(&["repo", "stat", "--json"])).unwrap();
    stat["blocks"].as_u64().unwrap()
}

/// The shard nodes of `big` (its root and every sub-shard), counted in a repo that added the same tree.
fn shard_nodes(tree: &Path, cid: &str) -> u64 {
    let repo = Repo::new();
    let added = repo.ok(&["add", "-r", "-Q", tree.join("top").to_str().unwrap()]);
    assert_eq!(added.trim(), cid, "swarmscope and Helia give the tree one CID");
    let rows = repo.ok(&["dag", "explore", &format!("{cid}/big")]);
    rows.lines().filter(|l| l.contains("\"kind\":\"hamtshard\"")).count() as u64
}

#[test]
fn paths_resolve_through_flat_and_sharded_directories_fetching_only_the_path() {
    let (_peer, cid, addr, _tree) = serve();
    let net = ["--connect", addr.as_str(), "--no-mdns", "--timeout", "30"];
    let repo = Repo::new();
    let run = |args: &[&str]| repo.ok(&[args, &net[..]].concat());

    assert_eq!(run(&["cat", &format!("{cid}/a.txt")]), "alpha\n");
    assert_eq!(blocks(&repo), 2, "the root directory and the file, nothing else");
    assert_eq!(run(&["cat", &format!("/ipfs/{cid}/sub/b.txt")]), "beta\n");
    assert_eq!(blocks(&repo), 4);

    let name = big_name(777);
    assert_eq!(run(&["cat", &format!("/ipfs/{cid}/big/{name}")]), "777\n");
    let fetched = blocks(&repo) - 4;
    // The shard root, the sub-shard(s) on the name's hash path, the file: never the 1,200 entries.
    assert!((3..=5).contains(&fetched), "{fetched} blocks for one file in a sharded directory");

    let listing = run(&["ls", &format!("/ipfs/{cid}/sub")]);
    assert!(listing.trim_end().ends_with(" b.txt"), "{listing}");
    let out = repo.path().join("x");
    run(&["get", &format!("/ipfs/{cid}/sub"), "-o", out.to_str().unwrap()]);
    assert_eq!(std::fs::read(out.join("b.txt")).unwrap(), b"beta\n");

    let e = repo.fails(&[&["cat", &format!("{cid}/nope")], &net[..]].concat(), None);
    assert!(e.ends_with(&format!("no link named \"nope\" under {cid}")), "{e}");
    let e = repo.fails(&[&["cat", &format!("/ipfs/{cid}/big/nope")], &net[..]].concat(), None);
    assert!(e.contains("no link named \"nope\" under "), "{e}");
    let e = repo.fails(&["cat", &format!("/ipfs/{cid}/nope"), "--offline"], None);
    assert!(e.contains(&format!("no link named \"nope\" under {cid}")), "the root is stored: {e}");
}

#[test]
fn a_daemon_fetches_what_each_command_needs_and_offline_fetches_nothing() {
    let (_peer, cid, addr, tree) = serve();
    let shards = shard_nodes(tree.path(), &cid);
    assert!(shards > 1, "the big directory has sub-shards");
    let repo = Repo::new();
    let _d = repo.daemon().0;
    repo.ok(&["swarm", "connect", &addr]);

    let e = repo.fails(&["ls", &format!("/ipfs/{cid}/big"), "--offline"], None);
    assert!(e.contains("--offline"), "{e}");
    assert_eq!(blocks(&repo), 0, "--offline fetched nothing");

    let listing = repo.ok(&["ls", &format!("/ipfs/{cid}/big")]);
    assert_eq!(listing.lines().count(), BIG);
    assert_eq!(blocks(&repo), 1 + shards, "ls fetched the root and every shard node, no entry");

    let top = repo.ok(&["ls", &cid]);
    // `CID SIZE NAME`, a '/' after a directory's name when its node is stored.
    let entry = |name: &str| {
        let line = top.lines().find(|l| l.trim_end_matches('/').ends_with(name)).unwrap();
        line.split(' ').next().unwrap().to_string()
    };
    let a = entry(" a.txt");
    assert_eq!(repo.ok(&["block", "get", &a]), "alpha\n", "block get fetched the block");
    let sub = entry(" sub");
    let car = repo.path().join("sub.car");
    repo.ok(&["dag", "export", &sub, "-o", car.to_str().unwrap()]);
    let fresh = Repo::new();
    assert!(fresh.ok(&["dag", "import", car.to_str().unwrap()]).contains(&sub));
    assert_eq!(fresh.ok(&["cat", &format!("{sub}/b.txt"), "--offline"]), "beta\n", "dag export fetched the DAG");

    repo.ok(&["pin", "add", &format!("/ipfs/{cid}/big")]);
    assert_eq!(blocks(&repo), 1 + shards + 1 + 2 + BIG as u64, "pin add fetched the whole DAG under the path");
    repo.ok(&["repo", "gc"]);
    assert_eq!(repo.ok(&["cat", &format!("{}/{}", entry(" big"), big_name(5)), "--offline"]), "5\n", "pinned");
}
