//! `swarmscope replay FILE`: a recording ([`super::record`]) through the same reducer as the live TUI, driven by the
//! recorded times (`at_ms`), so every pane works as it did. Space pauses, `.` steps one line forward and `,` one
//! back (the state is rebuilt from the start: the reducer is deterministic), `[` / `]` halve and double the speed;
//! every other key does what it does live (panes, selection, filter, drill-in). Commands do not run.
//!
//! A recording is untrusted input: the whole file is checked before the terminal is taken (one clear error with the
//! line number), lines are read one at a time with a length cap, and nothing is kept but the state it builds.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use crossterm::event::{Event, EventStream, KeyCode, KeyEventKind, KeyModifiers};
use futures::StreamExt;

use super::msg::{Effect, Msg};
use super::record::{FORMAT, Header, Line, VERSION};
use super::state::AppState;
use super::update::update;

/// A line longer than this is not one a recorder wrote.
pub const MAX_LINE: usize = 16 << 20;
const SPEEDS: (f64, f64) = (1.0 / 16.0, 256.0);
/// Lines applied between two frames at most (a fast replay of a busy recording stays responsive).
const BURST: usize = 20_000;

/// Reads a recording one line at a time.
pub struct Reader {
    input: BufReader<File>,
    path: PathBuf,
    /// Lines read so far (the header is line 1).
    pub line_no: u64,
    buf: Vec<u8>,
}

impl Reader {
    /// Opens `path` and checks its header.
    pub fn open(path: &Path) -> Result<(Reader, Header)> {
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let mut r = Reader { input: BufReader::new(file), path: path.to_path_buf(), line_no: 0, buf: Vec::new() };
        let not_ours =
            || anyhow!("{} is not a swarmscope recording (its first line is no recording header)", path.display());
        let header = match r.read_line().map_err(|_| not_ours())? {
            Some(Line::Header(h)) if h.format == FORMAT => h,
            _ => return Err(not_ours()),
        };
        if header.version > VERSION {
            bail!(
                "{} is a recording of version {} (this swarmscope reads {VERSION}): update swarmscope",
                path.display(),
                header.version
            );
        }
        Ok((r, header))
    }

    /// The next line; `None` at the end. Errors name the file and the line.
    pub fn read_line(&mut self) -> Result<Option<Line>> {
        loop {
            self.buf.clear();
            let n = (&mut self.input)
                .take(MAX_LINE as u64 + 1)
                .read_until(b'\n', &mut self.buf)
                .with_context(|| format!("{}: cannot read line {}", self.path.display(), self.line_no + 1))?;
            if n == 0 {
                return Ok(None);
            }
            self.line_no += 1;
            if self.buf.len() > MAX_LINE {
                bail!(
                    "{} line {}: longer than {} MiB (not a recording?)",
                    self.path.display(),
                    self.line_no,
                    MAX_LINE >> 20
                );
            }
            if self.buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return serde_json::from_slice(&self.buf)
                .map(Some)
                .map_err(|e| anyhow!("{} line {}: {e}", self.path.display(), self.line_no));
        }
    }
}

/// What a check of the whole file found.
#[derive(Debug)]
pub struct Summary {
    pub header: Header,
    /// Lines after the header.
    pub lines: u64,
    pub first_ms: u64,
    pub last_ms: u64,
}

/// Reads the whole recording once: every line must parse.
pub fn check(path: &Path) -> Result<Summary> {
    let (mut r, header) = Reader::open(path)?;
    let (mut lines, mut first_ms, mut last_ms) = (0, None, 0);
    while let Some(line) = r.read_line()? {
        lines += 1;
        if let Some(at) = line.at_ms() {
            first_ms.get_or_insert(at);
            last_ms = last_ms.max(at);
        }
    }
    Ok(Summary { header, lines, first_ms: first_ms.unwrap_or(0), last_ms })
}

/// Gives `line` to the reducer as the live loop would: a line that carries no node event moves "now" first.
fn apply(state: &mut AppState, line: Line) -> Vec<Effect> {
    let mut effects = Vec::new();
    if !matches!(line, Line::Event(_))
        && let Some(at) = line.at_ms()
    {
        effects.extend(update(state, Msg::Tick { now_ms: at }));
    }
    effects.extend(update(state, line.into_msg()));
    effects
}

/// Replays the first `count` lines (all with `None`) of `path` into `state`, as fast as they read; returns how many.
pub fn replay_into(state: &mut AppState, path: &Path, count: Option<u64>) -> Result<u64> {
    let (mut r, _) = Reader::open(path)?;
    let mut done = 0;
    while count.is_none_or(|c| done < c) {
        let Some(line) = r.read_line()? else { break };
        apply(state, line);
        done += 1;
    }
    Ok(done)
}

/// `replay --print`: the screen after the whole recording, as text (for scripts, tests and bug reports).
pub fn print(path: &Path, width: u16, height: u16, pane: Option<&str>) -> Result<String> {
    check(path)?;
    let mut state = AppState::new();
    update(&mut state, Msg::Resize { width, height });
    replay_into(&mut state, path, None)?;
    if let Some(name) = pane {
        let p = super::state::Pane::ALL.iter().find(|p| p.title().eq_ignore_ascii_case(name)).ok_or_else(|| {
            anyhow!("unknown pane {name:?}: peers, wantlists, ledger, transfers, operations, explorer or log")
        })?;
        state.pane = Some(*p);
    }
    Ok(screen(&state, width, height))
}

/// One frame of a headless replay: the lines applied before it, and what applying them and drawing it cost.
#[derive(Clone, Copy, Debug)]
pub struct FrameCost {
    pub lines: usize,
    pub apply: Duration,
    pub render: Duration,
}

/// Replays `path` headlessly at `speed` as the interactive replay paces it (a frame every 33 ms of wall time, so
/// 33 × `speed` ms of the recording per frame, at most [`BURST`] lines per frame), drawing every frame into a
/// `width`×`height` TestBackend on `pane` (the dashboard when none and wide enough). Returns each frame's cost: what
/// `examples/bench_replay.rs` reports (issue 14: a 256 MiB get replayed at 10× with frames under 5 ms).
pub fn frame_costs(path: &Path, speed: f64, width: u16, height: u16, pane: Option<&str>) -> Result<Vec<FrameCost>> {
    let summary = check(path)?;
    let mut state = AppState::new();
    update(&mut state, Msg::Resize { width, height });
    if let Some(name) = pane {
        let p = super::state::Pane::ALL.iter().find(|p| p.title().eq_ignore_ascii_case(name));
        state.pane = Some(*p.ok_or_else(|| anyhow!("unknown pane {name:?}"))?);
    }
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height))?;
    let (mut reader, _) = Reader::open(path)?;
    let mut cursor = Cursor { pos_ms: summary.first_ms, summary, applied: 0, speed, paused: false };
    let mut pending: Option<Line> = None;
    let mut costs = Vec::new();
    while cursor.applied < cursor.summary.lines {
        cursor.pos_ms += (33.0 * speed) as u64;
        let started = Instant::now();
        let mut lines = 0;
        while lines < BURST {
            let line = match pending.take() {
                Some(l) => l,
                None => match reader.read_line()? {
                    Some(l) => l,
                    None => break,
                },
            };
            if line.at_ms().is_some_and(|at| at > cursor.pos_ms) {
                pending = Some(line);
                break;
            }
            apply(&mut state, line);
            cursor.applied += 1;
            lines += 1;
        }
        let apply = started.elapsed();
        state.replay = Some(cursor.bar());
        let started = Instant::now();
        terminal.draw(|f| crate::ui::render(f, &state))?;
        costs.push(FrameCost { lines, apply, render: started.elapsed() });
        if pending.is_none() && lines == 0 {
            break; // the file ended (fewer lines than the check counted: it changed under us)
        }
    }
    Ok(costs)
}

/// The rendered screen as lines of text.
pub fn screen(state: &AppState, width: u16, height: u16) -> String {
    let Ok(mut terminal) = ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height));
    let _ = terminal.draw(|f| crate::ui::render(f, state));
    let buf = terminal.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..height {
        let row: String = (0..width).map(|x| buf[(x, y)].symbol().to_string()).collect();
        out.push_str(row.trim_end());
        out.push('\n');
    }
    out
}

/// Where the replay is: position, speed, pause.
struct Cursor {
    summary: Summary,
    /// Lines applied (after the header).
    applied: u64,
    pos_ms: u64,
    speed: f64,
    paused: bool,
}

impl Cursor {
    fn bar(&self) -> String {
        let t = |ms: u64| format!("{:02}:{:02}.{:03}", ms / 60_000, ms / 1000 % 60, ms % 1000);
        let start = self.summary.first_ms;
        let state = if self.applied >= self.summary.lines {
            "end"
        } else if self.paused {
            "paused"
        } else {
            "playing"
        };
        format!(
            " replay {state} {}× {} / {} · line {}/{} · space pause · , . step · [ ] speed ",
            fmt_speed(self.speed),
            t(self.pos_ms.saturating_sub(start)),
            t(self.summary.last_ms.saturating_sub(start)),
            self.applied,
            self.summary.lines
        )
    }
}

fn fmt_speed(s: f64) -> String {
    if s >= 1.0 { format!("{s:.0}") } else { format!("1/{:.0}", 1.0 / s) }
}

/// The interactive replay.
pub fn run(path: &Path, speed: f64) -> Result<()> {
    let summary = check(path)?;
    if !(speed.is_finite() && speed > 0.0) {
        bail!("--speed must be a positive number, e.g. 0.5, 1 or 10");
    }
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let mut terminal = super::run::open_terminal()?;
        let result = replay_loop(&mut terminal, path, summary, speed.clamp(SPEEDS.0, SPEEDS.1)).await;
        super::run::close_terminal();
        result
    })
}

async fn replay_loop(terminal: &mut ratatui::DefaultTerminal, path: &Path, summary: Summary, speed: f64) -> Result<()> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let fresh = |viewport: (u16, u16)| {
        let mut s = AppState { cwd: cwd.clone(), ..AppState::new() };
        update(&mut s, Msg::Resize { width: viewport.0, height: viewport.1 });
        s
    };
    let size = terminal.size()?;
    let mut state = fresh((size.width, size.height));
    let (mut reader, _) = Reader::open(path)?;
    let mut cursor = Cursor { pos_ms: summary.first_ms, summary, applied: 0, speed, paused: false };
    let mut keys = EventStream::new();
    let mut frames = tokio::time::interval(Duration::from_millis(33));
    let mut last = Instant::now();
    let mut pending: Option<Line> = None;
    loop {
        state.replay = Some(cursor.bar());
        terminal.draw(|f| crate::ui::render(f, &state))?;
        tokio::select! {
            Some(Ok(ev)) = keys.next() => {
                let key = match ev {
                    Event::Key(k) if k.kind == KeyEventKind::Press => k,
                    Event::Resize(width, height) => { update(&mut state, Msg::Resize { width, height }); continue }
                    Event::Mouse(m) => { update(&mut state, Msg::Mouse(m)); continue }
                    _ => continue,
                };
                let typing = state.input_focused;
                match key.code {
                    KeyCode::Char(' ') if !typing => cursor.paused = !cursor.paused,
                    KeyCode::Char('[') if !typing => cursor.speed = (cursor.speed / 2.0).max(SPEEDS.0),
                    KeyCode::Char(']') if !typing => cursor.speed = (cursor.speed * 2.0).min(SPEEDS.1),
                    KeyCode::Char('.') if !typing => {
                        cursor.paused = true;
                        let line = match pending.take() { Some(l) => Some(l), None => reader.read_line()? };
                        if let Some(line) = line {
                            cursor.pos_ms = line.at_ms().unwrap_or(cursor.pos_ms).max(cursor.pos_ms);
                            let effects = apply(&mut state, line);
                            handle(&mut state, effects);
                            cursor.applied += 1;
                        }
                    }
                    KeyCode::Char(',') if !typing && cursor.applied > 0 => {
                        cursor.paused = true;
                        let (pane, selected, detail) = (state.pane, state.selected.clone(), state.detail.clone());
                        state = fresh(state.viewport);
                        let back = cursor.applied - 1;
                        (reader, _) = Reader::open(path)?;
                        pending = None;
                        for _ in 0..back {
                            let Some(line) = reader.read_line()? else { break };
                            cursor.pos_ms = line.at_ms().unwrap_or(cursor.pos_ms);
                            apply(&mut state, line);
                        }
                        cursor.applied = back;
                        (state.pane, state.selected, state.detail) = (pane, selected, detail);
                    }
                    KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => return Ok(()),
                    _ => {
                        for effect in update(&mut state, Msg::Key(key)) {
                            if !handle_one(&mut state, effect) {
                                return Ok(());
                            }
                        }
                    }
                }
                last = Instant::now();
            }
            _ = frames.tick() => {
                let now = Instant::now();
                if !cursor.paused {
                    let step = now.duration_since(last).as_secs_f64() * 1000.0 * cursor.speed;
                    cursor.pos_ms += step as u64;
                    let mut burst = 0;
                    while burst < BURST {
                        let line = match pending.take() { Some(l) => l, None => match reader.read_line()? { Some(l) => l, None => break } };
                        if line.at_ms().is_some_and(|at| at > cursor.pos_ms) {
                            pending = Some(line);
                            break;
                        }
                        let effects = apply(&mut state, line);
                            handle(&mut state, effects);
                        cursor.applied += 1;
                        burst += 1;
                    }
                    if pending.is_none() && cursor.applied >= cursor.summary.lines {
                        cursor.paused = true;
                        cursor.pos_ms = cursor.summary.last_ms;
                    }
                    update(&mut state, Msg::Tick { now_ms: cursor.pos_ms });
                }
                last = now;
            }
        }
    }
}

/// Effects of replayed lines: nothing runs (a recorded operation's result is itself in the recording).
fn handle(state: &mut AppState, effects: Vec<Effect>) {
    for e in effects {
        handle_one(state, e);
    }
}

/// One effect during a replay; `false` to quit.
fn handle_one(state: &mut AppState, effect: Effect) -> bool {
    match effect {
        Effect::Quit => return false,
        Effect::Copy(text) => super::run::copy(&text),
        Effect::Run(_) | Effect::Cancel(_) => {
            update(state, Msg::Status { text: "replay: commands do not run on a recording".into(), error: true });
        }
        // The recorded totals come as recorded lines; history and completions are the live TUI's.
        Effect::RefreshStored => {
            update(state, Msg::StoredFailed);
        }
        Effect::Record(_) => {
            update(state, Msg::Status { text: "replay: record from a live session".into(), error: true });
        }
        Effect::SaveHistory(_) | Effect::CompletePath { .. } => {}
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::op::OpId;

    /// A `daemon --record` of a 3 MB get from one peer (made with this program on 127.0.0.1).
    fn fixture() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/recording-daemon.jsonl")
    }

    #[test]
    fn a_recording_replays_to_the_same_screens_every_time() {
        let s = check(&fixture()).unwrap();
        assert_eq!((s.header.source.as_str(), s.lines), ("daemon", 25));
        for pane in ["peers", "wantlists", "ledger", "transfers", "operations", "explorer", "log"] {
            for (w, h) in [(80, 24), (120, 40)] {
                let first = print(&fixture(), w, h, Some(pane)).unwrap();
                assert_eq!(first, print(&fixture(), w, h, Some(pane)).unwrap(), "{pane} at {w}x{h}");
            }
        }
        insta::assert_snapshot!("replay_transfers_120x40", print(&fixture(), 120, 40, Some("transfers")).unwrap());
        insta::assert_snapshot!("replay_peers_80x24", print(&fixture(), 80, 24, Some("peers")).unwrap());
    }

    #[test]
    fn stepping_rebuilds_the_same_state_as_playing() {
        let mut all = AppState::new();
        let n = replay_into(&mut all, &fixture(), None).unwrap();
        let mut part = AppState::new();
        assert_eq!(replay_into(&mut part, &fixture(), Some(n - 5)).unwrap(), n - 5);
        assert_ne!(screen(&part, 120, 40), screen(&all, 120, 40), "five lines later the screen differs");
        let mut again = AppState::new();
        replay_into(&mut again, &fixture(), Some(n - 5)).unwrap();
        assert_eq!(screen(&part, 120, 40), screen(&again, 120, 40));
    }

    #[test]
    fn a_headless_replay_paces_every_line_into_frames() {
        let s = check(&fixture()).unwrap();
        let fast = frame_costs(&fixture(), 256.0, 120, 40, Some("transfers")).unwrap();
        assert_eq!(fast.iter().map(|c| c.lines as u64).sum::<u64>(), s.lines, "every line, once");
        let slow = frame_costs(&fixture(), 1.0, 120, 40, None).unwrap();
        assert_eq!(slow.iter().map(|c| c.lines as u64).sum::<u64>(), s.lines);
        let span = s.last_ms - s.first_ms;
        assert!(slow.len() as u64 >= span / 33, "a frame per 33 ms of the recording at 1x: {}", slow.len());
        assert!(fast.len() < slow.len(), "256x takes fewer frames");
        assert!(frame_costs(&fixture(), 1.0, 120, 40, Some("nowhere")).is_err(), "an unknown pane is an error");
    }

    #[test]
    fn the_tui_lines_round_trip() {
        use crate::app::job::Target;
        let cid: cid::Cid = "bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq".parse().unwrap();
        let started = Msg::OpStarted { id: OpId(3), kind: "get".into(), target: Target::Cid(cid) };
        let line = Line::of(&started, 42).unwrap();
        let back: Line = serde_json::from_str(&serde_json::to_string(&line).unwrap()).unwrap();
        assert_eq!(back.at_ms(), Some(42));
        let Msg::OpStarted { id, kind, target } = back.into_msg() else { panic!("an op start") };
        assert_eq!((id, kind.as_str(), target), (OpId(3), "get", Target::Cid(cid)));
        assert!(Line::of(&Msg::Tick { now_ms: 1 }, 1).is_none(), "ticks are the replay's own");
    }
}
