//! What the node tells the world: one serde-serialisable event model for the TUI, `daemon --json`, recordings and
//! replay (ARCHITECTURE.md). Events leave through a bounded channel without ever blocking the node; what is
//! dropped is counted in [`NodeEvent::Dropped`], and periodic snapshots let any consumer resync.
//!
//! Schema: every event is a JSON object with a `type` field (snake_case variant name) and the variant's fields.
//! CIDs and peer ids are strings; times are milliseconds; sizes are bytes.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::bitswap::ledger::Ledger;

/// Which way a Bitswap entry or a connection went, seen from this node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Received from the peer / dialled by the peer.
    In,
    /// Sent to the peer / dialled by us.
    Out,
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
    /// Every listener is up; `listen` holds full multiaddrs with `/p2p/<peer id>`.
    Ready {
        peer_id: String,
        listen: Vec<String>,
    },
    ListenAddr {
        addr: String,
    },
    Connected {
        peer: String,
        addr: String,
        direction: Direction,
        transport: String,
    },
    Disconnected {
        peer: String,
        cause: Option<String>,
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
    /// A received block refused: hash mismatch, unsolicited, oversized.
    BlockRejected {
        peer: String,
        cid: String,
        reason: String,
    },
    /// A peer broke the protocol (oversized frame, garbage): the stream was closed.
    ProtocolError {
        peer: String,
        error: String,
    },
    /// Progress of a get: blocks and bytes done, total when known.
    Progress {
        op: u64,
        cid: String,
        blocks: u64,
        bytes: u64,
        total_bytes: Option<u64>,
    },
    /// Something worth a user's attention that stopped nothing.
    Error {
        message: String,
    },
    /// Events the node could not deliver because the consumer was slow.
    Dropped {
        count: u64,
    },
    /// The whole truth, periodically: peers with their ledgers and both directions of every wantlist, so a
    /// consumer that missed events resyncs.
    Snapshot {
        peers: Vec<PeerSnapshot>,
        wantlists: Wantlists,
        dropped_events: u64,
    },
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
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TheirWantInfo {
    pub cid: String,
    pub want_type: String,
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
}

/// One peer in a snapshot: who it is and everything exchanged with it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PeerSnapshot {
    pub peer: String,
    pub addr: Option<String>,
    pub agent: Option<String>,
    pub bitswap: bool,
    pub debt_ratio: f64,
    pub ledger: Ledger,
}
