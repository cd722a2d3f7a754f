//! Import profiles: which CIDs `add` produces. Named as Kubo names them, with Kubo's override flags.
//!
//! The three profiles differ in one thing beyond the file layout: how a directory's size is estimated against the
//! 256 KiB threshold above which it becomes a HAMT shard. `ipfs-unixfs-importer` 17 (Helia) and Kubo give the
//! profile `unixfs-v1-2025` the exact block size and the legacy profile the sum of link name and CID bytes;
//! `@helia/unixfs` 8 called without a profile also sums link bytes, so `helia` is its own profile.

use super::rabin::RabinParams;
use crate::node::block::{self, BLAKE2B_256, BLAKE3, SHA2_256, SHA2_512, SHA3_256};

/// The default profile: the `unixfs-v1-2025` profile of Kubo and `ipfs-unixfs-importer` (Helia).
pub const DEFAULT_PROFILE: &str = "unixfs-v1-2025";
/// Kubo's `ipfs add` defaults.
pub const LEGACY_PROFILE: &str = "legacy-cid-v0";
/// What `@helia/unixfs` 8's `addAll` gives without options.
pub const HELIA_PROFILE: &str = "helia";
/// Chunks above this are refused: Bitswap peers accept blocks up to 2 MiB.
pub const MAX_CHUNK: usize = 2 * 1024 * 1024;
/// Kubo's and Helia's HAMT threshold: a directory estimated above this many bytes is sharded.
pub const SHARD_THRESHOLD: u64 = 262_144;
/// Kubo's rabin default average chunk size (`--chunker rabin`).
pub const RABIN_DEFAULT_AVG: usize = 262_144;

/// The file layout: how chunks become a tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Leaves grouped `max_links` at a time, level by level (the default everywhere).
    Balanced,
    /// Kubo's `--trickle`: layers of leaves with ever deeper subtrees after them, suited to appending and streaming.
    Trickle,
}

/// How a flat directory's size is estimated against the sharding threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SizeEstimate {
    /// The sum over links of name bytes plus CID bytes (Kubo's legacy estimate, `links-bytes` in Helia).
    LinkBytes,
    /// The exact size of the encoded dag-pb block (`block-bytes` in Helia, the `unixfs-v1-2025` profile).
    BlockBytes,
}

/// How a file becomes a DAG.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImportOptions {
    pub cid_version: cid::Version,
    /// Leaves as raw blocks (true) or as dag-pb UnixFS File nodes (false).
    pub raw_leaves: bool,
    /// Fixed chunk size; unused when `rabin` is set.
    pub chunk_size: usize,
    /// Content-defined chunking (`--chunker rabin…`) instead of fixed-size chunks.
    pub rabin: Option<RabinParams>,
    /// Links per parent node (both layouts).
    pub max_links: usize,
    pub layout: Layout,
    /// Multihash of every block.
    pub hash: u64,
    /// A file of one chunk is that chunk's leaf itself, not a parent with one link (both Kubo and Helia do this).
    pub reduce_single_leaf: bool,
    /// A directory whose estimated size goes above this many bytes is written as a HAMT shard.
    pub shard_threshold: u64,
    pub shard_estimate: SizeEstimate,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProfileError {
    #[error("unknown profile {0:?} (use unixfs-v1-2025, legacy-cid-v0, kubo or helia)")]
    UnknownProfile(String),
    #[error(
        "unsupported chunker {0:?} (use size-N, N from 1 to {MAX_CHUNK}, rabin, rabin-AVG or rabin-MIN-AVG-MAX with \
         16 <= MIN <= AVG <= MAX <= {MAX_CHUNK})"
    )]
    BadChunker(String),
    #[error("unsupported CID version {0} (use 0 or 1)")]
    BadCidVersion(u8),
    #[error("CIDv0 cannot have raw leaves (use --cid-version 1)")]
    RawLeavesNeedV1,
    #[error("unsupported hash {0:?} (use sha2-256, sha2-512, sha3-256, blake2b-256 or blake3)")]
    BadHash(String),
    #[error("CIDv0 only supports sha2-256 (use --cid-version 1 with --hash)")]
    HashNeedsV1,
}

/// Kubo's `add` flags that change CIDs, as given (`None`: not given).
#[derive(Clone, Copy, Debug, Default)]
pub struct ImportFlags<'a> {
    pub profile: Option<&'a str>,
    pub cid_version: Option<u8>,
    pub raw_leaves: Option<bool>,
    pub chunker: Option<&'a str>,
    pub hash: Option<&'a str>,
    pub trickle: bool,
}

impl ImportOptions {
    /// The `unixfs-v1-2025` profile: CIDv1, raw leaves, 1 MiB chunks, 1024 links, block-size HAMT estimate.
    pub fn unixfs_v1_2025() -> Self {
        Self {
            cid_version: cid::Version::V1,
            raw_leaves: true,
            chunk_size: 1 << 20,
            rabin: None,
            max_links: 1024,
            layout: Layout::Balanced,
            hash: SHA2_256,
            reduce_single_leaf: true,
            shard_threshold: SHARD_THRESHOLD,
            shard_estimate: SizeEstimate::BlockBytes,
        }
    }

    /// `@helia/unixfs` 8's `addAll` defaults: the files of `unixfs-v1-2025`, the legacy link-bytes HAMT estimate.
    pub fn helia() -> Self {
        Self { shard_estimate: SizeEstimate::LinkBytes, ..Self::unixfs_v1_2025() }
    }

    /// Kubo's defaults: CIDv0, 256 KiB chunks, dag-pb leaves, 174 links, link-bytes HAMT estimate.
    pub fn legacy_cid_v0() -> Self {
        Self {
            cid_version: cid::Version::V0,
            raw_leaves: false,
            chunk_size: 262_144,
            max_links: 174,
            shard_estimate: SizeEstimate::LinkBytes,
            ..Self::unixfs_v1_2025()
        }
    }

    pub fn profile(name: &str) -> Result<Self, ProfileError> {
        match name {
            DEFAULT_PROFILE | "default" => Ok(Self::unixfs_v1_2025()),
            HELIA_PROFILE => Ok(Self::helia()),
            LEGACY_PROFILE | "kubo" | "unixfs-v0-2015" => Ok(Self::legacy_cid_v0()),
            other => Err(ProfileError::UnknownProfile(other.to_string())),
        }
    }

    /// A profile with Kubo's overrides applied (the flags `add` has had from the start).
    pub fn resolve(
        profile: Option<&str>,
        cid_version: Option<u8>,
        raw_leaves: Option<bool>,
        chunker: Option<&str>,
    ) -> Result<Self, ProfileError> {
        Self::resolve_flags(&ImportFlags { profile, cid_version, raw_leaves, chunker, ..Default::default() })
    }

    /// A profile with every Kubo override applied, by Kubo's rules: `--cid-version 1` turns raw leaves on unless
    /// `--raw-leaves` says otherwise; a hash other than sha2-256 moves an unset CID version to 1 (and so to raw
    /// leaves) and is refused with an explicit `--cid-version 0`; CIDv0 with raw leaves is refused.
    pub fn resolve_flags(flags: &ImportFlags) -> Result<Self, ProfileError> {
        let mut opts = Self::profile(flags.profile.unwrap_or(DEFAULT_PROFILE))?;
        if let Some(name) = flags.hash {
            opts.hash = parse_hash(name)?;
        }
        let cid_version = match flags.cid_version {
            Some(0) if opts.hash != SHA2_256 => return Err(ProfileError::HashNeedsV1),
            None if opts.hash != SHA2_256 => Some(1),
            given => given,
        };
        match cid_version {
            None => {}
            Some(0) => opts.cid_version = cid::Version::V0,
            Some(1) => {
                opts.cid_version = cid::Version::V1;
                opts.raw_leaves = true;
            }
            Some(n) => return Err(ProfileError::BadCidVersion(n)),
        }
        if let Some(raw) = flags.raw_leaves {
            opts.raw_leaves = raw;
        }
        if opts.cid_version == cid::Version::V0 && opts.raw_leaves {
            if flags.raw_leaves == Some(true) {
                return Err(ProfileError::RawLeavesNeedV1);
            }
            opts.raw_leaves = false;
        }
        if let Some(spec) = flags.chunker {
            match parse_chunker(spec)? {
                Chunking::Size(n) => {
                    opts.chunk_size = n;
                    opts.rabin = None;
                }
                Chunking::Rabin(params) => opts.rabin = Some(params),
            }
        }
        if flags.trickle {
            opts.layout = Layout::Trickle;
        }
        Ok(opts)
    }
}

/// A parsed `--chunker`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chunking {
    Size(usize),
    Rabin(RabinParams),
}

/// Parses Kubo's chunker syntax: `size-N`, `rabin` (average 256 KiB), `rabin-AVG` (minimum AVG/3, maximum
/// AVG + AVG/2, as Kubo and Helia derive them) or `rabin-MIN-AVG-MAX`.
pub fn parse_chunker(spec: &str) -> Result<Chunking, ProfileError> {
    let bad = || ProfileError::BadChunker(spec.to_string());
    let num = |s: &str| s.parse::<usize>().map_err(|_| bad());
    if let Some(n) = spec.strip_prefix("size-") {
        let n = num(n)?;
        if n == 0 || n > MAX_CHUNK {
            return Err(bad());
        }
        return Ok(Chunking::Size(n));
    }
    let params = match spec.split('-').collect::<Vec<_>>()[..] {
        ["rabin"] => RabinParams::from_avg(RABIN_DEFAULT_AVG),
        ["rabin", avg] => RabinParams::from_avg(num(avg)?),
        ["rabin", min, avg, max] => RabinParams { min: num(min)?, avg: num(avg)?, max: num(max)? },
        _ => return Err(bad()),
    };
    if params.min < 16 || params.min > params.avg || params.avg > params.max || params.max > MAX_CHUNK {
        return Err(bad());
    }
    Ok(Chunking::Rabin(params))
}

/// Parses a multihash name as Kubo's `--hash` takes it. Identity is refused: it is not a file hash.
pub fn parse_hash(name: &str) -> Result<u64, ProfileError> {
    let code = match name.to_ascii_lowercase().as_str() {
        "sha2-256" => SHA2_256,
        "sha2-512" => SHA2_512,
        "sha3-256" => SHA3_256,
        "blake2b-256" => BLAKE2B_256,
        "blake3" => BLAKE3,
        _ => return Err(ProfileError::BadHash(name.to_string())),
    };
    debug_assert_ne!(block::hash_name(code), "unknown");
    Ok(code)
}

#[cfg(test)]
#[path = "profile_tests.rs"]
mod tests;
