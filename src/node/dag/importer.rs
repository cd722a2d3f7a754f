//! UnixFS import: files in the balanced or trickle layout, and directory trees (flat or HAMT-sharded, see
//! `dir_builder.rs`), producing the same CIDs as Helia's `ipfs-unixfs-importer` (and so as Kubo with Kubo's
//! options).
//!
//! Balanced layout, as `layout/balanced.ts` does it: leaves are grouped in runs of `max_links` into parents, those
//! parents again, level by level, until one node is left. Here each level keeps only its unfinished group, and a
//! parent is built the moment its group is full, so memory is O(depth × max_links) whatever the file size, and
//! blocks reach the sink bottom-up as soon as they exist.

use std::io::Read;
use std::path::Path;

use bytes::Bytes;
use cid::Cid;
use prost::Message;

use super::chunker::{Chunks, chunker_for};
use super::dir_builder::DirBuilder;
use super::pb::{Link, Node};
use super::profile::{ImportOptions, Layout};
use super::store::BlockSink;
use super::unixfs_pb::{Data, DataType};
use crate::node::block::{Block, BlockError, DAG_PB, RAW};
use crate::node::blockstore::StoreError;

/// What an import produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Imported {
    pub cid: Cid,
    /// Bytes of file content under this node (0 for directories).
    pub file_size: u64,
    /// Cumulative DAG size: this block's length plus its links' tsizes (the `Tsize` a parent link carries).
    pub tsize: u64,
    /// A directory with at least one entry (Helia leaves those out of a parent's sharding estimate).
    pub has_entries: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Block(#[from] BlockError),
    #[error("file name {0:?} is not valid UTF-8 (UnixFS names are strings)")]
    BadName(std::ffi::OsString),
    #[error("{0} is neither a file, a directory nor a symlink")]
    Unsupported(String),
    #[error("two entries named {0:?} in one directory")]
    DuplicateName(String),
}

/// A finished child awaiting its parent.
#[derive(Clone, Copy, Debug)]
pub(super) struct Child {
    cid: Cid,
    file_size: u64,
    tsize: u64,
    /// Whether the child carries no content (an empty leaf): Helia leaves such links out of parents.
    empty: bool,
}

/// Builds the balanced tree of one file incrementally.
struct Balanced<'a> {
    opts: &'a ImportOptions,
    /// `levels[k]`: nodes of level k not yet grouped into a parent; `counts[k]`: nodes ever made at level k.
    levels: Vec<Vec<Child>>,
    counts: Vec<u64>,
}

impl<'a> Balanced<'a> {
    fn new(opts: &'a ImportOptions) -> Self {
        Self { opts, levels: vec![Vec::new()], counts: vec![0] }
    }

    fn push(&mut self, level: usize, child: Child, sink: &mut dyn BlockSink) -> Result<(), ImportError> {
        if self.levels.len() <= level {
            self.levels.push(Vec::new());
            self.counts.push(0);
        }
        self.levels[level].push(child);
        self.counts[level] += 1;
        if self.levels[level].len() == self.opts.max_links.max(2) {
            let group = std::mem::take(&mut self.levels[level]);
            let parent = file_parent(&group, self.opts, sink)?;
            self.push(level + 1, parent, sink)?;
        }
        Ok(())
    }

    /// Reduces the unfinished groups, lowest level first, until one node remains.
    fn finish(mut self, sink: &mut dyn BlockSink) -> Result<Child, ImportError> {
        let mut level = 0;
        loop {
            let higher = self.counts.iter().skip(level + 1).any(|&c| c > 0);
            if self.counts[level] == 1 && !higher {
                let only = self.levels[level][0];
                if level == 0 && !self.opts.reduce_single_leaf {
                    return file_parent(&[only], self.opts, sink);
                }
                return Ok(only);
            }
            let group = std::mem::take(&mut self.levels[level]);
            if !group.is_empty() {
                let parent = file_parent(&group, self.opts, sink)?;
                if self.levels.len() <= level + 1 {
                    self.levels.push(Vec::new());
                    self.counts.push(0);
                }
                self.levels[level + 1].push(parent);
                self.counts[level + 1] += 1;
            }
            level += 1;
        }
    }
}

fn dag_pb_block(node: &Node, opts: &ImportOptions) -> Result<Block, BlockError> {
    Block::from_data(opts.cid_version, DAG_PB, opts.hash, node.encode())
}

/// The leaves of one file, made on demand from its chunks (the trickle layout needs to look one ahead).
pub(super) struct Leaves<'r, 'p> {
    chunks: Box<dyn Chunks + 'r>,
    next: Option<Child>,
    done: bool,
    read: u64,
    progress: &'p mut dyn FnMut(u64),
}

impl Leaves<'_, '_> {
    /// Whether every leaf has been taken.
    pub(super) fn is_done(&mut self, opts: &ImportOptions, sink: &mut dyn BlockSink) -> Result<bool, ImportError> {
        if self.next.is_none() && !self.done {
            match self.chunks.next_chunk()? {
                Some(chunk) => {
                    self.read += chunk.len() as u64;
                    self.next = Some(leaf(chunk, opts, sink)?);
                    (self.progress)(self.read);
                }
                None => self.done = true,
            }
        }
        Ok(self.next.is_none())
    }

    pub(super) fn next(
        &mut self,
        opts: &ImportOptions,
        sink: &mut dyn BlockSink,
    ) -> Result<Option<Child>, ImportError> {
        self.is_done(opts, sink)?;
        Ok(self.next.take())
    }

    /// Up to `n` leaves.
    pub(super) fn layer(
        &mut self,
        n: usize,
        opts: &ImportOptions,
        sink: &mut dyn BlockSink,
    ) -> Result<Vec<Child>, ImportError> {
        let mut out = Vec::new();
        while out.len() < n {
            match self.next(opts, sink)? {
                Some(leaf) => out.push(leaf),
                None => break,
            }
        }
        Ok(out)
    }
}

fn leaf(chunk: Vec<u8>, opts: &ImportOptions, sink: &mut dyn BlockSink) -> Result<Child, ImportError> {
    let file_size = chunk.len() as u64;
    let block = if opts.raw_leaves {
        // Raw leaves are CIDv1 even in a CIDv0 import, as in Helia and Kubo.
        Block::from_data(cid::Version::V1, RAW, opts.hash, chunk)?
    } else {
        let data = Data {
            r#type: DataType::File as i32,
            data: (!chunk.is_empty()).then_some(chunk),
            filesize: Some(file_size),
            ..Default::default()
        };
        dag_pb_block(&Node { data: Some(Bytes::from(data.encode_to_vec())), links: vec![] }, opts)?
    };
    let child = Child { cid: *block.cid(), file_size, tsize: block.len() as u64, empty: file_size == 0 };
    sink.put(block)?;
    Ok(child)
}

pub(super) fn file_parent(
    children: &[Child],
    opts: &ImportOptions,
    sink: &mut dyn BlockSink,
) -> Result<Child, ImportError> {
    let kept: Vec<&Child> = children.iter().filter(|c| !c.empty).collect();
    let data = Data {
        r#type: DataType::File as i32,
        filesize: Some(kept.iter().map(|c| c.file_size).sum()),
        blocksizes: kept.iter().map(|c| c.file_size).collect(),
        ..Default::default()
    };
    let links: Vec<Link> =
        kept.iter().map(|c| Link { cid: c.cid, name: String::new(), tsize: Some(c.tsize) }).collect();
    let links_tsize: u64 = kept.iter().map(|c| c.tsize).sum();
    let file_size = data.filesize.unwrap_or(0);
    let block = dag_pb_block(&Node { data: Some(Bytes::from(data.encode_to_vec())), links }, opts)?;
    let child = Child { cid: *block.cid(), file_size, tsize: block.len() as u64 + links_tsize, empty: false };
    sink.put(block)?;
    Ok(child)
}

/// Imports one file's bytes, streaming. `progress` gets the bytes read so far after every chunk.
pub fn import_file(
    reader: impl Read,
    opts: &ImportOptions,
    sink: &mut dyn BlockSink,
    progress: &mut dyn FnMut(u64),
) -> Result<Imported, ImportError> {
    let mut leaves = Leaves { chunks: chunker_for(reader, opts), next: None, done: false, read: 0, progress };
    let root = match opts.layout {
        Layout::Balanced => {
            let mut tree = Balanced::new(opts);
            while let Some(child) = leaves.next(opts, sink)? {
                tree.push(0, child, sink)?;
            }
            tree.finish(sink)?
        }
        Layout::Trickle => super::trickle::build(&mut leaves, opts, sink)?,
    };
    Ok(Imported { cid: root.cid, file_size: root.file_size, tsize: root.tsize, has_entries: false })
}

/// Options of a directory import beyond the file layout.
#[derive(Clone, Copy, Debug, Default)]
pub struct DirOptions {
    /// Include names starting with '.' (Kubo's `--hidden`); off by default, as in Kubo.
    pub hidden: bool,
}

/// Checks, before anything is written, that every entry under `dir` can be read.
pub fn check_dir(dir: &Path, dir_opts: &DirOptions) -> Result<(), ImportError> {
    for entry in sorted_entries(dir, dir_opts)? {
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            check_dir(&path, dir_opts)?;
        } else if kind.is_file() {
            std::fs::File::open(&path).map_err(|e| io_at(&path, e))?;
        } else if kind.is_symlink() {
            std::fs::read_link(&path).map_err(|e| io_at(&path, e))?;
        } else {
            return Err(ImportError::Unsupported(path.display().to_string()));
        }
    }
    Ok(())
}

fn io_at(path: &Path, e: std::io::Error) -> ImportError {
    ImportError::Io(std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))
}

fn sorted_entries(dir: &Path, dir_opts: &DirOptions) -> Result<Vec<std::fs::DirEntry>, ImportError> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io_at(dir, e))? {
        let entry = entry.map_err(|e| io_at(dir, e))?;
        let name = entry.file_name();
        if name.to_str().is_none() {
            return Err(ImportError::BadName(name));
        }
        if !dir_opts.hidden && name.to_string_lossy().starts_with('.') {
            continue;
        }
        entries.push(entry);
    }
    // dag-pb links are sorted by name bytes (@ipld/dag-pb `prepare`, go-merkledag).
    entries.sort_by_key(|e| e.file_name());
    Ok(entries)
}

/// Imports a directory tree as UnixFS directories. `on_entry(relative path, result)` is called for every file,
/// symlink and directory, children before their directory, the root last with the directory's own name.
pub fn import_dir(
    dir: &Path,
    opts: &ImportOptions,
    dir_opts: &DirOptions,
    sink: &mut dyn BlockSink,
    on_entry: &mut dyn FnMut(&str, &Imported),
) -> Result<Imported, ImportError> {
    let name = dir.file_name().map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into_owned());
    import_dir_at(dir, &name, opts, dir_opts, sink, on_entry)
}

fn import_dir_at(
    dir: &Path,
    rel: &str,
    opts: &ImportOptions,
    dir_opts: &DirOptions,
    sink: &mut dyn BlockSink,
    on_entry: &mut dyn FnMut(&str, &Imported),
) -> Result<Imported, ImportError> {
    let mut builder = DirBuilder::new(opts);
    for entry in sorted_entries(dir, dir_opts)? {
        let path = entry.path();
        let name = entry.file_name().into_string().map_err(ImportError::BadName)?;
        let child_rel = format!("{rel}/{name}");
        let kind = entry.file_type()?;
        let imported = if kind.is_dir() {
            import_dir_at(&path, &child_rel, opts, dir_opts, sink, on_entry)?
        } else if kind.is_file() {
            let file = std::fs::File::open(&path).map_err(|e| io_at(&path, e))?;
            let imported = import_file(file, opts, sink, &mut |_| {})?;
            on_entry(&child_rel, &imported);
            imported
        } else if kind.is_symlink() {
            let imported = import_symlink(&path, opts, sink)?;
            on_entry(&child_rel, &imported);
            imported
        } else {
            return Err(ImportError::Unsupported(path.display().to_string()));
        };
        builder.add(name, &imported)?;
    }
    let imported = builder.finish(sink)?;
    on_entry(rel, &imported);
    Ok(imported)
}

/// Wraps imported entries in one directory, as Kubo's `add -w` and Helia's `wrapWithDirectory` do: the entries
/// keep their CIDs and the wrapper is flat or sharded by the same rule as any directory. Names must be distinct.
pub fn wrap_in_directory(
    entries: &[(String, Imported)],
    opts: &ImportOptions,
    sink: &mut dyn BlockSink,
) -> Result<Imported, ImportError> {
    let mut builder = DirBuilder::new(opts);
    for (name, imported) in entries {
        builder.add(name.clone(), imported)?;
    }
    builder.finish(sink)
}

/// A flat UnixFS directory node over already sorted links.
pub fn directory_node(
    links: Vec<Link>,
    opts: &ImportOptions,
    sink: &mut dyn BlockSink,
) -> Result<Imported, ImportError> {
    let data = Data { r#type: DataType::Directory as i32, ..Default::default() };
    let links_tsize: u64 = links.iter().filter_map(|l| l.tsize).sum();
    let has_entries = !links.is_empty();
    let block = dag_pb_block(&Node { data: Some(Bytes::from(data.encode_to_vec())), links }, opts)?;
    let imported = Imported { cid: *block.cid(), file_size: 0, tsize: block.len() as u64 + links_tsize, has_entries };
    sink.put(block)?;
    Ok(imported)
}

/// A symlink as UnixFS stores it (Kubo's `add -r` does the same): a Symlink node whose data is the target.
fn import_symlink(path: &Path, opts: &ImportOptions, sink: &mut dyn BlockSink) -> Result<Imported, ImportError> {
    let target = std::fs::read_link(path).map_err(|e| io_at(path, e))?;
    let target = target.into_os_string().into_string().map_err(ImportError::BadName)?;
    let data = Data { r#type: DataType::Symlink as i32, data: Some(target.into_bytes()), ..Default::default() };
    let block = dag_pb_block(&Node { data: Some(Bytes::from(data.encode_to_vec())), links: vec![] }, opts)?;
    let imported = Imported { cid: *block.cid(), file_size: 0, tsize: block.len() as u64, has_entries: false };
    sink.put(block)?;
    Ok(imported)
}

#[cfg(test)]
#[path = "importer_tests.rs"]
pub(crate) mod tests;
