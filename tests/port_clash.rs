//! Two daemons must never share a port (issue 10, item 8): libp2p's TCP listeners set SO_REUSEPORT, so a second
//! daemon on a port in use used to start and take half of the incoming connections. Now it refuses to start, with
//! the reason and a hint, on TCP and QUIC alike; port 0 still picks a free port.

mod common;

use std::time::Duration;

use common::background::Background;
use common::swarmscope::{Repo, run_with_timeout};

/// A daemon on `listen` (each a multiaddr), with its `ready` line read.
fn daemon(repo: &Repo, listen: &[&str]) -> Background {
    let mut args = vec!["daemon", "--no-mdns", "--json"];
    for a in listen {
        args.extend(["--listen", a]);
    }
    Background::start(repo.cmd(&args), Duration::from_secs(30))
}

/// The listen address of `d` that contains `transport`, without its `/p2p/…` part.
fn listening(d: &Background, transport: &str) -> String {
    let addrs = d.first["listen"].as_array().expect("listen addresses");
    let addr = addrs.iter().filter_map(|a| a.as_str()).find(|a| a.contains(transport)).expect("a listener");
    addr.split("/p2p/").next().unwrap().to_string()
}

/// A second daemon on `addr` must fail at once, with one line that says why and what to do.
fn second_daemon_refused(addr: &str) {
    let repo = Repo::new();
    let cmd = repo.cmd(&["daemon", "--no-mdns", "--json", "--listen", addr]);
    let out = run_with_timeout(cmd, None, Duration::from_secs(20));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a second daemon started on {addr}: {}", String::from_utf8_lossy(&out.stdout));
    let expected = format!(
        "error: cannot listen on {addr}: address already in use (is another swarmscope running? pick another port \
         with --listen)"
    );
    assert_eq!(stderr.trim_end(), expected);
}

#[test]
fn a_second_daemon_on_a_tcp_port_in_use_refuses_to_start() {
    let first_repo = Repo::new();
    let first = daemon(&first_repo, &["/ip4/127.0.0.1/tcp/0"]);
    second_daemon_refused(&listening(&first, "/tcp/"));
    // Port 0 still works while the first runs.
    let other = Repo::new();
    daemon(&other, &["/ip4/127.0.0.1/tcp/0"]);
}

#[test]
fn a_second_daemon_on_a_quic_port_in_use_refuses_to_start() {
    let first_repo = Repo::new();
    let first = daemon(&first_repo, &["/ip4/127.0.0.1/udp/0/quic-v1"]);
    second_daemon_refused(&listening(&first, "/quic-v1"));
    let other = Repo::new();
    daemon(&other, &["/ip4/127.0.0.1/udp/0/quic-v1"]);
}
