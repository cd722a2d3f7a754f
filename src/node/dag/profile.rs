//! Import profiles: which CIDs `add` produces. Named as Kubo names them, with Kubo's override flags.

use crate::node::block::SHA2_256;

/// The default profile: Helia's `@helia/unixfs` defaults.
pub const DEFAULT_PROFILE: &str = "unixfs-v1-2025";
/// Kubo's `ipfs add` defaults.
pub const LEGACY_PROFILE: &str = "legacy-cid-v0";
/// Chunks above this are refused: Bitswap peers accept blocks up to 2 MiB.
pub const MAX_CHUNK: usize = 2 * 1024 * 1024;

/// How a file becomes a DAG.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImportOptions {
    pub cid_version: cid::Version,
    /// Leaves as raw blocks (true) or as dag-pb UnixFS File nodes (false).
    pub raw_leaves: bool,
    pub chunk_size: usize,
    /// Links per parent node in the balanced layout.
    pub max_links: usize,
    /// Multihash of every block.
    pub hash: u64,
    /// A file of one chunk is that chunk's leaf itself, not a parent with one link (both Kubo and Helia do this).
    pub reduce_single_leaf: bool,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProfileError {
    #[error("unknown profile {0:?} (use unixfs-v1-2025, legacy-cid-v0 or kubo)")]
    UnknownProfile(String),
    #[error("unsupported chunker {0:?} (use size-N, N from 1 to {MAX_CHUNK})")]
    BadChunker(String),
    #[error("unsupported CID version {0} (use 0 or 1)")]
    BadCidVersion(u8),
    #[error("CIDv0 cannot have raw leaves (use --cid-version 1)")]
    RawLeavesNeedV1,
}

impl ImportOptions {
    /// Helia's defaults: CIDv1, raw leaves, 1 MiB chunks, 1024 links.
    pub fn unixfs_v1_2025() -> Self {
        Self {
            cid_version: cid::Version::V1,
            raw_leaves: true,
            chunk_size: 1 << 20,
            max_links: 1024,
            hash: SHA2_256,
            reduce_single_leaf: true,
        }
    }

    /// Kubo's defaults: CIDv0, 256 KiB chunks, dag-pb leaves, 174 links.
    pub fn legacy_cid_v0() -> Self {
        Self {
            cid_version: cid::Version::V0,
            raw_leaves: false,
            chunk_size: 262_144,
            max_links: 174,
            hash: SHA2_256,
            reduce_single_leaf: true,
        }
    }

    pub fn profile(name: &str) -> Result<Self, ProfileError> {
        match name {
            DEFAULT_PROFILE | "default" | "helia" => Ok(Self::unixfs_v1_2025()),
            LEGACY_PROFILE | "kubo" => Ok(Self::legacy_cid_v0()),
            other => Err(ProfileError::UnknownProfile(other.to_string())),
        }
    }

    /// A profile with Kubo's overrides applied. As in Kubo, `--cid-version 1` turns raw leaves on unless
    /// `--raw-leaves` says otherwise, and CIDv0 with raw leaves is refused.
    pub fn resolve(
        profile: Option<&str>,
        cid_version: Option<u8>,
        raw_leaves: Option<bool>,
        chunker: Option<&str>,
    ) -> Result<Self, ProfileError> {
        let mut opts = Self::profile(profile.unwrap_or(DEFAULT_PROFILE))?;
        match cid_version {
            None => {}
            Some(0) => opts.cid_version = cid::Version::V0,
            Some(1) => {
                opts.cid_version = cid::Version::V1;
                opts.raw_leaves = true;
            }
            Some(n) => return Err(ProfileError::BadCidVersion(n)),
        }
        if let Some(raw) = raw_leaves {
            opts.raw_leaves = raw;
        }
        if opts.cid_version == cid::Version::V0 && opts.raw_leaves {
            if raw_leaves == Some(true) {
                return Err(ProfileError::RawLeavesNeedV1);
            }
            opts.raw_leaves = false;
        }
        if let Some(spec) = chunker {
            opts.chunk_size = parse_chunker(spec)?;
        }
        Ok(opts)
    }
}

/// Parses `size-N`.
pub fn parse_chunker(spec: &str) -> Result<usize, ProfileError> {
    let bad = || ProfileError::BadChunker(spec.to_string());
    let n: usize = spec.strip_prefix("size-").ok_or_else(bad)?.parse().map_err(|_| bad())?;
    if n == 0 || n > MAX_CHUNK {
        return Err(bad());
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_and_overrides() {
        assert_eq!(ImportOptions::resolve(None, None, None, None).unwrap(), ImportOptions::unixfs_v1_2025());
        let kubo = ImportOptions::resolve(Some("kubo"), None, None, None).unwrap();
        assert_eq!(kubo, ImportOptions::legacy_cid_v0());
        let v1 = ImportOptions::resolve(Some("kubo"), Some(1), None, None).unwrap();
        assert!(v1.raw_leaves && v1.cid_version == cid::Version::V1 && v1.chunk_size == 262_144);
        let v1_pb = ImportOptions::resolve(Some("kubo"), Some(1), Some(false), None).unwrap();
        assert!(!v1_pb.raw_leaves);
        let v0 = ImportOptions::resolve(None, Some(0), None, Some("size-1000")).unwrap();
        assert!(!v0.raw_leaves && v0.chunk_size == 1000);
        assert_eq!(ImportOptions::resolve(None, Some(0), Some(true), None), Err(ProfileError::RawLeavesNeedV1));
        assert!(matches!(ImportOptions::resolve(Some("x"), None, None, None), Err(ProfileError::UnknownProfile(_))));
        for bad in ["rabin", "size-0", "size-", "size-99999999", "size-1k"] {
            assert!(parse_chunker(bad).is_err(), "{bad}");
        }
    }
}
