//! One peer in full (Enter on a peer): its whole id, every address, agent, protocols and the Bitswap version it
//! speaks, its ledger and provenance (the blocks it sent first, its duplicates), bandwidth both ways over the last
//! minute, latency and throughput as our fetches measured them (sparklines of the last snapshots), what it wants
//! from us and the recent transfers with it. A peer that left keeps its detail, greyed, with the ledger it had.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Sparkline, Wrap};

use super::{format, header, table, theme};
use crate::app::state::{AppState, PeerRow, kind_name};
use crate::node::events::Direction;

/// Transfer rows looked at (newest first) to find this peer's recent ones: bounded work per frame.
const SCAN: usize = 5_000;

pub fn render(frame: &mut Frame, area: Rect, state: &AppState, peer: &PeerRow) {
    let status = match peer.gone_at_ms {
        None => format!("connected {}", format::age(state.now_ms.saturating_sub(peer.connected_at_ms))),
        Some(t) => format!("left {} ago", format::age(state.now_ms.saturating_sub(t))),
    };
    let dim = if peer.connected() { theme::title() } else { theme::gone() };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::focus_border())
        .title(Span::styled(format!(" Peer · {status} "), dim))
        .title_bottom(Line::from(" Esc back ").right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let info = info_lines(state, peer, inner.width as usize);
    let info_rows = (info.len() as u16).min(inner.height.saturating_sub(4).max(3));
    let [info_area, rest] = Layout::vertical([Constraint::Length(info_rows), Constraint::Min(0)]).areas(inner);
    let para = Paragraph::new(info).wrap(Wrap { trim: false });
    frame.render_widget(if peer.connected() { para } else { para.style(theme::gone()) }, info_area);
    if rest.height == 0 {
        return;
    }
    let graphs_width = if rest.width >= 100 { rest.width / 3 } else { rest.width * 2 / 5 };
    let [graphs, lists] = Layout::horizontal([Constraint::Length(graphs_width), Constraint::Min(0)]).areas(rest);
    let [gin, gout, glat, gthr] = Layout::vertical([Constraint::Ratio(1, 4); 4]).areas(graphs);
    let (win, wout) = (peer.rate_in.window_at(state.now_ms), peer.rate_out.window_at(state.now_ms));
    let (rin, rout) = (win.last().copied().unwrap_or(0), wout.last().copied().unwrap_or(0));
    header::graph(frame, gin, "in", &win, rin, theme::rate_in());
    header::graph(frame, gout, "out", &wout, rout, theme::rate_out());
    let latency: Vec<u64> = peer.latency_samples.iter().copied().collect();
    let ms = |v: u64| format!("{:.1}ms", v as f64 / 10.0);
    sparkline(frame, glat, "latency", &latency, ms, Style::default().fg(Color::Yellow));
    let throughput: Vec<u64> = peer.throughput_samples.iter().copied().collect();
    let rate = |v: u64| format!("{}/s", format::bytes_short(v));
    sparkline(frame, gthr, "throughput", &throughput, rate, theme::rate_in());
    let [wants_area, transfers_area] =
        Layout::vertical([Constraint::Ratio(1, 2), Constraint::Ratio(1, 2)]).areas(lists);
    wants(frame, wants_area, state, peer);
    transfers(frame, transfers_area, state, peer);
}

/// One of the peer's measured figures over the last snapshots (what our fetches measured: see `PeerRow::sampled`),
/// with the newest and the highest value on its title line.
fn sparkline(frame: &mut Frame, area: Rect, name: &str, samples: &[u64], unit: impl Fn(u64) -> String, style: Style) {
    let area = Rect { x: area.x + 1, width: area.width.saturating_sub(1), ..area };
    let now = samples.last().copied();
    let max = samples.iter().copied().max().unwrap_or(0);
    let title = Line::from(vec![
        Span::styled(format!("{name} "), theme::dim()),
        Span::styled(now.filter(|v| *v > 0).map_or("-".into(), &unit), style),
    ]);
    let scale = Line::from(Span::styled(format!("max {}", unit(max)), theme::dim())).right_aligned();
    let block = Block::default().title_top(title).title_top(scale);
    let bars = header::stretch(samples, area.width as usize);
    frame.render_widget(Sparkline::default().block(block).data(bars).max(max.max(1)).style(style), area);
}

/// The lines about the peer, most telling first (a short screen shows the first ones): id, agent, ledger, addresses,
/// protocols. `width` is the room on a line.
fn info_lines<'a>(state: &AppState, peer: &'a PeerRow, width: usize) -> Vec<Line<'a>> {
    let label = |s: &'static str| Span::styled(s, theme::dim());
    let mut lines = vec![Line::from(vec![label("id "), Span::raw(peer.peer.as_str())])];
    let mut rtt = peer.rtt_ms.map_or("-".into(), |r| format!("{r:.1}ms"));
    if let Some((min, avg, max)) = peer.rtt_stats().filter(|_| peer.rtts.len() > 1) {
        rtt.push_str(&format!(" (min/avg/max {min:.1}/{avg:.1}/{max:.1}ms of {})", peer.rtts.len()));
    }
    lines.push(Line::from(vec![
        label("agent "),
        Span::raw(if peer.agent.is_empty() { "-" } else { peer.agent.as_str() }),
        label("  bitswap "),
        Span::raw(if peer.bitswap.is_empty() { "-" } else { peer.bitswap.as_str() }),
        label("  rtt "),
        Span::raw(rtt),
        label("  "),
        Span::raw(format!("{} {}", peer.direction, peer.transport)),
        Span::raw(if peer.relayed { " relayed" } else { "" }),
    ]));
    let ledger = match &peer.ledger {
        Some(l) => {
            let last = l.last_exchange_ms.map_or("-".into(), |t| format::age(state.now_ms.saturating_sub(t)));
            format!(
                "received {} blk / {}  sent {} blk / {}  dups {}  bad {}  wants i/o {}/{}  conns {}  last {last}",
                l.blocks_received,
                format::bytes(l.bytes_received),
                l.blocks_sent,
                format::bytes(l.bytes_sent),
                l.duplicate_blocks,
                l.rejected_blocks + l.protocol_errors + l.refused_wants,
                l.wants_received,
                l.wants_sent,
                l.connections,
            )
        }
        None => "no snapshot yet".into(),
    };
    lines.push(Line::from(vec![label("ledger "), Span::raw(ledger)]));
    if let Some(l) = &peer.ledger {
        // Provenance: the blocks it was the first to send us, and the copies it sent of blocks we already had.
        let all = l.blocks_received + l.duplicate_blocks;
        let share = (l.duplicate_blocks * 100).checked_div(all).unwrap_or(0);
        let text = format!("first sender of {} blk · {} duplicates ({share}%)", l.blocks_received, l.duplicate_blocks);
        lines.push(Line::from(vec![label("provenance "), Span::raw(text)]));
    }
    // Dialable addresses (with /p2p/) where the line has room for them, the bare address where not.
    for addr in peer.addrs.iter().rev() {
        let base = addr.split("/p2p/").next().unwrap_or(addr);
        let full = format!("{base}/p2p/{}", peer.peer);
        let text = if full.len() + 5 <= width { full } else { base.to_string() };
        lines.push(Line::from(vec![label("addr "), Span::raw(text)]));
    }
    if !peer.protocols.is_empty() {
        lines.push(Line::from(vec![label("protocols "), Span::raw(peer.protocols.join(" "))]));
    }
    lines
}

/// What it wants from us, and what we want (asked of every peer).
fn wants(frame: &mut Frame, area: Rect, state: &AppState, peer: &PeerRow) {
    let theirs = state.wantlists.theirs.get(&peer.peer).map(Vec::as_slice).unwrap_or_default();
    let widths = [Constraint::Length(4), Constraint::Min(12), Constraint::Length(6)];
    let cols = table::columns(area, &widths);
    let (_, visible) = table::window(area, 0);
    let rows: Vec<Row> = theirs
        .iter()
        .map(|w| ("in", &w.cid, w.want_type.to_string()))
        .chain(state.wantlists.ours.iter().map(|w| ("out", &w.cid, "-".to_string())))
        .take(visible)
        .map(|(dir, cid, kind)| {
            Row::new(vec![Cell::from(dir), Cell::from(format::middle(cid, cols[1])), Cell::from(kind)])
        })
        .collect();
    let title = format!(" Wants: it wants {} · we want {} ", theirs.len(), state.wantlists.ours.len());
    table::render(frame, area, title, &["", "cid", "type"], &table::lengths(&cols), rows, None);
}

/// The newest transfers with this peer.
fn transfers(frame: &mut Frame, area: Rect, state: &AppState, peer: &PeerRow) {
    let widths = [Constraint::Length(2), Constraint::Length(10), Constraint::Min(12), Constraint::Length(9)];
    let cols = table::columns(area, &widths);
    let (_, visible) = table::window(area, 0);
    let rows: Vec<Row> = state
        .transfers
        .iter()
        .rev()
        .take(SCAN)
        .filter(|r| r.peer == peer.peer)
        .take(visible)
        .map(|r| {
            let style = theme::kind(r.kind);
            Row::new(vec![
                Cell::from(if r.direction == Direction::In { "<-" } else { "->" }),
                Cell::from(kind_name(r.kind)).style(style),
                Cell::from(format::middle(&r.cid, cols[2])).style(style),
                Cell::from(r.size.map(format::bytes).unwrap_or_default()),
            ])
        })
        .collect();
    table::render(
        frame,
        area,
        " Recent transfers ".into(),
        &["", "kind", "cid", "size"],
        &table::lengths(&cols),
        rows,
        None,
    );
}

#[cfg(test)]
#[path = "peer_detail_tests.rs"]
mod tests;
