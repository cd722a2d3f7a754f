//! `dag export|import|fetch|explore`: DAGs as CAR v1 files, fetched whole, or looked at block by block.

use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use cid::Cid;

use super::fetch::{Net, count};
use super::import::{Pin, import_into};
use super::request::FetchOptions;
use super::stream::{CancelRead, stream};
use super::{Ctx, OpEvent, Outcome};
use crate::node::dag::car;
use crate::node::dag::resolver::IpfsPath;

/// Writes the DAG as a CAR, fetching what is missing first (unless `--offline`).
pub fn export(ctx: &mut Ctx, cid: Cid, output: Option<&Path>, fetch: &FetchOptions) -> Result<Outcome> {
    let store = ctx.store()?;
    let _hold = store.hold_gc();
    let output_is_dir = output.map(|p| ctx.path(p)).is_some_and(|p| p.is_dir());
    if !output_is_dir {
        Net::new(fetch).dag(ctx, &store, &cid)?;
    }
    let Some(path) = output.map(|p| ctx.path(p)) else {
        let (bytes, truncated) = stream(ctx, |out| car::write_car(&store, &[cid], out))?;
        return Ok(Outcome::Streamed { bytes, truncated });
    };
    if path.is_dir() {
        bail!("{} is a directory (give the CAR file's name)", path.display());
    }
    // Write beside the target and rename, so a failed export leaves no truncated CAR behind.
    let tmp = temp_beside(&path);
    let written = (|| -> Result<car::CarStats> {
        let file = std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        let stats = car::write_car(&store, &[cid], &mut out)?;
        out.flush().with_context(|| format!("cannot write {}", tmp.display()))?;
        ctx.check_cancelled()?;
        std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(stats)
    })();
    match written {
        Ok(stats) => Ok(Outcome::Exported { cid, path, blocks: stats.blocks, bytes: stats.bytes }),
        Err(err) => {
            let _ = std::fs::remove_file(&tmp);
            Err(err)
        }
    }
}

/// `DIR/name.tmp` for `DIR/name`.
fn temp_beside(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".tmp");
    path.with_file_name(name)
}

pub fn import(ctx: &mut Ctx, files: &[PathBuf]) -> Result<Outcome> {
    let files: Vec<_> = files.iter().map(|f| ctx.path(f)).collect();
    for f in &files {
        std::fs::metadata(f).with_context(|| format!("cannot read {}", f.display()))?;
    }
    let store = ctx.store()?;
    let cancel = ctx.cancel.clone();
    let mut all = Vec::new();
    for f in &files {
        let file = std::fs::File::open(f).with_context(|| format!("cannot read {}", f.display()))?;
        let reader = BufReader::with_capacity(1 << 20, CancelRead { inner: file, cancel: &cancel });
        let mut warnings = Vec::new();
        let roots = import_into(&store, Pin::Roots, &cancel, &mut |w| warnings.push(w), |sink| {
            let (roots, _stats) = car::import_car(reader, sink)
                .map_err(|e| anyhow::Error::from(e).context(format!("importing {}", f.display())))?;
            Ok(roots)
        });
        for message in warnings {
            ctx.report(OpEvent::Warning { message });
        }
        for root in roots? {
            ctx.report(OpEvent::Pinned { root });
            all.push(root);
        }
    }
    super::routing::announce(ctx, &all, true);
    Ok(Outcome::Imported { roots: all })
}

pub fn fetch(ctx: &mut Ctx, path: &IpfsPath, fetch: &FetchOptions) -> Result<Outcome> {
    let store = ctx.store()?;
    // What is fetched is not pinned: keep gc off it until it is counted.
    let _hold = store.hold_gc();
    let mut net = Net::new(fetch);
    let cid = net.resolve(ctx, &store, path)?;
    net.dag(ctx, &store, &cid)?;
    let (blocks, bytes) = count(&store, &cid)?;
    Ok(Outcome::Fetched { cid, blocks, bytes })
}

/// Explores what the store holds under `path`, which resolves through stored nodes only.
pub fn explore(ctx: &mut Ctx, path: &IpfsPath) -> Result<Outcome> {
    let store = ctx.store()?;
    let cid = Net::offline().resolve(ctx, &store, path)?;
    Ok(Outcome::Explored(super::explore::explore(&store, cid)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_temporary_file_sits_beside_the_target() {
        assert_eq!(temp_beside(Path::new("/a/b.car")), Path::new("/a/b.car.tmp"));
        assert_eq!(temp_beside(Path::new("out")), Path::new("out.tmp"));
    }
}
