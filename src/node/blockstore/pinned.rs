//! `block rm` that keeps every pin whole. Kubo refuses to remove a block a pin needs ("pinned: direct",
//! "pinned via ROOT"); removing one anyway breaks every later `repo gc` and `pin add` of that DAG.

use std::collections::HashSet;

use cid::Cid;

use super::{Blockstore, PinKind, StoreError};
use crate::node::dag::walk::walk_dag;

/// A recursive pin's root and the multihashes under it, or the first block its walk could not read.
type PinnedDag = (Cid, Result<HashSet<Vec<u8>>, Cid>);

/// What a `block rm` of one CID did.
#[derive(Debug)]
pub enum Removal {
    Removed,
    /// It was not in the store.
    Absent,
    /// A pin needs it; nothing was removed.
    Pinned(PinnedBy),
}

/// Which pin keeps a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinnedBy {
    Direct,
    Recursive,
    /// It lies inside the DAG of this recursive pin.
    Via(Cid),
    /// A recursive pin's DAG is missing a block, so whether it needs this one cannot be told (Kubo refuses too).
    Unknown {
        pin: Cid,
        missing: Cid,
    },
}

impl std::fmt::Display for PinnedBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PinnedBy::Direct => write!(f, "pinned: direct"),
            PinnedBy::Recursive => write!(f, "pinned: recursive"),
            PinnedBy::Via(root) => write!(f, "pinned via {root}"),
            PinnedBy::Unknown { pin, missing } => write!(
                f,
                "may be pinned: recursive pin {pin} is missing block {missing}, so what it needs cannot be told \
                 (fetch it with `swarmscope dag fetch {pin}`, or unpin it)"
            ),
        }
    }
}

impl Blockstore {
    /// Removes each block that no pin needs, as Kubo's `block rm` does; pinned ones are reported and kept.
    /// Runs alone like `gc`, so no `add` can pin a DAG between the check and the removal.
    pub fn remove_unpinned(&self, cids: &[Cid]) -> Result<Vec<Removal>, StoreError> {
        let _alone = self.inner.gc_lock.collect().map_err(|e| match e {
            StoreError::Busy(n) => StoreError::Db(format!(
                "repo is busy: {n} adds, imports or gets still running after 60 s; nothing was removed, try again"
            )),
            e => e,
        })?;
        let pins = self.pins()?;
        let mut needed: Option<Vec<PinnedDag>> = None;
        let mut out = Vec::with_capacity(cids.len());
        for cid in cids {
            let key = cid.hash().to_bytes();
            if let Some(by) = pinned_directly(&pins, &key) {
                out.push(Removal::Pinned(by));
                continue;
            }
            let dags = match &needed {
                Some(d) => d,
                None => needed.insert(self.recursive_dags(&pins)?),
            };
            let by = dags.iter().find_map(|(root, dag)| match dag {
                Ok(set) if set.contains(&key) => Some(PinnedBy::Via(*root)),
                Ok(_) => None,
                Err(missing) => Some(PinnedBy::Unknown { pin: *root, missing: *missing }),
            });
            out.push(match by {
                Some(by) => Removal::Pinned(by),
                None if self.remove(cid)? => Removal::Removed,
                None => Removal::Absent,
            });
        }
        Ok(out)
    }

    /// The multihashes under each recursive pin, or the first block its walk could not read.
    fn recursive_dags(&self, pins: &[(Cid, PinKind)]) -> Result<Vec<PinnedDag>, StoreError> {
        let mut out = Vec::new();
        for (root, _) in pins.iter().filter(|(_, k)| *k == PinKind::Recursive) {
            let mut set = HashSet::new();
            let walked = walk_dag(self, root, &mut |c, _| {
                set.insert(c.hash().to_bytes());
                Ok(())
            });
            out.push((
                *root,
                match walked {
                    Ok(()) => Ok(set),
                    Err(StoreError::NotFound(m) | StoreError::Damaged { cid: m, .. }) => Err(m),
                    Err(e) => return Err(e),
                },
            ));
        }
        Ok(out)
    }
}

/// A pin on the block itself (by multihash, so a CIDv0 pin covers the CIDv1 of the same block).
fn pinned_directly(pins: &[(Cid, PinKind)], key: &[u8]) -> Option<PinnedBy> {
    pins.iter().find(|(p, _)| p.hash().to_bytes() == key).map(|(_, kind)| match kind {
        PinKind::Direct => PinnedBy::Direct,
        PinKind::Recursive => PinnedBy::Recursive,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::block::{Block, DAG_PB, RAW, SHA2_256};
    use crate::node::dag::pb::{Link, Node};

    fn raw(seed: u8) -> Block {
        Block::from_data(cid::Version::V1, RAW, SHA2_256, vec![seed; 2000]).unwrap()
    }

    fn parent(children: &[&Block]) -> Block {
        let links = children.iter().map(|c| Link { cid: *c.cid(), name: String::new(), tsize: Some(2000) }).collect();
        Block::from_data(cid::Version::V0, DAG_PB, SHA2_256, Node { data: None, links }.encode()).unwrap()
    }

    fn pinned(r: &Removal) -> Option<&PinnedBy> {
        match r {
            Removal::Pinned(by) => Some(by),
            _ => None,
        }
    }

    #[test]
    fn pinned_blocks_stay_and_gc_keeps_working() {
        let dir = tempfile::tempdir().unwrap();
        let store = Blockstore::open(dir.path()).unwrap();
        let (a, b, loose, direct) = (raw(1), raw(2), raw(3), raw(4));
        let root = parent(&[&a, &b]);
        store.put_many(&[a.clone(), b.clone(), loose.clone(), direct.clone(), root.clone()]).unwrap();
        store.pin_add(root.cid(), PinKind::Recursive).unwrap();
        store.pin_add(direct.cid(), PinKind::Direct).unwrap();

        // The root under its CIDv1 is the same pinned block.
        let root_v1 = Cid::new_v1(DAG_PB, *root.cid().hash());
        let out = store.remove_unpinned(&[*a.cid(), root_v1, *direct.cid(), *loose.cid(), *loose.cid()]).unwrap();
        assert_eq!(pinned(&out[0]), Some(&PinnedBy::Via(*root.cid())));
        assert_eq!(pinned(&out[1]), Some(&PinnedBy::Recursive));
        assert_eq!(pinned(&out[2]), Some(&PinnedBy::Direct));
        assert!(matches!(out[3], Removal::Removed));
        assert!(matches!(out[4], Removal::Absent));
        assert!(store.has(a.cid()).unwrap() && store.has(root.cid()).unwrap() && store.has(direct.cid()).unwrap());
        assert!(!store.has(loose.cid()).unwrap());
        assert_eq!(pinned(&out[0]).unwrap().to_string(), format!("pinned via {}", root.cid()));

        // gc and pin add still work: nothing a pin needs went missing.
        store.gc().unwrap();
        store.pin_add(root.cid(), PinKind::Recursive).unwrap();
        assert!(store.has(b.cid()).unwrap());

        // Once unpinned, the blocks go.
        assert!(store.pin_rm(root.cid()).unwrap());
        let out = store.remove_unpinned(&[*a.cid()]).unwrap();
        assert!(matches!(out[0], Removal::Removed));
    }

    #[test]
    fn a_pin_with_a_missing_block_keeps_everything() {
        let dir = tempfile::tempdir().unwrap();
        let store = Blockstore::open(dir.path()).unwrap();
        let (a, b, loose) = (raw(1), raw(2), raw(3));
        let root = parent(&[&a, &b]);
        store.put_many(&[a.clone(), b.clone(), loose.clone(), root.clone()]).unwrap();
        store.pin_add(root.cid(), PinKind::Recursive).unwrap();
        // Damage the pinned DAG behind the check's back (as an older swarmscope's `block rm` could).
        assert!(store.remove(a.cid()).unwrap());
        let out = store.remove_unpinned(&[*b.cid()]).unwrap();
        assert_eq!(pinned(&out[0]), Some(&PinnedBy::Unknown { pin: *root.cid(), missing: *a.cid() }));
        assert!(store.has(b.cid()).unwrap());
    }
}
