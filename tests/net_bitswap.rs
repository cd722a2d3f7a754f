//! Two swarmscope processes on 127.0.0.1: a daemon serves what was added to its repo, `get --connect` fetches it
//! over Bitswap into another repo. mDNS stays off.

mod common;

use std::time::Duration;

use common::background::Background;
use common::content;
use common::swarmscope::Repo;

fn sha256(data: &[u8]) -> String {
    use sha2::Digest;
    format!("{:x}", sha2::Sha256::digest(data))
}

/// A daemon on an ephemeral loopback port; returns it and its first listen multiaddr.
pub fn daemon(repo: &Repo) -> (Background, String) {
    let cmd = repo.cmd(&["daemon", "--listen", "/ip4/127.0.0.1/tcp/0", "--no-mdns", "--json"]);
    let d = Background::start(cmd, Duration::from_secs(60));
    assert_eq!(d.first["type"], "ready", "{}", d.first);
    let addr = d.first["listen"][0].as_str().expect("a listen address").to_string();
    assert!(addr.starts_with("/ip4/127.0.0.1/tcp/") && addr.contains("/p2p/12D3Koo"), "{addr}");
    (d, addr)
}

#[test]
fn get_fetches_a_dag_from_a_daemon_whose_events_show_the_exchange() {
    let server = Repo::new();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("content.bin");
    let data = content::bytes("net", 5 * (1 << 20) + 123);
    std::fs::write(&file, &data).unwrap();
    for profile in ["unixfs-v1-2025", "kubo"] {
        server.ok(&["add", "--profile", profile, file.to_str().unwrap()]);
    }
    let v1 = server.ok(&["add", "-n", "-Q", file.to_str().unwrap()]).trim().to_string();
    let v0 = server.ok(&["add", "-n", "-Q", "--profile", "kubo", file.to_str().unwrap()]).trim().to_string();
    let (daemon, addr) = daemon(&server);

    for cid in [&v1, &v0] {
        let client = Repo::new();
        let out = dir.path().join(format!("got-{cid}"));
        let report = client.ok(&[
            "get",
            cid,
            "--connect",
            &addr,
            "--no-mdns",
            "--timeout",
            "60",
            "--json",
            "-o",
            out.to_str().unwrap(),
        ]);
        let report: serde_json::Value = serde_json::from_str(&report).unwrap();
        assert_eq!(report["cid"], cid.as_str());
        assert!(report["blocks"].as_u64().unwrap() >= 6, "{report}");
        assert!(report["ms"].is_u64() && report["dial_ms"].is_u64(), "{report}");
        assert_eq!(sha256(&std::fs::read(&out).unwrap()), sha256(&data), "{cid}");
        // Stored and verified in the client's repo: a second get needs no network.
        client.ok(&["repo", "verify"]);
        let cat = client.run(&["cat", "--offline", cid], None);
        assert!(cat.status.success() && sha256(&cat.stdout) == sha256(&data), "offline cat of {cid}");
    }

    // The daemon's events show the exchange.
    std::thread::sleep(Duration::from_millis(300));
    let lines = daemon.drain_lines();
    let events: Vec<serde_json::Value> = lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    // Schema 2: each line is one flat `Event` that parses back to itself, numbered from `ready` (seq 1) on.
    assert_eq!((daemon.first["seq"].as_u64(), daemon.first["schema"].as_u64()), (Some(1), Some(2)), "{}", daemon.first);
    let mut last_seq = 1;
    for (line, value) in lines.iter().zip(&events) {
        let event: swarmscope::node::events::Event =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(&serde_json::to_value(&event).unwrap(), value, "{line}");
        assert!(event.seq > last_seq, "seq goes up: {line}");
        last_seq = event.seq;
    }
    let sent_blocks =
        events.iter().filter(|e| e["type"] == "bitswap" && e["kind"] == "BLOCK" && e["direction"] == "out");
    assert!(sent_blocks.count() >= 12, "{lines:?}");
    assert!(
        events.iter().any(|e| e["type"] == "identified" && e["agent"].as_str().unwrap().starts_with("swarmscope/"))
    );
    assert!(events.iter().any(|e| e["type"] == "bitswap" && e["direction"] == "in" && e["kind"] == "WANT_BLOCK"));
}

#[test]
fn a_cid_nobody_has_ends_at_the_timeout_with_what_was_tried() {
    let server = Repo::new();
    server.ok(&["repo", "stat"]);
    let (_daemon, addr) = daemon(&server);
    let client = Repo::new();
    let missing = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
    let e = client.fails(&["get", missing, "--connect", &addr, "--no-mdns", "--timeout", "2"], None);
    assert!(e.contains("could not fetch") && e.contains("DONT_HAVE"), "{e}");
    assert!(e.contains("1 DONT_HAVE"), "the daemon answered DONT_HAVE: {e}");
}

#[test]
fn bad_multiaddrs_and_unreachable_peers_are_one_line_errors() {
    let client = Repo::new();
    let missing = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
    let e = client.fails(&["get", missing, "--connect", "/ip4/127.0.0.1/tcp/notaport", "--no-mdns"], None);
    assert!(e.contains("invalid multiaddr"), "{e}");
    // A port nobody listens on (bound then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let e = client.fails(&["get", missing, "--connect", &format!("/ip4/127.0.0.1/tcp/{port}"), "--no-mdns"], None);
    assert!(e.contains("dial failed"), "{e}");
    let e = client.fails(&["daemon", "--listen", "/ip4/127.0.0.1/tcp/0", "--connect", "nonsense", "--no-mdns"], None);
    assert!(e.contains("invalid multiaddr"), "{e}");
}

#[test]
fn a_busy_port_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let repo = Repo::new();
    let e = repo.fails(&["daemon", "--listen", &format!("/ip4/127.0.0.1/tcp/{port}"), "--no-mdns"], None);
    assert!(e.contains("cannot listen on") && e.contains(&port.to_string()), "{e}");
}

#[test]
fn quic_carries_bitswap_too() {
    let server = Repo::new();
    let data = content::bytes("quic", 2 * (1 << 20) + 3);
    let cid = String::from_utf8(server.run(&["add", "-Q", "-"], Some(&data)).stdout).unwrap().trim().to_string();
    let cmd = server.cmd(&["daemon", "--listen", "/ip4/127.0.0.1/udp/0/quic-v1", "--no-mdns", "--json"]);
    let daemon = Background::start(cmd, Duration::from_secs(60));
    let addr = daemon.first["listen"][0].as_str().unwrap().to_string();
    assert!(addr.contains("/quic-v1/"), "{addr}");
    let client = Repo::new();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("quic.bin");
    client.ok(&["get", &cid, "--connect", &addr, "--no-mdns", "--timeout", "60", "-o", out.to_str().unwrap()]);
    assert!(std::fs::read(&out).unwrap() == data);
    std::thread::sleep(Duration::from_millis(200));
    let lines = daemon.drain_lines();
    assert!(lines.iter().any(|l| l.contains("\"connected\"") && l.contains("\"transport\":\"quic\"")), "{lines:?}");

    // The `get` closed its QUIC connection as it exited: the daemon sees it leave now, not after the QUIC idle
    // timeout (10 s), and `swarm peers` no longer lists it.
    let gone = |l: &String| l.contains("\"disconnected\"");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let mut left = lines.iter().any(gone);
    while !left && std::time::Instant::now() < deadline {
        left = daemon.lines.recv_timeout(Duration::from_millis(100)).is_ok_and(|l| gone(&l));
    }
    assert!(left, "the daemon still holds the QUIC connection of a client that exited");
    assert_eq!(server.ok(&["swarm", "peers"]).trim(), "");
}

#[test]
fn sigterm_stops_the_daemon_cleanly() {
    let server = Repo::new();
    let (mut daemon, _) = daemon(&server);
    assert!(server.path().join("control.sock").exists());
    let pid = daemon.child.id().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = common::swarmscope::wait_or_kill(&mut daemon.child, Duration::from_secs(20));
    assert!(status.success(), "{status:?}");
    assert!(!server.path().join("control.sock").exists(), "the control socket is removed");
    server.ok(&["repo", "verify"]); // the lock is free again
}
