//! A hostile peer sends full wantlist after full wantlist, each of 1,024 other blocks we have, while it reads
//! nothing of what we send (issue 11, item 8). Each full wantlist replaces the one before, so the answers queued
//! for the wants it leaves out must go: once the peer reads, it gets the last list's blocks and no more than what
//! was already on the wire of the earlier ones. The serve queue stays bounded meanwhile, and a good peer fetches
//! as usual. A real node on 127.0.0.1.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::nodes::{RawPeer, node};
use futures::StreamExt;
use libp2p::StreamProtocol;
use swarmscope::node::bitswap::message::{Message, WantType, Wantlist, WantlistEntry};
use swarmscope::node::bitswap::streams::SERVE_BYTES;
use swarmscope::node::block::{Block, RAW, SHA2_256};
use tokio::sync::{mpsc, watch};

const WAIT: Duration = Duration::from_secs(15);
/// Full wantlists sent, each of `PER_LIST` blocks no other list holds.
const LISTS: u32 = 4;
const PER_LIST: u32 = 1024;
/// Over 1 KiB: a block this size is sent only for a WANT_BLOCK.
const SIZE: usize = 1100;

fn block(i: u32) -> Block {
    let mut data = vec![7u8; SIZE];
    data[..4].copy_from_slice(&i.to_le_bytes());
    Block::from_data(cid::Version::V1, RAW, SHA2_256, data).unwrap()
}

fn full_wantlist(list: u32) -> Message {
    let entries = (list * PER_LIST..(list + 1) * PER_LIST)
        .map(|i| WantlistEntry {
            block: block(i).cid().to_bytes(),
            priority: 1,
            cancel: false,
            want_type: WantType::Block as i32,
            send_dont_have: true,
        })
        .collect();
    Message { wantlist: Some(Wantlist { entries, full: true }), ..Default::default() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_full_wantlists_serve_the_last_one_only_and_a_good_peer_is_unaffected() {
    let server = node().await;
    let server_id = server.handle.peer_id();
    let all: Vec<Block> = (0..LISTS * PER_LIST).map(block).collect();
    server.handle.store().put_many(&all).unwrap();

    // The hostile peer accepts our streams but reads them only once the gate opens.
    let mut hostile = RawPeer::connect(&server.addr).await;
    let who = hostile.peer_id.to_string();
    let mut incoming = hostile.control().accept(StreamProtocol::new("/ipfs/bitswap/1.2.0")).unwrap();
    let (gate_tx, gate) = watch::channel(false);
    let (got_tx, mut got) = mpsc::channel::<Vec<u8>>(4096);
    tokio::spawn(async move {
        while let Some((_, mut stream)) = incoming.next().await {
            let (mut gate, got_tx) = (gate.clone(), got_tx.clone());
            tokio::spawn(async move {
                let _ = gate.wait_for(|open| *open).await;
                while let Ok(Some(msg)) = swarmscope::node::bitswap::codec::read_message(&mut stream, 4 << 20).await {
                    for b in msg.payload {
                        if got_tx.send(b.data.to_vec()).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });

    for list in 0..LISTS {
        hostile.send(server_id, &full_wantlist(list)).await;
        let last = block((list + 1) * PER_LIST - 1).cid().to_string();
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let w = server.handle.wantlists().await.unwrap();
            let theirs = w.theirs.get(&who).map(Vec::as_slice).unwrap_or_default();
            assert!(theirs.len() <= PER_LIST as usize, "bounded by the per-peer cap");
            if theirs.iter().any(|e| e.cid == last) {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "list {list} never arrived");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // Time for the peer's actor to take what it can of the list and get stuck writing it.
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // A good peer is served while the hostile one holds its stream full.
    let good = block(u32::MAX);
    server.handle.store().put(&good).unwrap();
    let client = node().await;
    client.handle.dial(server.addr.clone()).await.unwrap();
    let fetched = tokio::time::timeout(WAIT, client.handle.want(*good.cid())).await.expect("in time").unwrap();
    assert_eq!(fetched.data(), good.data());

    gate_tx.send(true).unwrap();
    let last_list: HashSet<Vec<u8>> =
        ((LISTS - 1) * PER_LIST..LISTS * PER_LIST).map(|i| block(i).data().to_vec()).collect();
    let (mut wanted, mut stale) = (HashSet::new(), 0usize);
    let deadline = tokio::time::Instant::now() + WAIT;
    while wanted.len() < PER_LIST as usize {
        let data = tokio::time::timeout_at(deadline, got.recv()).await.expect("every block of the last list").unwrap();
        if last_list.contains(&data) {
            wanted.insert(data);
        } else {
            stale += 1;
        }
    }
    // Whatever else was still queued would come right after: a second of quiet says nothing more comes.
    while let Ok(Some(data)) = tokio::time::timeout(Duration::from_secs(1), got.recv()).await {
        assert!(!last_list.contains(&data) || !wanted.contains(&data), "a block of the last list sent twice");
        stale += 1;
    }
    // What the earlier lists may still deliver: what was on the wire or being written when they were replaced,
    // the stream's flow-control window (yamux: 256 KiB) and one message (`SERVE_BYTES`, up to 32 blocks).
    let on_the_wire = (256 << 10) / SIZE + SERVE_BYTES.min(32 * SIZE) / SIZE + 32;
    assert!(stale <= on_the_wire, "{stale} blocks of replaced wantlists were served (at most {on_the_wire} expected)");
}
