//! Crashes and misbehaving peers while content moves: a SIGKILL in the middle of a network fetch, and a peer that
//! never reads what it asked for while a well-behaved peer fetches at the same time.

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::background::Background;
use common::nodes::{RawPeer, node};
use common::swarmscope::{Repo, allocated_bytes};
use swarmscope::node::bitswap::message::{Message, WantType, Wantlist, WantlistEntry};
use swarmscope::node::dag::importer::import_file;
use swarmscope::node::dag::profile::ImportOptions;
use swarmscope::node::fetch::fetch_dag;
use swarmscope::node::op::OpId;

#[test]
fn sigkill_during_a_fetch_leaves_verified_blocks_and_the_fetch_resumes() {
    let server = Repo::new();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.bin");
    common::content::write_file(&file, "resume", 256 << 20);
    let cid = server.ok(&["add", "-Q", "--profile", "kubo", file.to_str().unwrap()]).trim().to_string();
    let cmd = server.cmd(&["daemon", "--listen", "/ip4/127.0.0.1/tcp/0", "--no-mdns", "--json"]);
    let daemon = Background::start(cmd, Duration::from_secs(60));
    let addr = daemon.first["listen"][0].as_str().unwrap().to_string();

    let client = Repo::new();
    let out = dir.path().join("out.bin");
    let mut get = client
        .cmd(&["get", &cid, "--connect", &addr, "--no-mdns", "--timeout", "120", "-o", out.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while allocated_bytes(&client.path().join("segments")) < 80 << 20 {
        assert!(Instant::now() < deadline, "the fetch made no progress");
        assert!(get.try_wait().unwrap().is_none(), "the fetch ended before it could be killed");
        std::thread::sleep(Duration::from_millis(2));
    }
    get.kill().unwrap(); // SIGKILL
    get.wait().unwrap();

    let report: serde_json::Value = serde_json::from_str(&client.ok(&["repo", "verify", "--json"])).unwrap();
    assert!(report["bad"].as_array().unwrap().is_empty(), "nothing unverified was written: {report}");
    let kept = report["checked"].as_u64().unwrap();
    assert!(kept > 0, "some blocks were stored before the kill");

    let again: serde_json::Value = serde_json::from_str(&client.ok(&[
        "get",
        &cid,
        "--connect",
        &addr,
        "--no-mdns",
        "--timeout",
        "120",
        "--json",
        "-o",
        out.to_str().unwrap(),
    ]))
    .unwrap();
    let (blocks, fetched) = (again["blocks"].as_u64().unwrap(), again["fetched_blocks"].as_u64().unwrap());
    assert!(fetched < blocks && fetched + kept >= blocks, "the second fetch resumed: {again}, {kept} kept");
    let mut f = std::fs::File::open(&out).unwrap();
    let mut expected = std::fs::File::open(&file).unwrap();
    assert!(same(&mut f, &mut expected), "the resumed file differs");
}

fn same(a: &mut impl std::io::Read, b: &mut impl std::io::Read) -> bool {
    let (mut x, mut y) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    loop {
        let n = a.read(&mut x).unwrap();
        let mut m = 0;
        while m < n {
            let k = b.read(&mut y[m..n]).unwrap();
            if k == 0 {
                return false;
            }
            m += k;
        }
        if n == 0 {
            return b.read(&mut y).unwrap() == 0;
        }
        if x[..n] != y[..n] {
            return false;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_never_reads_does_not_slow_a_good_one() {
    let server = node().await;
    let data = common::content::bytes("stall", 16 << 20);
    let opts = ImportOptions { chunk_size: 256 * 1024, ..ImportOptions::unixfs_v1_2025() };
    let mut writer = server.handle.store().writer();
    let root = import_file(&data[..], &opts, &mut writer, &mut |_| {}).unwrap().cid;
    writer.finish().unwrap();
    let leaves: Vec<cid::Cid> = {
        let block = server.handle.store().get(&root).unwrap().unwrap();
        swarmscope::node::dag::pb::links(&root, &block).unwrap()
    };

    // The hostile peer asks for every block and never reads the answers.
    let mut hostile = RawPeer::connect(&server.addr).await;
    hostile.hold("/ipfs/bitswap/1.2.0");
    let entries = leaves
        .iter()
        .map(|c| WantlistEntry {
            block: c.to_bytes(),
            priority: 1,
            cancel: false,
            want_type: WantType::Block as i32,
            send_dont_have: false,
        })
        .collect();
    let msg = Message { wantlist: Some(Wantlist { entries, full: true }), ..Default::default() };
    hostile.send_on(server.handle.peer_id(), "/ipfs/bitswap/1.2.0", &msg).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    let good = node().await;
    good.handle.dial(server.addr.clone()).await.unwrap();
    let started = Instant::now();
    let stats = tokio::time::timeout(Duration::from_secs(20), fetch_dag(&good.handle, root, OpId::next(), &mut |_| {}))
        .await
        .expect("the good peer's fetch completes while the other peer stalls")
        .unwrap();
    assert_eq!(stats.fetched_blocks, leaves.len() as u64 + 1);
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    let ledgers = server.handle.ledgers().await.unwrap();
    assert_eq!(ledgers[&good.handle.peer_id()].blocks_sent, leaves.len() as u64 + 1);
    let stalled = ledgers.get(&hostile.peer_id).map_or(0, |l| l.blocks_sent);
    assert!(stalled < leaves.len() as u64, "the hostile peer really stalled its stream ({stalled} blocks got through)");
}
