//! DAGs: dag-pb, UnixFS import and export, CAR files.

pub mod pb;
pub mod unixfs_pb;
