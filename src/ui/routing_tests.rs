//! The Routing pane at 120×40 and 80×24 (insta), its empty state, and the reducer's part: the status lands in the
//! state, a mode change shows at once, the selection follows its query while queries come and go.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

use crate::app::msg::Msg;
use crate::app::state::{AppState, Pane};
use crate::app::update::update;
use crate::node::events::{BucketSize, DhtMode, Event, NodeEvent, QueryKind, RoutingSource, RoutingStatus};
use crate::node::routing::status::{BootstrapState, QueryInfo, QueryOutcome};

const CID: &str = "bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq";
const PEER: &str = "12D3KooWQdyXe6437mcrku6raQEkxMYok54tJYVamkq8kLQTMzLf";

fn node(s: &mut AppState, kind: NodeEvent) {
    update(s, Msg::Node(Event { seq: 0, at_ms: 10_000, kind }));
}

fn query(id: u64, kind: QueryKind, key: &str, found: u64, outcome: QueryOutcome) -> QueryInfo {
    QueryInfo {
        id,
        kind,
        key: key.into(),
        sources: vec![RoutingSource::Dht],
        contacted: 7,
        found,
        elapsed_ms: 1_250,
        ended_ms_ago: if outcome == QueryOutcome::Running { 0 } else { 4_000 },
        outcome,
    }
}

fn status(recent: Vec<QueryInfo>) -> RoutingStatus {
    RoutingStatus {
        dht_mode: "server".into(),
        configured: DhtMode::Server,
        table_size: 9,
        buckets: vec![
            BucketSize { index: 255, peers: 5 },
            BucketSize { index: 254, peers: 3 },
            BucketSize { index: 252, peers: 1 },
        ],
        bootstrap_peers: 1,
        connections: 6,
        queries: 1,
        searches: 1,
        provide_waiting: 3,
        provide_running: 1,
        provide_done: 12,
        provide_failed: 1,
        provide_next: vec![CID.into()],
        recent,
        bootstrap: BootstrapState {
            configured: 2,
            connected: 1,
            last_dial_ms_ago: Some(12_000),
            last_walk: Some("ok: 8 peers answered".into()),
        },
        ..RoutingStatus::default()
    }
}

fn queries() -> Vec<QueryInfo> {
    vec![
        query(4, QueryKind::Search, CID, 2, QueryOutcome::Running),
        query(3, QueryKind::FindPeer, PEER, 1, QueryOutcome::Done),
        query(2, QueryKind::FindProviders, CID, 0, QueryOutcome::Done),
        query(1, QueryKind::Provide, CID, 0, QueryOutcome::Failed { error: "timed out".into() }),
    ]
}

fn routing_state() -> AppState {
    let mut s = AppState::new();
    s.pane = Some(Pane::Routing);
    node(&mut s, NodeEvent::RoutingStatus(Box::new(status(queries()))));
    s
}

fn draw(state: &AppState, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| super::super::render(f, state)).unwrap();
    t
}

/// The foreground colour of the first cell of `needle` on screen.
fn color_of(t: &Terminal<TestBackend>, needle: &str) -> Color {
    let buf = t.backend().buffer();
    for y in 0..buf.area.height {
        let line: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect();
        if let Some(pos) = line.find(needle) {
            let x = line[..pos].chars().count() as u16;
            return buf[(x, y)].fg;
        }
    }
    panic!("{needle:?} not on screen");
}

#[test]
fn routing_pane_shows_mode_table_bootstrap_queries_and_provide_queue() {
    let s = routing_state();
    let t = draw(&s, 120, 40);
    insta::assert_snapshot!("routing_pane_120x40", t.backend());
    insta::assert_snapshot!("routing_pane_80x24", draw(&s, 80, 24).backend());
    let text = format!("{}", t.backend());
    for needle in ["dht server · table 9", "1 of 2 connected", "ok: 8 peers answered", "12 done", "findpeer"] {
        assert!(text.contains(needle), "{needle} missing:\n{text}");
    }
    assert_eq!(color_of(&t, "failed: timed out"), Color::Red);
    assert_eq!(color_of(&t, "running "), Color::Yellow);
}

#[test]
fn routing_pane_with_no_dht_peer_says_what_to_do() {
    let mut s = AppState::new();
    s.pane = Some(Pane::Routing);
    let empty = RoutingStatus { dht_mode: "client".into(), ..Default::default() };
    node(&mut s, NodeEvent::RoutingStatus(Box::new(empty)));
    let t = draw(&s, 80, 24);
    insta::assert_snapshot!("routing_empty_80x24", t.backend());
    let text = format!("{}", t.backend());
    assert!(text.contains("--bootstrap") && text.contains(":connect MA"), "{text}");
    insta::assert_snapshot!("routing_empty_120x40", draw(&s, 120, 40).backend());
}

#[test]
fn the_selection_follows_its_query_as_queries_come_and_go() {
    let mut s = routing_state();
    update(&mut s, Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('j'))));
    assert_eq!(s.selection(Pane::Routing), 1, "on the findpeer query");
    let mut newer = vec![query(5, QueryKind::Search, CID, 0, QueryOutcome::Running)];
    newer.extend(queries());
    node(&mut s, NodeEvent::RoutingStatus(Box::new(status(newer))));
    assert_eq!(s.selection(Pane::Routing), 2, "a new query above it: the selection moved with it");
    assert_eq!(s.routing.recent[2].id, 3);
}

#[test]
fn a_mode_change_shows_at_once_and_seven_keys_the_routing_pane() {
    let mut s = AppState::new();
    node(&mut s, NodeEvent::DhtMode { mode: "server".into(), configured: DhtMode::Auto });
    assert_eq!((s.routing.dht_mode.as_str(), s.routing.configured), ("server", DhtMode::Auto));
    update(&mut s, Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('7'))));
    assert_eq!(s.pane(), Pane::Routing);
}

#[test]
fn check_in_the_input_bar_runs_shows_its_steps_and_ends_in_a_popup() {
    use crate::app::command::{Command, parse};
    use crate::app::job::{Shown, Target};
    use crate::app::msg::{Effect, JobDone};
    use crate::node::op::OpId;
    use crate::ops::check::CheckReport;
    use crate::ops::{OpEvent, Outcome, Request};
    let cid: cid::Cid = CID.parse().unwrap();
    assert_eq!(parse(&format!("check {CID}")), Ok(Command::Check(cid)));
    assert!(parse("check").unwrap_err().contains("a CID is required"));
    let mut s = AppState::new();
    let effects = update(&mut s, Msg::Command(Command::Check(cid)));
    let Some(Effect::Run(job)) = effects.first() else { panic!("no job: {effects:?}") };
    assert!(matches!(job.call.request, Request::Check { peer: None, .. }), "{:?}", job.call.request);
    update(&mut s, Msg::OpStarted { id: OpId(3), kind: "check".into(), target: Target::Cid(cid) });
    update(&mut s, Msg::OpProgress { id: OpId(3), event: OpEvent::Step { message: "asking P".into() } });
    assert_eq!(s.status_line(), Some(("check: asking P…", false)), "its progress in the status line");
    let report = CheckReport {
        cid: CID.into(),
        dht_records: 0,
        router_records: 0,
        peers: vec![],
        serving: None,
        ok: false,
        verdict: "not retrievable: no provider records (nobody announces it in the DHT)".into(),
    };
    let done = JobDone {
        id: OpId(3),
        kind: "check",
        target: Target::Cid(cid),
        shown: Shown::Operation,
        result: Ok(Outcome::Checked(report)),
        output: Vec::new(),
    };
    update(&mut s, Msg::JobDone(Box::new(done)));
    let (title, body) = s.preview.clone().expect("a popup");
    assert!(title.starts_with("check ") && body.contains("provider records: 0 in the DHT"), "{title}: {body}");
    let text = format!("{}", draw(&s, 80, 24).backend());
    assert!(text.contains("not retrievable"), "{text}");
}
