//! `add`: import files and directories as UnixFS, store (unless only hashing) and pin their roots.
//!
//! Every path is checked before anything is written; an import that fails or is cancelled midway is aborted
//! (see [`super::import`]), so nothing half-written stays in the store.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use cid::Cid;

use super::import::{Pin, import_into};
use super::request::{AddRequest, AddSource};
use super::stream::CancelRead;
use super::{Ctx, OpEvent, Outcome};
use crate::node::dag::importer::{self, DirOptions, Imported};
use crate::node::dag::profile::{ImportFlags, ImportOptions};
use crate::node::dag::{BlockSink, NullSink};

/// What to import for one source, checked.
enum Source {
    Stdin,
    File(PathBuf, u64),
    Dir(PathBuf),
}

pub fn run(ctx: &mut Ctx, add: AddRequest) -> Result<Outcome> {
    let l = &add.layout;
    let opts = ImportOptions::resolve_flags(&ImportFlags {
        profile: l.profile.as_deref(),
        cid_version: l.cid_version,
        raw_leaves: l.raw_leaves,
        chunker: l.chunker.as_deref(),
        hash: l.hash.as_deref(),
        trickle: l.trickle,
    })?;
    let sources = check_sources(ctx, &add)?;
    let total: u64 = sources.iter().map(|s| if let Source::File(_, n) = s { *n } else { 0 }).sum();
    ctx.report(OpEvent::Total { bytes: total });
    if add.only_hash {
        let roots = import_all(ctx, &sources, &opts, &mut NullSink::default(), &add)?;
        return Ok(Outcome::Added { roots });
    }
    let store = ctx.store()?;
    let pin = if add.pin { Pin::Roots } else { Pin::No };
    let cancel = ctx.cancel.clone();
    let mut warnings = Vec::new();
    let roots = import_into(&store, pin, &cancel, &mut |w| warnings.push(w), |sink| {
        import_all(ctx, &sources, &opts, sink, &add)
    });
    for message in warnings {
        ctx.report(OpEvent::Warning { message });
    }
    let roots = roots?;
    super::routing::announce(ctx, &roots, pin == Pin::Roots);
    Ok(Outcome::Added { roots })
}

/// Refuses unreadable paths and directories without `recursive` before any block is written.
fn check_sources(ctx: &Ctx, add: &AddRequest) -> Result<Vec<Source>> {
    let mut sources = Vec::new();
    for source in &add.sources {
        let given = match source {
            AddSource::Stdin => {
                sources.push(Source::Stdin);
                continue;
            }
            AddSource::Path(p) => p,
        };
        let path = ctx.path(given);
        let meta = std::fs::metadata(&path).with_context(|| format!("cannot read {}", given.display()))?;
        if meta.is_dir() {
            if !add.recursive {
                bail!("{} is a directory (use -r to add it recursively)", given.display());
            }
            importer::check_dir(&path, &DirOptions { hidden: add.hidden })
                .with_context(|| format!("cannot read {}", given.display()))?;
            sources.push(Source::Dir(path));
        } else {
            std::fs::File::open(&path).with_context(|| format!("cannot read {}", given.display()))?;
            sources.push(Source::File(path, meta.len()));
        }
    }
    Ok(sources)
}

/// Imports every source; returns the roots (with `wrap`, the one directory that holds them all).
fn import_all(
    ctx: &mut Ctx,
    sources: &[Source],
    opts: &ImportOptions,
    sink: &mut dyn BlockSink,
    add: &AddRequest,
) -> Result<Vec<Cid>> {
    let entries = import_each(ctx, sources, opts, sink, add)?;
    if !add.wrap {
        return Ok(entries.into_iter().map(|(_, imported)| imported.cid).collect());
    }
    let wrapper = importer::wrap_in_directory(&entries, opts, sink).context("wrapping in a directory")?;
    report_added(ctx, String::new(), &wrapper);
    Ok(vec![wrapper.cid])
}

/// Imports every source; returns each one's name (as `-w` links it) and what it became.
fn import_each(
    ctx: &mut Ctx,
    sources: &[Source],
    opts: &ImportOptions,
    sink: &mut dyn BlockSink,
    add: &AddRequest,
) -> Result<Vec<(String, Imported)>> {
    let mut roots = Vec::new();
    let mut done_before = 0u64;
    let cancel = ctx.cancel.clone();
    for source in sources {
        match source {
            Source::Stdin => {
                let input = CancelRead { inner: &mut *ctx.input, cancel: &cancel };
                let imported = import_reader(input, opts, sink, ctx.events, 0).context("reading stdin")?;
                // Kubo names stdin by its CID, also inside a `-w` wrapper.
                let name = imported.cid.to_string();
                report_added(ctx, name.clone(), &imported);
                roots.push((name, imported));
            }
            Source::File(path, len) => {
                let file = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
                let input = CancelRead { inner: file, cancel: &cancel };
                let imported = import_reader(input, opts, sink, ctx.events, done_before)
                    .with_context(|| format!("adding {}", path.display()))?;
                done_before += len;
                report_added(ctx, display_name(path), &imported);
                roots.push((display_name(path), imported));
            }
            Source::Dir(path) => {
                let events = &mut *ctx.events;
                let mut read = done_before;
                let mut on_entry = |rel: &str, imported: &Imported| {
                    read += imported.file_size;
                    events(OpEvent::Read { bytes: read });
                    events(OpEvent::Added { name: rel.to_string(), cid: imported.cid, size: imported.file_size });
                };
                let mut sink = CancelSink { inner: sink, cancel: &cancel };
                let imported =
                    importer::import_dir(path, opts, &DirOptions { hidden: add.hidden }, &mut sink, &mut on_entry)
                        .with_context(|| format!("adding {}", path.display()))?;
                roots.push((display_name(path), imported));
            }
        }
        ctx.check_cancelled()?;
    }
    Ok(roots)
}

fn import_reader(
    reader: impl Read,
    opts: &ImportOptions,
    sink: &mut dyn BlockSink,
    events: &mut dyn FnMut(OpEvent),
    done_before: u64,
) -> Result<Imported> {
    Ok(importer::import_file(reader, opts, sink, &mut |read| events(OpEvent::Read { bytes: done_before + read }))?)
}

fn report_added(ctx: &mut Ctx, name: String, imported: &Imported) {
    ctx.report(OpEvent::Added { name, cid: imported.cid, size: imported.file_size });
}

fn display_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// A sink that refuses blocks once the command is cancelled: a directory import stops at its next block.
struct CancelSink<'a> {
    inner: &'a mut dyn BlockSink,
    cancel: &'a tokio_util::sync::CancellationToken,
}

impl BlockSink for CancelSink<'_> {
    fn put(&mut self, block: crate::node::block::Block) -> Result<(), crate::node::blockstore::StoreError> {
        if self.cancel.is_cancelled() {
            return Err(crate::node::blockstore::StoreError::Io(std::io::Error::other(super::Cancelled)));
        }
        self.inner.put(block)
    }
}
