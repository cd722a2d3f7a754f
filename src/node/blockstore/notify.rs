//! Store notifications: every committed write that adds or removes blocks is announced once, after its commit,
//! on a bounded broadcast channel. The node uses them to tell the UI what was stored and (later) to serve blocks
//! that arrive after a peer asked for them.
//!
//! A receiver that falls more than [`CHANGES_CAPACITY`] commits behind gets `RecvError::Lagged(n)` from tokio:
//! it has missed `n` changes and must resync from the store itself (`Blockstore::cids`), as the node does with
//! its periodic snapshots.

use cid::Cid;
use tokio::sync::broadcast;

/// Commits a receiver may fall behind before it lags.
pub const CHANGES_CAPACITY: usize = 256;

/// What one committed write changed. CIDs are CIDv1 (codec + multihash): the store keys blocks by multihash, so
/// a block put under CIDv0 is announced under its CIDv1.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoreChange {
    /// Blocks this commit newly stored (blocks already present are not repeated).
    pub added: Vec<Cid>,
    /// Blocks this commit removed: gc, `block rm`, an aborted import, or blocks found damaged (also in `damaged`).
    pub removed: Vec<Cid>,
    /// Blocks found damaged on read (their bytes do not hash to their CID, or their segment is unreadable) and
    /// dropped so that a re-add or a fetch can replace them. Unsafe to ignore: a consumer should report them.
    pub damaged: Vec<Cid>,
}

impl StoreChange {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.damaged.is_empty()
    }
}

/// The sending side, owned by the store.
pub(super) struct Notifier {
    tx: broadcast::Sender<StoreChange>,
}

impl Default for Notifier {
    fn default() -> Self {
        Self { tx: broadcast::channel(CHANGES_CAPACITY).0 }
    }
}

impl Notifier {
    pub(super) fn subscribe(&self) -> broadcast::Receiver<StoreChange> {
        self.tx.subscribe()
    }

    /// Announces a committed change (nothing when it is empty or nobody listens).
    pub(super) fn announce(&self, change: StoreChange) {
        if !change.is_empty() {
            // An error only means there is no receiver right now.
            let _ = self.tx.send(change);
        }
    }
}
