//! Runs the `swarmscope` binary in tests: a temporary repo per test, a timeout on every run, output captured.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Path of the binary cargo built for this test run.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_swarmscope"))
}

/// A temporary repo (deleted on drop) and helpers to run commands on it.
pub struct Repo {
    pub dir: tempfile::TempDir,
}

impl Repo {
    pub fn new() -> Self {
        Self { dir: tempfile::tempdir().expect("tempdir") }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A `swarmscope --repo <this> --no-bootstrap --routing-url none …` command with a clean environment for the
    /// repo variables. `--no-bootstrap` and `--routing-url none` (and their variables, for the processes it starts):
    /// no test node ever dials the public bootstrap peers nor asks the public delegated router; a test that wants
    /// either names its own (`--bootstrap`; a later `--routing-url URL` replaces `none` through `cmd_routed`).
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.arg("--repo").arg(self.path()).args(["--no-bootstrap", "--routing-url", "none"]).args(args);
        c.env_remove("SWARMSCOPE_REPO");
        c.env("SWARMSCOPE_NO_BOOTSTRAP", "1");
        c.env("SWARMSCOPE_ROUTING_URL", "none");
        c
    }

    /// Like [`Repo::cmd`], with the delegated `routers` (loopback test servers) instead of `none`.
    pub fn cmd_routed(&self, routers: &[&str], args: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.arg("--repo").arg(self.path()).arg("--no-bootstrap");
        for r in routers {
            c.args(["--routing-url", r]);
        }
        c.args(args);
        c.env_remove("SWARMSCOPE_REPO");
        c.env("SWARMSCOPE_NO_BOOTSTRAP", "1");
        c.env("SWARMSCOPE_ROUTING_URL", "none");
        c
    }

    /// Runs to completion (60 s timeout), optionally feeding `stdin`.
    pub fn run(&self, args: &[&str], stdin: Option<&[u8]>) -> Output {
        run_with_timeout(self.cmd(args), stdin, Duration::from_secs(120))
    }

    /// Runs and asserts success; returns stdout as text.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args, None);
        assert!(out.status.success(), "swarmscope {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Runs and asserts failure with exactly one line on stderr; returns that line.
    pub fn fails(&self, args: &[&str], stdin: Option<&[u8]>) -> String {
        let out = self.run(args, stdin);
        assert!(!out.status.success(), "swarmscope {args:?} should have failed");
        let err = String::from_utf8(out.stderr).expect("utf-8 stderr");
        assert_eq!(err.lines().count(), 1, "expected one line on stderr, got: {err:?}");
        assert!(!err.contains("panicked"), "panic: {err}");
        err.trim_end().to_string()
    }
}

impl Repo {
    /// A daemon on this repo, on 127.0.0.1 port 0 with mDNS off, and its first listen address.
    pub fn daemon(&self) -> (super::background::Background, String) {
        let cmd = self.cmd(&["daemon", "--listen", "/ip4/127.0.0.1/tcp/0", "--no-mdns", "--json"]);
        let d = super::background::Background::start(cmd, Duration::from_secs(60));
        let addr = d.first["listen"][0].as_str().expect("a listen address").to_string();
        (d, addr)
    }

    /// A DHT-server daemon on this repo (127.0.0.1 port 0, mDNS off), bootstrapped to `bootstrap` when given; it
    /// and its first listen address.
    pub fn dht_daemon(&self, bootstrap: Option<&str>) -> (super::background::Background, String) {
        let mut args = vec!["daemon", "--listen", "/ip4/127.0.0.1/tcp/0", "--no-mdns", "--json", "--dht", "server"];
        if let Some(b) = bootstrap {
            args.extend(["--bootstrap", b]);
        }
        let d = super::background::Background::start(self.cmd(&args), Duration::from_secs(60));
        let addr = d.first["listen"][0].as_str().expect("a listen address").to_string();
        (d, addr)
    }

    /// Runs, asserts success and parses stdout as one JSON value.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        serde_json::from_str(&self.ok(args)).unwrap_or_else(|e| panic!("{args:?}: {e}"))
    }
}

/// Spawns `cmd`, feeds stdin, waits up to `timeout` (killing the child by PID past it) and collects output.
pub fn run_with_timeout(mut cmd: Command, stdin: Option<&[u8]>, timeout: Duration) -> Output {
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn swarmscope");
    let feeder = stdin.map(|data| {
        let mut pipe = child.stdin.take().expect("stdin");
        let data = data.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&data);
        })
    });
    let out_reader = drain(child.stdout.take().expect("stdout"));
    let err_reader = drain(child.stderr.take().expect("stderr"));
    let status = wait_or_kill(&mut child, timeout);
    if let Some(f) = feeder {
        let _ = f.join();
    }
    Output { status, stdout: out_reader.join().expect("stdout"), stderr: err_reader.join().expect("stderr") }
}

fn drain(mut r: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        buf
    })
}

/// Waits for the child; past the deadline kills it and panics.
pub fn wait_or_kill(child: &mut Child, timeout: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("process {} timed out after {timeout:?}", child.id());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Allocated bytes of every file under `dir`.
pub fn allocated_bytes(dir: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let mut total = 0;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let Ok(meta) = entry.metadata() else { continue };
        total += if meta.is_dir() { allocated_bytes(&entry.path()) } else { meta.blocks() * 512 };
    }
    total
}
