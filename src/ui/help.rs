//! The `?` overlay: every key from the keymap table and every input-bar command, from the same tables that
//! dispatch them.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::theme;
use crate::app::command::COMMANDS;
use crate::app::keymap::BINDINGS;

/// The help over `area`, scrolled down `scroll` lines (kept so that the last line can reach the bottom, not past).
pub fn render(frame: &mut Frame, area: Rect, scroll: u16) {
    let [_, mid, _] =
        Layout::vertical([Constraint::Percentage(5), Constraint::Percentage(90), Constraint::Percentage(5)])
            .areas(area);
    let [_, popup, _] =
        Layout::horizontal([Constraint::Percentage(8), Constraint::Percentage(84), Constraint::Percentage(8)])
            .areas(mid);
    let mut lines = vec![Line::from(Span::styled("Keys", theme::header()))];
    let keys_width = BINDINGS.iter().map(|b| b.keys.chars().count()).max().unwrap_or(0) + 2;
    for b in BINDINGS {
        lines.push(Line::from(vec![
            Span::styled(format!("{:<keys_width$}", b.keys), theme::title()),
            Span::raw(b.desc),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("Commands (after :)", theme::header())));
    for (name, args, desc) in COMMANDS {
        lines.push(Line::from(vec![
            Span::styled(format!("{name} {args}"), theme::title()),
            Span::styled("  ", theme::dim()),
            Span::raw(*desc),
        ]));
    }
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::focus_border())
        .title(" Help (Esc closes) ")
        .title_bottom(Line::from(" j/k PgDn/PgUp scroll ").right_aligned());
    let inner = block.inner(popup);
    // Rows the lines take once wrapped (words may wrap a little earlier: one row of slack each long line).
    let w = inner.width.max(1) as usize;
    let total: usize = lines.iter().map(|l| l.width().div_ceil(w).max(1) + usize::from(l.width() > w)).sum();
    let total = total as u16;
    let paragraph = Paragraph::new(lines).wrap(Wrap { trim: false });
    let scroll = scroll.min(total.saturating_sub(inner.height));
    frame.render_widget(paragraph.scroll((scroll, 0)).block(block), popup);
}

/// A preview (cat, ls, inspect) over the panes.
pub fn render_preview(frame: &mut Frame, area: Rect, title: &str, body: &str) {
    let [_, mid, _] =
        Layout::vertical([Constraint::Percentage(10), Constraint::Percentage(80), Constraint::Percentage(10)])
            .areas(area);
    let [_, popup, _] =
        Layout::horizontal([Constraint::Percentage(10), Constraint::Percentage(80), Constraint::Percentage(10)])
            .areas(mid);
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::focus_border())
        .title(format!(" {} (Esc closes) ", super::format::middle(title, (popup.width as usize).saturating_sub(16))));
    frame.render_widget(Paragraph::new(body.to_string()).wrap(Wrap { trim: false }).block(block), popup);
}
