//! A block whose bytes are known to match its CID.
//!
//! `Block` can only be built by hashing (`Block::new` hashes the bytes and checks them against the CID,
//! `Block::from_data` hashes them to make the CID), so any code that holds a `Block` holds verified data.
//! The blockstore accepts nothing else: that is how "verified puts only" is kept without hashing twice.

use bytes::Bytes;
use cid::Cid;
use multihash::Multihash;
use sha2::Digest;

/// Multicodec of raw binary blocks.
pub const RAW: u64 = 0x55;
/// Multicodec of dag-pb (UnixFS) nodes.
pub const DAG_PB: u64 = 0x70;
/// Multicodec of dag-cbor nodes (CAR headers, and blocks other tools may send).
pub const DAG_CBOR: u64 = 0x71;
/// Multihash code of the identity "hash": the digest is the data itself.
pub const IDENTITY: u64 = 0x00;
/// Multihash code of SHA2-256, the default everywhere in IPFS.
pub const SHA2_256: u64 = 0x12;
/// Multihash code of BLAKE3 (32-byte default output).
pub const BLAKE3: u64 = 0x1e;
/// Multihash code of SHA2-512 (`ipfs add --hash sha2-512`).
pub const SHA2_512: u64 = 0x13;
/// Multihash code of SHA3-256.
pub const SHA3_256: u64 = 0x16;
/// Multihash code of BLAKE2b with a 256-bit output (a parameter of BLAKE2b, not a truncation).
pub const BLAKE2B_256: u64 = 0xb220;

/// Identity CIDs longer than this are refused: they are meant for tiny inline data, and a hostile one
/// could otherwise smuggle a large block in a CID.
pub const MAX_IDENTITY_LEN: usize = 128;

/// Why a block was refused.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum BlockError {
    #[error("unsupported multihash 0x{0:x} (supported: sha2-256, sha2-512, sha3-256, blake2b-256, blake3, identity)")]
    UnsupportedHash(u64),
    #[error("hash mismatch: the data does not hash to {0}")]
    Mismatch(Cid),
    #[error("identity CID digest is {0} bytes, over the {MAX_IDENTITY_LEN}-byte limit")]
    IdentityTooLong(usize),
    /// A CID prefix (Bitswap 1.1.0+) that names no CID for these bytes.
    #[error("{0}")]
    Prefix(String),
}

/// Names a multihash code as `ipfs` tools do (`sha2-256`, `blake3`, `identity`).
pub fn hash_name(code: u64) -> &'static str {
    match code {
        SHA2_256 => "sha2-256",
        BLAKE3 => "blake3",
        IDENTITY => "identity",
        SHA2_512 => "sha2-512",
        SHA3_256 => "sha3-256",
        BLAKE2B_256 => "blake2b-256",
        0x1b => "keccak-256",
        _ => "unknown",
    }
}

/// Names a multicodec as `ipfs` tools do.
pub fn codec_name(code: u64) -> &'static str {
    match code {
        RAW => "raw",
        DAG_PB => "dag-pb",
        DAG_CBOR => "dag-cbor",
        0x0129 => "dag-json",
        0x0200 => "json",
        0x51 => "cbor",
        0x72 => "libp2p-key",
        _ => "unknown",
    }
}

/// Hashes `data` with the multihash function `code`.
pub fn hash(code: u64, data: &[u8]) -> Result<Multihash<64>, BlockError> {
    // Every digest below is at most 64 bytes, the multihash's capacity.
    let wrap = |digest: &[u8]| Multihash::wrap(code, digest).map_err(|_| BlockError::UnsupportedHash(code));
    if code != IDENTITY {
        crate::node::copies::record(crate::node::copies::Site::Hash, data.len());
    }
    match code {
        SHA2_256 => wrap(&sha2::Sha256::digest(data)),
        SHA2_512 => wrap(&sha2::Sha512::digest(data)),
        SHA3_256 => wrap(&sha3::Sha3_256::digest(data)),
        BLAKE2B_256 => wrap(&blake2::Blake2b::<blake2::digest::consts::U32>::digest(data)),
        BLAKE3 => wrap(blake3::hash(data).as_bytes()),
        IDENTITY if data.len() > MAX_IDENTITY_LEN => Err(BlockError::IdentityTooLong(data.len())),
        IDENTITY => wrap(data),
        other => Err(BlockError::UnsupportedHash(other)),
    }
}

/// Checks that `data` hashes to `cid`'s multihash.
pub fn verify(cid: &Cid, data: &[u8]) -> Result<(), BlockError> {
    let mh = cid.hash();
    if mh.code() == IDENTITY {
        if mh.digest().len() > MAX_IDENTITY_LEN {
            return Err(BlockError::IdentityTooLong(mh.digest().len()));
        }
        return if mh.digest() == data { Ok(()) } else { Err(BlockError::Mismatch(*cid)) };
    }
    // A truncated digest (size shorter than the function's output) is legal in multihash; compare the prefix.
    let full = hash(mh.code(), data)?;
    let want = mh.digest();
    if want.len() <= full.digest().len() && &full.digest()[..want.len()] == want {
        Ok(())
    } else {
        Err(BlockError::Mismatch(*cid))
    }
}

/// A CID and the bytes it names, verified. Cheap to clone (`Bytes`).
#[derive(Clone, PartialEq, Eq)]
pub struct Block {
    cid: Cid,
    data: Bytes,
}

impl Block {
    /// Verifies `data` against `cid` and wraps them.
    pub fn new(cid: Cid, data: impl Into<Bytes>) -> Result<Self, BlockError> {
        let data = data.into();
        verify(&cid, &data)?;
        Ok(Self { cid, data })
    }

    /// Hashes `data` and builds its CID (version 0 is only valid for dag-pb + sha2-256; other
    /// combinations fall back to version 1, as Kubo does).
    pub fn from_data(
        version: cid::Version,
        codec: u64,
        hash_code: u64,
        data: impl Into<Bytes>,
    ) -> Result<Self, BlockError> {
        let data = data.into();
        let mh = hash(hash_code, &data)?;
        // A sha2-256 dag-pb block is a valid CIDv0; anything else (or a refusal) is CIDv1.
        let v0 = version == cid::Version::V0 && codec == DAG_PB && hash_code == SHA2_256;
        let cid = v0.then(|| Cid::new_v0(mh).ok()).flatten().unwrap_or_else(|| Cid::new_v1(codec, mh));
        Ok(Self { cid, data })
    }

    /// Names `data` as a Bitswap 1.1.0+ payload's CID prefix says (CID `version` and `codec`, multihash
    /// `hash_code` of `digest_len` bytes; a truncated digest is legal): hashes it once and builds the CID from the
    /// digest, so the block is verified by construction. (Hashing, then checking the result with [`Block::new`],
    /// hashed every received block twice.)
    pub fn from_prefix(
        version: u64,
        codec: u64,
        hash_code: u64,
        digest_len: u64,
        data: impl Into<Bytes>,
    ) -> Result<Self, BlockError> {
        let data = data.into();
        let full = hash(hash_code, &data)?;
        let len = usize::try_from(digest_len).unwrap_or(usize::MAX);
        if len > full.digest().len() {
            return Err(BlockError::Prefix(format!("prefix digest length {digest_len} exceeds the hash's")));
        }
        let prefix_error = |e: &dyn std::fmt::Display| BlockError::Prefix(e.to_string());
        let mh = Multihash::wrap(hash_code, &full.digest()[..len]).map_err(|e| prefix_error(&e))?;
        let cid = match version {
            0 => Cid::new_v0(mh).map_err(|e| prefix_error(&e))?,
            1 => Cid::new_v1(codec, mh),
            v => return Err(BlockError::Prefix(format!("unknown CID version {v} in prefix"))),
        };
        Ok(Self { cid, data })
    }

    /// Wraps bytes the blockstore has just read and verified against `cid` (its reads hash every block), so that
    /// serving them does not hash them a second time. Only the store may call it.
    pub(in crate::node) fn verified_by_store(cid: Cid, data: Bytes) -> Self {
        Self { cid, data }
    }

    pub fn cid(&self) -> &Cid {
        &self.cid
    }

    pub fn data(&self) -> &Bytes {
        &self.data
    }

    pub fn into_parts(self) -> (Cid, Bytes) {
        (self.cid, self.data)
    }

    pub fn len(&self) -> usize {
        self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

impl std::fmt::Debug for Block {
    // Block bytes are elided, as beetswap does: a log line must not carry a megabyte.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Block({}, [... {} bytes])", self.cid, self.data.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_text_is_helias_raw_cid() {
        let b = Block::from_data(cid::Version::V1, RAW, SHA2_256, &b"Hello Bitswap from Rust Helia"[..]).unwrap();
        assert_eq!(b.cid().to_string(), "bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq");
    }

    #[test]
    fn mismatch_and_unsupported_are_refused() {
        let b = Block::from_data(cid::Version::V1, RAW, SHA2_256, &b"abc"[..]).unwrap();
        assert_eq!(Block::new(*b.cid(), &b"abd"[..]), Err(BlockError::Mismatch(*b.cid())));
        let keccak = Cid::new_v1(RAW, Multihash::wrap(0x1b, &[0u8; 32]).unwrap());
        assert_eq!(Block::new(keccak, &b"x"[..]), Err(BlockError::UnsupportedHash(0x1b)));
    }

    /// Published digests of "abc" (FIPS 180-2, FIPS 202, RFC 7693, the BLAKE3 reference vectors' "abc").
    #[test]
    fn file_hashes_match_published_vectors() {
        let hex = |code| {
            let mh = hash(code, b"abc").unwrap();
            mh.digest().iter().map(|b| format!("{b:02x}")).collect::<String>()
        };
        assert_eq!(hex(SHA2_256), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert!(hex(SHA2_512).starts_with("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"));
        assert_eq!(hex(SHA3_256), "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
        assert_eq!(hex(BLAKE2B_256), "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
        assert_eq!(hex(BLAKE3), "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85");
        for code in [SHA2_512, SHA3_256, BLAKE2B_256] {
            let b = Block::from_data(cid::Version::V0, DAG_PB, code, &b"abc"[..]).unwrap();
            assert_eq!(b.cid().version(), cid::Version::V1, "CIDv0 is sha2-256 only");
            assert!(Block::new(*b.cid(), &b"abc"[..]).is_ok());
        }
    }

    #[test]
    fn a_prefix_names_its_bytes_with_one_hash_pass() {
        let data = Bytes::from(vec![9u8; 1000]);
        let want = Block::from_data(cid::Version::V1, RAW, SHA2_256, data.clone()).unwrap();
        let before = crate::node::copies::bytes_at(crate::node::copies::Site::Hash);
        let got = Block::from_prefix(1, RAW, SHA2_256, 32, data.clone()).unwrap();
        assert_eq!(got, want);
        assert_eq!(got.data().as_ptr(), data.as_ptr(), "the same bytes, not a copy");
        // Other tests hash in parallel, so only a lower bound here (tests/copies_per_block counts passes per block).
        assert!(crate::node::copies::bytes_at(crate::node::copies::Site::Hash) >= before + 1000);
        // A truncated digest, CIDv0, and the refusals.
        let short = Block::from_prefix(1, RAW, SHA2_256, 20, data.clone()).unwrap();
        assert_eq!(short.cid().hash().digest(), &want.cid().hash().digest()[..20]);
        assert!(Block::new(*short.cid(), data.clone()).is_ok());
        assert_eq!(
            Block::from_prefix(0, DAG_PB, SHA2_256, 32, data.clone()).unwrap().cid().version(),
            cid::Version::V0
        );
        let too_long = Block::from_prefix(1, RAW, SHA2_256, 33, data.clone()).unwrap_err();
        assert_eq!(too_long.to_string(), "prefix digest length 33 exceeds the hash's");
        let v2 = Block::from_prefix(2, RAW, SHA2_256, 32, data.clone()).unwrap_err();
        assert_eq!(v2.to_string(), "unknown CID version 2 in prefix");
        assert!(Block::from_prefix(0, DAG_PB, SHA2_256, 20, data.clone()).is_err(), "CIDv0 is a full sha2-256");
        assert_eq!(Block::from_prefix(1, RAW, 0x1b, 32, data), Err(BlockError::UnsupportedHash(0x1b)));
    }

    #[test]
    fn blake3_and_identity_verify() {
        let b = Block::from_data(cid::Version::V1, RAW, BLAKE3, &b"abc"[..]).unwrap();
        assert!(Block::new(*b.cid(), &b"abc"[..]).is_ok());
        let id = Block::from_data(cid::Version::V1, RAW, IDENTITY, &b"tiny"[..]).unwrap();
        assert_eq!(id.cid().hash().digest(), b"tiny");
        assert!(Block::from_data(cid::Version::V1, RAW, IDENTITY, vec![0u8; 200]).is_err());
    }
}
