//! `repo stat|verify|gc`, and `repo verify --rebuild-index`, the repair for a lost or damaged index.

use anyhow::{Result, bail};
use serde::Serialize;

use crate::cli::RepoCommand;
use crate::node::blockstore::{Blockstore, RebuildReport};

#[derive(Debug, Serialize)]
struct RepoStat {
    repo: String,
    blocks: u64,
    block_bytes: u64,
    disk_bytes: u64,
    /// Blocks found damaged and not stored again since (they read as missing).
    bad_blocks: u64,
    /// What opening the repo found wrong (missing or short segments…), one line each.
    problems: Vec<String>,
}

pub fn run(ctx: &mut super::Ctx, command: RepoCommand) -> Result<()> {
    if let RepoCommand::Verify { json, rebuild_index: true } = command {
        return rebuild(ctx, json);
    }
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
                    bad_blocks: s.bad_blocks,
                    problems: store.problems().to_vec(),
                };
                writeln!(ctx.out, "{}", serde_json::to_string(&out)?)?;
            } else {
                warn_problems(ctx, &store)?;
                writeln!(ctx.out, "Repo:        {}", repo.display())?;
                writeln!(ctx.out, "Blocks:      {}", s.blocks)?;
                writeln!(ctx.out, "Block bytes: {}", s.block_bytes)?;
                let ratio = if s.block_bytes > 0 { s.disk_bytes as f64 / s.block_bytes as f64 } else { 0.0 };
                writeln!(ctx.out, "Disk bytes:  {} ({ratio:.3}x block bytes)", s.disk_bytes)?;
                writeln!(ctx.out, "Bad blocks:  {}", s.bad_blocks)?;
            }
        }
        RepoCommand::Verify { json, .. } => {
            let report = store.verify()?;
            if json {
                writeln!(ctx.out, "{}", serde_json::to_string(&report)?)?;
            } else {
                warn_problems(ctx, &store)?;
                for bad in &report.bad {
                    writeln!(ctx.out, "bad block {bad}")?;
                }
                writeln!(ctx.out, "verified {} blocks ({} bytes)", report.checked, report.bytes)?;
            }
            if !report.bad.is_empty() {
                bail!(
                    "{} block(s) failed verification; they now count as missing: add their data again or fetch them",
                    report.bad.len()
                );
            }
            if !report.problems.is_empty() {
                bail!("the repo has {} problem(s), listed above", report.problems.len());
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

fn warn_problems(ctx: &mut super::Ctx, store: &Blockstore) -> Result<()> {
    for p in store.problems() {
        writeln!(ctx.err, "warning: {p}")?;
    }
    Ok(())
}

fn rebuild(ctx: &mut super::Ctx, json: bool) -> Result<()> {
    if ctx.shared.is_some() {
        bail!("a daemon has this repo open: stop it, then run `swarmscope repo verify --rebuild-index`");
    }
    let (store, report) = Blockstore::rebuild_index(&ctx.repo)?;
    if json {
        writeln!(ctx.out, "{}", serde_json::to_string(&report)?)?;
    } else {
        print_report(ctx, &report)?;
        warn_problems(ctx, &store)?;
    }
    Ok(())
}

fn print_report(ctx: &mut super::Ctx, r: &RebuildReport) -> Result<()> {
    for line in &r.damaged_blocks {
        writeln!(ctx.out, "damaged block skipped: {line}")?;
    }
    for line in &r.damaged_ranges {
        writeln!(ctx.out, "unreadable bytes skipped: {line}")?;
    }
    for line in &r.set_aside {
        writeln!(ctx.out, "no readable record, set aside as {line}")?;
    }
    if let Some(old) = &r.old_index {
        writeln!(ctx.out, "the old index is kept as {old}")?;
    }
    writeln!(
        ctx.out,
        "rebuilt the index from {} segments: {} blocks ({} bytes), {} pins; {} duplicate copies, {} damaged blocks skipped",
        r.segments,
        r.blocks,
        r.block_bytes,
        r.pins,
        r.duplicates,
        r.damaged_blocks.len()
    )?;
    Ok(())
}
