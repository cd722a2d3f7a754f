//! Writing HAMT-sharded UnixFS directories, node for node as Helia's importer (`dir-sharded.js` over
//! `hamt-sharding`) and Kubo write them, so that a large directory gets their CIDs.
//!
//! - Fanout 256: each level of the trie consumes 8 bits of the hash of the entry's name.
//! - The hash is murmur3-x64-64: the first 64-bit half (`h1`) of murmur3 x64 128 with seed 0, read from its most
//!   significant byte down. Past 64 bits the name is hashed again with one byte appended (1, 2, …), as
//!   `hamt-sharding`'s infinite hash does (never reached by real names).
//! - A slot holding one entry links to it by the slot's two upper-case hex digits followed by the name; a slot
//!   that two or more names share holds a sub-shard, linked by the two hex digits alone. The trie depends only on
//!   the set of names, never on the order they came in.
//! - A shard node's Data is UnixFS `HAMTShard` with the occupied-slot bitfield as a big-endian integer (leading
//!   zero bytes dropped), `hashType` 0x22 (murmur3) and `fanout` 256. Links follow slot order.

use bytes::Bytes;
use cid::Cid;
use prost::Message;

use super::importer::{ImportError, Imported};
use super::pb::{Link, Node};
use super::profile::ImportOptions;
use super::store::BlockSink;
use super::unixfs_pb::{Data, DataType};
use crate::node::block::{Block, DAG_PB};

/// Slots per shard node.
pub const FANOUT: usize = 256;
/// The multihash code UnixFS records for the HAMT hash (murmur3-x64-64).
pub const HASH_TYPE: u64 = 0x22;
/// Deeper tries are refused: 64 levels consume 512 bits of hash, which distinct names never all share.
const MAX_LEVEL: usize = 64;

/// One directory entry to place in the trie.
#[derive(Clone, Debug)]
pub struct Entry {
    pub name: String,
    pub cid: Cid,
    pub tsize: u64,
}

/// murmur3-x64-64 of `data`: `h1` of murmur3 x64 128, seed 0.
pub fn murmur3_x64_64(data: &[u8]) -> u64 {
    // Reading from a slice cannot fail; 0 would only come from an I/O error that cannot happen.
    murmur3::murmur3_x64_128(&mut std::io::Cursor::new(data), 0).map_or(0, |full| full as u64)
}

/// The slot of `name` at trie `level`: byte `level` of the name's hash stream, most significant first.
pub fn slot(name: &[u8], level: usize) -> usize {
    let round = level / 8;
    let h1 = if round == 0 {
        murmur3_x64_64(name)
    } else {
        let mut salted = name.to_vec();
        salted.push(round as u8);
        murmur3_x64_64(&salted)
    };
    ((h1 >> (56 - 8 * (level % 8))) & 0xff) as usize
}

/// Writes `entries` (distinct names) as a HAMT-sharded directory, sub-shards first; returns the root.
pub fn write_shard(
    entries: Vec<Entry>,
    opts: &ImportOptions,
    sink: &mut dyn BlockSink,
) -> Result<Imported, ImportError> {
    write_level(entries, 0, opts, sink)
}

fn write_level(
    entries: Vec<Entry>,
    level: usize,
    opts: &ImportOptions,
    sink: &mut dyn BlockSink,
) -> Result<Imported, ImportError> {
    if level > MAX_LEVEL {
        let name = entries.first().map(|e| e.name.clone()).unwrap_or_default();
        return Err(ImportError::DuplicateName(name));
    }
    let mut slots: Vec<Vec<Entry>> = (0..FANOUT).map(|_| Vec::new()).collect();
    for entry in entries {
        slots[slot(entry.name.as_bytes(), level)].push(entry);
    }
    let mut bitfield = [0u8; FANOUT / 8];
    let mut links = Vec::new();
    let mut links_tsize = 0u64;
    for (i, mut group) in slots.into_iter().enumerate() {
        let link = match group.len() {
            0 => continue,
            1 => {
                let Some(only) = group.pop() else { continue };
                Link { cid: only.cid, name: format!("{i:02X}{}", only.name), tsize: Some(only.tsize) }
            }
            _ => {
                let sub = write_level(group, level + 1, opts, sink)?;
                Link { cid: sub.cid, name: format!("{i:02X}"), tsize: Some(sub.tsize) }
            }
        };
        bitfield[FANOUT / 8 - 1 - i / 8] |= 1 << (i % 8);
        links_tsize += link.tsize.unwrap_or(0);
        links.push(link);
    }
    let first = bitfield.iter().position(|&b| b != 0).unwrap_or(bitfield.len() - 1);
    let data = Data {
        r#type: DataType::HamtShard as i32,
        data: Some(bitfield[first..].to_vec()),
        hash_type: Some(HASH_TYPE),
        fanout: Some(FANOUT as u64),
        ..Default::default()
    };
    let node = Node { data: Some(Bytes::from(data.encode_to_vec())), links };
    let block = Block::from_data(opts.cid_version, DAG_PB, opts.hash, node.encode())?;
    let imported =
        Imported { cid: *block.cid(), file_size: 0, tsize: block.len() as u64 + links_tsize, has_entries: true };
    sink.put(block)?;
    Ok(imported)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::dag::MemoryStore;
    use crate::node::dag::exporter;

    /// murmur3 x64 128 of "hello" (seed 0) is cbd8a7b341bd9b02 5b1e906a48ae1d19, the published vector that
    /// `@multiformats/murmur3` gives too; UnixFS keeps the first half.
    #[test]
    fn hash_is_the_first_half_of_murmur3_x64_128() {
        assert_eq!(murmur3_x64_64(b"hello"), 0xcbd8_a7b3_41bd_9b02);
        assert_eq!(murmur3_x64_64(b""), 0);
        assert_eq!(slot(b"hello", 0), 0xcb);
        assert_eq!(slot(b"hello", 1), 0xd8);
        assert_eq!(slot(b"hello", 7), 0x02);
        let mut salted = b"hello".to_vec();
        salted.push(1);
        assert_eq!(slot(b"hello", 8), (murmur3_x64_64(&salted) >> 56) as usize);
    }

    #[test]
    fn shards_list_back_with_their_names() {
        let store = MemoryStore::default();
        let opts = ImportOptions::unixfs_v1_2025();
        let file = crate::node::dag::importer::import_file(&b"x"[..], &opts, &mut &store, &mut |_| {}).unwrap();
        let entries: Vec<Entry> =
            (0..600).map(|i| Entry { name: format!("f{i}"), cid: file.cid, tsize: file.tsize }).collect();
        let root = write_shard(entries.clone(), &opts, &mut &store).unwrap();
        let mut listed: Vec<String> = exporter::ls(&store, &root.cid).unwrap().into_iter().map(|e| e.name).collect();
        listed.sort();
        let mut names: Vec<String> = entries.iter().map(|e| e.name.clone()).collect();
        names.sort();
        assert_eq!(listed, names);
        // 600 names in 256 slots: some slots are shared, so there are sub-shards, and the order in does not matter.
        let mut reversed = entries;
        reversed.reverse();
        assert_eq!(write_shard(reversed, &opts, &mut &store).unwrap().cid, root.cid);
        let node = Node::decode(&crate::node::dag::BlockSource::get(&store, &root.cid).unwrap().unwrap()[..]).unwrap();
        assert!(node.links.iter().any(|l| l.name.len() == 2));
        let data = Data::decode(&node.data.unwrap()[..]).unwrap();
        assert_eq!((data.r#type, data.fanout, data.hash_type), (DataType::HamtShard as i32, Some(256), Some(0x22)));
    }
}
