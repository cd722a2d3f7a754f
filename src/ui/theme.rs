//! Colours that carry meaning, in one place: a BLOCK is green, a DONT_HAVE red, everywhere.

use ratatui::style::{Color, Modifier, Style};

use crate::node::events::EntryKind;

pub fn kind(kind: EntryKind) -> Style {
    let c = match kind {
        EntryKind::Block => Color::Green,
        EntryKind::DontHave => Color::Red,
        EntryKind::Have => Color::Cyan,
        EntryKind::WantHave => Color::Yellow,
        EntryKind::WantBlock => Color::Magenta,
        EntryKind::Cancel => Color::DarkGray,
    };
    Style::default().fg(c)
}

pub fn title() -> Style {
    Style::default().add_modifier(Modifier::BOLD)
}

pub fn header() -> Style {
    Style::default().fg(Color::Yellow).add_modifier(Modifier::BOLD)
}

pub fn selected() -> Style {
    Style::default().add_modifier(Modifier::REVERSED)
}

pub fn dim() -> Style {
    Style::default().fg(Color::DarkGray)
}

pub fn error() -> Style {
    Style::default().fg(Color::Red).add_modifier(Modifier::BOLD)
}

pub fn ok() -> Style {
    Style::default().fg(Color::Green)
}

/// Bytes coming in (graphs and rates).
pub fn rate_in() -> Style {
    Style::default().fg(Color::Green)
}

/// Bytes going out.
pub fn rate_out() -> Style {
    Style::default().fg(Color::Blue)
}

pub fn focus_border() -> Style {
    Style::default().fg(Color::Cyan)
}

/// A peer that left: still shown, with its ledger, but greyed.
pub fn gone() -> Style {
    Style::default().fg(Color::DarkGray).add_modifier(Modifier::ITALIC)
}
