//! `cat`, `get` and `ls`: reading UnixFS content, from the local store first and, for `cat` and `get`, from the
//! network when blocks are missing.

use std::path::Path;

use anyhow::Result;
use cid::Cid;

use super::fetch::{count, ensure_local};
use super::outcome::{GetStats, LsEntry, LsKind};
use super::request::FetchOptions;
use super::stream::stream;
use super::{Ctx, Outcome};
use crate::node::dag::exporter::{self, Kind};

pub fn cat(ctx: &mut Ctx, cid: Cid, fetch: &FetchOptions) -> Result<Outcome> {
    let store = ctx.store()?;
    // A `repo gc` between fetching the blocks (unpinned) and reading them out would fail the cat half-way.
    let _hold = store.hold_gc();
    ensure_local(ctx, &store, &cid, fetch)?;
    let (bytes, truncated) = stream(ctx, |out| exporter::cat(&store, &cid, out))?;
    Ok(Outcome::Streamed { bytes, truncated })
}

pub fn get(ctx: &mut Ctx, cid: Cid, output: Option<&Path>, fetch: &FetchOptions, stats: bool) -> Result<Outcome> {
    let store = ctx.store()?;
    // As for `cat`: what was fetched stays until it is written out.
    let _hold = store.hold_gc();
    let fetched = ensure_local(ctx, &store, &cid, fetch)?;
    let dest = match output {
        Some(p) => ctx.path(p),
        None => ctx.cwd.join(cid.to_string()),
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

pub fn ls(ctx: &mut Ctx, cid: Cid, fetch: Option<&FetchOptions>) -> Result<Outcome> {
    let store = ctx.store()?;
    let _hold = store.hold_gc();
    if let Some(fetch) = fetch {
        ensure_local(ctx, &store, &cid, fetch)?;
    }
    let entries = exporter::ls(&store, &cid)?
        .into_iter()
        .map(|e| LsEntry { name: e.name, cid: e.cid, size: e.size, kind: kind(e.kind) })
        .collect();
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
