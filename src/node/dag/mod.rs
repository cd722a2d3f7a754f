//! DAGs: dag-pb, UnixFS import and export, CAR files.

pub mod car;
pub mod chunker;
pub mod exporter;
pub mod importer;
pub mod out_dir;
pub mod pb;
pub mod profile;
pub mod store;
pub mod unixfs_pb;
pub mod walk;

pub use store::{BlockSink, BlockSource, MemoryStore, NullSink};
