//! UnixFS export: `cat` a file, `ls` a directory (flat or HAMT-sharded) or a file's chunks, `get` a whole tree.
//!
//! DAGs come from anyone (a CAR file, a peer), so nothing here trusts them: depth is bounded, names are checked
//! before they touch the filesystem, and malformed nodes are errors, never panics.

use std::io::Write;
use std::path::Path;

use bytes::Bytes;
use cid::Cid;
use prost::Message;

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
    #[error("unsafe entry name {0:?} in a directory (refused)")]
    BadName(String),
    #[error("writing output: {0}")]
    Io(#[from] std::io::Error),
}

/// What a UnixFS node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
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
    let (node, data) = match load(source, cid)? {
        Decoded::Raw(_) => return Ok(Vec::new()),
        Decoded::Pb { node, data } => (node, data),
    };
    let links = match kind_of(&data) {
        Kind::HamtShard => hamt_links(source, cid, node, 0)?,
        _ => node.links.into_iter().map(|l| (l.name, l.cid, l.tsize.unwrap_or(0))).collect(),
    };
    let mut entries = Vec::with_capacity(links.len());
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
        entries.push(Entry { name, cid: child, size, kind });
    }
    Ok(entries)
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
            return Err(ExportError::BadName(link.name));
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
fn check_name(name: &str) -> Result<(), ExportError> {
    if name.is_empty() || name == "." || name == ".." || name.contains('/') || name.contains('\0') {
        return Err(ExportError::BadName(name.to_string()));
    }
    Ok(())
}

/// Writes a file, a symlink or a whole directory tree at `dest`.
pub fn get(source: &dyn BlockSource, cid: &Cid, dest: &Path) -> Result<(), ExportError> {
    get_at(source, cid, dest, 0)
}

fn get_at(source: &dyn BlockSource, cid: &Cid, dest: &Path, depth: usize) -> Result<(), ExportError> {
    if depth > MAX_DEPTH {
        return Err(ExportError::TooDeep(*cid));
    }
    let kind = match load(source, cid)? {
        Decoded::Raw(_) => Kind::File,
        Decoded::Pb { data, .. } if kind_of(&data) == Kind::Symlink => {
            let target = String::from_utf8_lossy(data.data.as_deref().unwrap_or_default()).into_owned();
            std::os::unix::fs::symlink(target, dest)?;
            return Ok(());
        }
        Decoded::Pb { data, .. } => kind_of(&data),
    };
    match kind {
        Kind::Directory | Kind::HamtShard => {
            std::fs::create_dir_all(dest)?;
            for entry in ls(source, cid)? {
                check_name(&entry.name)?;
                get_at(source, &entry.cid, &dest.join(&entry.name), depth + 1)?;
            }
            Ok(())
        }
        _ => {
            let mut file = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(dest)?);
            cat(source, cid, &mut file)?;
            file.flush()?;
            Ok(())
        }
    }
}

#[cfg(test)]
#[path = "exporter_tests.rs"]
mod tests;
