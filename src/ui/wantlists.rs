//! Both directions of every wantlist: ours (CID, peers asked, HAVE / DONT_HAVE answers, age, status) and each
//! peer's (CID, type, sendDontHave, age, served or not).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::widgets::{Cell, Row};

use super::{format, table, theme};
use crate::app::state::{AppState, Pane};
use crate::node::events::EntryKind;

const OURS_WIDTHS: [Constraint; 6] = [
    Constraint::Min(20),
    Constraint::Length(6),
    Constraint::Length(5),
    Constraint::Length(10),
    Constraint::Length(7),
    Constraint::Length(24),
];

pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let [ours_area, theirs_area] =
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
    // Ages are as of the last snapshot: they grow from there (never frozen).
    let since = state.now_ms.saturating_sub(state.wantlists_at_ms);
    let updated = format!("· snapshot {} ago ", format::age(since));
    // One selection over both lists: ours first, then theirs.
    let selected = state.selection(Pane::Wantlists);
    let n_ours = state.wantlists.ours.len();
    let sel_ours = (selected < n_ours).then_some(selected);
    let sel_theirs = selected.checked_sub(n_ours);
    let (skip, visible) = table::window(ours_area, sel_ours.unwrap_or(0));
    let ours_cols = table::columns(ours_area, &OURS_WIDTHS);
    let ours: Vec<Row> = state
        .wantlists
        .ours
        .iter()
        .skip(skip)
        .take(visible)
        .map(|w| {
            let a = state.answers.get(&w.cid).cloned().unwrap_or_default();
            // The node's reason (as of the snapshot); a want newer than it shows what the answers say so far.
            let status = match &w.why {
                Some(why) => (why.short(state.wantlists_at_ms), super::timeline::reason_style(why.reason)),
                None if a.haves > 0 => ("have seen".into(), theme::kind(EntryKind::Have)),
                None if a.dont_haves >= w.peers_asked && w.peers_asked > 0 => {
                    ("nobody has it".into(), theme::kind(EntryKind::DontHave))
                }
                None => ("asking".into(), Style::default()),
            };
            Row::new(vec![
                Cell::from(format::middle(&w.cid, ours_cols[0])),
                Cell::from(w.peers_asked.to_string()),
                Cell::from(a.haves.to_string()).style(theme::kind(EntryKind::Have)),
                Cell::from(a.dont_haves.to_string()).style(theme::kind(EntryKind::DontHave)),
                Cell::from(format::age(w.age_ms + since)),
                Cell::from(status.0).style(status.1),
            ])
        })
        .collect();
    table::render(
        frame,
        ours_area,
        format!(" We want ({}) {updated}", state.wantlists.ours.len()),
        &["cid", "asked", "HAVE", "DONT_HAVE", "age", "why"],
        &table::lengths(&ours_cols),
        ours,
        sel_ours.map(|s| s - skip),
    );
    let (skip, visible) = table::window(theirs_area, sel_theirs.unwrap_or(0));
    let peer = if area.width >= 150 { 24 } else { 14 };
    let theirs_cols = table::columns(
        theirs_area,
        &[
            Constraint::Length(peer),
            Constraint::Min(20),
            Constraint::Length(6),
            Constraint::Length(10),
            Constraint::Length(7),
            Constraint::Length(14),
        ],
    );
    let wants = state.want_peers().into_iter().flat_map(|p| state.wantlists.theirs[p].iter().map(move |w| (p, w)));
    let theirs: Vec<Row> = wants
        .skip(skip)
        .take(visible)
        .map(|(peer, w)| {
            let unserved = state.unserved.contains(&(peer.clone(), w.cid.clone()));
            let served = if unserved {
                ("DONT_HAVE sent", theme::kind(EntryKind::DontHave))
            } else {
                ("pending", Style::default())
            };
            Row::new(vec![
                Cell::from(format::middle(peer, theirs_cols[0])),
                Cell::from(format::middle(&w.cid, theirs_cols[1])),
                Cell::from(w.want_type.to_string()),
                Cell::from(if w.send_dont_have { "yes" } else { "no" }),
                Cell::from(format::age(w.age_ms + since)),
                Cell::from(served.0).style(served.1),
            ])
        })
        .collect();
    let n: usize = state.wantlists.theirs.values().map(|v| v.len()).sum();
    table::render(
        frame,
        theirs_area,
        format!(" Peers want from us ({n}) "),
        &["peer", "cid", "type", "dont_have?", "age", "served"],
        &table::lengths(&theirs_cols),
        theirs,
        sel_theirs.map(|s| s - skip),
    );
}
