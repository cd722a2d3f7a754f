//! A daemon process under several hostile peers at once, while well-behaved `swarmscope get`s fetch from it: one
//! peer opens 100 streams and leaves a 4 MiB frame unfinished on each, one floods 10,000-entry wantlists, one
//! sends malformed frames and blocks nobody asked for, one churns through connections. The daemon's peak memory
//! stays bounded, the good fetch keeps its normal speed, and each misbehaviour shows in `bitswap ledger` and the
//! daemon's events.

mod common;

use std::time::Duration;

use common::background::Background;
use common::nodes::RawPeer;
use common::swarmscope::Repo;
use libp2p::{Multiaddr, PeerId};
use swarmscope::node::bitswap::codec::MAX_MESSAGE;
use swarmscope::node::bitswap::message::{Message, PayloadBlock, WantType, Wantlist, WantlistEntry};
use swarmscope::node::bitswap::protocol::prefix_of;
use swarmscope::node::bitswap::streams::MAX_INBOUND_PER_PEER;
use swarmscope::node::block::{Block, RAW, SHA2_256};

/// Peak RSS the daemon may reach under the attack (the bound for moving 1 GiB).
const PEAK_RSS_MIB: u64 = 300;

fn raw(data: Vec<u8>) -> Block {
    Block::from_data(cid::Version::V1, RAW, SHA2_256, data).unwrap()
}

/// A fresh repo gets `cid` from the daemon at `addr`; returns the fetch time the `--json` report gives.
fn good_get(addr: &str, cid: &str) -> Duration {
    let client = Repo::new();
    let out = client.path().join("out");
    let report = client.ok(&[
        "get",
        cid,
        "-o",
        out.to_str().unwrap(),
        "--connect",
        addr,
        "--no-mdns",
        "--timeout",
        "60",
        "--json",
    ]);
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(std::fs::metadata(&out).unwrap().len(), 32 << 20);
    Duration::from_millis(report["ms"].as_u64().unwrap())
}

fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap()
}

fn ledger(repo: &Repo, peer: &PeerId) -> serde_json::Value {
    serde_json::from_str(&repo.ok(&["bitswap", "ledger", &peer.to_string(), "--json"])).unwrap()
}

fn want(cid: &cid::Cid) -> WantlistEntry {
    WantlistEntry {
        block: cid.to_bytes(),
        priority: 1,
        cancel: false,
        want_type: WantType::Block as i32,
        send_dont_have: true,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_under_attack_stays_bounded_and_keeps_serving() {
    let server = Repo::new();
    let file = server.path().join("content.bin");
    common::content::write_file(&file, "under attack", 32 << 20);
    let cid = server.ok(&["add", "-Q", file.to_str().unwrap()]).trim().to_string();
    let mut cmd = server.cmd(&["daemon", "--listen", "/ip4/127.0.0.1/tcp/0", "--no-mdns", "--json"]);
    cmd.env("RUST_LOG", "warn");
    let daemon = Background::start(cmd, Duration::from_secs(60));
    let addr = daemon.first["listen"].as_array().unwrap()[0].as_str().unwrap().to_string();
    let maddr: Multiaddr = addr.parse().unwrap();
    let server_id: PeerId = daemon.first["peer_id"].as_str().unwrap().parse().unwrap();
    let pid = daemon.child.id();

    let alone = {
        let (addr, cid) = (addr.clone(), cid.clone());
        tokio::task::spawn_blocking(move || good_get(&addr, &cid)).await.unwrap()
    };

    // 1. Unfinished 4 MiB frames on 100 streams, all held open.
    let mut hoarder = RawPeer::connect(&maddr).await;
    let mut frame = Vec::new();
    prost::encoding::encode_varint(MAX_MESSAGE as u64 - 1, &mut frame);
    frame.resize(MAX_MESSAGE - 2, 7);
    let hoard = tokio::spawn(async move {
        let mut held = Vec::new();
        for _ in 0..100 {
            if let Some(s) = hoarder.open_partial(server_id, &frame).await {
                held.push(s);
            }
        }
        (hoarder, held)
    });
    // 2. Full wantlists of 10,000 new entries, again and again.
    let mut flooder = RawPeer::connect(&maddr).await;
    let flood = tokio::spawn(async move {
        for round in 0..20u32 {
            let entries =
                (0..10_000u32).map(|i| want(raw((round * 10_000 + i).to_le_bytes().to_vec()).cid())).collect();
            let msg = Message { wantlist: Some(Wantlist { entries, full: true }), ..Default::default() };
            flooder.send(server_id, &msg).await;
        }
        flooder
    });
    // 3. Malformed frames and blocks nobody asked for, or with a hash function nobody knows.
    let mut vandal = RawPeer::connect(&maddr).await;
    let vandalism = tokio::spawn(async move {
        for i in 0..30u32 {
            let mut oversized = Vec::new();
            prost::encoding::encode_varint(MAX_MESSAGE as u64 + 1, &mut oversized);
            vandal.send_raw(server_id, &oversized).await;
            vandal.send_raw(server_id, &[0x85]).await;
            vandal.send_raw(server_id, &[4, 0xff, 0xff, 0xff, 0xff]).await;
            let unwanted = raw(format!("unwanted {i}").into_bytes());
            let unknown_hash = PayloadBlock { prefix: vec![1, 0x55, 0x99, 0x01, 0x20], data: vec![i as u8; 64].into() };
            let payload = vec![PayloadBlock { prefix: prefix_of(unwanted.cid()), data: unwanted.data().clone() }];
            let msg = Message { payload: [payload, vec![unknown_hash]].concat(), ..Default::default() };
            vandal.send(server_id, &msg).await;
        }
        vandal
    });
    // 4. Connect, ask, drop, 50 times.
    let churn = {
        let maddr = maddr.clone();
        tokio::spawn(async move {
            for i in 0..50u32 {
                let mut peer = RawPeer::connect(&maddr).await;
                let msg = Message {
                    wantlist: Some(Wantlist { entries: vec![want(raw(i.to_le_bytes().to_vec()).cid())], full: true }),
                    ..Default::default()
                };
                peer.send(server_id, &msg).await;
            }
        })
    };

    let attacked = {
        let (addr, cid) = (addr.clone(), cid.clone());
        tokio::task::spawn_blocking(move || good_get(&addr, &cid)).await.unwrap()
    };
    let limit = Duration::from_secs(120);
    let (hoarder, held) = tokio::time::timeout(limit, hoard).await.expect("hoarding ends").unwrap();
    let flooder = tokio::time::timeout(limit, flood).await.expect("the flood ends").unwrap();
    let vandal = tokio::time::timeout(limit, vandalism).await.expect("the vandal ends").unwrap();
    tokio::time::timeout(limit, churn).await.expect("the churn ends").unwrap();
    assert!(
        attacked < alone * 4 + Duration::from_secs(3),
        "the good get took {attacked:?} under attack, {alone:?} alone"
    );

    let peak = status_kib(pid, "VmHWM:") / 1024;
    println!("daemon peak RSS {peak} MiB; good get {alone:?} alone, {attacked:?} under attack");
    assert!(peak < PEAK_RSS_MIB, "the daemon's peak RSS reached {peak} MiB");
    assert!(held.len() as u64 >= MAX_INBOUND_PER_PEER as u64, "the hoarder held {} streams", held.len());

    // Each misbehaviour, counted against its peer.
    let hoarded = ledger(&server, &hoarder.peer_id);
    assert!(hoarded["protocol_errors"].as_u64().unwrap() >= 1, "hoarder: {hoarded}");
    let flooded = ledger(&server, &flooder.peer_id);
    assert!(flooded["wants_received"].as_u64().unwrap() >= 10_000, "flooder: {flooded}");
    assert!(flooded["protocol_errors"].as_u64().unwrap() >= 10_000 - 1024, "flooder: {flooded}");
    let vandalised = ledger(&server, &vandal.peer_id);
    assert!(vandalised["protocol_errors"].as_u64().unwrap() >= 10, "vandal: {vandalised}");
    assert!(vandalised["rejected_blocks"].as_u64().unwrap() >= 5, "vandal: {vandalised}");
    // And in the events.
    let lines = daemon.drain_lines();
    let refused = lines
        .iter()
        .filter(|l| l.contains("protocol_error") && l.contains(&hoarder.peer_id.to_string()))
        .filter(|l| l.contains("streams open at once"))
        .count();
    assert!(refused >= 1, "no event for the refused streams");
    assert!(lines.iter().any(|l| l.contains("block_rejected") && l.contains(&vandal.peer_id.to_string())));

    // The daemon still serves once the attackers are gone.
    drop((held, hoarder, flooder, vandal));
    let after = tokio::task::spawn_blocking(move || good_get(&addr, &cid)).await.unwrap();
    assert!(after < alone * 4 + Duration::from_secs(3), "{after:?} after the attack, {alone:?} before");
}
