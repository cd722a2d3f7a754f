//! Operation ids: one counter for every operation a process runs (a TUI's put, a daemon's `get` for a client, a
//! DAG fetch), so that progress events name their operation by id and consumers never match by CID or text.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

/// Names one operation in progress events (`progress.op`) and in the TUI's operation list. Serialised as a bare
/// number. Unique within the process that allocated it: a daemon allocates for the commands it runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OpId(pub u64);

/// The process's one allocator. Starts at 1, so 0 never names an operation.
static NEXT: AtomicU64 = AtomicU64::new(1);

impl OpId {
    /// A fresh id, never handed out before in this process.
    pub fn next() -> Self {
        OpId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

impl std::fmt::Display for OpId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_across_threads_and_never_zero() {
        let handles: Vec<_> =
            (0..4).map(|_| std::thread::spawn(|| (0..1000).map(|_| OpId::next()).collect::<Vec<_>>())).collect();
        let mut all: Vec<OpId> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 4000);
        assert!(all[0] > OpId(0));
        assert_eq!(serde_json::to_string(&OpId(7)).unwrap(), "7");
    }
}
