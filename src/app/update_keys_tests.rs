//! Reducer tests for the messages besides node events: keys, ticks, log lines, commands, status lines, job
//! progress and results, store totals, completions. Each asserts the state and the effects.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::update;
use crate::app::job::{Job, Shown, Target};
use crate::app::msg::{Effect, JobDone, Msg};
use crate::app::selection::Anchor;
use crate::app::state::{AppState, Pane};
use crate::node::events::{Direction, EntryKind, Event, NodeEvent, OpId};
use crate::ops::explore::{DagRow, Explored};
use crate::ops::outcome::{LsEntry, LsKind};
use crate::ops::{OpEvent, Outcome, Request};

const CID: &str = "bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq";

fn cid() -> cid::Cid {
    CID.parse().unwrap()
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// Types `line` into the input bar and presses Enter; returns the effects of the Enter.
fn type_line(s: &mut AppState, line: &str) -> Vec<Effect> {
    update(s, key(KeyCode::Char(':')));
    for c in line.chars() {
        update(s, key(KeyCode::Char(c)));
    }
    update(s, key(KeyCode::Enter))
}

fn jobs(effects: &[Effect]) -> Vec<&Job> {
    effects.iter().filter_map(|e| if let Effect::Run(j) = e { Some(&**j) } else { None }).collect()
}

fn done(id: u64, kind: &'static str, target: Target, shown: Shown, result: Result<Outcome, String>) -> Msg {
    Msg::JobDone(Box::new(JobDone { id: OpId(id), kind, target, shown, result, output: Vec::new() }))
}

#[test]
fn keys_move_between_panes_and_rows_and_q_quits() {
    let mut s = AppState::new();
    for _ in 0..Pane::ALL.len() {
        assert!(update(&mut s, key(KeyCode::Tab)).is_empty());
    }
    assert_eq!(s.pane(), Pane::Peers, "Tab cycles");
    update(&mut s, key(KeyCode::BackTab));
    assert_eq!(s.pane(), Pane::Log);
    for i in 0..5 {
        update(&mut s, Msg::Log(format!("line {i}")));
    }
    update(&mut s, key(KeyCode::Char('G')));
    assert_eq!(s.selected[&Pane::Log], 4);
    update(&mut s, key(KeyCode::Char('k')));
    assert_eq!(s.selected[&Pane::Log], 3);
    update(&mut s, key(KeyCode::Char('p')));
    assert_eq!(s.paused_at, Some(0));
    update(&mut s, key(KeyCode::Char('?')));
    assert!(s.help);
    update(&mut s, key(KeyCode::Esc));
    assert!(!s.help);
    assert_eq!(update(&mut s, key(KeyCode::Char('q'))), [Effect::Quit]);
    let ctrl_c = Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert_eq!(update(&mut s, ctrl_c), [Effect::Quit]);
}

#[test]
fn enter_in_the_input_bar_runs_a_typed_job_and_saves_the_history() {
    let mut s = AppState { cwd: "/home/me".into(), ..AppState::new() };
    let effects = type_line(&mut s, &format!("get {CID} out"));
    assert_eq!(effects[0], Effect::SaveHistory(vec![format!("get {CID} out")]));
    let job = jobs(&effects)[0];
    assert_eq!((job.kind, &job.target, job.shown), ("get", &Target::Cid(cid()), Shown::Operation));
    assert!(matches!(&job.call.request, Request::Get { output: Some(p), .. } if p.to_str() == Some("/home/me/out")));
    assert!(!s.input_focused && s.input.value().is_empty());
    // The same line again is not saved twice; a bad line is one red status line and runs nothing.
    assert!(jobs(&type_line(&mut s, &format!("get {CID} out"))).len() == 1);
    assert_eq!(s.history.len(), 1);
    let effects = type_line(&mut s, "get not-a-cid");
    assert!(jobs(&effects).is_empty());
    let (text, error) = s.status.clone().unwrap();
    assert!(error && text.starts_with("get: invalid CID \"not-a-cid\""), "{text}");
    assert_eq!(type_line(&mut s, "quit").last(), Some(&Effect::Quit));
}

#[test]
fn the_input_bar_edits_browses_history_and_completes() {
    let mut s = AppState { history: vec!["put one".into(), "put two".into()], ..AppState::new() };
    update(&mut s, key(KeyCode::Char(':')));
    update(&mut s, key(KeyCode::Up));
    assert_eq!(s.input.value(), "put two");
    update(&mut s, key(KeyCode::Up));
    assert_eq!(s.input.value(), "put one");
    update(&mut s, key(KeyCode::Down));
    update(&mut s, key(KeyCode::Down));
    assert_eq!(s.input.value(), "", "past the newest line: empty again");
    for c in "con".chars() {
        update(&mut s, key(KeyCode::Char(c)));
    }
    update(&mut s, key(KeyCode::Tab));
    assert_eq!(s.input.value(), "connect ");
    for c in "/tm".chars() {
        update(&mut s, key(KeyCode::Char(c)));
    }
    // Nothing known matches: the loop is asked to look at the filesystem, and its answer lands if still current.
    let effects = update(&mut s, key(KeyCode::Tab));
    assert_eq!(effects, [Effect::CompletePath { line: "connect /tm".into() }]);
    update(&mut s, Msg::Completed { line: "connect /elsewhere".into(), completed: Some("stale".into()) });
    assert_eq!(s.input.value(), "connect /tm", "an answer for another line is dropped");
    update(&mut s, Msg::Completed { line: "connect /tm".into(), completed: Some("connect /tmp/".into()) });
    assert_eq!(s.input.value(), "connect /tmp/");
    update(&mut s, key(KeyCode::Esc));
    assert!(!s.input_focused && s.input.value().is_empty());
}

#[test]
fn enter_on_an_operation_explores_its_cid_without_guessing() {
    let mut s = AppState::new();
    // A put's target is text; its CID is the root it produced.
    update(&mut s, Msg::OpStarted { id: OpId(1), kind: "put".into(), target: Target::Text(5) });
    update(&mut s, done(1, "put", Target::Text(5), Shown::Operation, Ok(Outcome::Added { roots: vec![cid()] })));
    // An add of a path that starts like a CID is still a path: nothing to explore until it has a root.
    let path = Target::Path("bafy-notes.txt".into());
    update(&mut s, Msg::OpStarted { id: OpId(2), kind: "add".into(), target: path });
    s.pane = Some(Pane::Operations);
    let effects = update(&mut s, key(KeyCode::Enter));
    assert!(effects.is_empty(), "the running add has no CID yet: {effects:?}");
    update(&mut s, key(KeyCode::Down));
    let effects = update(&mut s, key(KeyCode::Enter));
    let job = jobs(&effects)[0];
    assert_eq!((job.kind, &job.call.request), ("explore", &Request::DagExplore { path: cid().into() }));
}

#[test]
fn ticks_move_now_forward_and_the_heartbeat_asks_for_the_stores_totals() {
    let mut s = AppState::new();
    assert!(update(&mut s, Msg::Tick { now_ms: 3_000 }).is_empty());
    assert_eq!(update(&mut s, Msg::Heartbeat { now_ms: 5_000 }), [Effect::RefreshStored]);
    update(&mut s, Msg::Tick { now_ms: 4_000 });
    assert_eq!(s.now_ms, 5_000, "never back");
    assert!(update(&mut s, Msg::Stored { blocks: 3, bytes: 300 }).is_empty());
    assert_eq!((s.stored_blocks, s.stored_bytes), (3, 300));
    assert!(update(&mut s, Msg::Resize { width: 80, height: 24 }).is_empty());
    assert_eq!(s.page(), 11);
}

#[test]
fn log_and_status_lines_are_kept_boundedly() {
    let mut s = AppState::new();
    for i in 0..crate::app::state::MAX_LOG + 10 {
        update(&mut s, Msg::Log(format!("line {i}")));
    }
    assert_eq!(s.log.len(), crate::app::state::MAX_LOG);
    update(&mut s, Msg::Status { text: "demo: hello".into(), error: false });
    assert_eq!(s.status, Some(("demo: hello".into(), false)));
    update(&mut s, Msg::Status { text: "demo: failed".into(), error: true });
    assert_eq!(s.log.back().map(|l| l.text.as_str()), Some("error: demo: failed"), "errors also go to the log");
}

#[test]
fn commands_change_the_view_or_become_jobs() {
    let mut s = AppState::new();
    assert!(update(&mut s, Msg::Command(crate::app::command::Command::Help)).is_empty());
    assert!(s.help);
    update(&mut s, Msg::Command(crate::app::command::Command::Filter("kind:BLOCK".into())));
    assert_eq!((s.pane(), s.filter.kind.as_deref()), (Pane::Transfers, Some("BLOCK")));
    update(&mut s, Msg::Command(crate::app::command::Command::Inspect(cid())));
    assert!(
        s.preview.as_ref().is_some_and(|(t, body)| t.starts_with("inspect") && body.contains("\"codec\": \"raw\""))
    );
    let addr: libp2p::Multiaddr = "/ip4/127.0.0.1/tcp/1".parse().unwrap();
    let effects = update(&mut s, Msg::Command(crate::app::command::Command::Connect(addr)));
    assert_eq!(jobs(&effects)[0].shown, Shown::Quiet);
}

#[test]
fn job_progress_and_results_fill_rows_previews_and_the_explorer() {
    let mut s = AppState::new();
    update(&mut s, Msg::OpStarted { id: OpId(7), kind: "add".into(), target: Target::Path("/big".into()) });
    update(&mut s, Msg::OpProgress { id: OpId(7), event: OpEvent::Total { bytes: 1000 } });
    update(&mut s, Msg::OpProgress { id: OpId(7), event: OpEvent::Read { bytes: 400 } });
    update(&mut s, Msg::OpProgress { id: OpId(7), event: OpEvent::Read { bytes: 300 } });
    let op = &s.ops[0];
    assert_eq!((op.total, op.bytes), (Some(1000), 400), "progress never moves back");
    update(&mut s, done(7, "add", Target::Path("/big".into()), Shown::Operation, Err("disk full".into())));
    assert_eq!(s.ops[0].result, Some(Err("disk full".into())));
    assert_eq!(s.status, Some(("add /big: disk full".into(), true)));

    // A cat's output becomes the preview; an ls's entries too.
    let cat = JobDone {
        id: OpId(8),
        kind: "cat",
        target: Target::Cid(cid()),
        shown: Shown::Operation,
        result: Ok(Outcome::Streamed { bytes: 5, truncated: false }),
        output: b"hello".to_vec(),
    };
    update(&mut s, Msg::JobDone(Box::new(cat)));
    assert_eq!(s.preview, Some((format!("cat {CID}"), "hello".into())));
    let entries = vec![LsEntry { name: "a.txt".into(), cid: cid(), size: 29, kind: LsKind::File }];
    update(&mut s, done(9, "ls", Target::Cid(cid()), Shown::Operation, Ok(Outcome::Listed { entries })));
    assert_eq!(s.preview.as_ref().unwrap().1, format!("{CID}         29 a.txt"));

    // A quiet job's result is only the status line; an explore opens the explorer.
    let addr: libp2p::Multiaddr = "/ip4/127.0.0.1/tcp/1".parse().unwrap();
    let target = Target::Addr(addr.clone());
    update(&mut s, done(10, "connect", target, Shown::Quiet, Ok(Outcome::Connected { addr })));
    assert_eq!(s.status, Some(("connected to /ip4/127.0.0.1/tcp/1".into(), false)));
    let row = DagRow { depth: 0, name: String::new(), cid: cid(), size: 29, kind: "raw".into(), present: true };
    let explored = Explored { root: cid(), rows: vec![row], truncated: false };
    update(&mut s, done(11, "explore", Target::Cid(cid()), Shown::Quiet, Ok(Outcome::Explored(explored))));
    assert_eq!((s.pane(), s.explorer.as_ref().map(|e| e.rows.len())), (Pane::Explorer, Some(1)));
    assert_eq!(s.ops.len(), 1, "only shown jobs have rows (and only those that started)");
}

fn bitswap(at_ms: u64, cid: &str) -> Msg {
    use crate::node::events::{Direction, EntryKind, Event, NodeEvent};
    let kind = NodeEvent::Bitswap {
        direction: Direction::In,
        peer: "P".into(),
        kind: EntryKind::Block,
        cid: cid.into(),
        size: Some(1),
        latency_ms: None,
    };
    Msg::Node(Event { seq: 0, at_ms, kind })
}

#[test]
fn the_selection_follows_the_item_as_rows_arrive_unless_following_newest() {
    let mut s = AppState::new();
    update(&mut s, Msg::Resize { width: 80, height: 24 });
    s.pane = Some(Pane::Transfers);
    for i in 0..5 {
        update(&mut s, bitswap(i, &format!("cid{i}")));
    }
    // Following the newest: the top row stays selected as rows arrive.
    assert!(s.follow);
    update(&mut s, bitswap(5, "cid5"));
    assert_eq!(s.selection(Pane::Transfers), 0);
    // Moving down holds the selection on its item: new rows above push its index, not the item.
    update(&mut s, key(KeyCode::Char('j')));
    update(&mut s, key(KeyCode::Char('j')));
    assert!(!s.follow);
    let held = s.visible_transfers().rev().nth(2).unwrap().cid.clone();
    assert_eq!(held, "cid3");
    for i in 6..10 {
        update(&mut s, bitswap(i, &format!("cid{i}")));
    }
    assert_eq!(s.selection(Pane::Transfers), 6);
    assert_eq!(update(&mut s, key(KeyCode::Char('y'))), [Effect::Copy("cid3".into())]);
    // f follows again: the newest row.
    update(&mut s, key(KeyCode::Char('f')));
    assert!(s.follow && s.selection(Pane::Transfers) == 0);

    // Operations: Enter acts on the operation that was selected, not on whatever slid under the cursor.
    s.pane = Some(Pane::Operations);
    update(&mut s, Msg::OpStarted { id: OpId(1), kind: "put".into(), target: Target::Text(5) });
    update(&mut s, done(1, "put", Target::Text(5), Shown::Operation, Ok(Outcome::Added { roots: vec![cid()] })));
    update(&mut s, Msg::OpStarted { id: OpId(2), kind: "get".into(), target: Target::Text(1) });
    update(&mut s, key(KeyCode::Down));
    assert_eq!(s.ops.iter().rev().nth(s.selection(Pane::Operations)).unwrap().id, OpId(1));
    for id in 3..8 {
        update(&mut s, Msg::OpStarted { id: OpId(id), kind: "get".into(), target: Target::Text(1) });
    }
    assert_eq!(s.ops.iter().rev().nth(s.selection(Pane::Operations)).unwrap().id, OpId(1));
    let job = jobs(&update(&mut s, key(KeyCode::Enter)))[0].clone();
    assert_eq!(job.call.request, Request::DagExplore { path: cid().into() });
}

#[test]
fn the_selection_follows_a_peer_when_the_sort_reorders_and_pages_move_by_the_screen() {
    use crate::node::events::{Direction, Event, NodeEvent, Transport};
    let mut s = AppState::new();
    update(&mut s, Msg::Resize { width: 80, height: 24 });
    let connect = |p: &str| {
        let kind = NodeEvent::Connected {
            peer: p.into(),
            addr: "/ip4/127.0.0.1/tcp/1".into(),
            direction: Direction::In,
            transport: Transport::Tcp,
        };
        Msg::Node(Event { seq: 0, at_ms: 0, kind })
    };
    for p in ["P10", "P20", "P30"] {
        update(&mut s, connect(p));
    }
    update(&mut s, key(KeyCode::Char('j')));
    assert_eq!(s.anchor_at(Pane::Peers, s.selection(Pane::Peers)), Some(Anchor::Peer("P20".into())));
    update(&mut s, connect("P00"));
    assert_eq!(s.anchor_at(Pane::Peers, s.selection(Pane::Peers)), Some(Anchor::Peer("P20".into())));
    assert_eq!(s.selection(Pane::Peers), 2);
    // A peer that leaves goes below those connected (greyed): the selection goes with it.
    update(
        &mut s,
        Msg::Node(Event {
            seq: 0,
            at_ms: 1,
            kind: NodeEvent::Disconnected {
                peer: "P20".into(),
                cause: crate::node::events::CloseCause::Idle,
                error: None,
            },
        }),
    );
    assert_eq!(s.selection(Pane::Peers), 3);
    assert_eq!(s.anchor_at(Pane::Peers, 3), Some(Anchor::Peer("P20".into())));

    s.pane = Some(Pane::Log);
    for i in 0..40 {
        update(&mut s, Msg::Log(format!("line {i}")));
    }
    assert_eq!(s.selection(Pane::Log), 39, "the log pane tails the newest line");
    update(&mut s, key(KeyCode::Home));
    update(&mut s, key(KeyCode::PageDown));
    assert_eq!(s.selection(Pane::Log), 11, "a page is the table rows of an 80x24 screen");
    let ctrl = |c| Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    update(&mut s, ctrl('d'));
    assert_eq!(s.selection(Pane::Log), 17);
    update(&mut s, ctrl('u'));
    update(&mut s, key(KeyCode::PageUp));
    assert_eq!(s.selection(Pane::Log), 0);
    update(&mut s, key(KeyCode::End));
    assert_eq!(s.selection(Pane::Log), 39);
    update(&mut s, key(KeyCode::Home));
    assert_eq!(s.selection(Pane::Log), 0);
    // h / l and Left / Right move between panes.
    update(&mut s, key(KeyCode::Char('l')));
    assert_eq!(s.pane(), Pane::Peers);
    update(&mut s, key(KeyCode::Left));
    assert_eq!(s.pane(), Pane::Log);
}

#[test]
fn the_mouse_wheel_scrolls_and_a_click_selects_the_row_under_it() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mouse = |kind, row| Msg::Mouse(MouseEvent { kind, column: 10, row, modifiers: KeyModifiers::NONE });
    let mut s = AppState::new();
    update(&mut s, Msg::Resize { width: 80, height: 24 });
    s.pane = Some(Pane::Log);
    for i in 0..40 {
        update(&mut s, Msg::Log(format!("line {i}")));
    }
    update(&mut s, key(KeyCode::Home));
    update(&mut s, mouse(MouseEventKind::ScrollDown, 10));
    assert_eq!(s.selection(Pane::Log), 3);
    s.pane = Some(Pane::Transfers);
    for i in 0..20 {
        update(&mut s, bitswap(i, &format!("cid{i}")));
    }
    // The first table row is screen line 8: line 10 is the third row.
    update(&mut s, mouse(MouseEventKind::Down(MouseButton::Left), 10));
    assert_eq!((s.selection(Pane::Transfers), s.follow), (2, false));
    assert_eq!(update(&mut s, key(KeyCode::Char('y'))), [Effect::Copy("cid17".into())]);
}

#[test]
fn x_and_cancel_op_cancel_a_running_operation_through_an_effect() {
    let mut s = AppState::new();
    update(&mut s, Msg::OpStarted { id: OpId(4), kind: "get".into(), target: Target::Cid(cid()) });
    update(&mut s, Msg::OpStarted { id: OpId(5), kind: "put".into(), target: Target::Text(3) });
    update(&mut s, done(5, "put", Target::Text(3), Shown::Operation, Ok(Outcome::Added { roots: vec![cid()] })));
    s.pane = Some(Pane::Operations);
    // The newest (the finished put) is selected: nothing to cancel, and it says so.
    assert!(update(&mut s, key(KeyCode::Char('x'))).is_empty());
    assert_eq!(s.status.as_ref().map(|(t, e)| (t.as_str(), *e)), Some(("cancel: #5 has finished", true)));
    update(&mut s, key(KeyCode::Down));
    assert_eq!(update(&mut s, key(KeyCode::Char('x'))), [Effect::Cancel(OpId(4))]);
    assert_eq!(type_line(&mut s, "cancel #4").last(), Some(&Effect::Cancel(OpId(4))));
    assert!(!type_line(&mut s, "cancel 99").contains(&Effect::Cancel(OpId(99))));
    assert_eq!(s.status.as_ref().map(|(t, _)| t.as_str()), Some("cancel: no operation #99"));
    let effects = type_line(&mut s, "cancel nine");
    assert!(!effects.iter().any(|e| matches!(e, Effect::Cancel(_))));
    assert!(s.status.as_ref().is_some_and(|(t, e)| *e && t.starts_with("cancel: not an operation number")));
}

#[test]
fn the_filter_applies_as_it_is_typed_matches_kind_prefixes_and_esc_clears_it() {
    let mut s = AppState::new();
    for (i, kind) in
        [EntryKind::WantHave, EntryKind::WantBlock, EntryKind::Block, EntryKind::DontHave].into_iter().enumerate()
    {
        let e = NodeEvent::Bitswap {
            direction: Direction::Out,
            peer: "P".into(),
            kind,
            cid: format!("c{i}"),
            size: None,
            latency_ms: None,
        };
        update(&mut s, Msg::Node(Event { seq: 0, at_ms: i as u64, kind: e }));
    }
    update(&mut s, key(KeyCode::Char('/')));
    for c in "kind:want".chars() {
        update(&mut s, key(KeyCode::Char(c)));
    }
    assert_eq!(s.pane(), Pane::Transfers);
    assert_eq!(s.rows(Pane::Transfers), 2, "WANT_HAVE and WANT_BLOCK, before Enter");
    update(&mut s, key(KeyCode::Esc));
    assert!(s.filter.is_empty() && s.rows(Pane::Transfers) == 4, "Esc on the filter line clears it");
    type_line(&mut s, "filter kind:dont-have");
    assert_eq!(s.rows(Pane::Transfers), 1);
    update(&mut s, key(KeyCode::Esc));
    assert!(s.filter.is_empty(), "Esc in the transfer log clears its filter");
}

#[test]
fn an_ambiguous_tab_shows_the_candidates_and_an_id_completes_from_its_end() {
    let mut s = AppState::new();
    update(&mut s, key(KeyCode::Char(':')));
    for c in "ex".chars() {
        update(&mut s, key(KeyCode::Char(c)));
    }
    update(&mut s, key(KeyCode::Tab));
    assert_eq!(s.input.value(), "exp", "as far as explore and export agree");
    let (text, error) = s.status.clone().unwrap();
    assert!(!error && text.contains("explore") && text.contains("export"), "{text}");
    update(&mut s, key(KeyCode::Esc));
    // The transfer log shows CIDs by their ends: the end a user read completes the whole CID.
    update(&mut s, bitswap(1, CID));
    update(&mut s, key(KeyCode::Char(':')));
    for c in "get atv5sq".chars() {
        update(&mut s, key(KeyCode::Char(c)));
    }
    update(&mut s, key(KeyCode::Tab));
    assert_eq!(s.input.value(), format!("get {CID}"));
}

#[test]
fn the_log_tails_new_lines_keeps_a_chosen_line_and_y_copies_it() {
    let mut s = AppState::new();
    s.pane = Some(Pane::Log);
    update(&mut s, Msg::Tick { now_ms: 5_000 });
    for i in 0..3 {
        update(&mut s, Msg::Log(format!("line {i}")));
    }
    assert_eq!(s.log[2].at_ms, 5_000, "stamped with now");
    assert_eq!(s.selection(Pane::Log), 2, "on the newest line");
    update(&mut s, key(KeyCode::Char('k')));
    for i in 3..crate::app::state::MAX_LOG + 10 {
        update(&mut s, Msg::Log(format!("line {i}")));
    }
    // Line 1 was chosen; it has been dropped with the oldest, so the selection rests on the oldest kept.
    assert_eq!(s.selection(Pane::Log), 0);
    update(&mut s, key(KeyCode::End));
    update(&mut s, key(KeyCode::Char('k')));
    update(&mut s, key(KeyCode::Char('k')));
    let chosen = s.log[s.selection(Pane::Log)].text.clone();
    update(&mut s, Msg::Log("newer".into()));
    update(&mut s, Msg::Log("newest".into()));
    assert_eq!(s.log[s.selection(Pane::Log)].text, chosen, "a chosen line stays chosen while lines come and go");
    assert_eq!(update(&mut s, key(KeyCode::Char('y'))), [Effect::Copy(chosen)]);
    update(&mut s, key(KeyCode::End));
    update(&mut s, Msg::Log("after".into()));
    assert_eq!(s.log[s.selection(Pane::Log)].text, "after", "on the newest line it tails again");
}

#[test]
fn focus_moves_through_the_dashboard_panes_and_through_every_tab_when_narrow() {
    let mut s = AppState::new();
    update(&mut s, Msg::Resize { width: 200, height: 50 });
    let mut seen = Vec::new();
    for _ in 0..5 {
        seen.push(s.pane());
        update(&mut s, key(KeyCode::Char('l')));
    }
    assert_eq!(seen, crate::app::layout::DASHBOARD);
    assert_eq!(s.pane(), Pane::Peers, "round again");
    update(&mut s, key(KeyCode::Left));
    assert_eq!(s.pane(), Pane::Log, "back");
    update(&mut s, key(KeyCode::Tab));
    assert_eq!(s.pane(), Pane::Peers);
    // `z`: the focused pane alone, and focus goes through every tab again.
    update(&mut s, key(KeyCode::Char('z')));
    update(&mut s, key(KeyCode::Char('l')));
    assert_eq!(s.pane(), Pane::Wantlists);
    // A narrow terminal has no dashboard whatever `z` says.
    update(&mut s, key(KeyCode::Char('z')));
    update(&mut s, Msg::Resize { width: 120, height: 40 });
    update(&mut s, key(KeyCode::Char('l')));
    assert_eq!(s.pane(), Pane::Ledger);
}

#[test]
fn a_click_on_a_dashboard_pane_focuses_it_and_selects_the_row() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mut s = AppState::new();
    update(&mut s, Msg::Resize { width: 200, height: 50 });
    for i in 0..5 {
        update(&mut s, Msg::OpStarted { id: OpId(100 + i), kind: "get".into(), target: Target::Cid(cid()) });
    }
    let main = crate::app::layout::screen(ratatui::layout::Rect::new(0, 0, 200, 50)).main;
    let (_, ops) = crate::app::layout::dashboard(main).into_iter().find(|(p, _)| *p == Pane::Operations).unwrap();
    let click = |column, row| {
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    // The third row of the operations table: below its border and header row.
    update(&mut s, click(ops.x + 3, ops.y + 2 + 2));
    assert_eq!(s.pane(), Pane::Operations);
    assert_eq!(s.selection(Pane::Operations), 2);
    assert_eq!(s.page(), ops.height as usize - 3, "a page is the focused pane's rows");
}

#[test]
fn i_inspects_the_selected_cid_peer_or_operation() {
    let mut s = AppState::new();
    update(&mut s, Msg::OpStarted { id: OpId(1), kind: "get".into(), target: Target::Cid(cid()) });
    s.pane = Some(Pane::Operations);
    update(&mut s, key(KeyCode::Char('i')));
    let (title, body) = s.preview.clone().expect("the inspect popup");
    assert_eq!(title, format!("inspect {CID}"));
    assert!(body.contains("raw"), "{body}");
    update(&mut s, key(KeyCode::Esc));
    let peer = "12D3KooWQdyXe6437mcrku6raQEkxMYok54tJYVamkq8kLQTMzLf";
    update(
        &mut s,
        Msg::Node(Event {
            seq: 1,
            at_ms: 0,
            kind: NodeEvent::Connected {
                peer: peer.into(),
                addr: "/ip4/127.0.0.1/tcp/1".into(),
                direction: Direction::Out,
                transport: crate::node::events::Transport::Tcp,
            },
        }),
    );
    s.pane = Some(Pane::Peers);
    update(&mut s, key(KeyCode::Char('i')));
    assert_eq!(s.detail.as_deref(), Some(peer));
    assert!(s.preview.is_none());
}

#[test]
fn i_on_a_received_transfer_opens_the_message_it_came_in() {
    let peer = "12D3KooWLRPJAA5o6Z6pVTyDfD7DvPMvSrcZxzf3fpYMwcDGWP3v";
    let mut s = AppState::new();
    update(&mut s, Msg::Resize { width: 120, height: 40 });
    s.pane = Some(Pane::Transfers);
    let received = NodeEvent::Bitswap {
        direction: Direction::In,
        peer: peer.into(),
        kind: EntryKind::Block,
        cid: CID.into(),
        size: Some(5),
        latency_ms: None,
    };
    update(&mut s, Msg::Node(Event { seq: 1, at_ms: 10, kind: received }));
    let effects = update(&mut s, key(KeyCode::Char('i')));
    let job = jobs(&effects)[0].clone();
    assert_eq!((job.kind, job.shown), ("message", Shown::Quiet));
    assert!(
        matches!(&job.call.request, Request::BitswapMessages { peer: Some(p), cid: Some(c), limit: 1 }
            if p.to_string() == peer && *c == cid()),
        "{:?}",
        job.call.request
    );
    // The answer opens as a popup, one line per entry; none kept says so.
    let parsed = crate::node::bitswap::protocol::Parsed { haves: vec![cid()], ..Default::default() };
    let m = crate::node::bitswap::inspect::MessageInfo::of(4, 10, peer.into(), "1.2.0", &parsed);
    let answer = Ok(Outcome::BitswapMessages { messages: vec![m] });
    update(&mut s, done(3, "message", Target::Cid(cid()), Shown::Quiet, answer));
    let (title, body) = s.preview.clone().unwrap();
    assert!(title.starts_with("message #4 from 12D3") && body.contains(&format!("HAVE       {CID}")), "{body}");
    s.preview = None;
    let none = Ok(Outcome::BitswapMessages { messages: vec![] });
    update(&mut s, done(4, "message", Target::Cid(cid()), Shown::Quiet, none));
    assert!(s.status.as_ref().is_some_and(|(t, e)| *e && t.contains("no kept message")), "{:?}", s.status);
}
