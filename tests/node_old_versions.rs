//! Peers that speak only Bitswap 1.1.0 or 1.0.0 (older Kubo, other implementations): the exact frames the node
//! writes to them carry only what their version can say.

mod common;

use std::time::Duration;

use common::nodes::{RawPeer, node};
use swarmscope::node::bitswap::message::{Message, WantType, Wantlist, WantlistEntry};
use swarmscope::node::bitswap::protocol::prefix_of;
use swarmscope::node::block::{Block, DAG_PB, RAW, SHA2_256};

const WAIT: Duration = Duration::from_secs(30);

fn want(block: &Block, want_type: WantType) -> Message {
    let entry = WantlistEntry {
        block: block.cid().to_bytes(),
        priority: 1,
        cancel: false,
        want_type: want_type as i32,
        send_dont_have: true,
    };
    Message { wantlist: Some(Wantlist { entries: vec![entry], full: false }), ..Default::default() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_1_1_0_peer_gets_payload_blocks_and_no_presences() {
    let server = node().await;
    let block = Block::from_data(cid::Version::V1, RAW, SHA2_256, vec![3u8; 4000]).unwrap();
    server.handle.store().put(&block).unwrap();
    let missing = Block::from_data(cid::Version::V1, RAW, SHA2_256, b"absent".to_vec()).unwrap();
    let mut old = RawPeer::connect(&server.addr).await;
    let mut frames = old.listen("/ipfs/bitswap/1.1.0");
    let server_id = server.handle.peer_id();
    // Both wants in one message on one stream, as a real 1.1.0 peer sends them. (Separate streams opened in a
    // burst can lose one: libp2p-stream drops an inbound stream when its accept queue is full; see issue 6.)
    let mut both = want(&missing, WantType::Block);
    both.wantlist.as_mut().unwrap().entries.extend(want(&block, WantType::Block).wantlist.unwrap().entries);
    old.send_on(server_id, "/ipfs/bitswap/1.1.0", &both).await;
    let msg = tokio::time::timeout(WAIT, frames.recv()).await.expect("a frame in time").unwrap();
    let expected = Message {
        payload: vec![swarmscope::node::bitswap::message::PayloadBlock {
            prefix: prefix_of(block.cid()),
            data: block.data().clone(),
        }],
        ..Default::default()
    };
    assert_eq!(msg, expected, "exactly one payload block; no DONT_HAVE for the missing one, 1.1.0 cannot say it");

    // Our wants reach it as plain wants for blocks.
    let handle = server.handle.clone();
    let wanted = Block::from_data(cid::Version::V1, RAW, SHA2_256, b"wanted from old".to_vec()).unwrap();
    let cid = *wanted.cid();
    let _want = tokio::spawn(async move { handle.want(cid).await });
    let msg = tokio::time::timeout(WAIT, frames.recv()).await.expect("a want in time").unwrap();
    let entries = msg.wantlist.expect("a wantlist").entries;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].block, cid.to_bytes());
    assert_eq!((entries[0].want_type, entries[0].send_dont_have), (WantType::Block as i32, false));
    assert!(msg.block_presences.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_1_0_0_peer_gets_bare_blocks() {
    let server = node().await;
    let block = Block::from_data(cid::Version::V0, DAG_PB, SHA2_256, b"\x0a\x03\x08\x02\x18".to_vec()).unwrap();
    server.handle.store().put(&block).unwrap();
    let mut old = RawPeer::connect(&server.addr).await;
    let mut frames = old.listen("/ipfs/bitswap/1.0.0");
    old.send_on(server.handle.peer_id(), "/ipfs/bitswap/1.0.0", &want(&block, WantType::Block)).await;
    let msg = tokio::time::timeout(WAIT, frames.recv()).await.expect("a frame in time").unwrap();
    assert_eq!(msg, Message { blocks: vec![block.data().clone()], ..Default::default() });
}
