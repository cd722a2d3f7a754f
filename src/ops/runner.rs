//! Running a command in this process for an [`Observer`]: the CLI's terminal, a control-socket client (inside a
//! daemon), or the TUI. The observer gets the op id, the progress events and the streamed output; if it fails
//! (a closed pipe, a client that went away) the command is cancelled.

use std::cell::RefCell;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Result;
use tokio_util::sync::CancellationToken;

use super::{Call, Ctx, OpEvent, OpId, Outcome, Shared};

/// Byte counters (`Read`, `Fetch`) are passed on at most this often; the latest one is never lost.
const COALESCE: Duration = Duration::from_millis(50);

/// Where a running command's progress and output go.
pub trait Observer {
    /// The command's op id, before anything else.
    fn started(&mut self, _op: OpId) -> std::io::Result<()> {
        Ok(())
    }
    fn event(&mut self, op: OpId, event: OpEvent) -> std::io::Result<()>;
    /// Streamed output (`cat`, `block get`, `dag export` to stdout).
    fn output(&mut self, data: &[u8]) -> std::io::Result<()>;
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `call` here on `repo` (on `shared`'s store and node when a node runs in this process), reading `input`
/// as its stdin, until it finishes or `cancel` fires.
pub fn run_local(
    call: Call,
    repo: PathBuf,
    shared: Option<Shared>,
    input: &mut dyn Read,
    cancel: CancellationToken,
    observer: &mut dyn Observer,
) -> Result<Outcome> {
    let op = OpId::next();
    observer.started(op)?;
    let observer = RefCell::new(observer);
    let failed: RefCell<Option<std::io::Error>> = RefCell::new(None);
    let mut coalesce = Coalesce::default();
    let mut deliver = |event: OpEvent| {
        if failed.borrow().is_some() {
            return;
        }
        if let Err(e) = observer.borrow_mut().event(op, event) {
            *failed.borrow_mut() = Some(e);
            cancel.cancel();
        }
    };
    let result = {
        let mut events = |event: OpEvent| coalesce.push(event, &mut deliver);
        let mut output = ObserverOut(&observer);
        let mut ctx = Ctx {
            repo,
            cwd: call.cwd,
            op,
            shared,
            cancel: cancel.clone(),
            input,
            output: &mut output,
            output_cap: call.output_cap,
            events: &mut events,
        };
        super::run(&mut ctx, call.request)
    };
    coalesce.flush(&mut deliver);
    if let Some(e) = failed.into_inner() {
        return Err(e.into());
    }
    let flushed = observer.borrow_mut().flush();
    let outcome = result?;
    flushed?;
    Ok(outcome)
}

struct ObserverOut<'a, 'b>(&'a RefCell<&'b mut dyn Observer>);

impl Write for ObserverOut<'_, '_> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().output(data)?;
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.borrow_mut().flush()
    }
}

/// Holds back byte counters that come faster than [`COALESCE`]; passes the held one on before any other event
/// and at the end, so that the last figure always arrives.
#[derive(Default)]
struct Coalesce {
    last: Option<Instant>,
    held: Option<OpEvent>,
}

impl Coalesce {
    fn push(&mut self, event: OpEvent, deliver: &mut dyn FnMut(OpEvent)) {
        let counter = matches!(event, OpEvent::Read { .. } | OpEvent::Fetch { .. });
        if !counter {
            self.flush(deliver);
            deliver(event);
            return;
        }
        let now = Instant::now();
        if self.last.is_some_and(|t| now.duration_since(t) < COALESCE) {
            self.held = Some(event);
            return;
        }
        self.last = Some(now);
        self.held = None;
        deliver(event);
    }

    fn flush(&mut self, deliver: &mut dyn FnMut(OpEvent)) {
        if let Some(event) = self.held.take() {
            self.last = Some(Instant::now());
            deliver(event);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_coalesced_and_the_last_one_always_arrives() {
        let mut c = Coalesce::default();
        let mut seen = Vec::new();
        for bytes in 1..=1000 {
            c.push(OpEvent::Read { bytes }, &mut |e| seen.push(e));
        }
        assert!(seen.len() < 10, "{} events passed", seen.len());
        c.push(OpEvent::Warning { message: "w".into() }, &mut |e| seen.push(e));
        let n = seen.len();
        assert_eq!(seen[n - 2], OpEvent::Read { bytes: 1000 }, "the held counter goes first");
        assert_eq!(seen[n - 1], OpEvent::Warning { message: "w".into() });
    }
}
