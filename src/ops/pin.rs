//! `pin add|rm|ls`.

use anyhow::{Result, bail};
use cid::Cid;

use super::outcome::{PinEntry, PinType};
use super::{Ctx, Outcome};
use crate::node::blockstore::PinKind;

pub fn add(ctx: &mut Ctx, cid: Cid, direct: bool) -> Result<Outcome> {
    let kind = if direct { PinKind::Direct } else { PinKind::Recursive };
    ctx.store()?.pin_add(&cid, kind)?;
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
