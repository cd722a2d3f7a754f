//! The deterministic interop content of INTEROP.md: chunk k is SHAKE128("interop-v1:<seed>:<k>") squeezed to
//! 1,048,576 bytes; content of N bytes is the chunks concatenated and cut to N. Node's harness makes the same.

#![allow(dead_code)]

use std::io::Write;
use std::path::Path;

use sha3::Shake128;
use sha3::digest::{ExtendableOutput, Update, XofReader};

pub const CHUNK: usize = 1 << 20;

/// Chunk `k` of seed `seed`.
pub fn chunk(seed: &str, k: u64) -> Vec<u8> {
    let mut h = Shake128::default();
    h.update(format!("interop-v1:{seed}:{k}").as_bytes());
    let mut out = vec![0u8; CHUNK];
    h.finalize_xof().read(&mut out);
    out
}

/// `len` bytes of content for `seed`, in memory.
pub fn bytes(seed: &str, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    let mut k = 0;
    while out.len() < len {
        let c = chunk(seed, k);
        let take = (len - out.len()).min(CHUNK);
        out.extend_from_slice(&c[..take]);
        k += 1;
    }
    out
}

/// Writes `len` bytes of content for `seed` to `path`, streaming.
pub fn write_file(path: &Path, seed: &str, len: u64) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("create content file"));
    let mut left = len;
    let mut k = 0;
    while left > 0 {
        let c = chunk(seed, k);
        let take = left.min(CHUNK as u64) as usize;
        f.write_all(&c[..take]).expect("write content");
        left -= take as u64;
        k += 1;
    }
    f.flush().expect("flush content");
}
