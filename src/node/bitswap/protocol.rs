//! The Bitswap protocol versions and what each can carry, and the translation between wire messages and the
//! node's parsed form (entries with CIDs, verified blocks).

use cid::Cid;
use libp2p::StreamProtocol;

use super::message::{BlockPresence, BlockPresenceType, Message, PayloadBlock, WantType, Wantlist, WantlistEntry};
use crate::node::block::{self, Block};

pub const V120: StreamProtocol = StreamProtocol::new("/ipfs/bitswap/1.2.0");
pub const V110: StreamProtocol = StreamProtocol::new("/ipfs/bitswap/1.1.0");
pub const V100: StreamProtocol = StreamProtocol::new("/ipfs/bitswap/1.0.0");
pub const V_BARE: StreamProtocol = StreamProtocol::new("/ipfs/bitswap");

/// Every version, newest first: the order outbound streams try them in.
pub const PROTOCOLS: [StreamProtocol; 4] = [V120, V110, V100, V_BARE];

/// What a version can express.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum Version {
    /// 1.0.0 and bare `/ipfs/bitswap`: CIDv0 blocks only, wants are always for blocks.
    V100,
    /// 1.1.0: blocks with CID prefixes.
    V110,
    /// 1.2.0: want types, HAVE / DONT_HAVE, `sendDontHave`.
    V120,
}

impl Version {
    pub fn of(protocol: &StreamProtocol) -> Self {
        match protocol.as_ref() {
            "/ipfs/bitswap/1.2.0" => Version::V120,
            "/ipfs/bitswap/1.1.0" => Version::V110,
            _ => Version::V100,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Version::V120 => "1.2.0",
            Version::V110 => "1.1.0",
            Version::V100 => "1.0.0",
        }
    }
}

/// One wantlist entry, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Want {
    pub cid: Cid,
    pub want_type: WantType,
    pub send_dont_have: bool,
    pub cancel: bool,
    pub priority: i32,
}

/// A received block, verified or refused.
#[derive(Clone, Debug)]
pub enum ReceivedBlock {
    Ok(Block),
    Rejected { cid: Option<Cid>, reason: String },
}

/// An incoming message in the node's terms.
#[derive(Clone, Debug, Default)]
pub struct Parsed {
    pub full: bool,
    pub wants: Vec<Want>,
    pub blocks: Vec<ReceivedBlock>,
    pub haves: Vec<Cid>,
    pub dont_haves: Vec<Cid>,
    /// Entries that could not be parsed (bad CIDs): counted against the peer.
    pub malformed: usize,
    /// The frame's encoded size and the sender's pendingBytes (1.2.0), for the message inspector.
    pub frame_bytes: u64,
    pub pending_bytes: i32,
}

/// Builds a CID from a 1.1.0 payload prefix (version, codec, multihash code, digest length) and the block's bytes,
/// hashing them once: the block is verified by construction.
fn block_from_prefix(prefix: &[u8], data: bytes::Bytes) -> Result<Block, (Option<Cid>, String)> {
    let mut rest = prefix;
    let mut next = || -> Result<u64, (Option<Cid>, String)> {
        let (v, r) = unsigned_varint_decode(rest).ok_or((None, "malformed CID prefix".to_string()))?;
        rest = r;
        Ok(v)
    };
    let (version, codec, mh_code, mh_len) = (next()?, next()?, next()?, next()?);
    Block::from_prefix(version, codec, mh_code, mh_len, data).map_err(|e| (None, e.to_string()))
}

fn unsigned_varint_decode(buf: &[u8]) -> Option<(u64, &[u8])> {
    let mut value = 0u64;
    for (i, b) in buf.iter().enumerate().take(10) {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, &buf[i + 1..]));
        }
    }
    None
}

/// The CID prefix of a block, as 1.1.0+ payloads carry it.
pub fn prefix_of(cid: &Cid) -> Vec<u8> {
    let mut out = Vec::with_capacity(8);
    for v in [cid.version() as u64, cid.codec(), cid.hash().code(), u64::from(cid.hash().size())] {
        prost::encoding::encode_varint(v, &mut out);
    }
    out
}

/// Parses an incoming message. Blocks are hashed here, on the reader's task, not on the node's.
pub fn parse(msg: Message) -> Parsed {
    let mut out = Parsed {
        frame_bytes: prost::Message::encoded_len(&msg) as u64,
        pending_bytes: msg.pending_bytes,
        ..Parsed::default()
    };
    if let Some(wl) = msg.wantlist {
        out.full = wl.full;
        for e in wl.entries {
            match Cid::try_from(e.block.as_slice()) {
                Ok(cid) => out.wants.push(Want {
                    cid,
                    want_type: WantType::try_from(e.want_type).unwrap_or(WantType::Block),
                    send_dont_have: e.send_dont_have,
                    cancel: e.cancel,
                    priority: e.priority,
                }),
                Err(_) => out.malformed += 1,
            }
        }
    }
    for data in msg.blocks {
        // 1.0.0: the CID is the CIDv0 of the bytes.
        let b =
            Block::from_data(cid::Version::V0, block::DAG_PB, block::SHA2_256, data).map_err(|e| (None, e.to_string()));
        out.blocks.push(match b {
            Ok(b) => ReceivedBlock::Ok(b),
            Err((cid, reason)) => ReceivedBlock::Rejected { cid, reason },
        });
    }
    for p in msg.payload {
        out.blocks.push(match block_from_prefix(&p.prefix, p.data) {
            Ok(b) => ReceivedBlock::Ok(b),
            Err((cid, reason)) => ReceivedBlock::Rejected { cid, reason },
        });
    }
    for p in msg.block_presences {
        match Cid::try_from(p.cid.as_slice()) {
            Ok(cid) if p.r#type == BlockPresenceType::DontHave as i32 => out.dont_haves.push(cid),
            Ok(cid) => out.haves.push(cid),
            Err(_) => out.malformed += 1,
        }
    }
    out
}

/// What we send, before it is shaped for the peer's version.
#[derive(Clone, Debug, Default)]
pub struct Outgoing {
    pub full: bool,
    pub wants: Vec<Want>,
    pub blocks: Vec<Block>,
    pub haves: Vec<Cid>,
    pub dont_haves: Vec<Cid>,
}

impl Outgoing {
    pub fn is_empty(&self) -> bool {
        !self.full
            && self.wants.is_empty()
            && self.blocks.is_empty()
            && self.haves.is_empty()
            && self.dont_haves.is_empty()
    }

    /// What of this a peer speaking `version` can be told: before 1.2.0 there are no presences, and every want is
    /// a want for the block, without `sendDontHave`.
    pub fn shaped(&self, version: Version) -> Outgoing {
        if version == Version::V120 {
            return self.clone();
        }
        Outgoing {
            full: self.full,
            wants: self
                .wants
                .iter()
                .map(|w| Want { want_type: WantType::Block, send_dont_have: false, ..w.clone() })
                .collect(),
            blocks: self.blocks.clone(),
            haves: Vec::new(),
            dont_haves: Vec::new(),
        }
    }

    /// The wire message for a peer speaking `version`: older versions lose what they cannot express (a WANT_HAVE
    /// becomes a want for the block, presences are dropped, blocks lose their prefixes).
    pub fn to_message(&self, version: Version) -> Message {
        let entries: Vec<WantlistEntry> = self
            .wants
            .iter()
            .map(|w| WantlistEntry {
                block: w.cid.to_bytes(),
                priority: w.priority,
                cancel: w.cancel,
                want_type: if version == Version::V120 { w.want_type as i32 } else { WantType::Block as i32 },
                send_dont_have: version == Version::V120 && w.send_dont_have,
            })
            .collect();
        let wantlist = (self.full || !entries.is_empty()).then_some(Wantlist { entries, full: self.full });
        let mut msg = Message { wantlist, ..Default::default() };
        match version {
            Version::V100 => msg.blocks = self.blocks.iter().map(|b| b.data().clone()).collect(),
            _ => {
                msg.payload = self
                    .blocks
                    .iter()
                    .map(|b| PayloadBlock { prefix: prefix_of(b.cid()), data: b.data().clone() })
                    .collect()
            }
        }
        if version == Version::V120 {
            let presence = |cid: &Cid, t: BlockPresenceType| BlockPresence { cid: cid.to_bytes(), r#type: t as i32 };
            msg.block_presences = self
                .haves
                .iter()
                .map(|c| presence(c, BlockPresenceType::Have))
                .chain(self.dont_haves.iter().map(|c| presence(c, BlockPresenceType::DontHave)))
                .collect();
        }
        msg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_blocks_are_verified_through_their_prefix() {
        let b = Block::from_data(cid::Version::V1, block::RAW, block::SHA2_256, &b"payload"[..]).unwrap();
        let out = Outgoing { blocks: vec![b.clone()], ..Default::default() };
        let parsed = parse(out.to_message(Version::V120));
        assert!(matches!(&parsed.blocks[..], [ReceivedBlock::Ok(got)] if got.cid() == b.cid()));

        let v0 = Block::from_data(cid::Version::V0, block::DAG_PB, block::SHA2_256, &b"\x0a\x02\x08\x02"[..]).unwrap();
        let parsed = parse(Outgoing { blocks: vec![v0.clone()], ..Default::default() }.to_message(Version::V100));
        assert!(matches!(&parsed.blocks[..], [ReceivedBlock::Ok(got)] if got.cid() == v0.cid()));

        let bad = Message {
            payload: vec![PayloadBlock { prefix: vec![1, 0x55, 0x99, 0x01], data: bytes::Bytes::from_static(b"x") }],
            ..Default::default()
        };
        assert!(matches!(&parse(bad).blocks[..], [ReceivedBlock::Rejected { .. }]));
    }

    #[test]
    fn older_versions_lose_what_they_cannot_say() {
        let cid = Block::from_data(cid::Version::V1, block::RAW, block::SHA2_256, &b"x"[..]).unwrap().cid().to_owned();
        let out = Outgoing {
            wants: vec![Want { cid, want_type: WantType::Have, send_dont_have: true, cancel: false, priority: 1 }],
            haves: vec![cid],
            ..Default::default()
        };
        let m = out.to_message(Version::V110);
        let e = &m.wantlist.as_ref().unwrap().entries[0];
        assert_eq!((e.want_type, e.send_dont_have), (WantType::Block as i32, false));
        assert!(m.block_presences.is_empty());
        assert_eq!(out.to_message(Version::V120).block_presences.len(), 1);
    }
}
