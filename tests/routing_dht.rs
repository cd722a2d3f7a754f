//! Routing among swarmscope nodes only, in one process on 127.0.0.1 (issue 12): a 20-node DHT where every node finds
//! a provider, and a stuck want that finds its provider through the DHT with no `--connect`.

mod common;

use std::time::{Duration, Instant};

use common::nodes::{TestNode, node_with};
use libp2p::Multiaddr;
use swarmscope::node::block::{Block, RAW, SHA2_256};
use swarmscope::node::events::{NodeEvent, QueryKind};
use swarmscope::node::routing::config::DhtMode;

const WAIT: Duration = Duration::from_secs(20);

async fn dht_node(bootstrap: Option<&Multiaddr>) -> TestNode {
    dht_node_in(DhtMode::Server, bootstrap).await
}

async fn dht_node_in(mode: DhtMode, bootstrap: Option<&Multiaddr>) -> TestNode {
    let bootstrap = bootstrap.cloned();
    node_with(move |c| {
        c.routing.dht = mode;
        c.routing.bootstrap = bootstrap.into_iter().collect();
    })
    .await
}

/// Waits until `node`'s routing table holds at least `n` peers.
async fn table_at_least(node: &TestNode, n: usize) {
    let deadline = Instant::now() + WAIT;
    loop {
        let status = node.handle.routing_status().await.unwrap();
        if status.table_size >= n {
            return;
        }
        assert!(Instant::now() < deadline, "routing table stuck at {} (< {n})", status.table_size);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_nodes_form_a_dht_and_every_node_finds_the_provider() {
    let first = dht_node(None).await;
    let mut nodes = vec![];
    for _ in 1..20 {
        nodes.push(dht_node(Some(&first.addr)).await);
    }
    nodes.push(first);
    for n in &nodes {
        table_at_least(n, 1).await;
    }
    let block = Block::from_data(cid::Version::V1, RAW, SHA2_256, b"provided by node 7".to_vec()).unwrap();
    let provider = &nodes[7];
    provider.handle.store().put(&block).unwrap();
    let reached = tokio::time::timeout(WAIT, provider.handle.provide(*block.cid())).await.unwrap().unwrap();
    assert!(reached >= 1, "the provider record reached no peer");
    // All 20 lookups at once.
    let started = Instant::now();
    let mut lookups = Vec::new();
    for n in &nodes {
        let mut found = n.handle.find_providers(*block.cid(), 5).await.unwrap();
        lookups.push(tokio::spawn(async move {
            let mut peers = vec![];
            while let Some(p) = tokio::time::timeout(WAIT, found.recv()).await.unwrap() {
                peers.push(p);
            }
            peers
        }));
    }
    let me = provider.handle.peer_id();
    for (i, lookup) in lookups.into_iter().enumerate() {
        let peers = lookup.await.unwrap();
        let p = peers.iter().find(|p| p.peer == me);
        let p = p.unwrap_or_else(|| panic!("node {i} found {peers:?}, not the provider"));
        assert!(!p.addrs.is_empty() || i == 7, "node {i}: the provider came without addresses");
    }
    eprintln!("20 lookups in {:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_want_finds_its_provider_through_the_dht_and_fetches_with_no_connect() {
    let hub = dht_node(None).await;
    let mut others = vec![];
    for _ in 0..3 {
        others.push(dht_node(Some(&hub.addr)).await);
    }
    // DHT clients: no server adds them to its table, so no lookup connects the two; only the search can.
    let provider = dht_node_in(DhtMode::Client, Some(&others[0].addr)).await;
    let block = Block::from_data(cid::Version::V1, RAW, SHA2_256, vec![42u8; 10_000]).unwrap();
    provider.handle.store().put(&block).unwrap();
    table_at_least(&provider, 1).await;
    tokio::time::timeout(WAIT, provider.handle.provide(*block.cid())).await.unwrap().unwrap();

    let mut client = dht_node_in(DhtMode::Client, Some(&others[2].addr)).await;
    table_at_least(&client, 1).await;
    assert!(!client.handle.peers().await.unwrap().iter().any(|p| p.peer == provider.handle.peer_id().to_string()));
    let handle = client.handle.clone();
    let cid = *block.cid();
    let want = tokio::spawn(async move { handle.want(cid).await });
    // Stuck for 1 s (nobody connected has it), then a provider search, then the block from the provider.
    let search = client
        .expect(
            WAIT,
            |e| matches!(e, NodeEvent::RoutingQuery { kind: QueryKind::Search, key, .. } if *key == cid.to_string()),
        )
        .await;
    let NodeEvent::RoutingQuery { query, .. } = search else { unreachable!() };
    let found = client.expect(WAIT, |e| matches!(e, NodeEvent::ProviderFound { query: q, .. } if *q == query)).await;
    assert!(matches!(found, NodeEvent::ProviderFound { peer, .. } if peer == provider.handle.peer_id().to_string()));
    let got = tokio::time::timeout(WAIT, want).await.unwrap().unwrap().unwrap();
    assert_eq!(got.data(), block.data());
}
