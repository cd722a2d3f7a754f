//! Writes a repo the way swarmscope wrote it up to 02ef151 (format 1), to migrate a large one in tests: block
//! bodies over 1024 bytes bare in segments, smaller ones inline in index.redb, the pins and the totals in
//! index.redb, no repo.json. Table names and encodings are format 1's (the fixture made by the old binary
//! checks the same format end to end).

use std::path::Path;

use redb::TableDefinition;
use swarmscope::node::block::{Block, DAG_PB, RAW, SHA2_256};
use swarmscope::node::dag::pb::{Link, Node};

const BLOCKS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("blocks");
const SEGMENTS: TableDefinition<u32, (u64, u64)> = TableDefinition::new("segments");
const PINS: TableDefinition<&[u8], u8> = TableDefinition::new("pins");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
/// Format 1 started a new segment past this many bytes (256 MiB then; smaller here to have several).
const SEGMENT_MAX: usize = 4 << 20;

pub struct Written {
    pub blocks: u64,
    pub bytes: u64,
    /// Segments written (ids 1 to this).
    pub segments: u32,
}

/// `n` raw blocks of about `size` bytes (every tenth one small enough to be inline), and a dag-pb root over the
/// first 100, pinned recursively.
pub fn write(dir: &Path, n: usize, size: usize) -> Written {
    let mut blocks: Vec<Block> = (0..n)
        .map(|i| {
            let len = if i % 10 == 0 { 500 } else { size };
            let data: Vec<u8> = (0..len).map(|j| (j as u32 ^ (i as u32).wrapping_mul(2654435761)) as u8).collect();
            let mut data = data;
            data[..8].copy_from_slice(&(i as u64).to_le_bytes());
            Block::from_data(cid::Version::V1, RAW, SHA2_256, data).unwrap()
        })
        .collect();
    let links = blocks[..100].iter().map(|b| Link { cid: *b.cid(), name: String::new(), tsize: None }).collect();
    let root = Block::from_data(cid::Version::V0, DAG_PB, SHA2_256, Node { data: None, links }.encode()).unwrap();
    blocks.push(root.clone());

    std::fs::create_dir_all(dir.join("segments")).unwrap();
    let db = redb::Database::create(dir.join("index.redb")).unwrap();
    let txn = db.begin_write().unwrap();
    let segments;
    {
        let mut table = txn.open_table(BLOCKS).unwrap();
        let mut segs = txn.open_table(SEGMENTS).unwrap();
        let (mut id, mut body) = (1u32, Vec::new());
        let mut flush = |id: u32, body: &mut Vec<u8>| {
            std::fs::write(dir.join("segments").join(format!("{id:06}.seg")), &body).unwrap();
            segs.insert(id, (body.len() as u64, body.len() as u64)).unwrap();
            body.clear();
        };
        for b in &blocks {
            let mut loc = Vec::new();
            if b.len() <= 1024 {
                loc.push(0);
                loc.extend_from_slice(&b.cid().codec().to_le_bytes());
                loc.extend_from_slice(b.data());
            } else {
                if body.len() + b.len() > SEGMENT_MAX {
                    flush(id, &mut body);
                    id += 1;
                }
                loc.push(1);
                loc.extend_from_slice(&b.cid().codec().to_le_bytes());
                loc.extend_from_slice(&id.to_le_bytes());
                loc.extend_from_slice(&(body.len() as u64).to_le_bytes());
                loc.extend_from_slice(&(b.len() as u32).to_le_bytes());
                body.extend_from_slice(b.data());
            }
            table.insert(b.cid().hash().to_bytes().as_slice(), loc.as_slice()).unwrap();
        }
        flush(id, &mut body);
        segments = id;
        txn.open_table(PINS).unwrap().insert(root.cid().to_bytes().as_slice(), 0u8).unwrap();
        let mut meta = txn.open_table(META).unwrap();
        meta.insert("blocks", blocks.len() as u64).unwrap();
        meta.insert("block_bytes", blocks.iter().map(|b| b.len() as u64).sum::<u64>()).unwrap();
    }
    txn.commit().unwrap();
    Written { blocks: blocks.len() as u64, bytes: blocks.iter().map(|b| b.len() as u64).sum(), segments }
}
