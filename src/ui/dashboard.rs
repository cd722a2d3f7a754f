//! The dashboard (terminals of 160×45 and more, as btm): several panes at once, each drawn by its own module. The
//! focused one keeps its bright border; the others are dimmed; each says its keys on its lower border.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;

use super::{input, theme};
use crate::app::keymap::pane_hints;
use crate::app::layout;
use crate::app::state::AppState;

pub fn render(frame: &mut Frame, main: Rect, state: &AppState) {
    for (pane, area) in layout::dashboard(main) {
        super::pane(frame, area, state, pane);
        let focused = pane == state.pane();
        mark_focus(frame.buffer_mut(), area, focused);
        let hints = input::fit_hints(pane_hints(pane), area.width.saturating_sub(4) as usize);
        let width = hints.chars().count() as u16;
        if width > 0 && area.height > 1 {
            let x = area.right().saturating_sub(width + 1);
            let style = if focused { theme::focus_border() } else { theme::dim() };
            frame.buffer_mut().set_stringn(x, area.bottom() - 1, &hints, width as usize, style);
        }
    }
}

/// The borders in `area` (the pane's own, and those of the tables inside it): bold in the focused pane, grey in the
/// others, whatever colour the pane drew them in.
fn mark_focus(buf: &mut Buffer, area: Rect, focused: bool) {
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            let Some(cell) = buf.cell_mut((x, y)) else { continue };
            let border = matches!(cell.symbol(), "─" | "│" | "┌" | "┐" | "└" | "┘");
            if !border {
                continue;
            }
            if focused {
                cell.modifier.insert(Modifier::BOLD);
            } else {
                cell.set_style(theme::dim());
            }
        }
    }
}
