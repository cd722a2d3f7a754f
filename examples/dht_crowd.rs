//! A crowd of simulated Amino DHT peers on 127.0.0.1, for measuring what a daemon's routing table costs with
//! hundreds of peers (`scripts/bench-routing-table`). Each peer is a bare rust-libp2p swarm (TCP, noise, yamux,
//! identify, Kademlia on `/ipfs/kad/1.0.0` in server mode) that knows the bootstrap peer and a few crowd peers
//! before it, and runs one bootstrap walk. All listen on 127.0.0.1 only.
//!
//! Usage: `dht_crowd N BOOTSTRAP_MULTIADDR` (with `/p2p/`); prints `{"ready": N, "walked": W}` once every peer
//! has finished its first walk (or after 90 s, W of them), then runs until stdin closes.

use std::time::Duration;

use futures::StreamExt;
use libp2p::kad::{self, store::MemoryStore};
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{Multiaddr, PeerId, StreamProtocol, identify, multiaddr::Protocol, noise, tcp, yamux};
use tokio::sync::mpsc;

#[derive(NetworkBehaviour)]
struct Peer {
    kad: kad::Behaviour<MemoryStore>,
    identify: identify::Behaviour,
}

type Swarm = libp2p::Swarm<Peer>;

fn swarm() -> Result<Swarm, Box<dyn std::error::Error>> {
    let swarm = libp2p::SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_tcp(tcp::Config::default().nodelay(true), noise::Config::new, yamux::Config::default)?
        .with_behaviour(|key| {
            let id = key.public().to_peer_id();
            let mut cfg = kad::Config::new(StreamProtocol::new("/ipfs/kad/1.0.0"));
            cfg.set_periodic_bootstrap_interval(None);
            let mut kad = kad::Behaviour::with_config(id, MemoryStore::new(id), cfg);
            kad.set_mode(Some(kad::Mode::Server));
            let identify = identify::Behaviour::new(identify::Config::new("/ipfs/id/1.0.0".into(), key.public()));
            Peer { kad, identify }
        })?
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(600)))
        .build();
    Ok(swarm)
}

/// Runs one peer: learns addresses from identify, reports when its first walk ends.
async fn run(mut swarm: Swarm, ready: mpsc::Sender<()>) {
    let mut reported = false;
    while let Some(event) = swarm.next().await {
        match event {
            SwarmEvent::Behaviour(PeerEvent::Identify(identify::Event::Received { peer_id, info, .. })) => {
                for addr in info.listen_addrs {
                    swarm.behaviour_mut().kad.add_address(&peer_id, addr);
                }
            }
            SwarmEvent::Behaviour(PeerEvent::Kad(kad::Event::OutboundQueryProgressed {
                result: kad::QueryResult::Bootstrap(_),
                step,
                ..
            })) if step.last && !reported => {
                reported = true;
                let _ = ready.send(()).await;
            }
            _ => {}
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (n, bootstrap): (usize, Multiaddr) = match (args.get(1), args.get(2)) {
        (Some(n), Some(b)) => (n.parse()?, b.parse()?),
        _ => return Err("usage: dht_crowd N BOOTSTRAP_MULTIADDR".into()),
    };
    let Some(Protocol::P2p(boot_peer)) = bootstrap.iter().last() else {
        return Err("the bootstrap address must end with /p2p/<peer id>".into());
    };
    let (tx, mut rx) = mpsc::channel(n.max(1));
    let mut known: Vec<(PeerId, Multiaddr)> = Vec::new();
    for i in 0..n {
        let mut s = swarm()?;
        s.listen_on("/ip4/127.0.0.1/tcp/0".parse()?)?;
        // The listener's address is known after the first poll: wait for it.
        let addr = loop {
            if let SwarmEvent::NewListenAddr { address, .. } = s.select_next_some().await {
                break address;
            }
        };
        s.behaviour_mut().kad.add_address(&boot_peer, bootstrap.clone());
        // A few earlier crowd peers, so the crowd is one DHT and not a star around the bootstrap peer.
        for (p, a) in known.iter().rev().take(3).chain(known.iter().step_by(37).take(3)) {
            s.behaviour_mut().kad.add_address(p, a.clone());
        }
        s.behaviour_mut().kad.bootstrap()?;
        known.push((*s.local_peer_id(), addr));
        tokio::spawn(run(s, tx.clone()));
        if i % 50 == 49 {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    // Every walk done, or 90 s: a walk through peers the daemon's connection manager trimmed waits on timeouts.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    let mut walked = 0;
    while walked < n && tokio::time::timeout_at(deadline, rx.recv()).await.is_ok_and(|r| r.is_some()) {
        walked += 1;
    }
    println!("{{\"ready\": {n}, \"walked\": {walked}}}");
    // Until stdin closes (read on a thread: tokio's stdin is not among the features this crate builds).
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let mut sink = [0u8; 64];
        let mut stdin = std::io::stdin();
        while std::io::Read::read(&mut stdin, &mut sink).is_ok_and(|r| r > 0) {}
        let _ = done_tx.send(());
    });
    let _ = done_rx.await;
    Ok(())
}
