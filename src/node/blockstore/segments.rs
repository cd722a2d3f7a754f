//! Segment files: records (record.rs) appended one after another. A segment is only ever appended to by the
//! writer (under the store's write lock) and read by anyone with positional reads, so readers never wait.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use crate::node::copies::{self, Site};

/// A segment rolls over past this size; smaller segments make gc compaction cheaper, larger ones mean fewer files.
pub const SEGMENT_MAX: u64 = 256 << 20;
pub const SEGMENTS_DIR: &str = "segments";

pub fn segment_path(dir: &Path, id: u32) -> PathBuf {
    dir.join(SEGMENTS_DIR).join(format!("{id:06}.seg"))
}

/// Parses `000042.seg` to 42.
pub fn segment_id(name: &str) -> Option<u32> {
    name.strip_suffix(".seg")?.parse().ok()
}

/// Read handles, opened lazily and shared.
pub struct SegmentReaders {
    dir: PathBuf,
    open: RwLock<HashMap<u32, Arc<File>>>,
}

impl SegmentReaders {
    pub fn new(dir: &Path) -> Self {
        Self { dir: dir.to_path_buf(), open: RwLock::new(HashMap::new()) }
    }

    pub fn handle(&self, id: u32) -> io::Result<Arc<File>> {
        if let Some(f) = self.open.read().unwrap_or_else(|e| e.into_inner()).get(&id) {
            return Ok(f.clone());
        }
        let file = Arc::new(File::open(segment_path(&self.dir, id))?);
        self.open.write().unwrap_or_else(|e| e.into_inner()).insert(id, file.clone());
        Ok(file)
    }

    /// Reads `len` bytes at `offset`. A missing file is `NotFound`, a file too short `UnexpectedEof`. The one
    /// copy of a served block's bytes that our code makes (counted as `SegmentRead`).
    pub fn read(&self, id: u32, offset: u64, len: u32) -> io::Result<Vec<u8>> {
        let mut buf = vec![0u8; len as usize];
        self.handle(id)?.read_exact_at(&mut buf, offset)?;
        copies::record(Site::SegmentRead, buf.len());
        Ok(buf)
    }

    pub fn path(&self, id: u32) -> PathBuf {
        segment_path(&self.dir, id)
    }

    /// Drops the handle of a deleted segment.
    pub fn forget(&self, id: u32) {
        self.open.write().unwrap_or_else(|e| e.into_inner()).remove(&id);
    }
}

/// The segment being appended to.
pub struct ActiveSegment {
    pub id: u32,
    file: File,
    /// Bytes written so far (committed or not).
    pub len: u64,
    /// Bytes the index knows about: everything past this is truncated on failure and on the next open.
    pub committed: u64,
}

impl ActiveSegment {
    /// Opens segment `id` for appending, cutting anything past `committed`: the caller has established that such
    /// a tail was written after the last commit of an intact index. A file shorter than `committed` is an error
    /// (it is never extended: that would make lost bytes read back as zeros).
    pub fn open(dir: &Path, id: u32, committed: u64) -> io::Result<Self> {
        super::fsx::create_private_dir(&dir.join(SEGMENTS_DIR))?;
        let path = segment_path(dir, id);
        let file = super::fsx::open_private(&path)?;
        let len = file.metadata()?.len();
        if len < committed {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("{} has {len} bytes, the index says {committed}", path.display()),
            ));
        }
        if len > committed {
            file.set_len(committed)?;
        }
        Ok(Self { id, file, len: committed, committed })
    }

    /// Appends a record (header then body) with one vectored write (two before: one for each); returns where the
    /// record starts. The body is written from the caller's buffer, never gathered into one of ours first.
    pub fn append(&mut self, header: &[u8], body: &[u8]) -> io::Result<u64> {
        let offset = self.len;
        let total = header.len() + body.len();
        let mut parts = [io::IoSlice::new(header), io::IoSlice::new(body)];
        let mut parts = &mut parts[..];
        let mut written = 0;
        while written < total {
            match rustix::io::pwritev(&self.file, parts, offset + written as u64) {
                Ok(0) => return Err(io::Error::new(io::ErrorKind::WriteZero, "segment write wrote nothing")),
                // A short write (a signal, a full disk about to fail): go on from where it stopped.
                Ok(n) => {
                    written += n;
                    io::IoSlice::advance_slices(&mut parts, n);
                }
                Err(rustix::io::Errno::INTR) => {}
                Err(e) => return Err(e.into()),
            }
        }
        self.len += total as u64;
        Ok(offset)
    }

    pub fn sync(&mut self) -> io::Result<()> {
        self.file.flush()?;
        self.file.sync_data()
    }

    /// Cuts what was appended since the last commit (after a failed transaction).
    pub fn rollback(&mut self) -> io::Result<()> {
        self.file.set_len(self.committed)?;
        self.len = self.committed;
        Ok(())
    }
}
