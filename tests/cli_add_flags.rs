//! `add`'s flags a Kubo user reaches for (issue 11 items 7 and 9), through the CLI: `-w`, `--trickle`,
//! `--chunker rabin…` and `--hash`. CIDs are compared with Helia's importer run at test time
//! (`tests/interop/add.mjs`), in the default and in Kubo's profile; `--hash` against a CID computed here.

mod common;

use std::path::Path;

use common::content;
use common::helia::helia_add_all;
use common::swarmscope::Repo;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `add -Q` with `flags` under `profile` (swarmscope's name for it).
fn add(repo: &Repo, profile: &str, flags: &[&str], path: &Path) -> String {
    let profile = if profile == "kubo" { "kubo" } else { "unixfs-v1-2025" };
    repo.ok(&[&["add", "-Q", "--profile", profile], flags, &[s(path)]].concat()).trim().to_string()
}

#[test]
fn rabin_trickle_and_wrap_give_helias_cids() {
    let tmp = tempfile::tempdir().unwrap();
    let big = tmp.path().join("big.bin");
    std::fs::write(&big, content::bytes("rabin-cli", 3 * 1024 * 1024 + 17)).unwrap();
    let small = tmp.path().join("hello.txt");
    std::fs::write(&small, b"Hello Bitswap from Rust Helia").unwrap();
    let leaves = tmp.path().join("leaves.bin");
    // 1,101 leaves of 1 KiB: more than a node's links in both profiles (1024 and 174), so the layouts differ.
    std::fs::write(&leaves, content::bytes("trickle-cli", 1100 * 1024 + 3)).unwrap();
    let repo = Repo::new();
    for profile in ["default", "kubo"] {
        // (our flags, Helia's flags, file)
        let cases: [(&[&str], &[&str], &Path); 5] = [
            (&["--chunker", "rabin"], &["--chunker", "rabin-262144"], &big),
            (&["--chunker", "rabin-65536"], &["--chunker", "rabin-65536"], &big),
            (&["--chunker", "rabin-16384-65536-131072"], &["--chunker", "rabin-16384-65536-131072"], &big),
            (&["--trickle", "--chunker", "size-1024"], &["--layout", "trickle", "--chunker", "size-1024"], &leaves),
            (&["-w"], &["--wrap", "true"], &small),
        ];
        for (ours, helias, file) in cases {
            let want = &helia_add_all(&[file], profile, helias)[0];
            let got = add(&repo, profile, ours, file);
            assert_eq!(&got, want, "{profile} {ours:?}");
        }
        let balanced = add(&repo, profile, &["--chunker", "size-1024"], &leaves);
        let trickle = add(&repo, profile, &["--trickle", "--chunker", "size-1024"], &leaves);
        assert_ne!(balanced, trickle, "{profile}: --trickle changes the layout");
    }
    // The wrapper is the one root, printed last and pinned; the file is inside under its name.
    let out = repo.ok(&["add", "-w", s(&small)]);
    let lines: Vec<&str> = out.lines().collect();
    let wrapper = lines.last().unwrap().split_whitespace().nth(1).unwrap();
    assert!(lines[0].ends_with(" hello.txt"), "{out}");
    assert_eq!(repo.ok(&["cat", &format!("{wrapper}/hello.txt"), "--offline"]), "Hello Bitswap from Rust Helia");
    assert!(repo.ok(&["pin", "ls"]).contains(wrapper));
}

#[test]
fn hash_picks_the_multihash_and_implies_cid_version_1() {
    use sha2::Digest;
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("one-chunk.txt");
    let data = b"hashed with sha2-512";
    std::fs::write(&file, data).unwrap();
    // One chunk is one raw block: its CID is CIDv1, raw, sha2-512 (0x13) of the bytes, in both profiles (a hash
    // other than sha2-256 moves Kubo's profile to CIDv1 and raw leaves, as Kubo does).
    let digest = sha2::Sha512::digest(data);
    let want = cid::Cid::new_v1(0x55, multihash::Multihash::<64>::wrap(0x13, &digest).unwrap()).to_string();
    let repo = Repo::new();
    for profile in ["default", "kubo"] {
        assert_eq!(add(&repo, profile, &["--hash", "sha2-512"], &file), want, "{profile}");
    }
    let blake3 = add(&repo, "default", &["--hash", "blake3"], &file);
    let info: serde_json::Value = serde_json::from_str(&repo.ok(&["cid", "inspect", "--json", &blake3])).unwrap();
    assert_eq!((info["version"].as_u64(), info["multihash"]["name"].as_str()), (Some(1), Some("blake3")));
    assert_eq!(repo.ok(&["cat", &blake3, "--offline"]).as_bytes(), data);
    let e = repo.fails(&["add", "--hash", "sha2-512", "--cid-version", "0", s(&file)], None);
    assert!(e.contains("CIDv0 only supports sha2-256"), "{e}");
    let e = repo.fails(&["add", "--hash", "md5", s(&file)], None);
    assert!(e.contains("unsupported hash \"md5\""), "{e}");
}

#[test]
fn help_lists_the_profiles_and_the_new_flags() {
    let help = Repo::new().ok(&["add", "--help"]);
    for needle in ["unixfs-v1-2025", "helia", "legacy-cid-v0", "--wrap-with-directory", "--trickle", "--hash", "rabin"]
    {
        assert!(help.contains(needle), "{needle} missing from add --help");
    }
}
