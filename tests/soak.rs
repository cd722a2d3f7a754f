//! The soak: four daemons on 127.0.0.1, fully meshed, exchange random DAGs (files of every size and profile,
//! nested directories) for `SWARMSCOPE_SOAK_SECS` seconds (60 by default; `scripts/soak MINUTES` runs it longer),
//! with pins removed and `repo gc` run under way. Every fetched DAG must equal what was added, no daemon may report
//! an error, tasks, threads and open files must end where they started, memory must stay under 300 MiB, and on
//! runs of three minutes or more it must not grow once warm.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::background::Background;
use common::swarmscope::Repo;

/// Transfers running at once: more than the cores, so the daemons serve and fetch concurrently.
const WORKERS: u64 = 3;

/// A small, fast, seeded generator: every round's content is new, and a failing round can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Log-uniform sizes up to `max`: many small files, some large ones.
    fn size(&mut self, max: u64) -> u64 {
        let bits = self.below(64 - max.leading_zeros() as u64 + 1);
        if bits == 0 { 0 } else { self.below(1 << bits).min(max) }
    }

    fn bytes(&mut self, len: u64) -> Vec<u8> {
        let mut out = Vec::with_capacity(len as usize + 8);
        while (out.len() as u64) < len {
            out.extend_from_slice(&self.next().to_le_bytes());
        }
        out.truncate(len as usize);
        out
    }
}

struct Daemon {
    repo: Repo,
    process: Background,
    tcp: String,
}

fn start(repo: Repo) -> Daemon {
    let mut cmd = repo.cmd(&["daemon", "--listen", "/ip4/127.0.0.1/tcp/0", "--no-mdns", "--json"]);
    cmd.env("RUST_LOG", "warn");
    let process = Background::start(cmd, Duration::from_secs(60));
    assert_eq!(process.first["type"], "ready", "{}", process.first);
    let tcp = process.first["listen"]
        .as_array()
        .and_then(|a| a.iter().filter_map(|v| v.as_str()).find(|a| a.contains("/tcp/")))
        .expect("a TCP listen address")
        .to_string();
    Daemon { repo, process, tcp }
}

/// What the soak watches in one daemon.
#[derive(Clone, Copy, Debug, Default)]
struct Sample {
    rss_kib: u64,
    threads: u64,
    fds: u64,
    tasks: u64,
}

fn sample(d: &Daemon) -> Sample {
    let pid = d.process.child.id();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("daemon alive");
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count() as u64);
    let stat: serde_json::Value = serde_json::from_str(&d.repo.ok(&["bitswap", "stat", "--json"])).unwrap();
    Sample { rss_kib: field("VmRSS:"), threads: field("Threads:"), fds, tasks: stat["tasks"].as_u64().unwrap() }
}

/// A random DAG on disk: one file (any size, any profile) or a nested directory. Returns the `add` flags.
fn make_dag(rng: &mut Rng, at: &Path) -> Vec<String> {
    if rng.below(3) == 0 {
        std::fs::create_dir(at).unwrap();
        let mut dirs = vec![at.to_path_buf()];
        for i in 0..1 + rng.below(12) {
            let parent = dirs[rng.below(dirs.len() as u64) as usize].clone();
            if rng.below(4) == 0 {
                let d = parent.join(format!("dir-{i}"));
                std::fs::create_dir(&d).unwrap();
                dirs.push(d);
            } else {
                let len = rng.size(512 << 10).max(16);
                std::fs::write(parent.join(format!("file-{i}.bin")), rng.bytes(len)).unwrap();
            }
        }
        // Every directory node unique too (an empty one is the same block in every repo): pins are not counted,
        // so two workers must never add the same block and unpin it under each other.
        for d in &dirs {
            std::fs::write(d.join("unique"), rng.bytes(16)).unwrap();
        }
        return vec!["-r".into()];
    }
    // Files of at least 16 random bytes: unique to their round and worker.
    let len = rng.size(8 << 20).max(16);
    std::fs::write(at, rng.bytes(len)).unwrap();
    match rng.below(4) {
        0 => vec![],
        1 => vec!["--profile".into(), "kubo".into()],
        2 => vec!["--chunker".into(), format!("size-{}", 1024 + rng.below(512 << 10))],
        _ => vec!["--cid-version".into(), "1".into(), "--raw-leaves".into()],
    }
}

/// True when the two trees hold the same names and bytes.
fn same_tree(a: &Path, b: &Path) -> bool {
    if a.is_dir() {
        let names = |p: &Path| {
            let mut v: Vec<_> = std::fs::read_dir(p).unwrap().map(|e| e.unwrap().file_name()).collect();
            v.sort();
            v
        };
        let (na, nb) = (names(a), names(b));
        b.is_dir() && na == nb && na.iter().all(|n| same_tree(&a.join(n), &b.join(n)))
    } else {
        b.is_file() && std::fs::read(a).unwrap() == std::fs::read(b).unwrap()
    }
}

#[derive(Default)]
struct Totals {
    transfers: AtomicU64,
    bytes: AtomicU64,
    gcs: AtomicU64,
}

/// One worker: add a random DAG on one daemon, `get` it through another, compare; now and then unpin and gc.
fn worker(id: u64, repos: &[&Repo], totals: &Totals, stop: &AtomicBool, gc_turn: &Mutex<()>) {
    let mut rng = Rng(0x5eed_0000_0000_0001 ^ (id + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let scratch = tempfile::tempdir().unwrap();
    let mut added: Vec<(usize, String)> = Vec::new();
    let mut round = 0u64;
    while !stop.load(Ordering::Relaxed) {
        round += 1;
        let from = rng.below(repos.len() as u64) as usize;
        let to = (from + 1 + rng.below(repos.len() as u64 - 1) as usize) % repos.len();
        let src = scratch.path().join(format!("src-{round}"));
        let mut args = vec!["add".to_string(), "-Q".into()];
        args.extend(make_dag(&mut rng, &src));
        args.push(src.display().to_string());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let cid = repos[from].ok(&args).trim().to_string();

        let out = scratch.path().join(format!("out-{round}"));
        let got = repos[to].run(&["get", &cid, "-o", out.to_str().unwrap(), "--timeout", "60"], None);
        assert!(
            got.status.success(),
            "worker {id} round {round}: get {cid} from daemon {from} into daemon {to}: {}",
            String::from_utf8_lossy(&got.stderr)
        );
        assert!(same_tree(&src, &out), "worker {id} round {round}: {cid} came back different");
        let bytes = walk_bytes(&src);
        totals.transfers.fetch_add(1, Ordering::Relaxed);
        totals.bytes.fetch_add(bytes, Ordering::Relaxed);
        let _ = std::fs::remove_dir_all(&src).or_else(|_| std::fs::remove_file(&src));
        let _ = std::fs::remove_dir_all(&out).or_else(|_| std::fs::remove_file(&out));
        added.push((from, cid));

        // Every few rounds: unpin this worker's older DAGs and collect, on both ends of the transfer, while the
        // other workers go on adding and fetching (one gc at a time keeps the runs short).
        if round.is_multiple_of(6) {
            let _turn = gc_turn.lock().unwrap();
            for (at, cid) in added.drain(..) {
                repos[at].ok(&["pin", "rm", &cid]);
            }
            for d in [from, to] {
                repos[d].ok(&["repo", "gc"]);
            }
            totals.gcs.fetch_add(2, Ordering::Relaxed);
        }
    }
}

fn walk_bytes(p: &Path) -> u64 {
    if p.is_dir() {
        std::fs::read_dir(p).unwrap().map(|e| walk_bytes(&e.unwrap().path())).sum()
    } else {
        std::fs::metadata(p).unwrap().len()
    }
}

/// Event lines that say something went wrong between well-behaved peers.
fn trouble(lines: &[String]) -> Vec<&String> {
    lines
        .iter()
        .filter(|l| ["\"error\"", "\"protocol_error\"", "\"block_rejected\""].iter().any(|t| l.contains(t)))
        .collect()
}

#[test]
fn four_nodes_exchange_random_dags_and_nothing_grows() {
    let secs: u64 = std::env::var("SWARMSCOPE_SOAK_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let daemons: Vec<Daemon> = (0..4).map(|_| start(Repo::new())).collect();
    for i in 0..daemons.len() {
        for j in i + 1..daemons.len() {
            daemons[i].repo.ok(&["swarm", "connect", &daemons[j].tcp]);
        }
    }
    let repos: Vec<&Repo> = daemons.iter().map(|d| &d.repo).collect();
    let totals = Totals::default();
    let gc_turn = Mutex::new(());
    let stop = AtomicBool::new(false);
    let mut samples: Vec<(Duration, Vec<Sample>)> = Vec::new();
    let mut events: HashMap<usize, Vec<String>> = HashMap::new();

    // Warm up: every pair moves a DAG, so per-peer tasks and caches exist before the baseline is taken.
    let mut rng = Rng(7);
    for from in 0..daemons.len() {
        for to in (0..daemons.len()).filter(|&to| to != from) {
            let dir = tempfile::tempdir().unwrap();
            let src = dir.path().join("warm");
            std::fs::write(&src, rng.bytes(3 << 20)).unwrap();
            let cid = daemons[from].repo.ok(&["add", "-Q", src.to_str().unwrap()]).trim().to_string();
            let out = dir.path().join("out");
            daemons[to].repo.ok(&["get", &cid, "-o", out.to_str().unwrap(), "--timeout", "60"]);
            assert!(same_tree(&src, &out), "warm-up transfer {from} -> {to} came back different");
        }
    }
    std::thread::sleep(Duration::from_secs(2));
    let started = Instant::now();
    let baseline: Vec<Sample> = daemons.iter().map(sample).collect();
    samples.push((Duration::ZERO, baseline.clone()));

    std::thread::scope(|s| {
        for id in 0..WORKERS {
            let (repos, totals, stop, gc_turn) = (&repos, &totals, &stop, &gc_turn);
            s.spawn(move || worker(id, repos, totals, stop, gc_turn));
        }
        let deadline = started + Duration::from_secs(secs);
        while Instant::now() < deadline {
            std::thread::sleep(Duration::from_secs(5).min(deadline.saturating_duration_since(Instant::now())));
            samples.push((started.elapsed(), daemons.iter().map(sample).collect()));
            for (i, d) in daemons.iter().enumerate() {
                events.entry(i).or_default().extend(d.process.drain_lines());
            }
        }
        stop.store(true, Ordering::Relaxed);
    });
    let elapsed = started.elapsed();
    // Idle again: what is left now is what the run leaked (tokio lets idle blocking threads go after 10 s).
    std::thread::sleep(Duration::from_secs(12));
    let end: Vec<Sample> = daemons.iter().map(sample).collect();
    samples.push((started.elapsed(), end.clone()));
    for (i, d) in daemons.iter().enumerate() {
        events.entry(i).or_default().extend(d.process.drain_lines());
    }

    let transfers = totals.transfers.load(Ordering::Relaxed);
    let bytes = totals.bytes.load(Ordering::Relaxed);
    println!(
        "soak: {:.0} s, {transfers} DAGs verified, {:.1} MiB moved ({:.1} MB/s), {} gc runs",
        elapsed.as_secs_f64(),
        bytes as f64 / (1 << 20) as f64,
        bytes as f64 / 1e6 / elapsed.as_secs_f64(),
        totals.gcs.load(Ordering::Relaxed)
    );
    println!(" t (s)  per daemon: RSS MiB / threads / fds / tasks");
    for (t, row) in &samples {
        let cells: Vec<String> = row
            .iter()
            .map(|s| format!("{:>5.1} /{:>3} /{:>3} /{:>4}", s.rss_kib as f64 / 1024.0, s.threads, s.fds, s.tasks))
            .collect();
        println!("{:>6.0}  {}", t.as_secs_f64(), cells.join("   "));
    }

    assert!(transfers >= 4, "the soak moved too little to mean anything: {transfers} DAGs");
    for (i, lines) in &events {
        let bad = trouble(lines);
        assert!(bad.is_empty(), "daemon {i} reported trouble: {bad:?}");
    }
    let all = &samples;
    for (i, (b, e)) in baseline.iter().zip(&end).enumerate() {
        // Idle before and idle after: per-peer tasks, threads and files are back where they were.
        assert!(e.tasks <= b.tasks + 2, "daemon {i}: tasks grew from {} to {}", b.tasks, e.tasks);
        assert!(e.fds <= b.fds + 4, "daemon {i}: open files grew from {} to {}", b.fds, e.fds);
        assert!(e.threads <= b.threads + 4, "daemon {i}: threads grew from {} to {}", b.threads, e.threads);
        // Memory: bounded at every sample (the issue's aim for a node moving 1 GiB).
        let peak = |rows: &[(Duration, Vec<Sample>)]| rows.iter().map(|(_, r)| r[i].rss_kib).max().unwrap_or(0);
        assert!(peak(all) < 300 * 1024, "daemon {i}: RSS reached {} KiB", peak(all));
        // And flat once warm: glibc grows an arena per busy thread (up to 16 here) for the first minute or two,
        // then RSS levels off near 100 MiB, so growth is judged on longer runs only (`scripts/soak`): the last
        // third may peak no higher than the middle third did, give or take.
        if secs >= 180 {
            let third = all.len() / 3;
            let (middle, last) = (peak(&all[third..2 * third]), peak(&all[2 * third..]));
            assert!(
                last <= middle + middle / 4 + 24 * 1024,
                "daemon {i}: RSS keeps growing: middle-third peak {middle} KiB, last-third peak {last} KiB"
            );
        }
    }
}
