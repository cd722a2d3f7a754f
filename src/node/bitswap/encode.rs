//! Outgoing messages framed by hand around the blocks' own bytes, so that a served block is not copied into an
//! encoded buffer on its way from the store to the stream.
//!
//! prost would encode a whole message into one contiguous `Vec`, copying every block into it (1 MiB per block, on
//! top of the store's read). Here prost encodes only the small fields (the wantlist, prefixes, presences) and the
//! tags and lengths around each block; the block bytes stay in the `Bytes` the store returned, and the frame is
//! written as a sequence of slices. The bytes on the wire are exactly prost's encoding of the same message (fields
//! in tag order, proto3 defaults left out): the tests compare the two.

use bytes::Bytes;
use prost::Message as _;
use prost::encoding::{WireType, encode_key, encode_varint, encoded_len_varint};

use super::message::Message;

/// One varint-delimited frame as a list of parts to write in order: encoded fields, and block bytes shared with
/// whoever holds the blocks (the store's read).
#[derive(Debug, Default)]
pub struct Frame {
    parts: Vec<Bytes>,
    len: usize,
}

impl Frame {
    /// The parts, in wire order.
    pub fn parts(&self) -> &[Bytes] {
        &self.parts
    }

    /// Bytes on the wire, the length prefix included.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The frame in one buffer (tests; it copies).
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len);
        for p in &self.parts {
            out.extend_from_slice(p);
        }
        out
    }
}

/// Collects encoded fields into a pending buffer, closed into a part before each block's bytes.
struct Builder {
    frame: Frame,
    pending: Vec<u8>,
}

impl Builder {
    fn block(&mut self, data: &Bytes) {
        if !self.pending.is_empty() {
            self.close();
        }
        self.frame.len += data.len();
        self.frame.parts.push(data.clone()); // a reference count, not a copy
    }

    fn close(&mut self) {
        let done = std::mem::take(&mut self.pending);
        self.frame.len += done.len();
        self.frame.parts.push(Bytes::from(done));
    }
}

/// Frames `msg` (length prefix and body) without copying its blocks.
pub fn frame(msg: &Message) -> Frame {
    let mut b = Builder { frame: Frame::default(), pending: Vec::with_capacity(256) };
    encode_varint(msg.encoded_len() as u64, &mut b.pending);
    if let Some(wl) = &msg.wantlist {
        prost::encoding::message::encode(1, wl, &mut b.pending);
    }
    for data in &msg.blocks {
        encode_key(2, WireType::LengthDelimited, &mut b.pending);
        encode_varint(data.len() as u64, &mut b.pending);
        b.block(data);
    }
    for p in &msg.payload {
        encode_key(3, WireType::LengthDelimited, &mut b.pending);
        encode_varint(p.encoded_len() as u64, &mut b.pending);
        if !p.prefix.is_empty() {
            prost::encoding::bytes::encode(1, &p.prefix, &mut b.pending);
        }
        if !p.data.is_empty() {
            encode_key(2, WireType::LengthDelimited, &mut b.pending);
            encode_varint(p.data.len() as u64, &mut b.pending);
            b.block(&p.data);
        }
    }
    prost::encoding::message::encode_repeated(4, &msg.block_presences, &mut b.pending);
    if msg.pending_bytes != 0 {
        prost::encoding::int32::encode(5, &msg.pending_bytes, &mut b.pending);
    }
    if !b.pending.is_empty() {
        b.close();
    }
    debug_assert_eq!(b.frame.len, encoded_len_varint(msg.encoded_len() as u64) + msg.encoded_len());
    b.frame
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::bitswap::message::{
        BlockPresence, BlockPresenceType, PayloadBlock, WantType, Wantlist, WantlistEntry,
    };

    fn check(msg: &Message) {
        let ours = frame(msg);
        let prost = msg.encode_length_delimited_to_vec();
        assert_eq!(ours.len(), prost.len());
        assert_eq!(ours.to_vec(), prost, "hand framing differs from prost's for {msg:?}");
        assert_eq!(Message::decode_length_delimited(&ours.to_vec()[..]).unwrap(), *msg);
    }

    fn payload(prefix: &[u8], data: Vec<u8>) -> PayloadBlock {
        PayloadBlock { prefix: prefix.to_vec(), data: Bytes::from(data) }
    }

    #[test]
    fn hand_framed_bytes_are_prosts_bytes() {
        check(&Message::default());
        let wantlist = Some(Wantlist {
            entries: vec![
                WantlistEntry {
                    block: vec![1, 0x55, 0x12, 0x20, 7],
                    priority: 3,
                    cancel: true,
                    want_type: WantType::Have as i32,
                    send_dont_have: true,
                },
                WantlistEntry::default(),
            ],
            full: true,
        });
        let presences = vec![
            BlockPresence { cid: vec![1, 2, 3], r#type: BlockPresenceType::DontHave as i32 },
            BlockPresence { cid: vec![4], r#type: BlockPresenceType::Have as i32 },
        ];
        check(&Message { wantlist: wantlist.clone(), ..Default::default() });
        check(&Message { wantlist: Some(Wantlist::default()), ..Default::default() });
        check(&Message { block_presences: presences.clone(), pending_bytes: -5, ..Default::default() });
        // Payloads of every size class of length varint, an empty prefix, an empty block, 1.0.0 blocks.
        let sizes = [0usize, 1, 127, 128, 16_383, 16_384, 262_144, 1 << 20, (2 << 20) - 1];
        let payload_blocks: Vec<PayloadBlock> =
            sizes.iter().enumerate().map(|(i, &n)| payload(&[1, 0x55, 0x12, 0x20], vec![i as u8; n])).collect();
        check(&Message { payload: payload_blocks.clone(), ..Default::default() });
        check(&Message { payload: vec![payload(&[], vec![9; 300])], ..Default::default() });
        check(&Message {
            wantlist,
            blocks: vec![Bytes::new(), Bytes::from(vec![7u8; 200_000])],
            payload: payload_blocks,
            block_presences: presences,
            pending_bytes: 1 << 20,
        });
    }

    #[test]
    fn block_bytes_are_shared_not_copied() {
        let data = Bytes::from(vec![3u8; 1 << 20]);
        let msg = Message {
            payload: vec![PayloadBlock { prefix: vec![1, 0x55, 0x12, 0x20], data: data.clone() }],
            block_presences: vec![BlockPresence { cid: vec![1], r#type: 0 }],
            ..Default::default()
        };
        let f = frame(&msg);
        // Header, the block itself (the very same memory), then the presences.
        assert_eq!(f.parts().len(), 3);
        assert_eq!(f.parts()[1].as_ptr(), data.as_ptr());
        assert!(f.parts()[0].len() < 32 && f.parts()[2].len() < 32);
    }
}
