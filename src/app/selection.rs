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

/// The screen line of a pane's first table row: below the header, the tabs (1), the table's border and header row.
pub fn first_row_y(rows: u16) -> u16 {
    header_rows(rows) + 3
}

/// The tab bar's titles on a terminal `width` columns wide: names cut to 5 letters under 100 columns and to 3
/// under 70, so that all eight fit (and can be clicked).
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
    /// A routing query, by its id.
    Query(u64),
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

    /// Table rows a pane shows on this terminal (the last size the loop reported; 10 before it did).
    pub fn page(&self) -> usize {
        // Below the table rows: its bottom border, the status line (1) and the input bar (3).
        let rows = self.viewport.1;
        if rows == 0 { 10 } else { rows.saturating_sub(first_row_y(rows) + 1 + 1 + 3).max(1) as usize }
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

    /// Wants in the order the Wantlists pane shows them: ours (`cid`), then each peer's (`peer cid`), peers sorted.
    pub fn want_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.wantlists.ours.iter().map(|w| w.cid.clone()).collect();
        let mut peers: Vec<&String> = self.wantlists.theirs.keys().collect();
        peers.sort();
        for peer in peers {
            keys.extend(self.wantlists.theirs[peer].iter().map(|w| format!("{peer} {}", w.cid)));
        }
        keys
    }

    /// The item at row `idx` of `pane`.
    pub fn anchor_at(&self, pane: Pane, idx: usize) -> Option<Anchor> {
        match pane {
            Pane::Peers => self.sorted_peers().get(idx).map(|p| Anchor::Peer(p.peer.clone())),
            Pane::Ledger => self.sorted_ledgers().get(idx).map(|p| Anchor::Peer(p.peer.clone())),
            Pane::Wantlists => self.want_keys().into_iter().nth(idx).map(Anchor::Key),
            Pane::Transfers => self.visible_transfers().rev().nth(idx).map(|r| Anchor::Transfer(r.id)),
            Pane::Operations => self.ops.iter().rev().nth(idx).map(|o| Anchor::Op(o.id)),
            Pane::Explorer => self.explorer.as_ref()?.rows.get(idx).map(|r| Anchor::Key(r.cid.to_string())),
            Pane::Log => None,
            Pane::Routing => self.routing.recent.get(idx).map(|q| Anchor::Query(q.id)),
        }
    }

    /// Where `anchor` is now in `pane`, if it is still there.
    fn find(&self, pane: Pane, anchor: &Anchor) -> Option<usize> {
        match (pane, anchor) {
            (Pane::Peers, Anchor::Peer(p)) => self.sorted_peers().iter().position(|r| &r.peer == p),
            (Pane::Ledger, Anchor::Peer(p)) => self.sorted_ledgers().iter().position(|r| &r.peer == p),
            (Pane::Wantlists, Anchor::Key(k)) => self.want_keys().iter().position(|w| w == k),
            (Pane::Transfers, Anchor::Transfer(id)) => self.visible_transfers().rev().position(|r| r.id == *id),
            (Pane::Operations, Anchor::Op(id)) => self.ops.iter().rev().position(|o| o.id == *id),
            (Pane::Routing, Anchor::Query(id)) => self.routing.recent.iter().position(|q| q.id == *id),
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
            Pane::Routing => self.routing.recent.len(),
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
            (Pane::Routing, Msg::Node(e)) => matches!(e.kind, NodeEvent::RoutingStatus(_)),
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

    /// The row of the focused pane at screen line `y` (a mouse click), if there is one.
    pub fn row_at(&self, y: u16) -> Option<usize> {
        let pane = self.pane();
        let first = first_row_y(self.viewport.1);
        if y < first || matches!(pane, Pane::Wantlists | Pane::Log | Pane::Routing) {
            return None;
        }
        let line = (y - first) as usize;
        if line >= self.page() {
            return None;
        }
        let idx = scroll_offset(self.selection(pane), self.page()) + line;
        (idx < self.rows(pane)).then_some(idx)
    }
}
