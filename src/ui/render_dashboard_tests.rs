//! The dashboard (several panes at once on wide terminals), `i` and text measured by display width.

use super::*;

/// A screen's text, one string per line.
fn lines(t: &Terminal<TestBackend>) -> Vec<String> {
    let buf = t.backend().buffer();
    (0..buf.area.height).map(|y| (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect()).collect()
}

fn wide(p: Pane) -> AppState {
    let mut s = pane(p);
    send(&mut s, Msg::Resize { width: 200, height: 50 });
    s
}

#[test]
fn wide_terminals_show_a_dashboard_and_narrow_ones_keep_the_tabs() {
    let s = wide(Pane::Transfers);
    let t = draw(&s, 200, 50);
    insta::assert_snapshot!("dashboard_200x50", t.backend());
    let text = lines(&t).join("\n");
    for title in [" Peers (1)", " Transfers (", " We want (", " Peers want from us", " Operations", " Log ("] {
        assert!(text.contains(title), "{title} missing:\n{text}");
    }
    // Each pane says its keys on its lower border.
    assert!(text.contains("s sort") && text.contains("x cancel") && text.contains("p pause"), "{text}");
    // The focused pane keeps its colour; the others are grey.
    let buf = t.backend().buffer();
    let main = crate::app::layout::screen(buf.area).main;
    for (p, area) in crate::app::layout::dashboard(main) {
        let fg = buf[(area.x, area.y)].fg;
        if p == Pane::Transfers {
            assert_eq!(fg, Color::Cyan, "{p:?} is focused");
        } else {
            assert_eq!(fg, Color::DarkGray, "{p:?} is not focused");
        }
    }
    // At 120x40 the same state shows the focused pane alone, under its tab.
    let t = draw(&s, 120, 40);
    insta::assert_snapshot!("dashboard_off_120x40", t.backend());
    let text = lines(&t).join("\n");
    assert!(text.contains(" Transfers (") && !text.contains(" Peers (1)"), "{text}");
}

#[test]
fn z_shows_the_focused_pane_alone_on_a_wide_terminal() {
    let mut s = wide(Pane::Peers);
    key(&mut s, 'z');
    let text = lines(&draw(&s, 200, 50)).join("\n");
    assert!(text.contains(" Peers (1)") && !text.contains(" Transfers ("), "{text}");
    key(&mut s, 'z');
    let text = lines(&draw(&s, 200, 50)).join("\n");
    assert!(text.contains(" Peers (1)") && text.contains(" Transfers ("), "{text}");
}
