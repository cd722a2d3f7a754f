//! Progress on a terminal for the commands that fetch (issue 11 item 7): `get`, `dag fetch`, and `cat` to a file
//! or a pipe draw a bar on stderr; `cat` to the terminal draws none across the content. Each command runs under
//! `script`, which gives it a pseudo-terminal, and the bytes that reached the terminal are read back.

mod common;

use std::process::Command;
use std::time::Duration;

use common::background::Background;
use common::content;
use common::swarmscope::{Repo, bin, run_with_timeout};

/// Runs `shell` (a command line) on a pseudo-terminal; returns what the terminal showed.
fn on_a_terminal(shell: &str) -> String {
    let mut cmd = Command::new("script");
    // No node started here dials the public bootstrap peers (the command lines pass --no-bootstrap too), nor asks the public router.
    cmd.args(["-qec", shell, "/dev/null"])
        .env_remove("SWARMSCOPE_REPO")
        .env("SWARMSCOPE_NO_BOOTSTRAP", "1")
        .env("SWARMSCOPE_ROUTING_URL", "none");
    let out = run_with_timeout(cmd, None, Duration::from_secs(120));
    assert!(out.status.success(), "{shell}: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn fetching_commands_draw_progress_on_the_terminal_but_not_across_cat_output() {
    let server = Repo::new();
    let data = content::bytes("progress", 8 << 20);
    let cid = String::from_utf8(server.run(&["add", "-Q", "-"], Some(&data)).stdout).unwrap().trim().to_string();
    let cmd = server.cmd(&["daemon", "--listen", "/ip4/127.0.0.1/tcp/0", "--no-mdns", "--json"]);
    let d = Background::start(cmd, Duration::from_secs(60));
    let addr = d.first["listen"][0].as_str().unwrap().to_string();
    let tmp = tempfile::tempdir().unwrap();
    let run = |args: &str| {
        let repo = tempfile::tempdir().unwrap();
        let line = format!(
            "{} --repo {} --no-bootstrap --routing-url none {args} --connect {addr} --no-mdns",
            bin().display(),
            repo.path().display()
        );
        on_a_terminal(&line)
    };

    let out = tmp.path().join("got");
    let shown = run(&format!("get {cid} -o {}", out.display()));
    assert!(shown.contains("fetching"), "get draws its progress: {shown:?}");
    assert!(std::fs::read(&out).unwrap() == data);
    assert!(run(&format!("dag fetch {cid}")).contains("fetching"), "dag fetch draws its progress");

    let file = tmp.path().join("cat.bin");
    let shown = run(&format!("cat {cid} > {}", file.display()));
    assert!(shown.contains("fetching"), "cat to a file: the bar is on stderr: {shown:?}");
    assert!(std::fs::read(&file).unwrap() == data);
    let shown = run(&format!("cat {cid}"));
    assert!(!shown.contains("fetching"), "cat to the terminal: no bar across the content");
}
