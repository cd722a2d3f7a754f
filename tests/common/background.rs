//! Long-running processes for network tests (a daemon, a Helia peer): started with piped stdio, their first JSON
//! line read with a timeout, killed by PID when the test ends (also on panic, through Drop).

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub struct Background {
    pub child: Child,
    /// Kept open: a Helia `serve` peer exits when its stdin closes.
    pub stdin: Option<ChildStdin>,
    /// Every stdout line after the first, as it comes.
    pub lines: mpsc::Receiver<String>,
    /// The first stdout line, parsed.
    pub first: serde_json::Value,
}

impl Background {
    /// Spawns `cmd` and waits up to `timeout` for its first stdout line, which must be JSON.
    pub fn start(mut cmd: Command, timeout: Duration) -> Self {
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::inherit());
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let first = match rx.recv_timeout(timeout) {
            Ok(line) => serde_json::from_str(&line).unwrap_or_else(|e| panic!("first line is not JSON ({e}): {line}")),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{cmd:?} printed nothing within {timeout:?}");
            }
        };
        Self { child, stdin, lines: rx, first }
    }

    /// Lines printed so far (non-blocking).
    pub fn drain_lines(&self) -> Vec<String> {
        self.lines.try_iter().collect()
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.stdin.take();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
