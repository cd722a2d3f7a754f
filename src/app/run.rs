//! The run loop: one `select!` over terminal input, node events, job results, log lines and a clock. Everything
//! becomes a [`Msg`] for the reducer (`update`), the one writer of the state; the loop only carries out the
//! [`Effect`]s it returns (run a job, save the history, read the store's totals, complete a path, quit). It drains
//! what is queued and draws at most ~30 frames a second, only when something changed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;
use tokio::sync::mpsc;

use super::msg::{Effect, Msg};
use super::record::{Line, Recorder};
use super::runner::{Backend, Cancels};
use super::state::AppState;
use super::update::update;
use crate::cli::NodeArgs;
use crate::control::client::Client;
use crate::node::blockstore::Blockstore;
use crate::node::config::NodeConfig;
use crate::node::events::{Event as NodeEventAt, NodeEvent};
use crate::ops::{Call, Observer, OpEvent, OpId, Outcome, Request, Shared};

/// Frames are at least this far apart.
const FRAME: Duration = Duration::from_millis(33);
const HISTORY_FILE: &str = "tui_history";

/// Opens the TUI with an embedded node on `config.repo`; with `demo`, a second node feeds it (see `demo`). When a
/// daemon already holds the repo, the TUI attaches to it instead: its events through the control socket, and
/// commands run inside it.
pub fn run(repo: &Path, args: &NodeArgs, demo: bool) -> Result<()> {
    let mut config = NodeConfig::new(repo.to_path_buf());
    args.configure(&mut config)?;
    let repo = repo.to_path_buf();
    let (_guard, log_lines) = super::logging::init(&repo.join("logs"))?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    // `--record FILE`: started before the node, so that the recording has every event from `ready` on.
    let recorder = args.recording("tui")?;
    let store = match Blockstore::open(&repo) {
        Ok(store) => store,
        Err(crate::node::blockstore::StoreError::Locked { .. }) if !demo => {
            if let Some(client) = Client::connect(&repo)? {
                return runtime.block_on(attach(&repo, client, log_lines, recorder));
            }
            return Err(Blockstore::open(&repo)
                .err()
                .map(Into::into)
                .unwrap_or_else(|| anyhow::anyhow!("repo is locked")));
        }
        Err(e) => return Err(e.into()),
    };
    runtime.block_on(async move {
        let (node, events) = crate::node::start(config, store.clone()).map_err(start_failed)?;
        let mut terminal = open_terminal()?;
        let shared = Shared { store, node: node.clone(), runtime: tokio::runtime::Handle::current() };
        let backend = Backend::Local { repo: repo.clone(), shared };
        let demo = demo.then(|| node.clone());
        let result = event_loop(&mut terminal, &repo, backend, events, log_lines, demo, recorder).await;
        close_terminal();
        node.shutdown().await;
        result
    })
}

/// What to do when the port is taken: the usual case is a second `swarmscope` with the default --listen.
const LISTEN_HINT: &str =
    "stop the other instance, or open this one on a free port: swarmscope tui --listen /ip4/127.0.0.1/tcp/0";

/// The node did not start: said before the terminal is taken, so it stays on screen after exit; a listen error
/// (a second instance on the same port) says what to type instead.
fn start_failed(err: crate::node::StartError) -> anyhow::Error {
    match err {
        crate::node::StartError::Listen { .. } => anyhow::anyhow!("{err}; {LISTEN_HINT}"),
        other => other.into(),
    }
}

/// The terminal in raw mode on the alternate screen, with the mouse reported (wheel and clicks).
pub(super) fn open_terminal() -> Result<ratatui::DefaultTerminal> {
    let terminal = ratatui::try_init().context("cannot open the terminal (is this a TTY?)")?;
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture);
    Ok(terminal)
}

/// Gives the terminal back as it was.
pub(super) fn close_terminal() {
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
    ratatui::restore();
}

/// `swarmscope demo`: the TUI's node on a temporary repo (removed on exit) unless a repo was given, so that the
/// demo's content never fills the user's own repo; it opens on the Transfers pane, where the exchange shows.
pub fn demo(repo: Option<&Path>) -> Result<()> {
    // The demo never uses public routing.
    let args = NodeArgs {
        listen: vec!["/ip4/127.0.0.1/tcp/0".into()],
        no_mdns: true,
        no_bootstrap: true,
        ..NodeArgs::default()
    };
    match repo {
        Some(repo) => run(repo, &args, true),
        None => {
            let temp = super::demo::temp_dir("tui")?;
            run(temp.path(), &args, true)
        }
    }
}

/// Asks the daemon something small (no progress, no output).
fn ask(client: &Client, request: Request) -> Result<Outcome> {
    struct Quiet;
    impl Observer for Quiet {
        fn event(&mut self, _: OpId, _: OpEvent) -> std::io::Result<()> {
            Ok(())
        }
        fn output(&mut self, _: &[u8]) -> std::io::Result<()> {
            Ok(())
        }
    }
    client.run(Call::here(request), None, None, &mut Quiet)
}

/// The TUI on a repo a daemon holds: events come from the daemon's watch stream.
async fn attach(
    repo: &Path,
    client: Client,
    log_lines: mpsc::Receiver<String>,
    recorder: Option<Recorder>,
) -> Result<()> {
    let client = std::sync::Arc::new(client);
    let (tx, events) = mpsc::channel(4096);
    // Who the daemon is (the attached TUI missed the daemon's `ready`): from `id`, and when its clock started from
    // the first event watched (snapshots come every 2 s). Made here, not by the node: `seq` 0.
    let asker = client.clone();
    let Outcome::Id(id) = tokio::task::spawn_blocking(move || ask(&asker, Request::Id)).await?? else {
        anyhow::bail!("the daemon answered `id` with something else");
    };
    let peer_id = id.peer_id.to_string();
    let listen: Vec<String> = id.addresses.iter().map(|a| a.to_string()).collect();
    let mut watch = client.watch()?;
    std::thread::spawn(move || {
        let first = watch.next();
        if let Some(first) = &first {
            let wall = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            let started_unix_ms = (wall.as_millis() as u64).saturating_sub(first.at_ms);
            let schema = crate::node::events::SCHEMA_VERSION;
            let kind = NodeEvent::Ready { schema, peer_id, listen, started_unix_ms };
            let _ = tx.blocking_send(NodeEventAt { seq: 0, at_ms: first.at_ms, kind });
        }
        for event in first.into_iter().chain(watch) {
            if tx.blocking_send(event).is_err() {
                return;
            }
        }
    });
    tracing::info!("attached to the daemon of {}", repo.display());
    let mut terminal = open_terminal()?;
    let result = event_loop(&mut terminal, repo, Backend::Daemon(client), events, log_lines, None, recorder).await;
    close_terminal();
    result
}

/// The node's clock as seen from the UI: every node event says what time it is there (`at_ms`); between events,
/// ticks advance from the newest reading with this process's monotonic clock. (A replay drives ticks from the
/// recorded `at_ms` instead.) The node may live in another process (an attached daemon), so this is an estimate
/// that only ever moves forward.
struct NodeClock {
    base: Instant,
    /// Node time minus local time, as the freshest event showed it (events arrive after they are stamped, so the
    /// largest seen is the closest).
    offset_ms: Option<i64>,
}

impl NodeClock {
    fn new() -> Self {
        Self { base: Instant::now(), offset_ms: None }
    }

    fn saw(&mut self, at_ms: u64) {
        let offset = at_ms as i64 - self.base.elapsed().as_millis() as i64;
        self.offset_ms = Some(self.offset_ms.map_or(offset, |o| o.max(offset)));
    }

    fn now_ms(&self) -> u64 {
        (self.base.elapsed().as_millis() as i64 + self.offset_ms.unwrap_or(0)).max(0) as u64
    }
}

fn load_history(repo: &Path) -> Vec<String> {
    std::fs::read_to_string(repo.join(HISTORY_FILE))
        .map(|s| s.lines().map(String::from).filter(|l| !l.is_empty()).collect())
        .unwrap_or_default()
}

fn save_history(repo: &Path, history: &[String]) {
    let keep = &history[history.len().saturating_sub(super::keys::HISTORY)..];
    use std::os::unix::fs::OpenOptionsExt;
    let file =
        std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(repo.join(HISTORY_FILE));
    if let Ok(mut f) = file {
        let _ = f.write_all((keep.join("\n") + "\n").as_bytes());
    }
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    repo: &Path,
    backend: Backend,
    mut node_events: mpsc::Receiver<NodeEventAt>,
    mut log_lines: mpsc::Receiver<String>,
    demo: Option<crate::node::handle::NodeHandle>,
    mut recorder: Option<Recorder>,
) -> Result<()> {
    let (tx, mut msgs) = mpsc::channel::<Msg>(1024);
    let is_demo = demo.is_some();
    if let Some(node) = demo {
        let tui = tx.clone();
        tokio::spawn(async move {
            if let Err(e) = super::demo::run(node, tui.clone()).await {
                let _ = tui.send(Msg::Status { text: format!("demo: {e}"), error: true }).await;
            }
        });
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let mut state = AppState { cwd, history: load_history(repo), ..AppState::new() };
    if is_demo {
        state.pane = Some(super::state::Pane::Transfers);
    }
    let size = terminal.size()?;
    update(&mut state, Msg::Resize { width: size.width, height: size.height });
    let cancels = Cancels::default();
    let mut clock = NodeClock::new();
    let mut keys = EventStream::new();
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    let mut dirty = true;
    let mut last_frame = tokio::time::Instant::now() - FRAME;
    loop {
        let frame_due = async {
            if dirty {
                tokio::time::sleep_until(last_frame + FRAME).await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        let mut batch = Vec::new();
        tokio::select! {
            Some(Ok(ev)) = keys.next() => match ev {
                Event::Key(key) if key.kind == KeyEventKind::Press => batch.push(Msg::Key(key)),
                Event::Resize(width, height) => batch.push(Msg::Resize { width, height }),
                Event::Mouse(mouse) => batch.push(Msg::Mouse(mouse)),
                _ => {}
            },
            Some(ev) = node_events.recv() => {
                // Node events carry their own time (`at_ms`); the reducer reads no clock.
                clock.saw(ev.at_ms);
                batch.push(Msg::Node(ev));
                // Drain what is queued before the next frame: one render for many events.
                while let Ok(ev) = node_events.try_recv() {
                    clock.saw(ev.at_ms);
                    batch.push(Msg::Node(ev));
                }
            }
            Some(msg) = msgs.recv() => {
                // Results and progress carry no node time: "now" moves first, so they are timed.
                batch.push(Msg::Tick { now_ms: clock.now_ms() });
                batch.push(msg);
            }
            Some(line) = log_lines.recv() => {
                // Timed like results: "now" first, so that the line is stamped when it came.
                batch.push(Msg::Tick { now_ms: clock.now_ms() });
                batch.push(Msg::Log(line));
            }
            _ = ticks.tick() => batch.push(Msg::Heartbeat { now_ms: clock.now_ms() }),
            _ = frame_due => {
                terminal.draw(|f| crate::ui::render(f, &state))?;
                dirty = false;
                last_frame = tokio::time::Instant::now();
            }
        }
        for msg in batch {
            dirty = true;
            if let Some(r) = &mut recorder {
                if let Some(line) = Line::of(&msg, state.now_ms) {
                    let at = line.at_ms().unwrap_or(state.now_ms);
                    r.record(&line, at);
                }
                if let Some(e) = r.take_error() {
                    let _ = tx.try_send(Msg::Status { text: e, error: true });
                }
            }
            for effect in update(&mut state, msg) {
                if let Effect::Record(file) = effect {
                    let text = switch_recording(&mut recorder, file);
                    let _ = tx.try_send(Msg::Status { text: text.0, error: text.1 });
                } else if !carry_out(effect, repo, &backend, &tx, &cancels) {
                    return Ok(());
                }
            }
        }
    }
}

/// `record start FILE` / `record stop`: the status line to show (and whether it is an error).
fn switch_recording(recorder: &mut Option<Recorder>, file: Option<PathBuf>) -> (String, bool) {
    let stopped = recorder.take().map(|r| (r.path.clone(), r.dropped()));
    match (file, stopped) {
        (Some(file), _) => match Recorder::start(&file, "tui", super::record::DEFAULT_MAX_BYTES) {
            Ok(r) => {
                *recorder = Some(r);
                (format!("recording to {} (replay: swarmscope replay FILE)", file.display()), false)
            }
            Err(e) => (crate::ops::one_line(&e), true),
        },
        (None, Some((path, dropped))) => {
            (format!("recording stopped: {} ({dropped} lines lost)", path.display()), dropped > 0)
        }
        (None, None) => ("record: not recording".into(), true),
    }
}

/// Does what the reducer asked; `false` to quit.
fn carry_out(effect: Effect, repo: &Path, backend: &Backend, tx: &mpsc::Sender<Msg>, cancels: &Cancels) -> bool {
    match effect {
        Effect::Run(job) => super::runner::spawn(backend, *job, tx.clone(), cancels),
        Effect::Cancel(op) => {
            if !cancels.cancel(op) {
                let _ = tx.try_send(Msg::Status { text: format!("cancel: #{} is not running", op.0), error: true });
            }
        }
        Effect::SaveHistory(lines) => save_history(repo, &lines),
        Effect::RefreshStored => {
            let (backend, tx) = (backend.clone(), tx.clone());
            tokio::spawn(async move {
                let stat = tokio::task::spawn_blocking(move || stored(&backend)).await;
                let msg = match stat {
                    Ok(Some((blocks, bytes))) => Msg::Stored { blocks, bytes },
                    _ => Msg::StoredFailed,
                };
                let _ = tx.send(msg).await;
            });
        }
        Effect::CompletePath { line } => {
            let tx = tx.clone();
            tokio::task::spawn_blocking(move || {
                let completed = super::command::complete_path(&line);
                let _ = tx.blocking_send(Msg::Completed { line, completed });
            });
        }
        Effect::Copy(text) => copy(&text),
        // Handled by the loop, which owns the recorder.
        Effect::Record(_) => {}
        Effect::Quit => return false,
    }
    true
}

/// Puts `text` on the terminal's clipboard with OSC 52 (the terminal, not this process, owns the clipboard: it
/// works over ssh; tmux passes it on with `set-clipboard on`).
pub(super) fn copy(text: &str) {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = std::io::stdout();
    let _ = write!(out, "\x1b]52;c;{encoded}\x07");
    let _ = out.flush();
}

/// The store's totals, from the store or from the daemon.
fn stored(backend: &Backend) -> Option<(u64, u64)> {
    match backend {
        Backend::Local { shared, .. } => shared.store.stat().ok().map(|s| (s.blocks, s.block_bytes)),
        Backend::Daemon(client) => match ask(client, Request::RepoStat).ok()? {
            Outcome::RepoStat(s) => Some((s.blocks, s.block_bytes)),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_in_use_says_why_and_what_to_type() {
        let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = held.local_addr().unwrap().port();
        let dir = tempfile::tempdir().unwrap();
        let mut config = NodeConfig::new(dir.path().to_path_buf());
        config.listen = vec![format!("/ip4/127.0.0.1/tcp/{port}").parse().unwrap()];
        config.mdns = false;
        let store = Blockstore::open(dir.path()).unwrap();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let err = runtime.block_on(async { crate::node::start(config, store).map(|_| ()) }).unwrap_err();
        let line = crate::ops::one_line(&start_failed(err));
        assert!(
            line.starts_with(&format!("cannot listen on /ip4/127.0.0.1/tcp/{port}: address already in use")),
            "{line}"
        );
        assert!(line.ends_with("swarmscope tui --listen /ip4/127.0.0.1/tcp/0"), "{line}");
    }
}
