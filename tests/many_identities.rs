//! Memory under many identities (issue 10, item 10): one peer may hold 32 Bitswap streams with a 4 MiB frame
//! unfinished on each, and a peer with many identities used to multiply that. A node-wide budget bounds the bytes of
//! unfinished frames: 20 identities, each leaving 2 MiB of a 4 MiB frame on 12 streams (480 MiB if all were
//! kept), leave the daemon's peak RSS under 300 MiB, the streams past the budget are reset and counted against
//! their peers, and a well-behaved `get` still completes.

mod common;

use std::time::Duration;

use common::background::Background;
use common::nodes::RawPeer;
use common::swarmscope::Repo;
use libp2p::{Multiaddr, PeerId};
use swarmscope::node::bitswap::codec::MAX_MESSAGE;
use swarmscope::node::bitswap::message::Message;

const IDENTITIES: usize = 20;
/// Streams each identity leaves a frame unfinished on (one peer may open 32).
const STREAMS: usize = 12;
const PEAK_RSS_MIB: u64 = 300;
const CONTENT: u64 = 8 << 20;

fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap()
}

/// A fresh repo gets `cid` from the daemon at `addr`.
fn good_get(addr: &str, cid: &str) {
    let client = Repo::new();
    let out = client.path().join("out");
    let args = ["get", cid, "-o", out.to_str().unwrap(), "--connect", addr, "--no-mdns", "--timeout", "30"];
    client.ok(&args);
    assert_eq!(std::fs::metadata(&out).unwrap().len(), CONTENT);
}

/// Opens `STREAMS` streams to `server`, each with the first half of a 4 MiB frame, and holds them.
async fn hoard(mut peer: RawPeer, server: PeerId) -> (RawPeer, Vec<libp2p::Stream>) {
    let mut half = Vec::new();
    prost::encoding::encode_varint(MAX_MESSAGE as u64, &mut half);
    half.resize(half.len() + MAX_MESSAGE / 2, 7);
    let mut held = Vec::new();
    for _ in 0..STREAMS {
        if let Some(s) = peer.open_partial(server, &half).await {
            held.push(s);
        }
    }
    (peer, held)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_identities_with_unfinished_frames_stay_within_the_budget() {
    let server = Repo::new();
    let file = server.path().join("content.bin");
    common::content::write_file(&file, "many identities", CONTENT);
    let cid = server.ok(&["add", "-Q", file.to_str().unwrap()]).trim().to_string();
    let mut cmd = server.cmd(&["daemon", "--listen", "/ip4/127.0.0.1/tcp/0", "--no-mdns", "--json"]);
    cmd.env("RUST_LOG", "warn");
    let daemon = Background::start(cmd, Duration::from_secs(60));
    let addr = daemon.first["listen"].as_array().unwrap()[0].as_str().unwrap().to_string();
    let maddr: Multiaddr = addr.parse().unwrap();
    let server_id: PeerId = daemon.first["peer_id"].as_str().unwrap().parse().unwrap();
    let pid = daemon.child.id();

    // Twenty identities, connected one after the other (each sends an empty message once connected), then all
    // hoarding at once.
    let mut hoards = Vec::new();
    for _ in 0..IDENTITIES {
        let mut peer = RawPeer::connect(&maddr).await;
        peer.send(server_id, &Message::default()).await;
        hoards.push(tokio::spawn(hoard(peer, server_id)));
    }
    let started = std::time::Instant::now();
    let mut attackers = Vec::new();
    for h in hoards {
        attackers.push(tokio::time::timeout(Duration::from_secs(120), h).await.expect("hoarding ends").unwrap());
    }
    let held: usize = attackers.iter().map(|(_, held)| held.len()).sum();
    println!("{held} unfinished frames held after {:?}", started.elapsed());

    // With every attacker's streams held, a good peer fetches.
    let get = {
        let (addr, cid) = (addr.clone(), cid.clone());
        tokio::task::spawn_blocking(move || good_get(&addr, &cid))
    };
    tokio::time::timeout(Duration::from_secs(60), get).await.expect("the good get ends").unwrap();

    let peak = status_kib(pid, "VmHWM:") / 1024;
    println!("daemon peak RSS {peak} MiB after {:?}", started.elapsed());
    assert!(peak < PEAK_RSS_MIB, "the daemon's peak RSS reached {peak} MiB ({held} unfinished frames held)");

    // Streams past the budget were reset, each a protocol error against its peer, in the ledger and the events.
    let mut counted = 0;
    for (peer, _) in &attackers {
        let ledger = server.ok(&["bitswap", "ledger", &peer.peer_id.to_string(), "--json"]);
        let ledger: serde_json::Value = serde_json::from_str(&ledger).unwrap();
        counted += ledger["protocol_errors"].as_u64().unwrap();
    }
    let budget_errors =
        daemon.drain_lines().iter().filter(|l| l.contains("protocol_error") && l.contains("budget")).count();
    assert!(counted >= 1 && budget_errors >= 1, "{counted} protocol errors counted, {budget_errors} budget events");
    drop(attackers);
}
