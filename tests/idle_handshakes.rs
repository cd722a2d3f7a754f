//! Idle TCP connections that never start a handshake must not lock new peers out (issue 10, item 7): one address
//! holds at most a few pending handshakes, and a handshake that does not finish is cut off within seconds.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::nodes::{TestNode, node};
use libp2p::Multiaddr;
use libp2p::multiaddr::Protocol;
use swarmscope::node::block::{Block, RAW, SHA2_256};
use swarmscope::node::swarm::HANDSHAKE_TIMEOUT;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpSocket, TcpStream};

/// The attacker's address: any 127/8 address is loopback on Linux, and a different one from the good peer's.
const ATTACKER_IP: [u8; 4] = [127, 0, 0, 2];
/// Idle connections the attacker keeps trying to hold: more than the node's old pending limit (64).
const IDLE: usize = 80;

fn socket_addr(addr: &Multiaddr) -> SocketAddr {
    let mut ip = None;
    let mut port = None;
    for p in addr.iter() {
        match p {
            Protocol::Ip4(a) => ip = Some(a),
            Protocol::Tcp(p) => port = Some(p),
            _ => {}
        }
    }
    SocketAddr::from((ip.expect("an ip4 address"), port.expect("a tcp port")))
}

/// A raw TCP connection from the attacker's address that never says a word.
async fn idle_connection(target: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from((ATTACKER_IP, 0)))?;
    socket.connect(target).await
}

/// Holds `IDLE` idle connections, re-opening each as the node closes it, until `stop`. Counts the connections the
/// node closed.
fn hold_idle_connections(target: SocketAddr, stop: Arc<AtomicBool>, closed: Arc<AtomicUsize>) {
    for _ in 0..IDLE {
        let (stop, closed) = (stop.clone(), closed.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                if let Ok(mut conn) = idle_connection(target).await {
                    let mut buf = [0u8; 256];
                    // Wait until the node closes it (the node speaks first in no handshake here: TCP is silent
                    // until the dialer starts multistream-select), checking now and then whether to stop.
                    loop {
                        match tokio::time::timeout(Duration::from_millis(200), conn.read(&mut buf)).await {
                            Ok(Ok(0)) | Ok(Err(_)) => {
                                closed.fetch_add(1, Ordering::Relaxed);
                                break;
                            }
                            Ok(Ok(_)) => continue,
                            Err(_) if stop.load(Ordering::Relaxed) => return,
                            Err(_) => continue,
                        }
                    }
                }
                // Re-open at once, with a breath so that a refused connection does not spin a core.
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
    }
}

async fn fetch_from(server: &TestNode, label: &[u8]) {
    let block = Block::from_data(cid::Version::V1, RAW, SHA2_256, label.to_vec()).unwrap();
    server.handle.store().put(&block).unwrap();
    let good = node().await;
    good.handle.dial(server.addr.clone()).await.expect("a new peer gets in");
    let got = tokio::time::timeout(Duration::from_secs(15), good.handle.want(*block.cid()))
        .await
        .expect("the fetch completes in time")
        .unwrap();
    assert_eq!(got.data(), block.data());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_from_one_address_do_not_lock_out_a_new_peer() {
    let server = node().await;
    let target = socket_addr(&server.addr);
    let stop = Arc::new(AtomicBool::new(false));
    let closed = Arc::new(AtomicUsize::new(0));
    hold_idle_connections(target, stop.clone(), closed.clone());
    // Let the attacker take every slot it can.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    // A new peer (from 127.0.0.1) connects and fetches, twice: also after the idle ones have been cut off and
    // re-opened at least once.
    fetch_from(&server, b"a new peer gets in").await;
    tokio::time::sleep(HANDSHAKE_TIMEOUT + Duration::from_secs(1)).await;
    fetch_from(&server, b"and another one").await;
    stop.store(true, Ordering::Relaxed);
    // The attacker really was there: the node closed far more of its connections than one address may hold.
    let closed = closed.load(Ordering::Relaxed);
    assert!(closed > IDLE, "the node closed only {closed} idle connections");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handshake_that_never_starts_is_cut_off_within_seconds() {
    let server = node().await;
    let mut conn = idle_connection(socket_addr(&server.addr)).await.unwrap();
    let started = Instant::now();
    let limit = HANDSHAKE_TIMEOUT + Duration::from_secs(3);
    let mut buf = [0u8; 256];
    loop {
        match tokio::time::timeout_at((started + limit).into(), conn.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(_)) => continue,
            Err(_) => panic!("an idle connection was still open after {limit:?}"),
        }
    }
    let took = started.elapsed();
    assert!(took >= HANDSHAKE_TIMEOUT - Duration::from_millis(500), "cut off after only {took:?}");
}
