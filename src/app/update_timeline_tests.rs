//! Reducer tests of the timeline: Enter on a want or a transfer, `t` on an operation and `why CID` ask the node
//! (a `why` job); its answer opens the timeline, the heartbeat asks again while it is open, Esc closes it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::update;
use crate::app::job::{Job, Shown, Target};
use crate::app::msg::{Effect, JobDone, Msg};
use crate::app::state::{AppState, Pane};
use crate::node::events::{Direction, EntryKind, Event, NodeEvent, OpId, OurWantInfo};
use crate::node::trace::report::WhyReport;
use crate::node::trace::why::{Evidence, Reason};
use crate::ops::{Outcome, Request};

const CID: &str = "bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq";

fn cid() -> cid::Cid {
    CID.parse().unwrap()
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn jobs(effects: &[Effect]) -> Vec<&Job> {
    effects.iter().filter_map(|e| if let Effect::Run(j) = e { Some(&**j) } else { None }).collect()
}

/// The one `why` job among `effects`, for `cid`.
fn why_job(effects: &[Effect]) -> cid::Cid {
    let jobs = jobs(effects);
    assert_eq!(jobs.len(), 1, "{effects:?}");
    assert_eq!((jobs[0].kind, jobs[0].shown), ("why", Shown::Quiet));
    match jobs[0].call.request {
        Request::Why { cid } => cid,
        ref other => panic!("not a why: {other:?}"),
    }
}

fn report(reason: Reason) -> WhyReport {
    WhyReport {
        cid: CID.into(),
        wanted: true,
        reason: Some(reason),
        text: "no answer from 1 (5 s)".into(),
        evidence: Some(Evidence { asked: Some(1), ..Evidence::default() }),
        now_ms: 9_000,
        first_ms: Some(4_000),
        timeline: Vec::new(),
        dropped_marks: 0,
        blocks: Vec::new(),
        dag: None,
    }
}

fn answer(r: WhyReport) -> Msg {
    let target = Target::Cid(cid());
    Msg::JobDone(Box::new(JobDone {
        id: OpId(1),
        kind: "why",
        target,
        shown: Shown::Quiet,
        result: Ok(Outcome::Why(r)),
        output: Vec::new(),
    }))
}

fn wanting() -> AppState {
    let mut s = AppState::new();
    s.wantlists.ours.push(OurWantInfo { cid: CID.into(), age_ms: 5_000, peers_asked: 1, why: None });
    s.pane = Some(Pane::Wantlists);
    s
}

#[test]
fn enter_on_a_want_asks_why_and_the_answer_opens_the_timeline_until_esc() {
    let mut s = wanting();
    assert_eq!(why_job(&update(&mut s, key(KeyCode::Enter))), cid());
    assert_eq!(s.timeline_cid, Some(cid()), "open, the node's answer on its way");
    let local = s.timeline.as_ref().expect("the TUI's own trace meanwhile");
    assert_eq!((local.reason, local.wanted), (Some(Reason::NoPeers), true), "no peer known here");
    update(&mut s, answer(report(Reason::NoAnswer)));
    assert_eq!(s.timeline.as_ref().and_then(|t| t.reason), Some(Reason::NoAnswer));
    assert_eq!(s.status_line(), None, "the answer goes to the timeline, not the status line");
    update(&mut s, key(KeyCode::Esc));
    assert_eq!((s.timeline_cid, s.timeline.is_none()), (None, true));
    // An answer that comes after Esc does not reopen it.
    update(&mut s, answer(report(Reason::NoAnswer)));
    assert!(s.timeline.is_none());
}

#[test]
fn the_heartbeat_asks_again_while_open_one_at_a_time() {
    let mut s = wanting();
    update(&mut s, key(KeyCode::Enter));
    let effects = update(&mut s, Msg::Heartbeat { now_ms: 1_000 });
    assert!(jobs(&effects).is_empty(), "the first answer is still on its way: {effects:?}");
    assert!(effects.contains(&Effect::RefreshStored), "the store's totals are still asked");
    update(&mut s, answer(report(Reason::NoAnswer)));
    let effects = update(&mut s, Msg::Heartbeat { now_ms: 2_000 });
    assert_eq!(why_job(&effects), cid());
    update(&mut s, answer(report(Reason::AllDontHave)));
    assert_eq!(s.timeline.as_ref().and_then(|t| t.reason), Some(Reason::AllDontHave), "refreshed");
    update(&mut s, key(KeyCode::Esc));
    let effects = update(&mut s, Msg::Heartbeat { now_ms: 3_000 });
    assert!(jobs(&effects).is_empty(), "closed: not asked again");
}

#[test]
fn enter_on_a_transfer_and_t_on_an_operation_open_their_cids_timeline() {
    let mut s = AppState::new();
    let kind = NodeEvent::Bitswap {
        direction: Direction::In,
        peer: "P".into(),
        kind: EntryKind::Have,
        cid: CID.into(),
        size: None,
        latency_ms: None,
    };
    update(&mut s, Msg::Node(Event { seq: 1, at_ms: 10, kind }));
    s.pane = Some(Pane::Transfers);
    assert_eq!(why_job(&update(&mut s, key(KeyCode::Enter))), cid());
    assert!(s.filter.cid.is_none(), "Enter opens the timeline now (the filter has `cid:`)");
    update(&mut s, key(KeyCode::Esc));

    update(&mut s, Msg::OpStarted { id: OpId(2), kind: "get".into(), target: Target::Cid(cid()) });
    s.pane = Some(Pane::Operations);
    assert_eq!(why_job(&update(&mut s, key(KeyCode::Char('t')))), cid());
    assert_eq!(s.timeline_cid, Some(cid()));
}

#[test]
fn typing_why_cid_opens_the_timeline_and_a_failed_why_lets_the_next_one_go() {
    let mut s = AppState::new();
    update(&mut s, key(KeyCode::Char(':')));
    for c in format!("why {CID}").chars() {
        update(&mut s, key(KeyCode::Char(c)));
    }
    assert_eq!(why_job(&update(&mut s, key(KeyCode::Enter))), cid());
    let failed = Msg::JobDone(Box::new(JobDone {
        id: OpId(1),
        kind: "why",
        target: Target::Cid(cid()),
        shown: Shown::Quiet,
        result: Err("the node has stopped".into()),
        output: Vec::new(),
    }));
    update(&mut s, failed);
    assert_eq!(s.status_line(), Some(("the node has stopped", true)));
    assert_eq!(why_job(&update(&mut s, Msg::Heartbeat { now_ms: 1_000 })), cid(), "asked again");
}

#[test]
fn without_an_answer_as_in_a_replay_the_timeline_is_the_tuis_own_trace_with_the_snapshots_reason() {
    let mut s = wanting();
    s.wantlists.ours[0].why = Some(crate::node::trace::why::Why {
        reason: Reason::AllDontHave,
        evidence: Evidence { peers: vec!["P".into()], asked: Some(1), ..Evidence::default() },
    });
    let bitswap = |at_ms, direction, kind| {
        let kind =
            NodeEvent::Bitswap { direction, peer: "P".into(), kind, cid: CID.into(), size: None, latency_ms: None };
        Msg::Node(Event { seq: 0, at_ms, kind })
    };
    update(&mut s, bitswap(100, Direction::Out, EntryKind::WantHave));
    update(&mut s, key(KeyCode::Enter));
    update(&mut s, bitswap(180, Direction::In, EntryKind::DontHave));
    update(&mut s, Msg::Heartbeat { now_ms: 1_000 }); // no answer came: the local view is refreshed
    let t = s.timeline.as_ref().unwrap();
    let marks: Vec<_> = t.timeline.iter().map(|m| (m.at_ms, m.kind)).collect();
    use crate::node::trace::MarkKind;
    assert_eq!(marks, vec![(100, MarkKind::WantHave), (180, MarkKind::DontHave)]);
    assert_eq!((t.reason, t.text.as_str()), (Some(Reason::AllDontHave), "all 1 said DONT_HAVE"), "the node's reason");
}
