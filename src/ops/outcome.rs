//! What commands return and what they report while they run. Both are serde types: they cross the control socket
//! as they are, and the CLI and the TUI each render them their own way.

use std::path::PathBuf;

use cid::Cid;
use libp2p::{Multiaddr, PeerId};
use serde::{Deserialize, Serialize};

use super::explore::Explored;
use super::text;
use crate::node::bitswap::ledger::Ledger;
/// `repo verify --rebuild-index` reports the store's own account of the rebuild.
pub use crate::node::blockstore::RebuildReport;
/// What an `ls` entry is: the exporter's kind of UnixFS node.
pub use crate::node::dag::exporter::Kind as LsKind;
use crate::node::events::{Event, OurWantInfo, PeerInfo, TheirWantInfo};

/// Progress of a running command. The CLI draws bars and prints `added …` lines from these; the TUI fills its
/// operations pane.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OpEvent {
    /// Bytes an import will read in total (0: unknown, as for stdin), before the first byte is read.
    Total { bytes: u64 },
    /// Bytes an import has read so far.
    Read { bytes: u64 },
    /// Blocks and bytes of a DAG present so far during a fetch.
    Fetch { blocks: u64, bytes: u64 },
    /// One file, symlink or directory was added.
    Added {
        name: String,
        #[serde(with = "text")]
        cid: Cid,
        size: u64,
    },
    /// A CAR root was stored and pinned.
    Pinned {
        #[serde(with = "text")]
        root: Cid,
    },
    /// Something failed on the side while the command goes on (or fails for another reason).
    Warning { message: String },
    /// A step of a command that takes several (`check`: finding providers, asking each): shown as its progress.
    Step { message: String },
    /// An event of a node started for this command (`--events`).
    Node { event: Box<Event> },
}

/// (No `PartialEq`: node types inside do not compare.)
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// `add`: the roots, one per source, in order (each entry was reported as [`OpEvent::Added`]).
    Added {
        #[serde(with = "text::vec")]
        roots: Vec<Cid>,
    },
    /// Bytes written to the streamed output; `truncated` when the caller's cap cut it.
    Streamed {
        bytes: u64,
        truncated: bool,
    },
    /// `get`: where the DAG was written.
    Saved {
        #[serde(with = "text")]
        cid: Cid,
        dest: PathBuf,
        stats: Option<GetStats>,
    },
    Listed {
        entries: Vec<LsEntry>,
    },
    BlockPut {
        #[serde(with = "text")]
        cid: Cid,
    },
    BlockStat {
        #[serde(with = "text")]
        cid: Cid,
        size: u64,
    },
    /// `block rm`: each CID and whether it was there.
    BlocksRemoved {
        results: Vec<Removal>,
    },
    /// `dag export -o FILE`.
    Exported {
        #[serde(with = "text")]
        cid: Cid,
        path: PathBuf,
        blocks: u64,
        bytes: u64,
    },
    /// `dag import`: every root, stored and pinned.
    Imported {
        #[serde(with = "text::vec")]
        roots: Vec<Cid>,
    },
    /// `dag fetch`: the whole DAG is stored.
    Fetched {
        #[serde(with = "text")]
        cid: Cid,
        blocks: u64,
        bytes: u64,
    },
    Explored(Explored),
    Pinned {
        #[serde(with = "text")]
        cid: Cid,
        direct: bool,
    },
    Unpinned {
        #[serde(with = "text")]
        cid: Cid,
    },
    Pins {
        pins: Vec<PinEntry>,
    },
    RepoStat(RepoStat),
    Verified(VerifyReport),
    /// The index was rebuilt; `problems` are what the rebuilt repo still reports.
    Rebuilt {
        report: RebuildReport,
        problems: Vec<String>,
    },
    Collected(GcReport),
    CidInfo(super::cid::CidInfo),
    Id(IdInfo),
    Peers {
        peers: Vec<PeerInfo>,
    },
    Connected {
        #[serde(with = "text")]
        addr: Multiaddr,
    },
    Disconnected {
        #[serde(with = "text")]
        peer: PeerId,
    },
    /// `routing findprovs`: providers in the order found. `streamed`: each was already written to the command's
    /// output as it arrived (one line each), so a renderer prints nothing more.
    Providers {
        providers: Vec<super::routing::ProviderRow>,
        #[serde(default)]
        streamed: bool,
    },
    /// `routing findpeer`.
    PeerAddrs {
        #[serde(with = "text")]
        peer: PeerId,
        #[serde(with = "text::vec")]
        addrs: Vec<Multiaddr>,
    },
    /// `routing provide`: `blocks` CIDs announced (1, or the whole DAG with `-r`); `peers` took each record (the
    /// fewest of any of them).
    Provided {
        #[serde(with = "text")]
        cid: Cid,
        peers: u64,
        #[serde(default = "one")]
        blocks: u64,
    },
    /// `check`: the retrieval report.
    Checked(super::check::CheckReport),
    BitswapStat(BitswapStat),
    /// `bitswap messages`, newest first.
    BitswapMessages {
        messages: Vec<crate::node::bitswap::inspect::MessageInfo>,
    },
    Bandwidth(Bandwidth),
    /// Our wantlist.
    Wantlist {
        ours: Vec<OurWantInfo>,
    },
    /// What one peer wants from us.
    PeerWants {
        #[serde(with = "text")]
        peer: PeerId,
        wants: Vec<TheirWantInfo>,
    },
    Ledger {
        #[serde(with = "text")]
        peer: PeerId,
        ledger: Ledger,
    },
    /// `why CID`.
    Why(crate::node::trace::report::WhyReport),
}

/// What a `get` moved (`get --json` prints this object as it is).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetStats {
    #[serde(with = "text")]
    pub cid: Cid,
    /// File bytes written out (every file of a tree), as Kubo counts them.
    pub bytes: u64,
    /// Bytes of every block of the DAG.
    #[serde(default)]
    pub dag_bytes: u64,
    pub blocks: u64,
    /// Blocks that came from the network (the rest were already stored: a resumed fetch).
    pub fetched_blocks: u64,
    /// From the first connection to the last block.
    pub ms: u64,
    /// From start to the first connection.
    pub dial_ms: u64,
}

/// One directory entry or file chunk link (`ls --json` prints this object).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LsEntry {
    pub name: String,
    #[serde(with = "text")]
    pub cid: Cid,
    pub size: u64,
    #[serde(rename = "type")]
    pub kind: LsKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removal {
    #[serde(with = "text")]
    pub cid: Cid,
    pub removed: bool,
    /// Why a pin keeps it ("pinned: direct", "pinned via ROOT"), as Kubo refuses such a `block rm`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned: Option<String>,
}

/// One pin (`pin ls --json` prints this object).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinEntry {
    #[serde(with = "text")]
    pub cid: Cid,
    #[serde(rename = "type")]
    pub kind: PinType,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PinType {
    Recursive,
    Direct,
}

/// `repo stat` (`--json` prints this object, the repo as text).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoStat {
    pub repo: PathBuf,
    pub blocks: u64,
    pub block_bytes: u64,
    pub disk_bytes: u64,
    /// Blocks found damaged and not stored again since (they read as missing).
    pub bad_blocks: u64,
    /// What opening the repo found wrong (missing or short segments…), one line each.
    pub problems: Vec<String>,
}

/// `repo verify` (`--json` prints this object).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    pub checked: u64,
    pub bytes: u64,
    /// CIDv1 strings of blocks that failed to verify or could not be read (they now read as missing).
    pub bad: Vec<String>,
    /// Problems found when the repo was opened.
    pub problems: Vec<String>,
}

/// `repo gc` (`--json` prints this object).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GcReport {
    pub removed_blocks: u64,
    pub removed_bytes: u64,
}

/// `id` (`--json` prints this object).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdInfo {
    #[serde(with = "text")]
    pub peer_id: PeerId,
    pub agent: String,
    /// Full addresses, ending in `/p2p/<peer id>` (empty without a running node).
    #[serde(with = "text::vec")]
    pub addresses: Vec<Multiaddr>,
    /// The DHT mode the running node is in now (`client` or `server`); absent without a running node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dht_mode: Option<String>,
    /// The delegated routers the running node asks (`--routing-url`); absent without a running node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routers: Option<Vec<String>>,
    /// What AutoNAT concluded (`public`, `private` or `unknown`); absent without a running node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reachability: Option<crate::node::events::Reachability>,
}

/// `bitswap stat`: the ledgers summed (`--json` prints this object).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BitswapStat {
    pub peers: usize,
    /// Peers that left and whose ledgers are kept; their figures are in the totals.
    #[serde(default)]
    pub departed: usize,
    pub wants: usize,
    pub blocks_received: u64,
    pub bytes_received: u64,
    pub blocks_sent: u64,
    pub bytes_sent: u64,
    pub duplicate_blocks: u64,
    pub rejected_blocks: u64,
    /// Tokio tasks alive in the node's process: the soak script watches this for leaks.
    pub tasks: usize,
    /// Copies of block bytes (and hash passes over them) the node's process made, per site, since it started
    /// (issue 15: copies per block are counted, not estimated).
    #[serde(default)]
    pub copies: Vec<crate::node::copies::SiteCount>,
}

/// `stats bw`: Bitswap traffic of the node's lifetime and its rate over the last second, Kubo's fields.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Bandwidth {
    pub total_in: u64,
    pub total_out: u64,
    /// Bytes per second.
    pub rate_in: f64,
    pub rate_out: f64,
}

/// `Provided.blocks` from a daemon that predates `-r`: one CID.
fn one() -> u64 {
    1
}
