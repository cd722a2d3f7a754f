//! `add`: import files and directories as UnixFS, store (unless `-n`) and pin their roots.
//!
//! Every path is checked before anything is written; if an import still fails midway, the writer is aborted
//! so that nothing half-written stays in the store.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use cid::Cid;
use serde::Serialize;

use super::Ctx;
use crate::cli::AddArgs;
use crate::node::blockstore::PinKind;
use crate::node::dag::importer::{self, DirOptions, Imported};
use crate::node::dag::profile::ImportOptions;
use crate::node::dag::{BlockSink, NullSink};

/// One line of `add --json`.
#[derive(Debug, Serialize)]
struct AddedEntry<'a> {
    name: &'a str,
    cid: String,
    size: u64,
}

/// What to import for one command-line path.
enum Source {
    Stdin,
    File(PathBuf, u64),
    Dir(PathBuf),
}

pub fn run(ctx: &mut Ctx, args: &AddArgs) -> Result<()> {
    let opts =
        ImportOptions::resolve(args.profile.as_deref(), args.cid_version, args.raw_leaves, args.chunker.as_deref())?;
    let sources = check_sources(ctx, args)?;
    let total: u64 = sources.iter().map(|s| if let Source::File(_, n) = s { *n } else { 0 }).sum();
    let progress = crate::cmd::progress::bytes_bar(total, ctx.progress);

    if args.only_hash {
        let mut sink = NullSink::default();
        let roots = import_all(ctx, &sources, &opts, &mut sink, args, &progress)?;
        progress.finish_and_clear();
        return print_quiet_root(ctx, args, &roots);
    }

    let store = ctx.store()?;
    // Held until the root is pinned: a `repo gc` in between would take the new blocks.
    let _hold = store.hold_gc();
    let mut writer = store.writer();
    let roots = match import_all(ctx, &sources, &opts, &mut writer, args, &progress) {
        Ok(roots) => roots,
        Err(err) => {
            progress.finish_and_clear();
            if let Err(abort_err) = writer.abort() {
                writeln!(ctx.err, "warning: could not remove the partial import: {abort_err}")?;
            }
            return Err(err);
        }
    };
    writer.finish().context("storing blocks")?;
    progress.finish_and_clear();
    if args.pin {
        for root in &roots {
            store.pin_add(root, PinKind::Recursive).with_context(|| format!("pinning {root}"))?;
        }
    }
    print_quiet_root(ctx, args, &roots)
}

fn print_quiet_root(ctx: &mut Ctx, args: &AddArgs, roots: &[Cid]) -> Result<()> {
    if let (true, Some(last)) = (args.quieter, roots.last()) {
        writeln!(ctx.out, "{last}")?;
    }
    Ok(())
}

/// Refuses unreadable paths and directories without `-r` before any block is written.
fn check_sources(ctx: &Ctx, args: &AddArgs) -> Result<Vec<Source>> {
    let mut sources = Vec::new();
    for given in &args.paths {
        if given.as_os_str() == "-" {
            sources.push(Source::Stdin);
            continue;
        }
        let path = ctx.path(given);
        let meta = std::fs::metadata(&path).with_context(|| format!("cannot read {}", given.display()))?;
        if meta.is_dir() {
            if !args.recursive {
                bail!("{} is a directory (use -r to add it recursively)", given.display());
            }
            importer::check_dir(&path, &DirOptions { hidden: args.hidden })
                .with_context(|| format!("cannot read {}", given.display()))?;
            sources.push(Source::Dir(path));
        } else {
            std::fs::File::open(&path).with_context(|| format!("cannot read {}", given.display()))?;
            sources.push(Source::File(path, meta.len()));
        }
    }
    Ok(sources)
}

fn import_all(
    ctx: &mut Ctx,
    sources: &[Source],
    opts: &ImportOptions,
    sink: &mut dyn BlockSink,
    args: &AddArgs,
    progress: &indicatif::ProgressBar,
) -> Result<Vec<Cid>> {
    let mut roots = Vec::new();
    let mut done_before = 0u64;
    for source in sources {
        match source {
            Source::Stdin => {
                let imported =
                    import_reader(&mut ctx.input, opts, sink, progress, done_before).context("reading stdin")?;
                print_added(ctx.out, args, &imported.cid.to_string(), &imported)?;
                roots.push(imported.cid);
            }
            Source::File(path, len) => {
                let file = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
                let imported = import_reader(file, opts, sink, progress, done_before)
                    .with_context(|| format!("adding {}", path.display()))?;
                done_before += len;
                print_added(ctx.out, args, &display_name(path), &imported)?;
                roots.push(imported.cid);
            }
            Source::Dir(path) => {
                let out = &mut ctx.out;
                let mut failed = None;
                let imported = importer::import_dir(
                    path,
                    opts,
                    &DirOptions { hidden: args.hidden },
                    sink,
                    &mut |rel: &str, imported: &Imported| {
                        progress.inc(imported.file_size);
                        if let Err(e) = print_added(*out, args, rel, imported) {
                            failed.get_or_insert(e);
                        }
                    },
                )
                .with_context(|| format!("adding {}", path.display()))?;
                if let Some(e) = failed {
                    return Err(e);
                }
                roots.push(imported.cid);
            }
        }
    }
    Ok(roots)
}

fn import_reader(
    reader: impl Read,
    opts: &ImportOptions,
    sink: &mut dyn BlockSink,
    progress: &indicatif::ProgressBar,
    done_before: u64,
) -> Result<Imported> {
    Ok(importer::import_file(reader, opts, sink, &mut |read| progress.set_position(done_before + read))?)
}

fn display_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

fn print_added(out: &mut dyn Write, args: &AddArgs, name: &str, imported: &Imported) -> Result<()> {
    if args.quieter {
        return Ok(());
    }
    if args.json {
        let entry = AddedEntry { name, cid: imported.cid.to_string(), size: imported.file_size };
        writeln!(out, "{}", serde_json::to_string(&entry)?)?;
    } else {
        writeln!(out, "added {} {}", imported.cid, name)?;
    }
    Ok(())
}
