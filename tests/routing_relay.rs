//! Circuit relay v2 on 127.0.0.1 (issue 12): a Helia peer that listens ONLY through a js circuit-relay-v2 server
//! (`tests/interop/relay.mjs`) serves a file; a swarmscope daemon reaches it through the relay, either dialling the
//! `/p2p-circuit` address it is given, or finding the peer's provider record (whose only address is the circuit)
//! in the DHT; the content arrives intact and `swarm peers` marks the connection relayed.

mod common;

use std::process::Command;
use std::time::Duration;

use common::background::Background;
use common::helia::{ensure_installed, interop_dir};
use common::swarmscope::Repo;

/// The relay and the relay-only Helia peer (killed on drop).
struct RelayNet {
    _bg: Background,
    relay_addr: String,
    peer_id: String,
    circuit: String,
    cid: String,
}

impl RelayNet {
    fn start(file: &std::path::Path, dht: bool) -> Self {
        ensure_installed();
        let mut cmd = Command::new("node");
        cmd.current_dir(interop_dir()).args(["relay.mjs", file.to_str().unwrap()]);
        if dht {
            cmd.arg("--dht");
        }
        let bg = Background::start(cmd, Duration::from_secs(60));
        let s = |v: &serde_json::Value| v.as_str().expect("a string").to_string();
        let relay = &bg.first["relay"];
        let relay_addr = s(&relay["addrs"][0]);
        let relay_addr = if relay_addr.contains("/p2p/") {
            relay_addr
        } else {
            format!("{relay_addr}/p2p/{}", s(&relay["peer_id"]))
        };
        let (peer_id, circuit, cid) =
            (s(&bg.first["peer"]["peer_id"]), s(&bg.first["peer"]["addrs"][0]), s(&bg.first["cid"]));
        assert!(circuit.contains("/p2p-circuit/"), "{circuit}");
        Self { _bg: bg, relay_addr, peer_id, circuit, cid }
    }
}

fn daemon(repo: &Repo, extra: &[&str]) -> Background {
    let mut args = vec!["daemon", "--listen", "/ip4/127.0.0.1/tcp/0", "--no-mdns", "--json"];
    args.extend(extra);
    Background::start(repo.cmd(&args), Duration::from_secs(60))
}

/// `swarm peers --json`: the line of `peer`.
fn peer_line(repo: &Repo, peer: &str) -> serde_json::Value {
    let text = repo.ok(&["swarm", "peers", "--json"]);
    let found = text.lines().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()).find(|v| v["peer"] == peer);
    found.unwrap_or_else(|| panic!("{peer} not in swarm peers: {text}"))
}

#[test]
fn a_relay_only_helia_peer_serves_swarmscope_through_its_circuit() {
    let repo = Repo::new();
    let file = repo.path().join("content.bin");
    common::content::write_file(&file, "relay-connect", 1_500_000); // two 1 MiB leaves and a root
    let net = RelayNet::start(&file, false);
    let _d = daemon(&repo, &["--connect", &net.circuit]);

    let out = repo.path().join("out.bin");
    repo.ok(&["get", &net.cid, "-o", out.to_str().unwrap(), "--timeout", "30"]);
    assert!(std::fs::read(&out).unwrap() == std::fs::read(&file).unwrap(), "other bytes came through the relay");

    let helia = peer_line(&repo, &net.peer_id);
    assert_eq!(helia["relayed"], true, "{helia}");
    assert!(helia["addr"].as_str().unwrap().ends_with("/p2p-circuit"), "{helia}");
    assert!(helia["bytes_received"].as_u64().unwrap() >= 1_500_000, "{helia}");
    let relay_id = net.relay_addr.rsplit('/').next().unwrap();
    assert_eq!(peer_line(&repo, relay_id)["relayed"], false, "the relay itself is a direct connection");
    // AutoNAT asks only peers at global addresses (users' default): on loopback reachability stays unknown.
    let id = repo.json(&["id", "--json"]);
    assert_eq!((id["dht_mode"].as_str(), id["reachability"].as_str()), (Some("client"), Some("unknown")), "{id}");
    let verbose = repo.ok(&["swarm", "peers", "-v"]);
    let line = verbose.lines().find(|l| l.contains(&format!("/p2p/{}", net.peer_id))).unwrap();
    assert!(line.contains(" outbound relayed "), "{line}");
}

#[test]
fn a_provider_record_with_only_a_circuit_address_is_dialled_through_the_relay() {
    let repo = Repo::new();
    let file = repo.path().join("content.bin");
    common::content::write_file(&file, "relay-dht", 300_000);
    let net = RelayNet::start(&file, true);
    // The daemon knows only the relay (a DHT server); the Helia peer's record names only its circuit address.
    let _d = daemon(&repo, &["--bootstrap", &net.relay_addr]);

    // The DHT needs a moment after the daemon starts (the bootstrap dial, identify).
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let found = loop {
        let found = repo.ok(&["routing", "findprovs", &net.cid, "-n", "1"]);
        if found.contains(&net.peer_id) || std::time::Instant::now() > deadline {
            break found;
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    let line = found.lines().next().unwrap_or_default();
    assert!(line.starts_with(&net.peer_id) && line.contains("/p2p-circuit"), "{found}");

    let out = repo.path().join("out.bin");
    repo.ok(&["get", &net.cid, "-o", out.to_str().unwrap(), "--timeout", "30"]);
    assert!(std::fs::read(&out).unwrap() == std::fs::read(&file).unwrap(), "other bytes came through the relay");
    assert_eq!(peer_line(&repo, &net.peer_id)["relayed"], true);
}

/// DCUtR on loopback: swarmscope B listens on a circuit of the js relay (and on TCP); swarmscope A dials B through
/// the circuit; B starts the hole punch, A dials B directly and reports a `hole_punch` success, and B is no longer
/// marked relayed at A (a direct connection now sits beside the relayed one). On loopback the "hole punch" is a
/// plain dial both ways; whether it gets through a real NAT cannot be tested here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relayed_connection_is_upgraded_to_a_direct_one_by_dcutr() {
    use common::nodes::node_with;
    use swarmscope::node::events::NodeEvent;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tiny.bin");
    common::content::write_file(&file, "relay-dcutr", 10);
    let net = tokio::task::block_in_place(|| RelayNet::start(&file, false));
    let circuit_listen: libp2p::Multiaddr = format!("{}/p2p-circuit", net.relay_addr).parse().unwrap();
    let b = node_with(|c| c.listen.push(circuit_listen)).await;
    let mut a = node_with(|_| {}).await;
    let b_id = b.handle.peer_id();
    let through: libp2p::Multiaddr = format!("{}/p2p-circuit/p2p/{b_id}", net.relay_addr).parse().unwrap();
    a.handle.dial(through).await.unwrap();

    let wait = Duration::from_secs(20);
    let first = a.expect(wait, |e| matches!(e, NodeEvent::Connected { peer, .. } if *peer == b_id.to_string())).await;
    let NodeEvent::Connected { addr, .. } = first else { unreachable!() };
    assert!(addr.contains("/p2p-circuit"), "the first connection is the relayed one: {addr}");
    let punched = a.expect(wait, |e| matches!(e, NodeEvent::HolePunch { .. })).await;
    assert_eq!(punched, NodeEvent::HolePunch { peer: b_id.to_string(), ok: true, error: None });
    let peers = a.handle.peers().await.unwrap();
    let at_a = peers.iter().find(|p| p.peer == b_id.to_string()).expect("B is connected");
    assert!(!at_a.relayed, "a direct connection exists: {at_a:?}");
}

/// Bad circuits get one clear line each and the daemon keeps running: a relay nobody answers at, a circuit without
/// a relay id, a circuit without a destination.
#[test]
fn a_bad_circuit_is_one_clear_line_and_the_daemon_keeps_running() {
    let repo = Repo::new();
    let _d = daemon(&repo, &[]);
    let (relay, target) = (
        "12D3KooWLRPJAA5o6Z6pVTyDfD7DvPMvSrcZxzf3fpYMwcDGWP3v",
        "12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo",
    );
    let unreached = format!("/ip4/127.0.0.1/tcp/1/p2p/{relay}/p2p-circuit/p2p/{target}");
    let e = repo.fails(&["swarm", "connect", &unreached], None);
    assert!(e.contains(&format!("the relay /ip4/127.0.0.1/tcp/1/p2p/{relay} could not be reached")), "{e}");
    let e = repo.fails(&["swarm", "connect", &format!("/ip4/127.0.0.1/tcp/1/p2p-circuit/p2p/{target}")], None);
    assert!(e.contains("Missing relay peer id"), "{e}");
    let e = repo.fails(&["swarm", "connect", &format!("/ip4/127.0.0.1/tcp/1/p2p/{relay}/p2p-circuit")], None);
    assert!(e.contains("Missing destination peer id"), "{e}");
    assert!(repo.ok(&["id"]).contains("reachability: unknown"), "the daemon still answers");
}
