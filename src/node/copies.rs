//! Counts the copies of block bytes that swarmscope's own code makes on the hot path (received frame → hash →
//! store, and store → message → stream), per process. Issue 15 asks for fewer copies per block, *counted*: each
//! place that copies block bytes calls [`record`], and tests and benchmarks read the totals with [`snapshot`]
//! (a daemon reports them in its stats), so a change that adds a copy shows up as a number, not in a comment.
//!
//! Copies inside the kernel (page cache), in the noise cipher (decrypt/encrypt in place or not) and in yamux's
//! framing are libp2p's and the OS's, not counted here; they are described in BENCHMARKS.md's profile.
//! The counters are relaxed atomics: one increment per block of up to 2 MiB costs nothing measurable.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

/// Where block bytes are copied. Each site is one copy of the bytes it is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Site {
    /// A received frame's bytes copied out of the stream into the frame buffer.
    FrameRead,
    /// Block bytes copied out of a decoded message (instead of sharing the frame buffer).
    Decode,
    /// Block bytes copied on their way from the receiver to the store writer.
    ToWriter,
    /// Block bytes copied from user space into a segment file (one `write`/`writev` of them).
    SegmentWrite,
    /// Block bytes copied out of a segment file into memory to serve or read them.
    SegmentRead,
    /// Block bytes copied into an encoded outgoing message.
    Encode,
    /// An encoded message copied into the stream's writer.
    StreamWrite,
    /// Not a copy: one pass of a hash function over block bytes (verifying or naming a block). Counted beside the
    /// copies because it is the costliest pass over each block, and the raw pipeline makes exactly one per block
    /// received: a second one on the receive path is as visible here as a copy.
    Hash,
}

impl Site {
    /// Every site, in the order [`snapshot`] reports them.
    pub const ALL: [Site; 8] = [
        Site::FrameRead,
        Site::Decode,
        Site::ToWriter,
        Site::SegmentWrite,
        Site::SegmentRead,
        Site::Encode,
        Site::StreamWrite,
        Site::Hash,
    ];

    /// The site's name as `--json` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Site::FrameRead => "frame_read",
            Site::Decode => "decode",
            Site::ToWriter => "to_writer",
            Site::SegmentWrite => "segment_write",
            Site::SegmentRead => "segment_read",
            Site::Encode => "encode",
            Site::StreamWrite => "stream_write",
            Site::Hash => "hash",
        }
    }
}

struct Counter {
    copies: AtomicU64,
    bytes: AtomicU64,
}

#[allow(clippy::declare_interior_mutable_const)] // only the array initialiser below uses it
const ZERO: Counter = Counter { copies: AtomicU64::new(0), bytes: AtomicU64::new(0) };
static COUNTERS: [Counter; Site::ALL.len()] = [ZERO; Site::ALL.len()];

/// Notes one copy of `bytes` block bytes at `site`.
pub fn record(site: Site, bytes: usize) {
    let c = &COUNTERS[site as usize];
    c.copies.fetch_add(1, Ordering::Relaxed);
    c.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
}

/// One site's totals since the process started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteCount {
    pub site: Site,
    pub copies: u64,
    pub bytes: u64,
}

/// The totals of every site since the process started.
pub fn snapshot() -> Vec<SiteCount> {
    Site::ALL
        .iter()
        .map(|&site| {
            let c = &COUNTERS[site as usize];
            SiteCount { site, copies: c.copies.load(Ordering::Relaxed), bytes: c.bytes.load(Ordering::Relaxed) }
        })
        .collect()
}

/// Bytes copied at `site` so far (for tests that compare before and after one transfer).
pub fn bytes_at(site: Site) -> u64 {
    COUNTERS[site as usize].bytes.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_site_counts_its_own_copies() {
        let before = snapshot();
        record(Site::Encode, 1000);
        record(Site::Encode, 24);
        let after = snapshot();
        let enc = |s: &[SiteCount]| *s.iter().find(|c| c.site == Site::Encode).unwrap();
        // Other tests in this process may copy too: at least ours are there.
        assert!(enc(&after).copies >= enc(&before).copies + 2);
        assert!(enc(&after).bytes >= enc(&before).bytes + 1024);
        assert_eq!(after.len(), Site::ALL.len());
        for site in Site::ALL {
            assert_eq!(serde_json::to_value(site).unwrap(), site.name(), "the text and JSON names agree");
        }
    }
}
