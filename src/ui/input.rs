//! The status line (the last result or error, one line) and the input bar (`:` to type a command).

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::theme;
use crate::app::state::AppState;

pub fn render_status(frame: &mut Frame, area: Rect, state: &AppState) {
    let line = match &state.status {
        Some((text, true)) => Line::from(Span::styled(format!(" {text}"), theme::error())),
        Some((text, false)) => Line::from(Span::styled(format!(" {text}"), theme::ok())),
        None => Line::from(Span::styled(" ? help  : command  / filter  p pause  Tab panes  q quit", theme::dim())),
    };
    frame.render_widget(Paragraph::new(line), area);
}

pub fn render_input(frame: &mut Frame, area: Rect, state: &AppState) {
    let style = if state.input_focused { theme::focus_border() } else { theme::dim() };
    let block = Block::default().borders(Borders::ALL).border_style(style).title(" : command ");
    let inner = block.inner(area);
    let width = inner.width.max(1) as usize;
    let scroll = state.input.visual_scroll(width);
    let text = if state.input_focused || !state.input.value().is_empty() {
        Span::raw(state.input.value().to_string())
    } else {
        Span::styled("put TEXT · get CID · connect MULTIADDR · help", theme::dim())
    };
    frame.render_widget(Paragraph::new(Line::from(text)).scroll((0, scroll as u16)).block(block), area);
    if state.input_focused {
        let x = state.input.visual_cursor().saturating_sub(scroll) as u16;
        frame.set_cursor_position(Position::new(inner.x + x, inner.y));
    }
}
