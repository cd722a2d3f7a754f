//! `swarmscope check` (ipfs-check built in), all on 127.0.0.1: a Helia peer that has the CID answers HAVE and sends
//! the block; a swarmscope daemon without it answers DONT_HAVE; a --peer that cannot be dialled shows its dial error;
//! a CID nobody provides exits non-zero; through the DHT (standalone and through a daemon) the provider is found and
//! named, exit 0. Every node passes --no-bootstrap (Repo::cmd) and --no-mdns.

mod common;

use std::time::{Duration, Instant};

use common::helia;
use common::swarmscope::Repo;
use serde_json::Value;

/// A CID no node of these tests has.
const NOBODY: &str = "bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq";

/// Runs `check … --json`: its exit success and its report.
fn check(repo: &Repo, args: &[&str]) -> (bool, Value) {
    let mut all = vec!["check", "--json", "--no-mdns"];
    all.extend_from_slice(args);
    let out = repo.run(&all, None);
    let text = String::from_utf8_lossy(&out.stdout);
    let report = serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("{all:?}: {e}: {text} {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.success(), report)
}

#[test]
fn check_a_helia_peer_that_has_it_and_a_swarmscope_peer_that_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("check.bin");
    common::content::write_file(&file, "check-helia", 300_000);
    let peer = helia::helia_serve(&file, "default");
    let cid = peer.first["cid"].as_str().unwrap().to_string();
    let helia_id = peer.first["peer_id"].as_str().unwrap().to_string();
    let addr = peer.first["addrs"][0].as_str().unwrap().to_string();
    let me = Repo::new();

    // Helia has it: HAVE to WANT_HAVE, then the block, each with its time; exit 0, the peer named.
    let (ok, r) = check(&me, &[&cid, "--peer", &addr]);
    assert!(ok, "{r}");
    assert_eq!((r["ok"].as_bool(), r["serving"].as_str()), (Some(true), Some(helia_id.as_str())), "{r}");
    let p = &r["peers"][0];
    assert_eq!((p["dialable"].as_bool(), p["source"].as_str()), (Some(true), Some("given")), "{p}");
    assert_eq!(p["bitswap"]["have"], "have", "{p}");
    assert_eq!(p["bitswap"]["block"], "block", "{p}");
    assert!(p["bitswap"]["have_ms"].is_u64() && p["bitswap"]["block_ms"].is_u64() && p["bitswap"]["bytes"].is_u64());
    let stat = me.json(&["repo", "stat", "--json"]);
    assert_eq!(stat["blocks"], 0, "a check stores nothing: {stat}");

    // A swarmscope daemon without the CID: DONT_HAVE, exit non-zero, the verdict says so.
    let other = Repo::new();
    let (_daemon, daemon_addr) = other.daemon();
    let (ok, r) = check(&me, &[&cid, "--peer", &daemon_addr]);
    assert!(!ok, "{r}");
    assert_eq!(r["peers"][0]["bitswap"]["have"], "dont_have", "{r}");
    assert!(r["verdict"].as_str().unwrap().contains("none has the block"), "{r}");

    // A peer that cannot be dialled: the dial error in the report; text mode says it too.
    let daemon_id = daemon_addr.rsplit('/').next().unwrap();
    let dead = format!("/ip4/127.0.0.1/tcp/1/p2p/{daemon_id}");
    let (ok, r) = check(&me, &[&cid, "--peer", &dead]);
    assert!(!ok);
    let p = &r["peers"][0];
    assert_eq!(p["dialable"], false, "{p}");
    assert!(!p["dial_error"].as_str().unwrap_or_default().is_empty(), "{p}");
    assert!(r["verdict"].as_str().unwrap().contains("none could be dialled"), "{r}");
    let out = me.run(&["check", &cid, "--peer", &dead, "--no-mdns"], None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success() && text.contains("dialable   no: "), "{text}");
}

#[test]
fn check_finds_the_provider_through_the_dht_and_fails_for_a_cid_nobody_provides() {
    let (hub_repo, provider_repo) = (Repo::new(), Repo::new());
    let (_hub, hub_addr) = hub_repo.dht_daemon(None);
    let (_provider, provider_addr) = provider_repo.dht_daemon(Some(&hub_addr));
    let provider_id = provider_addr.rsplit('/').next().unwrap().to_string();
    let file = provider_repo.path().join("content.bin");
    common::content::write_file(&file, "check-dht", 100_000);
    let cid = provider_repo.ok(&["add", "-Q", file.to_str().unwrap()]).trim().to_string();

    // Through the hub's daemon: the provider record, the provider dialled and asked; exit 0, its id named.
    let deadline = Instant::now() + Duration::from_secs(30);
    let r = loop {
        let (ok, r) = check(&hub_repo, &[&cid]);
        if ok {
            break r;
        }
        assert!(Instant::now() < deadline, "never found: {r}");
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(r["serving"].as_str(), Some(provider_id.as_str()), "{r}");
    assert!(r["dht_records"].as_u64() >= Some(1), "{r}");

    // Standalone (no daemon on this repo): a node started for the command, bootstrapped to the hub.
    let lone = Repo::new();
    let (ok, r) = check(&lone, &[&cid, "--bootstrap", &hub_addr, "--timeout", "30"]);
    assert!(ok, "{r}");
    assert_eq!(r["serving"].as_str(), Some(provider_id.as_str()), "{r}");

    // Nobody provides it: no records, exit non-zero, one verdict line on stderr.
    let (ok, r) = check(&lone, &[NOBODY, "--bootstrap", &hub_addr]);
    assert!(!ok);
    assert_eq!((r["dht_records"].as_u64(), r["ok"].as_bool()), (Some(0), Some(false)), "{r}");
    assert!(r["verdict"].as_str().unwrap().contains("no provider records"), "{r}");
}
