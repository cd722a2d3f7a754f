//! Hostile peers that come in numbers, while a well-behaved peer fetches: connect/disconnect churn, and wants for
//! blocks over Bitswap's 2 MiB limit. The good fetch keeps its normal speed (measured against a fetch of the same
//! DAG with no hostile peer, in the same test), the node's state and tasks return to where they were, and the
//! misbehaviour shows in the ledger and the events.

mod common;

use std::time::{Duration, Instant};

use common::nodes::{RawPeer, TestNode, node};
use swarmscope::node::bitswap::message::{BlockPresenceType, Message, WantType, Wantlist, WantlistEntry};
use swarmscope::node::block::{Block, RAW, SHA2_256};
use swarmscope::node::dag::importer::import_file;
use swarmscope::node::dag::profile::ImportOptions;
use swarmscope::node::events::NodeEvent;
use swarmscope::node::fetch::fetch_dag;
use swarmscope::node::op::OpId;

const WAIT: Duration = Duration::from_secs(30);

/// A 16 MiB file of 256 KiB chunks on `server`; returns its root.
fn seed(server: &TestNode, label: &str) -> cid::Cid {
    let data = common::content::bytes(label, 16 << 20);
    let opts = ImportOptions { chunk_size: 256 * 1024, ..ImportOptions::unixfs_v1_2025() };
    let mut writer = server.handle.store().writer();
    let root = import_file(&data[..], &opts, &mut writer, &mut |_| {}).unwrap().cid;
    writer.finish().unwrap();
    root
}

/// A fresh node fetches `root` from `server`; returns how long the fetch took (dialling excluded).
async fn timed_fetch(server: &TestNode, root: cid::Cid) -> Duration {
    let good = node().await;
    good.handle.dial(server.addr.clone()).await.unwrap();
    let started = Instant::now();
    let stats = tokio::time::timeout(WAIT, fetch_dag(&good.handle, root, OpId::next(), &mut |_| {}))
        .await
        .expect("the good fetch completes in time")
        .unwrap();
    assert_eq!(stats.fetched_blocks, 65, "64 leaves and the root");
    started.elapsed()
}

/// The good fetch under attack may be slower than alone, but not by more than this (the machines are noisy, and
/// the attack shares the two cores): a node that stalls or serialises behind the hostile peer fails it.
fn assert_normal_speed(alone: Duration, attacked: Duration) {
    let bound = alone * 4 + Duration::from_secs(2);
    assert!(attacked < bound, "the good fetch took {attacked:?} under attack, {alone:?} alone");
}

fn alive_tasks() -> usize {
    tokio::runtime::Handle::current().metrics().num_alive_tasks()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_disconnect_churn_is_counted_and_leaks_nothing_while_a_good_fetch_runs() {
    let server = node().await;
    let server_id = server.handle.peer_id();
    let root = seed(&server, "churn");
    let alone = timed_fetch(&server, root).await;
    // Settle: the first good node is gone again.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let tasks_before = alive_tasks();
    let peers_before = server.handle.peers().await.unwrap().len();

    // One identity that connects, asks for something, and drops the connection, 100 times over.
    let key = libp2p::identity::Keypair::generate_ed25519();
    let churner = key.public().to_peer_id();
    const ROUNDS: u64 = 100;
    let churn = {
        let (key, addr) = (key.clone(), server.addr.clone());
        tokio::spawn(async move {
            for i in 0..ROUNDS {
                let mut peer = RawPeer::connect_as(key.clone(), &addr).await;
                let entry = WantlistEntry {
                    block: Block::from_data(cid::Version::V1, RAW, SHA2_256, i.to_le_bytes().to_vec())
                        .unwrap()
                        .cid()
                        .to_bytes(),
                    priority: 1,
                    cancel: false,
                    want_type: WantType::Block as i32,
                    send_dont_have: true,
                };
                let msg =
                    Message { wantlist: Some(Wantlist { entries: vec![entry], full: true }), ..Default::default() };
                peer.send(server_id, &msg).await;
                drop(peer);
            }
        })
    };
    let attacked = timed_fetch(&server, root).await;
    tokio::time::timeout(Duration::from_secs(120), churn).await.expect("the churn finishes").unwrap();
    assert_normal_speed(alone, attacked);

    // Every churned connection closed and took its state with it: the peer table and the task count are back.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let peers = server.handle.peers().await.unwrap();
        let tasks = alive_tasks();
        if peers.len() <= peers_before && tasks <= tasks_before + 2 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "after the churn: {} peers (was {peers_before}), {tasks} tasks (was {tasks_before})",
            peers.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The peer comes back once more and stays: its ledger remembers every connection it made.
    let mut back = RawPeer::connect_as(key, &server.addr).await;
    back.send(server_id, &Message::default()).await;
    let ledgers = server.handle.ledgers().await.unwrap();
    let ledger = &ledgers[&churner];
    assert_eq!(ledger.connections, ROUNDS + 1, "{ledger:?}");
    assert!(ledger.wants_received > 0, "{ledger:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wants_for_blocks_over_2_mib_are_refused_and_counted_while_a_good_fetch_runs() {
    let mut server = node().await;
    let server_id = server.handle.peer_id();
    let root = seed(&server, "oversized");
    // A 3 MiB block can reach a store (a CAR section may hold up to 4 MiB), but Bitswap never carries it.
    let big = Block::from_data(cid::Version::V1, RAW, SHA2_256, common::content::bytes("big", 3 << 20)).unwrap();
    let small = Block::from_data(cid::Version::V1, RAW, SHA2_256, b"small and fine".to_vec()).unwrap();
    server.handle.store().put(&big).unwrap();
    server.handle.store().put(&small).unwrap();
    let alone = timed_fetch(&server, root).await;

    let mut hostile = RawPeer::connect(&server.addr).await;
    let who = hostile.peer_id.to_string();
    let mut replies = hostile.listen("/ipfs/bitswap/1.2.0");
    let want = |cid: &cid::Cid, want_type: WantType| WantlistEntry {
        block: cid.to_bytes(),
        priority: 1,
        cancel: false,
        want_type: want_type as i32,
        send_dont_have: true,
    };
    // The same wants, sent again and again as full wantlists: each time the node must look and refuse.
    const ROUNDS: u64 = 50;
    let entries = vec![want(big.cid(), WantType::Block), want(small.cid(), WantType::Block)];
    let wants = Message { wantlist: Some(Wantlist { entries, full: true }), ..Default::default() };
    let attack = {
        let msg = wants.clone();
        let mut cancel = msg.clone();
        cancel.wantlist = Some(Wantlist { entries: vec![], full: true });
        tokio::spawn(async move {
            for _ in 0..ROUNDS {
                hostile.send(server_id, &msg).await;
                hostile.send(server_id, &cancel).await;
            }
            hostile
        })
    };
    let attacked = timed_fetch(&server, root).await;
    let mut hostile = tokio::time::timeout(Duration::from_secs(60), attack).await.expect("the attack ends").unwrap();
    assert_normal_speed(alone, attacked);
    // Each empty full wantlist cancelled what the one before asked, queued answers included: the wants once more,
    // left standing this time, get their answers.
    hostile.send(server_id, &wants).await;

    // What the hostile peer got back: the small block, DONT_HAVE for the big one, and never the big one.
    let (mut got_small, mut dont_have_big) = (false, false);
    let deadline = tokio::time::Instant::now() + WAIT;
    while !(got_small && dont_have_big) {
        let msg = tokio::time::timeout_at(deadline, replies.recv())
            .await
            .unwrap_or_else(|_| panic!("replies so far: small {got_small}, DONT_HAVE {dont_have_big}"))
            .expect("the reply stream stays open");
        for b in &msg.payload {
            assert!(b.data.len() < 2 << 20, "a block over 2 MiB was sent");
            got_small |= b.data.as_ref() == small.data().as_ref();
        }
        dont_have_big |= msg
            .block_presences
            .iter()
            .any(|p| p.cid == big.cid().to_bytes() && p.r#type == BlockPresenceType::DontHave as i32);
    }
    let error = match server.expect(WAIT, |e| matches!(e, NodeEvent::ProtocolError { peer, .. } if *peer == who)).await
    {
        NodeEvent::ProtocolError { error, .. } => error,
        _ => unreachable!(),
    };
    assert!(error.contains("over the 2 MiB Bitswap limit"), "{error}");
    let ledgers = server.handle.ledgers().await.unwrap();
    let refused = ledgers[&hostile.peer_id].refused_wants;
    assert!((1..=ROUNDS + 1).contains(&refused), "refused {refused} wants");
    assert!(ledgers[&hostile.peer_id].blocks_sent >= 1, "the small block was served");
}
