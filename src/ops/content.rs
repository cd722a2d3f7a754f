//! `cat`, `get` and `ls`: reading UnixFS content, from the local store first and, for `cat` and `get`, from the
//! network when blocks are missing.

use std::path::Path;

use anyhow::Result;

use super::fetch::{Fetching, Net, count};
use super::outcome::{GetStats, LsEntry};
use super::request::FetchOptions;
use super::stream::stream;
use super::{Ctx, Outcome};
use crate::node::dag::exporter;
use crate::node::dag::resolver::IpfsPath;

/// Streams a file; with `offset`/`length`, only the range, reading and fetching only the blocks that hold it.
pub fn cat(ctx: &mut Ctx, path: &IpfsPath, fetch: &FetchOptions, offset: u64, length: Option<u64>) -> Result<Outcome> {
    let store = ctx.store()?;
    // A `repo gc` between fetching the blocks (unpinned) and reading them out would fail the cat half-way.
    let _hold = store.hold_gc();
    let mut net = Net::new(fetch);
    let cid = net.resolve(ctx, &store, path)?;
    if offset == 0 && length.is_none() {
        net.dag(ctx, &store, &cid)?;
        drop(net);
        let (bytes, truncated) = stream(ctx, |out| exporter::cat(&store, &cid, out))?;
        return Ok(Outcome::Streamed { bytes, truncated });
    }
    // First make the range's blocks local, one by one as the exporter asks for them (the fetching source and the
    // streamed output both need the context), then stream the range from the store: memory stays bounded.
    let fetching = Fetching::new(store.clone(), &mut net, ctx);
    let read = exporter::cat_range(&fetching, &cid, offset, length, &mut std::io::sink());
    let error = fetching.into_error();
    match (read, error) {
        (Ok(_), _) => {}
        (Err(_), Some(fetch_error)) => return Err(fetch_error),
        (Err(e), None) => return Err(e.into()),
    }
    drop(net);
    let (bytes, truncated) = stream(ctx, |out| exporter::cat_range(&store, &cid, offset, length, out))?;
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
    let file_bytes = exporter::get(&store, &cid, &dest)?;
    let stats = match (fetched, stats) {
        (Some(s), _) => Some(GetStats { bytes: file_bytes, ..s }),
        (None, true) => {
            let (blocks, dag_bytes) = count(&store, &cid)?;
            Some(GetStats { cid, bytes: file_bytes, dag_bytes, blocks, fetched_blocks: 0, ms: 0, dial_ms: 0 })
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
        listed.into_iter().map(|e| LsEntry { name: e.name, cid: e.cid, size: e.size, kind: e.kind }).collect();
    Ok(Outcome::Listed { entries })
}
