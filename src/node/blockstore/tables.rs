//! The redb tables of a repo and the encoding of block locations. The index is a cache of what the segments say
//! (blocks, pins) plus bookkeeping (segment lengths, totals): `repo verify --rebuild-index` makes it again.

use redb::TableDefinition;

/// multihash bytes -> [`Location`] bytes.
pub const BLOCKS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("blocks");
/// segment id -> (committed length, live bytes).
pub const SEGMENTS: TableDefinition<u32, (u64, u64)> = TableDefinition::new("segments");
/// CID bytes -> pin kind (0 recursive, 1 direct).
pub const PINS: TableDefinition<&[u8], u8> = TableDefinition::new("pins");
/// Running totals, kept in the same transactions as the blocks they count, and the format bookkeeping.
pub const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
/// Blocks found damaged on read and dropped from `BLOCKS` (so a re-add or fetch replaces them): multihash ->
/// codec (8 bytes LE). A good copy stored again removes the entry.
pub const BAD: TableDefinition<&[u8], &[u8]> = TableDefinition::new("bad_blocks");
/// Segments compaction dropped whose files may still exist (a crash between the commit and the unlink): their
/// files are deleted on the next open.
pub const RETIRED: TableDefinition<u32, ()> = TableDefinition::new("retired_segments");

pub const META_BLOCKS: &str = "blocks";
pub const META_BYTES: &str = "block_bytes";
/// The repo format of this index (absent: format 1).
pub const META_FORMAT: &str = "format";
/// The repo id of `repo.json`: an index of another repo is not this one's.
pub const META_REPO_ID: &str = "repo_id";
/// The highest segment id ever committed: a segment file above it was created after the last commit.
pub const META_MAX_SEGMENT: &str = "max_segment";
/// While format 1 is migrated: segments below this id hold bare bodies, those from it on hold records.
pub const META_MIGRATE_FLOOR: &str = "migrate_floor";

/// Where a block's bytes are, and the codec it was first stored under (for listing CIDs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// Format 1: a small block inside the index (read only while migrating).
    Inline { codec: u64, data: Vec<u8> },
    /// Format 1: a bare body in a segment (read only while migrating).
    Bare { codec: u64, segment: u32, offset: u64, len: u32 },
    /// A framed record; `offset` is where its body starts (the header is just before it).
    Record { codec: u64, segment: u32, offset: u64, len: u32 },
}

impl Location {
    pub fn codec(&self) -> u64 {
        match self {
            Location::Inline { codec, .. } | Location::Bare { codec, .. } | Location::Record { codec, .. } => *codec,
        }
    }

    pub fn len(&self) -> u64 {
        match self {
            Location::Inline { data, .. } => data.len() as u64,
            Location::Bare { len, .. } | Location::Record { len, .. } => u64::from(*len),
        }
    }

    /// The segment holding the body, if any.
    pub fn segment(&self) -> Option<u32> {
        match self {
            Location::Inline { .. } => None,
            Location::Bare { segment, .. } | Location::Record { segment, .. } => Some(*segment),
        }
    }

    /// Bytes the block takes in its segment (with its header) and where that span ends, for live-byte counts and
    /// for telling whether a short segment still holds it.
    pub fn span(&self, mh: &multihash::Multihash<64>) -> Option<(u32, u64, u64)> {
        match self {
            Location::Inline { .. } => None,
            Location::Bare { segment, offset, len, .. } => Some((*segment, u64::from(*len), offset + u64::from(*len))),
            Location::Record { codec, segment, offset, len } => {
                let header = super::record::block_header_len(*codec, mh);
                Some((*segment, header + u64::from(*len), offset + u64::from(*len)))
            }
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
            Location::Bare { codec, segment, offset, len } | Location::Record { codec, segment, offset, len } => {
                let mut v = Vec::with_capacity(25);
                v.push(if matches!(self, Location::Bare { .. }) { 1 } else { 2 });
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
            1 | 2 if rest.len() == 16 => {
                let segment = u32::from_le_bytes(rest[..4].try_into().ok()?);
                let offset = u64::from_le_bytes(rest[4..12].try_into().ok()?);
                let len = u32::from_le_bytes(rest[12..16].try_into().ok()?);
                Some(if tag == 1 {
                    Location::Bare { codec, segment, offset, len }
                } else {
                    Location::Record { codec, segment, offset, len }
                })
            }
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
            Location::Bare { codec: 0x70, segment: 7, offset: 1 << 40, len: 1 << 20 },
            Location::Record { codec: 0x55, segment: 9, offset: 77, len: 5 },
        ] {
            assert_eq!(Location::decode(&loc.encode()), Some(loc));
        }
        assert_eq!(Location::decode(&[1, 0]), None);
        assert_eq!(Location::decode(&[]), None);
    }
}
