//! `dag export|import`: DAGs as CAR v1 files.

use anyhow::{Context, Result};
use std::io::{BufReader, BufWriter, Write};

use crate::cli::DagCommand;
use crate::node::blockstore::PinKind;
use crate::node::dag::car;

pub fn run(ctx: &mut super::Ctx, command: DagCommand) -> Result<()> {
    match command {
        DagCommand::Export { cid, output } => {
            let cid = super::parse_cid(&cid)?;
            let store = ctx.store()?;
            match output {
                Some(path) => {
                    let path = ctx.path(&path);
                    // Write beside the target and rename, so a failed export leaves no truncated CAR behind.
                    let tmp = path.with_extension("car.tmp");
                    let file =
                        std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
                    let mut out = BufWriter::with_capacity(1 << 20, file);
                    let written = car::write_car(&store, &[cid], &mut out).and_then(|s| {
                        out.flush()?;
                        Ok(s)
                    });
                    if let Err(err) = written {
                        let _ = std::fs::remove_file(&tmp);
                        return Err(err.into());
                    }
                    std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
                }
                None => {
                    car::write_car(&store, &[cid], &mut ctx.out)?;
                    ctx.out.flush().context("writing to stdout")?;
                }
            }
        }
        DagCommand::Fetch { cid, net } => {
            let cid = super::parse_cid(&cid)?;
            let store = ctx.store()?;
            super::content::ensure_local(ctx, &store, &cid, &net)?;
            let (mut blocks, mut bytes) = (0u64, 0u64);
            crate::node::dag::walk::walk_dag(&store, &cid, &mut |_, d| {
                blocks += 1;
                bytes += d.len() as u64;
                Ok(())
            })?;
            let line = serde_json::json!({ "cid": cid.to_string(), "blocks": blocks, "bytes": bytes });
            writeln!(ctx.out, "{line}")?;
        }
        DagCommand::Explore { cid } => {
            let cid = super::parse_cid(&cid)?;
            let store = ctx.store()?;
            let (rows, _) = crate::app::exec::explore(&store, cid);
            for row in rows {
                writeln!(ctx.out, "{}", serde_json::to_string(&row)?)?;
            }
        }
        DagCommand::Import { files } => {
            let files: Vec<_> = files.iter().map(|f| ctx.path(f)).collect();
            for f in &files {
                std::fs::metadata(f).with_context(|| format!("cannot read {}", f.display()))?;
            }
            let store = ctx.store()?;
            for f in &files {
                let file = std::fs::File::open(f).with_context(|| format!("cannot read {}", f.display()))?;
                // Held until the root is pinned: a `repo gc` in between would take the new blocks.
                let _hold = store.hold_gc();
                let mut writer = store.writer();
                let roots = match car::import_car(BufReader::with_capacity(1 << 20, file), &mut writer) {
                    Ok((roots, _stats)) => roots,
                    Err(err) => {
                        let _ = writer.abort();
                        return Err(anyhow::Error::from(err).context(format!("importing {}", f.display())));
                    }
                };
                writer.finish()?;
                for root in roots {
                    store.pin_add(&root, PinKind::Recursive).with_context(|| format!("pinning root {root}"))?;
                    writeln!(ctx.out, "Pinned root {root} success")?;
                }
            }
        }
    }
    Ok(())
}
