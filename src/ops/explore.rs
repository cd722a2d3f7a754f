//! The DAG under a CID as far as the store has it, for the TUI's explorer and `dag explore`: depth-first, each
//! link with its name, size and presence. Reads only the local store: a missing block is shown missing, not fetched.

use cid::Cid;
use serde::{Deserialize, Serialize};

use super::text;
use crate::node::blockstore::Blockstore;

/// Rows the explorer shows at most.
pub const EXPLORE_ROWS: usize = 2_000;

/// The explored tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explored {
    #[serde(with = "text")]
    pub root: Cid,
    pub rows: Vec<DagRow>,
    /// More rows than [`EXPLORE_ROWS`]: the rest is not shown.
    pub truncated: bool,
}

/// One node of the tree (`dag explore` prints one such object per line).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DagRow {
    pub depth: usize,
    pub name: String,
    #[serde(with = "text")]
    pub cid: Cid,
    /// Block length when present; the link's cumulative size otherwise.
    pub size: u64,
    /// `file`, `directory`, `raw`, `missing`, a codec name…
    pub kind: String,
    pub present: bool,
}

pub fn explore(store: &Blockstore, root: Cid) -> Explored {
    use crate::node::dag::pb::Node;
    use crate::node::dag::unixfs_pb::{Data, DataType};
    use prost::Message;
    let mut rows = Vec::new();
    let mut stack = vec![(root, 0usize, String::new(), 0u64)];
    while let Some((cid, depth, name, tsize)) = stack.pop() {
        if rows.len() >= EXPLORE_ROWS {
            return Explored { root, rows, truncated: true };
        }
        let block = store.get(&cid).ok().flatten();
        let (kind, links) = match (&block, cid.codec()) {
            (None, _) => ("missing".to_string(), Vec::new()),
            (Some(_), crate::node::block::RAW) => ("raw".to_string(), Vec::new()),
            (Some(data), crate::node::block::DAG_PB) => match Node::decode(&data[..]) {
                Ok(node) => {
                    let kind = node
                        .data
                        .as_ref()
                        .and_then(|d| Data::decode(&d[..]).ok())
                        .and_then(|d| DataType::try_from(d.r#type).ok())
                        .map_or("dag-pb".to_string(), |t| format!("{t:?}").to_lowercase());
                    (kind, node.links)
                }
                Err(_) => ("invalid dag-pb".to_string(), Vec::new()),
            },
            (Some(_), codec) => (crate::node::block::codec_name(codec).to_string(), Vec::new()),
        };
        rows.push(DagRow {
            depth,
            name,
            cid,
            size: block.as_ref().map_or(tsize, |b| b.len() as u64),
            kind,
            present: block.is_some(),
        });
        // File chunks have no names: show their position.
        for (i, link) in links.into_iter().enumerate().rev() {
            let name = if link.name.is_empty() { format!("[{i}]") } else { link.name };
            stack.push((link.cid, depth + 1, name, link.tsize.unwrap_or(0)));
        }
    }
    Explored { root, rows, truncated: false }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::dag::importer;
    use crate::node::dag::profile::ImportOptions;

    #[test]
    fn explore_shows_present_and_missing_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let store = Blockstore::open(dir.path()).unwrap();
        let opts = ImportOptions { chunk_size: 100, max_links: 4, ..ImportOptions::unixfs_v1_2025() };
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 256) as u8).collect();
        let mut w = store.writer();
        let root = importer::import_file(&data[..], &opts, &mut w, &mut |_| {}).unwrap().cid;
        w.finish().unwrap();
        let first_leaf = {
            let node = crate::node::dag::pb::Node::decode(&store.get(&root).unwrap().unwrap()[..]).unwrap();
            let child =
                crate::node::dag::pb::Node::decode(&store.get(&node.links[0].cid).unwrap().unwrap()[..]).unwrap();
            child.links[0].cid
        };
        store.remove(&first_leaf).unwrap();
        let Explored { rows, truncated, .. } = explore(&store, root);
        assert!(!truncated);
        assert_eq!(rows.len(), 1 + 3 + 10, "root, 3 parents, 10 leaves");
        assert_eq!((rows[0].depth, rows[0].kind.as_str()), (0, "file"));
        let missing: Vec<_> = rows.iter().filter(|r| !r.present).collect();
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].cid, first_leaf);
        assert_eq!((missing[0].depth, missing[0].size, missing[0].kind.as_str()), (2, 100, "missing"));
    }
}
