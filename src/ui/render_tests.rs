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
use crate::node::trace::why::{Evidence, Reason, Why};
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
                    bitswap_version: None,
                    relayed: false,
                }],
                departed: vec![],
                wantlists: Wantlists {
                    ours: vec![OurWantInfo {
                        cid: CID.into(),
                        age_ms: 4_000,
                        peers_asked: 1,
                        why: Some(Why {
                            reason: Reason::NoAnswer,
                            evidence: Evidence {
                                peers: vec![PEER.into()],
                                asked: Some(1),
                                waited_ms: Some(4_000),
                                ..Evidence::default()
                            },
                        }),
                    }],
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

/// A state with a burst 3 s ago coming in and a steady stream going out.
fn with_rates() -> AppState {
    let mut s = state();
    for sec in 30..65u64 {
        s.bytes_out.add(sec * 1000, 2 << 20);
    }
    s.bytes_in.add(62_000, 8 << 20);
    s.bytes_in.add(65_000, 0);
    s.bytes_out.add(65_000, 0);
    s
}

#[test]
fn header_graphs_end_at_the_right_edge_with_their_scale() {
    let s = with_rates();
    let wide = draw(&s, 120, 40);
    insta::assert_snapshot!("header_graphs_120x40", wide.backend());
    let narrow = draw(&s, 80, 24);
    insta::assert_snapshot!("header_graphs_80x24", narrow.backend());
    for t in [&wide, &narrow] {
        let text = format!("{}", t.backend());
        assert!(text.contains("max 8.0") && text.contains("out 2.0"), "{text}");
        // The newest second is drawn in the last column of the out graph (inside the border).
        let buf = t.backend().buffer();
        let x = buf.area.width - 2;
        assert_ne!(buf[(x, 3)].symbol(), " ", "out graph's newest second at the right edge");
        assert_eq!(buf[(x, 3)].fg, Color::Blue);
    }
}

#[test]
fn a_held_selection_is_highlighted_and_said_in_the_title() {
    let mut s = pane(Pane::Transfers);
    send(&mut s, Msg::Resize { width: 80, height: 24 });
    key(&mut s, 'j');
    key(&mut s, 'j');
    let narrow = draw(&s, 80, 24);
    insta::assert_snapshot!("transfers_held_80x24", narrow.backend());
    insta::assert_snapshot!("transfers_held_120x40", draw(&s, 120, 40).backend());
    let text = format!("{}", narrow.backend());
    assert!(text.contains("selection held"), "{text}");
    // The third row (screen line 10) is the highlighted one.
    let buf = narrow.backend().buffer();
    assert!(buf[(2, 10)].modifier.contains(ratatui::style::Modifier::REVERSED));
    assert!(!buf[(2, 9)].modifier.contains(ratatui::style::Modifier::REVERSED));
    // Wantlists: one selection over both lists; the second row is the first of theirs.
    let mut w = pane(Pane::Wantlists);
    key(&mut w, 'j');
    let t = draw(&w, 80, 24);
    insta::assert_snapshot!("wantlists_theirs_selected_80x24", t.backend());
    let text = format!("{}", t.backend());
    let line = text.lines().find(|l| l.contains("…LQTMzLf")).unwrap();
    let y = text.lines().position(|l| l == line).unwrap() as u16;
    assert!(t.backend().buffer()[(2, y)].modifier.contains(ratatui::style::Modifier::REVERSED));
}

fn code(s: &mut AppState, code: crossterm::event::KeyCode) {
    send(s, Msg::Key(crossterm::event::KeyEvent::from(code)));
}

#[test]
fn typed_input_is_visible_at_40x10() {
    let mut s = state();
    send(&mut s, Msg::Resize { width: 40, height: 10 });
    key(&mut s, ':');
    for c in "get bafkreibceu2i6hie".chars() {
        key(&mut s, c);
    }
    let t = draw(&s, 40, 10);
    insta::assert_snapshot!("input_40x10", t.backend());
    assert!(format!("{}", t.backend()).contains("get bafkreibceu2i6hie"));
}

#[test]
fn ids_are_cut_in_the_middle_and_addresses_keep_their_port() {
    // The Peers pane alone at 200 columns (`z`: not the dashboard).
    let mut s = pane(Pane::Peers);
    s.single = true;
    let t = draw(&s, 200, 50);
    let text = format!("{}", t.backend());
    assert!(text.contains(PEER), "the whole peer id at 200 columns:\n{text}");
    assert!(text.contains("/ip4/127.0.0.1/tcp/40111"), "{text}");
    let narrow = format!("{}", draw(&s, 120, 40).backend());
    assert!(narrow.contains("…") && narrow.contains("/tcp/40111"), "the port survives:\n{narrow}");
    let transfers = format!("{}", draw(&pane(Pane::Transfers), 80, 24).backend());
    assert!(transfers.contains("bafkrei") && transfers.contains("atv5sq"), "both ends of the CID:\n{transfers}");
}

#[test]
fn the_help_scrolls_at_80x24_and_messages_time_out_without_hiding_the_key_hints() {
    let mut s = state();
    send(&mut s, Msg::Resize { width: 80, height: 24 });
    key(&mut s, '?');
    let top = format!("{}", draw(&s, 80, 24).backend());
    assert!(!top.contains("quit   leave"), "the end of the help does not fit at 80x24");
    code(&mut s, crossterm::event::KeyCode::End);
    let t = draw(&s, 80, 24);
    insta::assert_snapshot!("help_scrolled_80x24", t.backend());
    let bottom = format!("{}", t.backend());
    assert!(bottom.contains("quit") && !bottom.contains("Tab / Shift-Tab"), "{bottom}");
    key(&mut s, '?');

    send(&mut s, Msg::Status { text: "connect: invalid multiaddr".into(), error: true });
    let text = format!("{}", draw(&s, 80, 24).backend());
    assert!(text.contains("connect: invalid multiaddr") && text.contains("s sort"), "{text}");
    send(&mut s, Msg::Tick { now_ms: NOW + crate::app::state::STATUS_ERROR_MS });
    let text = format!("{}", draw(&s, 80, 24).backend());
    assert!(!text.contains("invalid multiaddr") && text.contains("? help"), "the error timed out:\n{text}");
}

#[test]
fn a_binary_cat_is_previewed_as_hex_inside_its_border() {
    let mut s = state();
    send(
        &mut s,
        Msg::JobDone(Box::new(JobDone {
            id: OpId(9),
            kind: "cat",
            target: Target::Cid(CID.parse().unwrap()),
            shown: Shown::Operation,
            result: Ok(Outcome::Streamed { bytes: 6, truncated: false }),
            output: vec![0x89, b'P', b'N', b'G', 0x1b, b'\n', 0, 0xff],
        })),
    );
    let t = draw(&s, 80, 24);
    insta::assert_snapshot!("cat_binary_80x24", t.backend());
    insta::assert_snapshot!("cat_binary_120x40", draw(&s, 120, 40).backend());
    assert!(format!("{}", t.backend()).contains("89 50 4e 47 1b 0a 00 ff"));
}

#[test]
fn enter_on_a_peer_opens_its_detail_and_a_peer_that_left_stays_greyed() {
    let mut s = state();
    send(
        &mut s,
        at(
            NOW - 2_000,
            NodeEvent::Bitswap {
                direction: Direction::Out,
                peer: PEER.into(),
                kind: EntryKind::Block,
                cid: CID.into(),
                size: Some(3 << 20),
                latency_ms: None,
            },
        ),
    );
    code(&mut s, crossterm::event::KeyCode::Enter);
    assert_eq!(s.detail.as_deref(), Some(PEER));
    let wide = draw(&s, 120, 40);
    insta::assert_snapshot!("peer_detail_120x40", wide.backend());
    insta::assert_snapshot!("peer_detail_80x24", draw(&s, 80, 24).backend());
    let text = format!("{}", wide.backend());
    for needle in
        [PEER, "helia/7.1.15", "/ipfs/bitswap/1.2.0", "/ip4/127.0.0.1/tcp/40111/p2p/", "received 1 blk / 1.0 MiB"]
    {
        assert!(text.contains(needle), "{needle} missing:\n{text}");
    }
    assert!(text.contains("max 3.0 MiB/s"), "the peer's bandwidth graph:\n{text}");

    // It leaves: the detail stays, greyed, with its ledger; Esc goes back to the list, where it is greyed too.
    let left = NodeEvent::Disconnected { peer: PEER.into(), cause: crate::node::events::CloseCause::Idle, error: None };
    send(&mut s, at(NOW, left));
    let text = format!("{}", draw(&s, 80, 24).backend());
    assert!(text.contains("left 0ms ago") && text.contains("received 1 blk"), "{text}");
    code(&mut s, crossterm::event::KeyCode::Esc);
    let t = draw(&s, 80, 24);
    insta::assert_snapshot!("peers_left_80x24", t.backend());
    assert!(format!("{}", t.backend()).contains("Peers (0, 1 left)"));
    assert_eq!(color_of(&t, "helia/7.1.15"), Color::DarkGray);
}

#[test]
fn a_get_of_known_size_shows_percentage_rate_and_eta() {
    let mut s = pane(Pane::Operations);
    send(&mut s, Msg::OpProgress { id: OpId(2), event: crate::ops::OpEvent::Total { bytes: 4 << 20 } });
    let t = draw(&s, 80, 24);
    insta::assert_snapshot!("operations_progress_80x24", t.backend());
    insta::assert_snapshot!("operations_progress_120x40", draw(&s, 120, 40).backend());
    let text = format!("{}", t.backend());
    assert!(text.contains(" 25%") && text.contains("eta "), "{text}");
    assert!(text.contains("x cancel"), "the key to cancel is on screen:\n{text}");
}

#[test]
fn a_filtered_log_says_n_of_m() {
    let mut s = pane(Pane::Transfers);
    key(&mut s, '/');
    for c in "kind:want".chars() {
        key(&mut s, c);
    }
    let t = draw(&s, 80, 24);
    insta::assert_snapshot!("transfers_filtered_80x24", t.backend());
    insta::assert_snapshot!("transfers_filtered_120x40", draw(&s, 120, 40).backend());
    assert!(format!("{}", t.backend()).contains("Transfers (2 of 6)"));
}

#[test]
fn the_first_screen_says_how_to_get_a_first_peer_with_a_dialable_address() {
    let mut s = AppState::new();
    send(
        &mut s,
        at(
            0,
            NodeEvent::Ready {
                schema: crate::node::events::SCHEMA_VERSION,
                peer_id: "12D3KooWSBNSdC4QG5v6A6oHQYtM7QgiGtGrZJeLsBkjUwppNeSt".into(),
                listen: vec!["/ip4/127.0.0.1/tcp/4021".into()],
                started_unix_ms: STARTED,
            },
        ),
    );
    let t = draw(&s, 80, 24);
    insta::assert_snapshot!("first_run_80x24", t.backend());
    insta::assert_snapshot!("first_run_120x40", draw(&s, 120, 40).backend());
    let text = format!("{}", draw(&s, 120, 40).backend());
    for needle in [
        ":connect",
        "swarmscope demo",
        "/ip4/127.0.0.1/tcp/4021/p2p/12D3KooWSBNSdC4QG5v6A6oHQYtM7QgiGtGrZJeLsBkjUwppNeSt",
    ] {
        assert!(text.contains(needle), "{needle}:\n{text}");
    }
}

#[test]
fn the_log_shows_times_wraps_long_lines_and_marks_the_line_y_copies() {
    let mut s = pane(Pane::Log);
    let long = format!("dial failed: /ip4/127.0.0.1/tcp/4021/p2p/{} connection refused", "12D3Koo".repeat(12));
    send(&mut s, Msg::Log(long.clone()));
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let t = draw(&s, w, h);
        let buf = t.backend().buffer();
        let rows: Vec<String> =
            (0..h).map(|y| (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>()).collect();
        // NOW is 16:00:00 UTC on the node's clock.
        let first = rows.iter().position(|r| r.contains("16:00:00 dial failed")).expect("time then text");
        let text_width = w as usize - 2 - 9;
        let pieces: Vec<String> = long.chars().collect::<Vec<_>>().chunks(text_width).map(String::from_iter).collect();
        assert!(pieces.len() > 1, "the line is longer than the pane");
        for (n, piece) in pieces.iter().enumerate() {
            let row = &rows[first + n];
            assert!(row.contains(&format!("{}{piece}", if n == 0 { "16:00:00 " } else { "         " })), "{row}");
            // The newest line is selected (what `y` copies): drawn reversed, all its rows.
            let x = row.find(piece.as_str()).unwrap() as u16;
            assert!(buf[(x, (first + n) as u16)].modifier.contains(ratatui::style::Modifier::REVERSED));
        }
    }
    insta::assert_snapshot!("log_pane_wrapped_80x24", draw(&s, 80, 24).backend());
    // Many lines: the pane shows the selected one, at the bottom when it tails, at the top after Home.
    for i in 0..40 {
        send(&mut s, Msg::Log(format!("line {i}")));
    }
    let shown = |s: &AppState| format!("{:?}", draw(s, 80, 24).backend());
    assert!(shown(&s).contains("line 39") && !shown(&s).contains("line 20 "));
    // Tailing, the newest line is on the pane's last row (just above the border), however long the lines above.
    send(&mut s, Msg::Log("x".repeat(500)));
    send(&mut s, Msg::Log("y".repeat(500)));
    send(&mut s, Msg::Log("the newest".into()));
    let t = draw(&s, 80, 24);
    let buf = t.backend().buffer();
    let row = |y: u16| (0..80u16).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>();
    // Below the pane: its border, the status line and the input bar (3).
    let bottom = 24 - 3 - 1 - 1;
    assert!(row(bottom).starts_with("└"), "{}", row(bottom));
    assert!(row(bottom - 1).contains("the newest"), "{}", row(bottom - 1));
    assert!(row(bottom - 2).contains("yyyyyyyy"), "the long line just above it");
    assert!(row(bottom - 12).contains("xxxxxxxx"), "the one before, cut at the top: {}", row(bottom - 12));
    s.selected.insert(Pane::Log, 0);
    assert!(shown(&s).contains("INFO node started") && !shown(&s).contains("line 39"));
}

#[test]
fn a_click_on_a_tab_opens_its_pane() {
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    for (w, h) in [(80u16, 24u16), (120, 40), (60, 12)] {
        let mut s = pane(Pane::Peers);
        send(&mut s, Msg::Resize { width: w, height: h });
        let tabs_y = crate::app::selection::header_rows(h);
        for (i, target) in Pane::ALL.iter().enumerate().rev() {
            // Where the drawn tab bar shows this pane's number, and its last letter.
            let t = draw(&s, w, h);
            let buf = t.backend().buffer();
            let row: Vec<String> = (0..w).map(|x| buf[(x, tabs_y)].symbol().to_string()).collect();
            let label = format!("{} ", i + 1);
            let at = (0..w as usize).find(|&x| row[x..].concat().starts_with(&label)).expect("the tab is drawn");
            let click = |column| {
                Msg::Mouse(MouseEvent {
                    kind: MouseEventKind::Down(MouseButton::Left),
                    column,
                    row: tabs_y,
                    modifiers: KeyModifiers::NONE,
                })
            };
            s.pane = Some(Pane::Peers);
            send(&mut s, click(at as u16 + 2));
            assert_eq!(s.pane(), *target, "{w}x{h}: a click on {label:?} at column {}", at + 2);
        }
        // A click below the tabs does not switch.
        send(
            &mut s,
            Msg::Mouse(MouseEvent {
                kind: MouseEventKind::Down(MouseButton::Left),
                column: 2,
                row: tabs_y + 1,
                modifiers: KeyModifiers::NONE,
            }),
        );
        assert_eq!(s.pane(), Pane::Peers);
    }
}

#[path = "render_dashboard_tests.rs"]
mod dashboard;
