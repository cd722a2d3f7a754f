//! How many node events the TUI's reducer takes per second while frames keep being drawn at 200×50, and what one
//! frame costs. `cargo run --release --example bench_tui [EVENTS]`; scripts/bench-tui also measures idle CPU.

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use swarmscope::app::msg::Msg;
use swarmscope::app::state::{AppState, Pane};
use swarmscope::app::update::update;
use swarmscope::node::events::{Direction, EntryKind, Event, NodeEvent};

fn main() {
    let total: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let kinds = [
        EntryKind::WantHave,
        EntryKind::Have,
        EntryKind::WantBlock,
        EntryKind::Block,
        EntryKind::DontHave,
        EntryKind::Cancel,
    ];
    let peers: Vec<String> =
        (0..20).map(|i| format!("12D3KooWPeer{i:02}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")).collect();
    // The run loop draws at most every 33 ms: feed what arrives in 33 ms at 50,000 events/s, then draw.
    let per_frame = 50_000 * 33 / 1000;
    let events: Vec<Event> = (0..total)
        .map(|i| Event {
            seq: i as u64 + 1,
            at_ms: (i / per_frame) as u64 * 33,
            kind: NodeEvent::Bitswap {
                direction: if i % 2 == 0 { Direction::In } else { Direction::Out },
                peer: peers[i % peers.len()].clone(),
                kind: kinds[i % kinds.len()],
                cid: format!("bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g{:07}", i % 9_999_999),
                size: Some(262_144),
                latency_ms: Some(1.5),
            },
        })
        .collect();
    let mut state = AppState::new();
    state.pane = Some(Pane::Transfers);
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).expect("test backend");
    let mut frames = Vec::new();
    let start = Instant::now();
    let mut now = 0u64;
    for chunk in events.chunks(per_frame) {
        now += 33;
        update(&mut state, Msg::Tick { now_ms: now });
        for e in chunk {
            update(&mut state, Msg::Node(e.clone()));
        }
        let t = Instant::now();
        terminal.draw(|f| swarmscope::ui::render(f, &state)).expect("draw");
        frames.push(t.elapsed());
    }
    let elapsed = start.elapsed();
    frames.sort();
    let pct = |p: f64| frames[((frames.len() - 1) as f64 * p) as usize];
    let render: Duration = frames.iter().sum();
    println!("events: {total}, frames: {} at 200x50 ({per_frame} events per frame)", frames.len());
    println!("events/s ingested with every frame drawn: {:.0}", total as f64 / elapsed.as_secs_f64());
    println!("events/s in the reducer alone: {:.0}", total as f64 / (elapsed - render).as_secs_f64());
    println!("frame render: median {:?}, p99 {:?}, max {:?}", pct(0.5), pct(0.99), frames[frames.len() - 1]);
}
