//! The TUI under load: a state with 1,000 peers, 100,000 wants (100 from each peer, and 1,000 of ours), a full
//! transfer log and a full Log pane. Times the frame render of every pane and of the dashboard at 200×50 and 80×24,
//! the reducer's cost of a snapshot that size, and the node task's cost of building its wantlists for the snapshot.
//! `cargo run --release --example bench_tui_load [FRAMES]`; `scripts/bench-tui` runs it.

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use swarmscope::app::msg::Msg;
use swarmscope::app::state::{AppState, MAX_LOG, MAX_TRANSFERS, Pane};
use swarmscope::app::update::update;
use swarmscope::node::bitswap::ledger::Ledger;
use swarmscope::node::bitswap::message::WantType;
use swarmscope::node::bitswap::protocol::Want;
use swarmscope::node::bitswap::wantlist::PeerWantlist;
use swarmscope::node::events::{Direction, EntryKind, Event, NodeEvent, OurWantInfo, PeerSnapshot, Transport};
use swarmscope::node::events::{TheirWantInfo, WantKind, Wantlists};

const PEERS: usize = 1_000;
const WANTS_PER_PEER: usize = 100;
const OURS: usize = 1_000;

fn peer(i: usize) -> String {
    format!("12D3KooWPeer{i:04}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
}

/// A distinct CIDv1 raw block CID for `i`.
fn cid(i: usize) -> cid::Cid {
    let digest = multihash::Multihash::<64>::wrap(0x12, &sha2_of(i)).expect("a 32-byte digest");
    cid::Cid::new_v1(0x55, digest)
}

fn sha2_of(i: usize) -> [u8; 32] {
    let mut d = [0u8; 32];
    d[..8].copy_from_slice(&(i as u64).to_le_bytes());
    d[8..16].copy_from_slice(&((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)).to_le_bytes());
    d
}

fn node(at_ms: u64, kind: NodeEvent) -> Msg {
    Msg::Node(Event { seq: 0, at_ms, kind })
}

fn snapshot(at_ms: u64) -> Msg {
    let peers = (0..PEERS)
        .map(|i| PeerSnapshot {
            peer: peer(i),
            addr: Some(format!("/ip4/10.0.{}.{}/tcp/4001", i / 250, i % 250)),
            agent: Some("kubo/0.38.1/".into()),
            bitswap: true,
            debt_ratio: 1.0,
            ledger: Ledger::default(),
            bitswap_version: Some("1.2.0".into()),
            relayed: false,
        })
        .collect();
    let ours = (0..OURS).map(|i| OurWantInfo {
        cid: cid(10_000_000 + i).to_string(),
        age_ms: 1_000,
        peers_asked: 3,
        why: None,
    });
    let theirs = (0..PEERS)
        .map(|p| {
            let wants = (0..WANTS_PER_PEER)
                .map(|w| TheirWantInfo {
                    cid: cid(p * WANTS_PER_PEER + w).to_string(),
                    want_type: WantKind::WantBlock,
                    send_dont_have: true,
                    age_ms: 2_000,
                })
                .collect();
            (peer(p), wants)
        })
        .collect();
    let wantlists = Wantlists { ours: ours.collect(), theirs };
    node(at_ms, NodeEvent::Snapshot { peers, departed: Vec::new(), wantlists, dropped_events: 0 })
}

fn loaded() -> AppState {
    let mut s = AppState::new();
    for i in 0..PEERS {
        let connected = NodeEvent::Connected {
            peer: peer(i),
            addr: format!("/ip4/10.0.{}.{}/tcp/4001", i / 250, i % 250),
            direction: Direction::Out,
            transport: Transport::Tcp,
        };
        update(&mut s, node(0, connected));
        let agent = if i % 7 == 0 { "日本語のエージェント/0.1 🚀" } else { "kubo/0.38.1/" };
        let identified =
            NodeEvent::Identified { peer: peer(i), agent: agent.into(), protocols: vec!["/ipfs/bitswap/1.2.0".into()] };
        update(&mut s, node(0, identified));
        update(&mut s, node(0, NodeEvent::Ping { peer: peer(i), rtt_ms: 0.1 * i as f64 }));
    }
    update(&mut s, snapshot(1_000));
    let kinds = [EntryKind::WantHave, EntryKind::Have, EntryKind::WantBlock, EntryKind::Block, EntryKind::DontHave];
    for i in 0..MAX_TRANSFERS {
        let kind = kinds[i % kinds.len()];
        let event = NodeEvent::Bitswap {
            direction: if i % 2 == 0 { Direction::In } else { Direction::Out },
            peer: peer(i % PEERS),
            kind,
            cid: cid(500_000 + i).to_string(),
            size: (kind == EntryKind::Block).then_some(262_144),
            latency_ms: Some(1.5),
        };
        update(&mut s, node(1_000 + i as u64 / 10, event));
    }
    for i in 0..MAX_LOG {
        update(&mut s, Msg::Log(format!("INFO line {i}: dialing /ip4/10.0.0.{}/tcp/4001 ファイル名.txt", i % 250)));
    }
    update(&mut s, Msg::Tick { now_ms: 3_000 });
    s
}

/// CPU time this thread has run, from the scheduler (`/proc/thread-self/schedstat`, brought up to date at each
/// tick): on a shared machine the wall time of a frame includes the time other processes held the core, the CPU time
/// does not. Read over a whole run of frames, not per frame (it moves in ticks).
fn cpu() -> Duration {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    Duration::from_nanos(text.split_whitespace().next().and_then(|n| n.parse().ok()).unwrap_or(0))
}

/// Runs `f` `n` times: "wall median / p99, CPU mean" over the runs.
fn measure(n: usize, mut f: impl FnMut(usize)) -> String {
    let start = cpu();
    let wall: Vec<Duration> = (0..n)
        .map(|i| {
            let t = Instant::now();
            f(i);
            t.elapsed()
        })
        .collect();
    let mean = cpu().saturating_sub(start) / n as u32;
    let (w50, w99) = stats(wall);
    format!("wall {w50:>9.2?} / {w99:>9.2?}   cpu mean {mean:>9.2?}")
}

/// Median and p99 of `times`.
fn stats(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    let at = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
    (at(0.5), at(0.99))
}

fn frames(state: &AppState, w: u16, h: u16, n: usize) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    measure(n, |_| {
        terminal.draw(|f| swarmscope::ui::render(f, state)).expect("draw");
    })
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(200);
    let t = Instant::now();
    let mut s = loaded();
    println!(
        "state: {} peers, {} wants, {} transfer rows, {} log lines (built in {:?})",
        s.peers.len(),
        s.rows(Pane::Wantlists),
        s.transfers.len(),
        s.log.len(),
        t.elapsed()
    );
    println!("frame render over {n} frames, median / p99 (wall, and CPU time of this thread):");
    for (w, h) in [(200u16, 50u16), (80, 24)] {
        update(&mut s, Msg::Resize { width: w, height: h });
        s.single = false;
        s.pane = Some(Pane::Peers);
        if s.dashboard_on(w, h) {
            println!("  {w}x{h} dashboard         {}", frames(&s, w, h, n));
        }
        s.single = true;
        for pane in Pane::ALL {
            s.pane = Some(pane);
            // The selection at the last row: the window a pane builds is at the far end of its rows.
            let last = s.rows(pane).saturating_sub(1);
            for (at, sel) in [("top", 0), ("end", last)] {
                s.selected.insert(pane, sel);
                println!("  {w}x{h} {:<11} {at:<4} {}", pane.title(), frames(&s, w, h, n));
            }
            s.selected.insert(pane, 0);
        }
    }
    // The reducer's cost of a snapshot this size, with the Wantlists pane focused (the selection follows its item).
    s.single = true;
    s.pane = Some(Pane::Wantlists);
    s.selected.insert(Pane::Wantlists, 50_000);
    // The snapshots are made beforehand: what is timed is the reducer taking one.
    let mut msgs: Vec<Option<Msg>> = (0..20).map(|i| Some(snapshot(4_000 + i as u64 * 1_000))).collect();
    let took = measure(20, |i| {
        update(&mut s, msgs[i].take().expect("one each"));
    });
    println!("reducer, one snapshot of {PEERS} peers / {} wants: {took}", s.rows(Pane::Wantlists));
    let took = measure(200, |_| {
        update(&mut s, Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('j'))));
    });
    println!("reducer, `j` in Wantlists: {took}");
    node_snapshot();
}

/// The node task's side: the wantlists part of a snapshot (each peer's wantlist as `TheirWantInfo`s with its id as
/// text), for 1,000 peers of 100 wants, as `NodeTask::wantlists` builds it every second.
fn node_snapshot() {
    let lists: Vec<(libp2p::PeerId, PeerWantlist)> = (0..PEERS)
        .map(|p| {
            let wants: Vec<Want> = (0..WANTS_PER_PEER)
                .map(|w| Want {
                    cid: cid(p * WANTS_PER_PEER + w),
                    want_type: WantType::Block,
                    send_dont_have: true,
                    cancel: false,
                    priority: 1,
                })
                .collect();
            let mut list = PeerWantlist::default();
            list.apply(true, &wants);
            (libp2p::PeerId::random(), list)
        })
        .collect();
    let build = || {
        let theirs: std::collections::HashMap<String, Vec<TheirWantInfo>> =
            lists.iter().map(|(p, l)| (p.to_string(), l.infos())).collect();
        std::hint::black_box(theirs);
    };
    let first = measure(1, |_| build());
    let then = measure(20, |_| build());
    println!("node task, the wantlists of a snapshot ({PEERS} peers x {WANTS_PER_PEER} wants):");
    println!("  the first  {first}");
    println!("  20 more    {then}");
}
