//! The explorer: the DAG under a CID as a tree, with each block's size and kind, and the blocks that are not in
//! the local store in red: where a stuck fetch is stuck.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Cell, Row};

use super::{format, table, theme};
use crate::app::state::{AppState, Pane};
use crate::ops::explore::Explored;

const HEADER: [&str; 5] = ["tree", "cid", "size", "kind", "here"];
const WIDTHS: [Constraint; 5] = [
    Constraint::Length(18),
    Constraint::Min(20),
    Constraint::Length(10),
    Constraint::Length(10),
    Constraint::Length(8),
];

pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let Some(Explored { root, rows, truncated }) = &state.explorer else {
        table::render(
            frame,
            area,
            " Explorer: `:explore CID`, or Enter on an operation ".into(),
            &HEADER,
            &WIDTHS,
            Vec::new(),
            None,
        );
        return;
    };
    let missing = rows.iter().filter(|r| !r.present).count();
    let selected = state.selection(Pane::Explorer);
    let (skip, visible) = table::window(area, selected);
    let cols = table::columns(area, &WIDTHS);
    let body: Vec<Row> = rows
        .iter()
        .skip(skip)
        .take(visible)
        .map(|r| {
            let label = if r.name.is_empty() { "·".to_string() } else { r.name.clone() };
            let style = if r.present { Default::default() } else { theme::error() };
            Row::new(vec![
                Cell::from(format::middle(&format!("{}{label}", "  ".repeat(r.depth)), cols[0])),
                Cell::from(format::middle(&r.cid.to_string(), cols[1])),
                Cell::from(format::bytes(r.size)),
                Cell::from(r.kind.clone()),
                Cell::from(if r.present { "yes" } else { "MISSING" }),
            ])
            .style(style)
        })
        .collect();
    let more = if *truncated { ", more not shown" } else { "" };
    // Presence follows the store as blocks arrive; the tree itself is as of its last read.
    let read = format::age(state.now_ms.saturating_sub(state.explorer_at_ms));
    table::render(
        frame,
        area,
        format!(
            " Explorer {} ({} blocks, {missing} missing{more}) · read {read} ago ",
            format::middle(&root.to_string(), 21),
            rows.len()
        ),
        &HEADER,
        &table::lengths(&cols),
        body,
        Some(selected - skip),
    );
}
