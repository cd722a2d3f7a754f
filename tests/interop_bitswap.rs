//! Bitswap with real Helia peers (pinned @helia/bitswap, run at test time) on 127.0.0.1, both directions.

mod common;

use std::time::Duration;

use common::background::Background;
use common::content;
use common::helia;
use common::swarmscope::Repo;

/// The contents the issue names: the seed text and 64 MiB, plus 3 MiB + 5 in Kubo's profile (CIDv0, dag-pb leaves).
fn cases(dir: &std::path::Path, seed: &str) -> Vec<(std::path::PathBuf, &'static str)> {
    let text = dir.join("seed.txt");
    std::fs::write(&text, b"Hello Bitswap from Rust Helia").unwrap();
    let big = dir.join("64mib.bin");
    content::write_file(&big, seed, 64 << 20);
    let odd = dir.join("odd.bin");
    content::write_file(&odd, seed, 3 * (1 << 20) + 5);
    vec![(text, "default"), (big, "default"), (odd, "kubo")]
}

#[test]
fn swarmscope_fetches_from_helia_in_both_profiles() {
    let dir = tempfile::tempdir().unwrap();
    for (file, profile) in cases(dir.path(), "helia-serves") {
        let data = std::fs::read(&file).unwrap();
        let peer = helia::helia_serve(&file, profile);
        let cid = peer.first["cid"].as_str().unwrap().to_string();
        let addr = peer.first["addrs"][0].as_str().unwrap().to_string();
        let client = Repo::new();
        if file.ends_with("seed.txt") {
            assert_eq!(cid, "bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq");
        }
        let out = dir.path().join(format!("from-helia-{cid}"));
        client.ok(&["get", &cid, "--connect", &addr, "--no-mdns", "--timeout", "120", "-o", out.to_str().unwrap()]);
        assert!(std::fs::read(&out).unwrap() == data, "{cid} ({profile}): bytes differ");
        client.ok(&["repo", "verify"]);
    }
}

#[test]
fn helia_fetches_from_a_swarmscope_daemon_in_both_profiles() {
    let dir = tempfile::tempdir().unwrap();
    let server = Repo::new();
    let files = cases(dir.path(), "swarmscope-serves");
    let cids: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(f, p)| {
            let profile = if *p == "kubo" { "kubo" } else { "unixfs-v1-2025" };
            let cid = server.ok(&["add", "-Q", "--profile", profile, f.to_str().unwrap()]).trim().to_string();
            (cid, std::fs::read(f).unwrap())
        })
        .collect();
    let cmd = server.cmd(&["daemon", "--listen", "/ip4/127.0.0.1/tcp/0", "--no-mdns", "--json"]);
    let daemon = Background::start(cmd, Duration::from_secs(60));
    let addr = daemon.first["listen"][0].as_str().unwrap().to_string();
    for (cid, data) in &cids {
        let out = dir.path().join(format!("helia-got-{cid}"));
        let report = helia::helia_fetch(cid, &addr, &out);
        assert_eq!(report["bytes"], data.len() as u64);
        assert!(std::fs::read(&out).unwrap() == *data, "{cid}: bytes Helia fetched differ");
    }
    std::thread::sleep(Duration::from_millis(200));
    let lines = daemon.drain_lines();
    assert!(
        lines.iter().any(|l| l.contains("\"identified\"") && l.contains("helia/")),
        "Helia identified itself: {lines:?}"
    );
}
