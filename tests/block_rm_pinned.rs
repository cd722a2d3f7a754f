//! `block rm` keeps what a pin needs, as Kubo does ("pinned: direct", "pinned via ROOT"): removing such a block
//! used to print `removed`, exit 0, and break every later `repo gc` and `pin add` of that DAG.

mod common;

use common::content;
use common::swarmscope::Repo;

#[test]
fn block_rm_refuses_pinned_blocks_and_gc_keeps_working() {
    let repo = Repo::new();
    let file = repo.path().parent().unwrap().join(format!("pinned-{}", std::process::id()));
    std::fs::write(&file, content::bytes("pinned", 3 * 1024 * 1024 + 7)).unwrap();
    let out = repo.ok(&["add", "-Q", file.to_str().unwrap()]);
    let root = out.trim().to_string();
    let _ = std::fs::remove_file(&file);

    let refs: Vec<String> = repo
        .ok(&["dag", "explore", &root])
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["cid"].as_str().unwrap().to_string())
        .collect();
    assert!(refs.len() >= 4, "a root and its leaves: {refs:?}");
    let leaf = refs.iter().find(|c| **c != root).unwrap();

    // A leaf inside the recursively pinned DAG, and the pinned root itself: kept, one line each, exit non-zero.
    let err = repo.fails(&["block", "rm", leaf], None);
    assert!(err.contains(&format!("cannot remove {leaf}: pinned via {root}")), "{err}");
    let err = repo.fails(&["block", "rm", &root], None);
    assert!(err.contains("pinned: recursive"), "{err}");
    assert!(repo.ok(&["pin", "ls"]).contains(&root));

    // gc and pin add still work on the whole DAG, and the content reads back.
    repo.ok(&["repo", "gc"]);
    repo.ok(&["pin", "add", &root]);
    assert_eq!(repo.run(&["cat", "--offline", &root], None).stdout.len(), 3 * 1024 * 1024 + 7);

    // An unpinned block goes; a direct pin keeps its block.
    let loose = repo.run(&["block", "put"], Some(b"loose bytes"));
    let loose = String::from_utf8(loose.stdout).unwrap().trim().to_string();
    assert!(repo.ok(&["block", "rm", &loose]).contains(&format!("removed {loose}")));
    let direct = repo.run(&["block", "put"], Some(b"direct bytes"));
    let direct = String::from_utf8(direct.stdout).unwrap().trim().to_string();
    repo.ok(&["pin", "add", "--direct", &direct]);
    assert!(repo.fails(&["block", "rm", &direct], None).contains("pinned: direct"));

    // Several at once: what is free goes, what is pinned stays, the exit code says so.
    let out = repo.run(&["block", "rm", leaf, &loose], None);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("pinned via") && err.contains("not found"), "{err}");

    // Once unpinned, Kubo's `block rm` works again.
    repo.ok(&["pin", "rm", &root]);
    assert!(repo.ok(&["block", "rm", leaf]).contains("removed"));
}
