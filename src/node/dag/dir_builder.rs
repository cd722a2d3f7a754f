//! One directory being imported: its entries, and the decision, made as Helia's importer makes it, whether it
//! is written flat or as a HAMT shard.
//!
//! Helia (`flat-to-shard.js`, `dir-flat.js`) keeps a running size estimate of a flat directory and converts it to
//! a shard the first time the estimate, after an entry is added, goes above the threshold. Two details decide
//! CIDs near the threshold and are copied here:
//! - a subdirectory counts while it is empty only: Helia adds it as an empty directory node, then replaces it by
//!   an unfinished directory (no CID yet, so 0 bytes) when its first entry arrives, and never re-estimates;
//! - the estimate is either link bytes (name + CID bytes per link) or block bytes (the exact encoded block).

use std::collections::HashSet;

use super::hamt_writer::{self, Entry};
use super::importer::{ImportError, Imported, directory_node};
use super::pb::Link;
use super::profile::{ImportOptions, SizeEstimate};
use super::store::BlockSink;

/// The encoded size of an empty UnixFS directory node (`0a 02 08 01`): the tsize of a subdirectory before its
/// first entry, and the Data field's share of a flat directory block.
const EMPTY_DIR_BLOCK: u64 = 4;

fn varint_len(v: u64) -> u64 {
    prost::encoding::encoded_len_varint(v) as u64
}

/// What one link adds to the estimate.
fn link_estimate(estimate: SizeEstimate, name_len: u64, cid_len: u64, tsize: u64) -> u64 {
    match estimate {
        SizeEstimate::LinkBytes => name_len + cid_len,
        SizeEstimate::BlockBytes => {
            let link = 1 + varint_len(cid_len) + cid_len + 1 + varint_len(name_len) + name_len + 1 + varint_len(tsize);
            1 + varint_len(link) + link
        }
    }
}

/// Collects a directory's entries and writes it flat or sharded.
pub struct DirBuilder<'a> {
    opts: &'a ImportOptions,
    entries: Vec<Entry>,
    names: HashSet<String>,
    estimate: u64,
    sharded: bool,
}

impl<'a> DirBuilder<'a> {
    pub fn new(opts: &'a ImportOptions) -> Self {
        let estimate = match opts.shard_estimate {
            SizeEstimate::LinkBytes => 0,
            SizeEstimate::BlockBytes => EMPTY_DIR_BLOCK,
        };
        Self { opts, entries: Vec::new(), names: HashSet::new(), estimate, sharded: false }
    }

    /// Adds an entry: a file, a symlink or a directory. A directory that has entries of its own counts towards
    /// the estimate only for the moment it was still empty (see the module notes).
    pub fn add(&mut self, name: String, imported: &Imported) -> Result<(), ImportError> {
        if !self.names.insert(name.clone()) {
            return Err(ImportError::DuplicateName(name));
        }
        let (name_len, cid_len) = (name.len() as u64, imported.cid.encoded_len() as u64);
        let tsize = if imported.has_entries { EMPTY_DIR_BLOCK } else { imported.tsize };
        let share = link_estimate(self.opts.shard_estimate, name_len, cid_len, tsize);
        if self.estimate + share > self.opts.shard_threshold {
            self.sharded = true;
        }
        if !imported.has_entries {
            self.estimate += share;
        }
        self.entries.push(Entry { name, cid: imported.cid, tsize: imported.tsize });
        Ok(())
    }

    /// Whether the directory will be written as a HAMT shard.
    pub fn is_sharded(&self) -> bool {
        self.sharded
    }

    /// Writes the directory: a flat node with links sorted by name bytes, or a HAMT shard.
    pub fn finish(self, sink: &mut dyn BlockSink) -> Result<Imported, ImportError> {
        let has_entries = !self.entries.is_empty();
        let mut imported = if self.sharded {
            hamt_writer::write_shard(self.entries, self.opts, sink)?
        } else {
            let mut entries = self.entries;
            // dag-pb links are sorted by name bytes (@ipld/dag-pb `prepare`, go-merkledag).
            entries.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
            let links = entries.into_iter().map(|e| Link { cid: e.cid, name: e.name, tsize: Some(e.tsize) }).collect();
            directory_node(links, self.opts, sink)?
        };
        imported.has_entries = has_entries;
        Ok(imported)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::dag::store::NullSink;

    fn file(opts: &ImportOptions) -> Imported {
        crate::node::dag::importer::import_file(&b"x"[..], opts, &mut NullSink::default(), &mut |_| {}).unwrap()
    }

    /// Link bytes: names "f0000".."fNNNN" (5 bytes) and 36-byte CIDv1 give 41 bytes an entry, so the threshold
    /// of 262,144 is passed by entry 6,394 (6,394 × 41 = 262,154), not by 6,393 (262,113).
    #[test]
    fn link_bytes_threshold_is_exceeded_not_reached() {
        let opts = ImportOptions::helia();
        let f = file(&opts);
        let mut dir = DirBuilder::new(&opts);
        for i in 0..6393 {
            dir.add(format!("f{i:04}"), &f).unwrap();
        }
        assert!(!dir.is_sharded());
        dir.add("f6393".into(), &f).unwrap();
        assert!(dir.is_sharded());
    }

    /// Block bytes: each link is 1 + 1 + (1+1+36 + 1+1+5 + 1+1) = 49 bytes, plus 4 for Data.
    #[test]
    fn block_bytes_count_whole_links_and_the_data_field() {
        let opts = ImportOptions::unixfs_v1_2025();
        let f = file(&opts);
        assert_eq!(f.tsize, 1);
        let mut dir = DirBuilder::new(&opts);
        let below = (262_144 - 4) / 49;
        for i in 0..below {
            dir.add(format!("f{i:04}"), &f).unwrap();
        }
        assert!(!dir.is_sharded());
        dir.add("zzzzz".into(), &f).unwrap();
        assert!(dir.is_sharded());
    }

    #[test]
    fn filled_subdirectories_count_only_while_empty_and_names_are_unique() {
        let opts = ImportOptions { shard_threshold: 100, ..ImportOptions::helia() };
        let sub = Imported { has_entries: true, ..file(&opts) };
        let mut dir = DirBuilder::new(&opts);
        // Two filled subdirectories of 41 bytes each would pass 100 if both counted; each counts alone.
        dir.add("d0000".into(), &sub).unwrap();
        dir.add("d0001".into(), &sub).unwrap();
        dir.add("d0002".into(), &sub).unwrap();
        assert!(!dir.is_sharded());
        assert!(matches!(dir.add("d0001".into(), &sub), Err(ImportError::DuplicateName(n)) if n == "d0001"));
        let f = file(&opts);
        dir.add("f0000".into(), &f).unwrap();
        dir.add("f0001".into(), &f).unwrap();
        assert!(!dir.is_sharded());
        dir.add("f0002".into(), &f).unwrap();
        assert!(dir.is_sharded());
    }
}
