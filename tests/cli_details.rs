//! The smaller things a Kubo user notices (issue 11 item 7): `cat --offset/--length`, `swarm peers` without a
//! doubled `/p2p/ID`, `id` with its agent, `get --json` counting file bytes, `stats bw`, help for `--json` and
//! `--peer`.

mod common;

use std::time::Duration;

use common::content;
use common::swarmscope::Repo;

fn blocks(repo: &Repo) -> u64 {
    repo.json(&["repo", "stat", "--json"])["blocks"].as_u64().unwrap()
}

#[test]
fn cat_offset_and_length_read_a_range_fetching_only_its_blocks() {
    let (a, b) = (Repo::new(), Repo::new());
    let data = content::bytes("range", 3 * (1 << 20) + 11);
    let cid = String::from_utf8(a.run(&["add", "-Q", "-"], Some(&data)).stdout).unwrap().trim().to_string();
    let range = |args: &[&str]| a.run(&[&["cat", &cid, "--offline"], args].concat(), None).stdout;
    assert_eq!(range(&["--offset", "1000000", "--length", "70000"]), &data[1_000_000..1_070_000]);
    assert_eq!(range(&["-o", "3145720"]), &data[3_145_720..], "to the end");
    assert_eq!(range(&["-l", "5"]), &data[..5]);
    assert!(range(&["--offset", "99999999"]).is_empty(), "past the end: nothing, as Kubo");

    let (_da, addr) = a.daemon();
    let (_db, _) = b.daemon();
    b.ok(&["swarm", "connect", &addr]);
    let got = b.run(&["cat", &cid, "--offset", &(2 * (1 << 20) + 5).to_string(), "--length", "100"], None);
    assert_eq!(got.stdout, &data[2 * (1 << 20) + 5..2 * (1 << 20) + 105]);
    assert_eq!(blocks(&b), 2, "the root and the one 1 MiB leaf holding the range");
}

#[test]
fn peers_id_get_json_and_stats_bw_read_as_kubo() {
    let (a, b) = (Repo::new(), Repo::new());
    let (_da, addr) = a.daemon();
    let (_db, _) = b.daemon();
    // A full multiaddr with /p2p/ID: the dialed address already ends in it.
    b.ok(&["swarm", "connect", &addr]);
    let peers = b.ok(&["swarm", "peers"]);
    assert_eq!(peers.trim(), addr, "one line, ADDR/p2p/ID once: {peers}");
    assert_eq!(b.ok(&["swarm", "peers", "-v"]).matches("/p2p/").count(), 1);

    let id = b.ok(&["id"]);
    assert!(id.lines().nth(1).is_some_and(|l| l.starts_with("agent: swarmscope/")), "{id}");

    let tree = tempfile::tempdir().unwrap();
    let dir = tree.path().join("d");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("x"), content::bytes("x", 300_000)).unwrap();
    std::fs::write(dir.join("y"), content::bytes("y", 5)).unwrap();
    let cid = a.ok(&["add", "-r", "-Q", "--profile", "kubo", dir.to_str().unwrap()]).trim().to_string();
    let out = tree.path().join("got");
    let stats = b.json(&["get", &cid, "--json", "-o", out.to_str().unwrap()]);
    assert_eq!(stats["bytes"], 300_005, "file bytes: {stats}");
    assert!(stats["dag_bytes"].as_u64().unwrap() > 300_005, "DAG bytes add the nodes: {stats}");

    // -v: who dialled, the ping, the Bitswap version in use (not only advertised), traffic, the protocols.
    let verbose = b.ok(&["swarm", "peers", "-v"]);
    let first = verbose.lines().next().unwrap();
    assert!(first.contains(" outbound ") && first.contains(" bitswap/1.2.0 ") && first.contains(" in:3"), "{verbose}");
    assert!(verbose.lines().any(|l| l == "  /ipfs/bitswap/1.2.0"), "{verbose}");
    assert!(a.ok(&["swarm", "peers", "-v"]).contains(" inbound "));
    let peers = b.json(&["swarm", "peers", "--json"]);
    assert_eq!((peers["direction"].as_str(), peers["bitswap_version"].as_str()), (Some("out"), Some("1.2.0")));
    // libp2p pings a new connection at once; allow for a slow machine.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while b.json(&["swarm", "peers", "--json"])["latency_ms"].as_f64().is_none() {
        assert!(std::time::Instant::now() < deadline, "no ping round trip within 10 s");
        std::thread::sleep(Duration::from_millis(200));
    }

    let bw = b.ok(&["stats", "bw"]);
    let lines: Vec<&str> = bw.lines().collect();
    assert_eq!(lines[0], "Bandwidth");
    assert!(lines[1].starts_with("TotalIn: ") && lines[1].ends_with(" kB"), "{bw}");
    assert!(
        lines[2].starts_with("TotalOut: ") && lines[3].starts_with("RateIn: ") && lines[4].starts_with("RateOut: ")
    );
    let bw = b.json(&["stats", "bw", "--json"]);
    assert!(bw["TotalIn"].as_u64().unwrap() >= 300_005, "{bw}");
    assert_eq!(a.json(&["stats", "bw", "--json"])["TotalOut"], bw["TotalIn"]);
}

#[test]
fn json_and_peer_flags_have_help() {
    let repo = Repo::new();
    for args in [&["ls", "--help"][..], &["repo", "stat", "--help"], &["bitswap", "wantlist", "--help"]] {
        let help = repo.ok(args);
        let json = help.lines().find(|l| l.trim_start().starts_with("--json")).unwrap();
        assert!(json.contains("JSON"), "{args:?}: {json}");
    }
    let help = repo.ok(&["bitswap", "wantlist", "--help"]);
    let peer = help.lines().find(|l| l.trim_start().starts_with("--peer")).unwrap();
    assert!(peer.contains("wants from us"), "{peer}");
}
