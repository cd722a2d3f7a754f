//! The UnixFS `Data` message (proto2), with prost.
//!
//! `blocksizes` is a proto2 repeated scalar and so is written unpacked, as Kubo and Helia write it; a packed
//! encoding would change every parent node's CID.

use prost::Message;

/// UnixFS node types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum DataType {
    Raw = 0,
    Directory = 1,
    File = 2,
    Metadata = 3,
    Symlink = 4,
    HamtShard = 5,
}

/// UnixFS modification time.
#[derive(Clone, PartialEq, Message)]
pub struct UnixTime {
    #[prost(int64, required, tag = "1")]
    pub seconds: i64,
    #[prost(fixed32, optional, tag = "2")]
    pub fractional_nanoseconds: Option<u32>,
}

/// The `Data` field of a UnixFS dag-pb node.
#[derive(Clone, PartialEq, Message)]
pub struct Data {
    #[prost(enumeration = "DataType", required, tag = "1")]
    pub r#type: i32,
    #[prost(bytes = "vec", optional, tag = "2")]
    pub data: Option<Vec<u8>>,
    #[prost(uint64, optional, tag = "3")]
    pub filesize: Option<u64>,
    #[prost(uint64, repeated, packed = "false", tag = "4")]
    pub blocksizes: Vec<u64>,
    #[prost(uint64, optional, tag = "5")]
    pub hash_type: Option<u64>,
    #[prost(uint64, optional, tag = "6")]
    pub fanout: Option<u64>,
    #[prost(uint32, optional, tag = "7")]
    pub mode: Option<u32>,
    #[prost(message, optional, tag = "8")]
    pub mtime: Option<UnixTime>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocksizes_are_unpacked() {
        let d = Data { r#type: DataType::File as i32, filesize: Some(3), blocksizes: vec![1, 2], ..Default::default() };
        assert_eq!(d.encode_to_vec(), vec![0x08, 0x02, 0x18, 0x03, 0x20, 0x01, 0x20, 0x02]);
    }
}
