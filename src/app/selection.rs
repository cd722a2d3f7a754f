//! The selection follows the item, not the row number: before a message that can reorder or add rows, the reducer
//! notes which item is selected (by peer id, CID, operation id or transfer id), and after it finds that item again.
//! Lists shown newest first (Transfers, Operations) can instead "follow newest" (`f`): the selection stays on the top
//! row. Also here: where the rows of a pane are on screen (for the mouse) and how far a page is.

use super::msg::Msg;
use super::state::{AppState, Pane};
use crate::node::events::{NodeEvent, OpId};

/// Terminals shorter than this give the header's rows to the pane (the input bar must stay visible).
pub const HEADER_FROM_ROWS: u16 = 20;

/// The header's height on a terminal of `rows` rows.
pub fn header_rows(rows: u16) -> u16 {
    if rows >= HEADER_FROM_ROWS { 5 } else { 0 }
}

/// The tab bar's titles on a terminal `width` columns wide: names cut to 5 letters under 100 columns and to 3
/// under 70, so that all seven fit (and can be clicked).
pub fn tab_titles(width: u16) -> Vec<String> {
    let keep = match width {
        0..70 => 3,
        70..100 => 5,
        _ => usize::MAX,
    };
    Pane::ALL
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let t = p.title();
            format!("{} {}", i + 1, &t[..t.len().min(keep)])
        })
        .collect()
}

/// The pane whose tab is at column `x` of the tab bar (a click), laid out as ratatui's `Tabs` draws it: each title
/// with a space either side, a divider between (a click on a divider is on no tab).
pub fn tab_at(width: u16, x: u16) -> Option<Pane> {
    let mut start = 0usize;
    for (title, pane) in tab_titles(width).iter().zip(Pane::ALL) {
        let end = start + title.chars().count() + 2;
        if (start..end).contains(&(x as usize)) {
            return Some(pane);
        }
        start = end + 1;
    }
    None
}

/// What is selected in a pane, as something that stays true when rows move.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Anchor {
    Peer(String),
    Transfer(u64),
    Op(OpId),
    /// A CID (the explorer), or a want (`peer cid`, or `cid` for ours).
    Key(String),
}

/// The first row to draw so that `selected` is visible in `visible` rows: as ratatui's table scrolls, so that the
/// panes and the mouse agree on what is where.
pub fn scroll_offset(selected: usize, visible: usize) -> usize {
    selected.saturating_sub(visible.max(1) - 1)
}

impl AppState {
    /// The selected row of `pane` (an index into what the pane shows, top first).
    pub fn selection(&self, pane: Pane) -> usize {
        self.selected.get(&pane).copied().unwrap_or(0)
    }

    /// Table rows the focused pane shows on this terminal (the last size the loop reported; 10 before it did): its
    /// area less its borders and header row.
    pub fn page(&self) -> usize {
        if self.viewport.1 == 0 {
            return 10;
        }
        self.pane_area(self.pane()).map_or(1, |r| r.height.saturating_sub(3).max(1) as usize)
    }

    /// Whether the focused pane's selection stays on the newest row.
    pub fn following(&self) -> bool {
        self.follow && matches!(self.pane(), Pane::Transfers | Pane::Operations)
    }

    /// Ledger rows in the order the Ledger pane shows them.
    pub fn sorted_ledgers(&self) -> Vec<&crate::node::events::PeerSnapshot> {
        let mut ledgers: Vec<_> = self.ledgers.iter().collect();
        ledgers.sort_by(|a, b| a.peer.cmp(&b.peer));
        ledgers
    }

    /// The want at row `idx` of the Wantlists pane, as `(peer, cid)` (no peer: ours). The pane shows ours first,
    /// then each peer's, peers sorted; found by counting, not by listing all 100,000 wants.
    pub fn want_at(&self, idx: usize) -> Option<(Option<&str>, &str)> {
        let ours = &self.wantlists.ours;
        if let Some(w) = ours.get(idx) {
            return Some((None, w.cid.as_str()));
        }
        let mut rest = idx - ours.len();
        for peer in self.want_peers() {
            let wants = &self.wantlists.theirs[peer];
            match wants.get(rest) {
                Some(w) => return Some((Some(peer.as_str()), w.cid.as_str())),
                None => rest -= wants.len(),
            }
        }
        None
    }

    /// Where the want `key` (`cid` for ours, `peer cid` for a peer's) is in the Wantlists pane.
    fn want_index(&self, key: &str) -> Option<usize> {
        let ours = &self.wantlists.ours;
        let Some((peer, cid)) = key.split_once(' ') else { return ours.iter().position(|w| w.cid == key) };
        let mut at = ours.len();
        for p in self.want_peers() {
            let wants = &self.wantlists.theirs[p];
            if p == peer {
                return wants.iter().position(|w| w.cid == cid).map(|i| at + i);
            }
            at += wants.len();
        }
        None
    }

    /// The peers that want something from us, in the order the Wantlists pane lists them.
    pub fn want_peers(&self) -> Vec<&String> {
        let mut peers: Vec<&String> = self.wantlists.theirs.keys().collect();
        peers.sort();
        peers
    }

    /// The item at row `idx` of `pane`.
    pub fn anchor_at(&self, pane: Pane, idx: usize) -> Option<Anchor> {
        match pane {
            Pane::Peers => self.sorted_peers().get(idx).map(|p| Anchor::Peer(p.peer.clone())),
            Pane::Ledger => self.sorted_ledgers().get(idx).map(|p| Anchor::Peer(p.peer.clone())),
            Pane::Wantlists => self.want_at(idx).map(|(peer, cid)| match peer {
                Some(p) => Anchor::Key(format!("{p} {cid}")),
                None => Anchor::Key(cid.to_string()),
            }),
            Pane::Transfers => self.visible_transfers().rev().nth(idx).map(|r| Anchor::Transfer(r.id)),
            Pane::Operations => self.ops.iter().rev().nth(idx).map(|o| Anchor::Op(o.id)),
            Pane::Explorer => self.explorer.as_ref()?.rows.get(idx).map(|r| Anchor::Key(r.cid.to_string())),
            Pane::Log => None,
        }
    }

    /// Where `anchor` is now in `pane`, if it is still there.
    fn find(&self, pane: Pane, anchor: &Anchor) -> Option<usize> {
        match (pane, anchor) {
            (Pane::Peers, Anchor::Peer(p)) => self.sorted_peers().iter().position(|r| &r.peer == p),
            (Pane::Ledger, Anchor::Peer(p)) => self.sorted_ledgers().iter().position(|r| &r.peer == p),
            (Pane::Wantlists, Anchor::Key(k)) => self.want_index(k),
            (Pane::Transfers, Anchor::Transfer(id)) => self.visible_transfers().rev().position(|r| r.id == *id),
            (Pane::Operations, Anchor::Op(id)) => self.ops.iter().rev().position(|o| o.id == *id),
            (Pane::Explorer, Anchor::Key(k)) => {
                self.explorer.as_ref()?.rows.iter().position(|r| r.cid.to_string() == *k)
            }
            _ => None,
        }
    }

    /// The number of rows `pane` shows.
    pub fn rows(&self, pane: Pane) -> usize {
        match pane {
            Pane::Peers => self.peers.len(),
            Pane::Wantlists => {
                self.wantlists.ours.len() + self.wantlists.theirs.values().map(|v| v.len()).sum::<usize>()
            }
            Pane::Ledger => self.ledgers.len(),
            Pane::Transfers => self.visible_transfers().count(),
            Pane::Operations => self.ops.len(),
            Pane::Explorer => self.explorer.as_ref().map_or(0, |e| e.rows.len()),
            Pane::Log => self.log.len(),
        }
    }

    /// Before `msg`: the focused pane's selected item, if `msg` can move it (others keep their index until shown;
    /// this runs for every message, so it only looks when rows can move).
    pub(super) fn anchor_before(&self, msg: &Msg) -> Option<(Pane, Anchor)> {
        let pane = self.pane();
        let moves = match (pane, msg) {
            (_, Msg::Key(_)) => false,
            (Pane::Transfers | Pane::Operations, _) if self.follow => false,
            (Pane::Peers, Msg::Node(e)) => matches!(
                e.kind,
                NodeEvent::Connected { .. }
                    | NodeEvent::Disconnected { .. }
                    | NodeEvent::Snapshot { .. }
                    | NodeEvent::Identified { .. }
            ),
            (Pane::Ledger | Pane::Wantlists, Msg::Node(e)) => matches!(e.kind, NodeEvent::Snapshot { .. }),
            (Pane::Transfers, Msg::Node(e)) => matches!(e.kind, NodeEvent::Bitswap { .. }),
            (Pane::Operations, Msg::OpStarted { .. } | Msg::JobDone(_)) => true,
            (Pane::Explorer, Msg::JobDone(_)) => true,
            _ => false,
        };
        if !moves {
            return None;
        }
        self.anchor_at(pane, self.selection(pane)).map(|a| (pane, a))
    }

    /// After the message: the selection goes where its item went (or stays in range if the item left); on a list
    /// that follows the newest, to the top.
    pub(super) fn reanchor(&mut self, before: Option<(Pane, Anchor)>) {
        if let Some((pane, anchor)) = before {
            let at = match self.find(pane, &anchor) {
                Some(at) => at,
                None => self.selection(pane).min(self.rows(pane).saturating_sub(1)),
            };
            self.selected.insert(pane, at);
        }
        if self.following() {
            self.selected.insert(self.pane(), 0);
        }
    }

    /// The pane and row at column `x`, line `y` (a mouse click), if a row is there.
    pub fn row_at(&self, x: u16, y: u16) -> Option<(Pane, usize)> {
        let (pane, area) = self.pane_at(x, y)?;
        let first = area.y + 2;
        if y < first || pane == Pane::Wantlists || pane == Pane::Log {
            return None;
        }
        let line = (y - first) as usize;
        let visible = area.height.saturating_sub(3).max(1) as usize;
        if line >= visible {
            return None;
        }
        let idx = scroll_offset(self.selection(pane), visible) + line;
        (idx < self.rows(pane)).then_some((pane, idx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::events::{OurWantInfo, TheirWantInfo, WantKind};

    #[test]
    fn every_want_row_is_found_again_by_its_key_in_the_order_the_pane_shows() {
        let mut s = AppState::new();
        let ours = |c: &str| OurWantInfo { cid: c.into(), age_ms: 0, peers_asked: 1, why: None };
        let theirs =
            |c: &str| TheirWantInfo { cid: c.into(), want_type: WantKind::WantHave, send_dont_have: false, age_ms: 0 };
        s.wantlists.ours = vec![ours("o1"), ours("o2")];
        s.wantlists.theirs.insert("pb".into(), vec![theirs("b1")]);
        s.wantlists.theirs.insert("pa".into(), vec![theirs("a1"), theirs("a2")]);
        let shown: Vec<_> = (0..6).map(|i| s.want_at(i)).collect();
        assert_eq!(
            shown,
            vec![
                Some((None, "o1")),
                Some((None, "o2")),
                Some((Some("pa"), "a1")),
                Some((Some("pa"), "a2")),
                Some((Some("pb"), "b1")),
                None
            ]
        );
        for i in 0..5 {
            let anchor = s.anchor_at(Pane::Wantlists, i).expect("a row");
            assert_eq!(s.find(Pane::Wantlists, &anchor), Some(i), "{anchor:?}");
        }
    }
}
