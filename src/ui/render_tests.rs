//! Every pane rendered into a `TestBackend` at 120×40 and 80×24 from a fixed state, compared with reviewed
//! snapshots (insta); colours that carry meaning are asserted on the buffer.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

use super::render;
use crate::app::job::{Shown, Target};
use crate::app::msg::{JobDone, Msg};
use crate::app::state::{AppState, Pane};
use crate::app::update::update;
use crate::node::bitswap::ledger::Ledger;
use crate::node::events::{Direction, EntryKind, Event, NodeEvent, OpId, OurWantInfo, PeerSnapshot, Transport};
use crate::node::events::{TheirWantInfo, WantKind, Wantlists};
use crate::ops::Outcome;
use crate::ops::explore::{DagRow, Explored};

/// The node started 65 s before the screen is drawn, at this wall-clock time.
const STARTED: u64 = 1_764_000_000_000 - 65_000;
/// The node's clock when the screen is drawn.
const NOW: u64 = 65_000;
const PEER: &str = "12D3KooWQdyXe6437mcrku6raQEkxMYok54tJYVamkq8kLQTMzLf";
const CID: &str = "bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq";

/// Sends one message through the reducer, as the run loop does (the effects are not carried out here).
fn send(s: &mut AppState, msg: Msg) {
    update(s, msg);
}

/// A key press outside the input bar.
fn key(s: &mut AppState, c: char) {
    send(s, Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char(c))));
}

/// A node event at `at_ms` on the node's clock.
fn at(at_ms: u64, kind: NodeEvent) -> Msg {
    Msg::Node(Event { seq: 0, at_ms, kind })
}

fn state() -> AppState {
    let mut s = AppState::new();
    send(
        &mut s,
        at(
            0,
            NodeEvent::Ready {
                schema: crate::node::events::SCHEMA_VERSION,
                peer_id: "12D3KooWSBNSdC4QG5v6A6oHQYtM7QgiGtGrZJeLsBkjUwppNeSt".into(),
                listen: vec!["/ip4/127.0.0.1/tcp/4021/p2p/12D3KooWSBNSdC4QG5v6A6oHQYtM7QgiGtGrZJeLsBkjUwppNeSt".into()],
                started_unix_ms: STARTED,
            },
        ),
    );
    send(
        &mut s,
        at(
            0,
            NodeEvent::Connected {
                peer: PEER.into(),
                addr: "/ip4/127.0.0.1/tcp/40111".into(),
                direction: Direction::Out,
                transport: Transport::Tcp,
            },
        ),
    );
    send(
        &mut s,
        at(
            0,
            NodeEvent::Identified {
                peer: PEER.into(),
                agent: "helia/7.1.15".into(),
                protocols: vec!["/ipfs/bitswap/1.2.0".into()],
            },
        ),
    );
    send(&mut s, at(0, NodeEvent::Ping { peer: PEER.into(), rtt_ms: 0.42 }));
    send(&mut s, Msg::Tick { now_ms: NOW });
    let entries = [
        (Direction::Out, EntryKind::WantHave, None, None),
        (Direction::In, EntryKind::Have, None, None),
        (Direction::Out, EntryKind::WantBlock, None, None),
        (Direction::In, EntryKind::Block, Some(1_048_576), Some(2.5)),
        (Direction::In, EntryKind::DontHave, None, None),
        (Direction::Out, EntryKind::Cancel, None, None),
    ];
    for (direction, kind, size, latency_ms) in entries {
        send(
            &mut s,
            at(NOW, NodeEvent::Bitswap { direction, peer: PEER.into(), kind, cid: CID.into(), size, latency_ms }),
        );
    }
    let ledger = Ledger {
        bytes_received: 1_048_576,
        blocks_received: 1,
        wants_sent: 2,
        haves_received: 1,
        dont_haves_received: 1,
        last_exchange_ms: Some(NOW - 3_000),
        ..Default::default()
    };
    let mut theirs = std::collections::HashMap::new();
    theirs.insert(
        PEER.to_string(),
        vec![TheirWantInfo { cid: CID.into(), want_type: WantKind::WantBlock, send_dont_have: true, age_ms: 1_200 }],
    );
    send(
        &mut s,
        at(
            NOW,
            NodeEvent::Snapshot {
                peers: vec![PeerSnapshot {
                    peer: PEER.into(),
                    addr: Some("/ip4/127.0.0.1/tcp/40111".into()),
                    agent: Some("helia/7.1.15".into()),
                    bitswap: true,
                    debt_ratio: 0.0,
                    ledger,
                }],
                departed: vec![],
                wantlists: Wantlists {
                    ours: vec![OurWantInfo { cid: CID.into(), age_ms: 4_000, peers_asked: 1 }],
                    theirs,
                },
                dropped_events: 0,
            },
        ),
    );
    send(&mut s, Msg::Stored { blocks: 42, bytes: 44_040_192 });
    send(&mut s, Msg::OpStarted { id: OpId(1), kind: "put".into(), target: Target::Text(29) });
    send(
        &mut s,
        Msg::JobDone(Box::new(JobDone {
            id: OpId(1),
            kind: "put",
            target: Target::Text(29),
            shown: Shown::Operation,
            result: Ok(Outcome::Added { roots: vec![CID.parse().unwrap()] }),
            output: Vec::new(),
        })),
    );
    send(
        &mut s,
        Msg::OpStarted {
            id: OpId(2),
            kind: "get".into(),
            target: Target::Cid("bafybeif3vmztgjykilecdgs5pq5plw2hskptwfmgq2xjml2dtc4nqtdi5e".parse().unwrap()),
        },
    );
    send(
        &mut s,
        at(
            NOW,
            NodeEvent::Progress {
                op: OpId(2),
                cid: "bafybeif3vmztgjykilecdgs5pq5plw2hskptwfmgq2xjml2dtc4nqtdi5e".into(),
                blocks: 1,
                bytes: 1_048_576,
                total_bytes: None,
            },
        ),
    );
    send(&mut s, Msg::Log("INFO node started".into()));
    send(&mut s, Msg::Log("error: dial failed: connection refused".into()));
    s
}

fn draw(state: &AppState, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| render(f, state)).unwrap();
    t
}

fn pane(p: Pane) -> AppState {
    let mut s = state();
    s.pane = Some(p);
    s
}

macro_rules! snapshots {
    ($($name:ident: $pane:expr),* $(,)?) => {$(
        #[test]
        fn $name() {
            let s = pane($pane);
            insta::assert_snapshot!(concat!(stringify!($name), "_120x40"), draw(&s, 120, 40).backend());
            insta::assert_snapshot!(concat!(stringify!($name), "_80x24"), draw(&s, 80, 24).backend());
        }
    )*};
}

fn explored() -> AppState {
    let mut s = pane(Pane::Explorer);
    let row = |depth, name: &str, cid: &str, size, kind: &str, present| DagRow {
        depth,
        name: name.into(),
        cid: cid.parse().unwrap(),
        size,
        kind: kind.into(),
        present,
    };
    let root: cid::Cid = "bafybeif3vmztgjykilecdgs5pq5plw2hskptwfmgq2xjml2dtc4nqtdi5e".parse().unwrap();
    let explored = Explored {
        root,
        rows: vec![
            row(0, "", "bafybeif3vmztgjykilecdgs5pq5plw2hskptwfmgq2xjml2dtc4nqtdi5e", 104, "file", true),
            row(1, "", "bafkreicrv6zvluayzycjrfe7c3xpcrvwpwpeobfpbqlyvrs2zicjigsn2a", 1_048_576, "raw", true),
            row(1, "", CID, 1, "missing", false),
        ],
        truncated: false,
    };
    send(
        &mut s,
        Msg::JobDone(Box::new(JobDone {
            id: OpId(3),
            kind: "explore",
            target: Target::Cid(root),
            shown: Shown::Quiet,
            result: Ok(Outcome::Explored(explored)),
            output: Vec::new(),
        })),
    );
    s
}

#[test]
fn explorer_pane_shows_missing_blocks_in_red() {
    let s = explored();
    let t = draw(&s, 120, 40);
    insta::assert_snapshot!("explorer_pane_120x40", t.backend());
    insta::assert_snapshot!("explorer_pane_80x24", draw(&s, 80, 24).backend());
    assert_eq!(color_of(&t, "MISSING"), Color::Red);
}

snapshots! {
    peers_pane: Pane::Peers,
    wantlists_pane: Pane::Wantlists,
    ledger_pane: Pane::Ledger,
    transfers_pane: Pane::Transfers,
    operations_pane: Pane::Operations,
    log_pane: Pane::Log,
}

#[test]
fn help_overlay_lists_every_key_and_command() {
    let mut s = state();
    key(&mut s, '?');
    let t = draw(&s, 120, 40);
    insta::assert_snapshot!("help_120x40", t.backend());
    let text = format!("{}", t.backend());
    for b in crate::app::keymap::BINDINGS {
        assert!(text.contains(b.keys), "{} missing from help", b.keys);
    }
}

/// Finds the first cell of `needle` on screen and returns its foreground colour.
fn color_of(t: &Terminal<TestBackend>, needle: &str) -> Color {
    let buf = t.backend().buffer();
    for y in 0..buf.area.height {
        let line: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect();
        // The needle as a word of its own: "HAVE" must not match inside "DONT_HAVE".
        let mut from = 0;
        while let Some(off) = line[from..].find(needle) {
            let x = from + off;
            if x == 0 || line[..x].ends_with(' ') {
                let col = line[..x].chars().count() as u16;
                return buf[(col, y)].fg;
            }
            from = x + needle.len();
        }
    }
    panic!("{needle} not on screen");
}

#[test]
fn kinds_have_their_colours_in_the_transfer_log() {
    let t = draw(&pane(Pane::Transfers), 120, 40);
    assert_eq!(color_of(&t, "BLOCK"), Color::Green);
    assert_eq!(color_of(&t, "DONT_HAVE"), Color::Red);
    assert_eq!(color_of(&t, "HAVE"), Color::Cyan);
    assert_eq!(color_of(&t, "WANT_HAVE"), Color::Yellow);
}

#[test]
fn paused_and_filtered_logs_say_so() {
    let mut s = pane(Pane::Transfers);
    key(&mut s, 'p');
    s.filter = crate::app::state::Filter::parse("kind:BLOCK");
    let text = format!("{}", draw(&s, 120, 40).backend());
    assert!(text.contains("[PAUSED]") && text.contains("filter kind:BLOCK"), "{text}");
    assert_eq!(text.matches("WANT_HAVE").count(), 0);
}

#[test]
fn errors_in_the_status_line_are_red() {
    let mut s = state();
    send(&mut s, Msg::Status { text: "connect: invalid multiaddr".into(), error: true });
    let t = draw(&s, 80, 24);
    assert_eq!(color_of(&t, "connect: invalid multiaddr"), Color::Red);
}
