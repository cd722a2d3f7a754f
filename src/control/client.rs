//! The caller's side of the control socket: runs a command in the repo's daemon for an [`Observer`] (the CLI's
//! terminal, the attached TUI), and watches the daemon's events.

use std::io::{BufReader, Read};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, anyhow, bail};
use tokio_util::sync::CancellationToken;

use super::protocol::{ClientMsg, DATA_CHUNK, Frame, ServerMsg, VERSION, read_frame, write_data, write_msg};
use crate::node::events::Event;
use crate::ops::{Call, Cancelled, Observer, Outcome};

/// The daemon of one repo.
#[derive(Clone, Debug)]
pub struct Client {
    socket: PathBuf,
}

impl Client {
    /// The repo's daemon, `None` when none listens. A socket this user may not use is an error that says so (the
    /// command must not quietly run without the daemon).
    pub fn connect(repo: &Path) -> Result<Option<Self>> {
        let socket = repo.join(super::SOCKET);
        match UnixStream::connect(&socket) {
            Ok(_) => Ok(Some(Self { socket })),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused) => {
                Ok(None)
            }
            Err(e) => Err(anyhow!("cannot reach the daemon of repo {}: {e}", repo.display())),
        }
    }

    fn open(&self) -> Result<UnixStream> {
        UnixStream::connect(&self.socket).context("the daemon is gone")
    }

    /// Runs `call` in the daemon. `stdin` streams in when given; `cancel` (or dropping the connection, as when this
    /// process ends) stops the command there.
    pub fn run(
        &self,
        call: Call,
        stdin: Option<Box<dyn Read + Send>>,
        cancel: Option<CancellationToken>,
        observer: &mut dyn Observer,
    ) -> Result<Outcome> {
        let stream = self.open()?;
        let writer = Arc::new(Mutex::new(stream.try_clone()?));
        let has_stdin = stdin.is_some();
        // A refused connection may already be closed for writing: read the refusal before judging the write.
        let sent = write_msg(
            &mut *lock(&writer),
            &ClientMsg::Run { version: VERSION, call: Box::new(call), stdin: has_stdin },
        );
        if let (Ok(()), Some(input)) = (&sent, stdin) {
            let w = writer.clone();
            std::thread::Builder::new().name("control-stdin".into()).spawn(move || send_stdin(input, &w))?;
        }
        let done = CancellationToken::new();
        if let Some(cancel) = cancel {
            let (w, done) = (writer.clone(), done.clone());
            std::thread::Builder::new().name("control-cancel".into()).spawn(move || {
                futures::executor::block_on(async {
                    tokio::select! {
                        _ = cancel.cancelled() => { let _ = write_msg(&mut *lock(&w), &ClientMsg::Cancel); }
                        _ = done.cancelled() => {}
                    }
                })
            })?;
        }
        let result = receive(&mut BufReader::with_capacity(1 << 20, &stream), observer);
        done.cancel();
        // Whatever happened, the daemon learns that this call is over (and cancels it if it still runs).
        let _ = stream.shutdown(std::net::Shutdown::Both);
        match result {
            Err(e) if sent.is_err() => Err(e.context(format!("sending the request: {}", sent.unwrap_err()))),
            other => other,
        }
    }

    /// Every node event from now on; the iterator ends when the daemon goes away.
    pub fn watch(&self) -> Result<impl Iterator<Item = Event> + use<>> {
        let stream = self.open()?;
        let mut w = &stream;
        write_msg(&mut w, &ClientMsg::Watch { version: VERSION })?;
        let mut reader = BufReader::new(stream);
        Ok(std::iter::from_fn(move || {
            loop {
                match read_frame::<ServerMsg>(&mut reader) {
                    Ok(Some(Frame::Msg(ServerMsg::Node { event }))) => return Some(event),
                    Ok(Some(Frame::Msg(ServerMsg::Refused { reason }))) => {
                        tracing::error!("the daemon refused to stream its events: {reason}");
                        return None;
                    }
                    Ok(Some(_)) => {}
                    Ok(None) | Err(_) => return None,
                }
            }
        }))
    }
}

fn lock(w: &Arc<Mutex<UnixStream>>) -> std::sync::MutexGuard<'_, UnixStream> {
    w.lock().unwrap_or_else(|e| e.into_inner())
}

/// Streams `input` as DATA frames, then `StdinEnd`; a read error here cancels the command (it must not see a
/// short input as complete).
fn send_stdin(mut input: Box<dyn Read + Send>, writer: &Arc<Mutex<UnixStream>>) {
    let mut buf = vec![0u8; DATA_CHUNK];
    loop {
        match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if write_data(&mut *lock(writer), &buf[..n]).is_err() {
                    return;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => {
                let _ = write_msg(&mut *lock(writer), &ClientMsg::Cancel);
                return;
            }
        }
    }
    let _ = write_msg(&mut *lock(writer), &ClientMsg::StdinEnd);
}

/// Reads the daemon's answer to a run, passing progress and output to `observer`, up to the result.
fn receive(reader: &mut impl Read, observer: &mut dyn Observer) -> Result<Outcome> {
    loop {
        let frame = read_frame::<ServerMsg>(reader).context("reading from the daemon")?;
        match frame {
            // The daemon sends a DATA frame when its chunk is full or the command flushed (`routing findprovs`
            // after each provider): pass it on now.
            Some(Frame::Data(data)) => {
                observer.output(&data)?;
                observer.flush()?
            }
            Some(Frame::Msg(ServerMsg::Started { op })) => observer.started(op)?,
            Some(Frame::Msg(ServerMsg::Event { op, event })) => observer.event(op, event)?,
            Some(Frame::Msg(ServerMsg::Done { result, .. })) => {
                observer.flush()?;
                return match result {
                    Ok(outcome) => Ok(outcome),
                    Err(f) if f.cancelled => Err(Cancelled.into()),
                    Err(f) => Err(anyhow!(f.message)),
                };
            }
            Some(Frame::Msg(ServerMsg::Refused { reason })) => bail!("the daemon refused this connection: {reason}"),
            Some(Frame::Msg(ServerMsg::Node { .. })) => {}
            None => {
                observer.flush()?;
                bail!("the daemon closed the connection before the command finished")
            }
        }
    }
}
