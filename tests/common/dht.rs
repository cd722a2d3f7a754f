//! A js Kademlia DHT of Helia nodes on 127.0.0.1 (`tests/interop/dht.mjs`): started once, driven by JSON commands on
//! its stdin, killed when dropped.

use std::io::Write;
use std::process::Command;
use std::time::Duration;

use libp2p::Multiaddr;

use super::background::Background;
use super::helia::{ensure_installed, interop_dir};

pub struct HeliaDht {
    bg: Background,
    /// Each node's peer id and listen addresses.
    pub nodes: Vec<(String, Vec<String>)>,
}

impl HeliaDht {
    /// `n` js DHT server nodes joined into one DHT.
    pub fn start(n: usize) -> Self {
        ensure_installed();
        let mut cmd = Command::new("node");
        cmd.current_dir(interop_dir()).args(["dht.mjs", "net", &n.to_string()]);
        let bg = Background::start(cmd, Duration::from_secs(90));
        let nodes = bg.first["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| {
                let peer = n["peer_id"].as_str().expect("peer_id").to_string();
                let addrs = n["addrs"].as_array().expect("addrs").iter().map(|a| a.as_str().unwrap().to_string());
                (peer, addrs.collect())
            })
            .collect();
        Self { bg, nodes }
    }

    /// Node `i`'s first address with its `/p2p/` peer id: a bootstrap address.
    pub fn addr(&self, i: usize) -> Multiaddr {
        let (peer, addrs) = &self.nodes[i];
        let a = &addrs[0];
        if a.contains("/p2p/") { a.parse().unwrap() } else { format!("{a}/p2p/{peer}").parse().unwrap() }
    }

    /// Sends one command and waits up to `timeout` for its answer; an `error` answer fails the test.
    pub fn ask(&mut self, cmd: serde_json::Value, timeout: Duration) -> serde_json::Value {
        let stdin = self.bg.stdin.as_mut().expect("stdin");
        writeln!(stdin, "{cmd}").expect("write a command");
        stdin.flush().unwrap();
        let line = self.bg.lines.recv_timeout(timeout).unwrap_or_else(|_| panic!("no answer to {cmd} in {timeout:?}"));
        let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("bad answer ({e}): {line}"));
        assert!(v.get("error").is_none(), "{cmd} failed: {}", v["error"]);
        v
    }
}
