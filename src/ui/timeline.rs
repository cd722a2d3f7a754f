//! The timeline of one CID (Enter on a want or a transfer, `t` on an operation): a waterfall with one row per peer
//! (and one for routing) on a time axis, a mark where each WANT_HAVE / WANT_BLOCK went out and each HAVE /
//! DONT_HAVE / BLOCK / CANCEL came, search and dial spans; below it every mark with its millisecond offset, and on
//! top the node's reason it is stuck. For a DAG fetched from that root (running or done): a line saying what is
//! not wanted yet, then one row per block: the first, the critical path (`*`, bold), the pending ones with their
//! reasons (oldest first), then the slowest of the rest, each from its want to its arrival and from whom.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::{format, theme};
use crate::app::state::AppState;
use crate::node::events::EntryKind;
use crate::node::trace::MarkKind;
use crate::node::trace::report::{WhyReport, short_peer};
use crate::node::trace::why::Reason;

/// Width of a row's label (a peer id's end, `routing`, a block's CID end).
const LABEL: usize = 10;

/// The symbol and colour of a mark on the waterfall.
fn symbol(kind: MarkKind) -> (char, Style) {
    let red = Style::default().fg(Color::Red);
    match kind {
        MarkKind::WantHave => ('h', theme::kind(EntryKind::WantHave)),
        MarkKind::WantBlock => ('w', theme::kind(EntryKind::WantBlock)),
        MarkKind::Cancel => ('x', theme::kind(EntryKind::Cancel)),
        MarkKind::Have => ('H', theme::kind(EntryKind::Have)),
        MarkKind::DontHave => ('D', theme::kind(EntryKind::DontHave)),
        MarkKind::Block => ('B', theme::kind(EntryKind::Block)),
        MarkKind::BadBlock => ('!', red),
        MarkKind::SearchStart => ('[', Style::default().fg(Color::Blue)),
        MarkKind::SearchEnd => (']', Style::default().fg(Color::Blue)),
        MarkKind::ProviderFound => ('p', Style::default().fg(Color::Blue)),
        MarkKind::Connected => ('c', theme::ok()),
        MarkKind::DialFailed => ('X', red),
    }
}

/// The colour of a reason: green while blocks come, red when peers or routing said no.
pub fn reason_style(reason: Reason) -> Style {
    match reason {
        Reason::Receiving => theme::kind(EntryKind::Block),
        Reason::AllDontHave | Reason::NoProviders | Reason::DialFailed | Reason::BadBlock => {
            theme::kind(EntryKind::DontHave)
        }
        _ => Style::default().fg(Color::Yellow),
    }
}

const LEGEND: &str = "h WANT_HAVE w WANT_BLOCK H HAVE D DONT_HAVE B BLOCK x CANCEL ! bad [] search p provider c/X dial";

pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let Some(cid) = state.timeline_cid else { return };
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::focus_border())
        .title(Span::styled(format!(" Timeline {} ", format::middle(&cid.to_string(), 30)), theme::title()))
        .title_bottom(Line::from(" Esc back ").right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(report) = &state.timeline else {
        frame.render_widget(Paragraph::new("asking the node why…").style(theme::dim()), inner);
        return;
    };
    let mut head = vec![reason_line(report)];
    head.extend(evidence_line(report));
    head.extend(dag_lines(report));
    let rows = waterfall(report, inner.width as usize);
    let room = inner.height.saturating_sub(head.len() as u16 + 2) as usize;
    // The marks listed under the waterfall get what they need, at most half of what is left.
    let shown = rows.len().min(room.saturating_sub(report.timeline.len().min(room / 2)));
    let [head_area, water_area, axis_area, list_area] = Layout::vertical([
        Constraint::Length(head.len() as u16),
        Constraint::Length(shown as u16),
        Constraint::Length(2),
        Constraint::Min(0),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(std::mem::take(&mut head)), head_area);
    frame.render_widget(Paragraph::new(rows.into_iter().take(shown).collect::<Vec<_>>()), water_area);
    frame.render_widget(Paragraph::new(axis(report, inner.width as usize)), axis_area);
    let list = mark_lines(report);
    let skip = list.len().saturating_sub(list_area.height as usize);
    frame.render_widget(Paragraph::new(list.into_iter().skip(skip).collect::<Vec<_>>()), list_area);
}

fn reason_line(report: &WhyReport) -> Line<'static> {
    match report.reason {
        Some(r) => Line::from(vec![
            Span::styled("why ", theme::dim()),
            Span::styled(r.name(), reason_style(r).add_modifier(ratatui::style::Modifier::BOLD)),
            Span::raw(format!("  {}", report.text)),
        ]),
        None => Line::from(vec![Span::styled("why ", theme::dim()), Span::raw(report.text.clone())]),
    }
}

/// The evidence's peers and notes, in one line.
fn evidence_line(report: &WhyReport) -> Option<Line<'static>> {
    let e = report.evidence.as_ref()?;
    let mut parts: Vec<String> = Vec::new();
    if e.notes.is_empty() && !e.peers.is_empty() {
        let who = match report.reason {
            Some(Reason::NoAnswer) => "silent: ",
            Some(Reason::AllDontHave) => "said DONT_HAVE: ",
            Some(Reason::Receiving) => "said HAVE: ",
            _ => "",
        };
        let peers = e.peers.iter().map(|p| short_peer(p).to_string()).collect::<Vec<_>>().join(" ");
        parts.push(format!("{who}{peers}"));
    }
    parts.extend(e.notes.iter().map(|n| format!("{}: {}", short_peer(&n.peer), n.note)));
    if let Some(err) = &e.error {
        parts.push(err.clone());
    }
    if let Some(r) = e.routing.filter(|_| report.reason == Some(Reason::NoPeers)) {
        parts.push(format!("routing {}", if r { "on" } else { "off (no DHT peers)" }));
    }
    (!parts.is_empty()).then(|| Line::from(Span::styled(parts.join(" · "), theme::dim())))
}

/// A DAG fetch: how far it is and its critical path; while it runs, what is not wanted yet (published by the fetch).
fn dag_lines(report: &WhyReport) -> Vec<Line<'static>> {
    let Some(d) = report.dag.as_ref() else { return Vec::new() };
    let mut parts = vec![if d.done {
        format!("dag done: {} blocks", d.arrived)
    } else {
        format!("dag: {} arrived · {} pending", d.arrived, d.pending)
    }];
    let last = d.rows.iter().filter(|r| r.critical).map(|r| r.arrived_ms).max();
    let first = d.rows.iter().map(|r| r.wanted_ms).min();
    if let (Some(first), Some(last)) = (first, last) {
        parts.push(format!("critical path {}, {} ms", d.critical.len(), last - first));
    }
    let style = Style::default().fg(Color::Cyan);
    let mut lines = vec![Line::from(Span::styled(parts.join(" · "), style))];
    if !d.done {
        let text = format!(
            "not wanted yet: {} queued past the window + children of {} pending (unknown)",
            d.queued, d.unknown_under
        );
        lines.push(Line::from(Span::styled(text, style)));
    }
    lines
}

/// The style of a block on a DAG's critical path.
fn critical_style() -> Style {
    Style::default().fg(Color::LightMagenta).add_modifier(ratatui::style::Modifier::BOLD)
}

/// The time axis: from the first mark (or the want) to now; for a DAG, from its first want (or its oldest pending
/// block's) to now, or to its last block once done.
fn span_of(report: &WhyReport) -> (u64, u64) {
    let oldest = report.blocks.iter().map(|b| report.now_ms.saturating_sub(b.age_ms)).min();
    let dag_first = report.dag.as_ref().and_then(|d| d.rows.iter().map(|r| r.wanted_ms).min());
    if let Some(origin) = [oldest, dag_first].into_iter().flatten().min() {
        let end = match &report.dag {
            Some(d) if d.done && report.blocks.is_empty() => d.rows.iter().map(|r| r.arrived_ms).max(),
            _ => None,
        };
        return (origin, end.unwrap_or(report.now_ms).max(origin + 1));
    }
    let origin = report.first_ms.unwrap_or(report.now_ms);
    let last = report.timeline.iter().map(|m| m.at_ms).max().unwrap_or(origin);
    (origin, report.now_ms.max(last).max(origin + 1))
}

fn column(at: u64, origin: u64, end: u64, width: usize) -> usize {
    let w = width.saturating_sub(1).max(1) as u64;
    ((at.saturating_sub(origin)).min(end - origin) * w / (end - origin)) as usize
}

/// One row per peer (in the order they appear) and one for routing; for a DAG, one per pending block.
fn waterfall(report: &WhyReport, width: usize) -> Vec<Line<'static>> {
    let bar = bar_width(report, width);
    if bar < 4 {
        return Vec::new();
    }
    let (origin, end) = span_of(report);
    if !report.blocks.is_empty() || report.dag.as_ref().is_some_and(|d| !d.rows.is_empty()) {
        // The first block and the critical path, then what is pending (oldest first), then the slowest of the rest.
        let rows: Vec<_> = report.dag.iter().flat_map(|d| d.rows.iter().enumerate()).collect();
        let key = |(i, r): &(usize, &crate::node::trace::dag::DagRow)| *i == 0 || r.critical;
        let line = |(_, r): (usize, &crate::node::trace::dag::DagRow)| dag_row(r, origin, end, bar);
        let (first, rest): (Vec<_>, Vec<_>) = rows.into_iter().partition(key);
        let pending: Vec<Line<'static>> = report
            .blocks
            .iter()
            .map(|b| {
                let from = column(report.now_ms.saturating_sub(b.age_ms), origin, end, bar);
                let mut cells: Vec<(char, Style)> = vec![(' ', Style::default()); bar];
                let style = reason_style(b.reason);
                for c in cells.iter_mut().skip(from) {
                    *c = ('─', style);
                }
                let label = format!("{:<LABEL$}", short_peer(&b.cid));
                let mut spans = vec![Span::styled(label, theme::dim()), Span::raw(" ")];
                spans.extend(group(&cells));
                spans.push(Span::styled(format!(" {}", b.text), style));
                Line::from(spans)
            })
            .collect();
        return first.into_iter().map(line).chain(pending).chain(rest.into_iter().map(line)).collect();
    }
    let mut keys: Vec<Option<String>> = Vec::new();
    for m in &report.timeline {
        if !keys.contains(&m.peer) {
            keys.push(m.peer.clone());
        }
    }
    keys.into_iter()
        .map(|key| {
            let marks: Vec<_> = report.timeline.iter().filter(|m| m.peer == key).collect();
            let mut cells: Vec<(char, Style)> = vec![(' ', Style::default()); bar];
            let mut marked = vec![false; bar];
            // Spans first (marks overwrite them): waiting for an answer, a search, a dial.
            let mut open: Option<(usize, MarkKind)> = None;
            for m in &marks {
                let col = column(m.at_ms, origin, end, bar);
                match (m.kind, open) {
                    (
                        MarkKind::WantHave | MarkKind::WantBlock | MarkKind::SearchStart | MarkKind::ProviderFound,
                        None,
                    ) => open = Some((col, m.kind)),
                    (
                        MarkKind::Have
                        | MarkKind::DontHave
                        | MarkKind::Block
                        | MarkKind::Cancel
                        | MarkKind::SearchEnd
                        | MarkKind::Connected
                        | MarkKind::DialFailed,
                        Some((from, _)),
                    ) => {
                        fill(&mut cells, from, col);
                        open = None;
                    }
                    _ => {}
                }
            }
            if let Some((from, _)) = open {
                fill(&mut cells, from, bar);
            }
            // Marks close together take the next free cells, so that none hides another.
            for m in &marks {
                let mut col = column(m.at_ms, origin, end, bar).min(bar - 1);
                while marked[col] && col + 1 < bar {
                    col += 1;
                }
                cells[col] = symbol(m.kind);
                marked[col] = true;
            }
            let label = key.as_deref().map(short_peer).unwrap_or("routing");
            let mut spans = vec![Span::styled(format!("{label:<LABEL$}"), theme::dim()), Span::raw(" ")];
            spans.extend(group(&cells));
            Line::from(spans)
        })
        .collect()
}

/// A block a DAG fetch got: from its want to its arrival, `B` where it came, then how long and from whom; the
/// critical path in bold magenta with a `*`.
fn dag_row(r: &crate::node::trace::dag::DagRow, origin: u64, end: u64, bar: usize) -> Line<'static> {
    let from = column(r.wanted_ms, origin, end, bar);
    let to = column(r.arrived_ms, origin, end, bar).min(bar - 1);
    let style = if r.critical { critical_style() } else { theme::kind(EntryKind::Block) };
    let mut cells: Vec<(char, Style)> = vec![(' ', Style::default()); bar];
    fill(&mut cells, from, to);
    cells[to] = ('B', style);
    let label = format!("{}{:<w$}", if r.critical { '*' } else { ' ' }, short_peer(&r.cid), w = LABEL - 1);
    let mut spans = vec![Span::styled(label, if r.critical { critical_style() } else { theme::dim() }), Span::raw(" ")];
    spans.extend(group(&cells));
    let who = r.from.as_deref().map(short_peer).unwrap_or("stored");
    let dups = if r.duplicates > 0 { format!(" +{}dup", r.duplicates) } else { String::new() };
    spans.push(Span::styled(format!(" {} ms {who}{dups}", r.arrived_ms - r.wanted_ms), theme::dim()));
    Line::from(spans)
}

/// The waterfall's width: what the label leaves, less room for each block's reason on a DAG's rows.
fn bar_width(report: &WhyReport, width: usize) -> usize {
    let dag = report.dag.as_ref().is_some_and(|d| !d.rows.is_empty());
    let text = if report.blocks.is_empty() && !dag { 0 } else { (width / 3).min(32) };
    width.saturating_sub(LABEL + 1 + text)
}

fn fill(cells: &mut [(char, Style)], from: usize, to: usize) {
    for c in cells.iter_mut().take(to).skip(from) {
        *c = ('─', theme::dim());
    }
}

/// Runs of one style as one span.
fn group(cells: &[(char, Style)]) -> Vec<Span<'static>> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut text = String::new();
    let mut style = cells.first().map(|c| c.1).unwrap_or_default();
    for (ch, st) in cells {
        if *st != style && !text.is_empty() {
            spans.push(Span::styled(std::mem::take(&mut text), style));
        }
        style = *st;
        text.push(*ch);
    }
    if !text.is_empty() {
        spans.push(Span::styled(text, style));
    }
    spans
}

/// The axis under the waterfall: 0 at the left, the span at the right; then the legend.
fn axis(report: &WhyReport, width: usize) -> Vec<Line<'static>> {
    let (origin, end) = span_of(report);
    let bar = bar_width(report, width);
    let done = report.blocks.is_empty() && report.dag.as_ref().is_some_and(|d| d.done && !d.rows.is_empty());
    let right = format!("+{} ms ({})", end - origin, if done { "last block" } else { "now" });
    let pad = bar.saturating_sub(1 + right.len());
    let axis = format!("{:<LABEL$} 0{}{right}", "", " ".repeat(pad));
    let legend = format::middle(LEGEND, width);
    vec![Line::from(Span::styled(axis, theme::dim())), Line::from(Span::styled(legend, theme::dim()))]
}

/// Every mark with its offset from the first, oldest first.
fn mark_lines(report: &WhyReport) -> Vec<Line<'static>> {
    let (origin, _) = span_of(report);
    report
        .timeline
        .iter()
        .map(|m| {
            let (_, style) = symbol(m.kind);
            let peer = m.peer.as_deref().map(short_peer).unwrap_or("-").to_string();
            let detail = m.detail.as_deref().map(|d| format!("  {d}")).unwrap_or_default();
            Line::from(vec![
                Span::styled(format!("+{:>7} ms ", m.at_ms.saturating_sub(origin)), theme::dim()),
                Span::styled(format!("{:<14}", m.kind.label()), style),
                Span::raw(format!(" {peer}{detail}")),
            ])
        })
        .collect()
}

#[cfg(test)]
#[path = "timeline_tests.rs"]
mod tests;
