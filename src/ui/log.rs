//! The tail of the log: the node's and the app's own lines (the full log is in the log file).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::theme;
use crate::app::state::AppState;

pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let height = area.height.saturating_sub(2) as usize;
    let lines: Vec<Line> = state
        .log
        .iter()
        .skip(state.log.len().saturating_sub(height))
        .map(|l| {
            let style = if l.contains("error") || l.contains("ERROR") { theme::error() } else { Default::default() };
            Line::from(Span::styled(l.clone(), style))
        })
        .collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::focus_border())
        .title(Span::styled(format!(" Log ({}) ", state.log.len()), theme::title()));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
