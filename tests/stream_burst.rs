//! Bursts of Bitswap streams from one peer, opened all at once (Helia opens one stream per message): every
//! message on every stream reaches the node. libp2p-stream's acceptor, which the node used before, dropped a stream
//! whenever the previous one had not been taken yet.

mod common;

use std::time::Duration;

use common::nodes::{RawPeer, node, send_with};
use swarmscope::node::bitswap::message::{Message, WantType, Wantlist, WantlistEntry};
use swarmscope::node::bitswap::streams::MAX_INBOUND_PER_PEER;
use swarmscope::node::block::{Block, RAW, SHA2_256};

fn want_have(i: u32) -> Message {
    let cid = Block::from_data(cid::Version::V1, RAW, SHA2_256, i.to_le_bytes().to_vec()).unwrap().cid().to_bytes();
    let entry = WantlistEntry {
        block: cid,
        priority: 1,
        cancel: false,
        want_type: WantType::Have as i32,
        send_dont_have: false,
    };
    Message { wantlist: Some(Wantlist { entries: vec![entry], full: false }), ..Default::default() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_stream_of_a_burst_is_read() {
    let server = node().await;
    let server_id = server.handle.peer_id();
    let peer = RawPeer::connect(&server.addr).await;
    // Bursts well under the per-peer cap, so that every stream must be taken.
    let burst = (MAX_INBOUND_PER_PEER * 3 / 4) as u32;
    const ROUNDS: u32 = 10;
    for round in 0..ROUNDS {
        let sends: Vec<_> = (0..burst)
            .map(|i| {
                let (control, msg) = (peer.control(), want_have(round * burst + i));
                tokio::spawn(async move { send_with(control, server_id, &msg).await })
            })
            .collect();
        for s in sends {
            tokio::time::timeout(Duration::from_secs(10), s).await.expect("every stream opens and sends").unwrap();
        }
        // Every message of this burst arrived, and the node's readers see their streams end, before the next.
        let expected = u64::from(burst * (round + 1));
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        let mut got = 0;
        while tokio::time::Instant::now() < deadline {
            got = server.handle.ledgers().await.unwrap().get(&peer.peer_id).map_or(0, |l| l.wants_received);
            if got == expected {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(got, expected, "wants that reached the node after burst {round}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
