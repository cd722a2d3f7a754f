//! Reducer tests for node events (and the operations they report progress for): what each event changes, timed by
//! its own `at_ms`.

use super::update;
use crate::app::job::{Shown, Target};
use crate::app::msg::{JobDone, Msg};
use crate::app::state::{Answers, AppState, Filter, MAX_FINISHED_OPS, MAX_TRANSFERS};
use crate::node::bitswap::ledger::Ledger;
use crate::node::events::{CloseCause, Direction, EntryKind, Event, NodeEvent, OpId, OurWantInfo, PeerSnapshot};
use crate::node::events::{Transport, Wantlists};
use crate::ops::{OpEvent, Outcome};

/// A node event at `at_ms` (node clock); `seq` does not matter to the reducer.
fn at(at_ms: u64, kind: NodeEvent) -> Msg {
    Msg::Node(Event { seq: 0, at_ms, kind })
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

fn block_in(peer: &str, cid: &str, size: u64) -> Msg {
    at(0, block(Direction::In, peer, cid, size))
}

fn progress(op: OpId, bytes: u64) -> NodeEvent {
    NodeEvent::Progress { op, cid: "bafyX".into(), blocks: bytes / 100, bytes, total_bytes: None }
}

#[test]
fn connections_identify_and_ping_fill_the_peer_row() {
    let mut s = AppState::new();
    update(
        &mut s,
        at(
            5_000,
            NodeEvent::Connected {
                peer: "P".into(),
                addr: "/ip4/127.0.0.1/tcp/1".into(),
                direction: Direction::Out,
                transport: Transport::Tcp,
            },
        ),
    );
    update(
        &mut s,
        at(
            5_001,
            NodeEvent::Identified {
                peer: "P".into(),
                agent: "helia/7".into(),
                protocols: vec!["/ipfs/bitswap/1.2.0".into(), "/ipfs/bitswap/1.1.0".into()],
            },
        ),
    );
    update(&mut s, at(5_002, NodeEvent::Ping { peer: "P".into(), rtt_ms: 1.5 }));
    let row = &s.peers["P"];
    assert_eq!((row.direction.as_str(), row.bitswap.as_str(), row.rtt_ms), ("out", "1.2.0", Some(1.5)));
    assert_eq!(row.connected_at_ms, 5_000);
    update(&mut s, at(6_000, NodeEvent::Disconnected { peer: "P".into(), cause: CloseCause::Local, error: None }));
    assert_eq!((s.connected_peers(), s.peers["P"].gone_at_ms), (0, Some(6_000)), "kept, as a peer that left");
}

#[test]
fn transfers_are_a_bounded_ring_and_pause_freezes_the_view() {
    let mut s = AppState::new();
    update(&mut s, block_in("P", "c0", 10));
    s.paused_at = Some(s.transfers.len());
    for i in 1..MAX_TRANSFERS + 50 {
        update(&mut s, block_in("P", &format!("c{i}"), 10));
    }
    assert_eq!(s.transfers.len(), MAX_TRANSFERS);
    assert_eq!(s.visible_transfers().count(), 0, "the frozen row fell off the ring; nothing new shows while paused");
    s.paused_at = None;
    assert_eq!(s.visible_transfers().count(), MAX_TRANSFERS);
}

#[test]
fn filters_narrow_the_log() {
    let mut s = AppState::new();
    update(&mut s, block_in("alice", "bafyA", 1));
    update(&mut s, block_in("bob", "bafyB", 1));
    update(
        &mut s,
        at(
            0,
            NodeEvent::Bitswap {
                direction: Direction::Out,
                peer: "bob".into(),
                kind: EntryKind::WantHave,
                cid: "bafyC".into(),
                size: None,
                latency_ms: None,
            },
        ),
    );
    s.filter = Filter::parse("peer:bob kind:block");
    let rows: Vec<_> = s.visible_transfers().map(|r| r.cid.as_str()).collect();
    assert_eq!(rows, ["bafyB"]);
    s.filter = Filter::parse("bafyC");
    assert_eq!(s.visible_transfers().count(), 1);
}

#[test]
fn snapshots_are_the_truth_and_drops_are_shown() {
    let mut s = AppState::new();
    update(
        &mut s,
        at(
            0,
            NodeEvent::Connected {
                peer: "gone".into(),
                addr: "a".into(),
                direction: Direction::In,
                transport: Transport::Tcp,
            },
        ),
    );
    let ledger = Ledger { bytes_received: 4096, blocks_received: 4, ..Default::default() };
    let peers = vec![PeerSnapshot {
        peer: "P".into(),
        addr: Some("/ip4/127.0.0.1/tcp/9".into()),
        agent: Some("swarmscope/0.1.0".into()),
        bitswap: true,
        debt_ratio: 0.0,
        ledger,
        bitswap_version: None,
        relayed: false,
    }];
    let wantlists = Wantlists {
        ours: vec![OurWantInfo { cid: "bafyW".into(), age_ms: 10, peers_asked: 1, why: None }],
        theirs: Default::default(),
    };
    update(&mut s, at(2_000, NodeEvent::Snapshot { peers, departed: vec![], wantlists, dropped_events: 17 }));
    assert!(!s.peers["gone"].connected(), "a peer the snapshot does not list has left");
    assert_eq!(s.peers["P"].bytes_in, 4096);
    assert_eq!(s.peers["P"].wants_out, 1);
    assert_eq!(s.dropped, 17);
    assert_eq!(s.ledgers.len(), 1);
}

#[test]
fn operations_finish_with_their_result_and_are_retained_boundedly() {
    let mut s = AppState::new();
    let done = |id, kind, target, result| {
        Msg::JobDone(Box::new(JobDone { id, kind, target, shown: Shown::Operation, result, output: Vec::new() }))
    };
    let cid: cid::Cid = "bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq".parse().unwrap();
    for id in 0..(MAX_FINISHED_OPS as u64 + 10) {
        update(&mut s, Msg::OpStarted { id: OpId(id), kind: "put".into(), target: Target::Text(4) });
        update(&mut s, done(OpId(id), "put", Target::Text(4), Ok(Outcome::Added { roots: vec![cid] })));
    }
    update(&mut s, Msg::OpStarted { id: OpId(999), kind: "get".into(), target: Target::Cid(cid) });
    update(&mut s, Msg::OpProgress { id: OpId(999), event: OpEvent::Fetch { blocks: 3, bytes: 300 } });
    update(&mut s, done(OpId(999), "get", Target::Cid(cid), Err("could not fetch".into())));
    assert_eq!(s.ops.iter().filter(|o| o.finished_ms.is_some()).count(), MAX_FINISHED_OPS);
    let get = s.ops.iter().find(|o| o.id == OpId(999)).unwrap();
    assert_eq!((get.blocks, get.bytes), (3, 300));
    assert_eq!(s.status.as_ref().map(|s| s.1), Some(true), "a failed operation shows as an error");
}

#[test]
fn answers_to_our_wants_are_counted() {
    let mut s = AppState::new();
    for kind in [EntryKind::Have, EntryKind::DontHave, EntryKind::DontHave] {
        update(
            &mut s,
            at(
                0,
                NodeEvent::Bitswap {
                    direction: Direction::In,
                    peer: "P".into(),
                    kind,
                    cid: "bafyW".into(),
                    size: None,
                    latency_ms: None,
                },
            ),
        );
    }
    assert_eq!(s.answers["bafyW"], Answers { haves: 1, dont_haves: 2 });
}

#[test]
fn node_times_come_from_at_ms_not_from_ticks() {
    let mut s = AppState::new();
    update(
        &mut s,
        at(
            1_000,
            NodeEvent::Ready {
                schema: crate::node::events::SCHEMA_VERSION,
                peer_id: "me".into(),
                listen: vec![],
                started_unix_ms: 1_700_000_000_000,
            },
        ),
    );
    // A tick far ahead, then events stamped earlier (they were queued): their rows keep their own times.
    update(&mut s, Msg::Tick { now_ms: 9_000 });
    update(
        &mut s,
        at(
            2_500,
            NodeEvent::Connected {
                peer: "P".into(),
                addr: "a".into(),
                direction: Direction::In,
                transport: Transport::Quic,
            },
        ),
    );
    update(&mut s, at(3_100, block(Direction::In, "P", "c1", 700)));
    assert_eq!(s.peers["P"].connected_at_ms, 2_500);
    assert_eq!(s.peers["P"].transport, "quic");
    assert_eq!(s.transfers.back().unwrap().at_ms, 3_100);
    assert_eq!(s.now_ms, 9_000, "an older event does not move now back");
    assert_eq!(s.started_unix_ms, 1_700_000_000_000);
    // A newer event moves now forward.
    update(&mut s, at(12_345, block(Direction::Out, "P", "c2", 1)));
    assert_eq!(s.now_ms, 12_345);
}

#[test]
fn rates_are_bucketed_by_at_ms() {
    let mut s = AppState::new();
    update(&mut s, at(10_100, block(Direction::In, "P", "a", 1_000)));
    update(&mut s, at(10_900, block(Direction::In, "P", "b", 500)));
    update(&mut s, at(11_200, block(Direction::In, "P", "c", 4_000)));
    update(&mut s, Msg::Tick { now_ms: 12_050 });
    // Queued before the tick: it belongs to second 11, not to the newest bucket.
    update(&mut s, at(11_999, block(Direction::In, "P", "d", 6_000)));
    update(&mut s, at(12_400, block(Direction::Out, "P", "e", 300)));
    assert_eq!(s.bytes_in.values(), vec![1_500, 10_000, 0]);
    assert_eq!(s.bytes_in.rate(), 10_000, "bytes per second over the last full second");
    assert_eq!(s.bytes_out.values(), vec![0, 0, 300], "both series move with the node's clock");
}

#[test]
fn progress_finds_its_operation_by_op_id_only() {
    let mut s = AppState::new();
    // Two operations on the same root: a CID match could not tell them apart.
    let root = Target::Cid("bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq".parse().unwrap());
    update(&mut s, Msg::OpStarted { id: OpId(41), kind: "get".into(), target: root.clone() });
    update(&mut s, Msg::OpStarted { id: OpId(42), kind: "cat".into(), target: root });
    update(&mut s, at(100, progress(OpId(42), 5_000)));
    update(&mut s, at(150, progress(OpId(77), 9_000))); // nobody's: ignored
    let by_id = |id| s.ops.iter().find(|o| o.id == OpId(id)).unwrap().bytes;
    assert_eq!((by_id(41), by_id(42)), (0, 5_000));
    // A late, smaller progress (they travel apart from results) does not move an operation back.
    update(&mut s, at(160, progress(OpId(42), 4_000)));
    assert_eq!(s.ops.iter().find(|o| o.id == OpId(42)).unwrap().bytes, 5_000);
}

#[test]
fn dropped_stays_cumulative() {
    let mut s = AppState::new();
    update(&mut s, at(1, NodeEvent::Dropped { count: 5 }));
    update(
        &mut s,
        at(
            2,
            NodeEvent::Snapshot { peers: vec![], departed: vec![], wantlists: Wantlists::default(), dropped_events: 3 },
        ),
    );
    assert_eq!(s.dropped, 5, "a snapshot's older total does not lower it");
    update(&mut s, at(3, NodeEvent::Dropped { count: 9 }));
    assert_eq!(s.dropped, 9);
}

fn entry(direction: Direction, peer: &str, kind: EntryKind, cid: &str) -> Msg {
    at(1_000, NodeEvent::Bitswap { direction, peer: peer.into(), kind, cid: cid.into(), size: None, latency_ms: None })
}

#[test]
fn wantlists_follow_the_entries_between_snapshots_and_unserved_is_pruned() {
    let mut s = AppState::new();
    update(&mut s, entry(Direction::Out, "P", EntryKind::WantBlock, "A"));
    update(&mut s, entry(Direction::Out, "Q", EntryKind::WantBlock, "A"));
    assert_eq!(s.wantlists.ours.len(), 1, "one want however many peers are asked");
    update(&mut s, entry(Direction::In, "P", EntryKind::WantHave, "B"));
    update(&mut s, entry(Direction::In, "P", EntryKind::WantBlock, "C"));
    update(&mut s, entry(Direction::Out, "P", EntryKind::DontHave, "B"));
    assert_eq!(s.wantlists.theirs["P"].len(), 2);
    assert!(s.unserved.contains(&("P".to_string(), "B".to_string())));
    // Our block arrives; we serve theirs: both wants are gone at once, not a snapshot later.
    update(&mut s, block_in("P", "A", 10));
    assert!(s.wantlists.ours.is_empty());
    update(&mut s, at(1_000, block(Direction::Out, "P", "C", 10)));
    assert_eq!(s.wantlists.theirs["P"].iter().map(|w| w.cid.as_str()).collect::<Vec<_>>(), ["B"]);
    // The snapshot is the truth: P no longer wants B, so its DONT_HAVE mark goes.
    let snapshot =
        NodeEvent::Snapshot { peers: Vec::new(), departed: vec![], wantlists: Wantlists::default(), dropped_events: 0 };
    update(&mut s, at(3_000, snapshot));
    assert!(s.unserved.is_empty() && s.wantlists.theirs.is_empty());
    assert_eq!(s.wantlists_at_ms, 3_000);
}

#[test]
fn the_explorer_follows_the_store_and_one_repo_stat_runs_at_a_time() {
    use crate::ops::explore::{DagRow, Explored};
    let v0: cid::Cid = "QmWATWQ7fVPP2EFGu71UkfnqhYXDYH566qy47CnJDgvs8u".parse().unwrap();
    let v1 = cid::Cid::new_v1(0x70, *v0.hash());
    let row = DagRow { depth: 0, name: String::new(), cid: v0, size: 1, kind: "missing".into(), present: false };
    let mut s = AppState::new();
    s.explorer = Some(Explored { root: v0, rows: vec![row], truncated: false });
    let stored = |added: Vec<String>, removed: Vec<String>| NodeEvent::Stored {
        added: added.len() as u64,
        removed: removed.len() as u64,
        damaged: 0,
        added_cids: added,
        removed_cids: removed,
        damaged_cids: Vec::new(),
        wanted_by: 0,
    };
    update(&mut s, at(1, stored(vec![v1.to_string()], Vec::new())));
    assert!(s.explorer.as_ref().unwrap().rows[0].present, "a CIDv1 store notice finds the CIDv0 row");
    update(&mut s, at(2, stored(Vec::new(), vec![v1.to_string()])));
    assert!(!s.explorer.as_ref().unwrap().rows[0].present);

    use crate::app::msg::Effect;
    // (Without an explorer: its re-read is another test's.)
    s.explorer = None;
    assert_eq!(update(&mut s, Msg::Heartbeat { now_ms: 1_000 }), [Effect::RefreshStored]);
    assert!(update(&mut s, Msg::Heartbeat { now_ms: 2_000 }).is_empty(), "the first stat has not answered");
    update(&mut s, Msg::StoredFailed);
    assert_eq!(update(&mut s, Msg::Heartbeat { now_ms: 3_000 }), [Effect::RefreshStored]);
    update(&mut s, Msg::Stored { blocks: 1, bytes: 2 });
    assert_eq!(update(&mut s, Msg::Heartbeat { now_ms: 4_000 }), [Effect::RefreshStored]);
}

#[test]
fn peers_that_leave_stay_with_their_ledger_and_the_oldest_are_pruned() {
    use crate::app::state::MAX_GONE_PEERS;
    let mut s = AppState::new();
    let connect = |p: String| {
        at(
            1,
            NodeEvent::Connected {
                peer: p,
                addr: "/ip4/127.0.0.1/tcp/1".into(),
                direction: Direction::In,
                transport: Transport::Tcp,
            },
        )
    };
    for i in 0..MAX_GONE_PEERS + 5 {
        update(&mut s, connect(format!("P{i:04}")));
    }
    let ledger = Ledger { bytes_received: 7, ..Ledger::default() };
    let snap = PeerSnapshot {
        peer: "P0000".into(),
        addr: Some("/ip4/10.0.0.1/tcp/2".into()),
        agent: None,
        bitswap: true,
        debt_ratio: 0.0,
        ledger,
        bitswap_version: None,
        relayed: false,
    };
    // The snapshot lists only P0000: the others left (kept, greyed); P0000 has its ledger and both addresses.
    let snapshot = |departed| NodeEvent::Snapshot {
        peers: vec![snap.clone()],
        departed,
        wantlists: Wantlists::default(),
        dropped_events: 0,
    };
    update(&mut s, at(2, snapshot(vec![])));
    assert_eq!(s.connected_peers(), 1);
    assert_eq!(s.peers.len(), 1 + MAX_GONE_PEERS, "the oldest to leave beyond the cap are dropped");
    // A peer the node says left before this view saw it (an attached TUI, a dropped event): shown, with its ledger.
    let old = PeerSnapshot {
        peer: "OLD".into(),
        addr: None,
        agent: Some("kubo".into()),
        bitswap: true,
        debt_ratio: 0.0,
        ledger: Ledger { bytes_sent: 9, left_ms: Some(3), ..Ledger::default() },
        bitswap_version: None,
        relayed: false,
    };
    update(&mut s, at(3, snapshot(vec![old])));
    let old = &s.peers["OLD"];
    assert_eq!(
        (old.gone_at_ms, old.ledger.as_ref().map(|l| l.bytes_sent), old.agent.as_str()),
        (Some(3), Some(9), "kubo")
    );
    assert_eq!(s.peers["P0000"].addrs, ["/ip4/127.0.0.1/tcp/1", "/ip4/10.0.0.1/tcp/2"]);
    update(&mut s, at(4, NodeEvent::Disconnected { peer: "P0000".into(), cause: CloseCause::Idle, error: None }));
    let gone = &s.peers["P0000"];
    assert_eq!((gone.gone_at_ms, gone.ledger.as_ref().map(|l| l.bytes_received)), (Some(4), Some(7)));
    assert_eq!(s.sorted_peers().first().map(|p| p.peer.as_str()), Some("P0000"), "the newest to leave first");
    // It comes back: connected again, its history kept.
    update(&mut s, connect("P0000".into()));
    assert!(s.peers["P0000"].connected() && s.peers["P0000"].ledger.is_some());
}

#[test]
fn the_peers_bitswap_column_shows_the_negotiated_version_over_the_advertised_one() {
    let mut s = AppState::new();
    let protocols = vec!["/ipfs/bitswap/1.2.0".to_string(), "/ipfs/bitswap/1.1.0".to_string()];
    update(&mut s, at(1, NodeEvent::Identified { peer: "P".into(), agent: "kubo".into(), protocols }));
    assert_eq!(s.peers["P"].bitswap, "1.2.0", "before any stream: the highest advertised");
    let snapshot = |version: Option<&str>| NodeEvent::Snapshot {
        peers: vec![PeerSnapshot {
            peer: "P".into(),
            addr: None,
            agent: Some("kubo".into()),
            bitswap: true,
            debt_ratio: 0.0,
            ledger: Ledger::default(),
            bitswap_version: version.map(String::from),
            relayed: false,
        }],
        departed: vec![],
        wantlists: Wantlists::default(),
        dropped_events: 0,
    };
    update(&mut s, at(2, snapshot(None)));
    assert_eq!(s.peers["P"].bitswap, "1.2.0");
    update(&mut s, at(3, snapshot(Some("1.1.0"))));
    assert_eq!(s.peers["P"].bitswap, "1.1.0", "the version the streams speak");
}

#[test]
fn a_block_that_arrives_after_the_tree_was_read_gets_its_children_read_once_a_second() {
    use crate::app::live::REEXPLORE;
    use crate::app::msg::Effect;
    use crate::app::state::Pane;
    use crate::ops::Request;
    use crate::ops::explore::{DagRow, Explored};
    let root: cid::Cid = "QmWATWQ7fVPP2EFGu71UkfnqhYXDYH566qy47CnJDgvs8u".parse().unwrap();
    let raw: cid::Cid = "bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq".parse().unwrap();
    let row = |cid, depth, present| DagRow { depth, name: String::new(), cid, size: 1, kind: "file".into(), present };
    let stored = |added: cid::Cid| NodeEvent::Stored {
        added: 1,
        removed: 0,
        damaged: 0,
        added_cids: vec![added.to_string()],
        removed_cids: Vec::new(),
        damaged_cids: Vec::new(),
        wanted_by: 0,
    };
    let mut s = AppState::new();
    s.explorer = Some(Explored { root, rows: vec![row(root, 0, false)], truncated: false });
    s.pane = Some(Pane::Peers);
    let reads = |effects: &[Effect]| {
        effects
            .iter()
            .filter(|e| {
                matches!(e, Effect::Run(j) if j.kind == REEXPLORE
                && matches!(&j.call.request, Request::DagExplore { path } if path.root == root))
            })
            .count()
    };
    // A raw leaf has no children: arriving, it is only marked here.
    s.explorer.as_mut().unwrap().rows.push(row(raw, 1, false));
    assert_eq!(reads(&update(&mut s, at(1_500, stored(raw)))), 0);
    assert!(s.explorer.as_ref().unwrap().rows[1].present);
    // The root arrives 200 ms after the tree was read: read again once the second is up, not before.
    s.explorer_at_ms = 1_400;
    assert_eq!(reads(&update(&mut s, at(1_600, stored(root)))), 0, "less than a second since the last read");
    assert!(s.explorer.as_ref().unwrap().rows[0].present);
    assert_eq!(reads(&update(&mut s, Msg::Heartbeat { now_ms: 2_400 })), 1);
    assert_eq!(reads(&update(&mut s, Msg::Heartbeat { now_ms: 3_400 })), 0, "one read at a time, and nothing new");
    // The read comes back with the children: the pane and its place stay.
    let tree =
        Explored { root, rows: vec![row(root, 0, true), row(raw, 1, true), row(raw, 1, true)], truncated: false };
    update(
        &mut s,
        Msg::JobDone(Box::new(JobDone {
            id: OpId(9),
            kind: REEXPLORE,
            target: Target::Cid(root),
            shown: Shown::Quiet,
            result: Ok(Outcome::Explored(tree)),
            output: Vec::new(),
        })),
    );
    assert_eq!(s.explorer.as_ref().unwrap().rows.len(), 3);
    assert_eq!(s.pane(), Pane::Peers);
    assert_eq!(s.explorer_at_ms, 3_400);
    assert!(!s.explore_in_flight && s.status.is_none());
}
