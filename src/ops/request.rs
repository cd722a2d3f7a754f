//! What a caller may ask for. Everything is parsed before a request exists: CIDs are `Cid`s, peers `PeerId`s,
//! addresses `Multiaddr`s and paths `PathBuf`s (relative ones are the caller's, resolved against [`Call::cwd`]).

use std::path::PathBuf;

use cid::Cid;
use libp2p::{Multiaddr, PeerId};
use serde::{Deserialize, Serialize};

use super::text;
use crate::node::dag::resolver::IpfsPath;

/// One command with everything it needs to run somewhere else (a daemon): the request, the caller's working
/// directory, and how much streamed output the caller wants at most.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub request: Request,
    pub cwd: PathBuf,
    /// Streamed output (`cat`, `block get`, `dag export` to stdout) stops after this many bytes: the command
    /// stops reading too, so a 16 KiB preview of a huge file costs 16 KiB.
    #[serde(default)]
    pub output_cap: Option<u64>,
}

impl Call {
    /// A call from the current directory, without a cap.
    pub fn here(request: Request) -> Self {
        Self { request, cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")), output_cap: None }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Request {
    Add(AddRequest),
    Cat {
        #[serde(alias = "cid")]
        path: IpfsPath,
        fetch: FetchOptions,
        /// Kubo's `--offset`: skip this many bytes (only the blocks holding the range are read and fetched).
        #[serde(default)]
        offset: u64,
        /// Kubo's `--length`: at most this many bytes.
        #[serde(default)]
        length: Option<u64>,
    },
    Get {
        #[serde(alias = "cid")]
        path: IpfsPath,
        /// Default: the path's last name (the CID for a bare CID), in the caller's directory.
        output: Option<PathBuf>,
        fetch: FetchOptions,
        /// Count blocks and bytes even when nothing had to be fetched (for `get --json`).
        stats: bool,
    },
    /// Fetches the directory's node(s) only (every shard node of a HAMT), never the entries, as Kubo does.
    Ls {
        #[serde(alias = "cid")]
        path: IpfsPath,
        fetch: FetchOptions,
    },
    BlockPut {
        codec: BlockCodec,
        hash: BlockHash,
    },
    BlockGet {
        #[serde(with = "text")]
        cid: Cid,
        #[serde(default)]
        fetch: FetchOptions,
    },
    BlockStat {
        #[serde(with = "text")]
        cid: Cid,
    },
    BlockRm {
        #[serde(with = "text::vec")]
        cids: Vec<Cid>,
    },
    DagExport {
        #[serde(with = "text")]
        cid: Cid,
        /// Default: streamed output.
        output: Option<PathBuf>,
        #[serde(default)]
        fetch: FetchOptions,
    },
    DagImport {
        files: Vec<PathBuf>,
    },
    DagFetch {
        #[serde(alias = "cid")]
        path: IpfsPath,
        fetch: FetchOptions,
    },
    /// Reads only the local store (a path resolves through stored nodes only).
    DagExplore {
        #[serde(alias = "cid")]
        path: IpfsPath,
    },
    /// Fetches the whole DAG first (only its root with `direct`).
    PinAdd {
        #[serde(alias = "cid")]
        path: IpfsPath,
        direct: bool,
        #[serde(default)]
        fetch: FetchOptions,
    },
    PinRm {
        #[serde(with = "text")]
        cid: Cid,
    },
    PinLs {
        #[serde(with = "text::opt")]
        cid: Option<Cid>,
    },
    RepoStat,
    RepoVerify {
        /// Rebuild the index from the segments instead (only without a running daemon).
        rebuild_index: bool,
    },
    RepoGc,
    CidInspect {
        #[serde(with = "text")]
        cid: Cid,
    },
    Id,
    SwarmPeers,
    SwarmConnect {
        #[serde(with = "text")]
        addr: Multiaddr,
    },
    SwarmDisconnect {
        #[serde(with = "text")]
        peer: PeerId,
    },
    BitswapStat,
    /// `stats bw`: traffic totals and rates over one second.
    StatsBw,
    BitswapWantlist {
        #[serde(with = "text::opt")]
        peer: Option<PeerId>,
    },
    BitswapLedger {
        #[serde(with = "text")]
        peer: PeerId,
    },
    /// `bitswap messages`: the message inspector.
    BitswapMessages {
        #[serde(with = "text::opt")]
        peer: Option<PeerId>,
        #[serde(with = "text::opt")]
        cid: Option<Cid>,
        limit: usize,
    },
    /// `routing findprovs CID -n N`.
    RoutingFindProvs {
        #[serde(with = "text")]
        cid: Cid,
        limit: usize,
        /// Each provider is streamed to the output as it arrives: a JSON object per line, else a text line.
        #[serde(default)]
        json: bool,
    },
    RoutingFindPeer {
        #[serde(with = "text")]
        peer: PeerId,
    },
    RoutingProvide {
        #[serde(with = "text")]
        cid: Cid,
        /// Every block of the DAG under `cid`, not only `cid` (`-r`, as Kubo's).
        #[serde(default)]
        recursive: bool,
    },
    /// `check CID [--peer MA]`: can it be retrieved, and from whom.
    Check {
        #[serde(with = "text")]
        cid: Cid,
        #[serde(with = "text::opt")]
        peer: Option<Multiaddr>,
        fetch: FetchOptions,
    },
    /// `why CID`: the reason it has not arrived, and its timeline.
    Why {
        #[serde(with = "text")]
        cid: Cid,
    },
}

impl Request {
    /// Whether the command reads the caller's stdin (`add -`, `block put`): only then is it streamed to a daemon.
    pub fn reads_stdin(&self) -> bool {
        match self {
            Request::Add(a) => a.sources.iter().any(|s| matches!(s, AddSource::Stdin)),
            Request::BlockPut { .. } => true,
            _ => false,
        }
    }

    /// Whether the command needs nothing from a repo or a node (it never goes to a daemon).
    pub fn is_pure(&self) -> bool {
        matches!(self, Request::CidInspect { .. })
    }
}

/// `add`: what to import and how.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AddRequest {
    pub sources: Vec<AddSource>,
    /// Directories are refused without it.
    pub recursive: bool,
    /// Include names starting with '.'.
    pub hidden: bool,
    pub layout: Layout,
    /// Compute CIDs only; store nothing.
    pub only_hash: bool,
    /// Pin the roots.
    pub pin: bool,
    /// Wrap everything added in one directory (Kubo's `-w`): the wrapper is the one root.
    #[serde(default)]
    pub wrap: bool,
}

impl AddRequest {
    /// The TUI's `add PATH` / `put TEXT`: the default layout, directories allowed, roots pinned.
    pub fn simple(source: AddSource) -> Self {
        Self {
            sources: vec![source],
            recursive: true,
            hidden: false,
            layout: Layout::default(),
            only_hash: false,
            pin: true,
            wrap: false,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddSource {
    Stdin,
    Path(PathBuf),
}

/// How files become blocks, as the user spelled it (`--profile`, `--cid-version`, `--raw-leaves`, `--chunker`,
/// `--hash`, `--trickle`);
/// resolved into `ImportOptions` where the command runs, so that an unknown profile is one line from there.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    pub profile: Option<String>,
    pub cid_version: Option<u8>,
    pub raw_leaves: Option<bool>,
    pub chunker: Option<String>,
    #[serde(default)]
    pub hash: Option<String>,
    #[serde(default)]
    pub trickle: bool,
}

/// How `cat`, `get` and `dag fetch` reach the network for missing blocks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FetchOptions {
    /// Peers to dial first.
    #[serde(with = "text::vec")]
    pub connect: Vec<Multiaddr>,
    pub timeout_secs: u64,
    /// Never touch the network.
    pub offline: bool,
    /// Discover peers on the local network (only for a node started for this command).
    pub mdns: bool,
    /// Report the node's events (only a node started for this command: `--events`).
    pub events: bool,
    /// Bootstrap peers of a node started for this command (a daemon uses its own). The CLI fills in the public
    /// list unless told otherwise; empty (the default) reaches no one.
    #[serde(default, with = "text::vec")]
    pub bootstrap: Vec<Multiaddr>,
    /// Delegated routers of a node started for this command, as the CLI resolved them; empty reaches no one.
    #[serde(default)]
    pub routers: Vec<String>,
}

impl Default for FetchOptions {
    fn default() -> Self {
        Self {
            connect: Vec::new(),
            timeout_secs: 60,
            offline: false,
            mdns: true,
            events: false,
            bootstrap: Vec::new(),
            routers: Vec::new(),
        }
    }
}

/// `block put --cid-codec`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BlockCodec {
    Raw,
    DagPb,
}

impl std::str::FromStr for BlockCodec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "raw" => Ok(Self::Raw),
            "dag-pb" | "protobuf" => Ok(Self::DagPb),
            other => Err(format!("unsupported --cid-codec {other:?} (use raw or dag-pb)")),
        }
    }
}

/// `block put --mhtype`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BlockHash {
    #[serde(rename = "sha2-256")]
    Sha2_256,
    Blake3,
}

impl std::str::FromStr for BlockHash {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "sha2-256" => Ok(Self::Sha2_256),
            "blake3" => Ok(Self::Blake3),
            other => Err(format!("unsupported --mhtype {other:?} (use sha2-256 or blake3)")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_travel_as_json_with_text_cids() {
        let cid: Cid = "bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq".parse().unwrap();
        let call = Call {
            request: Request::Get {
                path: IpfsPath::cid(cid),
                output: Some("out".into()),
                fetch: FetchOptions { connect: vec!["/ip4/127.0.0.1/tcp/1".parse().unwrap()], ..Default::default() },
                stats: true,
            },
            cwd: "/tmp".into(),
            output_cap: Some(16),
        };
        let json = serde_json::to_string(&call).unwrap();
        assert!(json.contains(r#""path":"bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq""#), "{json}");
        assert!(json.contains(r#""command":"get""#), "{json}");
        assert_eq!(serde_json::from_str::<Call>(&json).unwrap(), call);
        let bad = json.replace("bafkrei", "zzz");
        assert!(serde_json::from_str::<Call>(&bad).is_err(), "a request with a bad CID is refused whole");
    }
}
