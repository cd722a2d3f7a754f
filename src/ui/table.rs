//! The table every list pane uses: a bordered block titled with the pane's name, a header row, the selection; the
//! pane hands it only the visible window of rows (`window`), with the selection relative to that window.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Row, Table, TableState};

use super::theme;
use crate::app::selection::scroll_offset;

/// The rows a table in `area` has room for, and the first one to draw so that `selected` is among them: panes build
/// only these rows (a pane of 100,000 wants costs what its visible rows cost).
pub fn window(area: Rect, selected: usize) -> (usize, usize) {
    let visible = area.height.saturating_sub(3).max(1) as usize;
    (scroll_offset(selected, visible), visible)
}

/// The width each column gets inside a bordered table in `area`, as the table lays them out (one column of
/// spacing): panes fit their text to these (middle-ellipsis for ids, the end of an address) instead of letting the
/// table cut it at the end.
pub fn columns(area: Rect, widths: &[Constraint]) -> Vec<usize> {
    let inner = Rect::new(0, 0, area.width.saturating_sub(2), 1);
    Layout::horizontal(widths.to_vec())
        .flex(Flex::Start)
        .spacing(1)
        .split(inner)
        .iter()
        .map(|r| r.width as usize)
        .collect()
}

/// Exact widths for a table, from [`columns`].
pub fn lengths(columns: &[usize]) -> Vec<Constraint> {
    columns.iter().map(|w| Constraint::Length(*w as u16)).collect()
}

pub fn render(
    frame: &mut Frame,
    area: Rect,
    title: String,
    header: &[&str],
    widths: &[Constraint],
    rows: Vec<Row>,
    selected: Option<usize>,
) {
    let empty = rows.is_empty();
    let table = Table::new(rows, widths.to_vec())
        .header(Row::new(header.iter().map(|h| Span::styled(*h, theme::header()))))
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme::focus_border())
                .title(Span::styled(title, theme::title())),
        )
        .row_highlight_style(theme::selected());
    let mut state = TableState::default().with_selected(if empty { None } else { selected });
    frame.render_stateful_widget(table, area, &mut state);
}
