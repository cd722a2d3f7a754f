//! The TUI end to end, as a person uses it: two instances in tmux on 127.0.0.1, text `put` in one, its CID `get`
//! in the other by typing into the input bar; the screens show the peer, the WANT / BLOCK lines and the finished
//! operations; the Explorer fills in as a DAG arrives; Enter on the peer opens its detail; `x` cancels a get nobody answers (also one running in a daemon the
//! TUI is attached to); `?` shows the help; `q` restores
//! the terminal; a TUI on a port in use exits with the reason and what to type instead. tmux is installed by
//! scripts/install-test-deps.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::swarmscope::{Repo, bin};

/// A private tmux server (its own socket), killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn new() -> Self {
        // One server per test: tests run in parallel, and each kills its own server when it ends.
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let t = Self { socket: format!("swarmscope-test-{}-{n}", std::process::id()) };
        assert!(
            Command::new("tmux").arg("-V").output().map(|o| o.status.success()).unwrap_or(false),
            "tmux is required for the TUI test (scripts/install-test-deps installs it)"
        );
        t
    }

    fn cmd(&self, args: &[&str]) -> String {
        let out = Command::new("tmux").arg("-L").arg(&self.socket).args(args).output().expect("run tmux");
        assert!(out.status.success(), "tmux {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn start(&self, name: &str, repo: &Repo) {
        self.start_on(name, repo, "/ip4/127.0.0.1/tcp/0");
    }

    fn start_on(&self, name: &str, repo: &Repo, listen: &str) {
        let program = format!(
            "{} --repo {} --no-bootstrap --routing-url none tui --listen {listen} --no-mdns; echo EXITED $?; sleep 60",
            bin().display(),
            repo.path().display()
        );
        self.cmd(&["new-session", "-d", "-s", name, "-x", "120", "-y", "40", &program]);
    }

    fn screen(&self, name: &str) -> String {
        self.cmd(&["capture-pane", "-p", "-t", name])
    }

    fn keys(&self, name: &str, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", name];
        args.extend_from_slice(keys);
        self.cmd(&args);
    }

    /// Types a line into the input bar.
    fn command(&self, name: &str, line: &str) {
        self.keys(name, &[":"]);
        self.keys(name, &["-l", line]);
        self.keys(name, &["Enter"]);
    }

    /// Waits until the screen shows `needle`; returns the screen.
    fn wait_for(&self, name: &str, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen(name);
            if screen.contains(needle) {
                return screen;
            }
            assert!(Instant::now() < deadline, "{name} never showed {needle:?}; screen:\n{screen}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn pane(&self, name: &str, digit: &str, needle: &str) -> String {
        self.keys(name, &[digit]);
        self.wait_for(name, needle)
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").arg("-L").arg(&self.socket).arg("kill-server").status();
    }
}

fn field_after<'a>(screen: &'a str, label: &str) -> &'a str {
    let at = screen.find(label).unwrap_or_else(|| panic!("{label} not on screen:\n{screen}")) + label.len();
    screen[at..].split(|c: char| c.is_whitespace() || c == '│').next().unwrap()
}

#[test]
fn put_in_one_tui_and_get_in_the_other() {
    let tmux = Tmux::new();
    let (ra, rb) = (Repo::new(), Repo::new());
    tmux.start("a", &ra);
    tmux.start("b", &rb);
    let screen = tmux.wait_for("a", "listen /ip4/127.0.0.1/tcp/");
    let addr = format!("{}/p2p/{}", field_after(&screen, "listen "), field_after(&screen, "peer "));
    tmux.wait_for("b", "listen /ip4/127.0.0.1/tcp/");

    tmux.command("a", "put Hello Bitswap from Rust Helia");
    let cid = "bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq";
    tmux.wait_for("a", &format!("put 29 bytes: {cid}"));

    tmux.command("b", "connect /ip4/127.0.0.1/tcp/1/bad");
    tmux.wait_for("b", "connect: invalid multiaddr");
    tmux.command("b", &format!("connect {addr}"));
    tmux.wait_for("b", "connected to");
    tmux.command("b", &format!("get {cid}"));
    tmux.wait_for("b", &format!("get {cid}: 1 blocks, 29 bytes"));

    let a_tail = &field_after(&screen, "peer ")[44..];
    tmux.pane("b", "1", a_tail);
    let transfers = tmux.pane("b", "4", "BLOCK");
    // The peer was named (`connect`): the first want asks it for the block at once (issue 15).
    assert!(transfers.contains("WANT_BLOCK") && transfers.contains(cid), "{transfers}");
    tmux.pane("b", "5", "1 blk / 29 B");
    let served = tmux.pane("a", "4", "BLOCK");
    assert!(served.contains("->"), "A shows the block going out:\n{served}");
    tmux.pane("a", "5", "put");

    // Drill-in: Enter on A in B's Peers pane opens A's detail with its whole id and its ledger; Esc goes back.
    tmux.keys("b", &["1"]);
    tmux.keys("b", &["Enter"]);
    let detail = tmux.wait_for("b", "Peer · connected");
    assert!(detail.contains(field_after(&screen, "peer ")), "the whole id:\n{detail}");
    tmux.wait_for("b", "received 1 blk / 29 B");
    tmux.keys("b", &["Escape"]);
    tmux.wait_for("b", "sorted by id");

    // The live Explorer: B explores a file it does not have (its root MISSING), then gets it, and the pane fills in
    // by itself as the blocks are stored.
    let file = ra.path().join("three.bin");
    common::content::write_file(&file, "tui-explorer", 2_500_000);
    let root = Repo::new().ok(&["add", "-Q", "-n", file.to_str().unwrap()]).trim().to_string();
    tmux.command("a", &format!("add {}", file.display()));
    tmux.wait_for("a", &root[root.len() - 12..]);
    tmux.command("b", &format!("explore {root}"));
    tmux.wait_for("b", "(1 blocks, 1 missing");
    tmux.command("b", &format!("get {root}"));
    tmux.pane("b", "6", "(4 blocks, 0 missing");

    // Cancel: a get nobody can answer runs until `x` on its row stops it.
    let nobody = format!("bafkrei{}", "a".repeat(52));
    tmux.command("b", &format!("get {nobody}"));
    tmux.pane("b", "5", "get");
    tmux.wait_for("b", "aaaaaaaa");
    tmux.keys("b", &["x"]);
    tmux.wait_for("b", "cancelled");

    tmux.keys("b", &["?"]);
    tmux.wait_for("b", "Help (Esc closes)");
    tmux.keys("b", &["Escape"]);
    for name in ["a", "b"] {
        tmux.keys(name, &["q"]);
        let after = tmux.wait_for(name, "EXITED 0");
        assert!(!after.contains("┌ swarmscope"), "the terminal is restored after q:\n{after}");
    }
}

#[test]
fn the_tui_attaches_to_a_daemon_that_holds_the_repo() {
    let tmux = Tmux::new();
    let (held, other) = (Repo::new(), Repo::new());
    let cmd = held.cmd(&["daemon", "--listen", "/ip4/127.0.0.1/tcp/0", "--no-mdns", "--json"]);
    let daemon = common::background::Background::start(cmd, Duration::from_secs(60));
    let addr = daemon.first["listen"][0].as_str().unwrap().to_string();
    let program = format!(
        "{} --repo {} --no-bootstrap --routing-url none tui; echo EXITED $?; sleep 60",
        bin().display(),
        held.path().display()
    );
    tmux.cmd(&["new-session", "-d", "-s", "t", "-x", "120", "-y", "40", &program]);
    tmux.wait_for("t", "listen /ip4/127.0.0.1/tcp/");
    tmux.pane("t", "8", "attached to the daemon");
    // put runs inside the daemon; a CLI on another repo then fetches it from the daemon, and the attached TUI
    // sees the daemon serve it.
    tmux.command("t", "put served while attached");
    let screen = tmux.wait_for("t", "put 21 bytes: bafkrei");
    let cid = field_after(&screen, "put 21 bytes: ");
    let out = other.run(&["cat", cid, "--connect", &addr, "--no-mdns", "--timeout", "30"], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stdout, b"served while attached");
    let transfers = tmux.pane("t", "4", "BLOCK");
    assert!(transfers.contains("->"), "the attached TUI shows the daemon sending the block:\n{transfers}");

    // Cancel through the daemon: a get nobody answers runs in the daemon (its wantlist holds the CID) until `x` on
    // its row in the attached TUI stops it there (the daemon answers "cancelled" and drops the want).
    let nobody = format!("bafkrei{}", "a".repeat(52));
    let daemon_wants = || {
        let out = held.run(&["bitswap", "wantlist"], None);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    tmux.command("t", &format!("get {nobody}"));
    tmux.pane("t", "5", "aaaaaaaa");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !daemon_wants().contains(&nobody) {
        assert!(Instant::now() < deadline, "the daemon never wanted {nobody}: {}", daemon_wants());
        std::thread::sleep(Duration::from_millis(100));
    }
    tmux.keys("t", &["x"]);
    tmux.wait_for("t", "cancelled");
    let deadline = Instant::now() + Duration::from_secs(10);
    while daemon_wants().contains(&nobody) {
        assert!(Instant::now() < deadline, "the daemon still wants {nobody} after the cancel");
        std::thread::sleep(Duration::from_millis(100));
    }
    tmux.keys("t", &["q"]);
    tmux.wait_for("t", "EXITED 0");
    drop(daemon);
}

#[test]
fn a_tui_on_a_port_in_use_says_why_and_what_to_type() {
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let listen = format!("/ip4/127.0.0.1/tcp/{}", held.local_addr().unwrap().port());
    let tmux = Tmux::new();
    let repo = Repo::new();
    tmux.start_on("a", &repo, &listen);
    tmux.wait_for("a", "EXITED 1");
    // -J joins the lines the terminal wrapped (the error is one line longer than the pane is wide).
    let screen = tmux.cmd(&["capture-pane", "-p", "-J", "-t", "a"]);
    let flat = screen.as_str();
    assert!(flat.contains(&format!("error: cannot listen on {listen}: address already in use")), "{screen}");
    assert!(flat.contains("swarmscope tui --listen /ip4/127.0.0.1/tcp/0"), "{screen}");
    assert!(!screen.contains("┌ swarmscope"), "the terminal was never taken:\n{screen}");
}
