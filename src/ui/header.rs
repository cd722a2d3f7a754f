//! The header: who this node is, where it listens, how many peers, what is stored, dropped events (if any), and
//! bandwidth both ways as graphs that read as btm's do: the last minute stretched over the graph's width, the
//! newest second at the right edge (moving left while idle), the current rate and the scale (max) in the title.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Sparkline};

use super::{format, theme};
use crate::app::state::AppState;

/// Columns the text keeps beside the graphs on a wide header (a full peer id fits).
const TEXT_WIDE: u16 = 62;
/// Narrower than this, the graphs give way to the text.
const GRAPHS_FROM: u16 = 60;

pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let mut title = vec![Span::styled(" swarmscope ", theme::title())];
    // The DHT's mode and routing-table size, once routing has said (the Routing pane has the rest).
    let r = &state.routing;
    if !r.dht_mode.is_empty() {
        let style = if r.table_size == 0 { theme::dim() } else { Style::default() };
        title.push(Span::styled(format!("· dht {} · table {} ", r.dht_mode, r.table_size), style));
    }
    let block = Block::default().borders(Borders::ALL).title(Line::from(title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let text_width = match inner.width {
        w if w >= 100 => TEXT_WIDE,
        w if w >= GRAPHS_FROM => w / 2,
        w => w,
    };
    let graph_width = (inner.width - text_width) / 2;
    let [text, graph_in, graph_out] = Layout::horizontal([
        Constraint::Length(text_width),
        Constraint::Length(graph_width),
        Constraint::Length(inner.width - text_width - graph_width),
    ])
    .areas(inner);
    let room = text_width.saturating_sub(6) as usize;
    let peer = if state.peer_id.is_empty() { "starting…".to_string() } else { format::middle(&state.peer_id, room) };
    // The peer id is on the line above: show where it listens without repeating it.
    let listen = state.listen.first().map(|a| a.split("/p2p/").next().unwrap_or(a)).unwrap_or("-");
    let first = vec![Span::styled("peer ", theme::dim()), Span::raw(peer)];
    let second = vec![Span::styled("listen ", theme::dim()), Span::raw(format::tail(listen, room))];
    let mut third = vec![
        Span::styled("peers ", theme::dim()),
        Span::raw(state.connected_peers().to_string()),
        Span::styled("  stored ", theme::dim()),
        Span::raw(format!("{} blk, {}", state.stored_blocks, format::bytes(state.stored_bytes))),
    ];
    if graph_width == 0 {
        third.push(Span::styled("  in ", theme::dim()));
        third.push(Span::styled(format!("{}/s", format::bytes(state.bytes_in.rate())), theme::rate_in()));
        third.push(Span::styled(" out ", theme::dim()));
        third.push(Span::styled(format!("{}/s", format::bytes(state.bytes_out.rate())), theme::rate_out()));
    }
    if state.dropped > 0 {
        third.push(Span::styled(format!("  dropped events {}", state.dropped), theme::error()));
    }
    frame.render_widget(Paragraph::new(vec![Line::from(first), Line::from(second), Line::from(third)]), text);
    if graph_width > 0 {
        graph(frame, graph_in, "in", &state.bytes_in.window(), state.bytes_in.rate(), theme::rate_in());
        graph(frame, graph_out, "out", &state.bytes_out.window(), state.bytes_out.rate(), theme::rate_out());
    }
}

/// One rate graph of `window` (seconds, oldest first), now at `now` bytes/s: a one-column gap on its left, the title
/// line (rate left, scale right), bars below. The peer detail draws its graphs with it too.
pub fn graph(frame: &mut Frame, area: Rect, name: &str, window: &[u64], now: u64, style: Style) {
    let area = Rect { x: area.x + 1, width: area.width.saturating_sub(1), ..area };
    let max = window.iter().copied().max().unwrap_or(0);
    // The long units where both fit on the title line, the short ones where they do not.
    let (mut rate, mut top) = (format!("{}/s", format::bytes(now)), format!("max {}/s", format::bytes(max)));
    if name.len() + 1 + rate.len() + 1 + top.len() > area.width as usize {
        rate = format!("{}/s", format::bytes_short(now));
        top = format!("max {}", format::bytes_short(max));
    }
    let title = Line::from(vec![Span::styled(format!("{name} "), theme::dim()), Span::styled(rate, style)]);
    let scale = Line::from(Span::styled(top, theme::dim())).right_aligned();
    let block = Block::default().title_top(title).title_top(scale);
    let bars = stretch(window, area.width as usize);
    frame.render_widget(Sparkline::default().block(block).data(bars).max(max.max(1)).style(style), area);
}

/// Spreads `values` (oldest first) over `width` columns: each column shows the highest value of the seconds it
/// covers, so a burst is never lost when narrow, and a wide graph repeats seconds instead of leaving a gap. The
/// last column is always the newest second.
pub fn stretch(values: &[u64], width: usize) -> Vec<u64> {
    let n = values.len();
    if n == 0 || width == 0 {
        return Vec::new();
    }
    (0..width)
        .map(|c| {
            let from = c * n / width;
            let to = ((c + 1) * n / width).max(from + 1).min(n);
            values[from..to].iter().copied().max().unwrap_or(0)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::stretch;

    #[test]
    fn stretching_keeps_the_newest_at_the_right_edge_and_every_burst() {
        let mut v = vec![0u64; 60];
        v[59] = 9;
        v[10] = 5;
        let narrow = stretch(&v, 19);
        assert_eq!(narrow.len(), 19);
        assert_eq!(*narrow.last().unwrap(), 9);
        assert!(narrow.contains(&5), "a one-second burst survives narrowing: {narrow:?}");
        let wide = stretch(&v, 150);
        assert_eq!(wide.len(), 150);
        assert_eq!(&wide[148..], &[9, 9]);
        assert!((2..=3).contains(&wide.iter().filter(|&&x| x == 5).count()));
    }
}
