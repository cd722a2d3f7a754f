//! Chunking of any reader, streaming: one chunk in memory at a time. Fixed-size here; rabin in `rabin.rs`.

use std::io::{self, Read};

use super::profile::ImportOptions;
use super::rabin::RabinChunker;

/// A source of chunks: the importer takes either chunker through this.
pub trait Chunks {
    /// The next chunk, or `None` at the end. An empty input yields exactly one empty chunk.
    fn next_chunk(&mut self) -> io::Result<Option<Vec<u8>>>;
}

impl<R: Read> Chunks for Chunker<R> {
    fn next_chunk(&mut self) -> io::Result<Option<Vec<u8>>> {
        Chunker::next_chunk(self)
    }
}

impl<R: Read> Chunks for RabinChunker<R> {
    fn next_chunk(&mut self) -> io::Result<Option<Vec<u8>>> {
        RabinChunker::next_chunk(self)
    }
}

/// The chunker `opts` ask for.
pub fn chunker_for<'r>(reader: impl Read + 'r, opts: &ImportOptions) -> Box<dyn Chunks + 'r> {
    match opts.rabin {
        Some(params) => Box::new(RabinChunker::new(reader, params)),
        None => Box::new(Chunker::new(reader, opts.chunk_size)),
    }
}

/// Yields full chunks of `size` bytes (the last may be shorter). Short reads are filled up, so chunk boundaries
/// depend only on the content, as Kubo's and Helia's fixed-size chunkers. An empty input yields exactly one
/// empty chunk: an empty file is still a file, with a CID.
pub struct Chunker<R> {
    reader: R,
    size: usize,
    emitted: bool,
    done: bool,
}

impl<R: Read> Chunker<R> {
    pub fn new(reader: R, size: usize) -> Self {
        assert!(size > 0, "chunk size must be positive");
        Self { reader, size, emitted: false, done: false }
    }

    /// The next chunk, or `None` at the end.
    pub fn next_chunk(&mut self) -> io::Result<Option<Vec<u8>>> {
        if self.done {
            return Ok(None);
        }
        let mut buf = vec![0u8; self.size];
        let mut filled = 0;
        while filled < self.size {
            match self.reader.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        if filled < self.size {
            self.done = true;
            if filled == 0 && self.emitted {
                return Ok(None);
            }
        }
        buf.truncate(filled);
        self.emitted = true;
        Ok(Some(buf))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that returns at most 3 bytes per read, to prove short reads are filled.
    struct Dribble<'a>(&'a [u8]);
    impl Read for Dribble<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(3).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn chunks(data: &[u8], size: usize) -> Vec<Vec<u8>> {
        let mut c = Chunker::new(Dribble(data), size);
        let mut out = Vec::new();
        while let Some(chunk) = c.next_chunk().unwrap() {
            out.push(chunk);
        }
        out
    }

    #[test]
    fn boundaries_do_not_depend_on_read_sizes() {
        assert_eq!(chunks(b"", 4), vec![Vec::<u8>::new()]);
        assert_eq!(chunks(b"abcd", 4), vec![b"abcd".to_vec()]);
        assert_eq!(chunks(b"abcde", 4), vec![b"abcd".to_vec(), b"e".to_vec()]);
        assert_eq!(chunks(b"abcdefgh", 4), vec![b"abcd".to_vec(), b"efgh".to_vec()]);
    }
}
