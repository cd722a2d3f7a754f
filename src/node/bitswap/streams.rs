//! Bitswap over libp2p streams: inbound readers (one task per stream) and one outbound actor per peer, which
//! also serves that peer's wants from the blockstore. They talk to the node task through bounded channels: a slow
//! node slows the peer's stream (backpressure), never the node.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use libp2p::{PeerId, Stream};
use tokio::sync::mpsc;

use super::budget::{Budget, Charge};
use super::codec::{MAX_MESSAGE, read_message_with, write_message};
use super::inbound::Inbound;
use super::message::WantType;
use super::protocol::{Outgoing, PROTOCOLS, Parsed, Version, parse};
use super::serve_queue::{Queued, ServeQueue};
use super::wantlist::Entry;
use crate::node::block::Block;
use crate::node::blockstore::Blockstore;

/// Blocks up to this size answer a WANT_HAVE directly (boxo does the same: the block costs less than a round trip).
pub const SEND_BLOCK_FOR_HAVE_MAX: u64 = 1024;
/// Blocks over this size are never sent: Bitswap peers (boxo, Helia) take blocks up to 2 MiB, and a bigger one
/// could not share a 4 MiB frame. A want for one is answered DONT_HAVE and counted against the asking peer.
pub const MAX_SERVED_BLOCK: u64 = 2 << 20;
/// Blocks per outgoing message stop being added past this many bytes (the limit is 4 MiB, and one block is at most
/// `MAX_SERVED_BLOCK`): also what a peer's actor holds of block bytes at most, one message's worth.
pub const SERVE_BYTES: usize = 2 << 20;
/// Wants answered per store round trip (and per message).
const SERVE_BATCH: usize = 32;

/// What stream tasks report to the node task.
#[derive(Debug)]
pub enum StreamEvent {
    Received {
        peer: PeerId,
        version: Version,
        parsed: Parsed,
    },
    ProtocolError {
        peer: PeerId,
        error: String,
    },
    /// A message was written to the peer.
    Sent {
        peer: PeerId,
        version: Version,
        out: Outgoing,
    },
    SendFailed {
        peer: PeerId,
        error: String,
    },
    /// A want we would not serve: the block is over `MAX_SERVED_BLOCK`.
    Refused {
        peer: PeerId,
        cid: cid::Cid,
        size: u64,
    },
}

/// Inbound Bitswap streams one peer may have open at once. Each can hold a frame of up to 4 MiB while it arrives,
/// so this bounds what one peer makes the node buffer (128 MiB; all peers together are bounded by
/// `budget::INBOUND_BUDGET`); boxo keeps one stream per peer and Helia a few.
pub const MAX_INBOUND_PER_PEER: usize = 32;

/// Open inbound streams per peer, and the node-wide budget their unfinished frames draw on.
#[derive(Clone, Default)]
pub struct InboundCounts(Arc<Mutex<HashMap<PeerId, usize>>>, Budget);

/// One open inbound stream, counted until dropped.
struct InboundSlot {
    counts: InboundCounts,
    peer: PeerId,
}

impl InboundCounts {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PeerId, usize>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn try_open(&self, peer: PeerId) -> Option<InboundSlot> {
        let mut counts = self.lock();
        let n = counts.entry(peer).or_default();
        if *n >= MAX_INBOUND_PER_PEER {
            return None;
        }
        *n += 1;
        Some(InboundSlot { counts: self.clone(), peer })
    }

    /// Starts a reader for a new inbound stream, or refuses it (the stream is dropped, which resets it) when its
    /// peer already has `MAX_INBOUND_PER_PEER` open; the error says so.
    pub fn accept(&self, inbound: Inbound, events: &mpsc::Sender<StreamEvent>) -> Result<(), String> {
        let Inbound { peer, protocol, stream } = inbound;
        let Some(slot) = self.try_open(peer) else {
            return Err(format!("more than {MAX_INBOUND_PER_PEER} Bitswap streams open at once: refused"));
        };
        let charge = self.1.account(peer);
        tokio::spawn(read_stream(peer, Version::of(&protocol), stream, events.clone(), slot, charge));
        Ok(())
    }
}

impl Drop for InboundSlot {
    fn drop(&mut self) {
        let mut counts = self.counts.lock();
        if let Some(n) = counts.get_mut(&self.peer) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.peer);
            }
        }
    }
}

async fn read_stream(
    peer: PeerId,
    version: Version,
    mut stream: Stream,
    events: mpsc::Sender<StreamEvent>,
    _slot: InboundSlot,
    mut charge: Charge,
) {
    let (evicted, evicted_message) = (charge.evicted(), charge.evicted_message());
    loop {
        // A frame's bytes stay charged until the node task has its message; the budget may reset the stream
        // (dropping it) to make room for a peer holding less.
        let read = {
            let mut grow = |n| charge.grow(n);
            tokio::select! {
                biased;
                _ = evicted.notified() => Err(evicted_message.clone()),
                read = read_message_with(&mut stream, MAX_MESSAGE, &mut grow) => read.map_err(|e| e.to_string()),
            }
        };
        let sent = match read {
            Ok(Some(msg)) => {
                charge.complete();
                let parsed = parse(msg);
                events.send(StreamEvent::Received { peer, version, parsed }).await.is_ok()
            }
            Ok(None) => false,
            Err(error) => {
                let _ = events.send(StreamEvent::ProtocolError { peer, error }).await;
                false
            }
        };
        charge.release();
        if !sent {
            return;
        }
    }
}

/// Commands from the node task to a peer's actor. The peer's wants to serve do not come this way: they wait in its
/// [`ServeQueue`], bounded there.
#[derive(Debug)]
pub enum PeerCmd {
    /// Our wants and cancels for this peer.
    Send(Outgoing),
}

/// Spawns the actor that owns our outbound stream to `peer` and serves the wants in `queue`.
pub fn spawn_peer(
    peer: PeerId,
    control: libp2p_stream::Control,
    store: Blockstore,
    events: mpsc::Sender<StreamEvent>,
    queue: ServeQueue,
) -> mpsc::Sender<PeerCmd> {
    let (tx, rx) = mpsc::channel(1024);
    tokio::spawn(PeerActor { peer, control, store, events, stream: None, queue }.run(rx));
    tx
}

struct PeerActor {
    peer: PeerId,
    control: libp2p_stream::Control,
    store: Blockstore,
    events: mpsc::Sender<StreamEvent>,
    stream: Option<(Stream, Version)>,
    /// Their wants not yet answered, oldest first (shared with the node task, which fills and prunes it).
    queue: ServeQueue,
}

impl PeerActor {
    async fn run(mut self, mut rx: mpsc::Receiver<PeerCmd>) {
        loop {
            // Our own wants first: they are small, and a fetch of ours waits on them.
            let ok = match rx.try_recv() {
                Ok(PeerCmd::Send(out)) => self.send(out).await,
                Err(mpsc::error::TryRecvError::Disconnected) => return,
                Err(mpsc::error::TryRecvError::Empty) if !self.queue.is_empty() => self.serve_some().await,
                Err(mpsc::error::TryRecvError::Empty) => tokio::select! {
                    biased;
                    cmd = rx.recv() => match cmd {
                        Some(PeerCmd::Send(out)) => self.send(out).await,
                        None => return,
                    },
                    () = self.queue.pushed() => true,
                },
            };
            if !ok {
                return;
            }
        }
    }

    /// Answers queued wants from the store, oldest first, in one message: up to `SERVE_BATCH` wants and up to
    /// `SERVE_BYTES` of blocks (so a peer holds at most one message of block bytes in memory here, however much it
    /// asks for). Late wants (the block arrived after the peer asked) are answered only if the block is there.
    async fn serve_some(&mut self) -> bool {
        let (store, queue) = (self.store.clone(), self.queue.clone());
        let looked_up = tokio::task::spawn_blocking(move || {
            let mut out = Vec::new();
            let mut bytes = 0usize;
            while out.len() < SERVE_BATCH && bytes < SERVE_BYTES {
                let Some(queued) = queue.pop() else { break };
                let found = look_up(&store, &queued.entry);
                if let Found::Block(Ok(Some(b))) = &found {
                    bytes += b.len();
                }
                out.push((queued, found));
            }
            out
        })
        .await;
        let Ok(looked_up) = looked_up else { return false };
        let mut out = Outgoing::default();
        let mut bytes = 0usize;
        for (Queued { entry, late }, found) in looked_up {
            match found {
                Found::Have => out.haves.push(entry.cid),
                Found::TooLarge(_) if late => {}
                Found::TooLarge(size) => {
                    out.dont_haves.push(entry.cid);
                    let refused = StreamEvent::Refused { peer: self.peer, cid: entry.cid, size };
                    if self.events.send(refused).await.is_err() {
                        return false;
                    }
                }
                Found::Block(Ok(Some(block))) => {
                    // Past `SERVE_BYTES` the blocks so far go first: a message stays under the 4 MiB limit.
                    if bytes + block.len() > SERVE_BYTES && !out.blocks.is_empty() {
                        if !self.send(std::mem::take(&mut out)).await {
                            return false;
                        }
                        bytes = 0;
                    }
                    bytes += block.len();
                    out.blocks.push(block);
                }
                Found::Block(Ok(None)) | Found::Missing | Found::Block(Err(_)) => {
                    if entry.send_dont_have && !late {
                        out.dont_haves.push(entry.cid);
                    }
                }
            }
        }
        out.is_empty() || self.send(out).await
    }

    /// Writes a message, opening (or reopening once) the stream with the newest version the peer speaks.
    async fn send(&mut self, out: Outgoing) -> bool {
        for attempt in 0..2 {
            if self.stream.is_none() {
                // One more try after a pause: a busy or just-connected peer may fail a first negotiation.
                let opened = match self.open().await {
                    Ok(s) => Ok(s),
                    Err(_) => {
                        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                        self.open().await
                    }
                };
                match opened {
                    Ok(s) => self.stream = Some(s),
                    Err(error) => {
                        let _ = self.events.send(StreamEvent::SendFailed { peer: self.peer, error }).await;
                        return false;
                    }
                }
            }
            let Some((stream, version)) = self.stream.as_mut() else { return false };
            let version = *version;
            let out = out.shaped(version);
            if out.is_empty() {
                return true; // nothing this peer's version can be told
            }
            match write_message(stream, &out.to_message(version)).await {
                Ok(()) => {
                    let _ = self.events.send(StreamEvent::Sent { peer: self.peer, version, out }).await;
                    return true;
                }
                // A broken stream (the peer reset it, a connection was replaced): reopen once.
                Err(_) if attempt == 0 => self.stream = None,
                Err(e) => {
                    let _ = self.events.send(StreamEvent::SendFailed { peer: self.peer, error: e.to_string() }).await;
                    return false;
                }
            }
        }
        false
    }

    async fn open(&mut self) -> Result<(Stream, Version), String> {
        // Newest version first. Any failure moves on to the next version (a peer may reset a stream it does not
        // speak instead of answering "na"); the last error is the one reported.
        let mut last = String::from("no Bitswap protocol in common");
        for protocol in PROTOCOLS {
            match self.control.open_stream(self.peer, protocol.clone()).await {
                Ok(stream) => return Ok((stream, Version::of(&protocol))),
                Err(libp2p_stream::OpenStreamError::UnsupportedProtocol(_)) => continue,
                Err(e) => last = e.to_string(),
            }
        }
        Err(last)
    }
}

/// One want looked up in the store (a blocking call: on a blocking thread).
fn look_up(store: &Blockstore, e: &Entry) -> Found {
    match e.want_type {
        WantType::Have => match store.size(&e.cid) {
            Ok(Some(size)) if size > MAX_SERVED_BLOCK => Found::TooLarge(size),
            Ok(Some(size)) if size <= SEND_BLOCK_FOR_HAVE_MAX => Found::Block(store.get_block(&e.cid)),
            Ok(Some(_)) => Found::Have,
            Ok(None) => Found::Missing,
            Err(err) => Found::Block(Err(err)),
        },
        // One store lookup per served block: the size check comes with the bytes, which the store has verified
        // (hashing once, there).
        WantType::Block => match store.get_block(&e.cid) {
            Ok(Some(block)) if block.len() as u64 > MAX_SERVED_BLOCK => Found::TooLarge(block.len() as u64),
            found => Found::Block(found),
        },
    }
}

enum Found {
    Have,
    TooLarge(u64),
    Missing,
    Block(Result<Option<Block>, crate::node::blockstore::StoreError>),
}
