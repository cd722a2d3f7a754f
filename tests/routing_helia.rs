//! swarmscope in a js Kademlia DHT (Helia + @libp2p/kad-dht on /ipfs/kad/1.0.0), all on 127.0.0.1 (issue 12):
//! (a) a Helia node provides 8 MiB and a swarmscope node bootstrapped to a different Helia node fetches it with no
//! connect; (c) find_providers lists the Helia provider; (b) swarmscope provides, and a fresh Helia node bootstrapped
//! elsewhere finds it through the DHT and fetches.

mod common;

use std::time::{Duration, Instant};

use common::dht::HeliaDht;
use common::nodes::node_with;
use serde_json::json;
use swarmscope::node::dag::importer::import_file;
use swarmscope::node::dag::profile::ImportOptions;
use swarmscope::node::fetch::fetch_dag;
use swarmscope::node::op::OpId;
use swarmscope::node::routing::config::DhtMode;

const WAIT: Duration = Duration::from_secs(30);
const SIZE: u64 = 8 << 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swarmscope_finds_fetches_and_is_found_in_a_helia_dht() {
    let mut dht = tokio::task::block_in_place(|| HeliaDht::start(6));
    let dir = tempfile::tempdir().unwrap();

    // (a) Helia node 3 provides 8 MiB; swarmscope knows only node 1.
    let file = dir.path().join("helia.bin");
    common::content::write_file(&file, "routing-a", SIZE);
    let provided = tokio::task::block_in_place(|| {
        dht.ask(json!({"op": "provide", "node": 3, "file": file.to_str().unwrap()}), WAIT)
    });
    let root: cid::Cid = provided["cid"].as_str().unwrap().parse().unwrap();
    let bootstrap = dht.addr(1);
    let client = node_with(move |c| {
        c.routing.dht = DhtMode::Server;
        c.routing.bootstrap = vec![bootstrap];
    })
    .await;
    let started = Instant::now();
    let stats =
        tokio::time::timeout(WAIT, fetch_dag(&client.handle, root, OpId::next(), &mut |_| {})).await.unwrap().unwrap();
    assert!(stats.bytes > SIZE && stats.fetched_blocks == stats.blocks, "{stats:?}"); // 8 leaves and the root
    eprintln!("(a) 8 MiB found through the js DHT and fetched in {:?}", started.elapsed());
    let helia_provider = dht.nodes[3].0.clone();
    let ledgers = client.handle.ledgers().await.unwrap();
    assert!(ledgers.iter().any(|(p, l)| p.to_string() == helia_provider && l.blocks_received > 0));

    // (c) find_providers lists the Helia provider, with its address.
    let mut found = client.handle.find_providers(root, 20).await.unwrap();
    let mut providers = vec![];
    while let Some(p) = tokio::time::timeout(WAIT, found.recv()).await.unwrap() {
        providers.push(p);
    }
    let p = providers.iter().find(|p| p.peer.to_string() == helia_provider);
    let p = p.unwrap_or_else(|| panic!("find_providers gave {providers:?}"));
    assert!(p.addrs.iter().any(|a| dht.nodes[3].1.iter().any(|h| a.to_string().starts_with(h.as_str()))), "{p:?}");

    // (b) swarmscope imports 8 MiB and provides it; a fresh Helia node bootstrapped to node 5 finds and fetches it.
    let data = common::content::bytes("routing-b", SIZE as usize);
    let mut writer = client.handle.store().writer();
    let ours = import_file(&data[..], &ImportOptions::unixfs_v1_2025(), &mut writer, &mut |_| {}).unwrap().cid;
    writer.finish().unwrap();
    let reached = tokio::time::timeout(WAIT, client.handle.provide(ours)).await.unwrap().unwrap();
    assert!(reached >= 1, "no js peer took the provider record");
    let out = dir.path().join("fetched.bin");
    let fetched = tokio::task::block_in_place(|| {
        dht.ask(
            json!({"op": "fetch", "bootstrap": dht.addr(5).to_string(), "cid": ours.to_string(), "out": out.to_str().unwrap()}),
            Duration::from_secs(60),
        )
    });
    assert_eq!(fetched["provider"], client.handle.peer_id().to_string());
    assert_eq!(fetched["bytes"], SIZE);
    assert!(std::fs::read(&out).unwrap() == data, "Helia fetched other bytes");
    eprintln!("(b) Helia found swarmscope through the DHT and fetched 8 MiB in {} ms", fetched["ms"]);
}
