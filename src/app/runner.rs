//! Runs the TUI's jobs off the UI loop, through the command layer: on this process's node and store, or inside
//! the daemon that holds the repo (the loop's [`super::msg::Effect::Run`]). Progress and the result come back to the
//! loop as messages.

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::job::{Job, Shown, Target};
use super::msg::{JobDone, Msg};
use crate::control::client::Client;
use crate::ops::{Observer, OpEvent, OpId, Shared, one_line, run_local};

/// Where jobs run.
#[derive(Clone)]
pub enum Backend {
    /// This process's node and store.
    Local { repo: std::path::PathBuf, shared: Shared },
    /// The daemon that holds the repo.
    Daemon(Arc<Client>),
}

/// The cancel tokens of the running jobs, by op id: the loop cancels one when the reducer asks
/// ([`super::msg::Effect::Cancel`]); a job's entry goes when it ends.
#[derive(Clone, Default)]
pub struct Cancels(Arc<std::sync::Mutex<std::collections::HashMap<OpId, CancellationToken>>>);

impl Cancels {
    /// Cancels `op` if it is running (locally its command stops at its next check; in a daemon the client sends
    /// `Cancel`). Returns whether it was running.
    pub fn cancel(&self, op: OpId) -> bool {
        let token = self.0.lock().unwrap_or_else(|e| e.into_inner()).get(&op).cloned();
        token.map(|t| t.cancel()).is_some()
    }

    fn insert(&self, op: OpId, token: CancellationToken) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).insert(op, token);
    }

    fn remove(&self, op: OpId) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).remove(&op);
    }
}

/// Runs `job` on the blocking pool; everything it reports goes to `events`; `cancels` can stop it once started.
pub fn spawn(backend: &Backend, job: Job, events: mpsc::Sender<Msg>, cancels: &Cancels) {
    let backend = backend.clone();
    let cancels = cancels.clone();
    tokio::task::spawn_blocking(move || {
        let cancel = CancellationToken::new();
        let Job { kind, target, shown, call, stdin } = job;
        let cap = call.output_cap.unwrap_or(u64::MAX);
        let mut observer = Reporter {
            events: events.clone(),
            op: OpId::default(),
            kind,
            target: target.clone(),
            shown,
            output: Vec::new(),
            cap,
            cancel: cancel.clone(),
            cancels: cancels.clone(),
        };
        let result = match backend {
            Backend::Local { repo, shared } => {
                let mut input = std::io::Cursor::new(stdin.unwrap_or_default());
                run_local(call, repo, Some(shared), &mut input, cancel, &mut observer)
            }
            Backend::Daemon(client) => {
                let input = stdin.map(|b| Box::new(std::io::Cursor::new(b)) as Box<dyn std::io::Read + Send>);
                client.run(call, input, Some(cancel), &mut observer)
            }
        };
        match &result {
            Ok(outcome) => tracing::info!("{kind} {target}: {}", super::job::summary(outcome)),
            Err(e) => tracing::error!("{kind} {target}: {}", one_line(e)),
        }
        cancels.remove(observer.op);
        let done = JobDone {
            id: observer.op,
            kind,
            target,
            shown,
            result: result.map_err(|e| one_line(&e)),
            output: observer.output,
        };
        let _ = events.blocking_send(Msg::JobDone(Box::new(done)));
    });
}

/// Passes a job's progress to the loop and keeps its streamed output (up to the job's cap).
struct Reporter {
    events: mpsc::Sender<Msg>,
    op: OpId,
    kind: &'static str,
    target: Target,
    shown: Shown,
    output: Vec<u8>,
    cap: u64,
    cancel: CancellationToken,
    cancels: Cancels,
}

impl Observer for Reporter {
    fn started(&mut self, op: OpId) -> std::io::Result<()> {
        self.op = op;
        self.cancels.insert(op, self.cancel.clone());
        if self.shown == Shown::Operation {
            let started = Msg::OpStarted { id: op, kind: self.kind.to_string(), target: self.target.clone() };
            let _ = self.events.blocking_send(started);
        }
        Ok(())
    }

    fn event(&mut self, op: OpId, event: OpEvent) -> std::io::Result<()> {
        // Progress may come from inside the command's `block_on` (where blocking is not allowed); a counter lost
        // to a full channel is made good by the next one and by the result.
        let _ = self.events.try_send(Msg::OpProgress { id: op, event });
        Ok(())
    }

    fn output(&mut self, data: &[u8]) -> std::io::Result<()> {
        let room = (self.cap - self.output.len() as u64).min(data.len() as u64) as usize;
        self.output.extend_from_slice(&data[..room]);
        Ok(())
    }
}
