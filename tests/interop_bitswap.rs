//! Bitswap with real Helia peers (pinned @helia/bitswap, run at test time) on 127.0.0.1, both directions.

mod common;

use std::time::Duration;

use common::background::Background;
use common::content;
use common::helia;
use common::swarmscope::Repo;

#[test]
fn swarmscope_fetches_from_helia_in_both_profiles() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("content.bin");
    let data = content::bytes("helia-serves", 3 * (1 << 20) + 5);
    std::fs::write(&file, &data).unwrap();
    for profile in ["default", "kubo"] {
        let peer = helia::helia_serve(&file, profile);
        let cid = peer.first["cid"].as_str().unwrap().to_string();
        let addr = peer.first["addrs"][0].as_str().unwrap().to_string();
        let client = Repo::new();
        let out = dir.path().join(format!("from-helia-{profile}"));
        client.ok(&["get", &cid, "--connect", &addr, "--no-mdns", "--timeout", "60", "-o", out.to_str().unwrap()]);
        assert!(std::fs::read(&out).unwrap() == data, "{profile}: bytes differ");
        client.ok(&["repo", "verify"]);
    }
}

#[test]
fn helia_fetches_from_a_swarmscope_daemon_in_both_profiles() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("content.bin");
    let data = content::bytes("swarmscope-serves", 3 * (1 << 20) + 5);
    std::fs::write(&file, &data).unwrap();
    let server = Repo::new();
    let cids: Vec<String> = ["unixfs-v1-2025", "kubo"]
        .iter()
        .map(|p| server.ok(&["add", "-Q", "--profile", p, file.to_str().unwrap()]).trim().to_string())
        .collect();
    let cmd = server.cmd(&["daemon", "--listen", "/ip4/127.0.0.1/tcp/0", "--no-mdns", "--json"]);
    let daemon = Background::start(cmd, Duration::from_secs(60));
    let addr = daemon.first["listen"][0].as_str().unwrap().to_string();
    for cid in &cids {
        let out = dir.path().join(format!("helia-got-{cid}"));
        let report = helia::helia_fetch(cid, &addr, &out);
        assert_eq!(report["bytes"], data.len() as u64);
        assert!(std::fs::read(&out).unwrap() == data, "{cid}: bytes Helia fetched differ");
    }
    std::thread::sleep(Duration::from_millis(200));
    let lines = daemon.drain_lines();
    assert!(
        lines.iter().any(|l| l.contains("\"identified\"") && l.contains("helia/")),
        "Helia identified itself: {lines:?}"
    );
}
