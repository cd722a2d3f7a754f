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
    // Sparklines only where there is room for them beside the text.
    let spark_width = if inner.width >= 100 { 18 } else { 0 };
    let [text, spark_in, spark_out] =
        Layout::horizontal([Constraint::Min(40), Constraint::Length(spark_width), Constraint::Length(spark_width)])
            .areas(inner);
    let peer = if state.peer_id.is_empty() { "starting…".to_string() } else { state.peer_id.clone() };
    // The peer id is on the line above: show where it listens without repeating it.
    let listen =
        state.listen.first().map(|a| a.split("/p2p/").next().unwrap_or(a).to_string()).unwrap_or_else(|| "-".into());
    let first = vec![
        Span::styled("peer ", theme::dim()),
        Span::raw(peer),
        Span::styled("  peers ", theme::dim()),
        Span::raw(state.peers.len().to_string()),
    ];
    let second = vec![Span::styled("listen ", theme::dim()), Span::raw(listen)];
    let mut third = vec![
        Span::styled("in ", theme::dim()),
        Span::styled(format!("{}/s", format::bytes(state.bytes_in.rate())), theme::ok()),
        Span::styled("  out ", theme::dim()),
        Span::raw(format!("{}/s", format::bytes(state.bytes_out.rate()))),
        Span::styled("  stored ", theme::dim()),
        Span::raw(format!("{} blocks, {}", state.stored_blocks, format::bytes(state.stored_bytes))),
    ];
    if state.dropped > 0 {
        third.push(Span::styled(format!("  dropped events {}", state.dropped), theme::error()));
    }
    frame.render_widget(Paragraph::new(vec![Line::from(first), Line::from(second), Line::from(third)]), text);
    let spark = |values: Vec<u64>, title: &'static str| {
        Sparkline::default().block(Block::default().title(Span::styled(title, theme::dim()))).data(values)
    };
    frame.render_widget(spark(state.bytes_in.values(), "in"), spark_in);
    frame.render_widget(spark(state.bytes_out.values(), "out").style(theme::dim()), spark_out);
}
