//! `pin add|rm|ls`.

use anyhow::{Result, bail};
use cid::Cid;

use super::fetch::Net;
use super::outcome::{PinEntry, PinType};
use super::request::FetchOptions;
use super::{Ctx, Outcome};
use crate::node::blockstore::PinKind;
use crate::node::dag::resolver::IpfsPath;

/// Pins what `path` names, fetching the whole DAG first (only the root block with `direct`), as Kubo does.
pub fn add(ctx: &mut Ctx, path: &IpfsPath, direct: bool, fetch: &FetchOptions) -> Result<Outcome> {
    let kind = if direct { PinKind::Direct } else { PinKind::Recursive };
    let store = ctx.store()?;
    let _hold = store.hold_gc();
    let mut net = Net::new(fetch);
    let cid = net.resolve(ctx, &store, path)?;
    if direct {
        net.block(ctx, &store, &cid)?;
    } else {
        net.dag(ctx, &store, &cid)?;
    }
    drop(net);
    store.pin_add(&cid, kind)?;
    super::routing::announce(ctx, &[cid], true);
    Ok(Outcome::Pinned { cid, direct })
}

pub fn rm(ctx: &mut Ctx, cid: Cid) -> Result<Outcome> {
    if !ctx.store()?.pin_rm(&cid)? {
        bail!("{cid} is not pinned");
    }
    Ok(Outcome::Unpinned { cid })
}

/// Every pin, or only the pins of `filter` (any CID version of the same multihash).
pub fn ls(ctx: &mut Ctx, filter: Option<Cid>) -> Result<Outcome> {
    let pins: Vec<PinEntry> = ctx
        .store()?
        .pins()?
        .into_iter()
        .filter(|(c, _)| filter.is_none_or(|f| f.hash() == c.hash()))
        .map(|(cid, kind)| PinEntry {
            cid,
            kind: if kind == PinKind::Recursive { PinType::Recursive } else { PinType::Direct },
        })
        .collect();
    if let (Some(f), true) = (filter, pins.is_empty()) {
        bail!("{f} is not pinned");
    }
    Ok(Outcome::Pins { pins })
}
