//! The tail of the log: the node's and the app's own lines (the full log is in the log file), each with its time
//! (UTC, as in the log file) and wrapped to the pane's width under its text, so that nothing is cut. The selected
//! line (what `y` copies) is highlighted; on the newest line the pane tails the log.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{format, theme};
use crate::app::state::{AppState, LogLine, Pane};

/// The time column: `HH:MM:SS `.
const TIME: usize = 9;

pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let height = area.height.saturating_sub(2) as usize;
    let width = area.width.saturating_sub(2) as usize;
    let text_width = width.saturating_sub(TIME).max(1);
    let selected = state.selection(Pane::Log).min(state.log.len().saturating_sub(1));
    // The selected line at the bottom with what came before it above (the oldest shown may be cut at the top, as a
    // terminal scrolls); near the start of the log, the lines after it fill the rest.
    let mut above: Vec<Line> = Vec::with_capacity(height);
    'fill: for (i, line) in state.log.iter().enumerate().take(selected + 1).rev() {
        for row in draw(state, line, text_width, i == selected).into_iter().rev() {
            if above.len() >= height {
                break 'fill;
            }
            above.push(row);
        }
    }
    above.reverse();
    let mut lines = above;
    for line in state.log.iter().skip(selected + 1) {
        if lines.len() >= height {
            break;
        }
        lines.extend(draw(state, line, text_width, false));
    }
    lines.truncate(height);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::focus_border())
        .title(Span::styled(format!(" Log ({}) · UTC ", state.log.len()), theme::title()));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// One log line as screen lines: the time, then the text wrapped under itself.
fn draw<'a>(state: &AppState, line: &'a LogLine, text_width: usize, selected: bool) -> Vec<Line<'a>> {
    let mut style =
        if line.text.contains("error") || line.text.contains("ERROR") { theme::error() } else { Default::default() };
    if selected {
        style = style.patch(theme::selected());
    }
    let time = format::clock(state.started_unix_ms + line.at_ms);
    wrap(&line.text, text_width)
        .into_iter()
        .enumerate()
        .map(|(n, part)| {
            let lead = if n == 0 { format!("{} ", &time[..8]) } else { " ".repeat(TIME) };
            Line::from(vec![Span::styled(lead, theme::dim()), Span::styled(part, style)])
        })
        .collect()
}

/// `text` cut into pieces of at most `width` characters (at least one piece); control characters (a newline in
/// an error) become spaces, so that a piece is one screen line.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if chars.is_empty() {
        return vec![String::new()];
    }
    chars.chunks(width.max(1)).map(|c| c.iter().collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn long_lines_wrap_and_short_ones_stay_whole() {
        assert_eq!(wrap("abcdefg", 3), ["abc", "def", "g"]);
        assert_eq!(wrap("ab", 3), ["ab"]);
        assert_eq!(wrap("", 3), [""]);
        assert_eq!(wrap("a\nb", 3), ["a b"]);
    }
}
