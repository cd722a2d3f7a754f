//! `swarmscope why CID --json` through a daemon, for the reasons real peers cause (issue 14 part 2): nobody to ask,
//! a Helia peer that answers DONT_HAVE, a scripted peer that never answers, a peer that sends another block than
//! the one asked for, and a peer that speaks only Bitswap 1.0.0. Every node is on 127.0.0.1 without mDNS or
//! bootstrap peers; the want is a `block get` through the daemon, killed at the end.

mod common;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::helia;
use common::nodes::RawPeer;
use common::swarmscope::Repo;
use libp2p::{Multiaddr, PeerId};
use swarmscope::node::bitswap::message::{Message, PayloadBlock};
use swarmscope::node::bitswap::protocol::prefix_of;
use swarmscope::node::block::{Block, RAW, SHA2_256};

const WAIT: Duration = Duration::from_secs(30);

/// A CID nobody has.
fn absent(seed: &str) -> Block {
    Block::from_data(cid::Version::V1, RAW, SHA2_256, format!("nobody has {seed}").into_bytes()).unwrap()
}

/// A `block get` through the daemon: the daemon wants the CID until this is dropped (killed by PID).
struct Want(Child);

impl Want {
    fn start(repo: &Repo, cid: &str) -> Self {
        let mut cmd = repo.cmd(&["block", "get", cid]);
        cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
        Want(cmd.spawn().expect("spawn block get"))
    }
}

impl Drop for Want {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Asks `why` until it gives `reason` (or fails after [`WAIT`], with the last answer).
fn why_until(repo: &Repo, cid: &str, reason: &str) -> serde_json::Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let v = repo.json(&["why", cid, "--json"]);
        if v["reason"] == reason {
            return v;
        }
        assert!(Instant::now() < deadline, "why {cid} never said {reason}; last: {v}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// The timeline's kinds for `peer`.
fn kinds_of(v: &serde_json::Value, peer: &str) -> Vec<String> {
    let timeline = v["timeline"].as_array().expect("a timeline");
    timeline.iter().filter(|m| m["peer"] == peer).map(|m| m["kind"].as_str().unwrap().to_string()).collect()
}

fn daemon_peer(d: &common::background::Background) -> (PeerId, Multiaddr) {
    let id = d.first["peer_id"].as_str().unwrap().parse().unwrap();
    (id, d.first["listen"][0].as_str().unwrap().parse().unwrap())
}

#[test]
fn no_peers_through_a_daemon_and_not_wanted_without_one() {
    let repo = Repo::new();
    let block = absent("no peers");
    let cid = block.cid().to_string();
    let standalone = repo.json(&["why", &cid, "--json"]);
    assert_eq!((standalone["wanted"].as_bool(), standalone["reason"].is_null()), (Some(false), true));
    assert!(standalone["text"].as_str().unwrap().contains("not wanted"), "{standalone}");
    let (_daemon, _) = repo.daemon();
    let not_yet = repo.json(&["why", &cid, "--json"]);
    assert_eq!(not_yet["wanted"], false, "nothing asked for it yet: {not_yet}");
    let _want = Want::start(&repo, &cid);
    let v = why_until(&repo, &cid, "no_peers");
    assert_eq!(v["evidence"]["connected"], 0);
    assert_eq!(v["cid"], cid);
    let text = repo.ok(&["why", &cid]);
    assert!(text.trim_end().ends_with("why: no_peers (no peers)"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_peer_is_no_answer_and_an_old_one_is_no_presences() {
    let repo = Repo::new();
    let (daemon, addr) = repo.daemon();
    let (node, _) = daemon_peer(&daemon);
    let addr: Multiaddr = addr.parse().unwrap();
    // A 1.2.0 peer that reads our wants and never answers.
    let mut silent = RawPeer::connect(&addr).await;
    let mut frames = silent.listen("/ipfs/bitswap/1.2.0");
    silent.send(node, &Message::default()).await; // says it speaks Bitswap: it gets our wantlist
    let block = absent("silent");
    let cid = block.cid().to_string();
    let _want = Want::start(&repo, &cid);
    let got = tokio::time::timeout(WAIT, frames.recv()).await.expect("our want reached the peer").unwrap();
    assert!(got.wantlist.unwrap().entries.iter().any(|e| e.block == block.cid().to_bytes()));
    let v = why_until(&repo, &cid, "no_answer");
    let me = silent.peer_id.to_string();
    assert_eq!(v["evidence"]["peers"], serde_json::json!([me]));
    assert!(kinds_of(&v, &me).iter().any(|k| k.starts_with("WANT_")), "{v}");
    drop(silent);

    // A peer that speaks only 1.0.0: it cannot say DONT_HAVE, so its silence is no answer at all.
    let mut old = RawPeer::connect(&addr).await;
    let mut frames = old.listen("/ipfs/bitswap/1.0.0");
    old.send_on(node, "/ipfs/bitswap/1.0.0", &Message::default()).await;
    tokio::time::timeout(WAIT, frames.recv()).await.expect("our want reached the old peer").unwrap();
    let v = why_until(&repo, &cid, "no_presences");
    let me = old.peer_id.to_string();
    assert_eq!(v["evidence"]["peers"], serde_json::json!([me]));
    assert_eq!(v["evidence"]["notes"][0]["note"], "bitswap 1.0.0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_sends_another_block_is_named_as_bad_block() {
    let repo = Repo::new();
    let (daemon, addr) = repo.daemon();
    let (node, _) = daemon_peer(&daemon);
    let mut liar = RawPeer::connect(&addr.parse().unwrap()).await;
    let mut frames = liar.listen("/ipfs/bitswap/1.2.0");
    liar.send(node, &Message::default()).await;
    let block = absent("liar");
    let cid = block.cid().to_string();
    let _want = Want::start(&repo, &cid);
    let got = tokio::time::timeout(WAIT, frames.recv()).await.expect("our want reached the peer").unwrap();
    assert!(got.wantlist.unwrap().entries.iter().any(|e| e.block == block.cid().to_bytes()));
    // The wanted CID's prefix on bytes that are not its block.
    let wrong =
        PayloadBlock { prefix: prefix_of(block.cid()), data: bytes::Bytes::from_static(b"not the block you want") };
    liar.send(node, &Message { payload: vec![wrong], ..Default::default() }).await;
    let v = why_until(&repo, &cid, "bad_block");
    let me = liar.peer_id.to_string();
    assert_eq!(v["evidence"]["peers"], serde_json::json!([me]));
    assert!(kinds_of(&v, &me).contains(&"BAD_BLOCK".to_string()), "{v}");
}

#[test]
fn a_helia_peer_that_answers_dont_have_is_all_dont_have() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("served");
    std::fs::write(&file, b"something else").unwrap();
    let helia = helia::helia_serve(&file, "default");
    let helia_addr = helia.first["addrs"][0].as_str().unwrap().to_string();
    let repo = Repo::new();
    let (_daemon, _) = repo.daemon();
    repo.ok(&["swarm", "connect", &helia_addr]);
    let block = absent("helia");
    let cid = block.cid().to_string();
    let _want = Want::start(&repo, &cid);
    let v = why_until(&repo, &cid, "all_dont_have");
    let helia_id = helia_addr.rsplit('/').next().unwrap();
    assert_eq!(v["evidence"]["peers"], serde_json::json!([helia_id]));
    let kinds = kinds_of(&v, helia_id);
    let asked = kinds.iter().position(|k| k.starts_with("WANT_")).expect("asked");
    let said = kinds.iter().position(|k| k == "DONT_HAVE").expect("answered");
    assert!(asked < said, "{kinds:?}");
    let wantlist = repo.ok(&["bitswap", "wantlist", "--json"]);
    let entry: serde_json::Value = serde_json::from_str(wantlist.lines().next().unwrap()).unwrap();
    assert_eq!(entry["why"]["reason"], "all_dont_have", "{entry}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_speaks_no_bitswap_with_routing_off_is_routing_off() {
    let repo = Repo::new();
    let (daemon, addr) = repo.daemon();
    // Connected, but it accepts no Bitswap stream and opens none: nobody to ask, and no DHT peer or router to
    // find anyone else (the daemon runs with `--routing-url none` and an empty routing table).
    let mute = RawPeer::connect(&addr.parse().unwrap()).await;
    let me = mute.peer_id.to_string();
    let deadline = Instant::now() + WAIT;
    while !repo.ok(&["swarm", "peers"]).contains(&me) {
        assert!(Instant::now() < deadline, "the peer never connected");
        std::thread::sleep(Duration::from_millis(100));
    }
    let block = absent("routing off");
    let cid = block.cid().to_string();
    let _want = Want::start(&repo, &cid);
    let v = why_until(&repo, &cid, "routing_off");
    assert_eq!(v["evidence"]["connected"], 1, "{v}");
    assert_eq!(v["evidence"]["routing"], false, "{v}");
    assert!(kinds_of(&v, &me).is_empty(), "it was never asked: {v}");
    let text = repo.ok(&["why", &cid]);
    assert!(text.trim_end().contains("why: routing_off"), "{text}");
    drop(daemon);
}
