//! The peer detail's provenance line and its latency and throughput sparklines, from snapshots fed through the
//! reducer, at 80×24 and 120×40.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

use crate::app::msg::Msg;
use crate::app::state::{AppState, MAX_SAMPLES, Pane};
use crate::app::update::update;
use crate::node::bitswap::ledger::Ledger;
use crate::node::bitswap::peer_stats::PeerFigures;
use crate::node::events::{Direction, Event, NodeEvent, PeerSnapshot, Transport, Wantlists};

const PEER: &str = "12D3KooWQdyXe6437mcrku6raQEkxMYok54tJYVamkq8kLQTMzLf";

fn snapshot(latency_ms: Option<f64>, throughput_bps: Option<f64>, firsts: u64, dups: u64) -> NodeEvent {
    let ledger = Ledger {
        blocks_received: firsts,
        duplicate_blocks: dups,
        bytes_received: (firsts + dups) << 18,
        figures: PeerFigures { latency_ms, throughput_bps, ..PeerFigures::default() },
        ..Ledger::default()
    };
    let peer = PeerSnapshot {
        peer: PEER.into(),
        addr: Some("/ip4/127.0.0.1/tcp/40111".into()),
        agent: Some("helia/7.1.15".into()),
        bitswap: true,
        debt_ratio: 0.0,
        ledger,
        bitswap_version: Some("1.2.0".into()),
        relayed: false,
    };
    NodeEvent::Snapshot { peers: vec![peer], departed: vec![], wantlists: Wantlists::default(), dropped_events: 0 }
}

/// A peer measured over `n` snapshots: latency rising 10 → 10+n ms, throughput rising then falling (peak 8 MiB/s).
fn measured(n: u64) -> AppState {
    let mut s = AppState::new();
    let mut seq = 0;
    let mut send = |s: &mut AppState, at_ms: u64, kind: NodeEvent| {
        seq += 1;
        update(s, Msg::Node(Event { seq, at_ms, kind }));
    };
    let connected = NodeEvent::Connected {
        peer: PEER.into(),
        addr: "/ip4/127.0.0.1/tcp/40111".into(),
        direction: Direction::Out,
        transport: Transport::Tcp,
    };
    send(&mut s, 0, connected);
    for i in 0..n {
        let throughput = (8 << 20) as f64 * (1.0 - (i as f64 - n as f64 / 2.0).abs() / n as f64);
        send(&mut s, 1_000 * (i + 1), snapshot(Some(10.0 + i as f64), Some(throughput), 10 * i, i));
    }
    update(&mut s, Msg::Tick { now_ms: 1_000 * (n + 1) });
    s.pane = Some(Pane::Peers);
    s.detail = Some(PEER.into());
    s
}

fn draw(s: &AppState, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| super::super::render(f, s)).unwrap();
    t
}

#[test]
fn the_detail_shows_provenance_and_latency_and_throughput_sparklines_from_snapshots() {
    let s = measured(30);
    let big = draw(&s, 120, 40);
    insta::assert_snapshot!("peer_detail_sparklines_120x40", big.backend());
    insta::assert_snapshot!("peer_detail_sparklines_80x24", draw(&s, 80, 24).backend());
    let text = format!("{}", big.backend());
    assert!(text.contains("first sender of 290 blk · 29 duplicates (9%)"), "{text}");
    assert!(text.contains("latency 39.0ms") && text.contains("max 39.0ms"), "the newest and the highest:\n{text}");
    assert!(text.contains("throughput "), "{text}");
    // The latency sparkline rises: its bars are not all alike, and they are yellow.
    let buf = big.backend().buffer();
    let row = (0..buf.area.height).find(|&y| {
        (0..buf.area.width).any(|x| {
            buf[(x, y)].symbol() == "l" && {
                let line: String = (x..(x + 7).min(buf.area.width)).map(|x| buf[(x, y)].symbol().to_string()).collect();
                line == "latency"
            }
        })
    });
    let y = row.expect("a latency sparkline") + 1;
    let bars: Vec<(String, Color)> =
        (1..40).map(|x| (buf[(x, y + 3)].symbol().to_string(), buf[(x, y + 3)].fg)).collect();
    assert!(bars.iter().any(|(b, _)| b == " ") && bars.iter().any(|(b, _)| b != " "), "it rises: {bars:?}");
    assert!(bars.iter().filter(|(b, _)| b != " ").all(|(_, c)| *c == Color::Yellow), "{bars:?}");
}

#[test]
fn the_samples_are_a_bounded_ring() {
    let s = measured(MAX_SAMPLES as u64 + 20);
    let p = &s.peers[PEER];
    assert_eq!((p.latency_samples.len(), p.throughput_samples.len()), (MAX_SAMPLES, MAX_SAMPLES));
    assert_eq!(p.latency_samples.back(), Some(&((10 + MAX_SAMPLES as u64 + 19) * 10)), "the newest kept");
    assert_eq!(p.latency_samples.front(), Some(&((10 + 20) * 10)), "the oldest dropped");
}
