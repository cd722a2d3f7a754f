//! A hostile DHT peer (issue 12, tests f): a scripted peer on 127.0.0.1 that identifies as a DHT server on
//! `/ipfs/kad/1.0.0` and answers every request with 10,000 bogus providers. The node's cap holds (never more than
//! asked, at most `MAX_PROVIDERS`), the query ends, a stuck want dials at most 10 of them, and the node keeps going.

mod common;

use std::time::{Duration, Instant};

use cid::Cid;
use common::nodes::{TestNode, node_with};
use futures::{AsyncReadExt, AsyncWriteExt, StreamExt};
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{Multiaddr, PeerId, StreamProtocol, identify};
use prost::Message as _;
use swarmscope::node::events::NodeEvent;
use swarmscope::node::routing::status::{QueryKind, RoutingSource};

const KAD: StreamProtocol = StreamProtocol::new("/ipfs/kad/1.0.0");
const BOGUS: usize = 10_000;

/// go's `dht.proto`, the fields used here.
#[derive(Clone, PartialEq, prost::Message)]
struct KadPeer {
    #[prost(bytes = "vec", tag = "1")]
    id: Vec<u8>,
    #[prost(bytes = "vec", repeated, tag = "2")]
    addrs: Vec<Vec<u8>>,
    #[prost(int32, tag = "3")]
    connection: i32,
}

#[derive(Clone, PartialEq, prost::Message)]
struct KadMessage {
    #[prost(int32, tag = "1")]
    kind: i32,
    #[prost(bytes = "vec", tag = "2")]
    key: Vec<u8>,
    #[prost(message, repeated, tag = "8")]
    closer: Vec<KadPeer>,
    #[prost(message, repeated, tag = "9")]
    providers: Vec<KadPeer>,
}

#[derive(NetworkBehaviour)]
struct Hostile {
    identify: identify::Behaviour,
    stream: libp2p_stream::Behaviour,
}

async fn read_request(s: &mut libp2p::Stream) -> Option<KadMessage> {
    let mut len = 0usize;
    for shift in (0..35).step_by(7) {
        let mut b = [0u8];
        s.read_exact(&mut b).await.ok()?;
        len |= ((b[0] & 0x7f) as usize) << shift;
        if b[0] & 0x80 == 0 {
            break;
        }
    }
    let mut body = vec![0u8; len.min(1 << 20)];
    s.read_exact(&mut body).await.ok()?;
    KadMessage::decode(&body[..]).ok()
}

/// The hostile peer: its `/p2p/` address; it runs until the test's runtime ends.
async fn hostile(closer: bool) -> Multiaddr {
    let key = libp2p::identity::Keypair::generate_ed25519();
    let mut swarm = libp2p::SwarmBuilder::with_existing_identity(key)
        .with_tokio()
        .with_tcp(libp2p::tcp::Config::default(), libp2p::noise::Config::new, libp2p::yamux::Config::default)
        .unwrap()
        .with_behaviour(|k| Hostile {
            identify: identify::Behaviour::new(identify::Config::new("/ipfs/id/1.0.0".into(), k.public())),
            stream: libp2p_stream::Behaviour::new(),
        })
        .unwrap()
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
        .build();
    let mut incoming = swarm.behaviour().stream.new_control().accept(KAD).unwrap();
    swarm.listen_on("/ip4/127.0.0.1/tcp/0".parse().unwrap()).unwrap();
    let addr = loop {
        if let SwarmEvent::NewListenAddr { address, .. } = swarm.select_next_some().await {
            break address;
        }
    };
    let me = *swarm.local_peer_id();
    tokio::spawn(async move {
        loop {
            swarm.select_next_some().await;
        }
    });
    let bogus: Vec<KadPeer> = (0..BOGUS)
        .map(|_| KadPeer {
            id: PeerId::random().to_bytes(),
            addrs: vec!["/ip4/127.0.0.1/tcp/1".parse::<Multiaddr>().unwrap().to_vec()],
            connection: 0,
        })
        .collect();
    tokio::spawn(async move {
        while let Some((_, mut s)) = incoming.next().await {
            let bogus = bogus.clone();
            tokio::spawn(async move {
                while let Some(req) = read_request(&mut s).await {
                    let (closer, providers) = if closer { (bogus.clone(), vec![]) } else { (vec![], bogus.clone()) };
                    let answer = KadMessage { kind: req.kind, key: req.key, closer, providers };
                    if s.write_all(&answer.encode_length_delimited_to_vec()).await.is_err() {
                        return;
                    }
                    let _ = s.flush().await;
                }
            });
        }
    });
    format!("{addr}/p2p/{me}").parse().unwrap()
}

fn cid(n: u8) -> Cid {
    Cid::new_v1(0x55, multihash::Multihash::<64>::wrap(0x12, &[n; 32]).unwrap())
}

async fn in_table(n: &TestNode) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while n.handle.routing_status().await.unwrap().table_size == 0 {
        assert!(Instant::now() < deadline, "the hostile peer never joined the routing table");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dht_peer_with_ten_thousand_bogus_providers_is_capped_and_dials_stay_bounded() {
    let addr = hostile(false).await;
    let mut n = node_with(move |c| c.routing.bootstrap = vec![addr]).await;
    in_table(&n).await;

    // findprovs: 10,000 answered, at most MAX_PROVIDERS (1,000) taken, each once, and the query ends.
    let t0 = Instant::now();
    let mut rx = n.handle.find_providers(cid(1), 100_000).await.unwrap();
    let mut found = std::collections::HashSet::new();
    while let Some(p) = tokio::time::timeout(Duration::from_secs(20), rx.recv()).await.expect("query ends") {
        assert_eq!(p.source, RoutingSource::Dht);
        assert!(found.insert(p.peer), "a provider twice");
    }
    assert_eq!(found.len(), swarmscope::node::routing::MAX_PROVIDERS, "in {:?}", t0.elapsed());

    // A stuck want: one search, at most 10 of the bogus providers dialled.
    let handle = n.handle.clone();
    let want = tokio::spawn(async move { handle.want(cid(2)).await });
    let deadline = Instant::now() + Duration::from_secs(6);
    let (mut dials, mut searches) = (0, 0);
    while Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_millis(200), n.events.recv()).await {
            Ok(Some(e)) => match e.kind {
                NodeEvent::DialFailed { .. } => dials += 1,
                NodeEvent::RoutingDone { kind: QueryKind::Search, count, .. } => {
                    searches += 1;
                    assert_eq!(count, 10, "a search keeps 10 providers");
                }
                _ => {}
            },
            Ok(None) => break,
            Err(_) => {}
        }
    }
    want.abort();
    assert_eq!(searches, 1, "one search within 30 s");
    assert!((1..=10).contains(&dials), "{dials} dials");
    // Still running and answering.
    assert!(n.handle.routing_status().await.unwrap().table_size >= 1);
}

/// 10,000 bogus closer peers: rust-libp2p's Kademlia would dial them all (measured before the cap: ~20,000 failed
/// dials in 12 s); the query gives up after `MAX_QUERY_FAILURES` failed peers, with an error.
#[tokio::test(flavor = "multi_thread")]
async fn a_dht_peer_with_ten_thousand_bogus_closer_peers_bounds_the_dials() {
    use swarmscope::node::routing::MAX_QUERY_FAILURES;
    let addr = hostile(true).await;
    let mut n = node_with(move |c| c.routing.bootstrap = vec![addr]).await;
    in_table(&n).await;
    let t0 = Instant::now();
    let key = cid(3).to_string();
    let mut rx = n.handle.find_providers(cid(3), 20).await.unwrap();
    let mut dials = 0;
    let error = loop {
        let e = tokio::time::timeout(Duration::from_secs(20), n.events.recv()).await.expect("the query ends").unwrap();
        match e.kind {
            NodeEvent::DialFailed { .. } => dials += 1,
            NodeEvent::RoutingDone { key: k, error, .. } if k == key => break error,
            _ => {}
        }
    };
    eprintln!("10,000 bogus closer peers: {dials} failed dials, gave up after {:?}", t0.elapsed());
    assert!(rx.recv().await.is_none(), "no provider");
    assert_eq!(error, Some(format!("gave up after {MAX_QUERY_FAILURES} peers failed")), "after {:?}", t0.elapsed());
    assert!(dials <= 2 * MAX_QUERY_FAILURES as usize + 10, "{dials} failed dials");
    // Still running and answering.
    assert!(n.handle.routing_status().await.unwrap().table_size >= 1);
}
