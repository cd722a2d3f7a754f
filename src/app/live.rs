//! Views that follow the node between snapshots: both wantlists move with the Bitswap entries as they happen, and
//! the explorer with the store's notifications (a block that arrives stops being MISSING). The periodic snapshot
//! stays the truth and replaces what the events built; these keep the screen from lagging a snapshot behind.

use std::collections::HashSet;

use super::command::Command;
use super::msg::Effect;
use super::state::{AppState, MAX_UNSERVED};

/// The job kind of a re-read of the explorer's tree (its result keeps the pane and the selection).
pub const REEXPLORE: &str = "re-explore";
/// The explorer's tree is re-read at most this often.
pub const EXPLORE_EVERY_MS: u64 = 1_000;
use crate::node::events::{Direction, EntryKind, OurWantInfo, TheirWantInfo, WantKind};

impl AppState {
    /// A Bitswap entry seen at `at`: what it changes in the wantlists.
    pub(super) fn follow_wants(&mut self, direction: Direction, peer: &str, kind: EntryKind, cid: &str) {
        // Ages are as of the last snapshot and grow from there; a want that starts after it counts from the snapshot
        // (a second or two too old at most) until the next snapshot gives its exact age.
        let age_ms = 0;
        match (direction, kind) {
            (Direction::Out, EntryKind::WantHave | EntryKind::WantBlock)
                if !self.wantlists.ours.iter().any(|w| w.cid == cid) =>
            {
                self.wantlists.ours.push(OurWantInfo { cid: cid.to_string(), age_ms, peers_asked: 1, why: None });
            }
            (Direction::In, EntryKind::Block) | (Direction::Out, EntryKind::Cancel) => {
                self.wantlists.ours.retain(|w| w.cid != cid);
                self.answers.remove(cid);
            }
            (Direction::In, EntryKind::WantHave | EntryKind::WantBlock) => {
                let want_type = if kind == EntryKind::WantHave { WantKind::WantHave } else { WantKind::WantBlock };
                let theirs = self.wantlists.theirs.entry(peer.to_string()).or_default();
                if !theirs.iter().any(|w| w.cid == cid) {
                    theirs.push(TheirWantInfo { cid: cid.to_string(), want_type, send_dont_have: false, age_ms });
                }
            }
            // Served (a block, or a HAVE for a want-have) or cancelled: the want is gone.
            (Direction::Out, EntryKind::Block | EntryKind::Have) | (Direction::In, EntryKind::Cancel) => {
                if let Some(theirs) = self.wantlists.theirs.get_mut(peer) {
                    theirs.retain(|w| w.cid != cid || (kind == EntryKind::Have && w.want_type == WantKind::WantBlock));
                    if theirs.is_empty() {
                        self.wantlists.theirs.remove(peer);
                    }
                }
                self.unserved.remove(&(peer.to_string(), cid.to_string()));
            }
            (Direction::Out, EntryKind::DontHave) if self.unserved.len() < MAX_UNSERVED => {
                self.unserved.insert((peer.to_string(), cid.to_string()));
            }
            _ => {}
        }
    }

    /// Blocks the store added or removed: the explorer's rows for them (by multihash: the store speaks CIDv1, a DAG
    /// may link CIDv0) change to here / MISSING.
    pub(super) fn follow_store(&mut self, added: &[String], removed: &[String]) {
        let Some(explorer) = self.explorer.as_mut() else { return };
        let hashes = |cids: &[String]| -> HashSet<Vec<u8>> {
            cids.iter().filter_map(|c| c.parse::<cid::Cid>().ok()).map(|c| c.hash().to_bytes()).collect()
        };
        let (added, removed) = (hashes(added), hashes(removed));
        if added.is_empty() && removed.is_empty() {
            return;
        }
        for row in &mut explorer.rows {
            let hash = row.cid.hash().to_bytes();
            if added.contains(&hash) {
                // A block that may link others arrived after the tree was read: its children are not in the tree
                // yet, so the tree is read again (see `refresh_explorer`).
                if !row.present && row.cid.codec() != crate::node::block::RAW {
                    self.explore_stale = true;
                }
                row.present = true;
            } else if removed.contains(&hash) {
                row.present = false;
            }
        }
    }

    /// The explorer's tree is read again when a block that links others arrived after it was read: at most one read
    /// at a time and one a second (a DAG arriving block by block is re-read once a second, not per block).
    pub(super) fn refresh_explorer(&mut self) -> Option<Effect> {
        let explorer = self.explorer.as_ref()?;
        if !self.explore_stale || self.explore_in_flight || self.now_ms < self.explorer_at_ms + EXPLORE_EVERY_MS {
            return None;
        }
        let mut job = super::job::job(Command::Explore(explorer.root.into()), &self.cwd)?;
        job.kind = REEXPLORE;
        self.explore_stale = false;
        self.explore_in_flight = true;
        Some(Effect::Run(Box::new(job)))
    }

    /// After a snapshot: the unserved marks of wants that are gone go too (bounded by the wants peers hold).
    pub(super) fn prune_unserved(&mut self) {
        let theirs = &self.wantlists.theirs;
        self.unserved.retain(|(peer, cid)| theirs.get(peer).is_some_and(|ws| ws.iter().any(|w| &w.cid == cid)));
    }
}
