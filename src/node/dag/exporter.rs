//! UnixFS export: `cat` a file, `ls` a directory (flat or HAMT-sharded) or a file's chunks, `get` a whole tree.
//!
//! DAGs come from anyone (a CAR file, a peer), so nothing here trusts them: depth is bounded, names are checked
//! (unsafe or repeated names are refused) before they touch the filesystem, `get` writes through directory
//! descriptors without following symlinks (`out_dir`), and malformed nodes are errors, never panics.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use cid::Cid;
use prost::Message;

use super::out_dir::OutDir;
use super::pb::{Node, PbError};
use super::store::BlockSource;
use super::unixfs_pb::{Data, DataType};
use crate::node::block::{DAG_PB, RAW};
use crate::node::blockstore::StoreError;

/// Deeper DAGs are refused: a balanced file of 1024-link nodes needs depth 4 for 1 PiB.
pub const MAX_DEPTH: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{cid}: {source}")]
    Pb { cid: Cid, source: PbError },
    #[error("{0} is not a UnixFS node (no or invalid Data)")]
    NotUnixfs(Cid),
    #[error("{0} is a directory (use ls or get)")]
    IsDirectory(Cid),
    #[error("{0} is not a file")]
    NotAFile(Cid),
    #[error("{cid} has codec 0x{codec:x}, which is not UnixFS (dag-pb or raw)")]
    Codec { cid: Cid, codec: u64 },
    #[error("DAG under {0} is deeper than {MAX_DEPTH} levels")]
    TooDeep(Cid),
    #[error("unsafe entry name {name:?} in directory {dir} (refused)")]
    BadName { dir: Cid, name: String },
    #[error("directory {dir} has more than one entry named {name:?} (refused)")]
    DuplicateName { dir: Cid, name: String },
    #[error("symlink {0} has an empty target or one with a NUL byte (refused)")]
    BadSymlink(Cid),
    /// `get` creates its output and never overwrites or merges.
    #[error("{} already exists: get only creates new files and directories (remove it or choose another output path)", .0.display())]
    Exists(PathBuf),
    #[error("writing {}: {source}", path.display())]
    Output { path: PathBuf, source: std::io::Error },
    /// A `get` failed after creating its output; `removed` says whether what it wrote was taken back.
    #[error("{error}; {}", aftermath(dest, removed))]
    Aborted { error: Box<ExportError>, dest: PathBuf, removed: Result<(), String> },
    /// Writing `cat`'s output failed.
    #[error("writing output: {0}")]
    Io(#[from] std::io::Error),
}

fn aftermath(dest: &Path, removed: &Result<(), String>) -> String {
    match removed {
        Ok(()) => format!("removed the partial output {}", dest.display()),
        Err(e) => format!("partial output left at {} (removing it failed: {e})", dest.display()),
    }
}

/// What a UnixFS node is (`ls --json` prints it, also through a daemon).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    File,
    Directory,
    HamtShard,
    Symlink,
    Raw,
    Metadata,
    /// The block is not in the store, so its kind is unknown.
    Missing,
}

impl Kind {
    /// A directory, flat or sharded: what `ls` and the TUI descend into.
    pub fn is_dir(self) -> bool {
        matches!(self, Kind::Directory | Kind::HamtShard)
    }
}

/// One `ls` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub cid: Cid,
    /// File bytes for files and raw blocks; the link's tsize otherwise.
    pub size: u64,
    pub kind: Kind,
}

/// A decoded UnixFS node (or a raw block, which is file content).
enum Decoded {
    Raw(Bytes),
    Pb { node: Node, data: Data },
}

fn decode(cid: &Cid, block: Bytes) -> Result<Decoded, ExportError> {
    match cid.codec() {
        RAW => Ok(Decoded::Raw(block)),
        DAG_PB => {
            let node = Node::decode(block).map_err(|source| ExportError::Pb { cid: *cid, source })?;
            let data =
                node.data.as_ref().and_then(|d| Data::decode(&d[..]).ok()).ok_or(ExportError::NotUnixfs(*cid))?;
            Ok(Decoded::Pb { node, data })
        }
        codec => Err(ExportError::Codec { cid: *cid, codec }),
    }
}

fn load(source: &dyn BlockSource, cid: &Cid) -> Result<Decoded, ExportError> {
    decode(cid, source.require(cid)?)
}

fn kind_of(data: &Data) -> Kind {
    match DataType::try_from(data.r#type) {
        Ok(DataType::File) => Kind::File,
        Ok(DataType::Raw) => Kind::Raw,
        Ok(DataType::Directory) => Kind::Directory,
        Ok(DataType::HamtShard) => Kind::HamtShard,
        Ok(DataType::Symlink) => Kind::Symlink,
        Ok(DataType::Metadata) | Err(_) => Kind::Metadata,
    }
}

/// Streams a file's bytes to `out`, depth first. Returns the number of bytes written.
pub fn cat(source: &dyn BlockSource, cid: &Cid, out: &mut dyn Write) -> Result<u64, ExportError> {
    let mut written = 0u64;
    let mut stack = vec![(*cid, 0usize)];
    while let Some((next, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(ExportError::TooDeep(*cid));
        }
        match load(source, &next)? {
            Decoded::Raw(bytes) => {
                out.write_all(&bytes)?;
                written += bytes.len() as u64;
            }
            Decoded::Pb { node, data } => {
                match kind_of(&data) {
                    Kind::File | Kind::Raw => {}
                    Kind::Directory | Kind::HamtShard => {
                        return Err(ExportError::IsDirectory(next));
                    }
                    _ => return Err(ExportError::NotAFile(next)),
                }
                if let Some(bytes) = &data.data {
                    out.write_all(bytes)?;
                    written += bytes.len() as u64;
                }
                stack.extend(node.links.iter().rev().map(|l| (l.cid, depth + 1)));
            }
        }
    }
    Ok(written)
}

/// Streams the bytes `offset..offset + length` of a file (to its end without `length`) to `out`, loading only
/// the blocks that hold them: a subtree is skipped by the sizes its parent records (UnixFS `blocksizes`).
/// Returns the number of bytes written.
pub fn cat_range(
    source: &dyn BlockSource,
    cid: &Cid,
    offset: u64,
    length: Option<u64>,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    let end = length.map_or(u64::MAX, |l| offset.saturating_add(l));
    let mut written = 0u64;
    let mut pos = 0u64;
    let mut emit = |bytes: &[u8], pos: &mut u64, out: &mut dyn Write| -> Result<(), ExportError> {
        let (from, to) = (*pos, *pos + bytes.len() as u64);
        *pos = to;
        let (a, b) = (from.max(offset), to.min(end));
        if a < b {
            out.write_all(&bytes[(a - from) as usize..(b - from) as usize])?;
            written += b - a;
        }
        Ok(())
    };
    // (node, depth, its content size when the parent recorded it)
    let mut stack = vec![(*cid, 0usize, None::<u64>)];
    while let Some((next, depth, size)) = stack.pop() {
        if pos >= end {
            break;
        }
        if let Some(size) = size.filter(|s| pos + s <= offset) {
            pos += size;
            continue;
        }
        if depth > MAX_DEPTH {
            return Err(ExportError::TooDeep(*cid));
        }
        match load(source, &next)? {
            Decoded::Raw(bytes) => emit(&bytes, &mut pos, out)?,
            Decoded::Pb { node, data } => {
                match kind_of(&data) {
                    Kind::File | Kind::Raw => {}
                    Kind::Directory | Kind::HamtShard => return Err(ExportError::IsDirectory(next)),
                    _ => return Err(ExportError::NotAFile(next)),
                }
                if let Some(bytes) = &data.data {
                    emit(bytes, &mut pos, out)?;
                }
                let sizes = (data.blocksizes.len() == node.links.len()).then_some(&data.blocksizes);
                for (i, link) in node.links.iter().enumerate().rev() {
                    stack.push((link.cid, depth + 1, sizes.map(|s| s[i])));
                }
            }
        }
    }
    Ok(written)
}

/// The content size of a file (or the size of a raw block); directories have none.
pub fn file_size(source: &dyn BlockSource, cid: &Cid) -> Result<u64, ExportError> {
    match load(source, cid)? {
        Decoded::Raw(bytes) => Ok(bytes.len() as u64),
        Decoded::Pb { data, .. } => match kind_of(&data) {
            Kind::File | Kind::Raw => Ok(data.filesize.unwrap_or_else(|| {
                data.data.as_ref().map_or(0, |d| d.len() as u64) + data.blocksizes.iter().sum::<u64>()
            })),
            Kind::Directory | Kind::HamtShard => Err(ExportError::IsDirectory(*cid)),
            _ => Err(ExportError::NotAFile(*cid)),
        },
    }
}

/// A directory's entries (a HAMT-sharded one listed flat, with real names), or a file's chunk links.
pub fn ls(source: &dyn BlockSource, cid: &Cid) -> Result<Vec<Entry>, ExportError> {
    ls_split(source, source, cid)
}

/// [`ls`] reading the directory's own nodes (the node, every HAMT shard node) from `nodes` and its entries (for
/// their kind and size) from `entries`: `ls` fetches the first and only looks up the second, as Kubo's does.
pub fn ls_split(nodes: &dyn BlockSource, entries: &dyn BlockSource, cid: &Cid) -> Result<Vec<Entry>, ExportError> {
    let source = entries;
    let (node, data) = match load(nodes, cid)? {
        Decoded::Raw(_) => return Ok(Vec::new()),
        Decoded::Pb { node, data } => (node, data),
    };
    let links = match kind_of(&data) {
        Kind::HamtShard => hamt_links(nodes, cid, node, 0)?,
        _ => node.links.into_iter().map(|l| (l.name, l.cid, l.tsize.unwrap_or(0))).collect(),
    };
    let mut listed = Vec::with_capacity(links.len());
    for (name, child, tsize) in links {
        let (kind, size) = match source.get(&child)? {
            None => (Kind::Missing, tsize),
            Some(block) => match decode(&child, block)? {
                Decoded::Raw(bytes) => (Kind::File, bytes.len() as u64),
                Decoded::Pb { data, .. } => {
                    let kind = kind_of(&data);
                    let size = match kind {
                        Kind::File | Kind::Raw => file_size(source, &child)?,
                        _ => tsize,
                    };
                    (kind, size)
                }
            },
        };
        listed.push(Entry { name, cid: child, size, kind });
    }
    Ok(listed)
}

/// Walks a HAMT shard: link names are a 2-hex-digit bucket prefix, alone for a sub-shard, followed by the entry
/// name otherwise.
fn hamt_links(
    source: &dyn BlockSource,
    root: &Cid,
    node: Node,
    depth: usize,
) -> Result<Vec<(String, Cid, u64)>, ExportError> {
    if depth > MAX_DEPTH {
        return Err(ExportError::TooDeep(*root));
    }
    let mut out = Vec::new();
    for link in node.links {
        if link.name.len() < 2 || !link.name.is_char_boundary(2) {
            return Err(ExportError::BadName { dir: *root, name: link.name });
        }
        if link.name.len() == 2 {
            match load(source, &link.cid)? {
                Decoded::Pb { node, data } if kind_of(&data) == Kind::HamtShard => {
                    out.extend(hamt_links(source, root, node, depth + 1)?);
                }
                _ => return Err(ExportError::NotUnixfs(link.cid)),
            }
        } else {
            out.push((link.name[2..].to_string(), link.cid, link.tsize.unwrap_or(0)));
        }
    }
    Ok(out)
}

/// Refuses names that could escape the output directory.
fn check_name(dir: &Cid, name: &str) -> Result<(), ExportError> {
    if name.is_empty() || name == "." || name == ".." || name.contains('/') || name.contains('\0') {
        return Err(ExportError::BadName { dir: *dir, name: name.to_string() });
    }
    Ok(())
}

/// A directory's entries for writing out: every name safe, and no name twice (after HAMT name decoding). Two
/// entries of one name would make the second write into or over the first, and the first may be a symlink.
fn entries_to_write(source: &dyn BlockSource, dir: &Cid) -> Result<Vec<Entry>, ExportError> {
    let entries = ls(source, dir)?;
    let mut seen = HashSet::with_capacity(entries.len());
    for entry in &entries {
        check_name(dir, &entry.name)?;
        if !seen.insert(entry.name.as_str()) {
            return Err(ExportError::DuplicateName { dir: *dir, name: entry.name.clone() });
        }
    }
    Ok(entries)
}

/// Writes a file, a symlink or a whole directory tree at `dest`, which must not exist yet.
///
/// `get` only creates: it never overwrites a file or merges into an existing directory (Kubo's `ipfs get`
/// does both; with DAGs from strangers, writing only new entries, relative to directory descriptors and without
/// following any symlink, is what keeps the export inside `dest`, see `out_dir`). The path up to `dest`'s parent
/// is the caller's and is resolved as given. If the export fails after `dest` was created, what was written is
/// removed again and the error says so (or says what is left, if removing failed).
/// Returns the file bytes written (every file of a tree).
pub fn get(source: &dyn BlockSource, cid: &Cid, dest: &Path) -> Result<u64, ExportError> {
    let output_error = |e| ExportError::Output { path: dest.to_path_buf(), source: e };
    let Some((parent, name)) = OutDir::parent_of(dest).map_err(output_error)? else {
        return Err(ExportError::Exists(dest.to_path_buf()));
    };
    let mut created = false;
    match write_entry(source, cid, &parent, &name, 0, &mut created) {
        Ok(bytes) => Ok(bytes),
        Err(e) if !created => Err(e),
        Err(e) => {
            let removed = parent.remove(&name).map_err(|e| e.to_string());
            Err(ExportError::Aborted { error: Box::new(e), dest: dest.to_path_buf(), removed })
        }
    }
}

/// Writes the node `cid` as the new entry `name` of `dir`; `created` turns true once the top entry exists.
fn write_entry(
    source: &dyn BlockSource,
    cid: &Cid,
    dir: &OutDir,
    name: &OsStr,
    depth: usize,
    created: &mut bool,
) -> Result<u64, ExportError> {
    if depth > MAX_DEPTH {
        return Err(ExportError::TooDeep(*cid));
    }
    let output_error = |e: std::io::Error| {
        if depth == 0 && e.kind() == std::io::ErrorKind::AlreadyExists {
            ExportError::Exists(dir.path_of(name))
        } else {
            ExportError::Output { path: dir.path_of(name), source: e }
        }
    };
    let kind = match load(source, cid)? {
        Decoded::Raw(_) => Kind::File,
        Decoded::Pb { data, .. } if kind_of(&data) == Kind::Symlink => {
            let target = data.data.unwrap_or_default();
            if target.is_empty() || target.contains(&0) {
                return Err(ExportError::BadSymlink(*cid));
            }
            dir.symlink(name, &target).map_err(output_error)?;
            *created = true;
            return Ok(0);
        }
        Decoded::Pb { data, .. } => kind_of(&data),
    };
    match kind {
        Kind::Directory | Kind::HamtShard => {
            // Checked before anything of this directory is written.
            let entries = entries_to_write(source, cid)?;
            let sub = dir.mkdir(name).map_err(output_error)?;
            *created = true;
            let mut bytes = 0;
            for entry in entries {
                bytes += write_entry(source, &entry.cid, &sub, OsStr::new(&entry.name), depth + 1, created)?;
            }
            Ok(bytes)
        }
        _ => {
            let file = dir.create_file(name).map_err(output_error)?;
            *created = true;
            let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
            let bytes = cat(source, cid, &mut out).map_err(|e| match e {
                ExportError::Io(e) => output_error(e),
                e => e,
            })?;
            out.flush().map_err(output_error)?;
            Ok(bytes)
        }
    }
}

#[cfg(test)]
#[path = "exporter_tests.rs"]
mod tests;
