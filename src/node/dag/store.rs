//! The two sides of block storage that DAG code needs, so importers, exporters and CAR code run the same over the
//! on-disk blockstore, an in-memory map (tests, `add --only-hash`), or later the network.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use bytes::Bytes;
use cid::Cid;

use crate::node::block::{self, Block};
use crate::node::blockstore::{BlockWriter, Blockstore, StoreError};

/// Where imported blocks go.
pub trait BlockSink {
    fn put(&mut self, block: Block) -> Result<(), StoreError>;
}

/// Where exported blocks come from. `Ok(None)` means the block is missing.
pub trait BlockSource {
    fn get(&self, cid: &Cid) -> Result<Option<Bytes>, StoreError>;

    /// Like `get`, but a missing block is an error that names it.
    fn require(&self, cid: &Cid) -> Result<Bytes, StoreError> {
        self.get(cid)?.ok_or(StoreError::NotFound(*cid))
    }
}

/// Identity CIDs carry their block: answer them without asking the store.
pub fn identity_block(cid: &Cid) -> Option<Bytes> {
    (cid.hash().code() == block::IDENTITY).then(|| Bytes::copy_from_slice(cid.hash().digest()))
}

impl BlockSink for BlockWriter {
    fn put(&mut self, block: Block) -> Result<(), StoreError> {
        BlockWriter::put(self, block)
    }
}

impl BlockSource for Blockstore {
    fn get(&self, cid: &Cid) -> Result<Option<Bytes>, StoreError> {
        Blockstore::get(self, cid)
    }
}

/// Discards blocks: `add --only-hash` computes CIDs without storing anything.
#[derive(Default)]
pub struct NullSink {
    pub blocks: u64,
    pub bytes: u64,
}

impl BlockSink for NullSink {
    fn put(&mut self, block: Block) -> Result<(), StoreError> {
        self.blocks += 1;
        self.bytes += block.len() as u64;
        Ok(())
    }
}

/// An in-memory store keyed by multihash, for tests and tools.
#[derive(Default)]
pub struct MemoryStore {
    blocks: Mutex<HashMap<Vec<u8>, Bytes>>,
}

impl MemoryStore {
    /// The map, recovered if a holder panicked (as everywhere in the node): every update is one insert, so the
    /// map is whole whatever the panic interrupted.
    fn blocks(&self) -> MutexGuard<'_, HashMap<Vec<u8>, Bytes>> {
        self.blocks.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn len(&self) -> usize {
        self.blocks().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl BlockSink for MemoryStore {
    fn put(&mut self, block: Block) -> Result<(), StoreError> {
        let (cid, data) = block.into_parts();
        self.blocks().insert(cid.hash().to_bytes(), data);
        Ok(())
    }
}

impl BlockSink for &MemoryStore {
    fn put(&mut self, block: Block) -> Result<(), StoreError> {
        let (cid, data) = block.into_parts();
        self.blocks().insert(cid.hash().to_bytes(), data);
        Ok(())
    }
}

impl BlockSource for MemoryStore {
    fn get(&self, cid: &Cid) -> Result<Option<Bytes>, StoreError> {
        if let Some(b) = identity_block(cid) {
            return Ok(Some(b));
        }
        Ok(self.blocks().get(&cid.hash().to_bytes()).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::block::{RAW, SHA2_256};

    #[test]
    fn a_poisoned_memory_store_is_recovered_not_a_panic() {
        let store = MemoryStore::default();
        let block = Block::from_data(cid::Version::V1, RAW, SHA2_256, b"kept".to_vec()).unwrap();
        let cid = *block.cid();
        (&store).put(block).unwrap();
        let panicked = std::thread::scope(|s| {
            s.spawn(|| {
                let _held = store.blocks.lock().unwrap();
                panic!("provoked while holding the memory store");
            })
            .join()
        });
        assert!(panicked.is_err() && store.blocks.is_poisoned());
        assert_eq!(store.get(&cid).unwrap().as_deref(), Some(&b"kept"[..]));
        let other = Block::from_data(cid::Version::V1, RAW, SHA2_256, b"more".to_vec()).unwrap();
        (&store).put(other).unwrap();
        assert_eq!(store.len(), 2);
    }
}
