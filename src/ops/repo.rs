//! `repo stat|verify|gc`.

use anyhow::Result;

use super::outcome::{GcReport, RepoStat, VerifyReport};
use super::{Ctx, Outcome};

pub fn stat(ctx: &mut Ctx) -> Result<Outcome> {
    let s = ctx.store()?.stat()?;
    Ok(Outcome::RepoStat(RepoStat {
        repo: ctx.repo.clone(),
        blocks: s.blocks,
        block_bytes: s.block_bytes,
        disk_bytes: s.disk_bytes,
    }))
}

/// Re-hashes every block. Bad blocks are a result, not an error: the caller says how to treat them.
pub fn verify(ctx: &mut Ctx) -> Result<Outcome> {
    let r = ctx.store()?.verify()?;
    Ok(Outcome::Verified(VerifyReport { checked: r.checked, bytes: r.bytes, bad: r.bad }))
}

pub fn gc(ctx: &mut Ctx) -> Result<Outcome> {
    let s = ctx.store()?.gc()?;
    Ok(Outcome::Collected(GcReport { removed_blocks: s.removed_blocks, removed_bytes: s.removed_bytes }))
}
