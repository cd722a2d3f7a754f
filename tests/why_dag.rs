//! `swarmscope why ROOT --json` for a DAG get through a daemon (issue 14): the blocks it still waits for with their
//! reasons, how many it cannot want yet because their parents have not arrived (known links queued beyond the
//! window, and pending blocks whose links are unknown), and after the get the per-block rows with the critical path.
//! A scripted peer on 127.0.0.1 serves what the test tells it to and stays silent on the rest.

mod common;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::nodes::RawPeer;
use common::swarmscope::Repo;
use libp2p::PeerId;
use swarmscope::node::bitswap::message::{Message, PayloadBlock};
use swarmscope::node::bitswap::protocol::prefix_of;
use swarmscope::node::block::{Block, DAG_PB, SHA2_256};
use swarmscope::node::dag::pb::{Link, Node};

const WAIT: Duration = Duration::from_secs(30);

/// A dag-pb block linking to `links`.
fn pb(seed: &str, links: &[&Block]) -> Block {
    let node = Node {
        data: Some(bytes::Bytes::from(seed.as_bytes().to_vec())),
        links: links.iter().map(|b| Link { cid: *b.cid(), name: String::new(), tsize: Some(1) }).collect(),
    };
    Block::from_data(cid::Version::V1, DAG_PB, SHA2_256, node.encode()).unwrap()
}

/// A `dag fetch` through the daemon, killed (by PID) when dropped.
struct Fetch(Child);

impl Drop for Fetch {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn fetch(repo: &Repo, root: &str) -> Fetch {
    let mut cmd = repo.cmd(&["dag", "fetch", root, "--timeout", "60"]);
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    Fetch(cmd.spawn().expect("spawn dag fetch"))
}

/// Asks `why` until `pred` holds (or fails after [`WAIT`] with the last answer).
fn why_until(repo: &Repo, cid: &str, pred: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let v = repo.json(&["why", cid, "--json"]);
        if pred(&v) {
            return v;
        }
        assert!(Instant::now() < deadline, "why {cid} never held; last: {v}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Serves every block of `blocks` the node asks for, as often as asked.
async fn serve(peer: &mut RawPeer, node: PeerId, frames: &mut tokio::sync::mpsc::Receiver<Message>, blocks: &[Block]) {
    while let Some(msg) = frames.recv().await {
        let asked = msg.wantlist.map(|w| w.entries).unwrap_or_default();
        let payload: Vec<PayloadBlock> = blocks
            .iter()
            .filter(|b| asked.iter().any(|e| !e.cancel && e.block == b.cid().to_bytes()))
            .map(|b| PayloadBlock { prefix: prefix_of(b.cid()), data: b.data().clone() })
            .collect();
        if !payload.is_empty() {
            peer.send(node, &Message { payload, ..Default::default() }).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_dag_get_says_what_it_waits_for_and_what_is_not_wanted_yet() {
    let repo = Repo::new();
    let (daemon, addr) = repo.daemon();
    let node: PeerId = daemon.first["peer_id"].as_str().unwrap().parse().unwrap();
    // root → 100 inner dag-pb nodes; the first 2 inner nodes → 1 leaf each. The peer serves the root, the first two
    // inner nodes and their leaves, then stalls: 64 wanted at once, the rest known and queued.
    let leaves: Vec<Block> = (0..2).map(|i| pb(&format!("leaf {i}"), &[])).collect();
    let inner: Vec<Block> = (0..100)
        .map(|i| if i < 2 { pb(&format!("inner {i}"), &[&leaves[i]]) } else { pb(&format!("inner {i}"), &[]) })
        .collect();
    let root = pb("root", &inner.iter().collect::<Vec<_>>());
    let served: Vec<Block> =
        [root.clone()].into_iter().chain(inner[..2].iter().cloned()).chain(leaves.clone()).collect();
    let mut peer = RawPeer::connect(&addr.parse().unwrap()).await;
    let mut frames = peer.listen("/ipfs/bitswap/1.2.0");
    peer.send(node, &Message::default()).await; // says it speaks Bitswap: it gets our wantlist
    let control_peer = peer.peer_id.to_string();
    let server = tokio::spawn(async move { serve(&mut peer, node, &mut frames, &served).await });

    let root_cid = root.cid().to_string();
    let fetching = fetch(&repo, &root_cid);
    // The fetch refills its window in batches (main's REFILL), so how many of the served blocks came before it
    // stalls varies: wait until it stalled with a full window, then check the counts add up.
    let v = why_until(&repo, &root_cid, |v| {
        v["dag"]["arrived"].as_u64() >= Some(3) && v["blocks"].as_array().is_some_and(|b| b.len() >= 56)
    });
    let dag = &v["dag"];
    assert_eq!(dag["done"], false, "{v}");
    let (arrived, pending, queued) =
        (dag["arrived"].as_u64().unwrap(), dag["pending"].as_u64().unwrap(), dag["queued"].as_u64().unwrap());
    assert_eq!(pending, v["blocks"].as_array().unwrap().len() as u64, "the pending blocks are listed: {v}");
    // Every block that came has its links known: what did not come is either wanted or queued.
    assert_eq!(arrived + pending + queued, 103, "{v}");
    assert!(queued >= 34 && pending <= 64, "known links wait beyond the window of 64: {v}");
    assert_eq!(dag["unknown_under"], pending, "every pending block is dag-pb: its links are not known yet: {v}");
    let rows = dag["rows"].as_array().unwrap();
    assert_eq!(rows.len() as u64, arrived, "{v}");
    let inner: Vec<&serde_json::Value> = rows.iter().filter(|r| r["parent"] == root_cid).collect();
    assert!(!inner.is_empty() && inner.iter().all(|r| r["from"] == control_peer), "first sender named: {v}");
    assert_eq!(dag["critical"][0], root_cid, "{v}");
    for b in v["blocks"].as_array().unwrap() {
        assert!(b["reason"].is_string(), "each pending block has its reason: {b}");
    }
    let text = repo.ok(&["why", &root_cid]);
    assert!(text.contains(&format!("{queued} known links queued beyond the window")), "{text}");
    assert!(text.contains(&format!("the children of {pending} pending blocks")), "{text}");
    // Cancelled (the client goes, the daemon drops the fetch): the DAG says it ended, with the blocks that came.
    drop(fetching);
    let v = why_until(&repo, &root_cid, |v| v["dag"]["done"] == true);
    assert_eq!((v["dag"]["pending"].as_u64(), v["dag"]["arrived"].as_u64()), (Some(0), Some(arrived)), "{v}");
    server.abort();
}
