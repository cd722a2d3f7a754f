//! Peers: id, address, direction, transport, agent, Bitswap version, RTT, connected for, bytes both ways, wants
//! both ways. Sortable (`s`).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Cell, Row};

use super::{format, table};
use crate::app::state::{AppState, Pane};

pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let sort = ["id", "rtt", "in", "out"][state.sort_column % 4];
    // Narrow terminals keep the columns that tell peers apart and show what moves.
    let wide = area.width >= 110;
    let selected = state.selection(Pane::Peers);
    let (skip, visible) = table::window(area, selected);
    let rows: Vec<Row> = state
        .sorted_peers()
        .into_iter()
        .skip(skip)
        .take(visible)
        .map(|p| {
            let mut cells = vec![Cell::from(format::short(&p.peer, 12))];
            if wide {
                cells.push(Cell::from(p.addr.clone()));
                cells.push(Cell::from(format!("{} {}", p.direction, p.transport)));
            }
            cells.push(Cell::from(p.agent.clone()));
            if wide {
                cells.push(Cell::from(p.bitswap.clone()));
            }
            cells.push(Cell::from(p.rtt_ms.map_or("-".into(), |r| format!("{r:.1}ms"))));
            if wide {
                cells.push(Cell::from(format::age(state.now_ms.saturating_sub(p.connected_at_ms))));
            }
            cells.push(Cell::from(format::bytes(p.bytes_in)));
            cells.push(Cell::from(format::bytes(p.bytes_out)));
            cells.push(Cell::from(format!("{}/{}", p.wants_in, p.wants_out)));
            Row::new(cells)
        })
        .collect();
    let (header, widths): (&[&str], Vec<Constraint>) = if wide {
        (
            &["peer", "address", "dir", "agent", "bitswap", "rtt", "for", "in", "out", "wants i/o"],
            vec![
                Constraint::Length(14),
                Constraint::Min(16),
                Constraint::Length(8),
                Constraint::Length(16),
                Constraint::Length(7),
                Constraint::Length(8),
                Constraint::Length(7),
                Constraint::Length(10),
                Constraint::Length(10),
                Constraint::Length(9),
            ],
        )
    } else {
        (
            &["peer", "agent", "rtt", "in", "out", "wants i/o"],
            vec![
                Constraint::Length(14),
                Constraint::Min(10),
                Constraint::Length(8),
                Constraint::Length(10),
                Constraint::Length(10),
                Constraint::Length(9),
            ],
        )
    };
    table::render(
        frame,
        area,
        format!(" Peers ({}) sorted by {sort} ", state.peers.len()),
        header,
        &widths,
        rows,
        Some(selected - skip),
    );
}
