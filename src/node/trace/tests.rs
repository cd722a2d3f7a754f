//! The trace from event sequences, and the classifier for every reason, on a fake clock.

use super::why::{NodeView, PeerView, Reason, classify};
use super::*;
use crate::node::events::{AddrError, RejectCause, RoutingSource, Transport};

const CID: &str = "bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq";

fn out(peer: &str, kind: EntryKind) -> NodeEvent {
    NodeEvent::Bitswap {
        direction: Direction::Out,
        peer: peer.into(),
        kind,
        cid: CID.into(),
        size: None,
        latency_ms: None,
    }
}

fn inbound(peer: &str, kind: EntryKind) -> NodeEvent {
    let latency_ms = (kind == EntryKind::Block).then_some(3.0);
    NodeEvent::Bitswap { direction: Direction::In, peer: peer.into(), kind, cid: CID.into(), size: None, latency_ms }
}

fn search(query: u64) -> NodeEvent {
    NodeEvent::RoutingQuery { query, kind: QueryKind::Search, key: CID.into(), source: RoutingSource::Dht }
}

fn found(query: u64, peer: &str) -> NodeEvent {
    NodeEvent::ProviderFound {
        query,
        key: CID.into(),
        peer: peer.into(),
        addrs: vec![],
        source: RoutingSource::Dht,
        ms: 5,
        gateway: false,
    }
}

fn done(query: u64, count: u64, error: Option<&str>) -> NodeEvent {
    NodeEvent::RoutingDone {
        query,
        kind: QueryKind::Search,
        key: CID.into(),
        source: RoutingSource::Dht,
        ms: 9,
        count,
        error: error.map(str::to_string),
    }
}

fn feed(events: &[(u64, NodeEvent)]) -> Trace {
    let mut t = Trace::default();
    for (at, e) in events {
        t.observe(*at, e);
    }
    t
}

fn peer(p: &str, version: &str) -> PeerView {
    PeerView { peer: p.into(), bitswap: true, version: Some(version.into()) }
}

fn view(now_ms: u64, peers: Vec<PeerView>, routing_on: bool) -> NodeView {
    NodeView { now_ms, peers, routing_on }
}

fn reason(t: &Trace, v: &NodeView) -> Reason {
    classify(t.get(CID), v).reason
}

#[test]
fn the_trace_keeps_our_wants_and_the_answers_in_order_and_ignores_serving() {
    let t = feed(&[
        (10, out("A", EntryKind::WantHave)),
        (11, out("B", EntryKind::WantBlock)),
        (12, out("A", EntryKind::Have)), // we serve A: not ours
        (20, inbound("A", EntryKind::DontHave)),
        (25, inbound("B", EntryKind::Block)),
        (26, out("A", EntryKind::Cancel)),
    ]);
    let tr = t.get(CID).expect("traced");
    let kinds: Vec<_> = tr.marks.iter().map(|m| (m.at_ms, m.peer.clone().unwrap(), m.kind)).collect();
    assert_eq!(
        kinds,
        vec![
            (10, "A".into(), MarkKind::WantHave),
            (11, "B".into(), MarkKind::WantBlock),
            (20, "A".into(), MarkKind::DontHave),
            (25, "B".into(), MarkKind::Block),
            (26, "A".into(), MarkKind::Cancel),
        ]
    );
    assert!(tr.done);
    assert_eq!(tr.first_ms, 10);
}

#[test]
fn answers_for_cids_never_wanted_are_not_traced() {
    let t = feed(&[(5, inbound("A", EntryKind::Have)), (6, inbound("A", EntryKind::Block))]);
    assert!(t.is_empty());
}

#[test]
fn marks_per_cid_and_cids_are_capped_oldest_first_and_counted() {
    let mut t = Trace::default();
    for i in 0..(MAX_MARKS as u64 + 10) {
        t.observe(i, &out("A", EntryKind::WantHave));
    }
    let tr = t.get(CID).unwrap();
    assert_eq!((tr.marks.len(), tr.dropped_marks, tr.marks[0].at_ms), (MAX_MARKS, 10, 10));
    // Fill past the CID cap: the done one goes first, then the oldest.
    let other = |i: usize| NodeEvent::Bitswap {
        direction: Direction::Out,
        peer: "A".into(),
        kind: EntryKind::WantHave,
        cid: format!("c{i}"),
        size: None,
        latency_ms: None,
    };
    t.observe(1, &other(0));
    t.observe(
        2,
        &NodeEvent::Bitswap {
            direction: Direction::In,
            peer: "A".into(),
            kind: EntryKind::Block,
            cid: "c0".into(),
            size: Some(1),
            latency_ms: Some(1.0),
        },
    );
    for i in 1..MAX_CIDS {
        t.observe(3, &other(i));
    }
    assert_eq!(t.len(), MAX_CIDS);
    assert!(t.get("c0").is_none(), "the done CID was evicted first");
    assert!(t.get(CID).is_some(), "the live, oldest one stays while a done one can go");
    t.observe(4, &other(MAX_CIDS));
    assert!(t.get(CID).is_none(), "then the oldest");
    assert_eq!((t.len(), t.evicted), (MAX_CIDS, 2));
}

#[test]
fn no_peers_when_nobody_is_connected() {
    let t = Trace::default();
    let why = classify(t.get(CID), &view(3_000, vec![], false));
    assert_eq!(why.reason, Reason::NoPeers);
    assert_eq!((why.evidence.connected, why.evidence.routing), (Some(0), Some(false)));
}

#[test]
fn routing_off_when_no_bitswap_peer_is_connected_and_routing_cannot_search() {
    let t = Trace::default();
    let p = PeerView { peer: "R".into(), bitswap: false, version: None };
    assert_eq!(reason(&t, &view(3_000, vec![p.clone()], false)), Reason::RoutingOff);
    assert_eq!(reason(&t, &view(3_000, vec![p], true)), Reason::NoPeers, "routing on: it is peers that lack");
}

#[test]
fn finding_providers_while_a_search_runs_with_since_and_found_so_far() {
    let t = feed(&[(1_000, search(7)), (1_200, found(7, "P"))]);
    let why = classify(t.get(CID), &view(1_500, vec![], true));
    assert_eq!(why.reason, Reason::FindingProviders);
    assert_eq!((why.evidence.since_ms, why.evidence.found), (Some(1_000), Some(1)));
    assert_eq!(why.short(3_000), "finding providers (2 s, 1 found)");
}

#[test]
fn no_providers_when_the_search_ended_empty() {
    let t = feed(&[(1_000, search(7)), (1_900, done(7, 0, Some("timed out")))]);
    let why = classify(t.get(CID), &view(2_000, vec![], true));
    assert_eq!(why.reason, Reason::NoProviders);
    assert_eq!((why.evidence.searches, why.evidence.error.as_deref()), (Some(1), Some("timed out")));
}

#[test]
fn dial_failed_when_every_provider_found_failed_to_dial_with_the_errors() {
    let fail = |p: &str| NodeEvent::DialFailed {
        peer: Some(p.into()),
        errors: vec![AddrError { addr: "/ip4/127.0.0.1/tcp/9".into(), error: "refused".into() }],
    };
    let mut events = vec![(1_000, search(7)), (1_100, found(7, "P")), (1_150, found(7, "Q"))];
    events.extend([(1_200, fail("P")), (1_300, done(7, 2, None)), (1_400, fail("Q"))]);
    let t = feed(&events);
    let why = classify(t.get(CID), &view(2_000, vec![], true));
    assert_eq!(why.reason, Reason::DialFailed);
    assert_eq!(why.evidence.notes.len(), 2);
    assert!(why.evidence.notes[0].note.contains("refused"), "{:?}", why.evidence.notes);
    // One of them connected instead: not every dial failed.
    let connected = NodeEvent::Connected {
        peer: "Q".into(),
        addr: "/ip4/127.0.0.1/tcp/9".into(),
        direction: Direction::Out,
        transport: Transport::Tcp,
    };
    events.push((1_500, connected));
    let t = feed(&events);
    assert_ne!(reason(&t, &view(2_000, vec![], true)), Reason::DialFailed);
    let tr = t.get(CID).unwrap();
    assert_eq!(tr.marks.back().map(|m| m.kind), Some(MarkKind::Connected), "the dial span's end");
}

#[test]
fn all_dont_have_when_every_asked_peer_said_so() {
    let t = feed(&[
        (10, out("A", EntryKind::WantHave)),
        (10, out("B", EntryKind::WantBlock)),
        (30, inbound("A", EntryKind::DontHave)),
        (40, inbound("B", EntryKind::DontHave)),
    ]);
    let why = classify(t.get(CID), &view(100, vec![peer("A", "1.2.0"), peer("B", "1.2.0")], false));
    assert_eq!(why.reason, Reason::AllDontHave);
    assert_eq!(why.evidence.peers, vec!["A".to_string(), "B".to_string()]);
    assert_eq!(why.short(100), "all 2 said DONT_HAVE");
}

#[test]
fn all_dont_have_gives_way_to_what_routing_does_when_it_can_search() {
    let t = feed(&[(10, out("A", EntryKind::WantHave)), (30, inbound("A", EntryKind::DontHave)), (1_000, search(1))]);
    let peers = vec![peer("A", "1.2.0")];
    assert_eq!(reason(&t, &view(1_100, peers.clone(), true)), Reason::FindingProviders);
    assert_eq!(reason(&t, &view(1_100, peers, false)), Reason::AllDontHave);
}

#[test]
fn no_answer_names_the_silent_peers_and_how_long() {
    let t = feed(&[
        (10, out("A", EntryKind::WantHave)),
        (10, out("B", EntryKind::WantHave)),
        (10, out("C", EntryKind::WantHave)),
        (50, inbound("C", EntryKind::DontHave)),
        (4_000, out("A", EntryKind::WantBlock)), // a rebroadcast does not restart the silence
    ]);
    let why =
        classify(t.get(CID), &view(6_010, vec![peer("A", "1.2.0"), peer("B", "1.2.0"), peer("C", "1.2.0")], true));
    assert_eq!(why.reason, Reason::NoAnswer);
    assert_eq!(why.evidence.peers, vec!["A".to_string(), "B".to_string()]);
    assert_eq!((why.evidence.asked, why.evidence.waited_ms), (Some(3), Some(6_000)));
    assert_eq!(why.short(6_010), "no answer from 3 (6 s)");
}

#[test]
fn peers_that_left_are_not_counted_as_asked() {
    let t = feed(&[(10, out("A", EntryKind::WantHave))]);
    assert_eq!(reason(&t, &view(9_000, vec![], false)), Reason::NoPeers);
}

#[test]
fn no_presences_when_the_silent_peers_speak_only_bitswap_1_0_or_1_1() {
    let t = feed(&[(10, out("A", EntryKind::WantBlock)), (10, out("B", EntryKind::WantBlock))]);
    let why = classify(t.get(CID), &view(9_000, vec![peer("A", "1.0.0"), peer("B", "1.1.0")], false));
    assert_eq!(why.reason, Reason::NoPresences);
    assert_eq!(why.evidence.notes[0].note, "bitswap 1.0.0");
    // One 1.2.0 peer among the silent ones: it could have said DONT_HAVE and did not.
    let why = classify(t.get(CID), &view(9_000, vec![peer("A", "1.0.0"), peer("B", "1.2.0")], false));
    assert_eq!(why.reason, Reason::NoAnswer);
}

#[test]
fn bad_block_names_who_sent_it_even_when_it_was_another_block() {
    let wrong = NodeEvent::BlockRejected {
        peer: "A".into(),
        cid: "bafkqaaa".into(),
        cause: RejectCause::Unsolicited,
        reason: "unsolicited: never wanted".into(),
    };
    let t = feed(&[(10, out("A", EntryKind::WantBlock)), (20, wrong.clone())]);
    let why = classify(t.get(CID), &view(100, vec![peer("A", "1.2.0")], false));
    assert_eq!(why.reason, Reason::BadBlock);
    assert_eq!(why.evidence.peers, vec!["A".to_string()]);
    assert!(why.evidence.notes[0].note.contains("got bafkqaaa"), "{:?}", why.evidence.notes);
    // A peer we did not ask (or that answered DONT_HAVE) is not blamed for our want.
    let t = feed(&[(10, out("A", EntryKind::WantBlock)), (15, inbound("A", EntryKind::DontHave)), (20, wrong)]);
    assert_ne!(reason(&t, &view(100, vec![peer("A", "1.2.0")], false)), Reason::BadBlock);
    // A hash mismatch on the CID itself.
    let mismatch = NodeEvent::BlockRejected {
        peer: "B".into(),
        cid: CID.into(),
        cause: RejectCause::Invalid,
        reason: "hash mismatch".into(),
    };
    let t = feed(&[(10, out("B", EntryKind::WantBlock)), (20, mismatch)]);
    assert_eq!(reason(&t, &view(100, vec![peer("B", "1.2.0")], false)), Reason::BadBlock);
}

#[test]
fn receiving_once_a_connected_peer_said_have() {
    let t = feed(&[
        (10, out("A", EntryKind::WantHave)),
        (10, out("B", EntryKind::WantHave)),
        (30, inbound("A", EntryKind::Have)),
        (31, out("A", EntryKind::WantBlock)),
    ]);
    let why = classify(t.get(CID), &view(100, vec![peer("A", "1.2.0"), peer("B", "1.2.0")], false));
    assert_eq!(why.reason, Reason::Receiving);
    assert_eq!((why.evidence.peers.clone(), why.evidence.since_ms), (vec!["A".to_string()], Some(30)));
}

#[test]
fn the_json_has_a_snake_case_reason_and_only_the_evidence_that_applies() {
    let t = feed(&[(10, out("A", EntryKind::WantHave)), (30, inbound("A", EntryKind::DontHave))]);
    let why = classify(t.get(CID), &view(100, vec![peer("A", "1.2.0")], false));
    let json = serde_json::to_value(&why).unwrap();
    assert_eq!(json["reason"], "all_dont_have");
    assert_eq!(json["evidence"]["peers"][0], "A");
    assert!(json["evidence"].get("waited_ms").is_none());
}

#[test]
fn a_report_for_a_cid_not_wanted_has_no_reason_and_keeps_what_happened() {
    let t = feed(&[(10, out("A", EntryKind::WantHave)), (20, inbound("A", EntryKind::Block))]);
    let r = super::report::report(CID, &t, &view(100, vec![], false), None, vec![]);
    assert_eq!((r.wanted, r.reason, r.text.as_str()), (false, None, "not wanted"));
    assert_eq!(r.timeline.len(), 2, "recently wanted: its timeline is kept");
    let lines = r.lines();
    assert_eq!(lines.last().map(String::as_str), Some("why: not wanted"));
    assert!(lines[1].contains("+      0 ms  WANT_HAVE") && lines[2].contains("+     10 ms  BLOCK"), "{lines:?}");
}

#[test]
fn a_dags_root_lists_its_pending_blocks_oldest_first_each_with_its_reason() {
    let other = |kind, peer: &str, cid: &str| NodeEvent::Bitswap {
        direction: if kind == EntryKind::DontHave { Direction::In } else { Direction::Out },
        peer: peer.into(),
        kind,
        cid: cid.into(),
        size: None,
        latency_ms: None,
    };
    let t = feed(&[
        (10, out("A", EntryKind::WantHave)),
        (20, inbound("A", EntryKind::Block)), // the root arrived
        (30, other(EntryKind::WantHave, "A", "c1")),
        (40, other(EntryKind::WantHave, "A", "c2")),
        (50, other(EntryKind::DontHave, "A", "c2")),
    ]);
    let v = view(5_000, vec![peer("A", "1.2.0")], false);
    let r = super::report::report(CID, &t, &v, None, vec![("c1".into(), 4_970), ("c2".into(), 4_960)]);
    let blocks: Vec<_> = r.blocks.iter().map(|b| (b.cid.as_str(), b.reason)).collect();
    assert_eq!(blocks, vec![("c1", Reason::NoAnswer), ("c2", Reason::AllDontHave)]);
    assert_eq!((r.wanted, r.reason), (true, Some(Reason::NoAnswer)), "the root is wanted through its blocks");
    assert!(r.text.starts_with("2 blocks pending"), "{}", r.text);
}

#[test]
fn a_new_want_for_a_received_cid_makes_it_live_again() {
    let t = feed(&[
        (10, out("A", EntryKind::WantHave)),
        (20, inbound("A", EntryKind::Block)),
        (30, out("B", EntryKind::WantHave)),
    ]);
    assert!(!t.get(CID).unwrap().done);
    assert_eq!(reason(&t, &view(100, vec![peer("B", "1.2.0")], false)), Reason::NoAnswer);
}
