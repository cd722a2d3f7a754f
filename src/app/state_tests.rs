use super::*;
use crate::node::bitswap::ledger::Ledger;
use crate::node::events::{CloseCause, OurWantInfo, Transport};

/// A node event at `at_ms` (node clock); `seq` does not matter to the reducer.
fn at(at_ms: u64, kind: NodeEvent) -> AppEvent {
    AppEvent::Node(Event { seq: 0, at_ms, kind })
}

fn block(direction: Direction, peer: &str, cid: &str, size: u64) -> NodeEvent {
    NodeEvent::Bitswap {
        direction,
        peer: peer.into(),
        kind: EntryKind::Block,
        cid: cid.into(),
        size: Some(size),
        latency_ms: Some(3.0),
    }
}

fn block_in(peer: &str, cid: &str, size: u64) -> AppEvent {
    at(0, block(Direction::In, peer, cid, size))
}

fn progress(op: OpId, bytes: u64) -> NodeEvent {
    NodeEvent::Progress { op, cid: "bafyX".into(), blocks: bytes / 100, bytes, total_bytes: None }
}

#[test]
fn connections_identify_and_ping_fill_the_peer_row() {
    let mut s = AppState::new();
    s.apply(at(
        5_000,
        NodeEvent::Connected {
            peer: "P".into(),
            addr: "/ip4/127.0.0.1/tcp/1".into(),
            direction: Direction::Out,
            transport: Transport::Tcp,
        },
    ));
    s.apply(at(
        5_001,
        NodeEvent::Identified {
            peer: "P".into(),
            agent: "helia/7".into(),
            protocols: vec!["/ipfs/bitswap/1.2.0".into(), "/ipfs/bitswap/1.1.0".into()],
        },
    ));
    s.apply(at(5_002, NodeEvent::Ping { peer: "P".into(), rtt_ms: 1.5 }));
    let row = &s.peers["P"];
    assert_eq!((row.direction.as_str(), row.bitswap.as_str(), row.rtt_ms), ("out", "1.2.0", Some(1.5)));
    assert_eq!(row.connected_at_ms, 5_000);
    s.apply(at(6_000, NodeEvent::Disconnected { peer: "P".into(), cause: CloseCause::Local, error: None }));
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
    s.apply(at(
        0,
        NodeEvent::Bitswap {
            direction: Direction::Out,
            peer: "bob".into(),
            kind: EntryKind::WantHave,
            cid: "bafyC".into(),
            size: None,
            latency_ms: None,
        },
    ));
    s.filter = Filter::parse("peer:bob kind:block");
    let rows: Vec<_> = s.visible_transfers().map(|r| r.cid.as_str()).collect();
    assert_eq!(rows, ["bafyB"]);
    s.filter = Filter::parse("bafyC");
    assert_eq!(s.visible_transfers().count(), 1);
}

#[test]
fn snapshots_are_the_truth_and_drops_are_shown() {
    let mut s = AppState::new();
    s.apply(at(
        0,
        NodeEvent::Connected {
            peer: "gone".into(),
            addr: "a".into(),
            direction: Direction::In,
            transport: Transport::Tcp,
        },
    ));
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
    s.apply(at(2_000, NodeEvent::Snapshot { peers, departed: vec![], wantlists, dropped_events: 17 }));
    assert!(!s.peers.contains_key("gone"), "a peer the snapshot does not list is gone");
    assert_eq!(s.peers["P"].bytes_in, 4096);
    assert_eq!(s.peers["P"].wants_out, 1);
    assert_eq!(s.dropped, 17);
    assert_eq!(s.ledgers.len(), 1);
}

#[test]
fn operations_finish_with_their_result_and_are_retained_boundedly() {
    let mut s = AppState::new();
    for id in 0..(MAX_FINISHED_OPS as u64 + 10) {
        s.apply(AppEvent::OpStarted { id: OpId(id), kind: "put".into(), target: "text".into() });
        s.apply(AppEvent::OpDone { id: OpId(id), result: Ok(format!("bafy{id}")) });
    }
    s.apply(AppEvent::OpStarted { id: OpId(999), kind: "get".into(), target: "bafyX".into() });
    s.apply(at(0, progress(OpId(999), 300)));
    s.apply(AppEvent::OpDone { id: OpId(999), result: Err("could not fetch".into()) });
    assert_eq!(s.ops.iter().filter(|o| o.finished_ms.is_some()).count(), MAX_FINISHED_OPS);
    let get = s.ops.iter().find(|o| o.id == OpId(999)).unwrap();
    assert_eq!((get.blocks, get.bytes), (3, 300));
    assert_eq!(s.status.as_ref().map(|s| s.1), Some(true), "a failed operation shows as an error");
}

#[test]
fn answers_to_our_wants_are_counted() {
    let mut s = AppState::new();
    for kind in [EntryKind::Have, EntryKind::DontHave, EntryKind::DontHave] {
        s.apply(at(
            0,
            NodeEvent::Bitswap {
                direction: Direction::In,
                peer: "P".into(),
                kind,
                cid: "bafyW".into(),
                size: None,
                latency_ms: None,
            },
        ));
    }
    assert_eq!(s.answers["bafyW"], Answers { haves: 1, dont_haves: 2 });
}

#[test]
fn node_times_come_from_at_ms_not_from_ticks() {
    let mut s = AppState::new();
    s.apply(at(
        1_000,
        NodeEvent::Ready {
            schema: crate::node::events::SCHEMA_VERSION,
            peer_id: "me".into(),
            listen: vec![],
            started_unix_ms: 1_700_000_000_000,
        },
    ));
    // A tick far ahead, then events stamped earlier (they were queued): their rows keep their own times.
    s.apply(AppEvent::Tick { now_ms: 9_000 });
    s.apply(at(
        2_500,
        NodeEvent::Connected {
            peer: "P".into(),
            addr: "a".into(),
            direction: Direction::In,
            transport: Transport::Quic,
        },
    ));
    s.apply(at(3_100, block(Direction::In, "P", "c1", 700)));
    assert_eq!(s.peers["P"].connected_at_ms, 2_500);
    assert_eq!(s.peers["P"].transport, "quic");
    assert_eq!(s.transfers.back().unwrap().at_ms, 3_100);
    assert_eq!(s.now_ms, 9_000, "an older event does not move now back");
    assert_eq!(s.started_unix_ms, 1_700_000_000_000);
    // A newer event moves now forward.
    s.apply(at(12_345, block(Direction::Out, "P", "c2", 1)));
    assert_eq!(s.now_ms, 12_345);
}

#[test]
fn rates_are_bucketed_by_at_ms() {
    let mut s = AppState::new();
    s.apply(at(10_100, block(Direction::In, "P", "a", 1_000)));
    s.apply(at(10_900, block(Direction::In, "P", "b", 500)));
    s.apply(at(11_200, block(Direction::In, "P", "c", 4_000)));
    s.apply(AppEvent::Tick { now_ms: 12_050 });
    // Queued before the tick: it belongs to second 11, not to the newest bucket.
    s.apply(at(11_999, block(Direction::In, "P", "d", 6_000)));
    s.apply(at(12_400, block(Direction::Out, "P", "e", 300)));
    assert_eq!(s.bytes_in.values(), vec![1_500, 10_000, 0]);
    assert_eq!(s.bytes_in.rate(), 10_000, "bytes per second over the last full second");
    assert_eq!(s.bytes_out.values(), vec![0, 0, 300], "both series move with the node's clock");
}

#[test]
fn progress_finds_its_operation_by_op_id_only() {
    let mut s = AppState::new();
    // Two operations on the same root: a CID match could not tell them apart.
    s.apply(AppEvent::OpStarted { id: OpId(41), kind: "get".into(), target: "bafyX".into() });
    s.apply(AppEvent::OpStarted { id: OpId(42), kind: "cat".into(), target: "bafyX".into() });
    s.apply(at(100, progress(OpId(42), 5_000)));
    s.apply(at(150, progress(OpId(77), 9_000))); // nobody's: ignored
    let by_id = |id| s.ops.iter().find(|o| o.id == OpId(id)).unwrap().bytes;
    assert_eq!((by_id(41), by_id(42)), (0, 5_000));
    // A late, smaller progress (they travel apart from results) does not move an operation back.
    s.apply(at(160, progress(OpId(42), 4_000)));
    assert_eq!(s.ops.iter().find(|o| o.id == OpId(42)).unwrap().bytes, 5_000);
}

#[test]
fn dropped_stays_cumulative() {
    let mut s = AppState::new();
    s.apply(at(1, NodeEvent::Dropped { count: 5 }));
    s.apply(at(
        2,
        NodeEvent::Snapshot { peers: vec![], departed: vec![], wantlists: Wantlists::default(), dropped_events: 3 },
    ));
    assert_eq!(s.dropped, 5, "a snapshot's older total does not lower it");
    s.apply(at(3, NodeEvent::Dropped { count: 9 }));
    assert_eq!(s.dropped, 9);
}
