use super::*;
use crate::node::block::{RAW, SHA2_256};

fn cid(i: u8) -> Cid {
    *Block::from_data(cid::Version::V1, RAW, SHA2_256, vec![i]).unwrap().cid()
}

fn kinds(sends: &Sends, peer: PeerId) -> Vec<(WantType, bool)> {
    sends
        .iter()
        .filter(|(p, _)| *p == peer)
        .flat_map(|(_, o)| o.wants.iter().map(|w| (w.want_type, w.cancel)))
        .collect()
}

#[test]
fn want_have_to_all_then_want_block_to_the_first_have_then_cancel_to_the_rest() {
    let now = Instant::now();
    let (a, b, c) = (PeerId::random(), PeerId::random(), PeerId::random());
    let mut client = Client::default();
    for p in [a, b, c] {
        assert!(client.peer_ready(p, now).is_empty());
    }
    let (tx, mut rx) = oneshot::channel();
    let sends = client.want(cid(1), SessionId::NONE, tx, now);
    for p in [a, b, c] {
        assert_eq!(kinds(&sends, p), [(WantType::Have, false)]);
    }
    assert!(client.on_dont_have(a, &cid(1), now).is_empty());
    let sends = client.on_have(b, &cid(1), now);
    assert_eq!(kinds(&sends, b), [(WantType::Block, false)]);
    assert!(client.on_have(c, &cid(1), now).is_empty(), "one WANT_BLOCK at a time");
    let (received, sends) = client.on_block(b, &cid(1), 1, now);
    assert!(matches!(received, Received::Wanted { ref waiters, .. } if waiters.len() == 1));
    if let Received::Wanted { waiters, .. } = received {
        for w in waiters {
            let _ = w.send(Block::from_data(cid::Version::V1, RAW, SHA2_256, vec![1]).unwrap());
        }
    }
    assert!(rx.try_recv().is_ok());
    assert_eq!(kinds(&sends, a), [(WantType::Block, true)]);
    assert_eq!(kinds(&sends, c), [(WantType::Block, true)]);
    assert!(kinds(&sends, b).is_empty());
    assert!(matches!(client.on_block(c, &cid(1), 1, now).0, Received::Duplicate));
    assert!(matches!(client.on_block(c, &cid(9), 1, now).0, Received::Unsolicited));
}

#[test]
fn providers_get_want_block_directly_and_timeouts_move_it() {
    let now = Instant::now();
    let (a, b) = (PeerId::random(), PeerId::random());
    let mut client = Client::default();
    client.peer_ready(a, now);
    client.peer_ready(b, now);
    let (tx, _rx) = oneshot::channel();
    client.want(cid(1), SessionId::NONE, tx, now);
    client.on_have(a, &cid(1), now);
    client.on_have(b, &cid(1), now);
    client.on_block(a, &cid(1), 1, now);
    let (tx, _rx2) = oneshot::channel();
    let sends = client.want(cid(2), SessionId::NONE, tx, now);
    let block_peers: Vec<PeerId> =
        [a, b].into_iter().filter(|p| kinds(&sends, *p).contains(&(WantType::Block, false))).collect();
    assert_eq!(block_peers.len(), 1, "known providers get WANT_BLOCK at once: {sends:?}");
    let first = block_peers[0];
    let other = if first == a { b } else { a };
    let later = now + BLOCK_TIMEOUT + Duration::from_millis(1);
    let sends = client.tick(later);
    assert_eq!(kinds(&sends, other), [(WantType::Block, false)], "the timeout moves the WANT_BLOCK");
}

#[test]
fn late_peers_receive_the_wantlist_and_gone_peers_release_their_wants() {
    let now = Instant::now();
    let (a, b) = (PeerId::random(), PeerId::random());
    let mut client = Client::default();
    client.peer_ready(a, now);
    let (tx, _rx) = oneshot::channel();
    client.want(cid(1), SessionId::NONE, tx, now);
    client.on_have(a, &cid(1), now);
    let sends = client.peer_ready(b, now);
    assert_eq!(kinds(&sends, b), [(WantType::Have, false)]);
    client.on_have(b, &cid(1), now);
    let sends = client.peer_gone(&a, now);
    assert_eq!(kinds(&sends, b), [(WantType::Block, false)]);
}

#[test]
fn abandoned_wants_are_cancelled() {
    let now = Instant::now();
    let a = PeerId::random();
    let mut client = Client::default();
    client.peer_ready(a, now);
    let (tx, rx) = oneshot::channel();
    client.want(cid(1), SessionId::NONE, tx, now);
    drop(rx);
    let sends = client.tick(now);
    assert_eq!(kinds(&sends, a), [(WantType::Block, true)]);
    assert_eq!(client.wants_len(), 0);
}

#[test]
fn a_have_after_a_dont_have_gets_a_want_block() {
    let now = Instant::now();
    let a = PeerId::random();
    let mut client = Client::default();
    client.peer_ready(a, now);
    let (tx, _rx) = oneshot::channel();
    client.want(cid(1), SessionId::NONE, tx, now);
    assert!(client.on_dont_have(a, &cid(1), now).is_empty());
    // The peer stored the block later and says so (a late HAVE): ask it for the block now, not at the rebroadcast.
    let sends = client.on_have(a, &cid(1), now);
    assert_eq!(kinds(&sends, a), [(WantType::Block, false)]);
}

fn messages_to(sends: &Sends, peer: PeerId) -> usize {
    sends.iter().filter(|(p, _)| *p == peer).count()
}

fn ready(client: &mut Client, peers: &[PeerId], now: Instant) {
    for p in peers {
        client.peer_ready(*p, now);
    }
}

#[test]
fn a_fetchs_first_want_goes_as_want_block_to_the_named_peer_and_moves_on_at_its_dont_have() {
    let now = Instant::now();
    let (named, other) = (PeerId::random(), PeerId::random());
    let mut client = Client::default();
    ready(&mut client, &[named, other], now);
    client.named(named);
    let (tx, _rx) = oneshot::channel();
    let sends = client.want(cid(1), SessionId::next(), tx, now);
    assert_eq!(kinds(&sends, named), [(WantType::Block, false)], "asked for the block in the first message");
    assert_eq!(kinds(&sends, other), [(WantType::Have, false)]);
    // The named peer lacks it, the other has it: the block is asked of the other in the round both answered in.
    assert!(kinds(&client.on_have(other, &cid(1), now), other).is_empty(), "one WANT_BLOCK at a time");
    let sends = client.on_dont_have(named, &cid(1), now);
    assert_eq!(kinds(&sends, other), [(WantType::Block, false)]);
    assert!(kinds(&sends, named).is_empty(), "the guess is made once");
}

#[test]
fn without_a_lead_or_outside_a_fetch_the_first_want_is_want_have_to_all() {
    let now = Instant::now();
    let (a, b) = (PeerId::random(), PeerId::random());
    let mut client = Client::default();
    ready(&mut client, &[a, b], now);
    let (tx, _rx) = oneshot::channel();
    let sends = client.want(cid(1), SessionId::next(), tx, now);
    for p in [a, b] {
        assert_eq!(kinds(&sends, p), [(WantType::Have, false)], "nothing points at either peer");
    }
    // `block get` (no session) asks everyone for HAVEs even with a peer named.
    client.named(a);
    let (tx, _rx) = oneshot::channel();
    let sends = client.want(cid(2), SessionId::NONE, tx, now);
    for p in [a, b] {
        assert_eq!(kinds(&sends, p), [(WantType::Have, false)]);
    }
}

#[test]
fn a_peer_that_provided_before_is_the_guess_when_nobody_was_named() {
    let now = Instant::now();
    let (a, b) = (PeerId::random(), PeerId::random());
    let mut client = Client::default();
    ready(&mut client, &[a, b], now);
    let (tx, _rx) = oneshot::channel();
    client.want(cid(1), SessionId::NONE, tx, now);
    client.on_have(b, &cid(1), now);
    client.on_block(b, &cid(1), 1, now);
    let (tx, _rx) = oneshot::channel();
    let sends = client.want(cid(2), SessionId::next(), tx, now);
    assert_eq!(kinds(&sends, b), [(WantType::Block, false)]);
    assert_eq!(kinds(&sends, a), [(WantType::Have, false)]);
}

#[test]
fn a_nodes_children_go_in_one_message_per_peer_all_as_want_block_to_the_sole_provider() {
    let now = Instant::now();
    let (a, b) = (PeerId::random(), PeerId::random());
    let mut client = Client::default();
    ready(&mut client, &[a, b], now);
    client.named(a);
    let session = SessionId::next();
    let (tx, _rx) = oneshot::channel();
    client.want(cid(0), session, tx, now);
    client.on_block(a, &cid(0), 100, now);
    let mut waits = Vec::new();
    let wants = (1..=64)
        .map(|i| {
            let (tx, rx) = oneshot::channel();
            waits.push(rx);
            (cid(i), tx)
        })
        .collect();
    let sends = client.want_many(wants, session, now);
    assert_eq!((messages_to(&sends, a), messages_to(&sends, b)), (1, 1));
    assert_eq!(kinds(&sends, a), vec![(WantType::Block, false); 64], "its pipeline is full from the first message");
    assert_eq!(kinds(&sends, b), vec![(WantType::Have, false); 64]);
    // b has them too: it joins and takes a share of a's overfull pipeline (a hears CANCELs for those).
    let sends = client.on_have(b, &cid(64), now);
    let moved = kinds(&sends, b).iter().filter(|k| **k == (WantType::Block, false)).count();
    assert!(moved > 0 && kinds(&sends, a).iter().filter(|k| k.1).count() == moved, "{moved} moved");
}

#[test]
fn the_only_connected_peer_is_asked_for_the_block_at_once() {
    let now = Instant::now();
    let a = PeerId::random();
    let mut client = Client::default();
    client.peer_ready(a, now);
    let (tx, _rx) = oneshot::channel();
    let sends = client.want(cid(1), SessionId::next(), tx, now);
    assert_eq!(kinds(&sends, a), [(WantType::Block, false)]);
}
