//! The ledger of every peer: blocks and bytes both ways, duplicates, misbehaviour (rejected blocks, protocol errors,
//! refused wants), connections made (churn shows), debt ratio, last exchange.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Cell, Row};

use super::{format, table, theme};
use crate::app::state::{AppState, Pane};

pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let selected = state.selection(Pane::Ledger);
    let (skip, visible) = table::window(area, selected);
    let peer = if area.width >= 150 { 52 } else { 14 };
    let cols = table::columns(
        area,
        &[
            Constraint::Length(peer),
            Constraint::Min(12),
            Constraint::Min(12),
            Constraint::Length(5),
            Constraint::Length(4),
            Constraint::Length(9),
            Constraint::Length(5),
            Constraint::Length(6),
            Constraint::Length(6),
        ],
    );
    let rows: Vec<Row> = state
        .sorted_ledgers()
        .into_iter()
        .skip(skip)
        .take(visible)
        .map(|p| {
            let l = &p.ledger;
            let last = l.last_exchange_ms.map_or("-".into(), |t| format::age(state.now_ms.saturating_sub(t)));
            let bad = l.rejected_blocks + l.protocol_errors + l.refused_wants;
            Row::new(vec![
                Cell::from(format::middle(&p.peer, cols[0])),
                Cell::from(format!("{} / {}", l.blocks_received, format::bytes(l.bytes_received))),
                Cell::from(format!("{} / {}", l.blocks_sent, format::bytes(l.bytes_sent))),
                Cell::from(l.duplicate_blocks.to_string()),
                Cell::from(bad.to_string()).style(if bad > 0 { theme::error() } else { theme::dim() }),
                Cell::from(format!("{}/{}", l.wants_received, l.wants_sent)),
                Cell::from(l.connections.to_string()).style(if l.connections > 3 {
                    theme::error()
                } else {
                    theme::dim()
                }),
                Cell::from(format!("{:.3}", p.debt_ratio)),
                Cell::from(last),
            ])
        })
        .collect();
    table::render(
        frame,
        area,
        // The ledgers come with the snapshots: say how old the last one is.
        format!(
            " Ledger ({} peers) · snapshot {} ago ",
            state.ledgers.len(),
            format::age(state.now_ms.saturating_sub(state.wantlists_at_ms))
        ),
        &["peer", "received", "sent", "dups", "bad", "wants i/o", "conns", "debt", "last"],
        &table::lengths(&cols),
        rows,
        Some(selected - skip),
    );
}
