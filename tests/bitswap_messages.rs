//! The message inspector (issue 14 part 4) through a daemon: after a fetch, `bitswap messages` shows the messages
//! the provider sent, decoded — presences, block prefixes and sizes against the limits — and filters by peer and CID.
//! Both daemons listen on 127.0.0.1 with mDNS and bootstrap off (`Repo::cmd`).

mod common;

use common::swarmscope::Repo;

#[test]
fn the_messages_a_fetch_received_are_shown_decoded() {
    let (provider, client) = (Repo::new(), Repo::new());
    let (_p, provider_addr) = provider.daemon();
    let provider_id = provider_addr.rsplit('/').next().unwrap().to_string();
    let (_c, _) = client.daemon();
    let file = provider.path().join("f.bin");
    common::content::write_file(&file, "inspect", 2_200_000);
    let cid = provider.ok(&["add", "-Q", file.to_str().unwrap()]).trim().to_string();
    client.ok(&["swarm", "connect", &provider_addr]);
    client.ok(&["dag", "fetch", &cid, "--timeout", "30"]);

    let json = client.ok(&["bitswap", "messages", "--peer", &provider_id, "-n", "50", "--json"]);
    let messages: Vec<serde_json::Value> = json.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(!messages.is_empty(), "no messages kept");
    assert!(messages.iter().all(|m| m["peer"] == provider_id.as_str() && m["protocol"] == "1.2.0"), "{json}");
    let blocks: Vec<&serde_json::Value> = messages.iter().flat_map(|m| m["blocks"].as_array().unwrap()).collect();
    assert_eq!(blocks.len(), 4, "the root and three leaves: {json}");
    let leaf = blocks.iter().find(|b| b["codec"] == "raw").unwrap();
    assert_eq!((leaf["version"].as_u64(), leaf["multihash"].as_str()), (Some(1), Some("sha2-256")));
    assert_eq!((leaf["digest_len"].as_u64(), leaf["over_limit"].as_bool()), (Some(32), Some(false)));
    assert!(messages.iter().all(|m| m["frame_bytes"].as_u64().unwrap() <= m["frame_limit"].as_u64().unwrap()));

    // The root's message alone, by CID; in text, one line per entry.
    let root = client.ok(&["bitswap", "messages", "--cid", &cid]);
    assert!(
        root.starts_with("message #") && root.contains(&format!("BLOCK      {cid} cidv1 dag-pb sha2-256/32")),
        "{root}"
    );
    assert_eq!(root.lines().filter(|l| l.starts_with("message #")).count(), 1, "{root}");
    let none = client.ok(&["bitswap", "messages", "--peer", "12D3KooWLRPJAA5o6Z6pVTyDfD7DvPMvSrcZxzf3fpYMwcDGWP3v"]);
    assert_eq!(none, "", "another peer sent nothing");
    let e = client.fails(&["bitswap", "messages", "--cid", "not-a-cid"], None);
    assert!(e.contains("not-a-cid") && e.lines().count() == 1, "{e}");
}
