//! The live log of every Bitswap entry, newest first, coloured by kind; filtered (`/`) and pausable (`p`).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Cell, Row};

use super::{format, table, theme};
use crate::app::state::{AppState, Pane, kind_name};
use crate::node::events::Direction;

const HEADER: [&str; 7] = ["time", "", "peer", "kind", "cid", "size", "latency"];

pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    // A wide screen shows more of the peer id; the CID takes the rest, cut in the middle.
    let peer = if area.width >= 150 { 24 } else { 12 };
    let cols = table::columns(
        area,
        &[
            Constraint::Length(12),
            Constraint::Length(2),
            Constraint::Length(peer),
            Constraint::Length(10),
            Constraint::Min(10),
            Constraint::Length(9),
            Constraint::Length(8),
        ],
    );
    let selected = state.selection(Pane::Transfers);
    let (skip, visible) = table::window(area, selected);
    let rows: Vec<Row> = state
        .visible_transfers()
        .rev()
        .skip(skip)
        .take(visible)
        .map(|r| {
            let style = theme::kind(r.kind);
            Row::new(vec![
                Cell::from(format::clock(state.started_unix_ms + r.at_ms)),
                Cell::from(if r.direction == Direction::In { "<-" } else { "->" }),
                Cell::from(format::middle(&r.peer, cols[2])),
                Cell::from(kind_name(r.kind)).style(style),
                Cell::from(format::middle(&r.cid, cols[4])).style(style),
                Cell::from(r.size.map(format::bytes).unwrap_or_default()),
                Cell::from(r.latency_ms.map(|l| format!("{l:.1}ms")).unwrap_or_default()),
            ])
        })
        .collect();
    // "N of M" while a filter narrows the log.
    let count = if state.filter.is_empty() {
        state.transfers.len().to_string()
    } else {
        format!("{} of {}", state.rows(Pane::Transfers), state.transfers.len())
    };
    let mut title = format!(" Transfers ({count}){} ", super::operations::follow_label(state));
    if state.paused_at.is_some() {
        title.push_str("[PAUSED] ");
    }
    if !state.filter.is_empty() {
        let f = &state.filter;
        let parts: Vec<String> = [("peer", &f.peer), ("cid", &f.cid), ("kind", &f.kind)]
            .iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}:{v}")))
            .collect();
        title.push_str(&format!("· filter {} ", parts.join(" ")));
    }
    table::render(frame, area, title, &HEADER, &table::lengths(&cols), rows, Some(selected - skip));
}
