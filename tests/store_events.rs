//! Store notifications reach the node: whatever path writes a block (CLI `block put`, `add` and `dag import` run
//! through a daemon's control socket, a Bitswap fetch), the daemon's event stream names it in exactly one `stored`
//! event. Daemons on 127.0.0.1, mDNS off.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::content;
use common::swarmscope::Repo;

fn line(repo: &Repo, args: &[&str], stdin: Option<&[u8]>) -> String {
    let out = repo.run(args, stdin);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().lines().last().unwrap_or_default().to_string()
}

#[test]
fn every_write_path_is_announced_once_in_a_stored_event() {
    let dir = tempfile::tempdir().unwrap();
    // A provider for the Bitswap fetch, and a CAR made in a third repo.
    let provider = Repo::new();
    let fetched_file = dir.path().join("fetched.bin");
    std::fs::write(&fetched_file, content::bytes("store-events-fetch", 2 * (1 << 20) + 5)).unwrap();
    let fetched = line(&provider, &["add", "-Q", fetched_file.to_str().unwrap()], None);
    let maker = Repo::new();
    let car_file = dir.path().join("in.car");
    let imported = line(&maker, &["add", "-Q", "-"], Some(&content::bytes("store-events-car", 70_000)));
    maker.ok(&["dag", "export", &imported, "-o", car_file.to_str().unwrap()]);
    let (_p, provider_addr) = provider.daemon();

    let repo = Repo::new();
    let (d, _) = repo.daemon();
    let put = line(&repo, &["block", "put"], Some(b"one block through the control socket"));
    let added = line(&repo, &["add", "-Q", "-"], Some(&content::bytes("store-events-add", 3 * (1 << 20) + 1)));
    let roots = line(&repo, &["dag", "import", car_file.to_str().unwrap()], None);
    assert!(roots.contains(&imported), "{roots}");
    line(&repo, &["dag", "fetch", &fetched, "--connect", &provider_addr, "--no-mdns", "--timeout", "30"], None);

    // Count every `stored` event naming each CID, until all four showed up (and a little longer for repeats).
    let wanted = [put.as_str(), added.as_str(), imported.as_str(), fetched.as_str()];
    let mut named: HashMap<String, usize> = HashMap::new();
    let mut stored_events = 0;
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut settle: Option<Instant> = None;
    while Instant::now() < deadline && settle.is_none_or(|t| Instant::now() < t) {
        let Ok(l) = d.lines.recv_timeout(Duration::from_millis(100)) else { continue };
        let e: swarmscope::node::events::Event = serde_json::from_str(&l).unwrap_or_else(|e| panic!("{e}: {l}"));
        if let swarmscope::node::events::NodeEvent::Stored { added, added_cids, .. } = e.kind {
            stored_events += 1;
            assert!(added >= added_cids.len() as u64);
            for c in added_cids {
                *named.entry(c).or_default() += 1;
            }
        }
        if settle.is_none() && wanted.iter().all(|c| named.contains_key(*c)) {
            settle = Some(Instant::now() + Duration::from_millis(500));
        }
    }
    for cid in wanted {
        assert_eq!(named.get(cid), Some(&1), "{cid} in {stored_events} stored events: {named:?}");
    }
    assert!(named.values().all(|n| *n == 1), "no block is announced twice: {named:?}");
}

/// A peer wants a block we do not have; the user stores it: the `stored` event says one want waits for it (the
/// hook where late blocks will be served).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_block_stored_after_a_peer_wanted_it_counts_as_wanted() {
    use swarmscope::node::bitswap::message::{Message, WantType, Wantlist, WantlistEntry};
    use swarmscope::node::block::{Block, RAW, SHA2_256};
    use swarmscope::node::events::{Direction, EntryKind, NodeEvent};
    const WAIT: Duration = Duration::from_secs(10);

    let mut node = common::nodes::node().await;
    let mut peer = common::nodes::RawPeer::connect(&node.addr).await;
    let late = Block::from_data(cid::Version::V1, RAW, SHA2_256, b"arrives late".to_vec()).unwrap();
    let other = Block::from_data(cid::Version::V1, RAW, SHA2_256, b"nobody wants it".to_vec()).unwrap();
    let entry = WantlistEntry {
        block: late.cid().to_bytes(),
        priority: 1,
        cancel: false,
        want_type: WantType::Block as i32,
        send_dont_have: false,
    };
    let msg = Message { wantlist: Some(Wantlist { entries: vec![entry], full: false }), ..Default::default() };
    peer.send(node.handle.peer_id(), &msg).await;
    node.expect(WAIT, |e| matches!(e, NodeEvent::Bitswap { direction: Direction::In, kind: EntryKind::WantBlock, .. }))
        .await;

    node.handle.store().put(&other).unwrap();
    node.handle.store().put(&late).unwrap();
    let mut seen = Vec::new();
    while seen.len() < 2 {
        match node.expect(WAIT, |e| matches!(e, NodeEvent::Stored { .. })).await {
            NodeEvent::Stored { added_cids, wanted_by, .. } => seen.push((added_cids, wanted_by)),
            _ => unreachable!(),
        }
    }
    assert_eq!(seen, vec![(vec![other.cid().to_string()], 0), (vec![late.cid().to_string()], 1)]);
}
