//! The status line (the last result or error, one line, until it times out; the global keys otherwise) and the input
//! bar (`:` to type a command), with the focused pane's keys on its border.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::theme;
use crate::app::keymap::pane_hints;
use crate::app::state::AppState;

pub fn render_status(frame: &mut Frame, area: Rect, state: &AppState) {
    let line = match state.status_line() {
        Some((text, true)) => Line::from(Span::styled(format!(" {text}"), theme::error())),
        Some((text, false)) => Line::from(Span::styled(format!(" {text}"), theme::ok())),
        None => Line::from(Span::styled(" ? help  : command  / filter  Tab h l panes  q quit", theme::dim())),
    };
    frame.render_widget(Paragraph::new(line), area);
}

pub fn render_input(frame: &mut Frame, area: Rect, state: &AppState) {
    let style = if state.input_focused { theme::focus_border() } else { theme::dim() };
    // The keys of the focused pane, on the bar's lower border: visible whatever the status line says.
    let hints = fit_hints(pane_hints(state.pane()), area.width.saturating_sub(4) as usize);
    let hints = Line::from(Span::styled(hints, theme::dim())).right_aligned();
    // A replay puts its position and keys where the command title was (commands do not run there).
    let title = match &state.replay {
        Some(bar) => Span::styled(bar.as_str(), theme::title()),
        None => Span::raw(" : command "),
    };
    let block = Block::default().borders(Borders::ALL).border_style(style).title(title).title_bottom(hints);
    let inner = block.inner(area);
    let width = inner.width.max(1) as usize;
    let scroll = state.input.visual_scroll(width);
    let text = if state.input_focused || !state.input.value().is_empty() {
        Span::raw(state.input.value().to_string())
    } else if state.replay.is_some() {
        Span::styled("a recording: commands do not run · / filter · ? help · q quit", theme::dim())
    } else {
        Span::styled("put TEXT · get CID · connect MULTIADDR · help", theme::dim())
    };
    frame.render_widget(Paragraph::new(Line::from(text)).scroll((0, scroll as u16)).block(block), area);
    if state.input_focused {
        let x = state.input.visual_cursor().saturating_sub(scroll) as u16;
        frame.set_cursor_position(Position::new(inner.x + x, inner.y));
    }
}

/// As many of the `·`-separated hints as fit in `width`, first ones first.
pub(super) fn fit_hints(hints: &str, width: usize) -> String {
    let mut out = String::new();
    for h in hints.split(" · ") {
        let next = if out.is_empty() { h.to_string() } else { format!("{out} · {h}") };
        if next.chars().count() + 2 > width {
            break;
        }
        out = next;
    }
    if out.is_empty() { out } else { format!(" {out} ") }
}
