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
