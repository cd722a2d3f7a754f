//! Where things are on screen, in one place for the renderer and the reducer (a click, a page, which pane `l`
//! goes to): the rows of the screen, and on wide terminals the dashboard (as btm: several panes at once, one of
//! them focused). Narrow terminals, or `z`, show the focused pane alone under its tab.

use ratatui::layout::{Constraint, Layout, Rect};

use super::selection::header_rows;
use super::state::{AppState, Pane};

/// The smallest terminal (columns, rows) that gets the dashboard: two panes side by side need ~80 columns each.
pub const DASHBOARD_FROM: (u16, u16) = (160, 45);

/// The panes of the dashboard in the order focus moves through them (reading order: top row, then bottom row).
pub const DASHBOARD: [Pane; 5] = [Pane::Peers, Pane::Transfers, Pane::Wantlists, Pane::Operations, Pane::Log];

/// The rows of the screen: header, tabs, the panes, status line, input bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Screen {
    pub header: Rect,
    pub tabs: Rect,
    pub main: Rect,
    pub status: Rect,
    pub input: Rect,
}

/// The rows of a terminal of `area`.
pub fn screen(area: Rect) -> Screen {
    let [header, tabs, main, status, input] = Layout::vertical([
        Constraint::Length(header_rows(area.height)),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(3),
    ])
    .areas(area);
    Screen { header, tabs, main, status, input }
}

/// The dashboard's panes in `main`: Peers and Transfers side by side on top (what connects and what moves), the
/// Wantlists, Operations and Log below.
pub fn dashboard(main: Rect) -> [(Pane, Rect); 5] {
    let [top, bottom] = Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(main);
    let [peers, transfers] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(top);
    let [wants, ops, log] =
        Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(30), Constraint::Percentage(30)])
            .areas(bottom);
    [
        (Pane::Peers, peers),
        (Pane::Transfers, transfers),
        (Pane::Wantlists, wants),
        (Pane::Operations, ops),
        (Pane::Log, log),
    ]
}

impl AppState {
    /// Whether a terminal of `width`×`height` shows the dashboard now: wide enough, not zoomed to one pane (`z`),
    /// no peer's detail open, and the focused pane is one of the dashboard's (others show alone, under their tab).
    pub fn dashboard_on(&self, width: u16, height: u16) -> bool {
        width >= DASHBOARD_FROM.0
            && height >= DASHBOARD_FROM.1
            && !self.single
            && self.detail.is_none()
            && DASHBOARD.contains(&self.pane())
    }

    /// Where `pane` is on this terminal (the last size the loop reported), if it is shown.
    pub fn pane_area(&self, pane: Pane) -> Option<Rect> {
        let (w, h) = self.viewport;
        let main = screen(Rect::new(0, 0, w, h)).main;
        if self.dashboard_on(w, h) {
            dashboard(main).into_iter().find(|(p, _)| *p == pane).map(|(_, r)| r)
        } else {
            (pane == self.pane()).then_some(main)
        }
    }

    /// The pane at column `x`, row `y` (a click), and where its area is.
    pub fn pane_at(&self, x: u16, y: u16) -> Option<(Pane, Rect)> {
        let (w, h) = self.viewport;
        let main = screen(Rect::new(0, 0, w, h)).main;
        let hit = |r: &Rect| x >= r.x && x < r.right() && y >= r.y && y < r.bottom();
        if self.dashboard_on(w, h) {
            dashboard(main).into_iter().find(|(_, r)| hit(r))
        } else {
            hit(&main).then_some((self.pane(), main))
        }
    }

    /// The pane focus moves to from the focused one, `step` panes on (negative: back): through the dashboard's panes
    /// while it is shown, through every tab otherwise.
    pub fn pane_after(&self, step: isize) -> Pane {
        let (w, h) = self.viewport;
        let order: &[Pane] = if self.dashboard_on(w, h) { &DASHBOARD } else { &Pane::ALL };
        let at = order.iter().position(|p| *p == self.pane()).unwrap_or(0) as isize;
        order[(at + step).rem_euclid(order.len() as isize) as usize]
    }
}
