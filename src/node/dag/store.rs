//! The two sides of block storage that DAG code needs, so importers, exporters and CAR code run the same over the
//! on-disk blockstore, an in-memory map (tests, `add --only-hash`), or later the network.

use std::collections::HashMap;
use std::sync::Mutex;

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
    pub fn len(&self) -> usize {
        self.blocks.lock().expect("memory store lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl BlockSink for MemoryStore {
    fn put(&mut self, block: Block) -> Result<(), StoreError> {
        let (cid, data) = block.into_parts();
        self.blocks.lock().expect("memory store lock").insert(cid.hash().to_bytes(), data);
        Ok(())
    }
}

impl BlockSink for &MemoryStore {
    fn put(&mut self, block: Block) -> Result<(), StoreError> {
        let (cid, data) = block.into_parts();
        self.blocks.lock().expect("memory store lock").insert(cid.hash().to_bytes(), data);
        Ok(())
    }
}

impl BlockSource for MemoryStore {
    fn get(&self, cid: &Cid) -> Result<Option<Bytes>, StoreError> {
        if let Some(b) = identity_block(cid) {
            return Ok(Some(b));
        }
        Ok(self.blocks.lock().expect("memory store lock").get(&cid.hash().to_bytes()).cloned())
    }
}
