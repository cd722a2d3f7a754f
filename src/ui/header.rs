//! The header: who this node is, where it listens, how many peers, bandwidth both ways with sparklines, what is
//! stored, and dropped events (if any).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Sparkline};

use super::{format, theme};
use crate::app::state::AppState;

pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let block = Block::default().borders(Borders::ALL).title(Span::styled(" swarmscope ", theme::title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [text, spark_in, spark_out] =
        Layout::horizontal([Constraint::Min(40), Constraint::Length(22), Constraint::Length(22)]).areas(inner);
    let peer = if state.peer_id.is_empty() { "starting…".to_string() } else { state.peer_id.clone() };
    let listen = state.listen.first().cloned().unwrap_or_else(|| "-".into());
    let mut first = vec![
        Span::styled("peer ", theme::dim()),
        Span::raw(peer),
        Span::styled("  peers ", theme::dim()),
        Span::raw(state.peers.len().to_string()),
    ];
    if state.dropped > 0 {
        first.push(Span::styled(format!("  dropped events {}", state.dropped), theme::error()));
    }
    let second = vec![
        Span::styled("in ", theme::dim()),
        Span::styled(format!("{}/s", format::bytes(state.bytes_in.rate())), theme::ok()),
        Span::styled("  out ", theme::dim()),
        Span::raw(format!("{}/s", format::bytes(state.bytes_out.rate()))),
        Span::styled("  stored ", theme::dim()),
        Span::raw(format!("{} blocks, {}", state.stored_blocks, format::bytes(state.stored_bytes))),
        Span::styled("  listen ", theme::dim()),
        Span::raw(listen),
    ];
    frame.render_widget(Paragraph::new(vec![Line::from(first), Line::from(second)]), text);
    let spark = |values: Vec<u64>, title: &'static str| {
        Sparkline::default().block(Block::default().title(Span::styled(title, theme::dim()))).data(values)
    };
    frame.render_widget(spark(state.bytes_in.values(), "in"), spark_in);
    frame.render_widget(spark(state.bytes_out.values(), "out").style(theme::dim()), spark_out);
}
