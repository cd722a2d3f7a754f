//! The timeline over the panes, at 80×24 and 120×40: a want two peers were asked for (one said DONT_HAVE, one is
//! silent) with a provider search, and a DAG fetch's pending blocks.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

use crate::app::state::{AppState, Pane};
use crate::node::trace::report::{PendingBlock, WhyReport};
use crate::node::trace::why::{Evidence, Reason};
use crate::node::trace::{Mark, MarkKind};

const CID: &str = "bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq";
const A: &str = "12D3KooWQdyXe6437mcrku6raQEkxMYok54tJYVamkq8kLQTMzLf";
const B: &str = "12D3KooWHM4NaSxtXw8vR6LhE1WjSP3aCnmrrxrJTgHYYxDcbVXZ";

fn mark(at_ms: u64, peer: Option<&str>, kind: MarkKind, detail: Option<&str>) -> Mark {
    Mark { at_ms, peer: peer.map(str::to_string), kind, detail: detail.map(str::to_string) }
}

fn report() -> WhyReport {
    WhyReport {
        cid: CID.into(),
        wanted: true,
        reason: Some(Reason::NoAnswer),
        text: "no answer from 2 (6 s)".into(),
        evidence: Some(Evidence {
            peers: vec![B.into()],
            asked: Some(2),
            waited_ms: Some(6_000),
            timeout_ms: Some(5_000),
            ..Evidence::default()
        }),
        now_ms: 16_000,
        first_ms: Some(10_000),
        timeline: vec![
            mark(10_000, Some(A), MarkKind::WantHave, None),
            mark(10_000, Some(B), MarkKind::WantHave, None),
            mark(10_040, Some(A), MarkKind::DontHave, None),
            mark(11_000, None, MarkKind::SearchStart, Some("query 1")),
            mark(12_500, None, MarkKind::SearchEnd, Some("0 found")),
            mark(13_000, Some(B), MarkKind::WantBlock, None),
        ],
        dropped_marks: 0,
        blocks: Vec::new(),
        dag: None,
    }
}

fn dag() -> WhyReport {
    let block = |c: &str, age_ms, reason, text: &str| PendingBlock {
        cid: c.into(),
        age_ms,
        reason,
        text: text.into(),
        evidence: Evidence::default(),
    };
    WhyReport {
        wanted: true,
        reason: Some(Reason::AllDontHave),
        text: "3 blocks pending; the oldest: all 2 said DONT_HAVE".into(),
        evidence: Some(Evidence { peers: vec![A.into(), B.into()], asked: Some(2), ..Evidence::default() }),
        timeline: Vec::new(),
        first_ms: None,
        blocks: vec![
            block(
                "bafkreiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1",
                6_000,
                Reason::AllDontHave,
                "all 2 said DONT_HAVE",
            ),
            block(
                "bafkreiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2",
                3_000,
                Reason::NoAnswer,
                "no answer from 2 (3 s)",
            ),
            block(
                "bafkreiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa3",
                500,
                Reason::Receiving,
                "receiving (HAVE from 1)",
            ),
        ],
        ..report()
    }
}

fn open(r: Option<WhyReport>) -> AppState {
    let mut s = AppState::new();
    s.now_ms = 16_000;
    s.pane = Some(Pane::Wantlists);
    s.timeline_cid = Some(CID.parse().unwrap());
    s.timeline = r;
    s
}

fn draw(s: &AppState, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| super::super::render(f, s)).unwrap();
    t
}

/// The colour of the first cell showing `symbol` on the row that ends with `row_end` (a label).
fn colour_on_row(t: &Terminal<TestBackend>, label: &str, symbol: &str) -> Option<Color> {
    let buf = t.backend().buffer();
    let area = buf.area;
    (0..area.height).find_map(|y| {
        let line: String = (0..area.width).map(|x| buf[(x, y)].symbol().to_string()).collect();
        if !line.contains(label) {
            return None;
        }
        let start = line.find(label)? + label.len();
        (0..area.width).skip(start).find(|&x| buf[(x, y)].symbol() == symbol).map(|x| buf[(x, y)].fg)
    })
}

#[test]
fn the_waterfall_has_a_row_per_peer_and_for_routing_with_marks_at_their_offsets() {
    let s = open(Some(report()));
    let big = draw(&s, 120, 40);
    insta::assert_snapshot!("timeline_peers_120x40", big.backend());
    insta::assert_snapshot!("timeline_peers_80x24", draw(&s, 80, 24).backend());
    assert_eq!(colour_on_row(&big, "kLQTMzLf ", "D"), Some(Color::Red), "a DONT_HAVE is red");
    assert_eq!(colour_on_row(&big, "kLQTMzLf ", "h"), Some(Color::Yellow), "a WANT_HAVE as in the transfer log");
}

#[test]
fn a_dag_shows_its_pending_blocks_oldest_first_and_a_pending_answer_says_so() {
    insta::assert_snapshot!("timeline_dag_120x40", draw(&open(Some(dag())), 120, 40).backend());
    let asking = draw(&open(None), 80, 24);
    let text: String = asking.backend().buffer().content().iter().map(|c| c.symbol()).collect();
    assert!(text.contains("asking the node why"), "{text}");
}

/// A DAG get as the reducer saw it (no node to ask: a replay): root (P, 0 → 40 ms) → a (P, 40 → 90), b (Q,
/// 40 → 900, the slow one, a duplicate from P) → c (Q, 900 → 1,000). Finished unless `running`, which stops it
/// after b with 64 pending, 34 queued and 64 unknown.
pub(crate) fn dag_get(running: bool) -> AppState {
    use crate::app::job::Target;
    use crate::app::msg::Msg;
    use crate::app::update::update;
    use crate::node::events::{DagBlock, Direction, EntryKind, Event, NodeEvent, OpId};
    let a = "bafkreiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let b = "bafkreibbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    let c = "bafkreiccccccccccccccccccccccccccccccccccccccccccccccccccccc";
    let bitswap = |direction, peer: &str, kind, cid: &str, first: bool| NodeEvent::Bitswap {
        direction,
        peer: peer.into(),
        kind,
        cid: cid.into(),
        size: Some(1000),
        latency_ms: first.then_some(1.0),
    };
    let shape = |arrived: &[(&str, Option<&str>)], pending, done| NodeEvent::DagFetch {
        op: OpId(2),
        root: CID.into(),
        pending,
        queued: if done { 0 } else { 34 },
        unknown_under: if done { 0 } else { 64 },
        arrived: arrived
            .iter()
            .map(|(c, p)| DagBlock { cid: c.to_string(), parent: p.map(str::to_string), local: false })
            .collect(),
        done,
    };
    let (i, o) = (Direction::In, Direction::Out);
    let mut events = vec![
        (10_000, bitswap(o, A, EntryKind::WantBlock, CID, false)),
        (10_040, bitswap(i, A, EntryKind::Block, CID, true)),
        (10_041, bitswap(o, A, EntryKind::WantBlock, a, false)),
        (10_041, bitswap(o, B, EntryKind::WantBlock, b, false)),
        (10_090, bitswap(i, A, EntryKind::Block, a, true)),
        (10_100, shape(&[(CID, None), (a, Some(CID))], 1, false)),
        (10_900, bitswap(i, B, EntryKind::Block, b, true)),
        (10_905, bitswap(i, A, EntryKind::Block, b, false)),
        (10_906, bitswap(o, B, EntryKind::WantBlock, c, false)),
    ];
    if running {
        events.push((11_000, shape(&[(b, Some(CID))], 64, false)));
    } else {
        events.push((11_000, bitswap(i, B, EntryKind::Block, c, true)));
        events.push((11_010, shape(&[(b, Some(CID)), (c, Some(b))], 0, true)));
    }
    let mut s = AppState::new();
    for (n, (at_ms, kind)) in events.into_iter().enumerate() {
        update(&mut s, Msg::Node(Event { seq: n as u64 + 1, at_ms, kind }));
    }
    update(&mut s, Msg::Heartbeat { now_ms: 16_000 });
    update(&mut s, Msg::OpStarted { id: OpId(2), kind: "get".into(), target: Target::Cid(CID.parse().unwrap()) });
    s.pane = Some(Pane::Operations);
    update(&mut s, Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('t'))));
    s
}

#[test]
fn a_finished_dag_shows_a_row_per_block_with_the_critical_path_marked() {
    let s = dag_get(false);
    let dag = s.timeline.as_ref().and_then(|t| t.dag.as_ref()).expect("the reducer's trace kept the DAG");
    assert!(dag.done);
    let big = draw(&s, 120, 40);
    insta::assert_snapshot!("timeline_dag_done_120x40", big.backend());
    insta::assert_snapshot!("timeline_dag_done_80x24", draw(&s, 80, 24).backend());
    assert_eq!(colour_on_row(&big, "*bbbbbbbb", "B"), Some(Color::LightMagenta), "the critical path stands out");
    assert_eq!(colour_on_row(&big, " aaaaaaaa", "B"), Some(Color::Green), "a block off the path is a BLOCK");
}

#[test]
fn a_running_dag_says_in_its_header_what_is_not_wanted_yet() {
    let s = dag_get(true);
    let big = draw(&s, 120, 40);
    insta::assert_snapshot!("timeline_dag_running_120x40", big.backend());
    insta::assert_snapshot!("timeline_dag_running_80x24", draw(&s, 80, 24).backend());
    let text: String = big.backend().buffer().content().iter().map(|c| c.symbol()).collect();
    assert!(text.contains("not wanted yet: 34 queued past the window + children of 64 pending (unknown)"), "{text}");
}
