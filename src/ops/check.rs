//! `check CID [--peer MA]` (ipfs-check built in): one report on whether the CID can be retrieved. Its provider
//! records (the DHT), and for each provider (or the one peer given) whether it is findable (addresses known), dialable
//! (the dial error when not) and whether it answers Bitswap for the CID (a probe: WANT_HAVE with sendDontHave, then
//! WANT_BLOCK; HAVE / DONT_HAVE / block with timings), then one line that says what it means. Runs on the daemon's
//! node, or on a node started for the command (as `get` does).

use std::time::{Duration, Instant};

use anyhow::Result;
use cid::Cid;
use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, PeerId};
use serde::{Deserialize, Serialize};

use super::fetch::Net;
use super::request::FetchOptions;
use super::{Ctx, OpEvent, Outcome};
use crate::node::handle::NodeHandle;
use crate::node::probe::ProbeResult;

/// Providers checked at most (the first found).
pub const MAX_CHECKED: usize = 10;
/// How long a provider search may take before the providers found so far are checked.
const FIND_FOR: Duration = Duration::from_secs(20);
/// How long a search waits for the routing table's first peer.
const DHT_WAIT: Duration = Duration::from_secs(10);
/// How long one peer has to answer each probe (boxo's DONT_HAVE timeout is ~5 s).
const PROBE_FOR: Duration = Duration::from_secs(8);

/// One peer, as the check saw it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerCheck {
    pub peer: String,
    /// Where it came from: `dht`, `http`, or `given` (`--peer`).
    pub source: String,
    /// Addresses known for it (from the record, `--peer`, or a findpeer).
    pub addrs: Vec<String>,
    /// Addresses were known or found.
    pub findable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub find_error: Option<String>,
    pub dialable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dial_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dial_error: Option<String>,
    /// Its Bitswap answers, once connected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bitswap: Option<ProbeResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probe_error: Option<String>,
}

impl PeerCheck {
    pub fn served(&self) -> bool {
        self.bitswap.as_ref().is_some_and(ProbeResult::served)
    }
}

/// The whole report (`check --json` prints it as one object).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckReport {
    pub cid: String,
    /// Provider records found in the DHT (none looked up with `--peer`).
    pub dht_records: usize,
    /// Provider records the delegated routers returned (`--routing-url`), gateways among them.
    #[serde(default)]
    pub router_records: usize,
    /// The peers checked, in order.
    pub peers: Vec<PeerCheck>,
    /// The first peer that sent the block, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serving: Option<String>,
    /// A reachable peer served the block.
    pub ok: bool,
    /// What it means, in one line.
    pub verdict: String,
}

/// The one-line meaning of what the check saw.
fn verdict(given: bool, peers: &[PeerCheck]) -> String {
    if let Some(p) = peers.iter().find(|p| p.served()) {
        let ms = p.bitswap.as_ref().map_or(0, |b| b.block_ms.unwrap_or(b.have_ms));
        return format!("retrievable: {} serves it over Bitswap (block in {ms} ms)", p.peer);
    }
    if peers.is_empty() {
        return "not retrievable: no provider records (nobody announces it in the DHT)".into();
    }
    let what = if given { "the peer" } else { "providers" };
    if !peers.iter().any(|p| p.dialable) {
        if !peers.iter().any(|p| p.findable) {
            return format!("not retrievable: {what} found, but no addresses for them");
        }
        return format!("not retrievable: {what} found, but none could be dialled");
    }
    if peers.iter().any(|p| p.bitswap.as_ref().is_some_and(|b| b.have == crate::node::probe::Answer::Have)) {
        return format!("not retrievable: {what} said HAVE but did not send the block");
    }
    format!("not retrievable: {what} reachable, but none has the block (DONT_HAVE or no answer)")
}

/// `--peer MA`: its peer id (`/p2p/…` at the end) and the address.
fn given_peer(addr: &Multiaddr) -> Result<PeerId> {
    match addr.iter().last() {
        Some(Protocol::P2p(peer)) => Ok(peer),
        _ => anyhow::bail!("--peer {addr}: the address must end with /p2p/<peer id>"),
    }
}

/// `addr` ending in `/p2p/peer` (dialling checks the peer is who it says).
fn with_peer(addr: &Multiaddr, peer: PeerId) -> Multiaddr {
    match addr.iter().last() {
        Some(Protocol::P2p(_)) => addr.clone(),
        _ => addr.clone().with(Protocol::P2p(peer)),
    }
}

/// Dials `peer` at each address until one connects: (ms, None) or the errors, one per address.
async fn dial(node: &NodeHandle, peer: PeerId, addrs: &[Multiaddr]) -> (u64, Option<String>) {
    let start = Instant::now();
    let mut errors = Vec::new();
    for a in addrs {
        match tokio::time::timeout(PROBE_FOR, node.dial(with_peer(a, peer))).await {
            Ok(Ok(())) => return (start.elapsed().as_millis() as u64, None),
            Ok(Err(e)) => errors.push(e.to_string()),
            Err(_) => errors.push(format!("{a}: timed out")),
        }
    }
    (start.elapsed().as_millis() as u64, Some(errors.join("; ")))
}

/// A provider that only serves over HTTP (a gateway a router returned): findable, not asked.
fn gateway_only(peer: PeerId, source: &str, addrs: &[Multiaddr]) -> PeerCheck {
    PeerCheck {
        peer: peer.to_string(),
        source: source.to_string(),
        addrs: addrs.iter().map(|a| a.to_string()).collect(),
        findable: true,
        find_error: None,
        dialable: false,
        dial_ms: None,
        dial_error: Some("an HTTP gateway, not a libp2p peer: not dialled".into()),
        bitswap: None,
        probe_error: None,
    }
}

/// Checks one peer: findable, dialable, and what it answers.
async fn check_peer(node: &NodeHandle, cid: Cid, peer: PeerId, source: &str, mut addrs: Vec<Multiaddr>) -> PeerCheck {
    let mut find_error = None;
    if addrs.is_empty() {
        match tokio::time::timeout(FIND_FOR, node.find_peer(peer)).await {
            Ok(Ok(found)) => addrs = found,
            Ok(Err(e)) => find_error = Some(e.to_string()),
            Err(_) => find_error = Some("findpeer timed out".into()),
        }
    }
    let mut c = PeerCheck {
        peer: peer.to_string(),
        source: source.to_string(),
        addrs: addrs.iter().map(|a| a.to_string()).collect(),
        findable: !addrs.is_empty(),
        find_error,
        dialable: false,
        dial_ms: None,
        dial_error: None,
        bitswap: None,
        probe_error: None,
    };
    if addrs.is_empty() {
        return c;
    }
    let (ms, error) = dial(node, peer, &addrs).await;
    c.dial_ms = Some(ms);
    c.dialable = error.is_none();
    c.dial_error = error;
    if c.dialable {
        match node.probe(peer, cid, PROBE_FOR).await {
            Ok(r) => c.bitswap = Some(r),
            Err(e) => c.probe_error = Some(e.to_string()),
        }
    }
    c
}

/// The providers of `cid` the DHT finds within [`FIND_FOR`] (at most [`MAX_CHECKED`]). A node just started has an
/// empty routing table until its bootstrap peers answer: the search waits for a first DHT peer (up to
/// [`DHT_WAIT`]) rather than finding nothing at once.
async fn providers(node: &NodeHandle, cid: Cid) -> Result<Vec<(PeerId, Vec<Multiaddr>, String, bool)>> {
    let waited = tokio::time::Instant::now() + DHT_WAIT;
    loop {
        let s = node.routing_status().await?;
        if s.table_size > 0 || s.bootstrap.configured == 0 || tokio::time::Instant::now() >= waited {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut rx = node.find_providers(cid, MAX_CHECKED).await?;
    let deadline = tokio::time::Instant::now() + FIND_FOR;
    let mut out = Vec::new();
    while let Ok(Some(p)) = tokio::time::timeout_at(deadline, rx.recv()).await {
        out.push((p.peer, p.addrs, p.source.to_string(), p.gateway));
    }
    Ok(out)
}

/// `check CID [--peer MA]`.
pub fn check(ctx: &mut Ctx, cid: Cid, peer: Option<Multiaddr>, fetch: &FetchOptions) -> Result<Outcome> {
    let given = peer.as_ref().map(given_peer).transpose()?;
    let store = ctx.store()?;
    let mut net = Net::new(fetch);
    let (runtime, node) = net.start(ctx, &store)?;
    // `--connect` peers (a DHT peer to start from, say) are dialled first; failing them is not the check's verdict.
    if let Err(e) = net.dial_connect(&runtime, &node) {
        ctx.report(OpEvent::Warning { message: super::one_line(&e) });
    }
    let me = node.peer_id();
    let candidates = match (given, peer) {
        (Some(p), Some(addr)) => vec![(p, vec![addr], "given".to_string(), false)],
        _ => {
            ctx.report(OpEvent::Step { message: format!("finding providers of {cid}") });
            runtime.block_on(providers(&node, cid))?
        }
    };
    let records = |from: &str| candidates.iter().filter(|c| c.2 == from).count();
    let (dht_records, router_records) = (records("dht"), records("http"));
    let mut peers = Vec::new();
    for (peer, addrs, source, gateway) in candidates.into_iter().filter(|(p, ..)| *p != me) {
        ctx.check_cancelled()?;
        if gateway {
            // A trustless HTTP gateway is not a Bitswap peer: it is listed, never dialled (as provider search does).
            peers.push(gateway_only(peer, &source, &addrs));
            continue;
        }
        ctx.report(OpEvent::Step { message: format!("asking {peer}") });
        let c = runtime.block_on(check_peer(&node, cid, peer, &source, addrs));
        let served = c.served();
        peers.push(c);
        if served {
            break; // one reachable provider that serves it answers the question
        }
    }
    let serving = peers.iter().find(|p| p.served()).map(|p| p.peer.clone());
    let report = CheckReport {
        cid: cid.to_string(),
        dht_records,
        router_records,
        verdict: verdict(given.is_some(), &peers),
        ok: serving.is_some(),
        serving,
        peers,
    };
    Ok(Outcome::Checked(report))
}

/// The report as text: the records, one block per peer, the verdict last.
pub fn text(r: &CheckReport) -> String {
    let mut out = format!("check {}\n", r.cid);
    if r.peers.first().is_some_and(|p| p.source == "given") {
        out.push_str("peer given with --peer (no provider lookup)\n");
    } else {
        out.push_str(&format!("provider records: {} in the DHT, {} from routers\n", r.dht_records, r.router_records));
    }
    for p in &r.peers {
        out.push_str(&format!("{} ({})\n", p.peer, p.source));
        let find = match (&p.find_error, p.findable) {
            (_, true) => format!("yes, {} addresses", p.addrs.len()),
            (Some(e), false) => format!("no: {e}"),
            (None, false) => "no addresses".into(),
        };
        out.push_str(&format!("  findable   {find}\n"));
        if p.findable {
            let dial = match (&p.dial_error, p.dial_ms) {
                (Some(e), _) => format!("no: {e}"),
                (None, ms) => format!("yes, in {} ms", ms.unwrap_or(0)),
            };
            out.push_str(&format!("  dialable   {dial}\n"));
        }
        if let Some(b) = &p.bitswap {
            let mut line = format!("WANT_HAVE -> {} in {} ms", b.have, b.have_ms);
            if let Some(block) = b.block {
                line.push_str(&format!(", WANT_BLOCK -> {block} in {} ms", b.block_ms.unwrap_or(0)));
            }
            if let Some(n) = b.bytes {
                line.push_str(&format!(" ({n} bytes)"));
            }
            out.push_str(&format!("  bitswap    {line}\n"));
        }
        if let Some(e) = &p.probe_error {
            out.push_str(&format!("  bitswap    not asked: {e}\n"));
        }
    }
    out.push_str(&r.verdict);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::probe::Answer;

    fn peer(dialable: bool, have: Option<Answer>, block: Option<Answer>) -> PeerCheck {
        PeerCheck {
            peer: "P".into(),
            source: "dht".into(),
            addrs: vec!["/ip4/127.0.0.1/tcp/1".into()],
            findable: true,
            find_error: None,
            dialable,
            dial_ms: Some(1),
            dial_error: (!dialable).then(|| "connection refused".into()),
            bitswap: have.map(|have| ProbeResult { have, have_ms: 2, block, block_ms: block.map(|_| 3), bytes: None }),
            probe_error: None,
        }
    }

    #[test]
    fn the_verdict_says_what_the_answers_mean() {
        assert!(verdict(false, &[]).contains("no provider records"));
        assert!(verdict(false, &[peer(false, None, None)]).contains("none could be dialled"));
        let dont = peer(true, Some(Answer::DontHave), None);
        assert!(verdict(false, &[dont]).contains("none has the block"));
        let have_only = peer(true, Some(Answer::Have), Some(Answer::NoAnswer));
        assert!(verdict(true, &[have_only]).contains("said HAVE but did not send"));
        let ok = peer(true, Some(Answer::Have), Some(Answer::Block));
        assert_eq!(verdict(false, &[ok]), "retrievable: P serves it over Bitswap (block in 3 ms)");
    }

    #[test]
    fn a_given_peer_must_name_its_id() {
        assert!(given_peer(&"/ip4/127.0.0.1/tcp/1".parse().unwrap()).is_err());
        let id = PeerId::random();
        let a: Multiaddr = format!("/ip4/127.0.0.1/tcp/1/p2p/{id}").parse().unwrap();
        assert_eq!(given_peer(&a).unwrap(), id);
        assert_eq!(with_peer(&"/ip4/127.0.0.1/tcp/1".parse().unwrap(), id), a);
    }

    #[test]
    fn a_gateway_is_listed_never_dialled_and_the_verdict_says_so() {
        let addr: Multiaddr = "/dns4/gateway.example/tcp/443/https".parse().unwrap();
        let g = gateway_only(PeerId::random(), "http", &[addr]);
        assert!(g.findable && !g.dialable && g.bitswap.is_none(), "{g:?}");
        assert!(g.dial_error.as_deref().unwrap().contains("HTTP gateway"));
        assert!(verdict(false, &[g]).contains("none could be dialled"));
    }
}
