//! mDNS, the one test that multicasts: two daemons in two network namespaces of this test's own, joined by a veth
//! pair, find each other and exchange a block. Needs root and iproute2 (CI runs as root); nothing leaves the
//! namespaces, which are deleted at the end.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::background::Background;
use common::swarmscope::{Repo, bin};

/// Two namespaces and the veth pair between them, removed on drop.
struct Namespaces {
    a: String,
    b: String,
}

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("iproute2 `ip` is required for the mDNS test");
    assert!(out.status.success(), "ip {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

impl Namespaces {
    fn new() -> Self {
        let id = std::process::id() % 100_000;
        let (a, b) = (format!("ssa{id}"), format!("ssb{id}"));
        let (va, vb) = (format!("vsa{id}"), format!("vsb{id}"));
        let ns = Self { a: a.clone(), b: b.clone() };
        ip(&["netns", "add", &a]);
        ip(&["netns", "add", &b]);
        ip(&["link", "add", &va, "type", "veth", "peer", "name", &vb]);
        ip(&["link", "set", &va, "netns", &a]);
        ip(&["link", "set", &vb, "netns", &b]);
        for (n, v, addr) in [(&a, &va, "10.251.0.1/24"), (&b, &vb, "10.251.0.2/24")] {
            ip(&["-n", n, "addr", "add", addr, "dev", v]);
            ip(&["-n", n, "link", "set", v, "up"]);
            ip(&["-n", n, "link", "set", "lo", "up"]);
            ip(&["-n", n, "route", "add", "224.0.0.0/4", "dev", v]);
        }
        ns
    }

    fn daemon(&self, ns: &str, repo: &Repo) -> Background {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", ns]).arg(bin()).arg("--repo").arg(repo.path()).args([
            "--no-bootstrap",
            "--routing-url",
            "none",
            "daemon",
            "--listen",
            "/ip4/0.0.0.0/tcp/0",
            "--json",
        ]);
        Background::start(cmd, Duration::from_secs(60))
    }
}

impl Drop for Namespaces {
    fn drop(&mut self) {
        for n in [&self.a, &self.b] {
            let _ = Command::new("ip").args(["netns", "del", n]).status();
        }
    }
}

#[test]
fn two_nodes_find_each_other_by_mdns_and_exchange_a_block() {
    let is_root = Command::new("id").arg("-u").output().map(|o| o.stdout == b"0\n").unwrap_or(false);
    assert!(is_root, "the mDNS test makes network namespaces and must run as root (CI does)");
    let ns = Namespaces::new();
    let (ra, rb) = (Repo::new(), Repo::new());
    let cid = String::from_utf8(ra.run(&["add", "-Q", "-"], Some(b"found by mDNS")).stdout).unwrap().trim().to_string();
    let da = ns.daemon(&ns.a, &ra);
    let db = ns.daemon(&ns.b, &rb);
    let a_id = da.first["peer_id"].as_str().unwrap().to_string();

    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    while !seen.iter().any(|l: &String| l.contains("\"connected\"") && l.contains(&a_id)) {
        assert!(Instant::now() < deadline, "B never connected to A by mDNS: {seen:?}");
        std::thread::sleep(Duration::from_millis(100));
        seen.extend(db.drain_lines());
    }
    // Through B's daemon (its control socket), with no --connect: the peer came from mDNS.
    let out = rb.run(&["cat", &cid, "--timeout", "30"], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stdout, b"found by mDNS");
    drop((da, db));
}
