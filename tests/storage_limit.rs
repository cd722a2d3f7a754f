//! A storage limit with automatic gc (issue 11 item 7; Kubo's `Datastore.StorageMax` with `daemon --enable-gc`):
//! past 90 % of the limit the daemon removes what no pin keeps; without `--enable-gc` it removes nothing; an add
//! in progress is never collected under it.

mod common;

use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::background::Background;
use common::content;
use common::swarmscope::Repo;

fn daemon(repo: &Repo, extra: &[&str]) -> Background {
    let args = [&["daemon", "--listen", "/ip4/127.0.0.1/tcp/0", "--no-mdns", "--json"], extra].concat();
    Background::start(repo.cmd(&args), Duration::from_secs(60))
}

fn block_bytes(repo: &Repo) -> u64 {
    let stat: serde_json::Value = serde_json::from_str(&repo.ok(&["repo", "stat", "--json"])).unwrap();
    stat["block_bytes"].as_u64().unwrap()
}

fn add(repo: &Repo, seed: &str, len: usize, pin: bool) -> String {
    let pin = format!("--pin={pin}");
    let out = repo.run(&["add", "-Q", &pin, "-"], Some(&content::bytes(seed, len)));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn wait_until(what: &str, timeout: Duration, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !ok() {
        assert!(Instant::now() < deadline, "{what} within {timeout:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn past_the_watermark_unpinned_blocks_go_and_pinned_ones_stay() {
    let repo = Repo::new();
    let d = daemon(&repo, &["--enable-gc", "--storage-max", "3MB"]);
    let pinned = add(&repo, "kept", 900_000, true);
    let loose = add(&repo, "loose", 1_000_000, false);
    // One chunk each (under 1 MiB): one raw block each.
    assert_eq!(block_bytes(&repo), 1_900_000, "under the 2.7 MB watermark nothing goes");
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(block_bytes(&repo), 1_900_000, "still nothing");
    add(&repo, "more", 1_000_000, false);
    wait_until("gc past the watermark", Duration::from_secs(20), || block_bytes(&repo) == 900_000);
    assert_eq!(repo.run(&["cat", "--offline", &pinned], None).stdout, content::bytes("kept", 900_000));
    assert!(repo.fails(&["cat", "--offline", &loose], None).contains("not found"));
    drop(d);

    // Without --enable-gc the limit collects nothing.
    let d = daemon(&repo, &["--storage-max", "1MB"]);
    add(&repo, "over", 1_000_000, false);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(block_bytes(&repo), 1_900_000);
    drop(d);
}

#[test]
fn an_add_in_progress_is_never_collected() {
    let repo = Repo::new();
    let _d = daemon(&repo, &["--enable-gc", "--storage-max", "1MB"]);
    // A slow add: 3 MB through stdin, past the limit long before its root is pinned.
    let mut child = repo.cmd(&["add", "-Q", "-"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    let data = content::bytes("slow", 3_000_000);
    let mut stdin = child.stdin.take().unwrap();
    for part in data.chunks(250_000) {
        stdin.write_all(part).unwrap();
        std::thread::sleep(Duration::from_millis(150));
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let cid = String::from_utf8(out.stdout).unwrap().trim().to_string();
    // gc may run now (the add is pinned): everything it wrote stays.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(repo.run(&["cat", "--offline", &cid], None).stdout, data);
    repo.ok(&["repo", "verify"]);
}
