//! Content-defined chunking with a rabin fingerprint, as Helia's importer does it (`chunker/rabin.js`, whose
//! rolling hash is the `rabin-wasm` module): a 16-byte window over the irreducible polynomial `0x3DA3358B4DC173`
//! (degree 53), a cut where the fingerprint's low `floor(log2(avg))` bits are all zero once `min` bytes are in
//! the chunk, or at `max` bytes. Boundaries follow the content, so an insertion moves only nearby chunks.
//!
//! Kubo's `--chunker rabin` comes from go's own chunker package, not from this fingerprint, so Kubo's rabin CIDs are
//! not expected to equal Helia's (or these); that was not checked here, as no Kubo runs on these machines. The
//! bounds are parsed as Kubo parses them. Unlike Helia, which refuses an empty file with its rabin chunker
//! ("Nothing imported"), an empty input is one empty chunk here, as with fixed-size chunks.

use std::io::{self, Read};
use std::sync::OnceLock;

/// Chunk size bounds of a rabin chunker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RabinParams {
    pub min: usize,
    pub avg: usize,
    pub max: usize,
}

impl RabinParams {
    /// Kubo's and Helia's bounds for an average alone: a third of it below, half of it again above.
    pub fn from_avg(avg: usize) -> Self {
        Self { min: avg / 3, avg, max: avg + avg / 2 }
    }
}

const POLYNOMIAL: u64 = 0x003D_A335_8B4D_C173;
const DEGREE: u32 = 53;
const SHIFT: u32 = DEGREE - 8;
const WINDOW: usize = 16;
/// Bytes asked of the reader at a time.
const READ_SIZE: usize = 64 * 1024;

struct Tables {
    /// Cancels the byte leaving the window.
    out: [u64; 256],
    /// Reduces the top byte after a shift.
    modulo: [u64; 256],
}

fn degree(x: u64) -> i32 {
    63 - x.leading_zeros() as i32
}

fn reduce(mut x: u64, p: u64) -> u64 {
    let dp = degree(p);
    loop {
        let shift = degree(x) - dp;
        if shift < 0 {
            return x;
        }
        x ^= p << shift;
    }
}

fn append_byte(hash: u64, b: u8, p: u64) -> u64 {
    reduce((hash << 8) | u64::from(b), p)
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut t = Tables { out: [0; 256], modulo: [0; 256] };
        for b in 0..256u64 {
            let mut hash = append_byte(0, b as u8, POLYNOMIAL);
            for _ in 0..WINDOW - 1 {
                hash = append_byte(hash, 0, POLYNOMIAL);
            }
            t.out[b as usize] = hash;
            let bk = b << DEGREE;
            t.modulo[b as usize] = reduce(bk, POLYNOMIAL) | bk;
        }
        t
    })
}

/// The rolling state between two cuts.
struct Rolling {
    window: [u8; WINDOW],
    wpos: usize,
    digest: u64,
    count: usize,
}

impl Rolling {
    /// A fresh state: as in rabin-wasm, a reset slides the byte 1 into the zeroed window.
    fn new(t: &Tables) -> Self {
        let mut r = Self { window: [0; WINDOW], wpos: 0, digest: 0, count: 0 };
        r.slide(t, 1);
        r
    }

    fn slide(&mut self, t: &Tables, b: u8) {
        let out = self.window[self.wpos];
        self.window[self.wpos] = b;
        self.digest ^= t.out[out as usize];
        self.wpos = (self.wpos + 1) % WINDOW;
        let index = (self.digest >> SHIFT) as usize;
        self.digest = ((self.digest << 8) | u64::from(b)) ^ t.modulo[index];
    }
}

/// Yields rabin chunks of a reader, streaming: at most `max` bytes of chunk plus one read buffer in memory. An
/// empty input yields one empty chunk, like the fixed-size chunker.
pub struct RabinChunker<R> {
    reader: R,
    params: RabinParams,
    mask: u64,
    tables: &'static Tables,
    state: Rolling,
    input: Vec<u8>,
    /// Consumed prefix of `input`.
    at: usize,
    eof: bool,
    emitted: bool,
}

impl<R: Read> RabinChunker<R> {
    /// `params` must satisfy 16 <= min <= avg <= max (`parse_chunker` checks it).
    pub fn new(reader: R, params: RabinParams) -> Self {
        assert!(params.min >= 16 && params.min <= params.avg && params.avg <= params.max, "bad rabin bounds");
        let bits = params.avg.ilog2();
        let tables = tables();
        Self {
            reader,
            params,
            mask: (1u64 << bits) - 1,
            tables,
            state: Rolling::new(tables),
            input: Vec::new(),
            at: 0,
            eof: false,
            emitted: false,
        }
    }

    /// The next chunk, or `None` at the end.
    pub fn next_chunk(&mut self) -> io::Result<Option<Vec<u8>>> {
        let mut chunk = Vec::new();
        loop {
            if self.at == self.input.len() && (self.eof || !self.fill()?) {
                break;
            }
            let (min, max, mask, t) = (self.params.min, self.params.max, self.mask, self.tables);
            let start = self.at;
            let mut cut = None;
            for (i, &b) in self.input[start..].iter().enumerate() {
                self.state.slide(t, b);
                self.state.count += 1;
                let count = self.state.count;
                if (count >= min && self.state.digest & mask == 0) || count >= max {
                    cut = Some(start + i + 1);
                    break;
                }
            }
            let end = cut.unwrap_or(self.input.len());
            chunk.extend_from_slice(&self.input[start..end]);
            self.at = end;
            if cut.is_some() {
                self.state = Rolling::new(t);
                self.emitted = true;
                return Ok(Some(chunk));
            }
        }
        if chunk.is_empty() && self.emitted {
            return Ok(None);
        }
        self.emitted = true;
        Ok(Some(chunk))
    }

    /// Reads more input; false at the end of the reader.
    fn fill(&mut self) -> io::Result<bool> {
        self.input.resize(READ_SIZE, 0);
        self.at = 0;
        loop {
            match self.reader.read(&mut self.input) {
                Ok(0) => {
                    self.input.clear();
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.input.truncate(n);
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lengths(data: &[u8], params: RabinParams, read: usize) -> Vec<usize> {
        struct Dribble<'a>(&'a [u8], usize);
        impl Read for Dribble<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = buf.len().min(self.1).min(self.0.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut c = RabinChunker::new(Dribble(data, read), params);
        let mut out = Vec::new();
        while let Some(chunk) = c.next_chunk().unwrap() {
            out.push(chunk.len());
        }
        out
    }

    #[test]
    fn boundaries_follow_content_within_bounds() {
        let data = crate::node::dag::importer::tests::interop_content("rabin", 200_000);
        let p = RabinParams { min: 256, avg: 1024, max: 4096 };
        let sizes = lengths(&data, p, 1 << 20);
        assert_eq!(sizes.iter().sum::<usize>(), data.len());
        assert!(sizes[..sizes.len() - 1].iter().all(|&n| (256..=4096).contains(&n)), "{sizes:?}");
        // Around 200 chunks of ~1 KiB on average (the cut probability is 1/1024 past the minimum).
        assert!((100..400).contains(&sizes.len()), "{}", sizes.len());
        // Read sizes never move a boundary.
        assert_eq!(lengths(&data, p, 7), sizes);
        // Content-defined: cutting the first 10,000 bytes leaves the later boundaries where they were.
        let later = lengths(&data[10_000..], p, 1 << 20);
        let ends = |s: &[usize], off: usize| {
            s.iter()
                .scan(0, |acc, n| {
                    *acc += n;
                    Some(*acc + off)
                })
                .collect::<Vec<_>>()
        };
        let (a, b) = (ends(&sizes, 0), ends(&later, 10_000));
        assert_eq!(a[a.len() - 50..], b[b.len() - 50..]);
        assert_eq!(lengths(b"", p, 10), vec![0]);
    }
}
