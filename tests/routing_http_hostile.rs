//! Hostile delegated routers (issue 12, tests f): a tiny HTTP server inside the test, on 127.0.0.1 port 0, plays a
//! router that streams forever, lists 10,000 bogus providers, or sends garbage and oversize lines. Each query ends
//! within its bounds with one counted, surfaced error; the node keeps running and answers the next query.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cid::Cid;
use common::nodes::{TestNode, node_with};
use libp2p::PeerId;
use swarmscope::node::events::NodeEvent;
use swarmscope::node::routing::http::Limits;
use swarmscope::node::routing::status::RoutingSource;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone, Copy)]
enum Router {
    /// The same valid record, again and again, for ever (nothing new to find: only the router's own caps end it).
    Forever,
    /// One byte a second, never a whole line: only the total time ends it.
    Drip,
    /// 10,000 distinct providers, each at an address nobody listens on.
    Bogus,
    /// Binary garbage lines, then a 1 MiB line with no end.
    Garbage,
    /// A "plain JSON" answer that is not JSON.
    BadJson,
    /// One good provider (the node still works after the others).
    One(&'static str),
    /// One provider reachable only as an HTTP trustless gateway.
    Gateway,
}

const PEER: &str = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";

fn record(peer: &str, port: u16) -> String {
    format!("{{\"Schema\":\"peer\",\"ID\":\"{peer}\",\"Addrs\":[\"/ip4/127.0.0.1/tcp/{port}\"]}}\n")
}

async fn serve_one(mut s: TcpStream, router: Router, requests: Arc<AtomicUsize>) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 << 10 {
        let n = s.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    requests.fetch_add(1, Ordering::SeqCst);
    let ndjson = "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nConnection: close\r\n\r\n";
    match router {
        Router::Forever => {
            s.write_all(ndjson.as_bytes()).await?;
            let line = record(PEER, 1);
            loop {
                s.write_all(line.repeat(50).as_bytes()).await?;
            }
        }
        Router::Drip => {
            s.write_all(ndjson.as_bytes()).await?;
            loop {
                s.write_all(b"{").await?;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
        Router::Bogus => {
            s.write_all(ndjson.as_bytes()).await?;
            let mut body = String::new();
            for _ in 0..10_000 {
                body.push_str(&record(&PeerId::random().to_string(), 1));
            }
            s.write_all(body.as_bytes()).await
        }
        Router::Garbage => {
            s.write_all(ndjson.as_bytes()).await?;
            s.write_all(b"\x00\xff\xfe not json\n{\"Schema\":\"peer\",\"ID\":42}\n").await?;
            s.write_all(&vec![b'x'; 1 << 20]).await
        }
        Router::BadJson => {
            let body = "<html>not a router</html>";
            let h =
                format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", body.len());
            s.write_all(format!("{h}{body}").as_bytes()).await
        }
        Router::Gateway => {
            let line = format!(
                "{{\"Schema\":\"peer\",\"ID\":\"{PEER}\",\"Addrs\":[\"/ip4/127.0.0.1/tcp/1/tls/http\"],\"Protocols\":[\"transport-ipfs-gateway-http\"]}}\n"
            );
            s.write_all(format!("{ndjson}{line}").as_bytes()).await
        }
        Router::One(peer) => {
            let body = format!("{{\"Providers\":[{}]}}", record(peer, 1).trim_end());
            let h =
                format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", body.len());
            s.write_all(format!("{h}{body}").as_bytes()).await
        }
    }
}

/// A router on 127.0.0.1 port 0 that answers every request as `router` says; its URL and its request count. The
/// server task ends with the test's runtime.
async fn router(router: Router) -> (String, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let r = requests.clone();
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            tokio::spawn(serve_one(s, router, r.clone()));
        }
    });
    (url, requests)
}

async fn node(routers: &[&str], timeout: Duration) -> TestNode {
    let routers: Vec<String> = routers.iter().map(|r| r.to_string()).collect();
    node_with(|c| {
        c.routing.routers = routers;
        c.routing.http_limits = Limits { timeout, ..Limits::default() };
    })
    .await
}

fn cid(n: u8) -> Cid {
    Cid::new_v1(0x55, multihash::Multihash::<64>::wrap(0x12, &[n; 32]).unwrap())
}

/// Reads `find_providers` to its end (bounded by `within`): the providers and how long it took.
async fn find_all(n: &TestNode, cid: Cid, limit: usize, within: Duration) -> (Vec<PeerId>, Duration) {
    let t0 = Instant::now();
    let mut rx = n.handle.find_providers(cid, limit).await.unwrap();
    let mut found = Vec::new();
    loop {
        match tokio::time::timeout_at((t0 + within).into(), rx.recv()).await {
            Ok(Some(p)) => {
                assert_eq!(p.source, RoutingSource::Http);
                found.push(p.peer);
            }
            Ok(None) => return (found, t0.elapsed()),
            Err(_) => panic!("find_providers did not end within {within:?}"),
        }
    }
}

/// The `routing_done` of the router query for `key`: its count and error.
async fn http_done(n: &mut TestNode, key: &str) -> (u64, Option<String>) {
    let ev = n
        .expect(
            Duration::from_secs(20),
            |e| matches!(e, NodeEvent::RoutingDone { source: RoutingSource::Http, key: k, .. } if k == key),
        )
        .await;
    let NodeEvent::RoutingDone { count, error, .. } = ev else { unreachable!() };
    (count, error)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_router_streaming_forever_ends_at_its_caps_counted_and_the_node_goes_on() {
    let (forever, _) = router(Router::Forever).await;
    let (drip, _) = router(Router::Drip).await;
    let (good, _) = router(Router::One(PEER)).await;
    let mut n = node(&[&forever], Duration::from_secs(2)).await;

    // Endless valid records of one peer: one provider, then the record cap ends the query.
    let (found, took) = find_all(&n, cid(1), 20, Duration::from_secs(15)).await;
    assert_eq!(found, vec![PEER.parse::<PeerId>().unwrap()], "each peer once");
    let (count, error) = http_done(&mut n, &cid(1).to_string()).await;
    assert_eq!(count, Limits::default().records as u64);
    assert!(error.as_deref().is_some_and(|e| e.contains("stopped after 1000 records")), "{error:?} ({took:?})");
    drop(n);

    // A byte a second with no line end: the total time (2 s here) ends it.
    let mut n = node(&[&drip, &good], Duration::from_secs(2)).await;
    let (found, took) = find_all(&n, cid(2), 20, Duration::from_secs(15)).await;
    assert_eq!(found.len(), 1, "the good router's provider still arrives");
    assert!(took < Duration::from_secs(8), "{took:?}");
    let (_, error) = http_done(&mut n, &cid(2).to_string()).await;
    let (_, error2) = http_done(&mut n, &cid(2).to_string()).await;
    assert!(error.is_some() ^ error2.is_some(), "one router failed, one did not: {error:?} {error2:?}");
    let status = n.handle.routing_status().await.unwrap();
    assert_eq!(status.router_errors, 1);
    assert_eq!(status.routers, vec![drip, good]);
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_thousand_bogus_providers_hold_the_cap_and_bound_the_dials() {
    let (bogus, requests) = router(Router::Bogus).await;
    let mut n = node(&[&bogus], Duration::from_secs(10)).await;

    // findprovs: never more than asked, and the query ends.
    let (found, _) = find_all(&n, cid(3), 10_000, Duration::from_secs(20)).await;
    assert_eq!(found.len(), 1000, "capped at MAX_PROVIDERS and the router's record cap");
    let (count, error) = http_done(&mut n, &cid(3).to_string()).await;
    assert_eq!(count, 1000);
    assert!(error.as_deref().is_some_and(|e| e.contains("stopped after")), "{error:?}");

    // A stuck want searches the router and dials at most 10 of its providers (then asks again only after 30 s).
    let handle = n.handle.clone();
    let want = tokio::spawn(async move { handle.want(cid(4)).await });
    let deadline = Instant::now() + Duration::from_secs(8);
    let mut dials = 0;
    while Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_millis(200), n.events.recv()).await {
            Ok(Some(e)) => {
                if matches!(e.kind, NodeEvent::DialFailed { .. }) {
                    dials += 1;
                }
            }
            Ok(None) => break,
            Err(_) => {}
        }
    }
    want.abort();
    assert!((1..=10).contains(&dials), "dials {dials}");
    assert_eq!(requests.load(Ordering::SeqCst), 2, "one findprovs, one search");
}

/// A provider listed only as an HTTP gateway is shown as such, and a stuck want's search never dials it.
#[tokio::test(flavor = "multi_thread")]
async fn a_gateway_only_provider_is_shown_and_never_dialled() {
    let (gateway, _) = router(Router::Gateway).await;
    let mut n = node(&[&gateway], Duration::from_secs(10)).await;
    let mut rx = n.handle.find_providers(cid(9), 20).await.unwrap();
    let p = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await.unwrap().expect("the gateway provider");
    assert!(p.gateway && p.source == RoutingSource::Http, "{p:?}");
    assert_eq!(p.addrs[0].to_string(), "/ip4/127.0.0.1/tcp/1/tls/http");

    let handle = n.handle.clone();
    let want = tokio::spawn(async move { handle.want(cid(10)).await });
    let key = cid(10).to_string();
    let mut dials = 0;
    let found = loop {
        let e = tokio::time::timeout(Duration::from_secs(10), n.events.recv()).await.expect("a search").unwrap();
        match e.kind {
            NodeEvent::DialFailed { .. } => dials += 1,
            NodeEvent::ProviderFound { key: k, gateway, .. } if k == key => break gateway,
            _ => {}
        }
    };
    assert!(found, "marked gateway in the event");
    tokio::time::sleep(Duration::from_millis(500)).await;
    while let Ok(e) = n.events.try_recv() {
        if matches!(e.kind, NodeEvent::DialFailed { .. }) {
            dials += 1;
        }
    }
    want.abort();
    assert_eq!(dials, 0, "a gateway is not dialled over libp2p");
}

/// `routing findprovs` through a daemon prints each provider as it arrives: the good router's line comes while the
/// dripping router still holds the query open (for its 30 s), and the command is stopped there.
#[tokio::test(flavor = "multi_thread")]
async fn findprovs_prints_each_provider_as_it_arrives() {
    use std::io::BufRead;
    let (good, _) = router(Router::One(PEER)).await;
    let (drip, _) = router(Router::Drip).await;
    let repo = common::swarmscope::Repo::new();
    let args = ["daemon", "--listen", "/ip4/127.0.0.1/tcp/0", "--no-mdns", "--json"];
    let daemon = repo.cmd_routed(&[&good, &drip], &args);
    let _daemon =
        tokio::task::block_in_place(|| common::background::Background::start(daemon, Duration::from_secs(60)));
    let t0 = Instant::now();
    let mut find = repo.cmd(&["routing", "findprovs", &cid(8).to_string(), "--json"]);
    let mut child = find.stdout(std::process::Stdio::piped()).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let first = tokio::task::block_in_place(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = std::io::BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        rx.recv_timeout(Duration::from_secs(20))
    });
    let running = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    let first = first.expect("no provider line within 20 s");
    let row: serde_json::Value = serde_json::from_str(&first).unwrap_or_else(|e| panic!("{e}: {first:?}"));
    assert_eq!((row["peer"].as_str(), row["source"].as_str()), (Some(PEER), Some("http")), "{row}");
    assert!(running, "the line came while the query still ran ({:?})", t0.elapsed());
}

#[tokio::test(flavor = "multi_thread")]
async fn garbage_and_oversize_lines_give_one_clear_error_and_the_node_keeps_running() {
    let (garbage, _) = router(Router::Garbage).await;
    let (bad_json, _) = router(Router::BadJson).await;
    let mut n = node(&[&garbage], Duration::from_secs(10)).await;
    let (found, _) = find_all(&n, cid(5), 20, Duration::from_secs(15)).await;
    assert!(found.is_empty());
    let message = n.expect(Duration::from_secs(5), |e| matches!(e, NodeEvent::Error { .. })).await;
    let NodeEvent::Error { message } = message else { unreachable!() };
    assert!(message.starts_with(&format!("router {garbage}: a line over")), "{message}");
    let (_, error) = http_done(&mut n, &cid(5).to_string()).await;
    assert_eq!(error.as_deref(), Some("a line over 65536 bytes"));
    drop(n);

    let mut n = node(&[&bad_json], Duration::from_secs(10)).await;
    let (found, _) = find_all(&n, cid(6), 20, Duration::from_secs(15)).await;
    assert!(found.is_empty());
    let (_, error) = http_done(&mut n, &cid(6).to_string()).await;
    assert!(error.as_deref().is_some_and(|e| e.starts_with("bad answer")), "{error:?}");
    // Still running: it answers, and counted the failure.
    assert_eq!(n.handle.routing_status().await.unwrap().router_errors, 1);
    let (found, _) = find_all(&n, cid(7), 20, Duration::from_secs(15)).await;
    assert!(found.is_empty());
    assert_eq!(n.handle.routing_status().await.unwrap().router_errors, 2);
}
