//! The redb tables of a repo and the encoding of block locations.

use redb::TableDefinition;

/// multihash bytes -> [`Location`] bytes.
pub const BLOCKS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("blocks");
/// segment id -> (committed length, live bytes).
pub const SEGMENTS: TableDefinition<u32, (u64, u64)> = TableDefinition::new("segments");
/// CID bytes -> pin kind (0 recursive, 1 direct).
pub const PINS: TableDefinition<&[u8], u8> = TableDefinition::new("pins");
/// Running totals, kept in the same transactions as the blocks they count.
pub const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

pub const META_BLOCKS: &str = "blocks";
pub const META_BYTES: &str = "block_bytes";

/// Blocks up to this size live inline in redb, where small values share pages; larger ones go to segments,
/// where they cost exactly their length (redb would round a large value up to a power of two).
pub const INLINE_MAX: usize = 1024;

/// Where a block's bytes are, and the codec it was first stored under (for listing CIDs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    Inline { codec: u64, data: Vec<u8> },
    Segment { codec: u64, segment: u32, offset: u64, len: u32 },
}

impl Location {
    pub fn codec(&self) -> u64 {
        match self {
            Location::Inline { codec, .. } | Location::Segment { codec, .. } => *codec,
        }
    }

    pub fn len(&self) -> u64 {
        match self {
            Location::Inline { data, .. } => data.len() as u64,
            Location::Segment { len, .. } => u64::from(*len),
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        match self {
            Location::Inline { codec, data } => {
                let mut v = Vec::with_capacity(9 + data.len());
                v.push(0);
                v.extend_from_slice(&codec.to_le_bytes());
                v.extend_from_slice(data);
                v
            }
            Location::Segment { codec, segment, offset, len } => {
                let mut v = Vec::with_capacity(25);
                v.push(1);
                v.extend_from_slice(&codec.to_le_bytes());
                v.extend_from_slice(&segment.to_le_bytes());
                v.extend_from_slice(&offset.to_le_bytes());
                v.extend_from_slice(&len.to_le_bytes());
                v
            }
        }
    }

    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let (&tag, rest) = bytes.split_first()?;
        let codec = u64::from_le_bytes(rest.get(..8)?.try_into().ok()?);
        let rest = &rest[8..];
        match tag {
            0 => Some(Location::Inline { codec, data: rest.to_vec() }),
            1 if rest.len() == 16 => Some(Location::Segment {
                codec,
                segment: u32::from_le_bytes(rest[..4].try_into().ok()?),
                offset: u64::from_le_bytes(rest[4..12].try_into().ok()?),
                len: u32::from_le_bytes(rest[12..16].try_into().ok()?),
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_round_trip() {
        for loc in [
            Location::Inline { codec: 0x55, data: vec![1, 2, 3] },
            Location::Segment { codec: 0x70, segment: 7, offset: 1 << 40, len: 1 << 20 },
        ] {
            assert_eq!(Location::decode(&loc.encode()), Some(loc));
        }
        assert_eq!(Location::decode(&[1, 0]), None);
        assert_eq!(Location::decode(&[]), None);
    }
}
