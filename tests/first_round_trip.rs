//! The start of a transfer, counted in round trips (issue 15): a fetch from a connected peer asks for the root's
//! block in its first message (WANT_BLOCK, optimistically, as boxo does) and wants every child of the root in one
//! message, so that a 1 MiB file takes one round trip, a 4 MiB file two and a directory its depth plus one; a
//! peer without the block costs one round trip more at most. Against swarmscope and Helia servers.
//!
//! Round trips are counted, not timed: every connection goes through a proxy of the test's own that delays each
//! chunk by `DELAY` each way, so that whatever the client sends because of an answer comes, in its ordered event
//! stream, after that answer, and whatever it sends at once comes before. A want sent after an answer arrived opens
//! a new round; the round of the last block is the count.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use cid::Cid;
use common::nodes::{TestNode, node};
use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, PeerId};
use swarmscope::node::dag::dir_builder::DirBuilder;
use swarmscope::node::dag::importer::import_file;
use swarmscope::node::dag::profile::ImportOptions;
use swarmscope::node::events::{Direction, EntryKind, Event, NodeEvent};
use swarmscope::node::fetch::fetch_dag;
use swarmscope::node::op::OpId;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const WAIT: Duration = Duration::from_secs(30);
/// One-way delay of the proxy: far above what the client takes to turn an answer into its next want.
const DELAY: Duration = Duration::from_millis(40);
const MIB: usize = 1 << 20;

/// A TCP proxy on 127.0.0.1 to `upstream` that holds every chunk for `DELAY` each way (latency, not bandwidth).
async fn delaying_proxy(upstream: SocketAddr) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((inbound, _)) = listener.accept().await {
            let Ok(outbound) = TcpStream::connect(upstream).await else { continue };
            let (ri, wi) = inbound.into_split();
            let (ro, wo) = outbound.into_split();
            tokio::spawn(pump(ri, wo));
            tokio::spawn(pump(ro, wi));
        }
    });
    addr
}

async fn pump(mut from: tokio::net::tcp::OwnedReadHalf, mut to: tokio::net::tcp::OwnedWriteHalf) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(tokio::time::Instant, Vec<u8>)>();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 64 * 1024];
        while let Ok(n @ 1..) = from.read(&mut buf).await {
            if tx.send((tokio::time::Instant::now() + DELAY, buf[..n].to_vec())).is_err() {
                return;
            }
        }
    });
    while let Some((at, bytes)) = rx.recv().await {
        tokio::time::sleep_until(at).await;
        if to.write_all(&bytes).await.is_err() {
            return;
        }
    }
    let _ = to.shutdown().await;
}

/// `addr` (…/tcp/PORT/p2p/ID) reached through a new delaying proxy.
async fn through_proxy(addr: &Multiaddr) -> Multiaddr {
    let port = addr.iter().find_map(|p| if let Protocol::Tcp(port) = p { Some(port) } else { None }).unwrap();
    let peer = addr.iter().find_map(|p| if let Protocol::P2p(id) = p { Some(id) } else { None }).unwrap();
    let proxy = delaying_proxy(SocketAddr::from(([127, 0, 0, 1], port))).await;
    format!("/ip4/127.0.0.1/tcp/{}/p2p/{peer}", proxy.port()).parse().unwrap()
}

fn import(node: &TestNode, data: &[u8]) -> Cid {
    let mut writer = node.handle.store().writer();
    let cid = import_file(data, &ImportOptions::unixfs_v1_2025(), &mut writer, &mut |_| {}).unwrap().cid;
    writer.finish().unwrap();
    cid
}

/// A directory two levels deep: `a` (20 KB), `b` (1 MiB), `sub/c` (300 KB), each one raw block.
fn import_tree(node: &TestNode) -> Cid {
    let opts = ImportOptions::unixfs_v1_2025();
    let mut writer = node.handle.store().writer();
    let mut file = |seed: &str, len: usize| {
        import_file(&common::content::bytes(seed, len)[..], &opts, &mut writer, &mut |_| {}).unwrap()
    };
    let (a, b, c) = (file("a", 20_000), file("b", MIB), file("c", 300_000));
    let mut sub = DirBuilder::new(&opts);
    sub.add("c".into(), &c).unwrap();
    let sub = sub.finish(&mut writer).unwrap();
    let mut top = DirBuilder::new(&opts);
    top.add("a".into(), &a).unwrap();
    top.add("b".into(), &b).unwrap();
    top.add("sub".into(), &sub).unwrap();
    let root = top.finish(&mut writer).unwrap().cid;
    writer.finish().unwrap();
    root
}

/// Connects `client` to `addr` and waits until the peer is identified (a Bitswap peer before the fetch).
async fn connect(client: &mut TestNode, addr: Multiaddr) {
    client.handle.dial(addr).await.unwrap();
    client.expect(WAIT, |e| matches!(e, NodeEvent::Identified { .. })).await;
}

/// What the client's events say of one fetch.
#[derive(Debug, Default)]
struct Rounds {
    /// Round trips until the last block came.
    rounds: u32,
    /// The wants the client sent for the root in the first round: to whom, which.
    first_root_wants: Vec<(String, EntryKind)>,
    /// Blocks received.
    blocks: u32,
}

fn count(events: &[Event], root: &Cid) -> Rounds {
    let (mut r, mut answered) = (Rounds::default(), true);
    let mut round = 0;
    for e in events {
        let NodeEvent::Bitswap { direction, kind, cid, peer, .. } = &e.kind else { continue };
        match (direction, kind) {
            (Direction::Out, EntryKind::WantHave | EntryKind::WantBlock) => {
                if answered {
                    round += 1;
                    answered = false;
                }
                if round == 1 && *cid == root.to_string() {
                    r.first_root_wants.push((peer.clone(), *kind));
                }
            }
            (Direction::In, EntryKind::Block) => {
                answered = true;
                r.rounds = round;
                r.blocks += 1;
            }
            (Direction::In, EntryKind::Have | EntryKind::DontHave) => answered = true,
            _ => {}
        }
    }
    r
}

/// Fetches `root` with `client` and counts its round trips from the events of the fetch.
async fn fetch(client: &mut TestNode, root: Cid) -> Rounds {
    while client.events.try_recv().is_ok() {}
    let stats =
        tokio::time::timeout(WAIT, fetch_dag(&client.handle, root, OpId::next(), &mut |_| {})).await.unwrap().unwrap();
    assert_eq!(stats.fetched_blocks, stats.blocks);
    let mut events = Vec::new();
    while let Ok(e) = client.events.try_recv() {
        events.push(e);
    }
    let r = count(&events, &root);
    assert_eq!(r.blocks as u64, stats.blocks, "every block once: {r:?}");
    eprintln!("{root}: {} blocks, {r:?}", stats.blocks);
    r
}

/// The messages `server` received from `client`, oldest first, each as its (CID, want type) entries.
async fn messages_from(server: &TestNode, client: PeerId) -> Vec<Vec<(String, String)>> {
    let mut m = server.handle.messages(Some(client), None, 256).await.unwrap();
    m.reverse();
    m.into_iter().map(|m| m.wants.into_iter().filter(|w| !w.cancel).map(|w| (w.cid, w.want_type)).collect()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connected_swarmscope_peer_serves_1_mib_in_one_round_trip_4_mib_in_two_a_tree_in_its_depth_plus_one() {
    let server = node().await;
    let mut client = node().await;
    let one = import(&server, &common::content::bytes("one", MIB));
    let four = import(&server, &common::content::bytes("four", 4 * MIB));
    let tree = import_tree(&server);
    connect(&mut client, through_proxy(&server.addr).await).await;
    let me = client.handle.peer_id();
    let server_id = server.handle.peer_id().to_string();

    let r = fetch(&mut client, one).await;
    let sent = messages_from(&server, me).await;
    assert_eq!(sent, [vec![(one.to_string(), "block".to_string())]], "one message, the root's WANT_BLOCK: {r:?}");
    assert_eq!(r.first_root_wants, [(server_id.clone(), EntryKind::WantBlock)]);
    assert_eq!(r.rounds, 1, "1 MiB (one raw block) in one round trip: {r:?}");

    let r = fetch(&mut client, four).await;
    let sent = messages_from(&server, me).await;
    assert_eq!(sent.len(), 3, "the root's WANT_BLOCK, then the four leaves in one message: {sent:?}");
    assert_eq!(sent[2].len(), 4, "{sent:?}");
    assert!(sent[2].iter().all(|(_, t)| t == "block"), "{sent:?}");
    assert_eq!(r.rounds, 2, "4 MiB (a root over four leaves) in two round trips: {r:?}");

    let r = fetch(&mut client, tree).await;
    assert_eq!(r.blocks, 5);
    assert_eq!(r.rounds, 3, "a tree two levels deep in three round trips: {r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_first_window_wants_leave_eight_to_a_message() {
    let server = node().await;
    let mut client = node().await;
    // 128 leaves of 16 KiB under one root: the first 64 leaves are wanted at once, the rest as the window frees up.
    let opts = ImportOptions { chunk_size: 16 * 1024, ..ImportOptions::unixfs_v1_2025() };
    let mut writer = server.handle.store().writer();
    let data = common::content::bytes("many", 128 * 16 * 1024);
    let root = import_file(&data[..], &opts, &mut writer, &mut |_| {}).unwrap().cid;
    writer.finish().unwrap();
    connect(&mut client, through_proxy(&server.addr).await).await;
    let r = fetch(&mut client, root).await;
    assert_eq!(r.blocks, 129);
    let sent = messages_from(&server, client.handle.peer_id()).await;
    let sizes: Vec<usize> = sent.iter().map(Vec::len).collect();
    assert_eq!(sizes, [1, 64, 8, 8, 8, 8, 8, 8, 8, 8], "the root, the first window, then eight at a time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_without_the_block_costs_one_round_trip_more_at_most() {
    let (provider, empty) = (node().await, node().await);
    let mut client = node().await;
    let one = import(&provider, &common::content::bytes("one", MIB));
    // The peer dialled by name has nothing; the provider connected on its own (no reason to expect it has it).
    connect(&mut client, through_proxy(&empty.addr).await).await;
    let client_addr = through_proxy(&client.addr).await;
    provider.handle.dial(client_addr).await.unwrap();
    client.expect(WAIT, |e| matches!(e, NodeEvent::Identified { .. })).await;

    let r = fetch(&mut client, one).await;
    let (empty_id, provider_id) = (empty.handle.peer_id().to_string(), provider.handle.peer_id().to_string());
    let mut first = r.first_root_wants.clone();
    first.sort_by_key(|(p, _)| *p != empty_id);
    assert_eq!(first, [(empty_id, EntryKind::WantBlock), (provider_id, EntryKind::WantHave)], "{r:?}");
    assert_eq!(r.rounds, 2, "the DONT_HAVE and the provider's HAVE in one round, the block in the next: {r:?}");
    let to_provider = messages_from(&provider, client.handle.peer_id()).await;
    assert_eq!(to_provider.len(), 2, "WANT_HAVE, then WANT_BLOCK: {to_provider:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connected_helia_peer_serves_1_mib_in_one_round_trip_and_4_mib_in_two() {
    let dir = tempfile::tempdir().unwrap();
    for (len, rounds) in [(MIB, 1), (4 * MIB, 2)] {
        let file = dir.path().join(format!("f{len}"));
        std::fs::write(&file, common::content::bytes("helia", len)).unwrap();
        let helia = common::helia::helia_serve(&file, "default");
        let root: Cid = helia.first["cid"].as_str().unwrap().parse().unwrap();
        let addr: Multiaddr = helia.first["addrs"][0].as_str().unwrap().parse().unwrap();
        let mut client = node().await;
        connect(&mut client, through_proxy(&addr).await).await;
        let r = fetch(&mut client, root).await;
        assert_eq!(r.first_root_wants.iter().map(|w| w.1).collect::<Vec<_>>(), [EntryKind::WantBlock], "{r:?}");
        assert_eq!(r.rounds, rounds, "{len} bytes from Helia: {r:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fetch_started_as_the_dial_completes_takes_one_round_trip_too() {
    let server = node().await;
    let mut client = node().await;
    let one = import(&server, &common::content::bytes("one", MIB));
    // As `get --connect`: the fetch starts when the connection is up, before the peer is identified.
    client.handle.dial(through_proxy(&server.addr).await).await.unwrap();
    let r = fetch(&mut client, one).await;
    assert_eq!(r.first_root_wants, [(server.handle.peer_id().to_string(), EntryKind::WantBlock)], "{r:?}");
    assert_eq!(r.rounds, 1, "{r:?}");
    assert_eq!(messages_from(&server, client.handle.peer_id()).await.len(), 1);
}
