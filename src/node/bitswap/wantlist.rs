//! A peer's wantlist as we hold it, with the per-peer entry cap (boxo's default, 1,024) enforced also when a full
//! wantlist replaces the old one (beetswap skips the cap there).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
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
    /// The CID as text, made by the first snapshot that shows the want and kept for the next ones: a snapshot of
    /// 100,000 wants each second would otherwise encode 100,000 CIDs each second (BENCHMARKS.md, the TUI).
    pub text: OnceLock<Arc<str>>,
}

impl Entry {
    pub fn new(cid: Cid, want_type: WantType, send_dont_have: bool, since: Instant) -> Self {
        Self { cid, want_type, send_dont_have, since, text: OnceLock::new() }
    }

    /// The CID as text (made once).
    pub fn cid_text(&self) -> &str {
        self.text.get_or_init(|| self.cid.to_string().into())
    }
}

/// Keyed by multihash: a peer wanting the same bytes under CIDv0 and CIDv1 wants one block.
#[derive(Clone, Debug, Default)]
pub struct PeerWantlist {
    entries: HashMap<Vec<u8>, Entry>,
}

/// What applying a message changed.
#[derive(Clone, Debug, Default)]
pub struct Applied {
    /// Every want of the message that the list holds, new, upgraded or repeated: each gets an answer, as boxo's
    /// engine answers every want it receives. A repeated want is a peer's rebroadcast, and a block we have stored
    /// since the first ask must not stay unsent because the want is "nothing new".
    pub wanted: Vec<Entry>,
    /// Wants the message cancelled and, for a full wantlist, the wants it left out: their queued answers go.
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

    /// The entries as a snapshot shows them (the node task publishes one per peer each second;
    /// `examples/bench_tui_load.rs` times it with 1,000 peers of 100 wants).
    pub fn infos(&self) -> Vec<crate::node::events::TheirWantInfo> {
        use crate::node::events::{TheirWantInfo, WantKind};
        self.entries
            .values()
            .map(|e| TheirWantInfo {
                cid: e.cid_text().to_string(),
                want_type: match e.want_type {
                    WantType::Have => WantKind::WantHave,
                    WantType::Block => WantKind::WantBlock,
                },
                send_dont_have: e.send_dont_have,
                age_ms: e.since.elapsed().as_millis() as u64,
            })
            .collect()
    }

    /// The entry for `cid` (matched by multihash).
    pub fn get(&self, cid: &Cid) -> Option<&Entry> {
        self.entries.get(&cid.hash().to_bytes())
    }

    /// Removes an entry (served, or cancelled).
    pub fn remove(&mut self, cid: &Cid) -> bool {
        self.entries.remove(&cid.hash().to_bytes()).is_some()
    }

    /// A HAVE was sent for `cid`: a WANT_HAVE is answered and goes, a WANT_BLOCK stays until its block is sent
    /// (boxo does the same). Entries answered DONT_HAVE stay: the block may arrive later (see `late`).
    pub fn answered_have(&mut self, cid: &Cid) {
        let key = cid.hash().to_bytes();
        if self.entries.get(&key).is_some_and(|e| e.want_type == WantType::Have) {
            self.entries.remove(&key);
        }
    }

    /// Applies a received wantlist. A full one replaces the old list: wants it repeats keep their age, wants it
    /// leaves out are cancelled, and the cap holds for it as for a delta.
    pub fn apply(&mut self, full: bool, wants: &[Want]) -> Applied {
        let mut applied = Applied::default();
        let mut old = if full { std::mem::take(&mut self.entries) } else { HashMap::new() };
        for w in wants {
            let key = w.cid.hash().to_bytes();
            if w.cancel {
                if self.entries.remove(&key).or_else(|| old.remove(&key)).is_some() {
                    applied.cancelled.push(w.cid);
                }
                continue;
            }
            let full_now = self.entries.len() >= MAX_ENTRIES;
            match self.entries.get_mut(&key) {
                Some(e) => {
                    // A WANT_BLOCK upgrades a WANT_HAVE, never the other way round.
                    if e.want_type == WantType::Have && w.want_type == WantType::Block {
                        e.want_type = WantType::Block;
                    }
                    e.send_dont_have = w.send_dont_have;
                    applied.wanted.push(e.clone());
                }
                None if full_now => applied.refused += 1,
                None => {
                    let since = old.remove(&key).map_or_else(Instant::now, |o| o.since);
                    let e = Entry::new(w.cid, w.want_type, w.send_dont_have, since);
                    applied.wanted.push(e.clone());
                    self.entries.insert(key, e);
                }
            }
        }
        applied.cancelled.extend(old.into_values().map(|e| e.cid));
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
        assert_eq!((wl.len(), a.wanted.len(), a.refused), (1024, 1024, 476));
        let other: Vec<Want> = (5000..7000).map(|i| want(i, WantType::Block, false)).collect();
        let a = wl.apply(true, &other);
        assert_eq!((wl.len(), a.refused), (1024, 976), "a full wantlist is capped too");
        assert_eq!(a.cancelled.len(), 1024, "the old list went: its queued answers must go too");
    }

    #[test]
    fn cancels_upgrades_and_repeats() {
        let mut wl = PeerWantlist::default();
        wl.apply(false, &[want(1, WantType::Have, false)]);
        let a = wl.apply(false, &[want(1, WantType::Block, false)]);
        assert_eq!(a.wanted[0].want_type, WantType::Block, "WANT_BLOCK upgrades WANT_HAVE");
        let a = wl.apply(false, &[want(1, WantType::Have, false)]);
        assert_eq!(a.wanted[0].want_type, WantType::Block, "and is not downgraded");
        let a = wl.apply(false, &[want(1, WantType::Block, false)]);
        assert_eq!((a.wanted.len(), wl.len()), (1, 1), "a repeated want (a rebroadcast) is answered again");
        let a = wl.apply(false, &[want(1, WantType::Block, true)]);
        assert_eq!((a.cancelled.len(), wl.len()), (1, 0));
    }

    #[test]
    fn a_full_wantlist_keeps_the_age_of_what_it_repeats_and_cancels_what_it_leaves_out() {
        let mut wl = PeerWantlist::default();
        wl.apply(false, &[want(1, WantType::Block, false), want(2, WantType::Block, false)]);
        let since = wl.get(&want(1, WantType::Block, false).cid).unwrap().since;
        std::thread::sleep(std::time::Duration::from_millis(5));
        let a = wl.apply(true, &[want(1, WantType::Have, false), want(3, WantType::Have, false)]);
        assert_eq!(a.cancelled, vec![want(2, WantType::Block, false).cid]);
        assert_eq!(a.wanted.len(), 2);
        let kept = wl.get(&want(1, WantType::Block, false).cid).unwrap();
        assert_eq!((kept.since, kept.want_type), (since, WantType::Have), "a full list says the want type now");
        assert!(!wl.contains(&want(2, WantType::Block, false).cid));
    }

    #[test]
    fn a_have_answers_a_want_have_only() {
        let mut wl = PeerWantlist::default();
        wl.apply(false, &[want(1, WantType::Have, false), want(2, WantType::Block, false)]);
        wl.answered_have(&want(1, WantType::Have, false).cid);
        wl.answered_have(&want(2, WantType::Have, false).cid);
        assert_eq!(wl.len(), 1);
        assert!(wl.contains(&want(2, WantType::Block, false).cid), "a WANT_BLOCK waits for its block");
    }
}
