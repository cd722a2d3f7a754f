//! The Routing pane (issue 12 part 8): the DHT's mode and reachability (AutoNAT), bootstrap and the provide queue on the left, the routing
//! table as peers per bucket on the right, and the routing queries below (running ones first, then those that
//! finished lately), all from the `routing_status` the node publishes beside every snapshot. With no DHT peer and
//! nothing configured it says how to get one.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Borders, Cell, Paragraph, Row, Wrap};

use super::{format, table, theme};
use crate::app::state::{AppState, Pane};
use crate::node::events::{QueryKind, RoutingStatus};
use crate::node::routing::status::{QueryInfo, QueryOutcome};

/// Narrower than this, the bucket chart gives its room to the text.
const CHART_FROM: u16 = 70;

pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let r = &state.routing;
    let top_h = (area.height / 2).clamp(3, 8);
    let [top, bottom] = Layout::vertical([Constraint::Length(top_h), Constraint::Min(3)]).areas(area);
    let (text_area, chart_area) = if area.width >= CHART_FROM {
        // The chart as wide as its bars need (4 columns a bucket), between 24 columns and 45 % of the width.
        let chart = (r.buckets.len() as u16 * 4 + 2).clamp(24, area.width * 45 / 100);
        let [a, b] = Layout::horizontal([Constraint::Min(0), Constraint::Length(chart)]).areas(top);
        (a, Some(b))
    } else {
        (top, None)
    };
    summary(frame, text_area, r);
    if let Some(chart_area) = chart_area {
        buckets(frame, chart_area, r);
    }
    if r.table_size == 0 && r.recent.is_empty() && r.bootstrap.configured == 0 {
        empty(frame, bottom);
    } else {
        queries(frame, bottom, state);
    }
}

/// What the DHT is, its bootstrap, and the provide queue, one line each.
fn summary(frame: &mut Frame, area: Rect, r: &RoutingStatus) {
    let label = |s: &'static str| Span::styled(format!("{s:<10}"), theme::dim());
    let mode = if r.dht_mode.is_empty() { "starting…".to_string() } else { r.dht_mode.clone() };
    let b = &r.bootstrap;
    let mut boot = vec![label("bootstrap")];
    if b.configured == 0 {
        boot.push(Span::raw("none configured"));
    } else {
        let style = if b.connected > 0 { theme::ok() } else { theme::error() };
        boot.push(Span::styled(format!("{} of {} connected", b.connected, b.configured), style));
        if let Some(ago) = b.last_dial_ms_ago {
            boot.push(Span::raw(format!(" · dialled {} ago", format::age(ago))));
        }
    }
    let walk = match &b.last_walk {
        Some(w) if w.starts_with("ok") => Span::raw(w.clone()),
        Some(w) => Span::styled(w.clone(), theme::error()),
        None => Span::styled("not yet (needs a DHT peer)", theme::dim()),
    };
    let mut provide = vec![
        label("provide"),
        Span::raw(format!("{} running, {} waiting, {} done, ", r.provide_running, r.provide_waiting, r.provide_done)),
        Span::styled(
            format!("{} failed", r.provide_failed),
            if r.provide_failed > 0 { theme::error() } else { Style::default() },
        ),
    ];
    if r.provide_refused > 0 {
        provide.push(Span::styled(format!(", {} refused (full)", r.provide_refused), theme::error()));
    }
    let width = area.width.saturating_sub(12) as usize;
    let next = match r.provide_next.first() {
        Some(c) if r.provide_next.len() > 1 => {
            format!("{} (+{} more)", format::middle(c, width.saturating_sub(12)), r.provide_waiting - 1)
        }
        Some(c) => format::middle(c, width),
        None => "-".to_string(),
    };
    let lines = vec![
        Line::from(vec![
            label("dht"),
            Span::styled(mode, theme::title()),
            Span::raw(format!(" (asked {}) · {}", r.configured, r.reachability)),
        ]),
        Line::from(vec![
            label("table"),
            Span::raw(format!("{} peers · {} buckets · {} conns", r.table_size, r.buckets.len(), r.connections)),
        ]),
        Line::from(boot),
        Line::from(provide),
        Line::from(vec![label("next"), Span::raw(next)]),
        Line::from(vec![label("walk"), walk]),
    ];
    let block = Block::default().borders(Borders::ALL).title(Span::styled(" Routing ", theme::title()));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// Peers per bucket (index: log2 distance to this node), the farthest on the left as they fill first.
fn buckets(frame: &mut Frame, area: Rect, r: &RoutingStatus) {
    let title = Span::styled(" Peers per bucket ", theme::title());
    let block = Block::default().borders(Borders::ALL).title(title);
    if r.buckets.is_empty() {
        let text = Paragraph::new(Span::styled("empty", theme::dim())).block(block);
        frame.render_widget(text, area);
        return;
    }
    // Bars 3 wide (a bucket index fits under each), as many of the fullest buckets as the width allows.
    let room = (area.width.saturating_sub(2) / 4).max(1) as usize;
    let mut shown: Vec<_> = r.buckets.iter().collect();
    shown.sort_by_key(|b| std::cmp::Reverse(b.index));
    shown.truncate(room);
    let bars: Vec<Bar> =
        shown.iter().map(|b| Bar::default().value(b.peers as u64).label(Line::from(b.index.to_string()))).collect();
    let chart = BarChart::default()
        .block(block)
        .data(BarGroup::default().bars(&bars))
        .bar_width(3)
        .bar_gap(1)
        .bar_style(theme::focus_border());
    frame.render_widget(chart, area);
}

fn kind_name(kind: QueryKind) -> &'static str {
    match kind {
        QueryKind::FindProviders => "findprovs",
        QueryKind::FindPeer => "findpeer",
        QueryKind::Provide => "provide",
        QueryKind::Search => "search",
    }
}

/// The outcome cell: running (yellow), done with what it found (green) or nothing, failed (red).
fn outcome(q: &QueryInfo) -> (String, Style) {
    match &q.outcome {
        QueryOutcome::Running => ("running".into(), theme::kind(crate::node::events::EntryKind::WantHave)),
        QueryOutcome::Done if q.found > 0 => (format!("done {} ago", format::age(q.ended_ms_ago)), theme::ok()),
        QueryOutcome::Done => (format!("none, {} ago", format::age(q.ended_ms_ago)), theme::dim()),
        QueryOutcome::Failed { error } => (format!("failed: {error}"), theme::error()),
    }
}

fn queries(frame: &mut Frame, area: Rect, state: &AppState) {
    let r = &state.routing;
    let selected = state.selection(Pane::Routing).min(r.recent.len().saturating_sub(1));
    let (skip, visible) = table::window(area, selected);
    let cols = table::columns(
        area,
        &[
            Constraint::Length(9),
            Constraint::Min(20),
            Constraint::Length(4),
            Constraint::Length(5),
            Constraint::Length(5),
            Constraint::Length(7),
            Constraint::Min(14),
        ],
    );
    let rows: Vec<Row> = r
        .recent
        .iter()
        .skip(skip)
        .take(visible)
        .map(|q| {
            let (text, style) = outcome(q);
            let sources: Vec<String> = q.sources.iter().map(|s| s.to_string()).collect();
            Row::new(vec![
                Cell::from(kind_name(q.kind)),
                Cell::from(format::middle(&q.key, cols[1])),
                Cell::from(sources.join(",")),
                Cell::from(q.contacted.to_string()),
                Cell::from(q.found.to_string()),
                Cell::from(format::age(q.elapsed_ms)),
                Cell::from(text).style(style),
            ])
        })
        .collect();
    let running = r.recent.iter().filter(|q| q.outcome == QueryOutcome::Running).count();
    table::render(
        frame,
        area,
        format!(
            " Queries ({running} running, {} finished lately; {} searches for stuck wants) ",
            r.recent.len() - running,
            r.searches
        ),
        &["kind", "key", "src", "asked", "found", "elapsed", "outcome"],
        &table::lengths(&cols),
        rows,
        Some(selected - skip),
    );
}

/// No DHT peer and no bootstrap peer configured: what to do.
fn empty(frame: &mut Frame, area: Rect) {
    let lines = vec![
        Line::from("No DHT peers: this node cannot find providers or be found yet."),
        Line::from(""),
        Line::from(vec![
            Span::raw("Start with "),
            Span::styled("--bootstrap /ip4/…/tcp/…/p2p/<id>", theme::header()),
            Span::raw(" (or keep it: "),
            Span::styled("swarmscope bootstrap add MA", theme::header()),
            Span::raw("),"),
        ]),
        Line::from(vec![
            Span::raw("or type "),
            Span::styled(":connect MA", theme::header()),
            Span::raw(" to a DHT server peer; lookups and provides then show here."),
        ]),
    ];
    let block = Block::default().borders(Borders::ALL).title(Span::styled(" Queries ", theme::title()));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block), area);
}

#[cfg(test)]
#[path = "routing_tests.rs"]
mod tests;
