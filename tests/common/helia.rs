//! Runs the Node.js Helia harness of `tests/interop` (pinned Helia packages): its importer, its CAR export and
//! import. A missing `node` fails the test loudly; it never skips.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Once;
use std::time::Duration;

use super::swarmscope::run_with_timeout;

pub fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

/// Installs the npm packages once per test process (a no-op when they are up to date).
pub fn ensure_installed() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let out = run_with_timeout(Command::new(interop_dir().join("install.sh")), None, Duration::from_secs(600));
        assert!(
            out.status.success(),
            "tests/interop/install.sh failed (Node.js and npm are required): {}",
            String::from_utf8_lossy(&out.stderr)
        );
    });
}

/// Runs `node SCRIPT ARGS…` in the harness directory and parses its one JSON line.
fn node(script: &str, args: &[&str]) -> serde_json::Value {
    ensure_installed();
    let mut cmd = Command::new("node");
    cmd.current_dir(interop_dir()).arg(script).args(args);
    let out = run_with_timeout(cmd, None, Duration::from_secs(300));
    assert!(out.status.success(), "node {script} {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("node {script}: bad JSON ({e})"))
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// The CID Helia's importer gives a file or a directory tree under `profile` ("default", "helia" or "kubo").
pub fn helia_add(path: &Path, profile: &str) -> String {
    node("add.mjs", &["--profile", profile, s(path)])["cid"].as_str().expect("cid").to_string()
}

/// The CIDs Helia's importer gives each of `paths` under `profile`, with more of `add.mjs`'s flags (`--chunker`,
/// `--layout`, `--max-links`, `--wrap`): one Node.js process for them all.
pub fn helia_add_all(paths: &[&Path], profile: &str, flags: &[&str]) -> Vec<String> {
    let mut args = vec!["--profile", profile];
    args.extend_from_slice(flags);
    args.extend(paths.iter().map(|p| s(p)));
    node("add.mjs", &args)["cids"]
        .as_array()
        .expect("cids")
        .iter()
        .map(|c| c.as_str().expect("cid").to_string())
        .collect()
}

/// Imports `path` with Helia and writes its DAG as a CAR with @helia/car; returns the root.
pub fn helia_car_export(path: &Path, profile: &str, out: &Path) -> String {
    node("car-export.mjs", &["--profile", profile, s(path), s(out)])["root"].as_str().expect("root").to_string()
}

/// Imports a CAR into Helia with @helia/car and reads its first root back as a file into `out`; returns the roots.
pub fn helia_car_import(car: &Path, out: &Path) -> Vec<String> {
    node("car-import.mjs", &[s(car), s(out)])["roots"]
        .as_array()
        .expect("roots")
        .iter()
        .map(|r| r.as_str().expect("root").to_string())
        .collect()
}

/// A Helia Bitswap peer serving `path` (imported under `profile`) on 127.0.0.1; its first line holds `cid` and
/// `addrs`. Killed when dropped.
pub fn helia_serve(path: &Path, profile: &str) -> super::background::Background {
    ensure_installed();
    let mut cmd = Command::new("node");
    cmd.current_dir(interop_dir()).args(["peer.mjs", "serve", "--profile", profile, s(path)]);
    super::background::Background::start(cmd, Duration::from_secs(60))
}

/// The command of a Helia peer fetching `cid` from `addr` into `out`, for a test that does more while the fetch
/// runs (start it with `Background`: its one line, `{bytes, ms}`, comes when the fetch ends).
pub fn helia_fetch_cmd(cid: &str, addr: &str, out: &Path) -> Command {
    ensure_installed();
    let mut cmd = Command::new("node");
    cmd.current_dir(interop_dir()).args(["peer.mjs", "fetch", cid, addr, s(out)]);
    cmd
}

/// A Helia peer fetching `cid` from `addr` into `out`; returns its `{bytes, ms}`.
pub fn helia_fetch(cid: &str, addr: &str, out: &Path) -> serde_json::Value {
    node("peer.mjs", &["fetch", cid, addr, s(out)])
}
