//! Peers: id, address, direction, transport, agent, Bitswap version, RTT, connected for, bytes both ways, wants
//! both ways. Sortable (`s`).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Cell, Row};

use super::{format, table};
use crate::app::state::{AppState, Pane};

pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let sort = ["id", "rtt", "in", "out"][state.sort_column % 4];
    let rows: Vec<Row> = state
        .sorted_peers()
        .into_iter()
        .map(|p| {
            Row::new(vec![
                Cell::from(format::short(&p.peer, 12)),
                Cell::from(p.addr.clone()),
                Cell::from(format!("{} {}", p.direction, p.transport)),
                Cell::from(p.agent.clone()),
                Cell::from(p.bitswap.clone()),
                Cell::from(p.rtt_ms.map_or("-".into(), |r| format!("{r:.1}ms"))),
                Cell::from(format::age(state.now_ms.saturating_sub(p.connected_at_ms))),
                Cell::from(format::bytes(p.bytes_in)),
                Cell::from(format::bytes(p.bytes_out)),
                Cell::from(format!("{}/{}", p.wants_in, p.wants_out)),
            ])
        })
        .collect();
    table::render(
        frame,
        area,
        format!(" Peers ({}) sorted by {sort} ", state.peers.len()),
        &["peer", "address", "dir", "agent", "bitswap", "rtt", "for", "in", "out", "wants in/out"],
        &[
            Constraint::Length(14),
            Constraint::Min(16),
            Constraint::Length(8),
            Constraint::Length(16),
            Constraint::Length(7),
            Constraint::Length(8),
            Constraint::Length(7),
            Constraint::Length(10),
            Constraint::Length(10),
            Constraint::Length(12),
        ],
        rows,
        state.selected.get(&Pane::Peers).copied(),
    );
}
