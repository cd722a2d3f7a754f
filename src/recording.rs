//! Recordings on disk (issue 14 part 1): a header line, then one JSON object per line, written by a thread of its
//! own so that the caller (the TUI's loop, the daemon's event loop) never waits on the disk. The lines themselves are
//! the TUI's (`app::record::Line`); the daemon writes the node's part of them ([`NodeLine`]), which a replay reads
//! the same way.
//!
//! Writing never blocks: lines go through a bounded channel to the writer; what does not fit is counted and
//! written as a `dropped` line. Past `max_bytes` the file is rotated (`FILE` becomes `FILE.1`, which is replaced)
//! and a new one starts with its header, so a long session keeps its most recent part.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::node::events::Event;

/// What the first line says, so that a replay knows it reads a recording it understands.
pub const FORMAT: &str = "swarmscope-recording";
pub const VERSION: u32 = 1;
/// A file is rotated at this size unless told otherwise (`--record-max-mb`).
pub const DEFAULT_MAX_BYTES: u64 = 256 << 20;
/// Lines waiting for the writer at most; beyond, they are counted as dropped.
const QUEUE: usize = 8192;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub version: u32,
    /// `tui` or `daemon`.
    pub source: String,
    /// Wall-clock time when the recording (or this rotated part) began.
    pub started_unix_ms: u64,
}

/// The lines a daemon records: its node's events and the store's totals (tagged as the TUI's lines are).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeLine {
    Header(Header),
    Event(Event),
    Stored {
        at_ms: u64,
        blocks: u64,
        bytes: u64,
    },
    /// The recorder fell behind and lost this many lines (cumulative).
    Dropped {
        at_ms: u64,
        count: u64,
    },
}

/// Writes a recording on a thread of its own. Dropping it flushes and closes the file.
pub struct Recorder {
    tx: Option<SyncSender<Vec<u8>>>,
    thread: Option<std::thread::JoinHandle<()>>,
    dropped: Arc<AtomicU64>,
    /// Dropped lines already announced in the file.
    announced: u64,
    /// The first write error, for the caller to surface once.
    error: Arc<Mutex<Option<String>>>,
    error_taken: bool,
    pub path: PathBuf,
}

impl Recorder {
    /// Creates (or truncates) `path`, owner-only, and writes the header.
    pub fn start(path: &Path, source: &str, max_bytes: u64) -> anyhow::Result<Recorder> {
        let file = create(path).map_err(|e| anyhow::anyhow!("cannot record to {}: {e}", path.display()))?;
        let (tx, rx) = sync_channel(QUEUE);
        let error = Arc::new(Mutex::new(None));
        let writer = Writer {
            path: path.to_path_buf(),
            out: BufWriter::new(file),
            written: 0,
            max_bytes: max_bytes.max(64 << 10),
            source: source.to_string(),
        };
        let err = error.clone();
        let thread = std::thread::Builder::new().name("recorder".into()).spawn(move || writer.run(rx, err))?;
        Ok(Recorder {
            tx: Some(tx),
            thread: Some(thread),
            dropped: Arc::default(),
            announced: 0,
            error,
            error_taken: false,
            path: path.to_path_buf(),
        })
    }

    /// Records `line` (at `at_ms` on the node's clock) without waiting; when the writer is behind it is counted.
    pub fn record(&mut self, line: &impl Serialize, at_ms: u64) {
        let Some(tx) = &self.tx else { return };
        let dropped = self.dropped.load(Ordering::Relaxed);
        if dropped > self.announced
            && let Ok(json) = to_line(&NodeLine::Dropped { at_ms, count: dropped })
            && tx.try_send(json).is_ok()
        {
            self.announced = dropped;
        }
        let Ok(json) = to_line(line) else { return };
        match tx.try_send(json) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
            Err(TrySendError::Disconnected(_)) => self.tx = None,
        }
    }

    /// The writer's first error (the disk is full, the file was removed), once.
    pub fn take_error(&mut self) -> Option<String> {
        if self.error_taken {
            return None;
        }
        let e = self.error.lock().ok()?.clone()?;
        self.error_taken = true;
        Some(e)
    }

    /// Lines lost because the writer fell behind.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn create(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)
}

fn unix_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

struct Writer {
    path: PathBuf,
    out: BufWriter<File>,
    written: u64,
    max_bytes: u64,
    source: String,
}

impl Writer {
    fn run(mut self, rx: Receiver<Vec<u8>>, error: Arc<Mutex<Option<String>>>) {
        let mut result = self.header();
        while result.is_ok() {
            let line = match rx.recv_timeout(Duration::from_millis(250)) {
                Ok(line) => line,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    result = self.out.flush();
                    continue;
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            };
            result = self.write(&line);
        }
        if result.is_ok() {
            result = self.out.flush();
        }
        if let Err(e) = result {
            let msg = format!("recording to {} stopped: {e}", self.path.display());
            tracing::error!("{msg}");
            if let Ok(mut slot) = error.lock() {
                *slot = Some(msg);
            }
        }
    }

    fn header(&mut self) -> std::io::Result<()> {
        let h =
            Header { format: FORMAT.into(), version: VERSION, source: self.source.clone(), started_unix_ms: unix_ms() };
        let line = to_line(&NodeLine::Header(h)).map_err(std::io::Error::other)?;
        self.out.write_all(&line)?;
        self.written = line.len() as u64;
        Ok(())
    }

    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if self.written + bytes.len() as u64 > self.max_bytes {
            self.rotate()?;
        }
        self.out.write_all(bytes)?;
        self.written += bytes.len() as u64;
        Ok(())
    }

    /// `FILE` becomes `FILE.1` (replacing the older part) and a new `FILE` starts with its header.
    fn rotate(&mut self) -> std::io::Result<()> {
        self.out.flush()?;
        let mut old = self.path.clone().into_os_string();
        old.push(".1");
        std::fs::rename(&self.path, &old)?;
        self.out = BufWriter::new(create(&self.path)?);
        self.written = 0;
        self.header()
    }
}

/// One line of JSON, with its newline.
fn to_line(line: &impl Serialize) -> serde_json::Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec(line)?;
    bytes.push(b'\n');
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_recording_rotates_and_keeps_its_newest_part() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.jsonl");
        let mut r = Recorder::start(&path, "daemon", 64 << 10).unwrap();
        for i in 0..3000u64 {
            r.record(&NodeLine::Stored { at_ms: i, blocks: i, bytes: i }, i);
            if i % 500 == 0 {
                std::thread::sleep(Duration::from_millis(5)); // let the writer keep up
            }
        }
        drop(r);
        let newest = std::fs::read_to_string(&path).unwrap();
        let older = std::fs::read_to_string(dir.path().join("r.jsonl.1")).unwrap();
        for part in [&newest, &older] {
            assert!(part.len() <= 64 << 10, "a part is at most the limit: {}", part.len());
            let first: NodeLine = serde_json::from_str(part.lines().next().unwrap()).unwrap();
            assert!(matches!(first, NodeLine::Header(ref h) if h.format == FORMAT), "each part starts with a header");
        }
        let last: NodeLine = serde_json::from_str(newest.lines().last().unwrap()).unwrap();
        assert!(matches!(last, NodeLine::Stored { at_ms: 2999, .. } | NodeLine::Dropped { .. }), "{last:?}");
    }

    #[test]
    fn an_unwritable_file_is_one_error() {
        let e = Recorder::start(Path::new("/nonexistent-dir/r.jsonl"), "tui", DEFAULT_MAX_BYTES).err().unwrap();
        assert!(e.to_string().starts_with("cannot record to /nonexistent-dir/r.jsonl: "), "{e}");
    }
}
