//! Real nodes in one process on 127.0.0.1: WANT_HAVE / HAVE / DONT_HAVE / WANT_BLOCK / BLOCK / CANCEL flows as
//! events, a DAG fetched from three providers at once, and peers that connect after the want.

mod common;

use std::time::Duration;

use common::nodes::node;
use swarmscope::node::block::{Block, RAW, SHA2_256};
use swarmscope::node::dag::importer::import_file;
use swarmscope::node::dag::profile::ImportOptions;
use swarmscope::node::events::{Direction, EntryKind, NodeEvent};
use swarmscope::node::fetch::fetch_dag;
use swarmscope::node::op::OpId;

const WAIT: Duration = Duration::from_secs(20);

fn is_bitswap(direction: Direction, kind: EntryKind) -> impl Fn(&NodeEvent) -> bool {
    move |e| matches!(e, NodeEvent::Bitswap { direction: d, kind: k, .. } if *d == direction && *k == kind)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn want_have_then_want_block_then_block_and_dont_have_from_the_other() {
    let (provider, empty) = (node().await, node().await);
    let mut client = node().await;
    let block = Block::from_data(cid::Version::V1, RAW, SHA2_256, vec![7u8; 5000]).unwrap();
    provider.handle.store().put(&block).unwrap();
    client.handle.dial(provider.addr.clone()).await.unwrap();
    client.handle.dial(empty.addr.clone()).await.unwrap();
    // Both peers identified as Bitswap peers before the want.
    for _ in 0..2 {
        client.expect(WAIT, |e| matches!(e, NodeEvent::Identified { .. })).await;
    }
    let handle = client.handle.clone();
    let cid = *block.cid();
    let want = tokio::spawn(async move { handle.want(cid).await });
    client.expect(WAIT, is_bitswap(Direction::Out, EntryKind::WantHave)).await;
    client.expect(WAIT, is_bitswap(Direction::In, EntryKind::Have)).await;
    client.expect(WAIT, is_bitswap(Direction::Out, EntryKind::WantBlock)).await;
    match client.expect(WAIT, is_bitswap(Direction::In, EntryKind::Block)).await {
        NodeEvent::Bitswap { peer, size, latency_ms, .. } => {
            assert_eq!(peer, provider.handle.peer_id().to_string());
            assert_eq!(size, Some(5000));
            assert!(latency_ms.is_some());
        }
        _ => unreachable!(),
    }
    assert_eq!(tokio::time::timeout(WAIT, want).await.unwrap().unwrap().unwrap().data(), block.data());
    let ledgers = client.handle.ledgers().await.unwrap();
    assert_eq!(ledgers[&provider.handle.peer_id()].blocks_received, 1);
    let empty_ledger = &ledgers[&empty.handle.peer_id()];
    assert_eq!(empty_ledger.blocks_received, 0);
    assert!(empty_ledger.wants_sent >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dag_comes_from_three_providers_and_every_block_is_stored() {
    let providers = [node().await, node().await, node().await];
    let data = common::content::bytes("three", 3_000_000);
    let opts = ImportOptions { chunk_size: 64 * 1024, ..ImportOptions::unixfs_v1_2025() };
    let mut root = None;
    for p in &providers {
        let mut writer = p.handle.store().writer();
        root = Some(import_file(&data[..], &opts, &mut writer, &mut |_| {}).unwrap().cid);
        writer.finish().unwrap();
    }
    let root = root.unwrap();
    let client = node().await;
    for p in &providers {
        client.handle.dial(p.addr.clone()).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(500)).await; // identify
    let stats =
        tokio::time::timeout(WAIT, fetch_dag(&client.handle, root, OpId::next(), &mut |_| {})).await.unwrap().unwrap();
    assert_eq!(stats.fetched_blocks, stats.blocks);
    assert_eq!(stats.blocks, 46 + 1, "{stats:?}"); // 46 leaves of 64 KiB and the root
    let ledgers = client.handle.ledgers().await.unwrap();
    let serving = providers.iter().filter(|p| ledgers[&p.handle.peer_id()].blocks_received > 0).count();
    assert!(serving >= 2, "blocks came from {serving} provider(s): {ledgers:?}");
    let total: u64 = providers.iter().map(|p| ledgers[&p.handle.peer_id()].blocks_received).sum();
    assert_eq!(total, stats.blocks, "no duplicates counted as wanted blocks");
    let mut out = Vec::new();
    swarmscope::node::dag::exporter::cat(client.handle.store(), &root, &mut out).unwrap();
    assert!(out == data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_connects_later_receives_the_wantlist() {
    let provider = node().await;
    let client = node().await;
    let block = Block::from_data(cid::Version::V1, RAW, SHA2_256, b"late".to_vec()).unwrap();
    provider.handle.store().put(&block).unwrap();
    let handle = client.handle.clone();
    let cid = *block.cid();
    let want = tokio::spawn(async move { handle.want(cid).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(client.handle.wantlists().await.unwrap().ours.len(), 1);
    client.handle.dial(provider.addr.clone()).await.unwrap();
    let got = tokio::time::timeout(WAIT, want).await.expect("in time").unwrap().unwrap();
    assert_eq!(got.data(), block.data());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(client.handle.wantlists().await.unwrap().ours.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rsa_secp256k1_and_ecdsa_peers_can_connect() {
    let mut server = node().await;
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("rsa.pem");
    let der = dir.path().join("rsa.pk8");
    // ring reads the PKCS#8 that `openssl pkcs8 -topk8` writes from a traditional RSA key.
    let run = |args: &[&std::ffi::OsStr]| {
        let status = std::process::Command::new("openssl")
            .args(args)
            .stderr(std::process::Stdio::null())
            .status()
            .expect("openssl is needed to make an RSA peer identity");
        assert!(status.success(), "openssl {args:?}");
    };
    run(&["genrsa".as_ref(), "-out".as_ref(), pem.as_os_str(), "2048".as_ref()]);
    run(&[
        "pkcs8".as_ref(),
        "-in".as_ref(),
        pem.as_os_str(),
        "-topk8".as_ref(),
        "-outform".as_ref(),
        "DER".as_ref(),
        "-nocrypt".as_ref(),
        "-out".as_ref(),
        der.as_os_str(),
    ]);
    let mut pkcs8 = std::fs::read(&der).unwrap();
    let keys = [
        libp2p::identity::Keypair::rsa_from_pkcs8(&mut pkcs8).expect("an RSA key"),
        libp2p::identity::Keypair::generate_secp256k1(),
        libp2p::identity::Keypair::generate_ecdsa(),
    ];
    for key in keys {
        let peer = common::nodes::RawPeer::connect_as(key, &server.addr).await;
        let id = peer.peer_id.to_string();
        server.expect(WAIT, |e| matches!(e, NodeEvent::Connected { peer, .. } if *peer == id)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots_and_progress_are_published() {
    let provider = node().await;
    let mut client = node().await;
    let mut writer = provider.handle.store().writer();
    let data = common::content::bytes("snap", 300_000);
    let opts = ImportOptions { chunk_size: 10_000, ..ImportOptions::unixfs_v1_2025() };
    let root = import_file(&data[..], &opts, &mut writer, &mut |_| {}).unwrap().cid;
    writer.finish().unwrap();
    client.handle.dial(provider.addr.clone()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let op = OpId::next();
    fetch_dag(&client.handle, root, op, &mut |_| {}).await.unwrap();
    match client.expect(WAIT, |e| matches!(e, NodeEvent::Progress { total_bytes: Some(_), .. })).await {
        NodeEvent::Progress { blocks, bytes, cid, op: reported, .. } => {
            assert_eq!((blocks, cid, reported), (31, root.to_string(), op));
            assert!(bytes > 300_000);
        }
        _ => unreachable!(),
    }
    let provider_id = provider.handle.peer_id().to_string();
    match client.expect(WAIT, |e| matches!(e, NodeEvent::Snapshot { .. })).await {
        NodeEvent::Snapshot { peers, wantlists, .. } => {
            let p = peers.iter().find(|p| p.peer == provider_id).expect("the provider is in the snapshot");
            assert_eq!(p.ledger.blocks_received, 31);
            assert!(p.bitswap);
            assert!(wantlists.ours.is_empty());
        }
        _ => unreachable!(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identify_lists_every_bitswap_version_and_the_agent() {
    let server = node().await;
    let mut client = node().await;
    client.handle.dial(server.addr.clone()).await.unwrap();
    match client.expect(WAIT, |e| matches!(e, NodeEvent::Identified { .. })).await {
        NodeEvent::Identified { agent, protocols, .. } => {
            assert!(agent.starts_with("swarmscope/"), "{agent}");
            for p in [
                "/ipfs/bitswap/1.2.0",
                "/ipfs/bitswap/1.1.0",
                "/ipfs/bitswap/1.0.0",
                "/ipfs/bitswap",
                "/ipfs/id/1.0.0",
                "/ipfs/ping/1.0.0",
            ] {
                assert!(protocols.iter().any(|x| x == p), "{p} missing from {protocols:?}");
            }
        }
        _ => unreachable!(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_consumer_loses_events_but_is_told_how_many() {
    let provider = node().await;
    // Room for 4 events only, and nobody reads them while 40 blocks move.
    let mut client = common::nodes::node_with(|c| c.event_capacity = 4).await;
    let mut writer = provider.handle.store().writer();
    let data = common::content::bytes("drops", 400_000);
    let opts = ImportOptions { chunk_size: 10_000, ..ImportOptions::unixfs_v1_2025() };
    let root = import_file(&data[..], &opts, &mut writer, &mut |_| {}).unwrap().cid;
    writer.finish().unwrap();
    client.handle.dial(provider.addr.clone()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    fetch_dag(&client.handle, root, OpId::next(), &mut |_| {}).await.expect("the node never waits for its consumer");
    match client.expect(WAIT, |e| matches!(e, NodeEvent::Dropped { .. })).await {
        NodeEvent::Dropped { count } => assert!(count > 40, "{count}"),
        _ => unreachable!(),
    }
    match client.expect(WAIT, |e| matches!(e, NodeEvent::Snapshot { .. })).await {
        NodeEvent::Snapshot { dropped_events, peers, .. } => {
            assert!(dropped_events > 40);
            assert_eq!(peers[0].ledger.blocks_received, 41, "the snapshot tells the truth the events lost");
        }
        _ => unreachable!(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_are_numbered_and_timed_by_the_node_reports_included() {
    let mut n = node().await;
    assert_eq!(n.ready.seq, 1, "ready is the first event");
    let started = std::time::Instant::now();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Reported from outside the node task: stamped when the node takes them, in the order they arrive.
    let report = |i: u64| NodeEvent::Progress { op: OpId(i), cid: "x".into(), blocks: i, bytes: i, total_bytes: None };
    n.handle.report(report(1)).await;
    n.handle.report(report(2)).await;
    let mut seen = vec![n.ready.clone()];
    loop {
        let e = tokio::time::timeout(WAIT, n.events.recv()).await.unwrap().unwrap();
        let last = matches!(e.kind, NodeEvent::Progress { op: OpId(2), .. });
        seen.push(e);
        if last {
            break;
        }
    }
    let seqs: Vec<u64> = seen.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=seen.len() as u64).collect::<Vec<_>>(), "contiguous: nothing was dropped");
    assert!(seen.windows(2).all(|w| w[0].at_ms <= w[1].at_ms), "at_ms never goes back along seq");
    let reports: Vec<&swarmscope::node::events::Event> =
        seen.iter().filter(|e| matches!(e.kind, NodeEvent::Progress { .. })).collect();
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[0].kind, report(1));
    let since_ready = reports[0].at_ms - n.ready.at_ms;
    let elapsed = started.elapsed().as_millis() as u64;
    assert!(since_ready >= 300 && since_ready <= elapsed + 5, "stamped on arrival: {since_ready} ms after ready");
}
