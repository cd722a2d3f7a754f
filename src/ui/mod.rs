//! Rendering: a pure function of `&AppState` (the Elm view). One file per pane; no I/O, no node calls.

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
pub mod routing;
mod table;
pub mod theme;
pub mod transfers;
pub mod wantlists;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::Tabs;

use crate::app::state::{AppState, Pane};

/// Draws the whole screen.
pub fn render(frame: &mut Frame, state: &AppState) {
    let [header_area, tabs_area, main, status, input_area] = Layout::vertical([
        Constraint::Length(crate::app::selection::header_rows(frame.area().height)),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(3),
    ])
    .areas(frame.area());
    if header_area.height > 0 {
        header::render(frame, header_area, state);
    }
    // Narrow terminals get short tab names so that all eight fit; a click finds its tab with the same titles.
    let titles: Vec<Line> =
        crate::app::selection::tab_titles(frame.area().width).into_iter().map(|t| Line::from(Span::raw(t))).collect();
    let selected = Pane::ALL.iter().position(|p| *p == state.pane()).unwrap_or(0);
    frame.render_widget(Tabs::new(titles).select(selected).highlight_style(theme::selected()), tabs_area);
    match state.pane() {
        Pane::Peers => match state.detail.as_ref().and_then(|p| state.peers.get(p)) {
            Some(peer) => peer_detail::render(frame, main, state, peer),
            None => peers::render(frame, main, state),
        },
        Pane::Wantlists => wantlists::render(frame, main, state),
        Pane::Ledger => ledger::render(frame, main, state),
        Pane::Transfers => transfers::render(frame, main, state),
        Pane::Operations => operations::render(frame, main, state),
        Pane::Explorer => explorer::render(frame, main, state),
        Pane::Log => log::render(frame, main, state),
        Pane::Routing => routing::render(frame, main, state),
    }
    input::render_status(frame, status, state);
    input::render_input(frame, input_area, state);
    if let Some((title, body)) = &state.preview {
        help::render_preview(frame, main, title, body);
    }
    if state.help {
        help::render(frame, frame.area(), state.help_scroll);
    }
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
