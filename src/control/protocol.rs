//! The wire format of the control socket.
//!
//! A frame is a kind byte, a big-endian u32 length and the payload. Two kinds: [`MSG`] carries one JSON message
//! ([`ClientMsg`] or [`ServerMsg`]), [`DATA`] carries raw bytes (the caller's stdin going in, a command's streamed
//! output coming out). The kind bytes differ from the first protocol's (0–5), so that a mismatched client and daemon
//! fail at once instead of misreading each other.
//!
//! A run: the client sends `Run`, then (if the command reads stdin) DATA frames and `StdinEnd`, and may send
//! `Cancel` at any time; closing the connection cancels too. The daemon answers `Started` with the op id, then
//! `Event`s and DATA frames, then exactly one `Done`. A watch: the client sends `Watch` and receives `Node` events
//! until it goes away.

use std::io::{Read, Write};

use serde::{Deserialize, Serialize};

use crate::node::events::Event;
use crate::ops::{Call, OpEvent, OpId, Outcome};

/// Protocol version: a daemon refuses a client that speaks another one.
pub const VERSION: u32 = 2;

pub const MSG: u8 = 0x10;
pub const DATA: u8 = 0x11;
/// Frames larger than this are refused.
pub const MAX_FRAME: u32 = 4 << 20;
/// DATA frames are cut at this size.
pub const DATA_CHUNK: usize = 256 << 10;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMsg {
    /// Run a command; `stdin` says whether DATA frames and a `StdinEnd` follow.
    Run {
        version: u32,
        call: Box<Call>,
        stdin: bool,
    },
    /// Stream every node event from now on.
    Watch {
        version: u32,
    },
    StdinEnd,
    Cancel,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    Started {
        op: OpId,
    },
    Event {
        op: OpId,
        event: OpEvent,
    },
    Done {
        op: OpId,
        result: Result<Outcome, Failure>,
    },
    /// A node event, for a watching client. `dropped` events count what this client missed, cumulatively.
    Node {
        event: Event,
    },
    /// The connection is refused (another user, another protocol version); one line saying why.
    Refused {
        reason: String,
    },
}

/// Why a command failed, as one line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub message: String,
    /// The command was cancelled (by the client, or because it went away).
    #[serde(default)]
    pub cancelled: bool,
}

/// One frame read.
#[derive(Debug)]
pub enum Frame<T> {
    Msg(T),
    Data(Vec<u8>),
}

fn write_frame(w: &mut impl Write, kind: u8, payload: &[u8]) -> std::io::Result<()> {
    let mut head = [0u8; 5];
    head[0] = kind;
    head[1..].copy_from_slice(&(payload.len() as u32).to_be_bytes());
    w.write_all(&head)?;
    w.write_all(payload)
}

pub fn write_msg(w: &mut impl Write, msg: &impl Serialize) -> std::io::Result<()> {
    write_frame(w, MSG, &serde_json::to_vec(msg)?)
}

/// Writes `data` as DATA frames of at most [`DATA_CHUNK`] bytes.
pub fn write_data(w: &mut impl Write, data: &[u8]) -> std::io::Result<()> {
    data.chunks(DATA_CHUNK).try_for_each(|chunk| write_frame(w, DATA, chunk))
}

/// The next frame, or `None` at a clean end of stream.
pub fn read_frame<T: serde::de::DeserializeOwned>(r: &mut impl Read) -> std::io::Result<Option<Frame<T>>> {
    let mut head = [0u8; 5];
    match r.read_exact(&mut head) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]);
    if len > MAX_FRAME {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "control frame too large"));
    }
    let mut payload = vec![0u8; len as usize];
    r.read_exact(&mut payload)?;
    match head[0] {
        MSG => serde_json::from_slice(&payload)
            .map(|m| Some(Frame::Msg(m)))
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("bad control message: {e}"))),
        DATA => Ok(Some(Frame::Data(payload))),
        kind => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("unknown control frame kind {kind} (is the daemon another swarmscope version? restart it)"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::Request;

    #[test]
    fn frames_round_trip_and_oversized_or_unknown_ones_are_refused() {
        let mut wire = Vec::new();
        let run = ClientMsg::Run { version: VERSION, call: Box::new(Call::here(Request::RepoStat)), stdin: false };
        write_msg(&mut wire, &run).unwrap();
        write_data(&mut wire, &vec![7u8; DATA_CHUNK + 1]).unwrap();
        let mut r = &wire[..];
        assert!(matches!(read_frame::<ClientMsg>(&mut r).unwrap(), Some(Frame::Msg(m)) if m == run));
        assert!(matches!(read_frame::<ClientMsg>(&mut r).unwrap(), Some(Frame::Data(d)) if d.len() == DATA_CHUNK));
        assert!(matches!(read_frame::<ClientMsg>(&mut r).unwrap(), Some(Frame::Data(d)) if d.len() == 1));
        assert!(read_frame::<ClientMsg>(&mut r).unwrap().is_none());

        let mut huge = vec![MSG];
        huge.extend_from_slice(&(MAX_FRAME + 1).to_be_bytes());
        assert!(read_frame::<ClientMsg>(&mut &huge[..]).is_err());
        let old = [0u8, 0, 0, 0, 2, b'{', b'}'];
        let e = read_frame::<ClientMsg>(&mut &old[..]).unwrap_err();
        assert!(e.to_string().contains("another swarmscope version"), "{e}");
    }
}
