//! The dashboard (several panes at once on wide terminals), `i`, ping round trips, and text measured by display
//! width.

use super::*;

/// A screen's text, one string per line (a wide character's second cell is not text).
fn lines(t: &Terminal<TestBackend>) -> Vec<String> {
    let buf = t.backend().buffer();
    (0..buf.area.height)
        .map(|y| {
            let mut line = String::new();
            let mut x = 0;
            while x < buf.area.width {
                let symbol = buf[(x, y)].symbol();
                line.push_str(symbol);
                x += crate::ui::format::width(symbol).max(1) as u16;
            }
            line
        })
        .collect()
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

/// The column (cell) where `needle` starts on the first line that has it.
fn column_of(t: &Terminal<TestBackend>, needle: &str) -> usize {
    let buf = t.backend().buffer();
    for y in 0..buf.area.height {
        let cells: Vec<&str> = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
        if let Some(x) = (0..cells.len()).find(|&x| cells[x..].concat().starts_with(needle)) {
            return x;
        }
    }
    panic!("{needle} not on screen");
}

#[test]
fn wide_characters_in_names_and_agents_keep_to_their_columns() {
    let mut s = explored();
    let rows = &mut s.explorer.as_mut().unwrap().rows;
    rows[1].name = "日本語のとても長いファイル名🚀.txt".into();
    rows[2].name = "plain.txt".into();
    let t = draw(&s, 120, 40);
    // The size column starts at the same column on every row, whatever the names hold.
    assert_eq!(column_of(&t, "1.0 MiB"), column_of(&t, "104 B"), "{}", lines(&t).join("\n"));
    assert_eq!(column_of(&t, "1.0 MiB"), column_of(&t, "1 B "), "{}", lines(&t).join("\n"));
    assert!(lines(&t).join("\n").contains(".txt"), "the name keeps its end");

    let mut s = pane(Pane::Peers);
    send(
        &mut s,
        at(
            1,
            NodeEvent::Identified {
                peer: PEER.into(),
                agent: "日本語のエージェント/0.1 🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀".into(),
                protocols: vec!["/ipfs/bitswap/1.2.0".into()],
            },
        ),
    );
    for (w, h) in [(120, 40), (80, 24)] {
        let t = draw(&s, w, h);
        let text = lines(&t).join("\n");
        assert!(text.contains("日本語"), "{text}");
        // The rtt column (right after the agent) is where its header is.
        assert_eq!(column_of(&t, "0.4ms"), column_of(&t, "rtt"), "{w}x{h}:\n{text}");
    }
}

#[test]
fn the_peer_detail_shows_ping_round_trips() {
    let mut s = pane(Pane::Peers);
    for rtt in [0.9, 2.1, 0.6] {
        send(&mut s, at(2, NodeEvent::Ping { peer: PEER.into(), rtt_ms: rtt }));
    }
    key(&mut s, 'i');
    assert_eq!(s.detail.as_deref(), Some(PEER), "i on a peer opens its detail");
    let text = lines(&draw(&s, 120, 40)).join("\n");
    assert!(text.contains("rtt 0.6ms (min/avg/max 0.4/1.0/2.1ms of 4)"), "{text}");
}
