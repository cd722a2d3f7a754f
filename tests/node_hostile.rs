//! Hostile peers scripted at the wire level against a real node on 127.0.0.1: oversized and truncated frames,
//! garbage protobuf, unsolicited and malformed blocks, wantlists past the per-peer cap. Each is refused, counted
//! against the peer in its ledger and in the events, and the node keeps serving a well-behaved peer.

mod common;

use std::time::Duration;

use common::nodes::{RawPeer, TestNode, node};
use swarmscope::node::bitswap::codec::MAX_MESSAGE;
use swarmscope::node::bitswap::message::{Message, PayloadBlock, WantType, Wantlist, WantlistEntry};
use swarmscope::node::bitswap::protocol::prefix_of;
use swarmscope::node::block::{Block, RAW, SHA2_256};
use swarmscope::node::events::NodeEvent;

const WAIT: Duration = Duration::from_secs(15);

fn raw_block(data: Vec<u8>) -> Block {
    Block::from_data(cid::Version::V1, RAW, SHA2_256, data).unwrap()
}

fn protocol_error_from(peer: &str) -> impl Fn(&NodeEvent) -> bool + '_ {
    move |e| matches!(e, NodeEvent::ProtocolError { peer: p, .. } if p == peer)
}

/// The node still serves: a second node fetches a block from it.
async fn still_serves(server: &TestNode) {
    let block = raw_block(b"still serving".to_vec());
    server.handle.store().put(&block).unwrap();
    let client = node().await;
    client.handle.dial(server.addr.clone()).await.unwrap();
    let got = tokio::time::timeout(WAIT, client.handle.want(*block.cid())).await.expect("fetch in time").unwrap();
    assert_eq!(got.data(), block.data());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_truncated_and_garbage_frames_are_refused() {
    let mut server = node().await;
    let server_id = server.handle.peer_id();
    let mut hostile = RawPeer::connect(&server.addr).await;
    let who = hostile.peer_id.to_string();

    // A declared length one byte over 4 MiB, in a 4-byte varint, with no body behind it.
    let mut frame = Vec::new();
    prost::encoding::encode_varint(MAX_MESSAGE as u64 + 1, &mut frame);
    hostile.send_raw(server_id, &frame).await;
    match server.expect(WAIT, protocol_error_from(&who)).await {
        NodeEvent::ProtocolError { error, .. } => assert!(error.contains("over the 4194304-byte limit"), "{error}"),
        _ => unreachable!(),
    }
    // A varint cut short, and a body that is not a Bitswap message.
    hostile.send_raw(server_id, &[0x85]).await;
    match server.expect(WAIT, protocol_error_from(&who)).await {
        NodeEvent::ProtocolError { error, .. } => assert!(error.contains("ended inside a frame"), "{error}"),
        _ => unreachable!(),
    }
    hostile.send_raw(server_id, &[4, 0xff, 0xff, 0xff, 0xff]).await;
    match server.expect(WAIT, protocol_error_from(&who)).await {
        NodeEvent::ProtocolError { error, .. } => assert!(error.contains("invalid Bitswap message"), "{error}"),
        _ => unreachable!(),
    }
    let ledgers = server.handle.ledgers().await.unwrap();
    assert_eq!(ledgers[&hostile.peer_id].protocol_errors, 3);
    still_serves(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsolicited_and_malformed_blocks_are_rejected_and_counted() {
    let mut server = node().await;
    let server_id = server.handle.peer_id();
    let mut hostile = RawPeer::connect(&server.addr).await;
    let who = hostile.peer_id.to_string();

    let unwanted = raw_block(b"nobody asked".to_vec());
    let bad_prefix = PayloadBlock { prefix: vec![1, 0x55, 0x99, 0x01, 0x20], data: bytes::Bytes::from_static(b"x") };
    let msg = Message {
        payload: vec![PayloadBlock { prefix: prefix_of(unwanted.cid()), data: unwanted.data().clone() }, bad_prefix],
        ..Default::default()
    };
    hostile.send(server_id, &msg).await;
    let mut reasons = Vec::new();
    for _ in 0..2 {
        match server.expect(WAIT, |e| matches!(e, NodeEvent::BlockRejected { peer, .. } if *peer == who)).await {
            NodeEvent::BlockRejected { reason, .. } => reasons.push(reason),
            _ => unreachable!(),
        }
    }
    assert!(reasons.iter().any(|r| r.contains("unsolicited")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("unsupported multihash")), "{reasons:?}");
    assert_eq!(server.handle.ledgers().await.unwrap()[&hostile.peer_id].rejected_blocks, 2);
    assert!(!server.handle.store().has(unwanted.cid()).unwrap(), "an unsolicited block is never stored");
    still_serves(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wanted_2_mib_block_is_accepted_in_a_frame_under_4_mib() {
    let server = node().await;
    let server_id = server.handle.peer_id();
    let mut peer = RawPeer::connect(&server.addr).await;
    let big = raw_block((0..2 * 1024 * 1024).map(|i| (i % 251) as u8).collect());
    let handle = server.handle.clone();
    let cid = *big.cid();
    let want = tokio::spawn(async move { handle.want(cid).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let msg = Message {
        payload: vec![PayloadBlock { prefix: prefix_of(&cid), data: big.data().clone() }],
        ..Default::default()
    };
    peer.send(server_id, &msg).await;
    let got = tokio::time::timeout(WAIT, want).await.expect("in time").unwrap().unwrap();
    assert_eq!(got.len(), 2 * 1024 * 1024);
}

fn wantlist(range: std::ops::Range<u32>, full: bool) -> Message {
    let entries = range
        .map(|i| WantlistEntry {
            block: raw_block(i.to_le_bytes().to_vec()).cid().to_bytes(),
            priority: 1,
            cancel: false,
            want_type: WantType::Have as i32,
            send_dont_have: false,
        })
        .collect();
    Message { wantlist: Some(Wantlist { entries, full }), ..Default::default() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wantlists_are_capped_at_1024_entries_even_when_full() {
    let mut server = node().await;
    let server_id = server.handle.peer_id();
    let mut hostile = RawPeer::connect(&server.addr).await;
    let who = hostile.peer_id.to_string();

    hostile.send(server_id, &wantlist(0..10_000, false)).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    let theirs = loop {
        let w = server.handle.wantlists().await.unwrap();
        if let Some(list) = w.theirs.get(&who).filter(|l| !l.is_empty()) {
            break list.len();
        }
        assert!(tokio::time::Instant::now() < deadline, "the wantlist never arrived");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(theirs, 1024);
    assert_eq!(server.handle.ledgers().await.unwrap()[&hostile.peer_id].protocol_errors, 10_000 - 1024);
    match server.expect(WAIT, protocol_error_from(&who)).await {
        NodeEvent::ProtocolError { error, .. } => {
            assert_eq!(error, "wantlist over the 1024-entry cap: 8976 entries refused")
        }
        _ => unreachable!(),
    }

    // A full wantlist replaces the old one and is capped too.
    hostile.send(server_id, &wantlist(50_000..52_000, true)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let w = server.handle.wantlists().await.unwrap();
    let list = &w.theirs[&who];
    assert_eq!(list.len(), 1024);
    let first_new = raw_block(50_000u32.to_le_bytes().to_vec()).cid().to_string();
    assert!(list.iter().any(|e| e.cid == first_new), "the full list replaced the old one");
    still_serves(&server).await;
}
