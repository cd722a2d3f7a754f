//! Crash safety and the repo lock, with real processes: SIGKILL in the middle of adding 256 MiB, and a second
//! process opening a repo in use.

mod common;

use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::content;
use common::swarmscope::{Repo, allocated_bytes, wait_or_kill};

const SIZE: usize = 256 * 1024 * 1024;

#[test]
fn sigkill_during_add_leaves_a_store_that_verifies_and_completes() {
    let repo = Repo::new();
    let src = tempfile::tempdir().unwrap();
    let file = src.path().join("big.bin");
    content::write_file(&file, "crash", SIZE as u64);
    let expected = String::from_utf8(repo.run(&["add", "-n", "-Q", file.to_str().unwrap()], None).stdout).unwrap();
    let expected = expected.trim().to_string();
    assert!(expected.starts_with("bafy"), "{expected}");

    // Feed the file through stdin so the add is certainly still running when it is killed.
    let mut child = repo
        .cmd(&["add", "-Q", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let data = std::fs::read(&file).unwrap();
    let pump = std::thread::spawn(move || {
        for piece in data.chunks(64 * 1024) {
            if stdin.write_all(piece).is_err() {
                return; // the child died: expected
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    // Past 100 MiB appended, at least one batch (64 MiB) has committed and another is being written.
    while allocated_bytes(&repo.path().join("segments")) < 100 * 1024 * 1024 {
        assert!(Instant::now() < deadline, "add made no progress");
        assert!(child.try_wait().unwrap().is_none(), "add ended before it could be killed");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    pump.join().unwrap();

    // It opens, every stored block verifies, some but not all of the file is there.
    let report: serde_json::Value = serde_json::from_str(&repo.ok(&["repo", "verify", "--json"])).unwrap();
    assert_eq!(report["bad"].as_array().unwrap().len(), 0, "{report}");
    let checked = report["checked"].as_u64().unwrap();
    assert!(checked > 0 && checked < 257, "blocks after the kill: {checked}");

    // Adding again completes with the same root, and the content reads back whole.
    let again = repo.ok(&["add", "-Q", file.to_str().unwrap()]);
    assert_eq!(again.trim(), expected);
    repo.ok(&["repo", "verify"]);
    let dest = src.path().join("out.bin");
    repo.ok(&["get", &expected, "-o", dest.to_str().unwrap()]);
    assert!(std::fs::read(&dest).unwrap() == std::fs::read(&file).unwrap(), "content differs after recovery");
}

#[test]
fn a_second_process_is_told_who_holds_the_repo() {
    let repo = Repo::new();
    repo.ok(&["repo", "stat"]); // create it
    // An add reading from a stdin that stays open holds the repo.
    let mut holder = repo.cmd(&["add", "-"]).stdin(Stdio::piped()).stdout(Stdio::null()).spawn().unwrap();
    let mut stdin = holder.stdin.take().unwrap();
    stdin.write_all(b"some data").unwrap();
    // Wait until the holder has taken the lock (it then writes its pid into repo.lock), so that the check below
    // cannot race it for the lock.
    let deadline = Instant::now() + Duration::from_secs(30);
    let pid = holder.id().to_string();
    while !std::fs::read_to_string(repo.path().join("repo.lock")).unwrap_or_default().contains(&format!("pid {pid}:")) {
        assert!(Instant::now() < deadline, "the holder never took the lock");
        assert!(holder.try_wait().unwrap().is_none(), "the holder exited early");
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = repo.run(&["repo", "stat"], None);
    assert!(!out.status.success(), "a second process opened a repo in use");
    let line = String::from_utf8(out.stderr).unwrap();
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(line.contains("in use by") && line.contains(&holder.id().to_string()), "{line}");
    assert!(line.contains("add"), "names the holder's command: {line}");
    drop(stdin); // EOF: the holder finishes normally
    assert!(wait_or_kill(&mut holder, Duration::from_secs(30)).success());
    repo.ok(&["repo", "verify"]);
}
