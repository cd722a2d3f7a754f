//! IPFS paths (`CID`, `CID/a/b`, `/ipfs/CID/a/b`) and their resolution through dag-pb directories and HAMT
//! shards. Resolution loads only the nodes on the path: one block per flat directory, and per sharded directory
//! only the shard nodes on the name's hash path, so that a caller that fetches missing blocks (the CLI with a
//! node) fetches those and nothing else.

use std::fmt;

use bytes::Bytes;
use cid::Cid;
use prost::Message;
use serde::{Deserialize, Serialize};

use super::hamt_writer::{FANOUT, HASH_TYPE, slot};
use super::pb::Node;
use super::unixfs_pb::{Data, DataType};
use crate::node::block::{DAG_PB, RAW};

/// Path segments a path may have at most; deeper ones are refused (a DAG from a stranger could be deep).
pub const MAX_SEGMENTS: usize = 256;
/// HAMT levels followed at most for one name: 64 levels consume 512 bits of hash.
const MAX_HAMT_LEVELS: usize = 64;

/// A root CID and the names below it. Written `/ipfs/CID/a/b` (just `CID` when there are no names); travels as
/// that text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IpfsPath {
    pub root: Cid,
    pub segments: Vec<String>,
}

impl IpfsPath {
    /// The path of a CID alone.
    pub fn cid(root: Cid) -> Self {
        Self { root, segments: Vec::new() }
    }

    /// Whether the path is a bare CID (nothing to resolve).
    pub fn is_cid(&self) -> bool {
        self.segments.is_empty()
    }

    /// Parses `CID`, `CID/a/b`, `/ipfs/CID/a/b` (a trailing '/' and repeated '/' are ignored, as Kubo does). The
    /// error says what is wrong; callers quote the input.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let rest = match text.strip_prefix("/ipfs/") {
            Some(rest) => rest,
            None if text.starts_with("/ipns/") => return Err("IPNS paths are not supported".into()),
            None if text.starts_with('/') => return Err("a path must start with /ipfs/ or a CID".into()),
            None => text,
        };
        let mut parts = rest.split('/').filter(|p| !p.is_empty());
        let first = parts.next().ok_or("a CID is required")?;
        let root = Cid::try_from(first).map_err(|e| e.to_string())?;
        let segments: Vec<String> = parts.map(str::to_string).collect();
        if segments.len() > MAX_SEGMENTS {
            return Err(format!("more than {MAX_SEGMENTS} path segments"));
        }
        Ok(Self { root, segments })
    }
}

impl fmt::Display for IpfsPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.segments.is_empty() {
            return write!(f, "{}", self.root);
        }
        write!(f, "/ipfs/{}", self.root)?;
        for s in &self.segments {
            write!(f, "/{s}")?;
        }
        Ok(())
    }
}

impl From<Cid> for IpfsPath {
    fn from(cid: Cid) -> Self {
        Self::cid(cid)
    }
}

impl Serialize for IpfsPath {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IpfsPath {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Why a path did not resolve. `NoLink` is worded as Kubo words it.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError<E> {
    /// Loading a node failed (missing and not fetched, a store error, a fetch timeout).
    #[error(transparent)]
    Load(E),
    #[error("no link named {name:?} under {cid}")]
    NoLink { name: String, cid: Cid },
    #[error("{cid}: invalid dag-pb: {reason}")]
    Invalid { cid: Cid, reason: String },
    #[error("{cid}: HAMT shard with fanout {fanout} or hash type 0x{hash_type:x} (only fanout 256, murmur3 is read)")]
    UnsupportedHamt { cid: Cid, fanout: u64, hash_type: u64 },
}

/// Follows `path` from its root, loading each node on the way with `load`; returns the CID the path names.
pub fn resolve<E>(path: &IpfsPath, load: &mut dyn FnMut(&Cid) -> Result<Bytes, E>) -> Result<Cid, ResolveError<E>> {
    let mut here = path.root;
    for name in &path.segments {
        here = child(here, name, load)?;
    }
    Ok(here)
}

/// The entry `name` of the directory (flat or sharded) `dir`.
fn child<E>(dir: Cid, name: &str, load: &mut dyn FnMut(&Cid) -> Result<Bytes, E>) -> Result<Cid, ResolveError<E>> {
    let no_link = || ResolveError::NoLink { name: name.to_string(), cid: dir };
    if dir.codec() == RAW {
        return Err(no_link());
    }
    if dir.codec() != DAG_PB {
        return Err(no_link());
    }
    let (node, data) = decode(&dir, load(&dir).map_err(ResolveError::Load)?)?;
    let Some(data) = data.filter(|d| DataType::try_from(d.r#type).ok() == Some(DataType::HamtShard)) else {
        // Plain dag-pb and UnixFS directories (and files: their links have no names) resolve by link name.
        return node.links.into_iter().find(|l| l.name == name).map(|l| l.cid).ok_or_else(no_link);
    };
    let mut shard = (dir, node, data);
    for level in 0..MAX_HAMT_LEVELS {
        let (cid, node, data) = &shard;
        let (fanout, hash_type) = (data.fanout.unwrap_or(0), data.hash_type.unwrap_or(0));
        if fanout != FANOUT as u64 || hash_type != HASH_TYPE {
            return Err(ResolveError::UnsupportedHamt { cid: *cid, fanout, hash_type });
        }
        let prefix = format!("{:02X}", slot(name.as_bytes(), level));
        let Some(link) = node.links.iter().find(|l| l.name.starts_with(&prefix)) else { return Err(no_link()) };
        if link.name.len() > 2 {
            // A slot holds one entry, or a sub-shard: another name in this slot means ours is absent.
            return if &link.name[2..] == name { Ok(link.cid) } else { Err(no_link()) };
        }
        let sub = link.cid;
        let (sub_node, sub_data) = decode(&sub, load(&sub).map_err(ResolveError::Load)?)?;
        match sub_data {
            Some(d) if DataType::try_from(d.r#type).ok() == Some(DataType::HamtShard) => shard = (sub, sub_node, d),
            _ => return Err(ResolveError::Invalid { cid: sub, reason: "a sub-shard link to a non-shard".into() }),
        }
    }
    Err(no_link())
}

fn decode<E>(cid: &Cid, block: Bytes) -> Result<(Node, Option<Data>), ResolveError<E>> {
    let node = Node::decode(block).map_err(|e| ResolveError::Invalid { cid: *cid, reason: e.to_string() })?;
    let data = node.data.as_ref().and_then(|d| Data::decode(&d[..]).ok());
    Ok((node, data))
}

#[cfg(test)]
#[path = "resolver_tests.rs"]
mod tests;
