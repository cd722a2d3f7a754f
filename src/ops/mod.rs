//! The command layer. A command is a typed [`Request`] that returns a typed [`Outcome`] and reports progress as
//! [`OpEvent`]s under one op id. The CLI (in this process or through a daemon), the control socket and the TUI's
//! input bar all run commands through [`run`], so nothing is implemented twice; they differ only in the [`Ctx`]
//! they give it (whose store and node, where streamed output and progress go, who may cancel).
//!
//! One file per command group; [`import`] holds the one import sequence every writer of new DAGs uses.

pub mod add;
pub mod block;
pub mod check;
pub mod cid;
pub mod content;
pub mod ctx;
pub mod dag;
pub mod explore;
pub mod fetch;
pub mod import;
pub mod node_info;
pub mod outcome;
pub mod parse;
pub mod pin;
pub mod repo;
pub mod request;
pub mod routing;
pub mod runner;
pub mod stream;
pub mod text;
pub mod why;

pub use ctx::{Cancelled, Ctx, OpId, Shared};
pub use outcome::{OpEvent, Outcome};
pub use request::{Call, FetchOptions, Request};
pub use runner::{Observer, run_local};

use anyhow::Result;

/// Runs one command against `ctx`.
pub fn run(ctx: &mut Ctx, request: Request) -> Result<Outcome> {
    ctx.check_cancelled()?;
    match request {
        Request::Add(add) => add::run(ctx, add),
        Request::Cat { path, fetch, offset, length } => content::cat(ctx, &path, &fetch, offset, length),
        Request::Get { path, output, fetch, stats } => content::get(ctx, &path, output.as_deref(), &fetch, stats),
        Request::Ls { path, fetch } => content::ls(ctx, &path, &fetch),
        Request::BlockPut { codec, hash } => block::put(ctx, codec, hash),
        Request::BlockGet { cid, fetch } => block::get(ctx, cid, &fetch),
        Request::BlockStat { cid } => block::stat(ctx, cid),
        Request::BlockRm { cids } => block::rm(ctx, &cids),
        Request::DagExport { cid, output, fetch } => dag::export(ctx, cid, output.as_deref(), &fetch),
        Request::DagImport { files } => dag::import(ctx, &files),
        Request::DagFetch { path, fetch } => dag::fetch(ctx, &path, &fetch),
        Request::DagExplore { path } => dag::explore(ctx, &path),
        Request::PinAdd { path, direct, fetch } => pin::add(ctx, &path, direct, &fetch),
        Request::PinRm { cid } => pin::rm(ctx, cid),
        Request::PinLs { cid } => pin::ls(ctx, cid),
        Request::RepoStat => repo::stat(ctx),
        Request::RepoVerify { rebuild_index: false } => repo::verify(ctx),
        Request::RepoVerify { rebuild_index: true } => repo::rebuild(ctx),
        Request::RepoGc => repo::gc(ctx),
        Request::CidInspect { cid } => Ok(Outcome::CidInfo(cid::inspect(&cid))),
        Request::Id => node_info::id(ctx),
        Request::SwarmPeers => node_info::peers(ctx),
        Request::SwarmConnect { addr } => node_info::connect(ctx, addr),
        Request::SwarmDisconnect { peer } => node_info::disconnect(ctx, peer),
        Request::BitswapStat => node_info::bitswap_stat(ctx),
        Request::StatsBw => node_info::bandwidth(ctx),
        Request::BitswapWantlist { peer } => node_info::wantlist(ctx, peer),
        Request::BitswapLedger { peer } => node_info::ledger(ctx, peer),
        Request::BitswapMessages { peer, cid, limit } => node_info::messages(ctx, peer, cid, limit),
        Request::RoutingFindProvs { cid, limit, json } => routing::findprovs(ctx, cid, limit, json),
        Request::RoutingFindPeer { peer } => routing::findpeer(ctx, peer),
        Request::RoutingProvide { cid, recursive } => routing::provide(ctx, cid, recursive),
        Request::Check { cid, peer, fetch } => check::check(ctx, cid, peer, &fetch),
        Request::Why { cid } => why::why(ctx, cid),
    }
}

/// Formats an error chain as one line: "outer: inner: root cause", without repeating a message that an outer
/// layer already quoted.
pub fn one_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line.replace('\n', " ")
}
