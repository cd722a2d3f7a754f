//! The run loop: one `select!` over terminal input, node events, results of commands and a clock. It drains what
//! is queued, marks the state dirty, and draws at most ~30 frames a second, only when something changed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use crossterm::event::{Event, EventStream, KeyCode, KeyEventKind};
use futures::StreamExt;
use tokio::sync::mpsc;
use tui_input::backend::crossterm::EventHandler;

use super::command::Command;
use super::demo::DemoStep;
use super::runner::Backend;
use super::state::{AppEvent, AppState, Filter, Pane};
use super::{command, keymap};
use crate::cli::NodeArgs;
use crate::control::client::Client;
use crate::node::blockstore::Blockstore;
use crate::node::config::NodeConfig;
use crate::node::events::{Event as NodeEventAt, NodeEvent};
use crate::ops::{Call, Observer, OpEvent, OpId, Outcome, Request, Shared};

/// Frames are at least this far apart.
const FRAME: Duration = Duration::from_millis(33);
/// History lines kept in the repo.
const HISTORY: usize = 500;
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
    let store = match Blockstore::open(&repo) {
        Ok(store) => store,
        Err(crate::node::blockstore::StoreError::Locked { .. }) if !demo => {
            if let Some(client) = Client::connect(&repo)? {
                return runtime.block_on(attach(&repo, client, log_lines));
            }
            return Err(Blockstore::open(&repo)
                .err()
                .map(Into::into)
                .unwrap_or_else(|| anyhow::anyhow!("repo is locked")));
        }
        Err(e) => return Err(e.into()),
    };
    runtime.block_on(async move {
        let (node, events) = crate::node::start(config, store.clone())?;
        let mut terminal = ratatui::try_init().context("cannot open the terminal (is this a TTY?)")?;
        let (steps_tx, steps) = mpsc::channel(16);
        let shared = Shared { store, node: node.clone(), runtime: tokio::runtime::Handle::current() };
        let backend = Backend::Local { repo: repo.clone(), shared };
        let demo = demo.then_some((node.clone(), steps_tx, steps));
        let result = event_loop(&mut terminal, &repo, backend, events, log_lines, demo).await;
        ratatui::restore();
        node.shutdown().await;
        result
    })
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
async fn attach(repo: &Path, client: Client, log_lines: mpsc::Receiver<String>) -> Result<()> {
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
    let mut terminal = ratatui::try_init().context("cannot open the terminal (is this a TTY?)")?;
    let result = event_loop(&mut terminal, repo, Backend::Daemon(client), events, log_lines, None).await;
    ratatui::restore();
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
    let keep = &history[history.len().saturating_sub(HISTORY)..];
    use std::os::unix::fs::OpenOptionsExt;
    let file =
        std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(repo.join(HISTORY_FILE));
    if let Ok(mut f) = file {
        let _ = f.write_all((keep.join("\n") + "\n").as_bytes());
    }
}

type Demo = (crate::node::handle::NodeHandle, mpsc::Sender<DemoStep>, mpsc::Receiver<DemoStep>);

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    repo: &Path,
    backend: Backend,
    mut node_events: mpsc::Receiver<NodeEventAt>,
    mut log_lines: mpsc::Receiver<String>,
    demo: Option<Demo>,
) -> Result<()> {
    let (app_tx, mut app_rx) = mpsc::channel::<AppEvent>(1024);
    let mut demo_steps = match demo {
        Some((node, tx, rx)) => {
            let (main, app) = (node, app_tx.clone());
            tokio::spawn(async move {
                if let Err(e) = super::demo::run(main, tx, app.clone()).await {
                    let _ = app.send(AppEvent::Status { text: format!("demo: {e}"), error: true }).await;
                }
            });
            Some(rx)
        }
        None => None,
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let exec = |state: &mut AppState, cmd: Command| dispatch(state, &backend, &app_tx, &cwd, cmd);
    let mut state = AppState::new();
    let mut clock = NodeClock::new();
    let mut history = load_history(repo);
    let mut history_at: Option<usize> = None;
    let mut keys = EventStream::new();
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    let mut last_frame = tokio::time::Instant::now() - FRAME;
    loop {
        let frame_due = async {
            if state.dirty {
                tokio::time::sleep_until(last_frame + FRAME).await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            Some(Ok(ev)) = keys.next() => on_terminal(&mut state, &exec, ev, &mut history, &mut history_at, repo),
            Some(ev) = node_events.recv() => {
                // Node events carry their own time (`at_ms`); the reducer reads no clock.
                clock.saw(ev.at_ms);
                state.apply(AppEvent::Node(ev));
                // Drain what is queued before the next frame: one render for many events.
                while let Ok(ev) = node_events.try_recv() {
                    clock.saw(ev.at_ms);
                    state.apply(AppEvent::Node(ev));
                }
            }
            Some(ev) = app_rx.recv() => {
                state.apply(AppEvent::Tick { now_ms: clock.now_ms() });
                state.apply(ev);
            }
            Some(step) = async { match demo_steps.as_mut() { Some(rx) => rx.recv().await, None => std::future::pending().await } } => {
                match step {
                    DemoStep::Run(cmd) => exec(&mut state, cmd),
                    DemoStep::Say(text) => state.apply(AppEvent::Status { text, error: false }),
                }
            }
            Some(line) = log_lines.recv() => state.apply(AppEvent::Log(line)),
            _ = ticks.tick() => {
                state.apply(AppEvent::Tick { now_ms: clock.now_ms() });
                let (backend, tx) = (backend.clone(), app_tx.clone());
                tokio::spawn(async move {
                    let stat = tokio::task::spawn_blocking(move || stored(&backend)).await;
                    if let Ok(Some((blocks, bytes))) = stat {
                        let _ = tx.send(AppEvent::Stored { blocks, bytes }).await;
                    }
                });
            }
            _ = frame_due => {
                terminal.draw(|f| crate::ui::render(f, &state))?;
                state.dirty = false;
                last_frame = tokio::time::Instant::now();
            }
        }
        if let Some(cid) = state.explore_request.take() {
            exec(&mut state, Command::Explore(cid));
        }
        if state.quit {
            save_history(repo, &history);
            return Ok(());
        }
    }
}

/// Runs an input-bar command: view changes at once, the rest as a job.
fn dispatch(state: &mut AppState, backend: &Backend, events: &mpsc::Sender<AppEvent>, cwd: &Path, cmd: Command) {
    match cmd {
        Command::Quit => state.quit = true,
        Command::Help => state.help = true,
        Command::Filter(text) => {
            state.filter = Filter::parse(&text);
            state.pane = Some(Pane::Transfers);
        }
        Command::Inspect(cid) => {
            let info = crate::ops::cid::inspect(&cid);
            let body = serde_json::to_string_pretty(&info).unwrap_or_default();
            state.preview = Some((format!("inspect {cid}"), body));
        }
        other => {
            if let Some(job) = super::job::job(other, cwd) {
                super::runner::spawn(backend, job, events.clone());
            }
        }
    }
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

fn on_terminal(
    state: &mut AppState,
    exec: &dyn Fn(&mut AppState, Command),
    ev: Event,
    history: &mut Vec<String>,
    history_at: &mut Option<usize>,
    repo: &Path,
) {
    state.dirty = true;
    let Event::Key(key) = ev else { return }; // resizes only need a redraw
    if key.kind != KeyEventKind::Press {
        return;
    }
    if !state.input_focused {
        if let Some(action) = keymap::action_for(key) {
            keymap::apply(state, action);
        }
        return;
    }
    match key.code {
        KeyCode::Enter => {
            let line = state.input.value().trim().to_string();
            state.input.reset();
            state.input_focused = false;
            *history_at = None;
            if line.is_empty() {
                return;
            }
            if history.last() != Some(&line) {
                history.push(line.clone());
                save_history(repo, history);
            }
            match command::parse(&line) {
                Ok(cmd) => exec(state, cmd),
                Err(e) => {
                    state.status = Some((e, true));
                }
            }
        }
        KeyCode::Esc => {
            state.input_focused = false;
            state.input.reset();
        }
        KeyCode::Tab => {
            if let Some(done) = command::complete(state.input.value(), &state.known_ids()) {
                state.input = tui_input::Input::new(done);
            }
        }
        KeyCode::Up | KeyCode::Down if !history.is_empty() => {
            let at = match (key.code, *history_at) {
                (KeyCode::Up, None) => history.len() - 1,
                (KeyCode::Up, Some(i)) => i.saturating_sub(1),
                (_, None) => return,
                (_, Some(i)) if i + 1 >= history.len() => {
                    *history_at = None;
                    state.input.reset();
                    return;
                }
                (_, Some(i)) => i + 1,
            };
            *history_at = Some(at);
            state.input = tui_input::Input::new(history[at].clone());
        }
        _ => {
            state.input.handle_event(&Event::Key(key));
        }
    }
}
