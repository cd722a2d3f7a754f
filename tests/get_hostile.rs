//! Hostile directory DAGs (issue 10, item 2): a symlink `a` and then a directory or file `a` once made `get` write
//! outside its output. Built here, written to a CAR, and fed to the binary twice: `dag import` then `get -o`, and
//! from a daemon on 127.0.0.1 over Bitswap with `get --connect … -o`. Each get must fail with one line naming the
//! directory and the name, exit non-zero, and leave everything outside `-o` (and `-o` itself) as it was.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cid::Cid;
use common::background::Background;
use common::swarmscope::Repo;
use prost::Message;
use swarmscope::node::block::{Block, DAG_PB, RAW, SHA2_256};
use swarmscope::node::dag::pb::{Link, Node};
use swarmscope::node::dag::unixfs_pb::{Data, DataType};
use swarmscope::node::dag::{BlockSink, MemoryStore, car};

/// Builds UnixFS nodes into an in-memory store.
#[derive(Default)]
struct Dag {
    store: MemoryStore,
}

impl Dag {
    fn put(&self, block: Block) -> Cid {
        let cid = *block.cid();
        (&self.store).put(block).unwrap();
        cid
    }

    fn pb(&self, data: Data, links: &[(&str, Cid)]) -> Cid {
        let links = links.iter().map(|(n, c)| Link { cid: *c, name: n.to_string(), tsize: Some(1) }).collect();
        let node = Node { data: Some(data.encode_to_vec().into()), links };
        self.put(Block::from_data(cid::Version::V1, DAG_PB, SHA2_256, node.encode()).unwrap())
    }

    fn file(&self, bytes: &[u8]) -> Cid {
        self.put(Block::from_data(cid::Version::V1, RAW, SHA2_256, bytes.to_vec()).unwrap())
    }

    fn dir(&self, entries: &[(&str, Cid)]) -> Cid {
        self.pb(Data { r#type: DataType::Directory as i32, ..Default::default() }, entries)
    }

    fn symlink(&self, target: &Path) -> Cid {
        let data = target.as_os_str().as_encoded_bytes().to_vec();
        self.pb(Data { r#type: DataType::Symlink as i32, data: Some(data), ..Default::default() }, &[])
    }

    fn shard(&self, entries: &[(&str, Cid)]) -> Cid {
        let data = Data {
            r#type: DataType::HamtShard as i32,
            data: Some(vec![0u8; 32]),
            hash_type: Some(0x22),
            fanout: Some(256),
            ..Default::default()
        };
        self.pb(data, entries)
    }
}

/// One hostile DAG: its root, the directory holding the repeated name, and that name.
struct Case {
    what: &'static str,
    root: Cid,
    dir: Cid,
    name: &'static str,
}

/// The five attacks of the issue, aimed at `victim` (a directory with `keep.txt` outside every `-o`).
fn hostile_dags(dag: &Dag, victim: &Path) -> Vec<Case> {
    let pwned = dag.file(b"pwned");
    let pwned_dir = dag.dir(&[("pwned.txt", pwned)]);
    let mut cases = Vec::new();

    let root = dag.dir(&[("a", dag.symlink(victim)), ("a", pwned_dir)]);
    cases.push(Case { what: "symlink then directory", root, dir: root, name: "a" });

    let root = dag.dir(&[("a", dag.symlink(&victim.join("keep.txt"))), ("a", dag.file(b"overwritten"))]);
    cases.push(Case { what: "symlink then file", root, dir: root, name: "a" });

    let files = dag.dir(&[("f", dag.file(b"one")), ("f", dag.file(b"two"))]);
    let root = dag.dir(&[("fine.txt", pwned), ("sub", files)]);
    cases.push(Case { what: "duplicate file names", root, dir: files, name: "f" });

    let root = dag.dir(&[("a", dag.symlink(Path::new(".."))), ("a", pwned_dir)]);
    cases.push(Case { what: "symlink to ..", root, dir: root, name: "a" });

    let deep = dag.dir(&[("b", dag.dir(&[("c", pwned_dir)]))]);
    let sub = dag.shard(&[("0Fa", deep)]);
    let root = dag.shard(&[("1Aa", dag.symlink(victim)), ("7F", sub)]);
    cases.push(Case { what: "deep path through a symlink in a HAMT shard", root, dir: root, name: "a" });
    cases
}

/// Every path under `dir` with what it is (file bytes, symlink target, or a directory), symlinks not followed.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let what = if meta.is_symlink() {
                format!("symlink {}", std::fs::read_link(&path).unwrap().display())
            } else if meta.is_dir() {
                stack.push(path.clone());
                "dir".to_string()
            } else {
                format!("file {:?}", std::fs::read(&path).unwrap())
            };
            out.insert(path.strip_prefix(dir).unwrap().to_path_buf(), what);
        }
    }
    out
}

/// A scratch directory: `victim/keep.txt`, the CAR, and the `-o` paths, which must all be gone after each get.
struct Scene {
    dir: tempfile::TempDir,
    cases: Vec<Case>,
    car: PathBuf,
}

impl Scene {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::create_dir(&victim).unwrap();
        std::fs::write(victim.join("keep.txt"), b"keep").unwrap();
        let dag = Dag::default();
        let cases = hostile_dags(&dag, &victim);
        let car = dir.path().join("hostile.car");
        let roots: Vec<Cid> = cases.iter().map(|c| c.root).collect();
        car::write_car(&dag.store, &roots, &mut std::fs::File::create(&car).unwrap()).unwrap();
        Self { dir, cases, car }
    }

    /// Runs each case's `get` (the arguments before `-o` from `args`), which must fail cleanly.
    fn every_get_fails(&self, repo: &Repo, args: &[&str]) {
        let before = snapshot(self.dir.path());
        for case in &self.cases {
            let out = self.dir.path().join("out");
            let root = case.root.to_string();
            let mut cmd = vec!["get", root.as_str()];
            cmd.extend_from_slice(args);
            cmd.extend_from_slice(&["-o", out.to_str().unwrap()]);
            let err = repo.fails(&cmd, None); // non-zero exit, one line on stderr
            let expected = format!("directory {} has more than one entry named \"{}\"", case.dir, case.name);
            assert!(err.contains(&expected), "{}: {err}", case.what);
            assert_eq!(snapshot(self.dir.path()), before, "{}: something outside -o changed ({err})", case.what);
        }
    }
}

#[test]
fn hostile_dags_from_a_car_never_write_outside_the_output() {
    let scene = Scene::new();
    let repo = Repo::new();
    let imported = repo.ok(&["dag", "import", scene.car.to_str().unwrap()]);
    assert_eq!(imported.lines().count(), scene.cases.len(), "{imported}");
    scene.every_get_fails(&repo, &["--offline"]);

    // The output path must be new: an existing one is refused, not merged into or overwritten.
    let before = snapshot(scene.dir.path());
    let victim = scene.dir.path().join("victim");
    let plain = repo.ok(&["add", "-Q", "-"]);
    for dest in [victim.clone(), victim.join("keep.txt")] {
        let err = repo.fails(&["get", "--offline", plain.trim(), "-o", dest.to_str().unwrap()], None);
        assert!(err.contains("already exists"), "{err}");
    }
    assert_eq!(snapshot(scene.dir.path()), before);
}

#[test]
fn hostile_dags_from_a_peer_never_write_outside_the_output() {
    let scene = Scene::new();
    let server = Repo::new();
    server.ok(&["dag", "import", scene.car.to_str().unwrap()]);
    let cmd = server.cmd(&["daemon", "--listen", "/ip4/127.0.0.1/tcp/0", "--no-mdns", "--json"]);
    let daemon = Background::start(cmd, Duration::from_secs(60));
    assert_eq!(daemon.first["type"], "ready", "{}", daemon.first);
    let addr = daemon.first["listen"][0].as_str().expect("a listen address").to_string();
    assert!(addr.starts_with("/ip4/127.0.0.1/tcp/"), "{addr}");

    let client = Repo::new();
    scene.every_get_fails(&client, &["--connect", &addr, "--no-mdns", "--timeout", "60"]);
    // The blocks did come over the network (the refusal is the exporter's, not a failed fetch).
    let stat: serde_json::Value = serde_json::from_str(&client.ok(&["repo", "stat", "--json"])).unwrap();
    assert!(stat["blocks"].as_u64().unwrap() >= 10, "{stat}");
    drop(daemon);
}
