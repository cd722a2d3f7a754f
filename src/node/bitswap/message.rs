//! The Bitswap wire message (proto3, all versions in one schema), with prost.
//!
//! 1.0.0 peers send blocks in `blocks` (the CID is implied: CIDv0 of the bytes); 1.1.0 added `payload` with a
//! CID prefix per block; 1.2.0 added want types, block presences, `send_dont_have` and `pending_bytes`.

/// One Bitswap message as it travels in a varint-delimited frame.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Message {
    #[prost(message, optional, tag = "1")]
    pub wantlist: Option<Wantlist>,
    /// Bitswap 1.0.0 blocks: raw bytes whose CID is the CIDv0 (dag-pb, sha2-256) of the bytes.
    #[prost(bytes = "bytes", repeated, tag = "2")]
    pub blocks: Vec<bytes::Bytes>,
    /// Bitswap 1.1.0+ blocks: a CID prefix (version, codec, multihash type and length) and the bytes.
    #[prost(message, repeated, tag = "3")]
    pub payload: Vec<PayloadBlock>,
    #[prost(message, repeated, tag = "4")]
    pub block_presences: Vec<BlockPresence>,
    #[prost(int32, tag = "5")]
    pub pending_bytes: i32,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Wantlist {
    #[prost(message, repeated, tag = "1")]
    pub entries: Vec<WantlistEntry>,
    /// True when this list replaces the sender's previous wantlist entirely.
    #[prost(bool, tag = "2")]
    pub full: bool,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct WantlistEntry {
    /// CID bytes (1.1.0+); 1.0.0 peers put a CIDv0's bytes here.
    #[prost(bytes = "vec", tag = "1")]
    pub block: Vec<u8>,
    #[prost(int32, tag = "2")]
    pub priority: i32,
    #[prost(bool, tag = "3")]
    pub cancel: bool,
    #[prost(enumeration = "WantType", tag = "4")]
    pub want_type: i32,
    #[prost(bool, tag = "5")]
    pub send_dont_have: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum WantType {
    Block = 0,
    Have = 1,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PayloadBlock {
    #[prost(bytes = "vec", tag = "1")]
    pub prefix: Vec<u8>,
    #[prost(bytes = "bytes", tag = "2")]
    pub data: bytes::Bytes,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct BlockPresence {
    #[prost(bytes = "vec", tag = "1")]
    pub cid: Vec<u8>,
    #[prost(enumeration = "BlockPresenceType", tag = "2")]
    pub r#type: i32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum BlockPresenceType {
    Have = 0,
    DontHave = 1,
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message as _;

    #[test]
    fn a_want_have_entry_round_trips() {
        let m = Message {
            wantlist: Some(Wantlist {
                entries: vec![WantlistEntry {
                    block: vec![1, 0x55, 0x12, 0x20],
                    priority: 1,
                    cancel: false,
                    want_type: WantType::Have as i32,
                    send_dont_have: true,
                }],
                full: false,
            }),
            ..Default::default()
        };
        let bytes = m.encode_to_vec();
        assert_eq!(Message::decode(&bytes[..]).unwrap(), m);
        assert_eq!(m.encoded_len(), bytes.len());
    }
}
