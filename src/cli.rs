//! The command-line contract. Later issues and scripts rely on these names: change them only with care.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};

use crate::node::config::NodeConfig;

/// swarmscope: a terminal node monitor and explorer for IPFS Bitswap.
#[derive(Debug, Parser)]
#[command(name = "swarmscope", version, about, long_about = None)]
pub struct Cli {
    /// Repo directory (default: $XDG_DATA_HOME/swarmscope, else ~/.local/share/swarmscope).
    #[arg(long, global = true, env = "SWARMSCOPE_REPO", value_name = "DIR")]
    pub repo: Option<PathBuf>,

    /// Dial none of the default bootstrap peers (Kubo's public list); only those given with --bootstrap. Accepted
    /// by every command, so that scripts and tests can pass it always; SWARMSCOPE_NO_BOOTSTRAP=1 does the same.
    #[arg(long, global = true, env = "SWARMSCOPE_NO_BOOTSTRAP", value_parser = clap::builder::FalseyValueParser::new())]
    pub no_bootstrap: bool,

    /// Delegated router (Routing V1 HTTP) asked for providers beside the DHT (repeatable; default
    /// https://delegated-ipfs.dev, as Helia; `none` asks none). Accepted by every command, so that scripts and tests
    /// can pass `none` always; SWARMSCOPE_ROUTING_URL does the same.
    #[arg(long = "routing-url", global = true, env = "SWARMSCOPE_ROUTING_URL", value_name = "URL")]
    pub routing_url: Vec<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add files or directories (PATH "-" reads stdin); prints `added <CID> <name>` per file.
    Add(AddArgs),
    /// Stream a UnixFS file's bytes to stdout (fetching missing blocks from the network).
    Cat {
        /// CID or IPFS path: CID, CID/a/b.txt, /ipfs/CID/a/b.txt.
        #[arg(value_name = "PATH")]
        path: String,
        /// Skip this many bytes of the file first.
        #[arg(short, long, default_value_t = 0, value_name = "BYTES")]
        offset: u64,
        /// Write at most this many bytes.
        #[arg(short, long, value_name = "BYTES")]
        length: Option<u64>,
        #[command(flatten)]
        net: FetchArgs,
    },
    /// Write a file or a whole directory tree to disk (fetching missing blocks from the network).
    Get {
        /// CID or IPFS path: CID, CID/dir, /ipfs/CID/dir.
        #[arg(value_name = "PATH")]
        path: String,
        /// Output path (default: the path's last name, or the CID, in the current directory).
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        net: FetchArgs,
        /// Print {"cid", "bytes" (file bytes), "dag_bytes", "blocks", "fetched_blocks", "ms", "dial_ms"} when done.
        /// Print JSON (one object per line) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Run the node headless: listen, serve and fetch blocks over Bitswap.
    Daemon(DaemonArgs),
    /// Open the terminal UI with an embedded node (what `swarmscope` alone does).
    Tui(NodeArgs),
    /// The TUI with a second, temporary node on 127.0.0.1 that exchanges sample content with it (mDNS off).
    Demo,
    /// Open a recording (`tui --record FILE`, `daemon --record FILE`, `:record start FILE`) in the TUI, driven by
    /// its own times: space pauses, `,` and `.` step, `[` and `]` change the speed.
    Replay {
        file: PathBuf,
        /// Playback speed: 0.5 is half, 10 is ten times as fast.
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
        /// Print the screen after the whole recording as text instead of opening the TUI.
        #[arg(long)]
        print: bool,
        /// With --print: the screen size, COLSxROWS.
        #[arg(long, default_value = "120x40", value_name = "COLSxROWS")]
        size: String,
        /// With --print: the pane to show (peers, wantlists, ledger, transfers, operations, explorer, log).
        #[arg(long)]
        pane: Option<String>,
    },
    /// This node's peer id, agent and addresses.
    Id {
        /// Print JSON (one object per line) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Peers of the running daemon.
    #[command(subcommand)]
    Swarm(SwarmCommand),
    /// Bitswap state of the running daemon: totals, wantlists, ledgers.
    #[command(subcommand)]
    Bitswap(BitswapCommand),
    /// Statistics of the running daemon.
    #[command(subcommand)]
    Stats(StatsCommand),
    /// List a directory's entries or a file's chunk links: CID, size, name (fetching the directory's nodes,
    /// not its entries).
    Ls {
        /// CID or IPFS path: CID, CID/dir, /ipfs/CID/dir.
        #[arg(value_name = "PATH")]
        path: String,
        #[command(flatten)]
        net: FetchArgs,
        /// Print JSON (one object per line) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Raw blocks.
    #[command(subcommand)]
    Block(BlockCommand),
    /// DAGs as CAR files.
    #[command(subcommand)]
    Dag(DagCommand),
    /// Pins keep DAGs from garbage collection.
    #[command(subcommand)]
    Pin(PinCommand),
    /// The repo on disk.
    #[command(subcommand)]
    Repo(RepoCommand),
    /// CIDs.
    #[command(subcommand)]
    Cid(CidCommand),
    /// Finding providers and peers, and announcing content, through the running daemon's DHT.
    #[command(subcommand)]
    Routing(RoutingCommand),
    /// Can a CID be retrieved (ipfs-check): its provider records, whether each provider (or --peer) is findable
    /// and dialable, and its Bitswap answers (HAVE / DONT_HAVE / block, with timings), then a one-line verdict.
    /// Exits non-zero when no reachable peer serves it.
    Check {
        cid: String,
        /// Check this peer only (a multiaddr ending in /p2p/<peer id>) instead of looking up providers.
        #[arg(long, value_name = "MULTIADDR")]
        peer: Option<String>,
        /// Print the report as one JSON object: {"cid", "dht_records", "router_records", "peers": [...], "serving", "ok", "verdict"}.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        net: FetchArgs,
    },
    /// The bootstrap peers kept in the repo (used when no --bootstrap is given; Kubo's `ipfs bootstrap`).
    #[command(subcommand)]
    Bootstrap(BootstrapCommand),
    /// Why a CID has not arrived: the running daemon's reason (no peers, all said DONT_HAVE, no answer…) and the
    /// CID's timeline (who was asked what, who answered what and when).
    Why {
        /// The CID the daemon wants (or the root of a DAG it fetches).
        cid: String,
        /// Print JSON (one object) instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum RoutingCommand {
    /// Providers of a CID: one per line, the peer id, its addresses, then the source (dht).
    Findprovs {
        cid: String,
        /// Stop after this many providers.
        #[arg(short = 'n', long, default_value_t = 20, value_name = "N")]
        num_providers: usize,
        /// One JSON object per provider: {"peer", "addrs", "source", "ms"}.
        #[arg(long)]
        json: bool,
    },
    /// The addresses of a peer, one per line.
    Findpeer { peer: String },
    /// Announce to the DHT that this node provides a stored CID.
    Provide {
        cid: String,
        /// Announce every block of the DAG under CID too (all must be stored).
        #[arg(short, long)]
        recursive: bool,
    },
}

/// `bootstrap list|add|rm|reset`: the list in the repo's `bootstrap` file (Kubo's public list until changed).
#[derive(Debug, Subcommand)]
pub enum BootstrapCommand {
    /// The bootstrap peers a node started on this repo dials, one per line.
    List,
    /// Add peers to the list (each ends in /p2p/<peer id>).
    Add {
        #[arg(required = true, value_name = "MULTIADDR")]
        addrs: Vec<String>,
    },
    /// Remove peers from the list (or all of them with --all).
    Rm {
        #[arg(value_name = "MULTIADDR", required_unless_present = "all")]
        addrs: Vec<String>,
        #[arg(long, conflicts_with = "addrs")]
        all: bool,
    },
    /// Back to Kubo's default list.
    Reset,
}

/// How commands that read content (`cat`, `get`, `ls`, `pin add`, `block get`, `dag export`, `dag fetch`) reach
/// the network when blocks are missing locally: through the running daemon, else a node started for the command.
#[derive(Debug, Args, Clone)]
pub struct FetchArgs {
    /// Peers to dial (full multiaddrs, ending in /p2p/<peer id>).
    #[arg(long, value_name = "MULTIADDR")]
    pub connect: Vec<String>,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 60, value_name = "SEC")]
    pub timeout: u64,
    /// Never touch the network.
    #[arg(long)]
    pub offline: bool,
    /// Do not discover peers on the local network.
    #[arg(long)]
    pub no_mdns: bool,
    /// Print the node's events (connections, every Bitswap entry) as JSON lines on stderr.
    #[arg(long)]
    pub events: bool,
    /// Bootstrap peer of the node started for this command (repeatable; replaces Kubo's public list, the
    /// default). A daemon uses its own.
    #[arg(long, value_name = "MULTIADDR")]
    pub bootstrap: Vec<String>,
}

impl FetchArgs {
    /// The bootstrap peers of a node started for this command: `--bootstrap`, else none with the global
    /// `--no-bootstrap`, else the public list.
    pub fn bootstrap_peers(
        &self,
        no_bootstrap: bool,
        repo: Option<&[libp2p::Multiaddr]>,
    ) -> Result<Vec<libp2p::Multiaddr>> {
        bootstrap_list(&self.bootstrap, no_bootstrap, repo)
    }
}

/// `--bootstrap` as given, else nothing with `--no-bootstrap`, else the repo's list (`bootstrap add|rm`; `repo`
/// is `None` when the repo has none), else Kubo's public list: the only place the public defaults are applied.
fn bootstrap_list(
    given: &[String],
    no_bootstrap: bool,
    repo: Option<&[libp2p::Multiaddr]>,
) -> Result<Vec<libp2p::Multiaddr>> {
    use crate::node::routing::config as rc;
    let given: Vec<_> =
        given.iter().map(|a| rc::parse_bootstrap(a)).collect::<Result<_, _>>().map_err(anyhow::Error::msg)?;
    Ok(match (given.is_empty(), no_bootstrap, repo) {
        (false, _, _) => given,
        (true, true, _) => Vec::new(),
        (true, false, Some(list)) => list.to_vec(),
        (true, false, None) => rc::public_bootstrap(),
    })
}

impl Cli {
    /// The delegated routers of a node started by this command line: `--routing-url` as given, `none` for none,
    /// else the default router (the only place it is applied).
    pub fn routers(&self) -> Result<Vec<String>> {
        crate::node::routing::http::routers(&self.routing_url).map_err(anyhow::Error::msg)
    }
}

impl Command {
    /// Passes the delegated routers (resolved by [`Cli::routers`]) to the node of `daemon` and `tui`.
    pub fn set_routers(&mut self, routers: &[String]) {
        if let Command::Tui(n) | Command::Daemon(DaemonArgs { node: n, .. }) = self {
            n.routers = routers.to_vec();
        }
    }

    /// Passes the global `--no-bootstrap` to the node of `daemon` and `tui` (the commands that fetch get it
    /// through `cmd::request::from_cli`).
    pub fn set_no_bootstrap(&mut self, no_bootstrap: bool) {
        if let Command::Tui(n) | Command::Daemon(DaemonArgs { node: n, .. }) = self {
            n.no_bootstrap |= no_bootstrap
        }
    }

    /// Gives the node of `daemon` and `tui` the repo's bootstrap list (`None`: the repo keeps none).
    pub fn set_repo_bootstrap(&mut self, list: Option<Vec<libp2p::Multiaddr>>) {
        if let Command::Tui(n) | Command::Daemon(DaemonArgs { node: n, .. }) = self {
            n.repo_bootstrap = list
        }
    }
}

/// How the TUI's embedded node listens and whom it dials.
#[derive(Debug, Args, Default)]
pub struct NodeArgs {
    /// Listen address (repeatable; default: TCP and QUIC on port 4021 on all interfaces).
    #[arg(long, value_name = "MULTIADDR")]
    pub listen: Vec<String>,
    /// Peers to dial at start (repeatable).
    #[arg(long, value_name = "MULTIADDR")]
    pub connect: Vec<String>,
    /// Do not discover peers on the local network.
    #[arg(long)]
    pub no_mdns: bool,
    /// Bootstrap peer (repeatable; replaces the default list, Kubo's public bootstrap peers). Ends in /p2p/<id>.
    #[arg(long, value_name = "MULTIADDR")]
    pub bootstrap: Vec<String>,
    /// Address to advertise in identify and provider records instead of the listen addresses (repeatable).
    #[arg(long, value_name = "MULTIADDR")]
    pub announce: Vec<String>,
    /// DHT mode: client, server, or auto (the default: a client until the node is known to be reachable).
    #[arg(long, value_name = "MODE")]
    pub dht: Option<String>,
    /// What to announce to the DHT: roots (the default: what add, dag import, block put and pin add store),
    /// pinned (pinned roots only) or all (every block stored).
    #[arg(long, value_name = "STRATEGY")]
    pub provide: Option<String>,
    /// Record every event (and the store's totals, the operations and their results) to FILE as JSON lines, for
    /// `swarmscope replay FILE` (rotated to FILE.1 past --record-max-mb).
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// The size at which a recording is rotated, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 256)]
    pub record_max_mb: u64,
    /// Set from the global `--no-bootstrap` (the demo sets it too: it never uses public routing).
    #[arg(skip)]
    pub no_bootstrap: bool,
    /// The repo's bootstrap list (`bootstrap add|rm`), used when no --bootstrap is given; `None`: the public list.
    #[arg(skip)]
    pub repo_bootstrap: Option<Vec<libp2p::Multiaddr>>,
    /// Delegated routers, from the global `--routing-url` (empty, the default here, asks none: the demo's case).
    #[arg(skip)]
    pub routers: Vec<String>,
}

impl NodeArgs {
    /// The recorder `--record FILE` asks for (`source`: `tui` or `daemon`), started now.
    pub fn recording(&self, source: &str) -> Result<Option<crate::recording::Recorder>> {
        let Some(file) = &self.record else { return Ok(None) };
        let max = self.record_max_mb.max(1) << 20;
        crate::recording::Recorder::start(file, source, max).map(Some)
    }

    /// Sets `config`'s routing: the bootstrap peers (none with `no_bootstrap`; `--bootstrap`; else the public
    /// list: the only place the public defaults are applied), announce addresses and DHT mode.
    fn configure_routing(&self, config: &mut NodeConfig) -> Result<()> {
        let r = &mut config.routing;
        r.bootstrap = bootstrap_list(&self.bootstrap, self.no_bootstrap, self.repo_bootstrap.as_deref())?;
        let parse = |a: &String| crate::ops::parse::multiaddr(a).map_err(anyhow::Error::msg);
        r.announce = self.announce.iter().map(parse).collect::<Result<_>>()?;
        r.dht = self.dht.as_deref().unwrap_or("auto").parse().map_err(anyhow::Error::msg)?;
        r.provide = self.provide.as_deref().unwrap_or("roots").parse().map_err(anyhow::Error::msg)?;
        r.routers = self.routers.clone();
        Ok(())
    }

    /// Sets `config`'s listen addresses (the defaults when none are given), peers to dial and mDNS.
    pub fn configure(&self, config: &mut NodeConfig) -> Result<()> {
        let parse = |a: &String| crate::ops::parse::multiaddr(a).map_err(anyhow::Error::msg);
        config.listen = self.listen.iter().map(parse).collect::<Result<_>>()?;
        if config.listen.is_empty() {
            config.listen = config.listen_addrs();
        }
        config.connect = self.connect.iter().map(parse).collect::<Result<_>>()?;
        config.mdns = !self.no_mdns;
        self.configure_routing(config)
    }
}

/// The repo directory: `--repo`/`SWARMSCOPE_REPO`, else `$XDG_DATA_HOME/swarmscope`, else
/// `~/.local/share/swarmscope`.
pub fn repo_dir(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(dir) = flag {
        return Ok(dir.to_path_buf());
    }
    if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(xdg).join("swarmscope"));
    }
    let home =
        std::env::var_os("HOME").filter(|v| !v.is_empty()).context("neither --repo, XDG_DATA_HOME nor HOME is set")?;
    Ok(PathBuf::from(home).join(".local/share/swarmscope"))
}

#[derive(Debug, Args)]
pub struct DaemonArgs {
    #[command(flatten)]
    pub node: NodeArgs,
    /// One JSON object per line: first {"type":"ready",…}, then every node event.
    #[arg(long)]
    pub json: bool,
    /// Collect garbage automatically once the stored blocks pass 90 % of --storage-max (Kubo's --enable-gc).
    #[arg(long)]
    pub enable_gc: bool,
    /// The storage limit for --enable-gc (Kubo's Datastore.StorageMax): block bytes, e.g. 10GB or 512MiB.
    #[arg(long, default_value = "10GB", value_name = "SIZE")]
    pub storage_max: String,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Paths to add; "-" reads stdin.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Add directories recursively.
    #[arg(short, long)]
    pub recursive: bool,
    /// Include files and directories whose names start with '.' (skipped by default, as in Kubo).
    #[arg(short = 'H', long)]
    pub hidden: bool,
    /// Print only the final root CID.
    #[arg(short = 'Q', long)]
    pub quieter: bool,
    /// Import profile: unixfs-v1-2025 (default, as Kubo's and Helia's importer), helia (@helia/unixfs's own
    /// defaults: as unixfs-v1-2025 but the HAMT size estimated in link bytes) or legacy-cid-v0 (alias kubo, as
    /// Kubo's `ipfs add`).
    #[arg(long, value_name = "P")]
    pub profile: Option<String>,
    /// CID version (0 or 1); 1 implies --raw-leaves unless the profile or flag says otherwise.
    #[arg(long, value_name = "N")]
    pub cid_version: Option<u8>,
    /// Store leaves as raw blocks instead of UnixFS File nodes (`--raw-leaves=false` turns them off, as in Kubo).
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    pub raw_leaves: Option<bool>,
    /// Chunker: size-N (fixed-size chunks of N bytes), rabin (average 256 KiB), rabin-AVG or rabin-MIN-AVG-MAX
    /// (content-defined chunks, as Kubo's and Helia's rabin chunker).
    #[arg(long, value_name = "size-N|rabin[-MIN]-AVG[-MAX]")]
    pub chunker: Option<String>,
    /// Multihash of every block: sha2-256 (default), sha2-512, sha3-256, blake2b-256 or blake3 (implies
    /// --cid-version 1, as in Kubo).
    #[arg(long, value_name = "NAME")]
    pub hash: Option<String>,
    /// Trickle layout instead of balanced (Kubo's --trickle): suited to streaming and appending.
    #[arg(short = 't', long)]
    pub trickle: bool,
    /// Wrap the added files and directories in one directory; its CID is the root printed last.
    #[arg(short = 'w', long)]
    pub wrap_with_directory: bool,
    /// Only compute the CIDs; store nothing.
    #[arg(short = 'n', long)]
    pub only_hash: bool,
    /// Pin the added roots (default true).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub pin: bool,
    /// One JSON object per added entry: {"name", "cid", "size"}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum BlockCommand {
    /// Store stdin as one block and print its CID.
    Put {
        #[arg(long, default_value = "raw", value_name = "raw|dag-pb")]
        cid_codec: String,
        #[arg(long, default_value = "sha2-256", value_name = "sha2-256|blake3")]
        mhtype: String,
    },
    /// Write a block's bytes to stdout (fetching it when missing).
    Get {
        cid: String,
        #[command(flatten)]
        net: FetchArgs,
    },
    /// Print a block's CID and size.
    Stat {
        cid: String,
        /// Print JSON (one object per line) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Remove blocks from the store.
    Rm {
        #[arg(required = true)]
        cids: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum DagCommand {
    /// Write every block of the DAG under CID as a CAR v1 file (fetching missing blocks).
    Export {
        cid: String,
        /// Output file (default: stdout).
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        net: FetchArgs,
    },
    /// Verify and store every block of CAR files, pin their roots, print them.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Fetch every missing block of a DAG into the store (nothing is written out); prints {"cid","blocks","bytes"}.
    Fetch {
        #[arg(value_name = "PATH")]
        path: String,
        #[command(flatten)]
        net: FetchArgs,
    },
    /// The DAG under a CID or path as far as the store has it, one JSON object per block (present or missing).
    Explore {
        #[arg(value_name = "PATH")]
        path: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum PinCommand {
    /// Pin a DAG recursively, fetching every missing block first.
    Add {
        /// CID or IPFS path.
        #[arg(value_name = "PATH")]
        path: String,
        /// Pin only the root block.
        #[arg(long)]
        direct: bool,
        #[command(flatten)]
        net: FetchArgs,
    },
    /// Remove a pin.
    Rm { cid: String },
    /// List pins, or check one CID.
    Ls {
        cid: Option<String>,
        /// Print JSON (one object per line) instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum RepoCommand {
    /// Blocks, block bytes, bytes on disk, and blocks found damaged.
    Stat {
        /// Print JSON (one object per line) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Re-hash every stored block; damaged ones are dropped so that a re-add or a fetch stores them again.
    Verify {
        /// Print JSON (one object per line) instead of text.
        #[arg(long)]
        json: bool,
        /// Rebuild the index from the segments (every record re-hashed; blocks, pins, totals), keeping the old
        /// index as index.redb.before-rebuild. For a lost or damaged index.
        #[arg(long)]
        rebuild_index: bool,
    },
    /// Remove every block that no pin reaches.
    Gc {
        /// Print JSON (one object per line) instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum SwarmCommand {
    /// Connected peers.
    Peers {
        /// Also show direction, latency, agent, the negotiated Bitswap version, traffic, and (indented) the
        /// protocols each peer advertised.
        #[arg(short, long)]
        verbose: bool,
        /// Print JSON (one object per line) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Dial a peer.
    Connect { multiaddr: String },
    /// Close every connection to a peer.
    Disconnect { peer: String },
}

#[derive(Debug, Subcommand)]
pub enum BitswapCommand {
    /// Totals: blocks and bytes both ways, duplicates, wants, peers.
    Stat {
        /// Print JSON (one object per line) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Our wantlist, or what a peer wants from us.
    Wantlist {
        /// What this peer (a peer id) wants from us, instead of our own wantlist.
        #[arg(long, value_name = "PEER")]
        peer: Option<String>,
        /// Print JSON (one object per line) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// What was exchanged with one peer.
    Ledger {
        peer: String,
        /// Print JSON (one object per line) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The message inspector: the last Bitswap messages received, decoded (entries, presences, block prefixes,
    /// sizes against the limits), newest first.
    Messages {
        /// Only messages from this peer.
        #[arg(long, value_name = "PEER")]
        peer: Option<String>,
        /// Only messages that carry this CID (a want, a presence or a block).
        #[arg(long, value_name = "CID")]
        cid: Option<String>,
        /// At most this many messages.
        #[arg(short = 'n', long, default_value_t = 10)]
        num: usize,
        /// Print JSON (one object per line) instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CidCommand {
    /// Version, codec, multihash, base32 v1 and v0 forms.
    Inspect {
        cid: String,
        /// Print JSON (one object per line) instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum StatsCommand {
    /// Bitswap traffic: block bytes in and out since the daemon started and their rates over one second, in
    /// Kubo's fields.
    Bw {
        /// Print JSON (one object per line) instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[cfg(test)]
mod routing_flag_tests {
    use super::*;
    use crate::node::routing::config::{DhtMode, public_bootstrap};

    fn configured(args: NodeArgs) -> NodeConfig {
        let mut c = NodeConfig::new("/nonexistent".into());
        args.configure(&mut c).unwrap();
        c
    }

    #[test]
    fn the_public_list_is_the_default_only_when_the_user_said_nothing() {
        assert_eq!(configured(NodeArgs::default()).routing.bootstrap, public_bootstrap());
        let none = configured(NodeArgs { no_bootstrap: true, ..NodeArgs::default() });
        assert!(none.routing.bootstrap.is_empty());
        let own = "/ip4/127.0.0.1/tcp/4001/p2p/QmaCpDMGvV2BGHeYERUEnRQAwe3N8SzbUtfsmvsqQLuvuJ".to_string();
        for no_bootstrap in [false, true] {
            let c = configured(NodeArgs { bootstrap: vec![own.clone()], no_bootstrap, ..NodeArgs::default() });
            assert_eq!(c.routing.bootstrap, vec![own.parse().unwrap()], "--bootstrap replaces the list");
        }
        // The repo's list (`bootstrap add|rm`) replaces the public one; flags still win.
        let kept: Vec<libp2p::Multiaddr> = vec![own.parse().unwrap()];
        let repo = |no_bootstrap| NodeArgs { repo_bootstrap: Some(kept.clone()), no_bootstrap, ..NodeArgs::default() };
        assert_eq!(configured(repo(false)).routing.bootstrap, kept);
        assert!(configured(repo(true)).routing.bootstrap.is_empty(), "--no-bootstrap wins over the repo's list");
        assert_eq!(configured(NodeArgs::default()).routing.dht, DhtMode::Auto);
        let server = configured(NodeArgs { dht: Some("server".into()), ..NodeArgs::default() });
        assert_eq!(server.routing.dht, DhtMode::Server);
    }

    #[test]
    fn no_bootstrap_is_a_global_flag() {
        let cli = Cli::try_parse_from(["swarmscope", "--no-bootstrap", "id"]).unwrap();
        assert!(cli.no_bootstrap);
        let cli = Cli::try_parse_from(["swarmscope", "daemon", "--no-bootstrap"]).unwrap();
        assert!(cli.no_bootstrap, "global: after the subcommand too");
    }

    #[test]
    fn routing_url_is_global_repeatable_and_none_turns_routers_off() {
        let cli = Cli::try_parse_from([
            "swarmscope",
            "daemon",
            "--routing-url",
            "http://127.0.0.1:1",
            "--routing-url",
            "https://r.example/",
        ])
        .unwrap();
        assert_eq!(cli.routers().unwrap(), vec!["http://127.0.0.1:1".to_string(), "https://r.example".to_string()]);
        let cli = Cli::try_parse_from(["swarmscope", "--routing-url", "none", "id"]).unwrap();
        assert!(cli.routers().unwrap().is_empty());
        let cli = Cli::try_parse_from(["swarmscope", "get", "bafkqaaa", "--routing-url", "gopher://x"]).unwrap();
        assert!(cli.routers().unwrap_err().to_string().contains("bad routing URL"));
        // The default (no flag, no SWARMSCOPE_ROUTING_URL) is the public router, applied by `http::routers`.
        assert_eq!(crate::node::routing::http::routers(&[]).unwrap(), vec!["https://delegated-ipfs.dev".to_string()]);
        // A node's routers are what the CLI resolved; NodeArgs alone (the demo's) asks none.
        assert!(configured(NodeArgs::default()).routing.routers.is_empty());
        let mut cmd = Cli::try_parse_from(["swarmscope", "daemon"]).unwrap().command.unwrap();
        cmd.set_routers(&["http://127.0.0.1:1".to_string()]);
        let Command::Daemon(d) = cmd else { panic!("daemon") };
        assert_eq!(configured(d.node).routing.routers, vec!["http://127.0.0.1:1".to_string()]);
    }
}
