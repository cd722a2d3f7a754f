//! Late blocks (issue 11, item 2): a peer asked us for a block we did not have (we answered DONT_HAVE and kept the
//! want), then the block was stored here. Like Kubo's server, we send it at once (a HAVE for a WANT_HAVE), not at
//! the asker's 30 s rebroadcast. Daemons and nodes on 127.0.0.1, mDNS off.

mod common;

use std::time::{Duration, Instant};

use common::background::Background;
use common::content;
use common::helia;
use common::nodes::{RawPeer, node};
use common::swarmscope::Repo;
use swarmscope::node::bitswap::message::{Message, WantType, Wantlist, WantlistEntry};
use swarmscope::node::block::{Block, RAW, SHA2_256};
use swarmscope::node::events::{EntryKind, NodeEvent};

/// Waits until the daemon's event stream shows it answered DONT_HAVE for `cid`.
fn await_dont_have(d: &Background, cid: &str) {
    await_event(d, cid, &["\"DONT_HAVE\"", "\"direction\":\"out\""]);
}

/// Waits until the daemon prints an event about `cid` holding every one of `marks`.
fn await_event(d: &Background, cid: &str, marks: &[&str]) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let Ok(line) = d.lines.recv_timeout(Duration::from_millis(100)) else { continue };
        if line.contains(cid) && marks.iter().all(|m| line.contains(m)) {
            return;
        }
    }
    panic!("the daemon never printed {marks:?} for {cid}");
}

/// `cat CID` on `asker` (through its daemon), waiting on `provider`, which gets the file only once it said
/// DONT_HAVE: the cat ends within seconds of the add, not at a rebroadcast (30 s, past the cat's 20 s timeout).
fn cat_completes_soon_after_the_add(provider: &Repo, provider_daemon: &Background, asker: &Repo, data: &[u8]) {
    let cid = String::from_utf8(provider.run(&["add", "-Q", "-n", "-"], Some(data)).stdout).unwrap().trim().to_string();
    assert!(cid.starts_with("baf"), "{cid}");
    let cat = {
        let cmd = asker.cmd(&["cat", &cid, "--timeout", "20"]);
        std::thread::spawn(move || common::swarmscope::run_with_timeout(cmd, None, Duration::from_secs(60)))
    };
    await_dont_have(provider_daemon, &cid);
    let added = Instant::now();
    let out = provider.run(&["add", "-Q", "-"], Some(data));
    assert!(out.status.success(), "add: {}", String::from_utf8_lossy(&out.stderr));
    let got = cat.join().unwrap();
    let took = added.elapsed();
    assert!(got.status.success(), "cat waited in vain: {}", String::from_utf8_lossy(&got.stderr));
    assert!(got.stdout == data, "bytes differ");
    assert!(took < Duration::from_secs(8), "the late block took {took:?}: served at a rebroadcast, not when stored");
}

#[test]
fn a_cat_waiting_on_a_daemon_ends_when_the_block_is_added_there() {
    let (a, n2) = (Repo::new(), Repo::new());
    let (da, addr_a) = a.daemon();
    let (_dn2, _) = n2.daemon();
    n2.ok(&["swarm", "connect", &addr_a]);
    // One raw block over 1 KiB: a WANT_HAVE for it is answered with a HAVE (then the asker wants the block).
    cat_completes_soon_after_the_add(&a, &da, &n2, &content::bytes("late-one-block", 300 * 1024));
}

#[test]
fn a_block_answered_dont_have_after_a_gc_is_sent_when_stored_again() {
    // The soak's failure: a DAG added, collected, wanted by a peer (DONT_HAVE), then added again.
    let (a, n2) = (Repo::new(), Repo::new());
    let (da, addr_a) = a.daemon();
    let (_dn2, _) = n2.daemon();
    n2.ok(&["swarm", "connect", &addr_a]);
    let data = content::bytes("late-after-gc", 2 * (1 << 20) + 77);
    let first = a.run(&["add", "-Q", "--pin", "false", "-"], Some(&data));
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    a.ok(&["repo", "gc"]);
    let cid = String::from_utf8(first.stdout).unwrap().trim().to_string();
    let e = a.fails(&["block", "stat", &cid], None);
    assert!(e.contains("not found") || e.contains("not in"), "{e}");
    cat_completes_soon_after_the_add(&a, &da, &n2, &data);
}

#[test]
fn a_helia_fetch_waiting_on_a_daemon_ends_when_the_block_is_added_there() {
    let a = Repo::new();
    let (da, addr_a) = a.daemon();
    // Over Helia's 1 MiB chunks: a root that arrives late, then leaves asked for as usual.
    let data = content::bytes("late-for-helia", (1 << 20) + 300 * 1024);
    let cid = String::from_utf8(a.run(&["add", "-Q", "-n", "-"], Some(&data)).stdout).unwrap().trim().to_string();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("got");
    // Helia's fetch sends WANT_BLOCK (without sendDontHave: we answer nothing) and waits up to 120 s.
    let fetch = {
        let cmd = helia::helia_fetch_cmd(&cid, &addr_a, &out);
        std::thread::spawn(move || Background::start(cmd, Duration::from_secs(60)).first.clone())
    };
    await_event(&da, &cid, &["\"WANT_BLOCK\"", "\"direction\":\"in\""]);
    let added = Instant::now();
    let out_add = a.run(&["add", "-Q", "-"], Some(&data));
    assert!(out_add.status.success(), "add: {}", String::from_utf8_lossy(&out_add.stderr));
    let report = fetch.join().expect("Helia's fetch ended within 60 s");
    let took = added.elapsed();
    assert_eq!(report["bytes"], data.len() as u64, "{report}");
    assert!(std::fs::read(&out).unwrap() == data, "bytes Helia fetched differ");
    assert!(took < Duration::from_secs(8), "the late block took {took:?}");
}

/// The node fell behind the store's notifications (`store_resync`): every peer's wants are checked against the
/// store again, so a block whose `stored` notice was lost still reaches the peer waiting for it. The test's
/// runtime has one thread and the puts run on it, so the node cannot read the notices while they pile up.
#[tokio::test(flavor = "current_thread")]
async fn after_a_store_resync_waiting_wants_are_served() {
    let mut server = node().await;
    let server_id = server.handle.peer_id();
    let mut peer = RawPeer::connect(&server.addr).await;
    let mut inbox = peer.listen("/ipfs/bitswap/1.2.0");
    let block = Block::from_data(cid::Version::V1, RAW, SHA2_256, b"stored while nobody listened".to_vec()).unwrap();
    let entry = WantlistEntry {
        block: block.cid().to_bytes(),
        priority: 1,
        cancel: false,
        want_type: WantType::Block as i32,
        send_dont_have: false,
    };
    let want = Message { wantlist: Some(Wantlist { entries: vec![entry], full: false }), ..Default::default() };
    peer.send(server_id, &want).await;
    let cid = block.cid().to_string();
    let wanted =
        |e: &NodeEvent| matches!(e, NodeEvent::Bitswap { kind: EntryKind::WantBlock, cid: c, .. } if *c == cid);
    server.expect(Duration::from_secs(15), wanted).await;
    // The wanted block first, then more commits than the notice channel holds, all before the node task runs.
    let store = server.handle.store().clone();
    store.put(&block).unwrap();
    for i in 0..(swarmscope::node::blockstore::CHANGES_CAPACITY as u32 + 20) {
        store.put(&Block::from_data(cid::Version::V1, RAW, SHA2_256, i.to_be_bytes().to_vec()).unwrap()).unwrap();
    }
    server.expect(Duration::from_secs(15), |e| matches!(e, NodeEvent::StoreResync { .. })).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let msg = tokio::time::timeout_at(deadline, inbox.recv()).await.expect("the block after the resync").unwrap();
        if msg.payload.iter().any(|b| b.data == block.data()) {
            break;
        }
    }
}

/// Kubo's answers to a late block, over the wire: a WANT_HAVE answered DONT_HAVE gets a HAVE once the block is
/// stored (the block itself when it is 1 KiB or less), a WANT_BLOCK gets the block; a want the peer cancelled gets
/// nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn late_blocks_answer_want_have_with_have_and_want_block_with_the_block() {
    use swarmscope::node::bitswap::message::BlockPresenceType;
    let server = node().await;
    let server_id = server.handle.peer_id();
    let mut peer = RawPeer::connect(&server.addr).await;
    let mut inbox = peer.listen("/ipfs/bitswap/1.2.0");
    let raw = |seed: &str, len| Block::from_data(cid::Version::V1, RAW, SHA2_256, content::bytes(seed, len)).unwrap();
    let (have, tiny, block, cancelled) = (raw("h", 4096), raw("t", 100), raw("b", 4096), raw("c", 4096));
    let entry = |b: &Block, want_type: WantType, cancel: bool| WantlistEntry {
        block: b.cid().to_bytes(),
        priority: 1,
        cancel,
        want_type: want_type as i32,
        send_dont_have: true,
    };
    let wants = [
        entry(&have, WantType::Have, false),
        entry(&tiny, WantType::Have, false),
        entry(&block, WantType::Block, false),
        entry(&cancelled, WantType::Block, false),
    ];
    peer.send(
        server_id,
        &Message { wantlist: Some(Wantlist { entries: wants.to_vec(), full: false }), ..Default::default() },
    )
    .await;
    let dont_have = BlockPresenceType::DontHave as i32;
    let mut dont_haves = 0;
    while dont_haves < wants.len() {
        let msg = tokio::time::timeout(Duration::from_secs(15), inbox.recv()).await.expect("DONT_HAVEs").unwrap();
        assert!(msg.payload.is_empty());
        dont_haves += msg.block_presences.iter().filter(|p| p.r#type == dont_have).count();
    }
    let cancel = entry(&cancelled, WantType::Block, true);
    peer.send(
        server_id,
        &Message { wantlist: Some(Wantlist { entries: vec![cancel], full: false }), ..Default::default() },
    )
    .await;
    let who = peer.peer_id.to_string();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while server.handle.wantlists().await.unwrap().theirs.get(&who).map_or(0, Vec::len) != 3 {
        assert!(tokio::time::Instant::now() < deadline, "the cancel never arrived");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    server.handle.store().put_many(&[have.clone(), tiny.clone(), block.clone(), cancelled.clone()]).unwrap();
    let (mut haves, mut blocks) = (Vec::new(), Vec::new());
    while let Ok(Some(msg)) = tokio::time::timeout(Duration::from_secs(2), inbox.recv()).await {
        haves.extend(
            msg.block_presences.iter().filter(|p| p.r#type == BlockPresenceType::Have as i32).map(|p| p.cid.clone()),
        );
        blocks.extend(msg.payload.iter().map(|b| b.data.to_vec()));
    }
    assert_eq!(haves, vec![have.cid().to_bytes()], "a HAVE for the WANT_HAVE, and only for it");
    blocks.sort();
    let mut expected = vec![tiny.data().to_vec(), block.data().to_vec()];
    expected.sort();
    assert!(blocks == expected, "the tiny block for its WANT_HAVE and the wanted block; not the cancelled one");
}
