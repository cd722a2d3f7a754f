//! `cat`, `get` and `ls`: reading UnixFS content, from the local store first and, for `cat` and `get`, from the
//! network when blocks are missing.

use std::path::Path;

use anyhow::Result;

use super::fetch::{Fetching, Net, count};
use super::outcome::{GetStats, LsEntry, LsKind};
use super::request::FetchOptions;
use super::stream::stream;
use super::{Ctx, Outcome};
use crate::node::dag::exporter::{self, Kind};
use crate::node::dag::resolver::IpfsPath;

pub fn cat(ctx: &mut Ctx, path: &IpfsPath, fetch: &FetchOptions) -> Result<Outcome> {
    let store = ctx.store()?;
    // A `repo gc` between fetching the blocks (unpinned) and reading them out would fail the cat half-way.
    let _hold = store.hold_gc();
    let mut net = Net::new(fetch);
    let cid = net.resolve(ctx, &store, path)?;
    net.dag(ctx, &store, &cid)?;
    drop(net);
    let (bytes, truncated) = stream(ctx, |out| exporter::cat(&store, &cid, out))?;
    Ok(Outcome::Streamed { bytes, truncated })
}

pub fn get(
    ctx: &mut Ctx,
    path: &IpfsPath,
    output: Option<&Path>,
    fetch: &FetchOptions,
    stats: bool,
) -> Result<Outcome> {
    let store = ctx.store()?;
    // As for `cat`: what was fetched stays until it is written out.
    let _hold = store.hold_gc();
    let mut net = Net::new(fetch);
    let cid = net.resolve(ctx, &store, path)?;
    let fetched = net.dag(ctx, &store, &cid)?;
    drop(net);
    let dest = match output {
        Some(p) => ctx.path(p),
        // As Kubo: the last name of the path, or the CID.
        None => ctx.cwd.join(path.segments.last().cloned().unwrap_or_else(|| cid.to_string())),
    };
    exporter::get(&store, &cid, &dest)?;
    let stats = match (fetched, stats) {
        (Some(s), _) => Some(s),
        (None, true) => {
            let (blocks, bytes) = count(&store, &cid)?;
            Some(GetStats { cid, bytes, blocks, fetched_blocks: 0, ms: 0, dial_ms: 0 })
        }
        (None, false) => None,
    };
    Ok(Outcome::Saved { cid, dest, stats })
}

/// Lists the directory `path` names, fetching its node(s) (every shard node of a HAMT) but not its entries:
/// an entry not stored is listed with its link's size and kind `missing`.
pub fn ls(ctx: &mut Ctx, path: &IpfsPath, fetch: &FetchOptions) -> Result<Outcome> {
    let store = ctx.store()?;
    let _hold = store.hold_gc();
    let mut net = Net::new(fetch);
    let cid = net.resolve(ctx, &store, path)?;
    let fetching = Fetching::new(store.clone(), &mut net, ctx);
    let listed = exporter::ls_split(&fetching, &store, &cid);
    let error = fetching.into_error();
    let listed = match (listed, error) {
        (Ok(entries), _) => entries,
        (Err(_), Some(fetch_error)) => return Err(fetch_error),
        (Err(e), None) => return Err(e.into()),
    };
    let entries =
        listed.into_iter().map(|e| LsEntry { name: e.name, cid: e.cid, size: e.size, kind: kind(e.kind) }).collect();
    Ok(Outcome::Listed { entries })
}

fn kind(kind: Kind) -> LsKind {
    match kind {
        Kind::File => LsKind::File,
        Kind::Directory => LsKind::Directory,
        Kind::HamtShard => LsKind::HamtShard,
        Kind::Symlink => LsKind::Symlink,
        Kind::Raw => LsKind::Raw,
        Kind::Metadata => LsKind::Metadata,
        Kind::Missing => LsKind::Missing,
    }
}
