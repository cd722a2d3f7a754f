//! What the node tells the world: one serde-serialisable event model for the TUI, `daemon --json`, recordings and
//! replay (ARCHITECTURE.md). Events leave through a bounded channel without ever blocking the node; what is
//! dropped is counted in [`NodeEvent::Dropped`], and periodic snapshots let any consumer resync.
//!
//! Schema (version [`SCHEMA_VERSION`], docs/events.md): every event is one flat JSON object: the envelope's `seq`
//! and `at_ms`, a `type` field (snake_case variant name) and the variant's fields. CIDs and peer ids are strings;
//! times are milliseconds; sizes are bytes.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::bitswap::ledger::Ledger;
pub use super::op::OpId;
pub use super::routing::config::DhtMode;
pub use super::routing::nat::Reachability;
pub use super::routing::status::{AddrError, BucketSize, QueryKind, RoutingSource, RoutingStatus};

/// The version of this schema, carried by `ready` so that a recording says which schema it uses. Version 1 had no
/// envelope (`seq`, `at_ms`) and strings where there are enums now.
pub const SCHEMA_VERSION: u32 = 2;

/// At most this many CIDs per list in a `stored` event: a 10,000-block commit makes a line of a few KiB, not 1 MiB.
pub const STORED_CIDS: usize = 64;

/// A node event as it leaves the node: numbered and timed by the node itself, so that a consumer (or a replay) needs
/// no clock of its own and can tell exactly how many events it missed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// 1, 2, 3… per node, in the order the node published. A gap is events the node dropped for this consumer.
    pub seq: u64,
    /// Milliseconds since the node started, on the node's monotonic clock; never decreases along `seq`.
    pub at_ms: u64,
    #[serde(flatten)]
    pub kind: NodeEvent,
}

/// Which way a Bitswap entry or a connection went, seen from this node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Received from the peer / dialled by the peer.
    In,
    /// Sent to the peer / dialled by us.
    Out,
}

impl std::fmt::Display for Direction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Direction::In => "in",
            Direction::Out => "out",
        })
    }
}

/// The transport a connection runs over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    Tcp,
    Quic,
}

impl std::fmt::Display for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Transport::Tcp => "tcp",
            Transport::Quic => "quic",
        })
    }
}

/// Why the last connection to a peer closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseCause {
    /// This node closed it (a disconnect, shutdown, or no protocol needing it any more).
    Local,
    /// The keep-alive timeout expired.
    Idle,
    /// The connection failed or the peer closed it (`error` says how).
    Error,
}

/// What kind of wrong a `protocol_error` reports, for consumers that count or branch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProtocolErrorKind {
    /// An oversized, truncated or undecodable frame, or one refused or reset by the node-wide inbound byte budget:
    /// the stream was closed.
    Frame,
    /// A wantlist past the per-peer entry cap: the extra entries were refused.
    WantlistFull,
    /// A want for a block over Bitswap's 2 MiB limit: answered DONT_HAVE.
    OversizedWant,
    /// Too many inbound Bitswap streams open at once: the stream was refused.
    TooManyStreams,
}

/// Why a received block was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectCause {
    /// The bytes do not match a CID we could build: bad prefix, unsupported hash, hash mismatch.
    Invalid,
    /// A valid block nobody wanted.
    Unsolicited,
}

/// The two kinds of want a peer can hold in its wantlist; serialised like the matching [`EntryKind`]s.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WantKind {
    WantHave,
    WantBlock,
}

/// `Have` / `Block`, as the TUI and `bitswap wantlist PEER` show a peer's want.
impl std::fmt::Display for WantKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            WantKind::WantHave => "Have",
            WantKind::WantBlock => "Block",
        })
    }
}

/// The kinds of Bitswap entries, as users of Kubo and Helia name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EntryKind {
    WantHave,
    WantBlock,
    Have,
    DontHave,
    Block,
    Cancel,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NodeEvent {
    /// Every listener is up; `listen` holds full multiaddrs with `/p2p/<peer id>`. Always the first event: what
    /// happened before (listen addresses, early errors) follows it.
    Ready {
        /// [`SCHEMA_VERSION`].
        schema: u32,
        peer_id: String,
        listen: Vec<String>,
        /// Wall-clock time (ms since the Unix epoch) at `at_ms` 0, to show event times as times of day.
        started_unix_ms: u64,
    },
    ListenAddr {
        addr: String,
    },
    Connected {
        peer: String,
        addr: String,
        direction: Direction,
        transport: Transport,
    },
    Disconnected {
        peer: String,
        cause: CloseCause,
        /// What failed, for `cause: error`.
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    Identified {
        peer: String,
        agent: String,
        protocols: Vec<String>,
    },
    Ping {
        peer: String,
        rtt_ms: f64,
    },
    /// One Bitswap entry sent or received. `latency_ms` is set on received blocks: time since first wanted.
    Bitswap {
        direction: Direction,
        peer: String,
        kind: EntryKind,
        cid: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        size: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        latency_ms: Option<f64>,
    },
    /// A received block refused: hash mismatch, unsupported hash, unsolicited. `cid` is `?` when none could be
    /// built.
    BlockRejected {
        peer: String,
        cid: String,
        cause: RejectCause,
        reason: String,
    },
    /// A peer broke the protocol (oversized frame, garbage, a wantlist past the cap…).
    ProtocolError {
        peer: String,
        kind: ProtocolErrorKind,
        error: String,
    },
    /// The shape of a DAG fetch (issue 14): how many blocks it waits for, how many it cannot want yet because their
    /// parents have not arrived, and the blocks that arrived since the last one with their parents (the timeline's
    /// per-block rows and critical path). Beside `progress`: at most every 100 ms, at most [`DAG_FETCH_BLOCKS`]
    /// blocks per event, once more when the fetch stalls (nothing arrived for 100 ms) and when it ends.
    DagFetch {
        op: OpId,
        /// The root being fetched.
        root: String,
        /// Blocks wanted now (in the fetch's window).
        pending: u64,
        /// Known links not wanted yet: their parents arrived, they wait for room in the window (counted).
        queued: u64,
        /// Pending blocks that may have links (dag-pb): their children are not wanted yet either and cannot be
        /// counted until they arrive.
        unknown_under: u64,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        arrived: Vec<DagBlock>,
        /// The fetch ended (done, failed or cancelled).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        done: bool,
    },
    /// Progress of a DAG fetch: blocks and bytes done, total when known (set on the last one).
    Progress {
        /// The operation the fetch runs for.
        op: OpId,
        /// The root being fetched.
        cid: String,
        blocks: u64,
        bytes: u64,
        total_bytes: Option<u64>,
    },
    /// A committed store write, from any path (put, add, import, a Bitswap fetch, gc, `block rm`): one event per
    /// commit. Counts are whole; each CID list holds at most [`STORED_CIDS`] (the first ones), so a list shorter than
    /// its count was cut. CIDs are CIDv1 (the store keys blocks by multihash).
    Stored {
        added: u64,
        removed: u64,
        /// Blocks found damaged on read and dropped (also counted in `removed`); an `error` event says so too.
        damaged: u64,
        added_cids: Vec<String>,
        removed_cids: Vec<String>,
        damaged_cids: Vec<String>,
        /// Wants peers hold (in their wantlists) that the added blocks answer: blocks that arrived late.
        wanted_by: u64,
    },
    /// The node missed `missed` store changes (it fell behind the store's notifications): a view of the store built
    /// from `stored` events must be rebuilt from the store itself.
    StoreResync {
        missed: u64,
    },
    /// Something worth a user's attention that stopped nothing.
    Error {
        message: String,
    },
    /// Events this consumer missed because it was slow: the total so far, never a per-incident count.
    Dropped {
        count: u64,
    },
    /// A routing query started (issue 12): `query` numbers it for the `provider_found` and `routing_done` that
    /// follow; `key` is the CID or peer id asked about.
    RoutingQuery {
        query: u64,
        kind: QueryKind,
        key: String,
        source: RoutingSource,
    },
    /// A provider a routing query found, with the addresses it came with.
    ProviderFound {
        query: u64,
        key: String,
        peer: String,
        addrs: Vec<String>,
        source: RoutingSource,
        ms: u64,
        /// Listed by a delegated router only with HTTP (trustless gateway) addresses: not dialled over libp2p.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        gateway: bool,
    },
    /// A routing query ended: `count` providers (or addresses, or peers reached for a provide); `error` when it
    /// failed or timed out.
    RoutingDone {
        query: u64,
        kind: QueryKind,
        key: String,
        source: RoutingSource,
        ms: u64,
        count: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// An outgoing dial failed: the reason per address tried (the `error` event says it in one line too).
    DialFailed {
        #[serde(skip_serializing_if = "Option::is_none")]
        peer: Option<String>,
        errors: Vec<AddrError>,
    },
    /// The DHT runs in `mode` (`client` or `server`) now; at start and on every change.
    DhtMode {
        mode: String,
        configured: DhtMode,
    },
    /// Routing as it is now (routing table, provide queue, queries), beside every `snapshot`.
    /// (Boxed: its query and want lists would make every event as large.)
    RoutingStatus(Box<RoutingStatus>),
    /// AutoNAT changed its mind about whether peers can dial this node; `address` is the one they dialled back,
    /// while public. Under `--dht auto` a `dht_mode` event follows when the DHT mode changes with it.
    Reachability {
        status: Reachability,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        address: Option<String>,
    },
    /// DCUtR tried to replace a relayed connection to `peer` with a direct one (hole punching): `ok`, or the
    /// `error` and the relayed connection stays.
    HolePunch {
        peer: String,
        ok: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// The whole truth, periodically: peers with their ledgers and both directions of every wantlist, so a
    /// consumer that missed events resyncs.
    Snapshot {
        peers: Vec<PeerSnapshot>,
        /// Peers that left, most recent first (at most [`SNAPSHOT_DEPARTED`]), with their kept ledgers; each
        /// ledger's `left_ms` says when. A view shows them as gone (greyed); `bitswap ledger` finds older ones.
        #[serde(default)]
        departed: Vec<PeerSnapshot>,
        wantlists: Wantlists,
        /// Events the node dropped so far (all consumers of this node's channel), like `dropped`.
        dropped_events: u64,
    },
}

/// At most this many blocks per `dag_fetch` event: a line stays a few tens of KiB.
pub const DAG_FETCH_BLOCKS: usize = 256;

/// A block a DAG fetch got, and the block that linked to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DagBlock {
    pub cid: String,
    /// None for the root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// It was already stored (not fetched).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub local: bool,
}

/// Both directions of every wantlist, as `bitswap wantlist` and snapshots show them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Wantlists {
    /// What we want: CID, age in ms, peers asked.
    pub ours: Vec<OurWantInfo>,
    /// What each peer wants from us.
    pub theirs: HashMap<String, Vec<TheirWantInfo>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OurWantInfo {
    pub cid: String,
    pub age_ms: u64,
    pub peers_asked: usize,
    /// Why it is still pending (issue 14's reasons), as `why CID` says; absent from recordings made before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<super::trace::why::Why>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TheirWantInfo {
    pub cid: String,
    pub want_type: WantKind,
    pub send_dont_have: bool,
    pub age_ms: u64,
}

/// A connected peer, as `swarm peers` shows it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PeerInfo {
    pub peer: String,
    pub addr: String,
    pub agent: Option<String>,
    pub bitswap: bool,
    /// Who dialled the first connection.
    #[serde(default)]
    pub direction: Option<Direction>,
    /// The latest ping round trip.
    #[serde(default)]
    pub latency_ms: Option<f64>,
    /// The protocols the peer advertised (identify).
    #[serde(default)]
    pub protocols: Vec<String>,
    /// The Bitswap version actually negotiated: of our stream to the peer, else of the peer's stream to us
    /// (the highest advertised one may differ).
    #[serde(default)]
    pub bitswap_version: Option<String>,
    #[serde(default)]
    pub bytes_received: u64,
    #[serde(default)]
    pub bytes_sent: u64,
    /// Every connection to the peer goes through a relay (`/p2p-circuit`).
    #[serde(default)]
    pub relayed: bool,
}

/// Departed peers a snapshot carries at most: the most recent. The node keeps more ledgers (the archive's 1,024),
/// but a keyframe every 2 s of them all would be hundreds of KiB.
pub const SNAPSHOT_DEPARTED: usize = 64;

/// One peer in a snapshot: who it is and everything exchanged with it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PeerSnapshot {
    pub peer: String,
    pub addr: Option<String>,
    pub agent: Option<String>,
    pub bitswap: bool,
    pub debt_ratio: f64,
    pub ledger: Ledger,
    /// The Bitswap version negotiated on a stream with the peer ("1.2.0"), once there is one; the highest one
    /// its identify lists may differ.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bitswap_version: Option<String>,
    /// Every connection to the peer goes through a relay (`/p2p-circuit`): limited, until a hole punch or a direct
    /// dial gives a direct one.
    #[serde(default)]
    pub relayed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seq: u64, kind: NodeEvent) -> Event {
        Event { seq, at_ms: seq * 7, kind }
    }

    /// One of every kind, with every optional field both set and not.
    fn every_kind() -> Vec<Event> {
        let cid = "bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq".to_string();
        let mut theirs = HashMap::new();
        theirs.insert(
            "P".to_string(),
            vec![TheirWantInfo { cid: cid.clone(), want_type: WantKind::WantHave, send_dont_have: true, age_ms: 5 }],
        );
        let kinds = vec![
            NodeEvent::Ready {
                schema: SCHEMA_VERSION,
                peer_id: "me".into(),
                listen: vec!["/ip4/127.0.0.1/tcp/1/p2p/me".into()],
                started_unix_ms: 1_764_000_000_000,
            },
            NodeEvent::ListenAddr { addr: "/ip4/127.0.0.1/tcp/1".into() },
            NodeEvent::Connected {
                peer: "P".into(),
                addr: "/ip4/127.0.0.1/udp/2/quic-v1".into(),
                direction: Direction::In,
                transport: Transport::Quic,
            },
            NodeEvent::Disconnected { peer: "P".into(), cause: CloseCause::Error, error: Some("reset".into()) },
            NodeEvent::Disconnected { peer: "P".into(), cause: CloseCause::Idle, error: None },
            NodeEvent::Identified {
                peer: "P".into(),
                agent: "kubo".into(),
                protocols: vec!["/ipfs/bitswap/1.2.0".into()],
            },
            NodeEvent::Ping { peer: "P".into(), rtt_ms: 0.25 },
            NodeEvent::Bitswap {
                direction: Direction::In,
                peer: "P".into(),
                kind: EntryKind::Block,
                cid: cid.clone(),
                size: Some(10),
                latency_ms: Some(1.5),
            },
            NodeEvent::Bitswap {
                direction: Direction::Out,
                peer: "P".into(),
                kind: EntryKind::WantHave,
                cid: cid.clone(),
                size: None,
                latency_ms: None,
            },
            NodeEvent::BlockRejected {
                peer: "P".into(),
                cid: "?".into(),
                cause: RejectCause::Invalid,
                reason: "hash mismatch".into(),
            },
            NodeEvent::ProtocolError { peer: "P".into(), kind: ProtocolErrorKind::WantlistFull, error: "cap".into() },
            NodeEvent::Progress { op: OpId(3), cid: cid.clone(), blocks: 1, bytes: 2, total_bytes: None },
            NodeEvent::Progress { op: OpId(3), cid: cid.clone(), blocks: 1, bytes: 2, total_bytes: Some(2) },
            NodeEvent::Error { message: "oops".into() },
            NodeEvent::Dropped { count: 4 },
            NodeEvent::Stored {
                added: 100,
                removed: 1,
                damaged: 1,
                added_cids: vec![cid.clone()],
                removed_cids: vec!["bafkqaaa".into()],
                damaged_cids: vec!["bafkqaaa".into()],
                wanted_by: 2,
            },
            NodeEvent::StoreResync { missed: 3 },
            NodeEvent::RoutingQuery {
                query: 1,
                kind: QueryKind::FindProviders,
                key: cid.clone(),
                source: RoutingSource::Dht,
            },
            NodeEvent::ProviderFound {
                query: 1,
                key: cid.clone(),
                peer: "P".into(),
                addrs: vec!["/ip4/127.0.0.1/tcp/1".into()],
                source: RoutingSource::Dht,
                ms: 5,
                gateway: false,
            },
            NodeEvent::RoutingDone {
                query: 1,
                kind: QueryKind::Provide,
                key: cid.clone(),
                source: RoutingSource::Dht,
                ms: 9,
                count: 3,
                error: Some("timed out".into()),
            },
            NodeEvent::DialFailed {
                peer: None,
                errors: vec![AddrError { addr: "/ip4/127.0.0.1/tcp/1".into(), error: "refused".into() }],
            },
            NodeEvent::DhtMode { mode: "client".into(), configured: DhtMode::Auto },
            NodeEvent::RoutingStatus(Box::new(RoutingStatus {
                dht_mode: "server".into(),
                configured: DhtMode::Server,
                table_size: 2,
                buckets: vec![BucketSize { index: 255, peers: 2 }],
                ..RoutingStatus::default()
            })),
            NodeEvent::Snapshot {
                peers: vec![PeerSnapshot {
                    peer: "P".into(),
                    addr: None,
                    agent: Some("kubo".into()),
                    bitswap: true,
                    debt_ratio: 0.5,
                    ledger: Ledger { bytes_sent: 1, last_exchange_ms: Some(12), ..Ledger::default() },
                    bitswap_version: None,
                    relayed: true,
                }],
                departed: vec![PeerSnapshot {
                    peer: "Q".into(),
                    addr: Some("/ip4/127.0.0.1/tcp/4021".into()),
                    agent: None,
                    bitswap: true,
                    debt_ratio: 7.0,
                    ledger: Ledger { bytes_sent: 7, left_ms: Some(30), ..Ledger::default() },
                    bitswap_version: None,
                    relayed: false,
                }],
                wantlists: Wantlists { ours: vec![OurWantInfo { cid, age_ms: 1, peers_asked: 2, why: None }], theirs },
                dropped_events: 4,
            },
            NodeEvent::Reachability { status: Reachability::Public, address: Some("/ip4/1.2.3.4/tcp/4021".into()) },
            NodeEvent::HolePunch { peer: "P".into(), ok: false, error: Some("Giving up after 3 dial attempts".into()) },
            NodeEvent::DagFetch {
                op: OpId(3),
                root: "bafkqaaa".to_string(),
                pending: 64,
                queued: 36,
                unknown_under: 63,
                arrived: vec![
                    DagBlock { cid: "bafkqaaa".to_string(), parent: None, local: false },
                    DagBlock { cid: "bafkqaaa".into(), parent: Some("bafkqaaa".to_string()), local: true },
                ],
                done: false,
            },
        ];
        kinds.into_iter().enumerate().map(|(i, k)| at(i as u64 + 1, k)).collect()
    }

    #[test]
    fn every_event_is_one_flat_json_line_that_parses_back_to_itself() {
        for event in every_kind() {
            let line = serde_json::to_string(&event).unwrap();
            assert!(!line.contains('\n'));
            assert!(
                line.starts_with(&format!("{{\"seq\":{},\"at_ms\":{},\"type\":\"", event.seq, event.at_ms)),
                "{line}"
            );
            let back: Event = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{line}: {e}"));
            assert_eq!(back, event);
        }
    }

    #[test]
    fn enums_serialise_as_documented() {
        let json = |e: &Event| serde_json::to_value(e).unwrap();
        let all = every_kind();
        let ready = json(&all[0]);
        assert_eq!((ready["type"].as_str(), ready["schema"].as_u64()), (Some("ready"), Some(2)));
        let connected = json(&all[2]);
        assert_eq!((connected["direction"].as_str(), connected["transport"].as_str()), (Some("in"), Some("quic")));
        assert_eq!(json(&all[3])["cause"], "error");
        assert_eq!(json(&all[4])["cause"], "idle");
        assert!(json(&all[4]).get("error").is_none(), "absent, not null");
        assert_eq!(json(&all[9])["cause"], "invalid");
        assert_eq!(json(&all[10])["kind"], "wantlist_full");
        assert_eq!(json(&all[11])["op"], 3, "an op id is a bare number");
        let routing = json(&all[17]);
        assert_eq!(
            (routing["type"].as_str(), routing["kind"].as_str()),
            (Some("routing_query"), Some("find_providers"))
        );
        assert_eq!(json(&all[19])["kind"], "provide");
        assert!(json(&all[20]).get("peer").is_none(), "absent, not null");
        assert_eq!(
            (json(&all[21])["mode"].as_str(), json(&all[21])["configured"].as_str()),
            (Some("client"), Some("auto"))
        );
        let status = json(&all[22]);
        assert_eq!((status["type"].as_str(), status["table_size"].as_u64()), (Some("routing_status"), Some(2)));
        let snapshot = json(&all[23]);
        assert_eq!(snapshot["wantlists"]["theirs"]["P"][0]["want_type"], "WANT_HAVE", "like EntryKind");
        assert!(snapshot["peers"][0]["ledger"].get("left_ms").is_none(), "connected: absent, not null");
        assert_eq!(snapshot["departed"][0]["ledger"]["left_ms"], 30);
        assert_eq!(
            (snapshot["peers"][0]["relayed"].as_bool(), snapshot["departed"][0]["relayed"].as_bool()),
            (Some(true), Some(false))
        );
        assert_eq!(
            (json(&all[24])["type"].as_str(), json(&all[24])["status"].as_str()),
            (Some("reachability"), Some("public"))
        );
        assert_eq!(
            (json(&all[25])["type"].as_str(), json(&all[25])["ok"].as_bool()),
            (Some("hole_punch"), Some(false))
        );
        assert_eq!(serde_json::to_value(EntryKind::WantHave).unwrap(), "WANT_HAVE");
        assert_eq!(json(&all[15])["type"], "stored");
        assert_eq!(json(&all[16])["type"], "store_resync");
    }

    #[test]
    fn a_version_1_line_is_refused_not_misread() {
        // Schema 1 had no envelope: a consumer of schema 2 must not take it for an event at time 0.
        let v1 = r#"{"type":"ready","peer_id":"me","listen":[]}"#;
        assert!(serde_json::from_str::<Event>(v1).is_err());
    }
}
