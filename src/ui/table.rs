//! The table every list pane uses: a bordered block titled with the pane's name, a header row, the selection.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Row, Table, TableState};

use super::theme;

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
