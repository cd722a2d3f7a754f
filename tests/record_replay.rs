//! Record and replay (issue 14 part 1), end to end: a daemon records a real transfer with `--record`, and
//! `swarmscope replay --print` shows it the same way every time; damaged or hostile recordings get one clear line.
//! Every node listens on 127.0.0.1 with mDNS and bootstrap off (`Repo::cmd`).

mod common;

use std::process::Command;
use std::time::Duration;

use common::background::Background;
use common::swarmscope::{Repo, bin, run_with_timeout, wait_or_kill};

fn replay(args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(bin());
    cmd.arg("replay").args(args).env("SWARMSCOPE_NO_BOOTSTRAP", "1").env("SWARMSCOPE_ROUTING_URL", "none");
    run_with_timeout(cmd, None, Duration::from_secs(60))
}

#[test]
fn a_daemon_recording_replays_the_transfer_the_same_way_twice() {
    let (provider, client) = (Repo::new(), Repo::new());
    let (_p, provider_addr) = provider.daemon();
    let provider_id = provider_addr.rsplit('/').next().unwrap().to_string();
    let rec = client.path().join("session.jsonl");
    let args = ["daemon", "--listen", "/ip4/127.0.0.1/tcp/0", "--no-mdns", "--json", "--connect", &provider_addr];
    let mut cmd = client.cmd(&args);
    cmd.args(["--record", rec.to_str().unwrap()]);
    let mut recording = Background::start(cmd, Duration::from_secs(60));

    let file = provider.path().join("f.bin");
    common::content::write_file(&file, "record", 2_500_000);
    let cid = provider.ok(&["add", "-Q", file.to_str().unwrap()]).trim().to_string();
    let out = client.path().join("out.bin");
    client.ok(&["get", &cid, "-o", out.to_str().unwrap(), "--timeout", "30"]);
    // SIGTERM: the daemon stops as a user stops it, and the recorder flushes.
    let pid = recording.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    assert!(wait_or_kill(&mut recording.child, Duration::from_secs(20)).success());

    let text = std::fs::read_to_string(&rec).unwrap();
    assert!(text.starts_with(r#"{"header":{"format":"swarmscope-recording","version":1,"source":"daemon""#), "{text}");
    let screens: Vec<String> = (0..2)
        .map(|_| {
            let o = replay(&[rec.to_str().unwrap(), "--print", "--size", "120x40", "--pane", "transfers"]);
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            String::from_utf8(o.stdout).unwrap()
        })
        .collect();
    assert_eq!(screens[0], screens[1], "the same recording, the same screen");
    let tail = &provider_id[provider_id.len() - 6..];
    assert!(
        // The only connected peer is asked for the root's block in the first message (issue 15): WANT_BLOCK.
        screens[0].contains(tail) && screens[0].contains("BLOCK") && screens[0].contains("WANT_BLOCK"),
        "{}",
        screens[0]
    );
    assert!(screens[0].contains(&cid[cid.len() - 8..]), "the root's exchange is on screen: {}", screens[0]);
    let peers = replay(&[rec.to_str().unwrap(), "--print", "--pane", "peers"]);
    assert!(String::from_utf8_lossy(&peers.stdout).contains("swarmscope/"), "the peer's agent");
}

#[test]
fn damaged_and_hostile_recordings_get_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let header = r#"{"header":{"format":"swarmscope-recording","version":1,"source":"tui","started_unix_ms":0}}"#;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", Vec::new(), "is not a swarmscope recording"),
        ("garbage", b"\x00\xffnot json at all\n".to_vec(), "is not a swarmscope recording"),
        ("other json", b"{\"type\":\"ready\"}\n".to_vec(), "is not a swarmscope recording"),
        (
            "broken line",
            format!("{header}\n{{\"stored\":{{\"at_ms\":1,\"blocks\":1,\"bytes\":1}}}}\n{{\"event\":{{\"seq\":\n")
                .into_bytes(),
            "line 3: ",
        ),
        ("future", header.replace("\"version\":1", "\"version\":99").into_bytes(), "version 99"),
        (
            "huge line",
            {
                let mut v = format!("{header}\n{{\"log\":{{\"at_ms\":1,\"text\":\"").into_bytes();
                v.resize(v.len() + (17 << 20), b'a');
                v
            },
            "line 2: longer than 16 MiB",
        ),
    ];
    for (name, bytes, want) in cases {
        let path = dir.path().join(format!("{}.jsonl", name.replace(' ', "-")));
        std::fs::write(&path, bytes).unwrap();
        let o = replay(&[path.to_str().unwrap(), "--print"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{name}: accepted");
        assert!(err.contains(want) && err.lines().count() == 1, "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
    let o = replay(&["/nonexistent/rec.jsonl", "--print"]);
    assert!(String::from_utf8_lossy(&o.stderr).starts_with("error: cannot open /nonexistent/rec.jsonl"));
    let o = replay(&["/nonexistent/rec.jsonl", "--print", "--size", "5x5"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("--size must be COLSxROWS"));
}
