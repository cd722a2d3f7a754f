//! Issue 15, the sending side, counted: a block served over Bitswap is copied by our code once (the store's read
//! of its segment) and is not copied again into an encoded message on its way to the stream. One test in this
//! file, so that the process-wide copy counters see only this transfer.

mod common;

use std::time::Duration;

use common::nodes::{RawPeer, node};
use swarmscope::node::bitswap::message::{Message, WantType, Wantlist, WantlistEntry};
use swarmscope::node::block::{Block, RAW, SHA2_256};
use swarmscope::node::copies::{self, Site};

const WAIT: Duration = Duration::from_secs(30);
const BLOCKS: usize = 6;
const SIZE: usize = 1 << 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_served_block_is_copied_once_by_us() {
    let server = node().await;
    let blocks: Vec<Block> = (0..BLOCKS)
        .map(|i| Block::from_data(cid::Version::V1, RAW, SHA2_256, vec![i as u8 + 1; SIZE]).unwrap())
        .collect();
    for b in &blocks {
        server.handle.store().put(b).unwrap();
    }
    let mut peer = RawPeer::connect(&server.addr).await;
    let mut frames = peer.listen("/ipfs/bitswap/1.2.0");
    let entries = blocks
        .iter()
        .map(|b| WantlistEntry {
            block: b.cid().to_bytes(),
            priority: 1,
            cancel: false,
            want_type: WantType::Block as i32,
            send_dont_have: true,
        })
        .collect();
    let (read0, enc0, write0) =
        (copies::bytes_at(Site::SegmentRead), copies::bytes_at(Site::Encode), copies::bytes_at(Site::StreamWrite));
    peer.send(
        server.handle.peer_id(),
        &Message { wantlist: Some(Wantlist { entries, full: false }), ..Default::default() },
    )
    .await;
    let mut got = Vec::new();
    while got.len() < BLOCKS {
        let msg = tokio::time::timeout(WAIT, frames.recv()).await.expect("blocks in time").expect("stream open");
        got.extend(msg.payload.into_iter().map(|p| p.data));
    }
    for (b, data) in blocks.iter().zip(&got) {
        assert_eq!(b.data(), data, "served in the order asked, intact");
    }
    let served = (BLOCKS * SIZE) as u64;
    assert_eq!(copies::bytes_at(Site::SegmentRead) - read0, served, "each block read out of its segment once");
    assert_eq!(copies::bytes_at(Site::Encode) - enc0, 0, "no block copied into an encoded message");
    assert_eq!(copies::bytes_at(Site::StreamWrite) - write0, 0, "no block copied into a stream buffer of ours");
}
