//! The control socket's promises, against a real daemon process on 127.0.0.1 (`--no-mdns`): streamed output stops
//! at the caller's cap (the daemon does not read a 64 MiB file to send 16 KiB), a caller that goes away or cancels
//! stops its command (a `get` stops wanting, an `add` leaves no block), and another user is refused even when the
//! daemon runs under umask 000.

mod common;

use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::background::Background;
use common::swarmscope::{Repo, allocated_bytes, bin};
use swarmscope::control::client::Client;
use swarmscope::node::dag::resolver::IpfsPath;
use swarmscope::ops::request::FetchOptions;
use swarmscope::ops::{Call, Cancelled, Observer, OpEvent, OpId, Outcome, Request};
use tokio_util::sync::CancellationToken;

/// What a daemon-run command streamed back.
#[derive(Default)]
struct Collect {
    output: Vec<u8>,
}

impl Observer for Collect {
    fn event(&mut self, _: OpId, _: OpEvent) -> std::io::Result<()> {
        Ok(())
    }

    fn output(&mut self, data: &[u8]) -> std::io::Result<()> {
        self.output.extend_from_slice(data);
        Ok(())
    }
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// A CID nobody has.
const NOWHERE: &str = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";

fn wanted(repo: &Repo) -> bool {
    repo.ok(&["bitswap", "wantlist", "--json"]).contains(NOWHERE)
}

fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "{what} did not happen within {timeout:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_capped_cat_through_the_daemon_reads_16_kib_not_the_file() {
    let repo = Repo::new();
    let file = repo.path().join("big.bin");
    common::content::write_file(&file, "capped", 64 << 20);
    let cid = repo.ok(&["add", "-Q", file.to_str().unwrap()]).trim().to_string();
    std::fs::remove_file(&file).unwrap();
    let d = repo.daemon().0;
    let client = Client::connect(repo.path()).unwrap().expect("the daemon listens");
    let before = rss_kib(d.child.id());
    let call = Call {
        request: Request::Cat {
            path: IpfsPath::parse(&cid).unwrap(),
            fetch: FetchOptions { offline: true, ..Default::default() },
            offset: 0,
            length: None,
        },
        cwd: repo.path().to_path_buf(),
        output_cap: Some(16 * 1024),
    };
    let mut seen = Collect::default();
    let outcome = client.run(call, None, None, &mut seen).unwrap();
    assert!(matches!(outcome, Outcome::Streamed { bytes: 16384, truncated: true }), "{outcome:?}");
    assert_eq!(seen.output, common::content::bytes("capped", 16 * 1024));
    let grown = rss_kib(d.child.id()).saturating_sub(before);
    assert!(grown < 16 * 1024, "the daemon grew by {grown} KiB for a 16 KiB preview of 64 MiB");
}

#[test]
fn a_get_whose_client_is_killed_stops_wanting() {
    let repo = Repo::new();
    let _d = repo.daemon().0;
    let mut get =
        repo.cmd(&["get", NOWHERE, "--timeout", "120"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    wait_until("the want", Duration::from_secs(20), || wanted(&repo));
    get.kill().unwrap(); // SIGKILL: the socket closes, nothing is said
    get.wait().unwrap();
    wait_until("the want's withdrawal", Duration::from_secs(5), || !wanted(&repo));
}

#[test]
fn an_explicit_cancel_stops_a_get() {
    let repo = Repo::new();
    let _d = repo.daemon().0;
    let client = Client::connect(repo.path()).unwrap().expect("the daemon listens");
    let cancel = CancellationToken::new();
    let token = cancel.clone();
    let call =
        Call::here(Request::DagFetch { path: IpfsPath::parse(NOWHERE).unwrap(), fetch: FetchOptions::default() });
    let running = std::thread::spawn(move || client.run(call, None, Some(token), &mut Collect::default()));
    wait_until("the want", Duration::from_secs(20), || wanted(&repo));
    let asked = Instant::now();
    cancel.cancel();
    let e = running.join().unwrap().unwrap_err();
    assert!(e.is::<Cancelled>(), "{e}");
    assert!(asked.elapsed() < Duration::from_secs(5), "the cancel took {:?}", asked.elapsed());
    wait_until("the want's withdrawal", Duration::from_secs(5), || !wanted(&repo));
}

#[test]
fn an_add_whose_client_is_killed_leaves_nothing() {
    let repo = Repo::new();
    let _d = repo.daemon().0;
    let empty = allocated_bytes(repo.path());
    let mut add =
        repo.cmd(&["add", "-"]).stdin(Stdio::piped()).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let mut pipe = add.stdin.take().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let feeding = stop.clone();
    // Keeps feeding (never closing stdin) until told to stop: the add must not see an end of input.
    let feeder = std::thread::spawn(move || {
        let mut k = 0;
        while !feeding.load(Ordering::Relaxed) && k < 512 {
            if pipe.write_all(&common::content::chunk("killed-add", k)).is_err() {
                break;
            }
            k += 1;
        }
        pipe
    });
    wait_until("the add's first blocks on disk", Duration::from_secs(60), || {
        allocated_bytes(repo.path()) > empty + (16 << 20)
    });
    add.kill().unwrap();
    add.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    let _pipe = feeder.join().unwrap();
    let blocks = || {
        let stat: serde_json::Value = serde_json::from_str(&repo.ok(&["repo", "stat", "--json"])).unwrap();
        stat["blocks"].as_u64().unwrap()
    };
    wait_until("the partial import's removal", Duration::from_secs(10), || blocks() == 0);
    assert_eq!(repo.ok(&["pin", "ls"]), "", "nothing was pinned");
}

/// A throwaway user for the test, created once (CI runs as root).
fn other_user() -> (u32, u32) {
    const NAME: &str = "swarmscope-test";
    let id = |flag: &str| Command::new("id").args([flag, NAME]).output().unwrap();
    if !id("-u").status.success() {
        let out = Command::new("useradd")
            .args(["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", NAME])
            .output()
            .expect("useradd is required for the socket test (run it as root)");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() || err.contains("already exists"), "useradd: {err}");
    }
    let num = |flag: &str| String::from_utf8(id(flag).stdout).unwrap().trim().parse().unwrap();
    (num("-u"), num("-g"))
}

#[test]
fn another_user_is_refused_even_under_umask_000() {
    assert!(is_root(), "this test creates a user and runs a client as it: run it as root (CI does)");
    let (uid, gid) = other_user();
    let repo = Repo::new();
    let socket = repo.path().join("control.sock");
    // Every mode the socket ever has, from its first moment, while the daemon starts under umask 000.
    let watching = Arc::new(AtomicBool::new(true));
    let (flag, path) = (watching.clone(), socket.clone());
    let watcher = std::thread::spawn(move || {
        let mut modes = std::collections::BTreeSet::new();
        while flag.load(Ordering::Relaxed) {
            if let Ok(m) = std::fs::symlink_metadata(&path) {
                modes.insert(m.mode() & 0o777);
            }
        }
        modes
    });
    let mut cmd = Command::new("sh");
    cmd.args(["-c", "umask 000; exec \"$0\" \"$@\""]).arg(bin()).args([
        "--repo",
        repo.path().to_str().unwrap(),
        "--no-bootstrap",
        "--routing-url",
        "none",
        "daemon",
        "--listen",
        "/ip4/127.0.0.1/tcp/0",
        "--no-mdns",
        "--json",
    ]);
    let d = Background::start(cmd, Duration::from_secs(60));
    wait_until("the socket", Duration::from_secs(10), || socket.exists());
    std::thread::sleep(Duration::from_millis(100));
    watching.store(false, Ordering::Relaxed);
    let modes = watcher.join().unwrap();
    assert_eq!(modes.into_iter().collect::<Vec<_>>(), [0o600], "the socket was never reachable by others");

    let as_other = |args: &[&str]| {
        use std::os::unix::process::CommandExt;
        let mut c = repo.cmd(args);
        c.uid(uid).gid(gid).current_dir("/");
        common::swarmscope::run_with_timeout(c, None, Duration::from_secs(30))
    };
    // Through the filesystem: the socket is 0600.
    let out = as_other(&["repo", "stat"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.lines().count() == 1, "{err}");
    assert!(err.contains("cannot reach the daemon") && err.contains("denied"), "{err}");
    // And if the modes were loosened anyway (the race of old), the daemon itself refuses by uid.
    std::fs::set_permissions(repo.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o666)).unwrap();
    let out = as_other(&["repo", "stat"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.lines().count() == 1, "{err}");
    assert!(err.contains("refused") && err.contains(&format!("uid {uid}")), "{err}");
    assert!(out.stdout.is_empty(), "nothing ran for the other user");
    wait_until("the refusal in the daemon's log", Duration::from_secs(5), || {
        d.drain_lines().iter().any(|l| l.contains("control socket") && l.contains(&format!("uid {uid}")))
    });
    // The owner is still served.
    assert!(repo.ok(&["repo", "stat", "--json"]).contains("\"blocks\":0"));
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false)
}
