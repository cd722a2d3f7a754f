//! The store under damage, with the real binary: a lost or damaged index, damaged blocks and segments, a full
//! disk, another local user's view of the files, and a format-1 repo (made by swarmscope 02ef151) migrated,
//! SIGKILLed in the middle and finished.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::content;
use common::swarmscope::{Repo, bin, run_with_timeout, wait_or_kill};
use swarmscope::node::block::{Block, RAW, SHA2_256};

#[path = "repo_damage/format1.rs"]
mod format1;

fn seg(repo: &Path, id: u32) -> PathBuf {
    repo.join("segments").join(format!("{id:06}.seg"))
}

fn file_with(dir: &Path, name: &str, data: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, data).unwrap();
    path.to_str().unwrap().to_string()
}

/// Flips 16 bytes in the middle of the first copy of `needle` in the repo's segment files.
fn damage(repo: &Path, needle: &[u8]) {
    for entry in std::fs::read_dir(repo.join("segments")).unwrap() {
        let path = entry.unwrap().path();
        let mut bytes = std::fs::read(&path).unwrap();
        if let Some(at) = bytes.windows(needle.len()).position(|w| w == needle) {
            for b in &mut bytes[at + needle.len() / 2..at + needle.len() / 2 + 16] {
                *b ^= 0xff;
            }
            std::fs::write(&path, bytes).unwrap();
            return;
        }
    }
    panic!("bytes not found in any segment");
}

fn stat_json(repo: &Repo) -> serde_json::Value {
    serde_json::from_str(&repo.ok(&["repo", "stat", "--json"])).unwrap()
}

#[test]
fn a_lost_or_empty_index_deletes_nothing_and_the_rebuild_brings_all_back() {
    let repo = Repo::new();
    let src = tempfile::tempdir().unwrap();
    let data = content::bytes("lost-index", 3_000_000);
    let file = file_with(src.path(), "f.bin", &data);
    let cid = repo.ok(&["add", "-Q", "--chunker", "size-262144", &file]).trim().to_string();
    let seg_len = std::fs::metadata(seg(repo.path(), 1)).unwrap().len();
    let index = repo.path().join("index.redb");
    for lose in ["remove", "empty"] {
        if lose == "remove" {
            std::fs::remove_file(&index).unwrap();
        } else {
            std::fs::write(&index, b"").unwrap();
        }
        // Today `repo stat` started an empty index and deleted every segment here.
        let err = repo.fails(&["repo", "stat"], None);
        assert!(err.contains("index.redb") && err.contains("repo verify --rebuild-index"), "{err}");
        assert_eq!(std::fs::metadata(seg(repo.path(), 1)).unwrap().len(), seg_len, "the segment is untouched");
        let out = repo.ok(&["repo", "verify", "--rebuild-index"]);
        assert!(out.contains("13 blocks") && out.contains("1 pins"), "{out}");
        assert_eq!(repo.ok(&["repo", "gc"]).trim(), "removed 0 blocks (0 bytes)", "the pin came back with the index");
        let out = repo.run(&["cat", &cid, "--offline"], None);
        assert!(out.status.success() && out.stdout == data);
    }
}

#[test]
fn damaged_index_pages_are_one_line_naming_the_file_never_a_panic() {
    let repo = Repo::new();
    let src = tempfile::tempdir().unwrap();
    let file = file_with(src.path(), "f.bin", &content::bytes("pages", 600_000));
    repo.ok(&["add", "-Q", "--chunker", "size-65536", &file]);
    let index = repo.path().join("index.redb");
    let good = std::fs::read(&index).unwrap();
    let mut refused = 0;
    for at in (4096..good.len()).step_by(4096) {
        let mut bad = good.clone();
        for b in &mut bad[at..at + 16] {
            *b ^= 0xff;
        }
        std::fs::write(&index, &bad).unwrap();
        let out = repo.run(&["repo", "stat"], None);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_ne!(out.status.code(), Some(101), "page at {at} panicked: {err}");
        assert!(!err.contains("panicked") && err.lines().count() <= 1, "page at {at}: {err}");
        if !out.status.success() {
            refused += 1;
            assert!(err.contains(&index.display().to_string()) && err.contains("--rebuild-index"), "{err}");
            // Later opens say the same (today: "Failed to repair database").
            assert_eq!(repo.fails(&["repo", "stat"], None), err.trim_end());
        }
    }
    assert!(refused > 0, "some damaged page was noticed");
    std::fs::write(&index, &good).unwrap();
    std::fs::write(&index, b"not a database at all").unwrap();
    repo.fails(&["pin", "ls"], None);
    let out = repo.ok(&["repo", "verify", "--rebuild-index"]);
    assert!(out.contains("11 blocks") && out.contains("index.redb.before-rebuild"), "{out}");
    assert!(repo.ok(&["repo", "verify"]).contains("verified 11 blocks"));
}

#[test]
fn damaged_blocks_fail_each_reader_with_one_line_then_a_re_add_repairs_them() {
    let repo = Repo::new();
    let src = tempfile::tempdir().unwrap();
    let mut cids = Vec::new();
    let mut datas = Vec::new();
    for i in 0..4 {
        let data = content::bytes(&format!("damaged-{i}"), 200_000);
        let file = file_with(src.path(), &format!("{i}.bin"), &data);
        cids.push(repo.ok(&["add", "-Q", "--chunker", "size-65536", &file]).trim().to_string());
        damage(repo.path(), &data[65536..131072]);
        datas.push(data);
    }
    let out_dir = tempfile::tempdir().unwrap();
    let out = |name: &str| out_dir.path().join(name).to_str().unwrap().to_string();
    // The second leaf of each file is damaged: each reader fails with one line (today: exit 0, bad bytes).
    let lines = [
        repo.fails(&["cat", &cids[0], "--offline"], None),
        repo.fails(&["get", &cids[1], "--offline", "-o", &out("1.bin")], None),
        repo.fails(&["dag", "export", &cids[2], "-o", &out("2.car")], None),
    ];
    for line in &lines {
        assert!(line.contains("is damaged in the store") && line.contains("do not hash"), "{line}");
    }
    let leaf = Block::from_data(cid::Version::V1, RAW, SHA2_256, datas[3][65536..131072].to_vec()).unwrap();
    let leaf = leaf.cid().to_string();
    let line = repo.fails(&["block", "get", &leaf], None);
    assert!(line.contains(&leaf) && line.contains("is damaged"), "{line}");
    let stat = stat_json(&repo);
    assert_eq!(stat["bad_blocks"], 4, "{stat}");
    // Now missing: the next read says so (and would fetch it without --offline).
    let line = repo.fails(&["cat", &cids[0], "--offline"], None);
    assert!(line.contains("not found in the local store"), "{line}");
    // Re-adding stores good copies (today the bad ones stayed).
    for (i, data) in datas.iter().enumerate() {
        repo.ok(&["add", "-Q", "--chunker", "size-65536", &file_with(src.path(), &format!("{i}.bin"), data)]);
        let cat = repo.run(&["cat", &cids[i], "--offline"], None);
        assert!(cat.status.success() && &cat.stdout == data);
    }
    assert_eq!(stat_json(&repo)["bad_blocks"], 0);
    assert!(repo.ok(&["repo", "verify"]).contains("verified 20 blocks"));
}

#[test]
fn short_and_missing_segments_let_the_repo_open_and_name_what_is_lost() {
    let repo = Repo::new();
    let src = tempfile::tempdir().unwrap();
    let data = content::bytes("short", 1_000_000);
    let file = file_with(src.path(), "f", &data);
    let cid = repo.ok(&["add", "-Q", "--chunker", "size-100000", &file]);
    let cid = cid.trim();
    let seg1 = seg(repo.path(), 1);
    let len = std::fs::metadata(&seg1).unwrap().len();
    std::fs::OpenOptions::new().write(true).open(&seg1).unwrap().set_len(len / 2).unwrap();
    // Today every command refused: "segment 000001.seg has N bytes but the index references M".
    let out = repo.run(&["repo", "stat"], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("warning: segment segments/000001.seg has") && err.contains("6 blocks"), "{err}");
    let out = repo.run(&["repo", "verify"], None);
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().filter(|l| l.starts_with("bad block ")).count(), 6, "{text}");
    // Re-adding stores the lost half again (in a new segment); then the whole first segment is lost.
    repo.ok(&["add", "-Q", "--chunker", "size-100000", &file]);
    assert!(repo.ok(&["repo", "verify"]).contains("verified 11 blocks"));
    std::fs::remove_file(&seg1).unwrap();
    let line = repo.fails(&["cat", cid, "--offline"], None);
    assert!(line.contains("segments/000001.seg is missing; 5 blocks (500000 bytes) in it cannot be read"), "{line}");
    let out = repo.run(&["repo", "stat"], None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && err.contains("segments/000001.seg is missing: 4 blocks"), "{err}");
}

#[test]
fn a_repo_made_under_umask_000_is_private() {
    let base = tempfile::tempdir().unwrap();
    let repo = base.path().join("repo");
    let file = file_with(base.path(), "f", &content::bytes("modes", 300_000));
    let sh = |cmd: &str| {
        let mut c = Command::new("sh");
        c.arg("-c").arg(format!("umask 000; exec \"$0\" --repo \"$1\" {cmd}")).arg(bin()).arg(&repo).arg(&file);
        c.env_remove("SWARMSCOPE_REPO").env("SWARMSCOPE_NO_BOOTSTRAP", "1").env("SWARMSCOPE_ROUTING_URL", "none");
        let out = run_with_timeout(c, None, Duration::from_secs(60));
        assert!(out.status.success(), "{cmd}: {}", String::from_utf8_lossy(&out.stderr));
    };
    // `id` first: it creates the directory before the store does.
    sh("id");
    sh("add -Q \"$2\"");
    sh("repo stat");
    let mut seen = 0;
    let mut stack = vec![repo.clone()];
    while let Some(p) = stack.pop() {
        let meta = std::fs::symlink_metadata(&p).unwrap();
        let mode = meta.permissions().mode() & 0o777;
        if meta.is_dir() {
            assert_eq!(mode, 0o700, "{}", p.display());
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else {
            assert_eq!(mode, 0o600, "{}", p.display());
            seen += 1;
        }
    }
    assert!(seen >= 5, "index, lock, repo.json, identity, a segment: {seen}");
}

#[test]
fn a_full_disk_add_leaves_none_of_its_blocks_behind() {
    let repo = Repo::new();
    let src = tempfile::tempdir().unwrap();
    repo.ok(&["add", "-Q", &file_with(src.path(), "small", b"before the full disk")]);
    let before = stat_json(&repo);
    let big = file_with(src.path(), "big", &content::bytes("full", 24 << 20));
    // The file size limit stands in for a full disk: writes past 8 MiB (16 MiB with bash's units) fail, after
    // the writer committed its first batches (2048 blocks each; today they stayed behind).
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg("trap '' XFSZ; ulimit -f 16384; exec \"$0\" --repo \"$1\" add -Q --chunker size-2048 \"$2\"")
        .arg(bin())
        .arg(repo.path())
        .arg(&big)
        .env("SWARMSCOPE_NO_BOOTSTRAP", "1")
        .env("SWARMSCOPE_ROUTING_URL", "none");
    let out = run_with_timeout(c, None, Duration::from_secs(120));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the add cannot succeed");
    assert!(!err.contains("could not remove the partial import"), "{err}");
    let after = stat_json(&repo);
    assert_eq!(
        (after["blocks"].clone(), after["block_bytes"].clone()),
        (before["blocks"].clone(), before["block_bytes"].clone())
    );
    assert!(repo.ok(&["repo", "verify"]).contains("verified 1 blocks"));
}

#[test]
fn a_format_1_repo_made_by_the_old_binary_is_migrated() {
    // tests/fixtures/repo-format1.tar.gz was made by swarmscope 02ef151 (format 1):
    //   add src/small.txt src/big.bin --chunker size-65536 --cid-version 1; add -r src/dir;
    //   block put (unpinned); block put + pin add --direct. The contents are regenerated below.
    let base = tempfile::tempdir().unwrap();
    let tar = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/repo-format1.tar.gz");
    let st = Command::new("tar").arg("xzf").arg(&tar).arg("-C").arg(base.path()).status().unwrap();
    assert!(st.success());
    let repo = Repo { dir: tempfile::TempDir::new_in(base.path()).unwrap() };
    std::fs::remove_dir(repo.path()).unwrap();
    std::fs::rename(base.path().join("repo"), repo.path()).unwrap();
    assert!(!repo.path().join("repo.json").exists());

    let stat = stat_json(&repo);
    assert_eq!((stat["blocks"].as_u64(), stat["block_bytes"].as_u64()), (Some(12), Some(303_522)), "{stat}");
    assert!(repo.path().join("repo.json").exists());
    let big: Vec<u8> = (0..300_000u32).map(|i| ((i * 7 + (i >> 10)) % 251) as u8).collect();
    let cat = |cid: &str| repo.run(&["cat", cid, "--offline"], None).stdout;
    assert_eq!(cat("bafybeifaj5oezafwiy7mkzwpcbqb6ye5x4typrxpr2owjqaubnchf64qxq"), big);
    assert_eq!(
        cat("bafkreigmzieh6isbpl2lazvxgk7f7x7ay4gb2hvggeybq6xb7qwpbtg7tq"),
        "hello from format 1\n".repeat(5).as_bytes()
    );
    assert_eq!(cat("bafkreidiapqz2aqfhvkbeh3jfiafc6mvl5h6pto5kz7dauvkyfbykavxt4"), b"tiny b\n");
    let pins = repo.ok(&["pin", "ls"]);
    assert_eq!(pins.lines().count(), 4, "{pins}");
    assert!(repo.ok(&["repo", "verify"]).contains("verified 12 blocks"));
    let mode = std::fs::metadata(repo.path()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "a migrated repo is private too");
    // Its segments now describe themselves: the index can be rebuilt, pins and all.
    std::fs::remove_file(repo.path().join("index.redb")).unwrap();
    let out = repo.ok(&["repo", "verify", "--rebuild-index"]);
    assert!(out.contains("12 blocks") && out.contains("4 pins"), "{out}");
    assert_eq!(repo.ok(&["repo", "gc"]).trim(), "removed 1 blocks (33 bytes)", "only the unpinned block");
}

#[test]
fn sigkill_during_migration_loses_nothing_and_the_next_open_finishes_it() {
    let repo = Repo::new();
    let written = format1::write(repo.path(), 12_000, 2000);
    // The migration writes records from segment `segments + 1` on; repo.json comes last.
    let started = seg(repo.path(), written.segments + 1);
    let mut killed_mid_way = 0;
    for delay_ms in [5u64, 15, 30, 60, 100, 150, 250, 400, 600, 900] {
        let mut child = repo.cmd(&["repo", "stat"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let status = wait_or_kill(&mut child, Duration::from_secs(30));
        if status.code().is_none() && started.exists() && !repo.path().join("repo.json").exists() {
            killed_mid_way += 1;
        }
    }
    assert!(killed_mid_way > 0, "no kill landed in the middle of the migration");
    let stat = stat_json(&repo);
    assert_eq!((stat["blocks"].as_u64(), stat["block_bytes"].as_u64()), (Some(written.blocks), Some(written.bytes)));
    let verify = repo.ok(&["repo", "verify"]);
    assert!(verify.contains(&format!("verified {} blocks", written.blocks)), "{verify}");
    assert_eq!(repo.ok(&["pin", "ls"]).lines().count(), 1);
    // gc keeps the pinned DAG (the root and its 100 leaves) and removes the rest.
    let gc = repo.ok(&["repo", "gc"]);
    assert!(gc.starts_with(&format!("removed {} blocks", written.blocks - 101)), "{gc}");
}
