//! The control socket: while a daemon holds a repo, the CLI's commands for that repo run inside the daemon (on
//! its open store and its node) and stream their output back. `repo/control.sock`, owner-only.
//!
//! Frames in both directions: a kind byte, a big-endian u32 length, the payload. Client to daemon: one REQUEST
//! (JSON `{"argv": [...], "cwd": "..."}`), then STDIN data frames and one STDIN_EOF. Daemon to client: STDOUT and
//! STDERR data, then one EXIT with the exit code (i32, big-endian).

use std::io::{BufWriter, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Parser;
use serde::{Deserialize, Serialize};

use super::ctx::{Ctx, Shared};
use crate::cli::{BlockCommand, Cli, Command};

pub const SOCKET: &str = "control.sock";

const REQUEST: u8 = 0;
const STDIN: u8 = 1;
const STDIN_EOF: u8 = 2;
const STDOUT: u8 = 3;
const STDERR: u8 = 4;
const EXIT: u8 = 5;
/// Frames larger than this are refused (a request is small; data frames are cut at 1 MiB).
const MAX_FRAME: u32 = 4 << 20;

/// A command that ran in the daemon and failed: it already printed its error.
#[derive(Debug, thiserror::Error)]
#[error("the command failed in the daemon (exit code {0})")]
pub struct RemoteFailed(pub i32);

#[derive(Serialize, Deserialize)]
struct Request {
    argv: Vec<String>,
    cwd: PathBuf,
    /// Instead of running a command, stream every node event as a JSON line until the client goes away.
    #[serde(default)]
    watch: bool,
}

fn write_frame(w: &mut impl Write, kind: u8, payload: &[u8]) -> std::io::Result<()> {
    let mut head = [0u8; 5];
    head[0] = kind;
    head[1..].copy_from_slice(&(payload.len() as u32).to_be_bytes());
    w.write_all(&head)?;
    w.write_all(payload)
}

fn read_frame(r: &mut impl Read) -> std::io::Result<Option<(u8, Vec<u8>)>> {
    let mut head = [0u8; 5];
    match r.read_exact(&mut head) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = u32::from_be_bytes(head[1..].try_into().expect("4 bytes"));
    if len > MAX_FRAME {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "control frame too large"));
    }
    let mut payload = vec![0u8; len as usize];
    r.read_exact(&mut payload)?;
    Ok(Some((head[0], payload)))
}

fn needs_stdin(command: &Command) -> bool {
    match command {
        Command::Add(a) => a.paths.iter().any(|p| p.as_os_str() == "-"),
        Command::Block(BlockCommand::Put { .. }) => true,
        _ => false,
    }
}

/// Runs `command` in the repo's daemon if one listens; `Ok(None)` when there is none.
pub fn forward_if_daemon(repo: &Path, command: &Command) -> Result<Option<i32>> {
    let Ok(stream) = UnixStream::connect(repo.join(SOCKET)) else { return Ok(None) };
    let request = Request {
        argv: std::env::args().collect(),
        cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        watch: false,
    };
    let mut writer = stream.try_clone()?;
    write_frame(&mut writer, REQUEST, &serde_json::to_vec(&request)?)?;
    if needs_stdin(command) {
        std::thread::spawn(move || {
            let mut stdin = std::io::stdin().lock();
            let mut buf = vec![0u8; 1 << 20];
            loop {
                match stdin.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if write_frame(&mut writer, STDIN, &buf[..n]).is_err() {
                            return;
                        }
                    }
                }
            }
            let _ = write_frame(&mut writer, STDIN_EOF, &[]);
        });
    } else {
        // The command may already have finished and closed the socket: its output is still there to read.
        let _ = write_frame(&mut writer, STDIN_EOF, &[]);
    }
    let mut reader = std::io::BufReader::with_capacity(1 << 20, stream);
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
    let mut err = std::io::stderr();
    while let Some((kind, payload)) = read_frame(&mut reader).context("reading from the daemon")? {
        match kind {
            STDOUT => out.write_all(&payload)?,
            STDERR => {
                out.flush()?;
                err.write_all(&payload)?;
            }
            EXIT => {
                out.flush()?;
                let code = i32::from_be_bytes(payload.get(..4).and_then(|b| b.try_into().ok()).unwrap_or([0, 0, 0, 1]));
                return Ok(Some(code));
            }
            _ => {}
        }
    }
    out.flush()?;
    anyhow::bail!("the daemon closed the connection before the command finished")
}

/// Output of a command running for a client: every write becomes a frame.
struct FrameOut {
    stream: UnixStream,
    kind: u8,
}

impl Write for FrameOut {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = buf.len().min(1 << 20);
        write_frame(&mut self.stream, self.kind, &buf[..n])?;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.stream.flush()
    }
}

/// The client's stdin, from its STDIN frames.
struct FrameIn {
    stream: UnixStream,
    pending: Vec<u8>,
    at: usize,
    eof: bool,
}

impl Read for FrameIn {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.pending.len() {
            if self.eof {
                return Ok(0);
            }
            match read_frame(&mut self.stream)? {
                Some((STDIN, data)) => {
                    self.pending = data;
                    self.at = 0;
                }
                Some((STDIN_EOF, _)) | None => self.eof = true,
                Some(_) => {}
            }
        }
        let n = buf.len().min(self.pending.len() - self.at);
        buf[..n].copy_from_slice(&self.pending[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Listens on the repo's control socket (replacing a stale one: the repo lock says no other daemon runs) and
/// runs each client's command on its own thread.
pub fn serve(repo: &Path, shared: Shared) -> Result<()> {
    let path = repo.join(SOCKET);
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path).with_context(|| format!("cannot listen on {}", path.display()))?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    }
    let repo = repo.to_path_buf();
    std::thread::Builder::new().name("control-socket".into()).spawn(move || {
        for stream in listener.incoming().flatten() {
            let shared = shared.clone();
            let repo = repo.clone();
            let _ = std::thread::Builder::new().name("control-client".into()).spawn(move || {
                let _ = handle_client(stream, &repo, shared);
            });
        }
    })?;
    Ok(())
}

fn handle_client(stream: UnixStream, repo: &Path, shared: Shared) -> Result<()> {
    let mut reader = stream.try_clone()?;
    let Some((REQUEST, body)) = read_frame(&mut reader)? else { anyhow::bail!("no request") };
    let request: Request = serde_json::from_slice(&body)?;
    if request.watch {
        return watch(stream, &shared);
    }
    let mut out = BufWriter::with_capacity(1 << 20, FrameOut { stream: stream.try_clone()?, kind: STDOUT });
    let mut err = FrameOut { stream: stream.try_clone()?, kind: STDERR };
    let mut input = FrameIn { stream: reader, pending: Vec::new(), at: 0, eof: false };
    let code: i32 = match Cli::try_parse_from(&request.argv) {
        Err(e) => {
            writeln!(err, "error: {}", e.to_string().lines().next().unwrap_or("invalid arguments"))?;
            2
        }
        Ok(Cli { command: None, .. }) => 0,
        Ok(Cli { command: Some(command), .. }) => {
            let mut ctx = Ctx {
                repo: repo.to_path_buf(),
                out: &mut out,
                err: &mut err,
                input: &mut input,
                cwd: request.cwd,
                progress: false,
                shared: Some(shared),
            };
            let result = super::dispatch(&mut ctx, command);
            let flushed = out.flush();
            match result.and(flushed.map_err(Into::into)) {
                Ok(()) => 0,
                Err(e) => {
                    writeln!(err, "error: {}", super::one_line(&e))?;
                    1
                }
            }
        }
    };
    out.flush()?;
    let mut s = stream;
    write_frame(&mut s, EXIT, &code.to_be_bytes())?;
    Ok(())
}

/// Streams node events to a watching client, one JSON line per STDOUT frame; a client too slow for the broadcast
/// is told how many it missed.
fn watch(mut stream: UnixStream, shared: &Shared) -> Result<()> {
    use tokio::sync::broadcast::error::RecvError;
    let mut events = shared.events.subscribe();
    let mut relay = crate::node::relay::Relay::default();
    loop {
        let event = match events.blocking_recv() {
            Ok(e) => relay.pass(e),
            Err(RecvError::Lagged(n)) => relay.lagged(n),
            Err(RecvError::Closed) => return Ok(()),
        };
        let mut line = serde_json::to_vec(&event)?;
        line.push(b'\n');
        write_frame(&mut stream, STDOUT, &line)?;
    }
}

/// A connection to a repo's daemon, for programs (the attached TUI) rather than the CLI.
pub struct Client {
    socket: PathBuf,
}

/// What a command run through the daemon printed, and its exit code.
pub struct Output {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Client {
    /// The repo's daemon, if one answers.
    pub fn connect(repo: &Path) -> Option<Self> {
        let socket = repo.join(SOCKET);
        UnixStream::connect(&socket).ok().map(|_| Self { socket })
    }

    /// Runs `args` (without the program name) in the daemon, with `stdin`, from `cwd`.
    pub fn run(&self, args: &[String], stdin: &[u8], cwd: &Path) -> Result<Output> {
        let stream = UnixStream::connect(&self.socket).context("the daemon is gone")?;
        let mut writer = stream.try_clone()?;
        let mut argv = vec!["swarmscope".to_string()];
        argv.extend_from_slice(args);
        let request = Request { argv, cwd: cwd.to_path_buf(), watch: false };
        write_frame(&mut writer, REQUEST, &serde_json::to_vec(&request)?)?;
        // A command that reads no stdin may finish (and close) before its stdin is written: not an error.
        let _ = stdin.chunks(1 << 20).try_for_each(|chunk| write_frame(&mut writer, STDIN, chunk));
        let _ = write_frame(&mut writer, STDIN_EOF, &[]);
        let mut reader = std::io::BufReader::new(stream);
        let mut out = Output { code: 1, stdout: Vec::new(), stderr: Vec::new() };
        while let Some((kind, payload)) = read_frame(&mut reader)? {
            match kind {
                STDOUT => out.stdout.extend_from_slice(&payload),
                STDERR => out.stderr.extend_from_slice(&payload),
                EXIT => {
                    out.code =
                        i32::from_be_bytes(payload.get(..4).and_then(|b| b.try_into().ok()).unwrap_or([0, 0, 0, 1]));
                    return Ok(out);
                }
                _ => {}
            }
        }
        anyhow::bail!("the daemon closed the connection before the command finished")
    }

    /// Every node event from now on; the iterator ends when the daemon goes away.
    pub fn watch(&self) -> Result<impl Iterator<Item = crate::node::events::Event> + use<>> {
        let stream = UnixStream::connect(&self.socket).context("the daemon is gone")?;
        let mut writer = stream.try_clone()?;
        let request = Request { argv: Vec::new(), cwd: PathBuf::new(), watch: true };
        write_frame(&mut writer, REQUEST, &serde_json::to_vec(&request)?)?;
        let mut reader = std::io::BufReader::new(stream);
        let mut pending = Vec::<u8>::new();
        Ok(std::iter::from_fn(move || {
            loop {
                if let Some(nl) = pending.iter().position(|b| *b == b'\n') {
                    let line: Vec<u8> = pending.drain(..=nl).collect();
                    match serde_json::from_slice(&line) {
                        Ok(event) => return Some(event),
                        Err(_) => continue,
                    }
                }
                match read_frame(&mut reader) {
                    Ok(Some((STDOUT, data))) => pending.extend_from_slice(&data),
                    Ok(Some(_)) => {}
                    _ => return None,
                }
            }
        }))
    }
}
