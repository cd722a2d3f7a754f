//! dag-pb: the protobuf node format of UnixFS, with prost.
//!
//! The canonical dag-pb encoding writes `Links` (field 2) before `Data` (field 1), the opposite of field-number
//! order, so `encode` writes the fields by hand with prost's encoding helpers; a derived `encode` would produce
//! different bytes and therefore different CIDs than Kubo and Helia.

use bytes::{Buf, Bytes};
use cid::Cid;
use prost::Message;

/// One link of a dag-pb node, as on the wire.
#[derive(Clone, PartialEq, Message)]
pub struct PbLink {
    /// The linked CID's bytes.
    #[prost(bytes = "vec", optional, tag = "1")]
    pub hash: Option<Vec<u8>>,
    /// UnixFS names: a file's chunk links carry `""`, directory entries their names.
    #[prost(string, optional, tag = "2")]
    pub name: Option<String>,
    /// Cumulative size of the linked DAG (block bytes of the whole subtree).
    #[prost(uint64, optional, tag = "3")]
    pub tsize: Option<u64>,
}

/// A dag-pb node as on the wire (decoding only; see `encode`).
#[derive(Clone, PartialEq, Message)]
pub struct PbNode {
    #[prost(bytes = "bytes", optional, tag = "1")]
    pub data: Option<Bytes>,
    #[prost(message, repeated, tag = "2")]
    pub links: Vec<PbLink>,
}

/// A link with its CID parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub cid: Cid,
    pub name: String,
    pub tsize: Option<u64>,
}

/// A decoded dag-pb node with parsed link CIDs.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Node {
    pub data: Option<Bytes>,
    pub links: Vec<Link>,
}

#[derive(Debug, thiserror::Error)]
pub enum PbError {
    #[error("invalid dag-pb node: {0}")]
    Decode(#[from] prost::DecodeError),
    #[error("invalid CID in dag-pb link: {0}")]
    Cid(#[from] cid::Error),
    #[error("dag-pb link without a hash")]
    MissingHash,
}

impl Node {
    /// Decodes a dag-pb block. Field order is accepted either way (some old encoders wrote Data first).
    pub fn decode(buf: impl Buf) -> Result<Self, PbError> {
        let raw = PbNode::decode(buf)?;
        let links = raw
            .links
            .into_iter()
            .map(|l| {
                let hash = l.hash.ok_or(PbError::MissingHash)?;
                Ok(Link { cid: Cid::try_from(hash.as_slice())?, name: l.name.unwrap_or_default(), tsize: l.tsize })
            })
            .collect::<Result<Vec<_>, PbError>>()?;
        Ok(Node { data: raw.data, links })
    }

    /// Encodes canonically: links first, in the order given (callers sort directory entries), then data.
    /// Every link carries its name (empty for file chunks) and its tsize when known, as Kubo and Helia write.
    pub fn encode(&self) -> Vec<u8> {
        let mut buf = Vec::with_capacity(self.encoded_len_hint());
        for link in &self.links {
            let pb = PbLink { hash: Some(link.cid.to_bytes()), name: Some(link.name.clone()), tsize: link.tsize };
            prost::encoding::message::encode(2, &pb, &mut buf);
        }
        if let Some(data) = &self.data {
            prost::encoding::bytes::encode(1, data, &mut buf);
        }
        buf
    }

    fn encoded_len_hint(&self) -> usize {
        self.data.as_ref().map_or(0, |d| d.len() + 6) + self.links.len() * 48
    }
}

/// The CIDs a block links to, for walking DAGs (pins, gc, CAR export). Raw blocks and unknown codecs have none
/// that this node follows; identity CIDs are followed like any other (their blocks come from the CID).
pub fn links(cid: &Cid, data: &[u8]) -> Result<Vec<Cid>, PbError> {
    if cid.codec() != crate::node::block::DAG_PB {
        return Ok(Vec::new());
    }
    Ok(Node::decode(data)?.links.into_iter().map(|l| l.cid).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_written_before_data() {
        let cid: Cid = "bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq".parse().unwrap();
        let node = Node {
            data: Some(Bytes::from_static(&[8, 2])),
            links: vec![Link { cid, name: String::new(), tsize: Some(29) }],
        };
        let bytes = node.encode();
        assert_eq!(bytes[0], 0x12, "field 2 (Links) must come first");
        assert_eq!(&bytes[bytes.len() - 4..], &[0x0a, 2, 8, 2]);
        assert_eq!(Node::decode(&bytes[..]).unwrap(), node);
    }

    #[test]
    fn empty_kubo_file_node_has_known_cid() {
        // Kubo's `ipfs add` of an empty file: UnixFS {Type: File, filesize: 0}.
        let node = Node { data: Some(Bytes::from_static(&[0x08, 0x02, 0x18, 0x00])), links: vec![] };
        let block = crate::node::block::Block::from_data(
            cid::Version::V0,
            crate::node::block::DAG_PB,
            crate::node::block::SHA2_256,
            node.encode(),
        )
        .unwrap();
        assert_eq!(block.cid().to_string(), "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(Node::decode(&[0x12, 0xff, 0xff, 0xff][..]).is_err());
        assert!(Node::decode(&[0x12, 0x02, 0x0a, 0x00][..]).is_err()); // empty CID bytes
    }
}
