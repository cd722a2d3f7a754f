//! `repo stat|verify|gc`.

use anyhow::{Result, bail};
use serde::Serialize;

use crate::cli::RepoCommand;

#[derive(Debug, Serialize)]
struct RepoStat {
    repo: String,
    blocks: u64,
    block_bytes: u64,
    disk_bytes: u64,
}

pub fn run(ctx: &mut super::Ctx, command: RepoCommand) -> Result<()> {
    let store = ctx.store()?;
    let repo = ctx.repo.clone();
    match command {
        RepoCommand::Stat { json } => {
            let s = store.stat()?;
            if json {
                let out = RepoStat {
                    repo: repo.display().to_string(),
                    blocks: s.blocks,
                    block_bytes: s.block_bytes,
                    disk_bytes: s.disk_bytes,
                };
                writeln!(ctx.out, "{}", serde_json::to_string(&out)?)?;
            } else {
                writeln!(ctx.out, "Repo:        {}", repo.display())?;
                writeln!(ctx.out, "Blocks:      {}", s.blocks)?;
                writeln!(ctx.out, "Block bytes: {}", s.block_bytes)?;
                let ratio = if s.block_bytes > 0 { s.disk_bytes as f64 / s.block_bytes as f64 } else { 0.0 };
                writeln!(ctx.out, "Disk bytes:  {} ({ratio:.3}x block bytes)", s.disk_bytes)?;
            }
        }
        RepoCommand::Verify { json } => {
            let report = store.verify()?;
            if json {
                writeln!(ctx.out, "{}", serde_json::to_string(&report)?)?;
            } else {
                for bad in &report.bad {
                    writeln!(ctx.out, "bad block {bad}")?;
                }
                writeln!(ctx.out, "verified {} blocks ({} bytes)", report.checked, report.bytes)?;
            }
            if !report.bad.is_empty() {
                bail!("{} block(s) failed verification", report.bad.len());
            }
        }
        RepoCommand::Gc { json } => {
            let stats = store.gc()?;
            if json {
                writeln!(ctx.out, "{}", serde_json::to_string(&stats)?)?;
            } else {
                writeln!(ctx.out, "removed {} blocks ({} bytes)", stats.removed_blocks, stats.removed_bytes)?;
            }
        }
    }
    Ok(())
}
