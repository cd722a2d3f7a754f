//! Ledgers and totals that last (issue 11, item 3): after peers that fetched from us leave, `bitswap stat`'s data
//! still counts what was served (node-lifetime totals), a departed peer's ledger is still returned, marked with
//! when it left, and snapshots carry it. Nodes and daemons on 127.0.0.1, mDNS off.

mod common;

use std::time::{Duration, Instant};

use common::background::Background;
use common::content;
use common::nodes::{TestNode, node};
use common::swarmscope::Repo;
use swarmscope::node::block::{Block, RAW, SHA2_256};
use swarmscope::node::events::NodeEvent;

const WAIT: Duration = Duration::from_secs(15);

fn blocks(seed: &str, n: usize) -> Vec<Block> {
    (0..n)
        .map(|i| {
            let data = content::bytes(&format!("{seed}-{i}"), 100 * 1024);
            Block::from_data(cid::Version::V1, RAW, SHA2_256, data).unwrap()
        })
        .collect()
}

/// A client node fetches `wanted` from `server`, then shuts down; returns its peer id once the server saw it go.
async fn fetch_and_leave(server: &mut TestNode, wanted: &[Block]) -> libp2p::PeerId {
    let client = node().await;
    client.handle.dial(server.addr.clone()).await.unwrap();
    for b in wanted {
        let got = tokio::time::timeout(WAIT, client.handle.want(*b.cid())).await.expect("fetched in time").unwrap();
        assert_eq!(got.data(), b.data());
    }
    let id = client.handle.peer_id();
    // The server counts a block once its write returned, which may be just after the client has it.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let connected = server.handle.ledger(id).await.unwrap().expect("a connected peer's ledger");
        assert_eq!(connected.left_ms, None);
        if connected.blocks_sent == wanted.len() as u64 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{connected:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    client.handle.shutdown().await;
    let who = id.to_string();
    server.expect(WAIT, |e| matches!(e, NodeEvent::Disconnected { peer, .. } if *peer == who)).await;
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn totals_and_a_departed_peers_ledger_outlast_the_connection() {
    let mut server = node().await;
    let served = blocks("kept", 4);
    server.handle.store().put_many(&served).unwrap();
    let bytes: u64 = served.iter().map(|b| b.len() as u64).sum();

    let first = fetch_and_leave(&mut server, &served[..3]).await;
    let totals = server.handle.bitswap_totals().await.unwrap();
    assert_eq!((totals.peers, totals.departed), (0, 1));
    assert_eq!(totals.totals.blocks_sent, 3, "lifetime totals, not the sum over connected peers");
    assert!(totals.totals.bytes_sent >= bytes * 3 / 4, "{totals:?}");
    assert!(server.handle.ledgers().await.unwrap().is_empty(), "ledgers() lists connected peers only");
    let kept = server.handle.ledger(first).await.unwrap().expect("the departed peer's ledger is kept");
    assert_eq!(kept.blocks_sent, 3);
    assert!(kept.bytes_sent >= bytes * 3 / 4 && kept.wants_received >= 3, "{kept:?}");
    assert!(kept.left_ms.is_some(), "marked as departed: {kept:?}");

    // A second peer adds to the totals; the first one's ledger stays.
    let second = fetch_and_leave(&mut server, &served[3..]).await;
    let totals = server.handle.bitswap_totals().await.unwrap();
    assert_eq!((totals.peers, totals.departed, totals.totals.blocks_sent), (0, 2, 4));
    assert_eq!(totals.totals.connections, 2);
    assert_eq!(server.handle.ledger(second).await.unwrap().map(|l| l.blocks_sent), Some(1));
    assert_eq!(server.handle.ledger(first).await.unwrap().map(|l| l.blocks_sent), Some(3));
    assert_eq!(server.handle.ledger(libp2p::PeerId::random()).await.unwrap(), None, "never seen");

    // Snapshots carry the departed peers, most recent first, so a view can grey them.
    let snapshot = server.expect(WAIT, |e| matches!(e, NodeEvent::Snapshot { .. })).await;
    let NodeEvent::Snapshot { peers, departed, .. } = snapshot else { unreachable!() };
    assert!(peers.is_empty());
    let ids: Vec<&str> = departed.iter().map(|p| p.peer.as_str()).collect();
    assert_eq!(ids, [second.to_string(), first.to_string()]);
    assert_eq!(departed[1].ledger.blocks_sent, 3);
    assert!(departed.iter().all(|p| p.ledger.left_ms.is_some()));
}

/// The same through a daemon's `--json` stream: a `get` process fetches a file and exits, and the daemon's
/// snapshots go on showing that peer's ledger (it sent every block of the file to it), marked as departed.
#[test]
fn a_daemon_keeps_showing_the_ledger_of_a_peer_that_fetched_and_left() {
    let (server, client) = (Repo::new(), Repo::new());
    let data = content::bytes("kept-daemon", 3 * (1 << 20) + 9);
    let cid = String::from_utf8(server.run(&["add", "-Q", "-"], Some(&data)).stdout).unwrap().trim().to_string();
    let cmd = server.cmd(&["daemon", "--listen", "/ip4/127.0.0.1/tcp/0", "--no-mdns", "--json"]);
    let daemon = Background::start(cmd, Duration::from_secs(60));
    let addr = daemon.first["listen"][0].as_str().expect("a listen address").to_string();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("got");
    let args = ["get", &cid, "--connect", &addr, "--no-mdns", "--timeout", "60", "-o", out.to_str().unwrap()];
    client.ok(&args);
    assert!(std::fs::read(&out).unwrap() == data);

    let deadline = Instant::now() + Duration::from_secs(30);
    let (mut getter, mut kept) = (None::<String>, None::<serde_json::Value>);
    while Instant::now() < deadline && kept.is_none() {
        let Ok(line) = daemon.lines.recv_timeout(Duration::from_millis(200)) else { continue };
        let event: serde_json::Value = serde_json::from_str(&line).unwrap();
        match event["type"].as_str() {
            Some("connected") => getter = event["peer"].as_str().map(String::from),
            Some("snapshot") if getter.is_some() => {
                kept = event["departed"]
                    .as_array()
                    .and_then(|d| d.iter().find(|p| p["peer"] == getter.as_deref().unwrap()).cloned());
            }
            _ => {}
        }
    }
    let kept = kept.expect("a snapshot lists the peer that left, with its ledger");
    let ledger = &kept["ledger"];
    assert!(ledger["blocks_sent"].as_u64().unwrap() >= 4, "{kept}");
    assert!(ledger["bytes_sent"].as_u64().unwrap() >= data.len() as u64, "{kept}");
    assert!(ledger["left_ms"].as_u64().is_some(), "marked as departed: {kept}");

    // The CLI through the daemon says the same: lifetime totals, and the departed peer's own ledger.
    let getter = getter.unwrap();
    let stat: serde_json::Value = serde_json::from_str(&server.ok(&["bitswap", "stat", "--json"])).unwrap();
    assert!(stat["blocks_sent"].as_u64().unwrap() >= 4, "{stat}");
    assert!(stat["bytes_sent"].as_u64().unwrap() >= data.len() as u64, "{stat}");
    assert_eq!(stat["peers"], 0, "{stat}");
    assert!(stat["departed"].as_u64().unwrap() >= 1, "{stat}");
    let led: serde_json::Value = serde_json::from_str(&server.ok(&["bitswap", "ledger", &getter, "--json"])).unwrap();
    assert!(led["bytes_sent"].as_u64().unwrap() >= data.len() as u64, "{led}");
    assert!(led["left_ms"].as_u64().is_some(), "{led}");
    assert!(server.ok(&["bitswap", "ledger", &getter]).contains("Connected:\tno"));
}
