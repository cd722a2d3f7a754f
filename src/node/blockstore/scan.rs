//! Reading a segment record by record without the index (rebuild, checks). Damaged bytes are skipped: the scan
//! looks for the next header whose CRC holds, so one bad record never hides the ones after it.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

use cid::Cid;

use super::record::{self, CRC_LEN, FIXED, Header, Kind, MAGIC, MAX_KEY};
use crate::node::block;

/// Bytes read from the file at a time (more when one record is larger).
const CHUNK: usize = 8 << 20;

/// What a scan finds, in file order.
#[derive(Debug)]
pub enum Found {
    /// A block whose bytes hash to its CID. `offset` is where its body starts; `record_len` counts the header.
    Block { cid: Cid, offset: u64, len: u32, record_len: u64 },
    /// A block record with a sound header whose body is cut short or does not hash to its CID.
    BadBlock { cid: Cid, offset: u64, reason: &'static str },
    /// A pin record: the CID bytes and what happened (`record::PIN_*`).
    Pin { cid: Vec<u8>, op: u8 },
    /// Every pin at this point.
    PinSet(Vec<(Vec<u8>, u8)>),
    /// Bytes that are no record (damaged, or a torn write at the end).
    Damaged { offset: u64, len: u64 },
}

/// A read window over a file.
struct Window<'a> {
    file: &'a File,
    len: u64,
    base: u64,
    buf: Vec<u8>,
}

impl Window<'_> {
    /// Up to `n` bytes at `pos` (fewer at the end of the file).
    fn at(&mut self, pos: u64, n: usize) -> io::Result<&[u8]> {
        let end = (pos + n as u64).min(self.len);
        if pos < self.base || end > self.base + self.buf.len() as u64 {
            let want = ((self.len - pos.min(self.len)) as usize).min(n.max(CHUNK));
            self.buf.resize(want, 0);
            self.file.read_exact_at(&mut self.buf, pos)?;
            self.base = pos;
        }
        let from = (pos - self.base) as usize;
        Ok(&self.buf[from..from + (end.saturating_sub(pos)) as usize])
    }
}

/// Reads every record of `file` (of `len` bytes), calling `found` for each, in order.
pub fn scan(file: &File, len: u64, found: &mut dyn FnMut(Found)) -> io::Result<()> {
    let mut w = Window { file, len, base: 0, buf: Vec::new() };
    let mut pos = 0u64;
    let mut damaged_from: Option<u64> = None;
    let flush_damage = |found: &mut dyn FnMut(Found), from: &mut Option<u64>, to: u64| {
        if let Some(start) = from.take() {
            found(Found::Damaged { offset: start, len: to - start });
        }
    };
    while pos < len {
        match read_record(&mut w, pos)? {
            Some((record, next)) => {
                flush_damage(found, &mut damaged_from, pos);
                found(record);
                pos = next;
            }
            None => {
                damaged_from.get_or_insert(pos);
                pos = next_magic(&mut w, pos + 1)?;
            }
        }
    }
    flush_damage(found, &mut damaged_from, len);
    Ok(())
}

/// The record at `pos` and where the next one starts, or `None` when no sound header starts there.
fn read_record(w: &mut Window, pos: u64) -> io::Result<Option<(Found, u64)>> {
    let head = w.at(pos, FIXED + MAX_KEY + CRC_LEN)?;
    let Some(header) = Header::parse(head) else { return Ok(None) };
    let head = head[..header.len].to_vec();
    let body_at = pos + header.len as u64;
    let end = body_at + u64::from(header.body_len);
    if header.kind == Kind::Block {
        let Ok(cid) = Cid::try_from(header.key.as_slice()) else { return Ok(None) };
        if !header.check(&head, None) {
            return Ok(None);
        }
        if end > w.len {
            // A sound header whose body the file does not hold: a torn write or a cut file.
            return Ok(Some((Found::BadBlock { cid, offset: pos, reason: "cut short" }, w.len)));
        }
        let body = w.at(body_at, header.body_len as usize)?;
        let record = if block::verify(&cid, body).is_ok() {
            Found::Block { cid, offset: body_at, len: header.body_len, record_len: end - pos }
        } else {
            Found::BadBlock { cid, offset: pos, reason: "does not hash to its CID" }
        };
        return Ok(Some((record, end)));
    }
    if end > w.len {
        return Ok(None);
    }
    let body = w.at(body_at, header.body_len as usize)?;
    if !header.check(&head, Some(body)) {
        return Ok(None);
    }
    let record = match header.kind {
        Kind::Pin if body.len() == 1 => Found::Pin { cid: header.key, op: body[0] },
        Kind::PinSet => match record::decode_pinset(body) {
            Some(pins) => Found::PinSet(pins),
            None => return Ok(None),
        },
        _ => return Ok(None),
    };
    Ok(Some((record, end)))
}

/// The first position at or after `from` where the magic bytes start (or the end of the file).
fn next_magic(w: &mut Window, mut from: u64) -> io::Result<u64> {
    while from < w.len {
        let chunk = w.at(from, CHUNK)?;
        if let Some(i) = chunk.windows(2).position(|p| p == MAGIC) {
            return Ok(from + i as u64);
        }
        // Keep the last byte: the magic may straddle two chunks.
        from += (chunk.len() as u64).saturating_sub(1).max(1);
    }
    Ok(w.len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::block::{Block, RAW, SHA2_256};
    use std::io::Write;

    fn block(i: u32, len: usize) -> Block {
        let data: Vec<u8> = (0..len).map(|j| (j as u32).wrapping_mul(7).wrapping_add(i) as u8).collect();
        Block::from_data(cid::Version::V1, RAW, SHA2_256, data).unwrap()
    }

    fn record(b: &Block) -> Vec<u8> {
        let mut r = record::header(Kind::Block, &b.cid().to_bytes(), b.data());
        r.extend_from_slice(b.data());
        r
    }

    #[test]
    fn a_scan_finds_every_sound_record_past_junk_chunk_edges_and_a_torn_tail() {
        // 24 records of 700 KB: 16.8 MB, more than two read windows; junk across the first window's edge.
        let blocks: Vec<Block> = (0..24).map(|i| block(i, 700_000)).collect();
        let mut file = Vec::new();
        let mut junk_at = 0;
        for (i, b) in blocks.iter().enumerate() {
            if i == 12 {
                junk_at = file.len();
                file.extend_from_slice(&vec![0x53; 3000]); // 'S' bytes: almost a magic, many times
                file.extend_from_slice(b"S2");
            }
            file.extend_from_slice(&record(b));
        }
        let pins = record::encode_pinset(&[(blocks[0].cid().to_bytes(), record::PIN_RECURSIVE)]);
        file.extend_from_slice(&record::header(Kind::PinSet, &[], &pins));
        file.extend_from_slice(&pins);
        let torn = record(&blocks[0]);
        file.extend_from_slice(&torn[..torn.len() / 2]);
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(&file).unwrap();

        let mut found = Vec::new();
        scan(&f, file.len() as u64, &mut |x| found.push(x)).unwrap();
        let good: Vec<Cid> =
            found.iter().filter_map(|x| if let Found::Block { cid, .. } = x { Some(*cid) } else { None }).collect();
        assert_eq!(good, blocks.iter().map(|b| *b.cid()).collect::<Vec<_>>());
        let damaged: Vec<(u64, u64)> = found
            .iter()
            .filter_map(|x| if let Found::Damaged { offset, len } = x { Some((*offset, *len)) } else { None })
            .collect();
        assert_eq!(damaged, vec![(junk_at as u64, 3002)]);
        assert!(found.iter().any(|x| matches!(x, Found::PinSet(p) if p.len() == 1)));
        assert!(matches!(found.last(), Some(Found::BadBlock { reason: "cut short", .. })));
        // Offsets point at the bodies.
        if let Some(Found::Block { offset, len, .. }) = found.first() {
            assert_eq!(&file[*offset as usize..*offset as usize + *len as usize], &blocks[0].data()[..]);
        }
    }
}
