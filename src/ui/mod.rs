//! Rendering: a pure function of `&AppState` (the Elm view). One file per pane; no I/O, no node calls.

pub mod dashboard;
pub mod explorer;
pub mod format;
pub mod header;
pub mod help;
pub mod input;
pub mod ledger;
pub mod log;
pub mod operations;
pub mod peer_detail;
pub mod peers;
mod table;
pub mod theme;
pub mod timeline;
pub mod transfers;
pub mod wantlists;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Tabs;

use crate::app::layout;
use crate::app::state::{AppState, Pane};

/// Draws the whole screen.
pub fn render(frame: &mut Frame, state: &AppState) {
    let area = frame.area();
    let screen = layout::screen(area);
    if screen.header.height > 0 {
        header::render(frame, screen.header, state);
    }
    // Narrow terminals get short tab names so that all seven fit; a click finds its tab with the same titles.
    let titles: Vec<Line> =
        crate::app::selection::tab_titles(area.width).into_iter().map(|t| Line::from(Span::raw(t))).collect();
    let selected = Pane::ALL.iter().position(|p| *p == state.pane()).unwrap_or(0);
    frame.render_widget(Tabs::new(titles).select(selected).highlight_style(theme::selected()), screen.tabs);
    let main = screen.main;
    if state.dashboard_on(area.width, area.height) {
        dashboard::render(frame, main, state);
    } else {
        pane(frame, main, state, state.pane());
    }
    if state.timeline_cid.is_some() {
        timeline::render(frame, main, state);
    }
    input::render_status(frame, screen.status, state);
    input::render_input(frame, screen.input, state);
    if let Some((title, body)) = &state.preview {
        help::render_preview(frame, main, title, body);
    }
    if state.help {
        help::render(frame, area, state.help_scroll);
    }
}

/// One pane in `area` (alone, or as a part of the dashboard).
fn pane(frame: &mut Frame, area: Rect, state: &AppState, pane: Pane) {
    match pane {
        Pane::Peers => match state.detail.as_ref().and_then(|p| state.peers.get(p)) {
            Some(peer) => peer_detail::render(frame, area, state, peer),
            None => peers::render(frame, area, state),
        },
        Pane::Wantlists => wantlists::render(frame, area, state),
        Pane::Ledger => ledger::render(frame, area, state),
        Pane::Transfers => transfers::render(frame, area, state),
        Pane::Operations => operations::render(frame, area, state),
        Pane::Explorer => explorer::render(frame, area, state),
        Pane::Log => log::render(frame, area, state),
    }
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
