//! DAGs: dag-pb, UnixFS import and export, CAR files.

pub mod car;
pub mod chunker;
pub mod dir_builder;
pub mod exporter;
pub mod hamt_writer;
pub mod importer;
pub mod out_dir;
pub mod pb;
pub mod profile;
pub mod rabin;
pub mod resolver;
pub mod store;
pub mod trickle;
pub mod unixfs_pb;
pub mod walk;

pub use store::{BlockSink, BlockSource, MemoryStore, NullSink};
