//! Adds and gets: running ones with a progress bar, throughput and ETA; finished ones with their CID or error.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Cell, Row};

use super::{format, table, theme};
use crate::app::state::{AppState, Pane};

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
    let rows: Vec<Row> = state
        .ops
        .iter()
        .rev()
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
                    (format!("{} {}/s{eta}", bar(op.bytes, op.total, 12), format::bytes(rate)), theme::dim())
                }
                Some(Ok(text)) => (text.clone(), theme::ok()),
                Some(Err(e)) => (e.clone(), theme::error()),
            };
            Row::new(vec![
                Cell::from(op.kind.clone()),
                Cell::from(op.target.to_string()),
                Cell::from(format!("{} blk / {}", op.blocks, format::bytes(op.bytes))),
                Cell::from(format::age(elapsed)),
                Cell::from(status).style(style),
            ])
        })
        .collect();
    table::render(
        frame,
        area,
        format!(" Operations ({}) ", state.ops.len()),
        &["op", "target", "done", "time", "status"],
        &[
            Constraint::Length(8),
            Constraint::Min(16),
            Constraint::Length(18),
            Constraint::Length(7),
            Constraint::Min(24),
        ],
        rows,
        state.selected.get(&Pane::Operations).copied(),
    );
}
