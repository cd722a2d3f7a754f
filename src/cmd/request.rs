//! The command line, parsed into a typed request and the view its flags ask for. Every CID, peer id and
//! multiaddr is checked here, before anything runs, so bad input is one line wherever the command would run.

use anyhow::Result;
use libp2p::Multiaddr;

use super::view::View;
use crate::cli::{AddArgs, RoutingCommand, StatsCommand, SwarmCommand};
use crate::cli::{BitswapCommand, BlockCommand, CidCommand, Command, DagCommand, FetchArgs, PinCommand, RepoCommand};
use crate::node::dag::resolver::IpfsPath;
use crate::ops::parse;
use crate::ops::request::{AddRequest, AddSource, FetchOptions, Layout, Request};

fn cid(text: &str) -> Result<cid::Cid> {
    parse::cid(text).map_err(anyhow::Error::msg)
}

fn path(text: &str) -> Result<IpfsPath> {
    parse::path(text).map_err(anyhow::Error::msg)
}

/// `no_bootstrap`: the global `--no-bootstrap` (a node started for the command dials no default bootstrap peers).
fn fetch_options(
    net: &FetchArgs,
    no_bootstrap: bool,
    repo: Option<&[Multiaddr]>,
    routers: &[String],
) -> Result<FetchOptions> {
    let connect = net.connect.iter().map(|a| parse::multiaddr(a).map_err(anyhow::Error::msg)).collect::<Result<_>>()?;
    Ok(FetchOptions {
        connect,
        timeout_secs: net.timeout,
        offline: net.offline,
        mdns: !net.no_mdns,
        events: net.events,
        bootstrap: net.bootstrap_peers(no_bootstrap, repo)?,
        routers: routers.to_vec(),
    })
}

/// The request for `command` (anything but `daemon`, `tui` and `demo`) and how to show its result.
/// `no_bootstrap` is the global `--no-bootstrap`, for every command that may start a node to fetch; `repo_bootstrap`
/// the repo's bootstrap list (`None`: it keeps none, the public list applies); `routers` the delegated routers the
/// CLI resolved, likewise.
pub fn from_cli(
    command: Command,
    no_bootstrap: bool,
    repo_bootstrap: Option<&[Multiaddr]>,
    routers: &[String],
) -> Result<(Request, View)> {
    let fetch = |net: &FetchArgs| fetch_options(net, no_bootstrap, repo_bootstrap, routers);
    let plain = View::default();
    let json = |json: bool| View { json, ..View::default() };
    Ok(match command {
        Command::Add(args) => add(args),
        Command::Cat { path: p, offset, length, net } => {
            (Request::Cat { path: path(&p)?, fetch: fetch(&net)?, offset, length }, View { streams: true, ..plain })
        }
        Command::Get { path: p, output, net, json: j } => {
            (Request::Get { path: path(&p)?, output, fetch: fetch(&net)?, stats: j }, json(j))
        }
        Command::Ls { path: p, net, json: j } => (Request::Ls { path: path(&p)?, fetch: fetch(&net)? }, json(j)),
        Command::Block(b) => match b {
            BlockCommand::Put { cid_codec, mhtype } => {
                let codec = cid_codec.parse().map_err(anyhow::Error::msg)?;
                let hash = mhtype.parse().map_err(anyhow::Error::msg)?;
                (Request::BlockPut { codec, hash }, plain)
            }
            BlockCommand::Get { cid: c, net } => {
                (Request::BlockGet { cid: cid(&c)?, fetch: fetch(&net)? }, View { streams: true, ..plain })
            }
            BlockCommand::Stat { cid: c, json: j } => (Request::BlockStat { cid: cid(&c)? }, json(j)),
            BlockCommand::Rm { cids } => {
                (Request::BlockRm { cids: cids.iter().map(|c| cid(c)).collect::<Result<_>>()? }, plain)
            }
        },
        Command::Dag(d) => match d {
            DagCommand::Export { cid: c, output, net } => {
                let streams = output.is_none();
                (Request::DagExport { cid: cid(&c)?, output, fetch: fetch(&net)? }, View { streams, ..plain })
            }
            DagCommand::Import { files } => (Request::DagImport { files }, plain),
            DagCommand::Fetch { path: p, net } => (Request::DagFetch { path: path(&p)?, fetch: fetch(&net)? }, plain),
            DagCommand::Explore { path: p } => (Request::DagExplore { path: path(&p)? }, plain),
        },
        Command::Pin(p) => match p {
            PinCommand::Add { path: p, direct, net } => {
                (Request::PinAdd { path: path(&p)?, direct, fetch: fetch(&net)? }, plain)
            }
            PinCommand::Rm { cid: c } => (Request::PinRm { cid: cid(&c)? }, plain),
            PinCommand::Ls { cid: c, json: j } => (Request::PinLs { cid: c.as_deref().map(cid).transpose()? }, json(j)),
        },
        Command::Repo(r) => match r {
            RepoCommand::Stat { json: j } => (Request::RepoStat, json(j)),
            RepoCommand::Verify { json: j, rebuild_index } => (Request::RepoVerify { rebuild_index }, json(j)),
            RepoCommand::Gc { json: j } => (Request::RepoGc, json(j)),
        },
        Command::Cid(CidCommand::Inspect { cid: c, json: j }) => (Request::CidInspect { cid: cid(&c)? }, json(j)),
        Command::Id { json: j } => (Request::Id, json(j)),
        Command::Swarm(s) => match s {
            SwarmCommand::Peers { verbose, json: j } => (Request::SwarmPeers, View { verbose, ..json(j) }),
            SwarmCommand::Connect { multiaddr } => {
                let addr = parse::multiaddr(&multiaddr).map_err(anyhow::Error::msg)?;
                (Request::SwarmConnect { addr }, View { arg: multiaddr, ..plain })
            }
            SwarmCommand::Disconnect { peer } => {
                let id = parse::peer_id(&peer).map_err(anyhow::Error::msg)?;
                (Request::SwarmDisconnect { peer: id }, View { arg: peer, ..plain })
            }
        },
        Command::Routing(r) => match r {
            RoutingCommand::Findprovs { cid: c, num_providers, json: j } => {
                (Request::RoutingFindProvs { cid: cid(&c)?, limit: num_providers, json: j }, json(j))
            }
            RoutingCommand::Findpeer { peer } => {
                let id = parse::peer_id(&peer).map_err(anyhow::Error::msg)?;
                (Request::RoutingFindPeer { peer: id }, View { arg: peer, ..plain })
            }
            RoutingCommand::Provide { cid: c, recursive } => {
                (Request::RoutingProvide { cid: cid(&c)?, recursive }, plain)
            }
        },
        Command::Bitswap(b) => match b {
            BitswapCommand::Stat { json: j } => (Request::BitswapStat, json(j)),
            BitswapCommand::Wantlist { peer, json: j } => {
                let peer = peer.as_deref().map(|p| parse::peer_id(p).map_err(anyhow::Error::msg)).transpose()?;
                (Request::BitswapWantlist { peer }, json(j))
            }
            BitswapCommand::Messages { peer, cid: c, num, json: j } => {
                let peer = peer.map(|p| parse::peer_id(&p)).transpose().map_err(anyhow::Error::msg)?;
                let c = c.map(|c| cid(&c)).transpose()?;
                (Request::BitswapMessages { peer, cid: c, limit: num }, json(j))
            }
            BitswapCommand::Ledger { peer, json: j } => {
                let id = parse::peer_id(&peer).map_err(anyhow::Error::msg)?;
                (Request::BitswapLedger { peer: id }, View { arg: peer, ..json(j) })
            }
        },
        Command::Stats(StatsCommand::Bw { json: j }) => (Request::StatsBw, json(j)),
        Command::Check { cid: c, peer, json: j, net } => {
            let peer = peer.map(|p| parse::multiaddr(&p).map_err(anyhow::Error::msg)).transpose()?;
            (Request::Check { cid: cid(&c)?, peer, fetch: fetch(&net)? }, json(j))
        }
        Command::Why { cid: c, json: j } => (Request::Why { cid: cid(&c)? }, json(j)),
        Command::Daemon(_) | Command::Tui(_) | Command::Demo | Command::Replay { .. } | Command::Bootstrap(_) => {
            anyhow::bail!("the daemon, the TUI, replay and `bootstrap` are not requests")
        }
    })
}

fn add(args: AddArgs) -> (Request, View) {
    let sources = args
        .paths
        .into_iter()
        .map(|p| if p.as_os_str() == "-" { AddSource::Stdin } else { AddSource::Path(p) })
        .collect();
    let request = AddRequest {
        sources,
        recursive: args.recursive,
        hidden: args.hidden,
        layout: Layout {
            profile: args.profile,
            cid_version: args.cid_version,
            raw_leaves: args.raw_leaves,
            chunker: args.chunker,
            hash: args.hash,
            trickle: args.trickle,
        },
        only_hash: args.only_hash,
        pin: args.pin,
        wrap: args.wrap_with_directory,
    };
    (Request::Add(request), View { json: args.json, quieter: args.quieter, ..View::default() })
}
