//! A peer's wantlist as we hold it, with the per-peer entry cap (boxo's default, 1,024) enforced also when a full
//! wantlist replaces the old one (beetswap skips the cap there).

use std::collections::HashMap;
use std::time::Instant;

use cid::Cid;

use super::message::WantType;
use super::protocol::Want;

/// At most this many entries are kept per peer; more are refused and counted.
pub const MAX_ENTRIES: usize = 1024;

#[derive(Clone, Debug)]
pub struct Entry {
    pub cid: Cid,
    pub want_type: WantType,
    pub send_dont_have: bool,
    pub since: Instant,
}

/// Keyed by multihash: a peer wanting the same bytes under CIDv0 and CIDv1 wants one block.
#[derive(Clone, Debug, Default)]
pub struct PeerWantlist {
    entries: HashMap<Vec<u8>, Entry>,
}

/// What applying a message changed.
#[derive(Clone, Debug, Default)]
pub struct Applied {
    /// New or upgraded entries to serve.
    pub added: Vec<Entry>,
    pub cancelled: Vec<Cid>,
    /// Entries refused because the list was full.
    pub refused: usize,
}

impl PeerWantlist {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }

    pub fn contains(&self, cid: &Cid) -> bool {
        self.entries.contains_key(&cid.hash().to_bytes())
    }

    /// Removes an entry (served, or cancelled).
    pub fn remove(&mut self, cid: &Cid) -> bool {
        self.entries.remove(&cid.hash().to_bytes()).is_some()
    }

    /// Applies a received wantlist (a full one replaces the old list).
    pub fn apply(&mut self, full: bool, wants: &[Want]) -> Applied {
        let mut applied = Applied::default();
        if full {
            self.entries.clear();
        }
        for w in wants {
            let key = w.cid.hash().to_bytes();
            if w.cancel {
                if self.entries.remove(&key).is_some() {
                    applied.cancelled.push(w.cid);
                }
                continue;
            }
            let full_now = self.entries.len() >= MAX_ENTRIES;
            match self.entries.get_mut(&key) {
                Some(e) => {
                    // A WANT_BLOCK upgrades a WANT_HAVE; a repeated want is not new work.
                    if e.want_type == WantType::Have && w.want_type == WantType::Block {
                        e.want_type = WantType::Block;
                        e.send_dont_have = w.send_dont_have;
                        applied.added.push(e.clone());
                    }
                }
                None if full_now => applied.refused += 1,
                None => {
                    let e = Entry {
                        cid: w.cid,
                        want_type: w.want_type,
                        send_dont_have: w.send_dont_have,
                        since: Instant::now(),
                    };
                    applied.added.push(e.clone());
                    self.entries.insert(key, e);
                }
            }
        }
        applied
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::block::{Block, RAW, SHA2_256};

    fn want(i: u32, want_type: WantType, cancel: bool) -> Want {
        let cid = *Block::from_data(cid::Version::V1, RAW, SHA2_256, i.to_le_bytes().to_vec()).unwrap().cid();
        Want { cid, want_type, send_dont_have: true, cancel, priority: 1 }
    }

    #[test]
    fn the_cap_holds_for_deltas_and_full_replacements() {
        let mut wl = PeerWantlist::default();
        let many: Vec<Want> = (0..1500).map(|i| want(i, WantType::Have, false)).collect();
        let a = wl.apply(false, &many);
        assert_eq!((wl.len(), a.added.len(), a.refused), (1024, 1024, 476));
        let other: Vec<Want> = (5000..7000).map(|i| want(i, WantType::Block, false)).collect();
        let a = wl.apply(true, &other);
        assert_eq!((wl.len(), a.refused), (1024, 976), "a full wantlist is capped too");
    }

    #[test]
    fn cancels_and_upgrades() {
        let mut wl = PeerWantlist::default();
        wl.apply(false, &[want(1, WantType::Have, false)]);
        let a = wl.apply(false, &[want(1, WantType::Block, false)]);
        assert_eq!(a.added.len(), 1, "WANT_BLOCK upgrades WANT_HAVE");
        assert!(wl.apply(false, &[want(1, WantType::Block, false)]).added.is_empty());
        let a = wl.apply(false, &[want(1, WantType::Block, true)]);
        assert_eq!((a.cancelled.len(), wl.len()), (1, 0));
    }
}
