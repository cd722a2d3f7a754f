//! Routing through daemons on 127.0.0.1 (issue 12's contract): a daemon bootstrapped to another finds providers
//! with `routing findprovs`, `add` makes content findable, and `get` (through a daemon, or starting its own node
//! with `--bootstrap`) finds its providers by itself (no `--connect`). Every daemon passes `--no-bootstrap` (through `Repo::cmd`) and names its own `--bootstrap`.

mod common;

use std::time::Duration;

use common::swarmscope::Repo;

/// Runs `args` until it succeeds with output that `ok` accepts (the DHT needs a moment after a daemon starts).
fn eventually(repo: &Repo, args: &[&str], ok: impl Fn(&str) -> bool) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let out = repo.run(args, None);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        if out.status.success() && ok(&text) {
            return text;
        }
        assert!(std::time::Instant::now() < deadline, "{args:?}: {text} {}", String::from_utf8_lossy(&out.stderr));
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn findprovs_lists_the_provider_and_get_finds_it_with_no_connect() {
    let (hub_repo, provider_repo, client_repo) = (Repo::new(), Repo::new(), Repo::new());
    let (_hub, hub_addr) = hub_repo.dht_daemon(None);
    let (_provider, provider_addr) = provider_repo.dht_daemon(Some(&hub_addr));
    let provider_id = provider_addr.rsplit('/').next().unwrap().to_string();
    let id: serde_json::Value = serde_json::from_str(&provider_repo.ok(&["id", "--json"])).unwrap();
    assert_eq!(id["dht_mode"], "server", "{id}");
    let file = provider_repo.path().join("content.bin");
    common::content::write_file(&file, "routing-cli", 3_000_000);
    let cid = provider_repo.ok(&["add", "-Q", file.to_str().unwrap()]).trim().to_string();

    // The hub knows the provider from its record: one line, peer id, addresses, source.
    let text = eventually(&hub_repo, &["routing", "findprovs", &cid], |t| t.contains(&provider_id));
    let line = text.lines().find(|l| l.starts_with(&provider_id)).unwrap();
    assert!(line.contains("/ip4/127.0.0.1/tcp/") && line.ends_with(" dht"), "{line}");
    let json = hub_repo.ok(&["routing", "findprovs", &cid, "-n", "1", "--json"]);
    let first: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!((first["peer"].as_str(), first["source"].as_str()), (Some(provider_id.as_str()), Some("dht")));
    assert!(first["addrs"].as_array().is_some_and(|a| !a.is_empty()) && first["ms"].is_u64(), "{first}");

    // A third daemon that knows only the hub gets the file through the DHT, with no --connect.
    let (_client, _) = client_repo.dht_daemon(Some(&hub_addr));
    let out = client_repo.path().join("out.bin");
    client_repo.ok(&["get", &cid, "-o", out.to_str().unwrap(), "--timeout", "30"]);
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&file).unwrap());

    // Without a daemon: `get --bootstrap` starts a node that finds the provider the same way.
    let lone = Repo::new();
    let out2 = lone.path().join("out2.bin");
    lone.ok(&["get", &cid, "-o", out2.to_str().unwrap(), "--bootstrap", &hub_addr, "--timeout", "30", "--no-mdns"]);
    assert_eq!(std::fs::read(&out2).unwrap(), std::fs::read(&file).unwrap());

    // findpeer: the provider's addresses; provide: announced again, to at least one peer.
    let addrs = eventually(&client_repo, &["routing", "findpeer", &provider_id], |t| t.contains("/ip4/127.0.0.1/"));
    assert!(provider_addr.starts_with(addrs.lines().next().unwrap()), "{addrs} vs {provider_addr}");
    let provided = provider_repo.ok(&["routing", "provide", &cid]);
    assert!(provided.starts_with(&format!("provided {cid} to ")), "{provided}");
}

#[test]
fn bad_routing_input_is_one_line() {
    let repo = Repo::new();
    let e = repo
        .fails(&["daemon", "--listen", "/ip4/127.0.0.1/tcp/0", "--no-mdns", "--bootstrap", "/ip4/1.2.3.4/tcp/1"], None);
    assert!(e.contains("must end with /p2p/"), "{e}");
    let e = repo.fails(&["daemon", "--listen", "/ip4/127.0.0.1/tcp/0", "--no-mdns", "--dht", "lan"], None);
    assert!(e.contains("unknown DHT mode"), "{e}");
    let e = repo.fails(&["routing", "findprovs", "bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq"], None);
    assert!(e.contains("no daemon is running"), "{e}");
}
