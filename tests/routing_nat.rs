//! AutoNAT on 127.0.0.1 (issue 12): three swarmscope nodes with the loopback test setting (`NatConfig::allow_private`,
//! a config field, never a flag). The node under `--dht auto` asks the two others to dial it back; they do, so it
//! becomes publicly reachable (a `reachability` event) and its DHT switches from client to server (a `dht_mode`
//! event), which its routing status then says too. A `--dht client` node stays a client whatever AutoNAT finds.

mod common;

use std::time::Duration;

use common::nodes::{TestNode, node_with};
use swarmscope::node::events::{NodeEvent, Reachability};
use swarmscope::node::routing::config::DhtMode;

async fn nat_node(dht: DhtMode) -> TestNode {
    node_with(|c| {
        c.routing.dht = dht;
        c.routing.nat.allow_private = true;
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_becomes_a_dht_server_once_autonat_confirms_it_is_reachable() {
    let mut auto = nat_node(DhtMode::Auto).await;
    let mut client = nat_node(DhtMode::Client).await;
    let server = nat_node(DhtMode::Server).await;
    for n in [&client, &server] {
        auto.handle.dial(n.addr.clone()).await.unwrap();
    }
    client.handle.dial(server.addr.clone()).await.unwrap();
    let wait = Duration::from_secs(20);

    // The first probe waits a second after start; the mode event below comes only on a change (client to server).
    let reach = auto.expect(wait, |e| matches!(e, NodeEvent::Reachability { .. })).await;
    let NodeEvent::Reachability { status, address } = reach else { unreachable!() };
    assert_eq!(status, Reachability::Public);
    let address = address.expect("the address peers dialled back");
    assert!(address.starts_with("/ip4/127.0.0.1/tcp/"), "{address}");
    let mode = auto.expect(wait, |e| matches!(e, NodeEvent::DhtMode { .. })).await;
    assert_eq!(mode, NodeEvent::DhtMode { mode: "server".into(), configured: DhtMode::Auto });
    let status = auto.handle.routing_status().await.unwrap();
    assert_eq!((status.dht_mode.as_str(), status.reachability), ("server", Reachability::Public));

    // A forced client learns it is reachable too, and stays a client.
    client.expect(wait, |e| matches!(e, NodeEvent::Reachability { status: Reachability::Public, .. })).await;
    let status = client.handle.routing_status().await.unwrap();
    assert_eq!((status.dht_mode.as_str(), status.reachability), ("client", Reachability::Public));
}
