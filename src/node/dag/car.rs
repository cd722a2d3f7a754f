//! CAR v1: a header (`{"roots": [CID…], "version": 1}` in dag-cbor) and then varint-framed sections of CID + block.
//!
//! The reader trusts nothing: every length is bounded before anything is allocated, every block is verified
//! against its CID before it is handed on, and malformed input is an error that says where, never a panic.

use std::io::{self, Read, Write};

use bytes::Bytes;
use cid::Cid;

use super::store::{BlockSink, BlockSource};
use super::walk::walk_dag;
use crate::node::block::{Block, BlockError, IDENTITY};
use crate::node::blockstore::StoreError;

/// Headers are tiny; a larger one is hostile.
pub const MAX_HEADER: u64 = 1 << 20;
/// A section holds a CID and a block; blocks up to 2 MiB are legal in IPFS, so 4 MiB leaves room and no more.
pub const MAX_SECTION: u64 = 4 << 20;

#[derive(Debug, thiserror::Error)]
pub enum CarError {
    #[error("reading CAR: {0}")]
    Io(#[from] io::Error),
    #[error("truncated CAR: {0}")]
    Truncated(&'static str),
    #[error("invalid CAR header: {0}")]
    Header(String),
    #[error("CAR version {0} is not supported (only CAR v1)")]
    Version(u64),
    #[error("CAR section at byte {offset} declares {len} bytes, over the {max}-byte limit")]
    TooLarge { offset: u64, len: u64, max: u64 },
    #[error("invalid CID in CAR section at byte {offset}: {reason}")]
    Cid { offset: u64, reason: String },
    #[error("block {cid} in the CAR does not match its CID")]
    Mismatch { cid: Cid },
    #[error("block in the CAR: {0}")]
    Block(BlockError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Counts of one CAR written or read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CarStats {
    pub blocks: u64,
    pub bytes: u64,
}

fn write_varint(out: &mut dyn Write, mut n: u64) -> io::Result<()> {
    let mut buf = [0u8; 10];
    let mut i = 0;
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            buf[i] = byte;
            i += 1;
            break;
        }
        buf[i] = byte | 0x80;
        i += 1;
    }
    out.write_all(&buf[..i])
}

/// The header's dag-cbor bytes: a map with "roots" (an array of tag-42 CIDs) then "version" (canonical key order:
/// shorter keys first).
pub fn encode_header(roots: &[Cid]) -> Vec<u8> {
    let mut h = vec![0xa2];
    cbor_head(&mut h, 3, 5);
    h.extend_from_slice(b"roots");
    cbor_head(&mut h, 4, roots.len() as u64);
    for root in roots {
        let bytes = root.to_bytes();
        h.extend_from_slice(&[0xd8, 42]);
        cbor_head(&mut h, 2, bytes.len() as u64 + 1);
        h.push(0x00);
        h.extend_from_slice(&bytes);
    }
    cbor_head(&mut h, 3, 7);
    h.extend_from_slice(b"version");
    h.push(0x01);
    h
}

fn cbor_head(out: &mut Vec<u8>, major: u8, n: u64) {
    let m = major << 5;
    match n {
        0..=23 => out.push(m | n as u8),
        24..=0xff => out.extend_from_slice(&[m | 24, n as u8]),
        0x100..=0xffff => {
            out.push(m | 25);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(m | 26);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        }
        _ => {
            out.push(m | 27);
            out.extend_from_slice(&n.to_be_bytes());
        }
    }
}

/// Writes a CAR v1 of every block under `roots`, in walk order (depth-first, pre-order, each block once).
/// Identity-hash blocks are left out: their CID already carries them.
pub fn write_car(source: &dyn BlockSource, roots: &[Cid], out: &mut dyn Write) -> Result<CarStats, CarError> {
    let header = encode_header(roots);
    write_varint(out, header.len() as u64)?;
    out.write_all(&header)?;
    let mut stats = CarStats::default();
    for root in roots {
        walk_dag(source, root, &mut |cid, data| {
            if cid.hash().code() == IDENTITY {
                return Ok(());
            }
            let cid_bytes = cid.to_bytes();
            write_varint(out, (cid_bytes.len() + data.len()) as u64)?;
            out.write_all(&cid_bytes)?;
            out.write_all(data)?;
            stats.blocks += 1;
            stats.bytes += data.len() as u64;
            Ok(())
        })?;
    }
    Ok(stats)
}

/// Reads a CAR v1 (or the v1 payload inside a CAR v2), verifying each block as it comes.
pub struct CarReader<R> {
    reader: io::Take<R>,
    offset: u64,
    pub roots: Vec<Cid>,
}

/// Bytes of a CAR v2 fixed header after its 11-byte pragma: characteristics (16), data offset, data size,
/// index offset (8 each, little-endian).
const V2_HEADER: usize = 40;
const V2_PRAGMA_LEN: u64 = 11;

impl<R: Read> CarReader<R> {
    /// Reads and checks the header.
    pub fn new(reader: R) -> Result<Self, CarError> {
        let mut reader = reader.take(u64::MAX);
        let (header, consumed) = read_header(&mut reader)?;
        match header.version {
            1 => Ok(Self { reader, offset: consumed, roots: header.roots }),
            2 => {
                let mut fixed = [0u8; V2_HEADER];
                reader.read_exact(&mut fixed).map_err(|_| CarError::Truncated("CAR v2 header cut short"))?;
                let word = |i: usize| {
                    let mut w = [0u8; 8];
                    w.copy_from_slice(&fixed[i..i + 8]);
                    u64::from_le_bytes(w)
                };
                let (data_offset, data_size) = (word(16), word(24));
                let here = V2_PRAGMA_LEN + V2_HEADER as u64;
                let skip =
                    data_offset.checked_sub(here).ok_or_else(|| CarError::Header("CAR v2 data offset".into()))?;
                io::copy(&mut (&mut reader).take(skip), &mut io::sink())?;
                reader.set_limit(data_size);
                let (inner, consumed) = read_header(&mut reader)?;
                if inner.version != 1 {
                    return Err(CarError::Version(inner.version));
                }
                Ok(Self { reader, offset: data_offset + consumed, roots: inner.roots })
            }
            v => Err(CarError::Version(v)),
        }
    }

    /// The next verified block, `Ok(None)` at a clean end.
    pub fn next_block(&mut self) -> Result<Option<Block>, CarError> {
        let start = self.offset;
        let Some(len) = read_varint(&mut self.reader)? else {
            return Ok(None);
        };
        if len > MAX_SECTION {
            return Err(CarError::TooLarge { offset: start, len, max: MAX_SECTION });
        }
        let mut section = vec![0u8; len as usize];
        self.reader.read_exact(&mut section).map_err(|_| CarError::Truncated("block section cut short"))?;
        self.offset += varint_len(len) + len;
        let mut cursor = io::Cursor::new(&section[..]);
        let cid = Cid::read_bytes(&mut cursor).map_err(|e| CarError::Cid { offset: start, reason: e.to_string() })?;
        let data = Bytes::copy_from_slice(&section[cursor.position() as usize..]);
        Block::new(cid, data).map(Some).map_err(|e| match e {
            BlockError::Mismatch(cid) => CarError::Mismatch { cid },
            other => CarError::Block(other),
        })
    }
}

/// Reads a whole CAR into `sink`, verifying every block before it is stored. Returns the roots.
/// On error the caller aborts its writer, so nothing of a broken CAR stays.
pub fn import_car(reader: impl Read, sink: &mut dyn BlockSink) -> Result<(Vec<Cid>, CarStats), CarError> {
    let mut car = CarReader::new(reader)?;
    let mut stats = CarStats::default();
    while let Some(block) = car.next_block()? {
        stats.blocks += 1;
        stats.bytes += block.len() as u64;
        sink.put(block)?;
    }
    Ok((std::mem::take(&mut car.roots), stats))
}

/// Reads a length-prefixed header; returns it and the bytes consumed.
fn read_header(reader: &mut impl Read) -> Result<(header::Header, u64), CarError> {
    let len = read_varint(reader)?.ok_or(CarError::Truncated("no header"))?;
    if len > MAX_HEADER {
        return Err(CarError::TooLarge { offset: 0, len, max: MAX_HEADER });
    }
    let mut buf = vec![0u8; len as usize];
    reader.read_exact(&mut buf).map_err(|_| CarError::Truncated("header cut short"))?;
    Ok((header::decode(&buf)?, varint_len(len) + len))
}

fn varint_len(n: u64) -> u64 {
    (64 - n.max(1).leading_zeros() as u64).div_ceil(7)
}

/// Reads an unsigned LEB128 varint; `Ok(None)` on a clean EOF before its first byte.
fn read_varint(r: &mut impl Read) -> Result<Option<u64>, CarError> {
    let mut value = 0u64;
    for i in 0..10 {
        let mut byte = [0u8];
        match r.read(&mut byte) {
            Ok(0) if i == 0 => return Ok(None),
            Ok(0) => return Err(CarError::Truncated("varint cut short")),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        }
        let b = byte[0];
        if i == 9 && b > 1 {
            return Err(CarError::Header("varint overflows 64 bits".into()));
        }
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Ok(Some(value));
        }
    }
    Err(CarError::Header("varint longer than 10 bytes".into()))
}

mod header;

#[cfg(test)]
#[path = "car_tests.rs"]
mod tests;
