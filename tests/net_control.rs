//! The control socket: while a daemon holds a repo, the CLI's commands run inside it. Two daemons on 127.0.0.1:
//! `add` on one, `get` on the other (both through their daemons), identical bytes, and `bitswap ledger` on both
//! sides agreeing on what moved.

mod common;

use common::content;
use common::swarmscope::Repo;

#[test]
fn two_daemons_exchange_a_file_and_their_ledgers_agree() {
    let (a, b) = (Repo::new(), Repo::new());
    let (da, addr_a) = a.daemon();
    let (_db, _addr_b) = b.daemon();
    let id_a = a.json(&["id", "--json"]);
    assert_eq!(id_a["peer_id"], da.first["peer_id"], "id runs inside the daemon");
    let id_b = b.json(&["id", "--json"])["peer_id"].as_str().unwrap().to_string();

    // add goes through A's daemon: A holds the repo lock, so it could not run otherwise.
    let data = content::bytes("control", 4 * (1 << 20) + 7);
    let cid = String::from_utf8(a.run(&["add", "-Q", "-"], Some(&data)).stdout).unwrap().trim().to_string();
    assert!(cid.starts_with("bafy"), "{cid}");

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("got.bin");
    b.ok(&["get", &cid, "--connect", &addr_a, "--timeout", "60", "-o", out.to_str().unwrap()]);
    assert!(std::fs::read(&out).unwrap() == data, "bytes differ");

    let peers = b.ok(&["swarm", "peers"]);
    assert!(peers.contains(id_a["peer_id"].as_str().unwrap()), "{peers}");
    let on_a = a.json(&["bitswap", "ledger", &id_b, "--json"]);
    let on_b = b.json(&["bitswap", "ledger", id_a["peer_id"].as_str().unwrap(), "--json"]);
    assert_eq!(on_a["blocks_sent"], on_b["blocks_received"], "A: {on_a}\nB: {on_b}");
    assert_eq!(on_a["bytes_sent"], on_b["bytes_received"], "A: {on_a}\nB: {on_b}");
    assert!(on_b["bytes_received"].as_u64().unwrap() >= data.len() as u64, "{on_b}");
    let stat = b.json(&["bitswap", "stat", "--json"]);
    assert_eq!(stat["blocks_received"], on_b["blocks_received"]);

    // Errors from inside the daemon reach the caller as one line and a non-zero exit.
    let e = b.fails(&["cat", "not-a-cid"], None);
    assert!(e.starts_with("error: invalid CID"), "{e}");
    let e = b.fails(&["bitswap", "ledger", "not-a-peer"], None);
    assert!(e.contains("invalid peer id"), "{e}");
}

#[test]
fn without_a_daemon_node_commands_say_how_to_start_one() {
    let repo = Repo::new();
    let e = repo.fails(&["swarm", "peers"], None);
    assert!(e.contains("no daemon is running") && e.contains("swarmscope daemon"), "{e}");
    // id answers from the repo's identity, and it stays the same.
    let first = repo.ok(&["id"]);
    assert_eq!(repo.ok(&["id"]), first);
    assert!(first.starts_with("12D3Koo"), "{first}");
}
