use super::*;
use crate::app::job::{Shown, Target};
use crate::node::bitswap::ledger::Ledger;
use crate::node::events::OurWantInfo;

fn block_in(peer: &str, cid: &str, size: u64) -> AppEvent {
    AppEvent::Node(NodeEvent::Bitswap {
        direction: Direction::In,
        peer: peer.into(),
        kind: EntryKind::Block,
        cid: cid.into(),
        size: Some(size),
        latency_ms: Some(3.0),
    })
}

#[test]
fn connections_identify_and_ping_fill_the_peer_row() {
    let mut s = AppState::new();
    s.apply(AppEvent::Tick { now_ms: 5_000 });
    s.apply(AppEvent::Node(NodeEvent::Connected {
        peer: "P".into(),
        addr: "/ip4/127.0.0.1/tcp/1".into(),
        direction: Direction::Out,
        transport: "tcp".into(),
    }));
    s.apply(AppEvent::Node(NodeEvent::Identified {
        peer: "P".into(),
        agent: "helia/7".into(),
        protocols: vec!["/ipfs/bitswap/1.2.0".into(), "/ipfs/bitswap/1.1.0".into()],
    }));
    s.apply(AppEvent::Node(NodeEvent::Ping { peer: "P".into(), rtt_ms: 1.5 }));
    let row = &s.peers["P"];
    assert_eq!((row.direction.as_str(), row.bitswap.as_str(), row.rtt_ms), ("out", "1.2.0", Some(1.5)));
    assert_eq!(row.connected_at_ms, 5_000);
    s.apply(AppEvent::Node(NodeEvent::Disconnected { peer: "P".into(), cause: None }));
    assert!(s.peers.is_empty());
}

#[test]
fn transfers_are_a_bounded_ring_and_pause_freezes_the_view() {
    let mut s = AppState::new();
    s.apply(block_in("P", "c0", 10));
    s.paused_at = Some(s.transfers.len());
    for i in 1..MAX_TRANSFERS + 50 {
        s.apply(block_in("P", &format!("c{i}"), 10));
    }
    assert_eq!(s.transfers.len(), MAX_TRANSFERS);
    assert_eq!(s.visible_transfers().count(), 0, "the frozen row fell off the ring; nothing new shows while paused");
    s.paused_at = None;
    assert_eq!(s.visible_transfers().count(), MAX_TRANSFERS);
}

#[test]
fn filters_narrow_the_log() {
    let mut s = AppState::new();
    s.apply(block_in("alice", "bafyA", 1));
    s.apply(block_in("bob", "bafyB", 1));
    s.apply(AppEvent::Node(NodeEvent::Bitswap {
        direction: Direction::Out,
        peer: "bob".into(),
        kind: EntryKind::WantHave,
        cid: "bafyC".into(),
        size: None,
        latency_ms: None,
    }));
    s.filter = Filter::parse("peer:bob kind:block");
    let rows: Vec<_> = s.visible_transfers().map(|r| r.cid.as_str()).collect();
    assert_eq!(rows, ["bafyB"]);
    s.filter = Filter::parse("bafyC");
    assert_eq!(s.visible_transfers().count(), 1);
}

#[test]
fn snapshots_are_the_truth_and_drops_are_shown() {
    let mut s = AppState::new();
    s.apply(AppEvent::Node(NodeEvent::Connected {
        peer: "gone".into(),
        addr: "a".into(),
        direction: Direction::In,
        transport: "tcp".into(),
    }));
    let ledger = Ledger { bytes_received: 4096, blocks_received: 4, ..Default::default() };
    let peers = vec![PeerSnapshot {
        peer: "P".into(),
        addr: Some("/ip4/127.0.0.1/tcp/9".into()),
        agent: Some("swarmscope/0.1.0".into()),
        bitswap: true,
        debt_ratio: 0.0,
        ledger,
    }];
    let wantlists = Wantlists {
        ours: vec![OurWantInfo { cid: "bafyW".into(), age_ms: 10, peers_asked: 1 }],
        theirs: Default::default(),
    };
    s.apply(AppEvent::Node(NodeEvent::Snapshot { peers, wantlists, dropped_events: 17 }));
    assert!(!s.peers.contains_key("gone"), "a peer the snapshot does not list is gone");
    assert_eq!(s.peers["P"].bytes_in, 4096);
    assert_eq!(s.peers["P"].wants_out, 1);
    assert_eq!(s.dropped, 17);
    assert_eq!(s.ledgers.len(), 1);
}

#[test]
fn operations_finish_with_their_result_and_are_retained_boundedly() {
    let mut s = AppState::new();
    let done = |id, kind, target, result| AppEvent::JobDone {
        id,
        kind,
        target,
        shown: Shown::Operation,
        result: Box::new(result),
        output: Vec::new(),
    };
    let cid: cid::Cid = "bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq".parse().unwrap();
    for id in 0..(MAX_FINISHED_OPS as u64 + 10) {
        s.apply(AppEvent::OpStarted { id, kind: "put".into(), target: Target::Text(4) });
        s.apply(done(id, "put", Target::Text(4), Ok(Outcome::Added { roots: vec![cid] })));
    }
    s.apply(AppEvent::OpStarted { id: 999, kind: "get".into(), target: Target::Cid(cid) });
    s.apply(AppEvent::OpProgress { id: 999, event: OpEvent::Fetch { blocks: 3, bytes: 300 } });
    s.apply(done(999, "get", Target::Cid(cid), Err("could not fetch".into())));
    assert_eq!(s.ops.iter().filter(|o| o.finished_ms.is_some()).count(), MAX_FINISHED_OPS);
    let get = s.ops.iter().find(|o| o.id == 999).unwrap();
    assert_eq!((get.blocks, get.bytes), (3, 300));
    assert_eq!(s.status.as_ref().map(|s| s.1), Some(true), "a failed operation shows as an error");
}

#[test]
fn answers_to_our_wants_are_counted() {
    let mut s = AppState::new();
    for kind in [EntryKind::Have, EntryKind::DontHave, EntryKind::DontHave] {
        s.apply(AppEvent::Node(NodeEvent::Bitswap {
            direction: Direction::In,
            peer: "P".into(),
            kind,
            cid: "bafyW".into(),
            size: None,
            latency_ms: None,
        }));
    }
    assert_eq!(s.answers["bafyW"], Answers { haves: 1, dont_haves: 2 });
}
