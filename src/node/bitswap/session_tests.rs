//! The want splitter on a fake clock. `Sim` plays the providers: each serves the WANT_BLOCKs it holds one at a
//! time, in order, at its own rate, answers WANT_HAVE with HAVE after a round trip, and drops what is cancelled
//! before it starts sending. A fetch keeps `window` blocks wanted, like `fetch_dag`, and ticks every `TICK`.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use super::*;
use crate::node::bitswap::peer_stats::{MAX_TIMEOUT, MIN_TIMEOUT};
use crate::node::block::{RAW, SHA2_256};

const MIB: usize = 1 << 20;

fn cid(i: u32) -> Cid {
    *Block::from_data(cid::Version::V1, RAW, SHA2_256, i.to_be_bytes().to_vec()).unwrap().cid()
}

fn wants_of(sends: &Sends, peer: PeerId, ty: WantType, cancel: bool) -> Vec<Cid> {
    sends
        .iter()
        .filter(|(p, _)| *p == peer)
        .flat_map(|(_, o)| o.wants.iter())
        .filter(|w| w.want_type == ty && w.cancel == cancel)
        .map(|w| w.cid)
        .collect()
}

fn block_wants(sends: &Sends, peer: PeerId) -> Vec<Cid> {
    wants_of(sends, peer, WantType::Block, false)
}

fn cancels(sends: &Sends, peer: PeerId) -> Vec<Cid> {
    wants_of(sends, peer, WantType::Block, true)
}

struct Server {
    id: PeerId,
    /// Bytes per second; 0 never sends a block (it still answers HAVE).
    rate: f64,
    rtt: Duration,
    queue: VecDeque<Cid>,
    /// Blocks of the batch being sent, not yet arrived.
    sending: usize,
    /// Connects this long after the start.
    joins_at: Duration,
    /// Blocks sent together in one message (Helia sends all it holds): they arrive at once.
    batch: usize,
    delivered: usize,
}

enum Ev {
    Join(usize),
    Have(usize, Cid),
    Block(usize, Cid),
    Tick,
}

/// What a wire message did, for assertions: (time since start, peer index, cid, WANT_BLOCK or CANCEL).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Sent {
    WantBlock,
    Cancel,
}

struct Sim {
    client: Client,
    session: SessionId,
    start: Instant,
    now: Instant,
    servers: Vec<Server>,
    heap: BinaryHeap<Reverse<(Duration, u64)>>,
    events: HashMap<u64, Ev>,
    seq: u64,
    log: Vec<(Duration, usize, Cid, Sent)>,
    waiters: Vec<oneshot::Receiver<Block>>,
    next: u32,
    total: u32,
    done: u32,
}

impl Sim {
    /// Providers as (bytes per second, round trip, connects after).
    fn new(servers: &[(f64, Duration, Duration)]) -> Sim {
        let now = Instant::now();
        let servers = servers
            .iter()
            .map(|&(rate, rtt, joins_at)| Server {
                id: PeerId::random(),
                rate,
                rtt,
                queue: VecDeque::new(),
                sending: 0,
                joins_at,
                batch: 1,
                delivered: 0,
            })
            .collect();
        let mut sim = Sim {
            client: Client::default(),
            session: SessionId::next(),
            start: now,
            now,
            servers,
            heap: BinaryHeap::new(),
            events: HashMap::new(),
            seq: 0,
            log: Vec::new(),
            waiters: Vec::new(),
            next: 0,
            total: 0,
            done: 0,
        };
        for i in 0..sim.servers.len() {
            sim.at(sim.servers[i].joins_at, Ev::Join(i));
        }
        sim.at(TICK, Ev::Tick);
        sim
    }

    fn at(&mut self, t: Duration, ev: Ev) {
        self.seq += 1;
        self.heap.push(Reverse((t, self.seq)));
        self.events.insert(self.seq, ev);
    }

    fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    fn index(&self, peer: PeerId) -> usize {
        self.servers.iter().position(|s| s.id == peer).expect("a simulated peer")
    }

    fn send(&mut self, sends: Sends) {
        let t = self.elapsed();
        for (peer, out) in sends {
            let i = self.index(peer);
            for w in out.wants {
                if w.cancel {
                    let queue = &mut self.servers[i].queue;
                    let held = queue.len();
                    queue.retain(|c| *c != w.cid);
                    if queue.len() < held {
                        // A WANT_BLOCK taken back (not the CANCEL of a WANT_HAVE once the block arrived).
                        self.log.push((t, i, w.cid, Sent::Cancel));
                    }
                } else if w.want_type == WantType::Block {
                    // A wantlist: asking again for what it holds changes nothing.
                    if !self.servers[i].queue.contains(&w.cid) {
                        self.servers[i].queue.push_back(w.cid);
                    }
                    self.log.push((t, i, w.cid, Sent::WantBlock));
                } else {
                    let rtt = self.servers[i].rtt;
                    self.at(t + rtt, Ev::Have(i, w.cid));
                }
            }
            self.serve(i);
        }
    }

    /// The server starts on its next block if it is idle; it arrives after the block's time plus half a round trip.
    fn serve(&mut self, i: usize) {
        let elapsed = self.elapsed();
        let s = &mut self.servers[i];
        if s.sending > 0 || s.rate == 0.0 {
            return;
        }
        let n = s.batch.min(s.queue.len());
        if n == 0 {
            return;
        }
        let batch: Vec<Cid> = s.queue.drain(..n).collect();
        s.sending = n;
        let t = elapsed + Duration::from_secs_f64((n * MIB) as f64 / s.rate) + s.rtt / 2;
        for c in batch {
            self.at(t, Ev::Block(i, c));
        }
    }

    fn want_next(&mut self) {
        if self.next >= self.total {
            return;
        }
        let (tx, rx) = oneshot::channel();
        self.waiters.push(rx);
        let sends = self.client.want(cid(self.next), self.session, tx, self.now);
        self.next += 1;
        self.send(sends);
    }

    /// Fetches `total` blocks keeping `window` wanted; gives up at `limit` (simulated time).
    fn fetch(&mut self, total: u32, window: u32, limit: Duration) {
        self.total = total;
        for _ in 0..window {
            self.want_next();
        }
        while self.done < total {
            let Some(Reverse((t, seq))) = self.heap.pop() else { break };
            assert!(t < limit, "not done after {limit:?}: {} of {total}", self.done);
            self.now = self.start + t;
            match self.events.remove(&seq).expect("event") {
                Ev::Join(i) => {
                    let sends = self.client.peer_ready(self.servers[i].id, self.now);
                    self.send(sends);
                }
                Ev::Have(i, c) => {
                    let sends = self.client.on_have(self.servers[i].id, &c, self.now);
                    self.send(sends);
                }
                Ev::Block(i, c) => {
                    self.servers[i].sending -= 1;
                    let (received, sends) = self.client.on_block(self.servers[i].id, &c, MIB, self.now);
                    if matches!(received, Received::Wanted { .. }) {
                        self.servers[i].delivered += 1;
                        self.done += 1;
                        self.want_next();
                    }
                    self.send(sends);
                    self.serve(i);
                }
                Ev::Tick => {
                    let sends = self.client.tick(self.now);
                    self.send(sends);
                    self.at(t + TICK, Ev::Tick);
                }
            }
        }
        assert_eq!(self.done, total);
    }

    fn shares(&self) -> Vec<f64> {
        self.servers.iter().map(|s| s.delivered as f64 / self.total as f64).collect()
    }
}

const MS: Duration = Duration::from_millis(1);
const NOW: Duration = Duration::ZERO;

#[test]
fn the_split_follows_measured_throughput_and_keeps_every_pipeline_full() {
    // 20, 10 and 5 MB/s: 4/7, 2/7 and 1/7 of the blocks, and about as fast as the three links together.
    let rates = [20e6, 10e6, 5e6];
    let mut sim = Sim::new(&rates.map(|r| (r, 2 * MS, NOW)));
    sim.fetch(350, 64, Duration::from_secs(60));
    let sum: f64 = rates.iter().sum();
    for (share, rate) in sim.shares().iter().zip(rates) {
        let fair = rate / sum;
        assert!((share - fair).abs() < 0.05, "shares {:?} should follow {rates:?}", sim.shares());
    }
    let ideal = 350.0 * MIB as f64 / sum;
    let took = sim.elapsed().as_secs_f64();
    assert!(took < ideal * 1.15, "took {took:.2} s of simulated time, the links allow {ideal:.2} s");
    let figures = sim.client.figures(&sim.servers[0].id);
    let measured = figures.throughput_bps.expect("measured");
    assert!((measured - 20e6).abs() < 2e6, "measured {measured}");
    assert_eq!(figures.sessions[0].blocks, sim.servers[0].delivered as u64);
}

#[test]
fn a_peer_that_answers_have_for_everything_gets_want_blocks_even_when_it_is_slower() {
    // Like Helia: HAVE for every block, slower than the others; it still serves its share.
    let mut sim = Sim::new(&[(12e6, MS, NOW), (12e6, MS, NOW), (4e6, 5 * MS, NOW)]);
    sim.fetch(140, 64, Duration::from_secs(60));
    let shares = sim.shares();
    assert!(shares[2] > 0.1, "the slower peer's share {shares:?}");
    assert!(shares[0] > 0.3 && shares[1] > 0.3, "{shares:?}");
}

#[test]
fn a_silent_peers_wants_move_after_its_timeout() {
    // The second peer answers HAVE but never sends a block.
    let mut sim = Sim::new(&[(10e6, MS, NOW), (0.0, MS, NOW)]);
    sim.fetch(40, 16, Duration::from_secs(30));
    let silent: Vec<_> = sim.log.iter().filter(|e| e.1 == 1).copied().collect();
    let first = silent.iter().find(|e| e.3 == Sent::WantBlock).expect("the silent peer was asked").0;
    let moved: Vec<_> = silent.iter().filter(|e| e.3 == Sent::Cancel).collect();
    assert!(!moved.is_empty(), "its wants were cancelled");
    let first_move = moved[0].0;
    assert!(
        first_move >= first + MIN_TIMEOUT && first_move <= first + MAX_TIMEOUT + TICK,
        "moved {:?} after it was first asked",
        first_move - first
    );
    for (t, _, c, _) in &moved {
        let again = sim.log.iter().any(|e| e.1 == 0 && e.2 == *c && e.3 == Sent::WantBlock && e.0 >= *t);
        assert!(again, "{c} moved to the other peer");
    }
    assert_eq!(sim.servers[0].delivered, 40);
    assert!(sim.client.figures(&sim.servers[1].id).wants_moved > 0);
    // Stalled twice, it left the session: the fetch did not keep waiting on it.
    assert!(sim.elapsed() < Duration::from_secs(12), "took {:?}", sim.elapsed());
}

#[test]
fn a_new_peer_joins_the_session_and_takes_its_share() {
    // One provider at the start, a second as fast one connects after half a second.
    let mut sim = Sim::new(&[(10e6, MS, NOW), (10e6, MS, Duration::from_millis(500))]);
    sim.fetch(120, 64, Duration::from_secs(60));
    let shares = sim.shares();
    assert!(shares[1] > 0.35, "the late peer's share {shares:?}");
}

/// Two peers in a session whose root they both have: (client, session, a, b, now).
fn two_peers() -> (Client, SessionId, PeerId, PeerId, Instant, Vec<oneshot::Receiver<Block>>) {
    let now = Instant::now();
    let (a, b) = (PeerId::random(), PeerId::random());
    let mut client = Client::default();
    let session = SessionId::next();
    client.peer_ready(a, now);
    client.peer_ready(b, now);
    let (tx, rx) = oneshot::channel();
    client.want(cid(0), session, tx, now);
    client.on_have(a, &cid(0), now);
    client.on_have(b, &cid(0), now);
    let holder = if client.wants[&cid(0).hash().to_bytes()].block_from.as_ref().unwrap().peer == a { a } else { b };
    client.on_block(holder, &cid(0), MIB, now);
    (client, session, a, b, now, vec![rx])
}

#[test]
fn dont_have_removes_a_peer_for_that_cid_only() {
    let (mut client, session, a, b, now, mut rxs) = two_peers();
    let (tx, rx) = oneshot::channel();
    rxs.push(rx);
    let sends = client.want(cid(1), session, tx, now);
    let (first, other) = if block_wants(&sends, a).is_empty() { (b, a) } else { (a, b) };
    assert_eq!(block_wants(&sends, first), [cid(1)], "{sends:?}");
    assert_eq!(wants_of(&sends, other, WantType::Have, false), [cid(1)], "the other peer is asked WANT_HAVE");
    let sends = client.on_dont_have(first, &cid(1), now);
    assert_eq!(block_wants(&sends, other), [cid(1)], "the block is asked of the other peer");
    let sends = client.on_dont_have(other, &cid(1), now);
    assert!(block_wants(&sends, first).is_empty(), "nobody is asked for it again: {sends:?}");
    // The peer that lacks cid 1 is still in the session for the next CID.
    let (tx, rx) = oneshot::channel();
    rxs.push(rx);
    let mut sends = client.want(cid(2), session, tx, now);
    let (tx, rx) = oneshot::channel();
    rxs.push(rx);
    sends.extend(client.want(cid(3), session, tx, now));
    assert_eq!(block_wants(&sends, first).len() + block_wants(&sends, other).len(), 2);
    assert!(!block_wants(&sends, first).is_empty(), "{sends:?}");
}

#[test]
fn a_peer_added_from_outside_joins_the_session() {
    // Provider search (routing) finds a peer: once it is connected, it is asked for the session's blocks.
    let (mut client, session, a, _b, now, mut rxs) = two_peers();
    let c = PeerId::random();
    for i in 1..=40 {
        let (tx, rx) = oneshot::channel();
        rxs.push(rx);
        client.want(cid(i), session, tx, now);
    }
    assert!(client.add_session_peer(session, c, now).is_empty(), "not connected yet");
    let sends = client.peer_ready(c, now);
    assert!(!block_wants(&sends, c).is_empty(), "a session peer gets WANT_BLOCKs when it connects: {sends:?}");
    assert!(cancels(&sends, a).is_empty());
}

#[test]
fn a_peer_that_leaves_gives_its_wants_back() {
    let (mut client, session, a, b, now, mut rxs) = two_peers();
    let mut held = Vec::new();
    for i in 1..=2 {
        let (tx, rx) = oneshot::channel();
        rxs.push(rx);
        let sends = client.want(cid(i), session, tx, now);
        held.extend(block_wants(&sends, a));
    }
    assert!(!held.is_empty());
    let sends = client.peer_gone(&a, now + MS);
    let moved = block_wants(&sends, b);
    for c in &held {
        assert!(moved.contains(c), "{c} goes to the remaining peer: {sends:?}");
    }
}

#[test]
fn a_peer_that_connects_between_wants_is_asked_and_joins() {
    // It connected after the root arrived, so it never saw a want of the session: later wants still reach it.
    let (mut client, session, _a, _b, now, mut rxs) = two_peers();
    let c = PeerId::random();
    assert!(client.peer_ready(c, now).is_empty(), "nothing wanted right now");
    let mut sends = Vec::new();
    for i in 1..=40 {
        let (tx, rx) = oneshot::channel();
        rxs.push(rx);
        sends.extend(client.want(cid(i), session, tx, now));
    }
    assert_eq!(wants_of(&sends, c, WantType::Have, false).len(), 40, "discovery: WANT_HAVE for every want");
    let sends = client.on_have(c, &cid(40), now + MS);
    assert!(block_wants(&sends, c).len() > 1, "it joined the session: WANT_BLOCKs beyond cid 40: {sends:?}");
}

#[test]
fn a_sole_provider_that_sends_in_slow_batches_is_never_given_up() {
    // Like Helia on a loaded machine: everything it holds in one message, seconds apart, longer than the timeout.
    let mut sim = Sim::new(&[(0.5e6, MS, NOW)]);
    sim.servers[0].batch = 8;
    sim.fetch(40, 64, Duration::from_secs(300));
    assert_eq!(sim.servers[0].delivered, 40);
}

#[test]
fn a_sole_provider_that_dropped_our_wants_is_asked_again() {
    // Helia under load was seen to drop WANT_BLOCKs: with nobody else to ask, the timeout sends them again.
    let (mut client, session, a, b, now, mut rxs) = two_peers();
    client.peer_gone(&b, now);
    let (tx, rx) = oneshot::channel();
    rxs.push(rx);
    let sends = client.want(cid(1), session, tx, now);
    assert_eq!(block_wants(&sends, a), [cid(1)]);
    let later = now + MAX_TIMEOUT + MS;
    let sends = client.tick(later);
    assert_eq!(block_wants(&sends, a), [cid(1)], "asked again: {sends:?}");
    assert!(cancels(&sends, a).is_empty());
}
