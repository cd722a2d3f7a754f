//! The daemon's side of the control socket: each client on its own thread, its command run with
//! [`crate::ops::run_local`] on the daemon's store and node. A client's stdin streams in through a bounded channel;
//! an explicit cancel or the client going away cancels its command.

use std::io::{BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use anyhow::Result;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::protocol::{ClientMsg, DATA_CHUNK, Failure, Frame, ServerMsg, VERSION, read_frame, write_data, write_msg};
use crate::node::events::{Event, NodeEvent};
use crate::node::relay::Relay;
use crate::ops::{Call, Cancelled, Observer, OpEvent, OpId, Shared, one_line, run_local};

/// What the daemon lends to its clients.
#[derive(Clone)]
pub struct Daemon {
    pub repo: PathBuf,
    pub shared: Shared,
    /// Every node event, for clients that watch (an attached TUI).
    pub events: broadcast::Sender<Event>,
}

/// Listens on the repo's control socket and serves each client on its own thread.
pub fn serve(daemon: Daemon) -> Result<()> {
    let listener = super::socket::bind(&daemon.repo)?;
    std::thread::Builder::new().name("control-socket".into()).spawn(move || accept(listener, daemon))?;
    Ok(())
}

fn accept(listener: UnixListener, daemon: Daemon) {
    for stream in listener.incoming().flatten() {
        let daemon = daemon.clone();
        let _ = std::thread::Builder::new().name("control-client".into()).spawn(move || {
            let _ = client(stream, &daemon);
        });
    }
}

fn refuse(mut stream: &UnixStream, reason: String) -> Result<()> {
    write_msg(&mut stream, &ServerMsg::Refused { reason })?;
    Ok(())
}

fn client(stream: UnixStream, daemon: &Daemon) -> Result<()> {
    if let Err(reason) = super::socket::check_peer(&stream) {
        let logged = daemon.shared.node.report(NodeEvent::Error { message: format!("control socket: {reason}") });
        daemon.shared.runtime.block_on(logged);
        return refuse(&stream, reason);
    }
    let mut reader = BufReader::new(stream.try_clone()?);
    let first = match read_frame::<ClientMsg>(&mut reader) {
        Ok(Some(Frame::Msg(m))) => m,
        // A probe that only checked that a daemon listens.
        Ok(None) => return Ok(()),
        Ok(Some(Frame::Data(_))) | Err(_) => {
            return refuse(&stream, "not a request of this swarmscope version (restart the daemon?)".into());
        }
    };
    match first {
        ClientMsg::Run { version, .. } | ClientMsg::Watch { version } if version != VERSION => {
            refuse(&stream, format!("protocol version {version}, the daemon speaks {VERSION} (restart the daemon?)"))
        }
        ClientMsg::Run { call, stdin, .. } => run(stream, reader, *call, stdin, daemon),
        ClientMsg::Watch { .. } => watch(stream, daemon),
        ClientMsg::StdinEnd | ClientMsg::Cancel => Ok(()),
    }
}

/// What the reader thread passes on from the client.
enum Input {
    Chunk(Vec<u8>),
    End,
}

fn run(stream: UnixStream, mut reader: BufReader<UnixStream>, call: Call, stdin: bool, daemon: &Daemon) -> Result<()> {
    let cancel = CancellationToken::new();
    let (tx, rx) = sync_channel::<Input>(4);
    let watcher = cancel.clone();
    std::thread::Builder::new().name("control-input".into()).spawn(move || read_client(&mut reader, &tx, &watcher))?;
    let mut input: Box<dyn Read> = if stdin {
        Box::new(ClientInput { rx, pending: Vec::new(), at: 0, ended: false })
    } else {
        drop(rx);
        Box::new(std::io::empty())
    };
    let mut observer = Frames { stream: stream.try_clone()?, op: OpId::default(), buf: Vec::new() };
    let result = run_local(call, daemon.repo.clone(), Some(daemon.shared.clone()), &mut input, cancel, &mut observer);
    let result = result.map_err(|e| Failure { message: one_line(&e), cancelled: e.is::<Cancelled>() });
    let mut s = &stream;
    let sent = write_msg(&mut s, &ServerMsg::Done { op: observer.op, result });
    // Ends the reader thread (the client may keep its end open).
    let _ = stream.shutdown(std::net::Shutdown::Both);
    Ok(sent?)
}

/// Reads what the client sends while its command runs: stdin, `StdinEnd`, `Cancel`; the connection closing
/// (the client exited, was killed, or gave up) cancels the command.
fn read_client(reader: &mut impl Read, tx: &SyncSender<Input>, cancel: &CancellationToken) {
    loop {
        match read_frame::<ClientMsg>(reader) {
            Ok(Some(Frame::Data(chunk))) => {
                if tx.send(Input::Chunk(chunk)).is_err() {
                    // The command does not read stdin (or finished): keep watching for a cancel.
                    continue;
                }
            }
            Ok(Some(Frame::Msg(ClientMsg::StdinEnd))) => {
                let _ = tx.send(Input::End);
            }
            Ok(Some(Frame::Msg(ClientMsg::Cancel))) => cancel.cancel(),
            Ok(Some(Frame::Msg(_))) => {}
            Ok(None) | Err(_) => {
                cancel.cancel();
                return;
            }
        }
    }
}

/// The client's stdin, from its DATA frames. Ends only at an explicit `StdinEnd`: a client that goes away midway
/// is an error here (and a cancel), never a short file.
struct ClientInput {
    rx: Receiver<Input>,
    pending: Vec<u8>,
    at: usize,
    ended: bool,
}

impl Read for ClientInput {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.pending.len() {
            if self.ended {
                return Ok(0);
            }
            match self.rx.recv() {
                Ok(Input::Chunk(data)) => {
                    self.pending = data;
                    self.at = 0;
                }
                Ok(Input::End) => self.ended = true,
                Err(_) => return Err(std::io::Error::other(Cancelled)),
            }
        }
        let n = buf.len().min(self.pending.len() - self.at);
        buf[..n].copy_from_slice(&self.pending[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// A running command's progress and output, as frames to its client. Output is gathered into DATA frames of
/// [`DATA_CHUNK`] bytes (a CAR writer makes many small writes).
struct Frames {
    stream: UnixStream,
    op: OpId,
    buf: Vec<u8>,
}

impl Frames {
    fn send_data(&mut self) -> std::io::Result<()> {
        if !self.buf.is_empty() {
            write_data(&mut self.stream, &self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }
}

impl Observer for Frames {
    fn started(&mut self, op: OpId) -> std::io::Result<()> {
        self.op = op;
        write_msg(&mut self.stream, &ServerMsg::Started { op })
    }

    fn event(&mut self, op: OpId, event: OpEvent) -> std::io::Result<()> {
        self.send_data()?;
        write_msg(&mut self.stream, &ServerMsg::Event { op, event })
    }

    fn output(&mut self, data: &[u8]) -> std::io::Result<()> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= DATA_CHUNK {
            self.send_data()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send_data()?;
        self.stream.flush()
    }
}

/// Streams node events to a watching client until it goes away. `dropped` counts, cumulatively, every event this
/// client missed: those the node could not deliver to the daemon plus those this client was too slow for.
fn watch(mut stream: UnixStream, daemon: &Daemon) -> Result<()> {
    use tokio::sync::broadcast::error::RecvError;
    let mut events = daemon.events.subscribe();
    let mut relay = Relay::default();
    loop {
        let event = match events.blocking_recv() {
            Ok(e) => relay.pass(e),
            Err(RecvError::Lagged(n)) => relay.lagged(n),
            Err(RecvError::Closed) => return Ok(()),
        };
        write_msg(&mut stream, &ServerMsg::Node { event })?;
    }
}
