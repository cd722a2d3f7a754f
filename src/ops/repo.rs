//! `repo stat|verify|gc`, and `repo verify --rebuild-index`, the repair for a lost or damaged index.

use anyhow::{Result, bail};

use super::outcome::{GcReport, RepoStat, VerifyReport};
use super::{Ctx, Outcome};
use crate::node::blockstore::Blockstore;

pub fn stat(ctx: &mut Ctx) -> Result<Outcome> {
    let store = ctx.store()?;
    let s = store.stat()?;
    Ok(Outcome::RepoStat(RepoStat {
        repo: ctx.repo.clone(),
        blocks: s.blocks,
        block_bytes: s.block_bytes,
        disk_bytes: s.disk_bytes,
        bad_blocks: s.bad_blocks,
        problems: store.problems().to_vec(),
    }))
}

/// Re-hashes every block. Bad blocks and problems are a result, not an error: the caller says how to treat them.
pub fn verify(ctx: &mut Ctx) -> Result<Outcome> {
    let r = ctx.store()?.verify()?;
    Ok(Outcome::Verified(VerifyReport { checked: r.checked, bytes: r.bytes, bad: r.bad, problems: r.problems }))
}

/// Rebuilds the index from the segments; the repo must not be open anywhere else (a daemon included).
pub fn rebuild(ctx: &mut Ctx) -> Result<Outcome> {
    if ctx.shared.is_some() {
        bail!("a daemon has this repo open: stop it, then run `swarmscope repo verify --rebuild-index`");
    }
    let (store, report) = Blockstore::rebuild_index(&ctx.repo)?;
    Ok(Outcome::Rebuilt { report, problems: store.problems().to_vec() })
}

pub fn gc(ctx: &mut Ctx) -> Result<Outcome> {
    let s = ctx.store()?.gc()?;
    Ok(Outcome::Collected(GcReport { removed_blocks: s.removed_blocks, removed_bytes: s.removed_bytes }))
}
