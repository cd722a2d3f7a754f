//! Reproviding after a restart (issue 12 part 5): content added while no node ran is announced by the next daemon
//! once it has DHT peers, so others find it. Every daemon passes `--no-bootstrap` (through `Repo::cmd`) and names
//! its own `--bootstrap`; everything listens on 127.0.0.1.

mod common;

use std::time::Duration;

use common::swarmscope::Repo;

#[test]
fn content_stored_before_the_daemon_started_is_announced() {
    let (hub_repo, provider_repo) = (Repo::new(), Repo::new());
    // Stored with no node running: nothing can be announced now.
    let file = provider_repo.path().join("old.bin");
    common::content::write_file(&file, "reprovide", 3_000_000); // 3 leaves of 1 MiB under a dag-pb root
    let cid = provider_repo.ok(&["add", "-Q", file.to_str().unwrap()]).trim().to_string();
    let out = provider_repo.run(&["block", "put"], Some(b"not pinned, not announced"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let unpinned = String::from_utf8_lossy(&out.stdout).trim().to_string();

    let (_hub, hub_addr) = hub_repo.dht_daemon(None);
    let (_provider, provider_addr) = provider_repo.dht_daemon(Some(&hub_addr));
    let provider_id = provider_addr.rsplit('/').next().unwrap().to_string();

    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let out = hub_repo.run(&["routing", "findprovs", &cid, "-n", "1"], None);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        if text.contains(&provider_id) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the pinned root was never announced: {text}");
        std::thread::sleep(Duration::from_millis(300));
    }
    // The default strategy (roots) covers pinned roots only: the unpinned block was not announced.
    let out = hub_repo.run(&["routing", "findprovs", &unpinned, "-n", "1"], None);
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&provider_id), "an unpinned block was announced");

    // `routing provide -r`: every block under the root; a leaf is then findable too.
    let explored = provider_repo.ok(&["dag", "explore", &cid]);
    let second: serde_json::Value = serde_json::from_str(explored.lines().nth(1).unwrap()).unwrap();
    let leaf = second["cid"].as_str().unwrap().to_string();
    let out = hub_repo.run(&["routing", "findprovs", &leaf, "-n", "1"], None);
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&provider_id), "a leaf was announced before -r");
    let provided = provider_repo.ok(&["routing", "provide", "-r", &cid]);
    assert!(provided.starts_with(&format!("provided {cid} and the 3 blocks under it to ")), "{provided}");
    let out = hub_repo.run(&["routing", "findprovs", &leaf, "-n", "1"], None);
    assert!(String::from_utf8_lossy(&out.stdout).contains(&provider_id), "the leaf is not findable after -r");
    // A DAG with a block missing is refused in one line.
    let e = provider_repo
        .fails(&["routing", "provide", "-r", "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"], None);
    assert!(e.contains("not in the repo"), "{e}");
}
