//! Self-describing segment records, so that a lost or damaged index can be rebuilt from the segments alone (as
//! bitcask's data files carry their keys). Every record is a header followed by a body:
//!
//! ```text
//! magic "S2" (2)  kind (1)  flags 0 (1)  key length u16 LE (2)  body length u32 LE (4)  key  CRC-32 LE (4)  body
//! ```
//!
//! - `Block`: key = the CIDv1 bytes (codec + multihash), body = the block. The CRC covers the header only; the
//!   body is checked by its multihash.
//! - `Pin`: key = the pinned CID's bytes, body = one byte (0 recursive, 1 direct, 2 removed). The CRC covers the
//!   header and the body.
//! - `PinSet`: empty key, body = every pin at that point (`u16 LE length, CID bytes, kind byte` each); replaces
//!   whatever earlier records said. Written when compaction drops segments (they may hold pin records).
//!
//! A rebuild reads records in (segment id, offset) order, which is the order they were written in.

use cid::Cid;

pub const MAGIC: [u8; 2] = *b"S2";
/// Bytes before the key: magic, kind, flags, key length, body length.
pub const FIXED: usize = 10;
pub const CRC_LEN: usize = 4;
/// Keys are CIDs (at most ~80 bytes with a 64-byte digest); anything longer is not a header.
pub const MAX_KEY: usize = 128;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Block = 1,
    Pin = 2,
    PinSet = 3,
}

impl Kind {
    fn from_byte(b: u8) -> Option<Self> {
        match b {
            1 => Some(Kind::Block),
            2 => Some(Kind::Pin),
            3 => Some(Kind::PinSet),
            _ => None,
        }
    }

    /// Whether the CRC also covers the body (everything but blocks, whose multihash checks them).
    fn crc_covers_body(self) -> bool {
        self != Kind::Block
    }
}

/// Pin record bodies.
pub const PIN_RECURSIVE: u8 = 0;
pub const PIN_DIRECT: u8 = 1;
pub const PIN_REMOVED: u8 = 2;

/// The header bytes of a record.
pub fn header(kind: Kind, key: &[u8], body: &[u8]) -> Vec<u8> {
    debug_assert!(key.len() <= MAX_KEY);
    let mut h = Vec::with_capacity(FIXED + key.len() + CRC_LEN);
    h.extend_from_slice(&MAGIC);
    h.push(kind as u8);
    h.push(0);
    h.extend_from_slice(&(key.len() as u16).to_le_bytes());
    h.extend_from_slice(&(body.len() as u32).to_le_bytes());
    h.extend_from_slice(key);
    let mut crc = crc32fast::Hasher::new();
    crc.update(&h);
    if kind.crc_covers_body() {
        crc.update(body);
    }
    h.extend_from_slice(&crc.finalize().to_le_bytes());
    h
}

/// The key of a block record: its CID as CIDv1 (the store keys by multihash, the codec is kept for listing).
pub fn block_key(codec: u64, mh: &multihash::Multihash<64>) -> Vec<u8> {
    Cid::new_v1(codec, *mh).to_bytes()
}

/// Length of a block record's header, from what the index knows.
pub fn block_header_len(codec: u64, mh: &multihash::Multihash<64>) -> u64 {
    (FIXED + block_key(codec, mh).len() + CRC_LEN) as u64
}

/// A header read back: what follows it and how long it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub kind: Kind,
    pub key: Vec<u8>,
    pub body_len: u32,
    pub len: usize,
    crc: u32,
}

impl Header {
    /// Parses the fixed part; `None` when `buf` does not start a header. Needs `FIXED` bytes.
    pub fn parse_fixed(buf: &[u8]) -> Option<(Kind, usize, u32)> {
        if buf.len() < FIXED || buf[..2] != MAGIC || buf[3] != 0 {
            return None;
        }
        let kind = Kind::from_byte(buf[2])?;
        let key_len = u16::from_le_bytes([buf[4], buf[5]]) as usize;
        let body_len = u32::from_le_bytes(buf[6..10].try_into().ok()?);
        (key_len <= MAX_KEY).then_some((kind, key_len, body_len))
    }

    /// Parses a whole header from `buf` (at least its length: `FIXED + key length + CRC_LEN`). Returns `None`
    /// when it is not one; the CRC is checked by [`Header::check`], which needs the body for some kinds.
    pub fn parse(buf: &[u8]) -> Option<Self> {
        let (kind, key_len, body_len) = Self::parse_fixed(buf)?;
        let len = FIXED + key_len + CRC_LEN;
        let crc = u32::from_le_bytes(buf.get(len - CRC_LEN..len)?.try_into().ok()?);
        Some(Self { kind, key: buf[FIXED..FIXED + key_len].to_vec(), body_len, len, crc })
    }

    /// Whether the CRC matches: `head` is the header bytes, `body` the body (ignored for blocks).
    pub fn check(&self, head: &[u8], body: Option<&[u8]>) -> bool {
        let mut crc = crc32fast::Hasher::new();
        crc.update(&head[..self.len - CRC_LEN]);
        if self.kind.crc_covers_body() {
            match body {
                Some(b) => crc.update(b),
                None => return false,
            }
        }
        crc.finalize() == self.crc
    }
}

/// Encodes a pin set body.
pub fn encode_pinset(pins: &[(Vec<u8>, u8)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (cid, kind) in pins {
        out.extend_from_slice(&(cid.len() as u16).to_le_bytes());
        out.extend_from_slice(cid);
        out.push(*kind);
    }
    out
}

/// Decodes a pin set body; `None` when malformed.
pub fn decode_pinset(mut body: &[u8]) -> Option<Vec<(Vec<u8>, u8)>> {
    let mut out = Vec::new();
    while !body.is_empty() {
        let len = u16::from_le_bytes(body.get(..2)?.try_into().ok()?) as usize;
        let cid = body.get(2..2 + len)?.to_vec();
        let kind = *body.get(2 + len)?;
        out.push((cid, kind));
        body = &body[3 + len..];
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_round_trip_and_catch_damage() {
        let key = b"some cid bytes".to_vec();
        let body = vec![7u8; 100];
        for kind in [Kind::Block, Kind::Pin, Kind::PinSet] {
            let h = header(kind, &key, &body);
            let parsed = Header::parse(&h).unwrap();
            assert_eq!(
                (parsed.kind, parsed.key.clone(), parsed.body_len, parsed.len),
                (kind, key.clone(), 100, h.len())
            );
            assert!(parsed.check(&h, Some(&body)));
            for i in 0..h.len() {
                let mut bad = h.clone();
                bad[i] ^= 0x10;
                let ok = Header::parse(&bad).is_some_and(|p| p.check(&bad, Some(&body)));
                assert!(!ok, "a flipped bit at byte {i} of a {kind:?} header went unnoticed");
            }
            let mut other = body.clone();
            other[50] ^= 1;
            assert_eq!(parsed.check(&h, Some(&other)), kind == Kind::Block, "only blocks leave the body to the hash");
        }
        assert!(Header::parse(&[0u8; 20]).is_none());
    }

    #[test]
    fn pinsets_round_trip() {
        let pins = vec![(vec![1, 2, 3], PIN_RECURSIVE), (vec![9; 40], PIN_DIRECT)];
        assert_eq!(decode_pinset(&encode_pinset(&pins)), Some(pins));
        assert_eq!(decode_pinset(&[5, 0, 1]), None);
        assert_eq!(decode_pinset(&[]), Some(vec![]));
    }
}
