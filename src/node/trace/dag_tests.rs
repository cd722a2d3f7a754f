//! The DAG fetches' blocks from event sequences: timing from the blocks' own marks, the critical path, first
//! senders and duplicates, and the bounds.

use super::dag::{DagReport, MAX_DAG_BLOCKS, MAX_DAGS};
use super::*;
use crate::node::events::{DagBlock, OpId};

fn want(cid: &str, peer: &str) -> NodeEvent {
    NodeEvent::Bitswap {
        direction: Direction::Out,
        peer: peer.into(),
        kind: EntryKind::WantHave,
        cid: cid.into(),
        size: None,
        latency_ms: None,
    }
}

fn block(cid: &str, peer: &str, first: bool) -> NodeEvent {
    NodeEvent::Bitswap {
        direction: Direction::In,
        peer: peer.into(),
        kind: EntryKind::Block,
        cid: cid.into(),
        size: Some(10),
        latency_ms: first.then_some(1.0),
    }
}

fn shape(root: &str, arrived: &[(&str, Option<&str>)], done: bool) -> NodeEvent {
    NodeEvent::DagFetch {
        op: OpId(1),
        root: root.into(),
        pending: 2,
        queued: 7,
        unknown_under: 1,
        arrived: arrived
            .iter()
            .map(|(c, p)| DagBlock { cid: c.to_string(), parent: p.map(str::to_string), local: false })
            .collect(),
        done,
    }
}

/// root (0 → 10 ms) → a (10 → 20), b (10 → 200, slow, from Q with a duplicate from P); b → c (200 → 230).
fn fetched() -> Trace {
    let mut t = Trace::default();
    t.observe(0, &want("root", "P"));
    t.observe(10, &block("root", "P", true));
    t.observe(11, &want("a", "P"));
    t.observe(11, &want("b", "Q"));
    t.observe(20, &block("a", "P", true));
    t.observe(30, &shape("root", &[("root", None), ("a", Some("root"))], false));
    t.observe(200, &block("b", "Q", true));
    t.observe(205, &block("b", "P", false));
    t.observe(201, &want("c", "Q"));
    t.observe(230, &block("c", "Q", true));
    t.observe(240, &shape("root", &[("b", Some("root")), ("c", Some("b"))], true));
    t
}

#[test]
fn a_finished_fetch_keeps_its_blocks_with_timing_senders_and_the_critical_path() {
    let t = fetched();
    let d = t.dags.get("root").expect("kept after it finished");
    assert!(d.done);
    let r = DagReport::of(d);
    assert_eq!(r.arrived, 4);
    assert_eq!(r.critical, vec!["root", "b", "c"], "the chain to the last block");
    let cids: Vec<&str> = r.rows.iter().map(|r| r.cid.as_str()).collect();
    assert_eq!(cids, vec!["root", "b", "c", "a"], "the first, the critical path, then the slowest");
    let b = &r.rows[1];
    assert_eq!((b.wanted_ms, b.arrived_ms, b.from.as_deref(), b.duplicates), (11, 200, Some("Q"), 1));
    assert!(b.critical && !r.rows[3].critical);
    assert_eq!(r.rows[2].parent.as_deref(), Some("b"));
}

#[test]
fn a_running_fetch_says_what_is_not_wanted_yet() {
    let mut t = Trace::default();
    t.observe(0, &want("root", "P"));
    t.observe(10, &block("root", "P", true));
    t.observe(30, &shape("root", &[("root", None)], false));
    let r = DagReport::of(t.dags.get("root").unwrap());
    assert_eq!((r.done, r.pending, r.queued, r.unknown_under), (false, 2, 7, 1));
    assert!(r.not_wanted_text().contains("7 known links queued"), "{}", r.not_wanted_text());
}

#[test]
fn fetches_and_their_blocks_are_bounded() {
    let mut t = Trace::default();
    for i in 0..MAX_DAGS + 3 {
        let root = format!("root{i}");
        t.observe(i as u64, &shape(&root, &[(root.as_str(), None)], true));
    }
    assert_eq!(t.dags.len(), MAX_DAGS);
    assert_eq!(t.dags.evicted, 3);
    assert!(t.dags.get("root0").is_none() && t.dags.get(&format!("root{}", MAX_DAGS + 2)).is_some());

    let names: Vec<String> = (0..MAX_DAG_BLOCKS + 10).map(|i| format!("b{i}")).collect();
    let mut arrived: Vec<(&str, Option<&str>)> = vec![("big", None)];
    arrived.extend(names.iter().map(|n| (n.as_str(), Some("big"))));
    t.observe(100, &shape("big", &arrived, true));
    let d = t.dags.get("big").unwrap();
    assert_eq!((d.blocks.len(), d.dropped), (MAX_DAG_BLOCKS, 11));
    let r = DagReport::of(d);
    assert_eq!(r.rows.len(), dag::MAX_ROWS);
    assert_eq!(r.arrived, (MAX_DAG_BLOCKS + 11) as u64);
}

#[test]
fn a_new_fetch_of_the_same_root_starts_over() {
    let mut t = fetched();
    t.observe(500, &shape("root", &[("root", None)], false));
    let d = t.dags.get("root").unwrap();
    assert_eq!((d.blocks.len(), d.done), (1, false));
}
