//! Delegated routing against Helia's own Routing V1 HTTP server (issue 12, test d), all on 127.0.0.1: a Helia node
//! provides content in a js DHT whose other node runs `@helia/delegated-routing-v1-http-api-server`; a swarmscope
//! daemon with that router and no DHT peers at all (`--no-bootstrap`) lists the provider with `routing findprovs`
//! (source http), `check`s it (the record from the router, the provider asked) and `get`s the content with no
//! `--connect`.

mod common;

use std::time::Duration;

use common::background::Background;
use common::dht::HeliaDht;
use common::swarmscope::Repo;
use serde_json::json;

const SIZE: u64 = 3 << 20;

#[test]
fn a_daemon_finds_and_gets_through_helias_delegated_router_alone() {
    let mut dht = HeliaDht::start(2);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("helia.bin");
    common::content::write_file(&file, "routing-d", SIZE);
    let provided =
        dht.ask(json!({"op": "provide", "node": 1, "file": file.to_str().unwrap()}), Duration::from_secs(30));
    let cid = provided["cid"].as_str().unwrap().to_string();
    let router = dht.ask(json!({"op": "router", "node": 0}), Duration::from_secs(30));
    let url = router["url"].as_str().unwrap().to_string();
    let provider = dht.nodes[1].0.clone();

    let repo = Repo::new();
    let args = ["daemon", "--listen", "/ip4/127.0.0.1/tcp/0", "--no-mdns", "--json"];
    let _daemon = Background::start(repo.cmd_routed(&[&url], &args), Duration::from_secs(60));
    let id: serde_json::Value = serde_json::from_str(&repo.ok(&["id", "--json"])).unwrap();
    assert_eq!(id["routers"], json!([url]), "{id}");

    // findprovs: the Helia provider, from the router (the daemon has no DHT peer), one line as it arrives.
    let text = repo.ok(&["routing", "findprovs", &cid, "-n", "1"]);
    let line = text.lines().find(|l| l.starts_with(&provider)).unwrap_or_else(|| panic!("findprovs: {text}"));
    assert!(line.contains("/ip4/127.0.0.1/tcp/") && line.ends_with(" http"), "{line}");
    let json = repo.ok(&["routing", "findprovs", &cid, "-n", "1", "--json"]);
    let row: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!((row["peer"].as_str(), row["source"].as_str()), (Some(provider.as_str()), Some("http")), "{row}");
    assert!(row["ms"].is_u64() && row["addrs"].as_array().is_some_and(|a| !a.is_empty()), "{row}");

    // check through the daemon: the record comes from the router (none from the DHT), the provider is dialled and
    // asked, and it serves the block.
    let out = repo.run(&["check", &cid, "--json"], None);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("check: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert!(out.status.success(), "{report}");
    assert_eq!((report["dht_records"].as_u64(), report["router_records"].as_u64()), (Some(0), Some(1)), "{report}");
    assert_eq!(report["peers"][0]["source"], "http", "{report}");
    assert_eq!(report["serving"].as_str(), Some(provider.as_str()), "{report}");

    // get through the daemon, with no --connect: the stuck want searches the router and dials the provider.
    let out = dir.path().join("out.bin");
    let got = repo.run(&["get", &cid, "-o", out.to_str().unwrap(), "--timeout", "30"], None);
    assert!(got.status.success(), "get: {}", String::from_utf8_lossy(&got.stderr));
    assert!(std::fs::read(&out).unwrap() == std::fs::read(&file).unwrap(), "other bytes");
}
