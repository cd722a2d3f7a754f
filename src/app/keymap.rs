//! One table of keys drives both the dispatch and the `?` help overlay (as gitui and yazi do): a key cannot do
//! something the help does not say. What an action does is the reducer's (`keys.rs`).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::state::Pane;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    NextPane,
    PrevPane,
    Pane(usize),
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    HalfUp,
    HalfDown,
    Follow,
    Copy,
    CancelOp,
    Enter,
    FocusInput,
    Filter,
    TogglePause,
    ToggleHelp,
    Sort,
    Zoom,
    Inspect,
    Escape,
    Timeline,
}

/// A key as the help shows it, the action, and what it does.
pub struct Binding {
    pub keys: &'static str,
    pub action: Action,
    pub desc: &'static str,
}

pub const BINDINGS: &[Binding] = &[
    Binding { keys: "Tab / Shift-Tab", action: Action::NextPane, desc: "next / previous pane" },
    Binding { keys: "l / h, Right / Left", action: Action::NextPane, desc: "next / previous pane" },
    Binding { keys: "1-7", action: Action::Pane(0), desc: "go to pane 1-7 (or click its tab)" },
    Binding {
        keys: "z",
        action: Action::Zoom,
        desc: "the focused pane alone / the dashboard (terminals of 160x45 and more)",
    },
    Binding { keys: "j / k, Down / Up", action: Action::Down, desc: "move the selection (or the mouse wheel)" },
    Binding { keys: "PgDn / PgUp", action: Action::PageDown, desc: "a page down / up" },
    Binding { keys: "Ctrl-d / Ctrl-u", action: Action::HalfDown, desc: "half a page down / up" },
    Binding { keys: "g / G, Home / End", action: Action::Top, desc: "first / last row" },
    Binding {
        keys: "f",
        action: Action::Follow,
        desc: "follow the newest row (Transfers, Operations) or hold the selected one",
    },
    Binding { keys: "x", action: Action::CancelOp, desc: "cancel the selected operation (Operations)" },
    Binding { keys: "y", action: Action::Copy, desc: "copy the selected CID, peer id or line (OSC 52)" },
    Binding {
        keys: "Enter",
        action: Action::Enter,
        desc: "drill in: peer detail, timeline of a want or transfer, an operation's DAG",
    },
    Binding { keys: "t", action: Action::Timeline, desc: "the timeline of the selected operation's CID (Operations)" },
    Binding {
        keys: "i",
        action: Action::Inspect,
        desc: "inspect the selected CID (as :inspect), peer (its detail), operation (its CID) or received message",
    },
    Binding { keys: ":", action: Action::FocusInput, desc: "type a command (put, get, connect, … `help`)" },
    Binding {
        keys: "/",
        action: Action::Filter,
        desc: "filter the transfer log as you type (peer:, cid:, kind: prefix); Esc clears",
    },
    Binding {
        keys: "p",
        action: Action::TogglePause,
        desc: "pause / resume the transfer log (the node keeps running)",
    },
    Binding { keys: "s", action: Action::Sort, desc: "sort peers: id, RTT, bytes in, bytes out" },
    Binding { keys: "?", action: Action::ToggleHelp, desc: "this help" },
    Binding { keys: "Esc", action: Action::Escape, desc: "close help, preview, input, a timeline or a peer's detail" },
    Binding { keys: "q, Ctrl-C", action: Action::Quit, desc: "quit" },
];

/// The keys that matter in a pane, for the line under the input bar (always shown, whatever the status says).
pub fn pane_hints(pane: Pane) -> &'static str {
    match pane {
        Pane::Peers => "Enter detail · s sort · y copy id · j/k select",
        Pane::Wantlists => "Enter timeline · i inspect · y copy CID · j/k select",
        Pane::Ledger => "Enter detail · y copy id · j/k select",
        Pane::Transfers => "p pause · / filter · f follow · Enter timeline · i inspect · y copy",
        Pane::Operations => "x cancel · f follow · Enter its DAG · t timeline · i inspect · y copy CID",
        Pane::Explorer => "i inspect · y copy CID · j/k select",
        Pane::Log => "y copy line · j/k select",
    }
}

/// The action for a key outside the input bar.
pub fn action_for(key: KeyEvent) -> Option<Action> {
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return match key.code {
            KeyCode::Char('c') => Some(Action::Quit),
            KeyCode::Char('d') => Some(Action::HalfDown),
            KeyCode::Char('u') => Some(Action::HalfUp),
            _ => None,
        };
    }
    Some(match key.code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Tab | KeyCode::Char('l') | KeyCode::Right => Action::NextPane,
        KeyCode::BackTab | KeyCode::Char('h') | KeyCode::Left => Action::PrevPane,
        KeyCode::Char(c @ '1'..='7') => Action::Pane(c as usize - '1' as usize),
        KeyCode::Char('j') | KeyCode::Down => Action::Down,
        KeyCode::Char('k') | KeyCode::Up => Action::Up,
        KeyCode::Char('g') | KeyCode::Home => Action::Top,
        KeyCode::Char('G') | KeyCode::End => Action::Bottom,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::Char('f') => Action::Follow,
        KeyCode::Char('y') => Action::Copy,
        KeyCode::Char('x') => Action::CancelOp,
        KeyCode::Enter => Action::Enter,
        KeyCode::Char(':') => Action::FocusInput,
        KeyCode::Char('/') => Action::Filter,
        KeyCode::Char('p') => Action::TogglePause,
        KeyCode::Char('?') => Action::ToggleHelp,
        KeyCode::Char('s') => Action::Sort,
        KeyCode::Char('t') => Action::Timeline,
        KeyCode::Char('z') => Action::Zoom,
        KeyCode::Char('i') => Action::Inspect,
        KeyCode::Esc => Action::Escape,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_binding_is_reachable_by_a_key() {
        use crossterm::event::KeyEvent;
        let probe = |c: KeyCode| action_for(KeyEvent::new(c, KeyModifiers::NONE));
        for b in BINDINGS {
            let reached = match b.action {
                Action::NextPane => probe(if b.keys.starts_with('l') { KeyCode::Right } else { KeyCode::Tab }),
                Action::Pane(_) => probe(KeyCode::Char('1')),
                Action::Down => probe(KeyCode::Char('j')),
                Action::Top => probe(KeyCode::Home),
                Action::PageDown => probe(KeyCode::PageDown),
                Action::HalfDown => action_for(KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL)),
                Action::Follow => probe(KeyCode::Char('f')),
                Action::Copy => probe(KeyCode::Char('y')),
                Action::CancelOp => probe(KeyCode::Char('x')),
                Action::Enter => probe(KeyCode::Enter),
                Action::FocusInput => probe(KeyCode::Char(':')),
                Action::Filter => probe(KeyCode::Char('/')),
                Action::TogglePause => probe(KeyCode::Char('p')),
                Action::Sort => probe(KeyCode::Char('s')),
                Action::Timeline => probe(KeyCode::Char('t')),
                Action::Zoom => probe(KeyCode::Char('z')),
                Action::Inspect => probe(KeyCode::Char('i')),
                Action::ToggleHelp => probe(KeyCode::Char('?')),
                Action::Escape => probe(KeyCode::Esc),
                Action::Quit => probe(KeyCode::Char('q')),
                other => Some(other),
            };
            assert_eq!(reached, Some(b.action), "{}", b.keys);
        }
    }
}
