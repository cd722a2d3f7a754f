//! Peers: id, address, direction, transport, agent, Bitswap version, RTT, connected for, bytes both ways, wants
//! both ways. Sortable (`s`). The width left after the fixed columns goes to the id (whole when there is room),
//! the agent and the address (cut at its start, so the port always shows).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Cell, Row};

use super::{format, table, theme};
use crate::app::state::{AppState, Pane};

/// A peer id in full (base58 Ed25519 ids).
const ID: usize = 52;

pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    if state.peers.is_empty() {
        return first_run(frame, area, state);
    }
    let sort = ["id", "rtt", "in", "out"][state.sort_column % 4];
    // Narrow terminals keep the columns that tell peers apart and show what moves.
    let wide = area.width >= 110;
    let inner = area.width.saturating_sub(2) as usize;
    let tiny = inner < 60;
    let (header, cols): (&[&str], Vec<usize>) = if tiny {
        (&["peer", "in", "out"], vec![inner.saturating_sub(20), 9, 9])
    } else if wide {
        // dir, bitswap, rtt, for, in, out, wants; and a space between each of the ten columns.
        let spare = inner.saturating_sub(8 + 7 + 8 + 7 + 10 + 10 + 9 + 9);
        let peer = (spare * 2 / 5).clamp(14, ID);
        let agent = (spare / 5).clamp(12, 24);
        let addr = spare.saturating_sub(peer + agent);
        (
            &["peer", "address", "dir", "agent", "bitswap", "rtt", "for", "in", "out", "wants i/o"],
            vec![peer, addr, 8, agent, 7, 8, 7, 10, 10, 9],
        )
    } else {
        let spare = inner.saturating_sub(8 + 10 + 10 + 9 + 5);
        let peer = (spare / 2).clamp(14, ID);
        (&["peer", "agent", "rtt", "in", "out", "wants i/o"], vec![peer, spare.saturating_sub(peer), 8, 10, 10, 9])
    };
    let selected = state.selection(Pane::Peers);
    let (skip, visible) = table::window(area, selected);
    let rows: Vec<Row> = state
        .sorted_peers()
        .into_iter()
        .skip(skip)
        .take(visible)
        .map(|p| {
            let mut cells = vec![Cell::from(format::middle(&p.peer, cols[0]))];
            if wide {
                // The id is the first column: the address without its `/p2p/` part, cut at its start if need be. A
                // relayed peer shows the relay's address, marked `(relay)` at the end (which the cut keeps).
                let addr = p.addr.split("/p2p/").next().unwrap_or(&p.addr);
                let addr = if p.relayed { format!("{addr} (relay)") } else { addr.to_string() };
                cells.push(Cell::from(format::tail(&addr, cols[1])));
                cells.push(Cell::from(format!("{} {}", p.direction, p.transport)));
            }
            if !tiny {
                // Cut by display width: an agent in CJK or with emoji keeps to its column.
                cells.push(Cell::from(format::fit(&p.agent, cols[if wide { 3 } else { 1 }])));
            }
            if wide {
                cells.push(Cell::from(p.bitswap.clone()));
            }
            if !tiny {
                cells.push(Cell::from(p.rtt_ms.map_or("-".into(), |r| format!("{r:.1}ms"))));
            }
            if wide {
                cells.push(Cell::from(format::age(state.now_ms.saturating_sub(p.connected_at_ms))));
            }
            cells.push(Cell::from(format::bytes(p.bytes_in)));
            cells.push(Cell::from(format::bytes(p.bytes_out)));
            if !tiny {
                cells.push(Cell::from(format!("{}/{}", p.wants_in, p.wants_out)));
            }
            let row = Row::new(cells);
            if p.connected() { row } else { row.style(theme::gone()) }
        })
        .collect();
    let widths: Vec<Constraint> = table::lengths(&cols);
    table::render(frame, area, peers_title(state, sort), header, &widths, rows, Some(selected - skip));
}

/// "Peers (3) sorted by id", and how many left (kept, greyed) if any did.
fn peers_title(state: &AppState, sort: &str) -> String {
    let connected = state.connected_peers();
    let gone = state.peers.len() - connected;
    let gone = if gone > 0 { format!(", {gone} left") } else { String::new() };
    format!(" Peers ({connected}{gone}) sorted by {sort} ")
}

/// No peer yet: how to get a first one, with this node's own dialable address (with `/p2p/`).
fn first_run(frame: &mut Frame, area: Rect, state: &AppState) {
    use ratatui::text::{Line, Span};
    use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
    let dialable: Vec<String> = state
        .listen
        .iter()
        .map(|a| if a.contains("/p2p/") { a.clone() } else { format!("{a}/p2p/{}", state.peer_id) })
        .collect();
    let cmd = |c: &'static str, what: &'static str| {
        Line::from(vec![Span::styled(format!("  {c:<20}"), theme::title()), Span::raw(what)])
    };
    let mut lines = vec![
        Line::from("No peers yet. To get a first one:"),
        cmd(":connect ADDR", "dial a node you know (/ip4/…/tcp/…/p2p/…)"),
        cmd("swarmscope demo", "a second local node feeds a TUI"),
        Line::from("Or dial this node from another one, at:"),
    ];
    if dialable.is_empty() {
        lines.push(Line::from(Span::styled("  (not listening yet)", theme::dim())));
    }
    for a in dialable {
        lines.push(Line::from(Span::styled(format!("  {a}"), theme::ok())));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::focus_border())
        .title(Span::styled(" Peers (0) ", theme::title()));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block), area);
}

#[cfg(test)]
mod tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use crate::app::state::{AppState, Pane, PeerRow};

    #[test]
    fn a_relayed_peer_is_marked_after_its_relay_address() {
        let mut s = AppState::new();
        s.pane = Some(Pane::Peers);
        for (peer, relayed) in [("12D3KooWRelayedPeer", true), ("12D3KooWDirectPeer", false)] {
            let addr = "/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWTheRelay/p2p-circuit".to_string();
            let addr = if relayed { addr } else { "/ip4/127.0.0.1/tcp/4002".to_string() };
            s.peers.insert(peer.into(), PeerRow { peer: peer.into(), addr, relayed, ..PeerRow::default() });
        }
        let mut t = Terminal::new(TestBackend::new(160, 20)).unwrap();
        t.draw(|f| super::render(f, f.area(), &s)).unwrap();
        let text = format!("{}", t.backend());
        let line = |id: &str| text.lines().find(|l| l.contains(id)).unwrap_or_default().to_string();
        assert!(line("RelayedPeer").contains("/ip4/127.0.0.1/tcp/4001 (relay)"), "{text}");
        assert!(!line("DirectPeer").contains("(relay)") && line("DirectPeer").contains("/tcp/4002"), "{text}");
    }
}
