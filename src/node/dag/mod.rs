//! DAGs: dag-pb, UnixFS import and export, CAR files.

pub mod pb;
pub mod store;
pub mod unixfs_pb;

pub use store::{BlockSink, BlockSource, MemoryStore, NullSink};
