//! Delegated routing: a Routing V1 HTTP client (`GET {router}/routing/v1/providers/{cid}`, IPIP-337), as Helia and
//! Kubo use `https://delegated-ipfs.dev`. It asks for NDJSON (`Accept: application/x-ndjson`) so that providers
//! arrive as the router finds them, and reads a plain JSON answer (`{"Providers":[…]}`) when that is what comes.
//!
//! A router is a remote party like any peer, so everything is bounded: records per query ([`Limits::records`]),
//! bytes per line and per response, and a total time. A router that streams forever, sends garbage or oversize
//! lines ends its query with one error (counted and shown by the caller); nothing grows without bound.
//!
//! ureq is blocking: each query runs on a `spawn_blocking` thread (see `delegated.rs`) and hands its records on as
//! it reads them; a cancel flag, checked between records, stops it early.

use std::io::{BufRead, BufReader, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use cid::Cid;
use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, PeerId};
use serde::Deserialize;

/// The router a user's node asks when given no `--routing-url` (Helia's default). Applied only by the CLI layer.
pub const DEFAULT_ROUTER: &str = "https://delegated-ipfs.dev";
/// What a router lists for a provider reachable only as a trustless HTTP gateway.
pub const GATEWAY_PROTOCOL: &str = "transport-ipfs-gateway-http";

/// The bounds of one query to one router.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Records read at most (of any schema, valid or not): the query ends there.
    pub records: usize,
    /// Bytes of one NDJSON line.
    pub line_bytes: usize,
    /// Bytes of the whole response.
    pub response_bytes: u64,
    /// The whole query, connect to last byte.
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self { records: 1000, line_bytes: 64 << 10, response_bytes: 4 << 20, timeout: Duration::from_secs(30) }
    }
}

/// One provider a router listed.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpProvider {
    pub peer: PeerId,
    /// Every address listed that parses (without a trailing `/p2p/`).
    pub addrs: Vec<Multiaddr>,
    /// Reachable only over HTTP (a trustless gateway): never dialled over libp2p.
    pub gateway: bool,
}

impl HttpProvider {
    /// The addresses libp2p can dial: the non-HTTP ones.
    pub fn libp2p_addrs(&self) -> Vec<Multiaddr> {
        if self.gateway { Vec::new() } else { self.addrs.iter().filter(|a| !is_http(a)).cloned().collect() }
    }
}

/// An address of an HTTP endpoint (`/http`, `/https`, `/tls/http`), not of a libp2p transport.
pub fn is_http(addr: &Multiaddr) -> bool {
    addr.iter().any(|p| matches!(p, Protocol::Http | Protocol::Https))
}

#[derive(Deserialize)]
struct Record {
    #[serde(rename = "Schema")]
    schema: Option<String>,
    #[serde(rename = "ID")]
    id: Option<String>,
    #[serde(rename = "Addrs", default)]
    addrs: Vec<String>,
    #[serde(rename = "Protocols", default)]
    protocols: Vec<String>,
}

#[derive(Deserialize)]
struct Answer {
    #[serde(rename = "Providers", default)]
    providers: Option<Vec<serde_json::Value>>,
}

/// A peer id as a router writes it: `12D3Koo…`/`Qm…`, or a CIDv1 of codec libp2p-key (`bafzaa…`, what the Helia
/// server answers).
pub fn parse_peer_id(s: &str) -> Option<PeerId> {
    if let Ok(p) = s.parse::<PeerId>() {
        return Some(p);
    }
    let cid: Cid = s.parse().ok()?;
    (cid.codec() == 0x72).then(|| PeerId::from_multihash(*cid.hash()).ok()).flatten()
}

fn from_record(r: Record) -> Result<Option<HttpProvider>, String> {
    if r.schema.as_deref() != Some("peer") {
        return Ok(None); // other schemas (bitswap, unknown) are skipped, as the spec says
    }
    let id = r.id.ok_or("a peer record without ID")?;
    let peer =
        parse_peer_id(&id).ok_or_else(|| format!("bad peer id {:?}", id.chars().take(80).collect::<String>()))?;
    let addrs: Vec<Multiaddr> = r
        .addrs
        .iter()
        .filter_map(|a| a.parse::<Multiaddr>().ok())
        .map(|mut a| {
            if matches!(a.iter().last(), Some(Protocol::P2p(_))) {
                a.pop();
            }
            a
        })
        .collect();
    let only_http = !addrs.is_empty() && addrs.iter().all(is_http);
    let gateway_only = r.protocols.iter().any(|p| p == GATEWAY_PROTOCOL)
        && !r.protocols.iter().any(|p| p.starts_with("transport-bitswap") || p.starts_with("/ipfs/bitswap"));
    Ok(Some(HttpProvider { peer, addrs, gateway: only_http || gateway_only }))
}

/// One NDJSON line: a provider, `None` for a record of another schema or a blank line, or why the line is bad.
pub fn parse_line(line: &[u8]) -> Result<Option<HttpProvider>, String> {
    let line = line.trim_ascii();
    if line.is_empty() {
        return Ok(None);
    }
    let r: Record = serde_json::from_slice(line).map_err(|e| format!("bad record: {e}"))?;
    from_record(r)
}

/// A plain JSON answer: its peer records, at most `max` read (of any schema), each bad one skipped with its
/// error counted.
pub fn parse_json(body: &[u8], max: usize) -> Result<(Vec<HttpProvider>, usize), String> {
    let a: Answer = serde_json::from_slice(body).map_err(|e| format!("bad answer: {e}"))?;
    let mut out = Vec::new();
    let mut bad = 0;
    for v in a.providers.unwrap_or_default().into_iter().take(max) {
        match serde_json::from_value::<Record>(v).map_err(|e| e.to_string()).and_then(from_record) {
            Ok(Some(p)) => out.push(p),
            Ok(None) => {}
            Err(_) => bad += 1,
        }
    }
    Ok((out, bad))
}

/// The query URL of `cid` at `router` (a trailing `/` of the router is ignored).
pub fn providers_url(router: &str, cid: &Cid) -> String {
    format!("{}/routing/v1/providers/{cid}", router.trim_end_matches('/'))
}

/// What a query hands the node task.
#[derive(Debug)]
pub enum Found {
    Provider(HttpProvider),
    /// The query ended: records read, and the error that ended it (or that bad records were skipped).
    Done {
        records: usize,
        error: Option<String>,
    },
}

/// Reads one NDJSON line of at most `max` bytes into `buf`: `Ok(false)` at the end of the body.
fn read_line(r: &mut impl BufRead, buf: &mut Vec<u8>, max: usize) -> Result<bool, String> {
    buf.clear();
    let n = r.take(max as u64 + 1).read_until(b'\n', buf).map_err(|e| short_io(&e))?;
    if n > max && buf.last() != Some(&b'\n') {
        return Err(format!("a line over {max} bytes"));
    }
    Ok(n > 0)
}

fn short_io(e: &std::io::Error) -> String {
    e.to_string().replace('\n', " ")
}

/// Asks `router` for the providers of `cid`, handing each to `send` as it is read, then one [`Found::Done`].
/// Blocking: run it on a blocking thread. Stops early when `cancel` is set or `send` says the receiver is gone.
pub fn query(router: &str, cid: &Cid, limits: Limits, cancel: &AtomicBool, send: &mut dyn FnMut(Found) -> bool) {
    let mut records = 0;
    let error = run(router, cid, limits, cancel, send, &mut records).err();
    send(Found::Done { records, error });
}

fn run(
    router: &str,
    cid: &Cid,
    limits: Limits,
    cancel: &AtomicBool,
    send: &mut dyn FnMut(Found) -> bool,
    records: &mut usize,
) -> Result<(), String> {
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(limits.timeout))
        .http_status_as_error(false)
        .max_redirects(3)
        .user_agent(concat!("swarmscope/", env!("CARGO_PKG_VERSION")))
        .build();
    let agent = ureq::Agent::new_with_config(config);
    let mut resp = agent
        .get(providers_url(router, cid))
        .header("Accept", "application/x-ndjson, application/json;q=0.5")
        .call()
        .map_err(|e| e.to_string().replace('\n', " "))?;
    let status = resp.status().as_u16();
    if status == 404 {
        return Ok(()); // no providers (the spec's older answer for "none")
    }
    if status != 200 {
        return Err(format!("HTTP {status}"));
    }
    let ndjson = resp.body().mime_type() == Some("application/x-ndjson");
    let body = resp.body_mut().with_config().limit(limits.response_bytes).reader();
    let mut send = |p: HttpProvider| send(Found::Provider(p));
    if !ndjson {
        let mut buf = Vec::new();
        body.take(limits.response_bytes + 1).read_to_end(&mut buf).map_err(|e| short_io(&e))?;
        let (providers, bad) = parse_json(&buf, limits.records)?;
        *records = providers.len() + bad;
        for p in providers {
            if cancel.load(Ordering::Relaxed) || !send(p) {
                return Ok(());
            }
        }
        return if bad > 0 { Err(format!("{bad} bad records skipped")) } else { Ok(()) };
    }
    let mut reader = BufReader::new(body);
    let mut line = Vec::new();
    let mut bad = 0;
    let mut first_bad = String::new();
    while read_line(&mut reader, &mut line, limits.line_bytes)? {
        if cancel.load(Ordering::Relaxed) {
            return Ok(());
        }
        if line.trim_ascii().is_empty() {
            continue;
        }
        *records += 1;
        match parse_line(&line) {
            Ok(Some(p)) => {
                if !send(p) {
                    return Ok(());
                }
            }
            Ok(None) => {}
            Err(e) => {
                bad += 1;
                if first_bad.is_empty() {
                    first_bad = e;
                }
            }
        }
        if *records >= limits.records {
            return Err(format!("stopped after {} records", limits.records));
        }
    }
    if bad > 0 { Err(format!("{bad} bad records skipped (first: {first_bad})")) } else { Ok(()) }
}

/// Parses one `--routing-url`: an `http://` or `https://` URL, with the one-line error a user sees.
pub fn parse_router(s: &str) -> Result<String, String> {
    let s = s.trim();
    let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.starts_with('/') && !s.contains(char::is_whitespace) => {
            Ok(s.trim_end_matches('/').to_string())
        }
        _ => Err(format!("bad routing URL {s:?}: an http:// or https:// URL, or none")),
    }
}

/// The routers of a node from `--routing-url` as given: none given, the default; `none` alone, no router.
pub fn routers(given: &[String]) -> Result<Vec<String>, String> {
    if given.is_empty() {
        return Ok(vec![DEFAULT_ROUTER.to_string()]);
    }
    if given.iter().any(|g| g.trim() == "none") {
        if given.len() > 1 {
            return Err("--routing-url none cannot be given with other routers".into());
        }
        return Ok(Vec::new());
    }
    given.iter().map(|g| parse_router(g)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEER: &str = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";

    #[test]
    fn a_peer_record_parses_with_its_addresses() {
        let line = format!(
            r#"{{"Schema":"peer","ID":"{PEER}","Addrs":["/ip4/127.0.0.1/tcp/4001","/ip4/127.0.0.1/tcp/4002/p2p/{PEER}","nonsense"],"Protocols":["transport-bitswap"]}}"#
        );
        let p = parse_line(line.as_bytes()).unwrap().unwrap();
        assert_eq!(p.peer.to_string(), PEER);
        assert_eq!(p.addrs.len(), 2, "the bad address is left out, the /p2p/ suffix stripped");
        assert_eq!(p.addrs[1].to_string(), "/ip4/127.0.0.1/tcp/4002");
        assert!(!p.gateway);
        assert_eq!(p.libp2p_addrs().len(), 2);
    }

    #[test]
    fn a_peer_id_in_cid_form_is_accepted() {
        let peer: PeerId = PEER.parse().unwrap();
        let cid = Cid::new_v1(0x72, *peer.as_ref());
        assert!(cid.to_string().starts_with("bafzaa"), "{cid}");
        assert_eq!(parse_peer_id(&cid.to_string()), Some(peer));
        let not_a_key = Cid::new_v1(0x55, *peer.as_ref());
        assert_eq!(parse_peer_id(&not_a_key.to_string()), None);
    }

    #[test]
    fn gateway_only_providers_are_marked_and_not_dialled() {
        let https = format!(
            r#"{{"Schema":"peer","ID":"{PEER}","Addrs":["/dns4/gw.example/tcp/443/https","/ip4/1.2.3.4/tcp/443/tls/http"]}}"#
        );
        let p = parse_line(https.as_bytes()).unwrap().unwrap();
        assert!(p.gateway && p.libp2p_addrs().is_empty());
        let proto = format!(
            r#"{{"Schema":"peer","ID":"{PEER}","Addrs":["/ip4/1.2.3.4/tcp/4001"],"Protocols":["transport-ipfs-gateway-http"]}}"#
        );
        let p = parse_line(proto.as_bytes()).unwrap().unwrap();
        assert!(p.gateway && p.libp2p_addrs().is_empty());
        let mixed = format!(
            r#"{{"Schema":"peer","ID":"{PEER}","Addrs":["/ip4/1.2.3.4/tcp/4001","/ip4/1.2.3.4/tcp/443/tls/http"]}}"#
        );
        let p = parse_line(mixed.as_bytes()).unwrap().unwrap();
        assert!(!p.gateway);
        assert_eq!(p.libp2p_addrs(), vec!["/ip4/1.2.3.4/tcp/4001".parse::<Multiaddr>().unwrap()]);
    }

    #[test]
    fn other_schemas_and_blank_lines_are_skipped_and_garbage_is_an_error() {
        assert_eq!(parse_line(br#"{"Schema":"bitswap","ID":"x"}"#), Ok(None));
        assert_eq!(parse_line(b"  \r\n"), Ok(None));
        assert!(parse_line(b"\x00\xffgarbage").unwrap_err().starts_with("bad record"));
        assert!(parse_line(br#"{"Schema":"peer","ID":"not a peer"}"#).unwrap_err().starts_with("bad peer id"));
        assert!(parse_line(br#"{"Schema":"peer"}"#).is_err());
    }

    #[test]
    fn a_plain_json_answer_parses_capped_with_bad_records_counted() {
        let body = format!(
            r#"{{"Providers":[{{"Schema":"peer","ID":"{PEER}","Addrs":[]}},{{"Schema":"peer","ID":"bad"}},{{"Schema":"peer","ID":"{PEER}"}}]}}"#
        );
        let (ps, bad) = parse_json(body.as_bytes(), 1000).unwrap();
        assert_eq!((ps.len(), bad), (2, 1));
        let (ps, bad) = parse_json(body.as_bytes(), 1).unwrap();
        assert_eq!((ps.len(), bad), (1, 0), "at most `max` records read");
        assert_eq!(parse_json(br#"{"Providers":null}"#, 10).unwrap().0, vec![]);
        assert!(parse_json(b"<html>", 10).is_err());
    }

    #[test]
    fn long_lines_are_refused_without_reading_them_whole() {
        let mut data = vec![b'x'; 1000];
        data.push(b'\n');
        let mut r = BufReader::new(&data[..]);
        let mut buf = Vec::new();
        assert_eq!(read_line(&mut r, &mut buf, 100).unwrap_err(), "a line over 100 bytes");
        assert!(buf.len() <= 101);
        let mut r = BufReader::new(&b"ab\ncd"[..]);
        assert!(read_line(&mut r, &mut buf, 100).unwrap());
        assert_eq!(buf, b"ab\n");
        assert!(read_line(&mut r, &mut buf, 100).unwrap());
        assert_eq!(buf, b"cd");
        assert!(!read_line(&mut r, &mut buf, 100).unwrap());
    }

    #[test]
    fn the_default_router_is_helias_and_none_turns_routers_off() {
        assert_eq!(routers(&[]).unwrap(), vec!["https://delegated-ipfs.dev".to_string()]);
        assert_eq!(routers(&["none".into()]).unwrap(), Vec::<String>::new());
        assert!(routers(&["none".into(), "http://127.0.0.1:1".into()]).is_err());
        assert_eq!(routers(&["http://127.0.0.1:8080/".into()]).unwrap(), vec!["http://127.0.0.1:8080".to_string()]);
        assert!(parse_router("ftp://x").unwrap_err().contains("bad routing URL"));
        assert!(parse_router("https://").is_err());
        let cid: Cid = "bafkqaaa".parse().unwrap();
        assert_eq!(providers_url("http://r/", &cid), "http://r/routing/v1/providers/bafkqaaa");
    }
}
