//! Adds and gets: running ones with a progress bar, percentage, throughput and ETA (once the size is known) and their
//! number for `:cancel` (or `x` on the row); finished ones with their CID or error.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Cell, Row};

use super::{format, table, theme};
use crate::app::state::{AppState, Pane};

const WIDTHS: [Constraint; 6] = [
    Constraint::Length(4),
    Constraint::Length(7),
    Constraint::Min(16),
    Constraint::Length(20),
    Constraint::Length(7),
    Constraint::Min(24),
];

fn bar(done: u64, total: Option<u64>, width: usize) -> String {
    match total {
        Some(t) if t > 0 => {
            let filled = ((done.min(t) as f64 / t as f64) * width as f64) as usize;
            format!("[{}{}]", "=".repeat(filled), " ".repeat(width - filled))
        }
        _ => format!("[{}]", "~".repeat(width.min(3))),
    }
}

pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let selected = state.selection(Pane::Operations);
    let (skip, visible) = table::window(area, selected);
    let cols = table::columns(area, &WIDTHS);
    let rows: Vec<Row> = state
        .ops
        .iter()
        .rev()
        .skip(skip)
        .take(visible)
        .map(|op| {
            let elapsed = op.finished_ms.unwrap_or(state.now_ms).saturating_sub(op.started_ms).max(1);
            let rate = op.bytes * 1000 / elapsed;
            let (status, style) = match &op.result {
                None => {
                    let eta = match (op.total, rate) {
                        (Some(t), r) if r > 0 && t > op.bytes => {
                            format!(" eta {}", format::age((t - op.bytes) * 1000 / r))
                        }
                        _ => String::new(),
                    };
                    let pct = match op.total {
                        Some(t) if t > 0 => format!(" {:>3}%", (op.bytes.min(t) * 100) / t),
                        _ => String::new(),
                    };
                    // The numbers first; the bar gets what room is left (none on a narrow screen).
                    let numbers = format!("{pct} {}/s{eta}", format::bytes(rate));
                    let room = cols[5].saturating_sub(numbers.chars().count() + 2).min(10);
                    let bar = if room >= 3 { bar(op.bytes, op.total, room) } else { String::new() };
                    (format!("{bar}{numbers}").trim_start().to_string(), theme::dim())
                }
                Some(Ok(text)) => (text.clone(), theme::ok()),
                Some(Err(e)) => (e.clone(), theme::error()),
            };
            // Blocks where the operation counts them (a fetch), bytes always, and of how many once known.
            let of = op.total.map(|t| format!(" of {}", format::bytes(t))).unwrap_or_default();
            let done = if op.blocks > 0 {
                format!("{} blk / {}", op.blocks, format::bytes(op.bytes))
            } else {
                format!("{}{of}", format::bytes(op.bytes))
            };
            Row::new(vec![
                Cell::from(format!("#{}", op.id.0)),
                Cell::from(op.kind.clone()),
                Cell::from(format::middle(&op.target.to_string(), cols[2])),
                Cell::from(done),
                Cell::from(format::age(elapsed)),
                Cell::from(format::middle(&status, cols[5])).style(style),
            ])
        })
        .collect();
    table::render(
        frame,
        area,
        format!(" Operations ({}){} ", state.ops.len(), follow_label(state)),
        &["#", "op", "target", "done", "time", "status"],
        &table::lengths(&cols),
        rows,
        Some(selected - skip),
    );
}

/// "following newest" or "holding the selection", for the titles of the lists that can follow (`f`).
pub fn follow_label(state: &AppState) -> &'static str {
    if state.follow { " following newest" } else { " selection held (f follows)" }
}
