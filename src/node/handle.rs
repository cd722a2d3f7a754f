//! The node's public face: `NodeHandle` sends commands to the node task over a bounded channel and awaits the
//! answer on a oneshot (rust-libp2p's file-sharing example). Events come out of the receiver `start` returns.

use std::collections::HashMap;

use cid::Cid;
use libp2p::{Multiaddr, PeerId};
use tokio::sync::{mpsc, oneshot};

use super::bitswap::ledger::{BitswapTotals, Ledger};
pub use super::bitswap::session::SessionId;
use super::block::Block;
use super::blockstore::Blockstore;
use super::events::NodeEvent;
pub use super::events::{OurWantInfo, PeerInfo, TheirWantInfo, Wantlists};

/// Commands to the node task.
pub(crate) enum Command {
    Dial {
        addr: Multiaddr,
        reply: oneshot::Sender<Result<(), String>>,
    },
    Want {
        cid: Cid,
        session: SessionId,
        reply: oneshot::Sender<Block>,
    },
    /// Several wants of one session at once: their wants go out in one message per peer.
    WantMany {
        wants: Vec<(Cid, oneshot::Sender<Block>)>,
        session: SessionId,
    },
    /// A DAG fetch is over: its session's wants are done or dropped.
    EndSession(SessionId),
    /// A peer found outside the session (provider search) has its blocks.
    SessionPeer(SessionId, PeerId),
    Peers {
        reply: oneshot::Sender<Vec<PeerInfo>>,
    },
    Ledgers {
        reply: oneshot::Sender<HashMap<PeerId, Ledger>>,
    },
    Ledger {
        peer: PeerId,
        reply: oneshot::Sender<Option<Ledger>>,
    },
    Totals {
        reply: oneshot::Sender<BitswapTotals>,
    },
    ListenAddrs {
        reply: oneshot::Sender<Vec<Multiaddr>>,
    },
    Disconnect {
        peer: PeerId,
        reply: oneshot::Sender<bool>,
    },
    Wantlists {
        reply: oneshot::Sender<Wantlists>,
    },
    /// Ask one peer about one CID outside any session (`check`, `src/node/probe.rs`).
    Probe {
        peer: PeerId,
        cid: Cid,
        timeout: std::time::Duration,
        reply: oneshot::Sender<Result<super::probe::ProbeResult, String>>,
    },
    /// `why CID`: the reason it is pending, and its timeline.
    Why {
        cid: Cid,
        reply: oneshot::Sender<super::trace::report::WhyReport>,
    },
    /// The message inspector: recent received messages, newest first.
    Messages {
        peer: Option<PeerId>,
        cid: Option<Cid>,
        limit: usize,
        reply: oneshot::Sender<Vec<crate::node::bitswap::inspect::MessageInfo>>,
    },
    /// Routing: find providers, find a peer, provide (`src/node/routing/api.rs`).
    Routing(super::routing::Request),
    /// An event from outside the node task (operation progress), published like the node's own.
    Emit(NodeEvent),
    Shutdown,
}

#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error("the node has stopped")]
    Stopped,
    #[error("{0}")]
    Dial(String),
    #[error("{0}")]
    Routing(String),
}

/// A cheap, cloneable handle to a running node.
#[derive(Clone)]
pub struct NodeHandle {
    pub(crate) commands: mpsc::Sender<Command>,
    pub(crate) peer_id: PeerId,
    pub(crate) store: Blockstore,
}

impl NodeHandle {
    pub fn peer_id(&self) -> PeerId {
        self.peer_id
    }

    pub fn store(&self) -> &Blockstore {
        &self.store
    }

    async fn ask<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Command) -> Result<T, NodeError> {
        let (tx, rx) = oneshot::channel();
        self.commands.send(make(tx)).await.map_err(|_| NodeError::Stopped)?;
        rx.await.map_err(|_| NodeError::Stopped)
    }

    /// Dials `addr`; resolves when a connection is established (or failed).
    pub async fn dial(&self, addr: Multiaddr) -> Result<(), NodeError> {
        self.ask(|reply| Command::Dial { addr, reply }).await?.map_err(NodeError::Dial)
    }

    /// Wants a block from the network. The future resolves with the verified block; dropping it withdraws the
    /// want (peers get a CANCEL).
    pub async fn want(&self, cid: Cid) -> Result<Block, NodeError> {
        self.want_in(SessionId::NONE, cid).await
    }

    /// Wants a block for a session (a DAG fetch, [`SessionId::next`]): its WANT_BLOCKs are split among the peers
    /// that have the session's blocks, by their measured speed. The first CID a session wants is its root.
    pub async fn want_in(&self, session: SessionId, cid: Cid) -> Result<Block, NodeError> {
        self.ask(|reply| Command::Want { cid, session, reply }).await
    }

    /// Wants several blocks for a session at once (a DAG node's children): the wants leave in one message per
    /// peer, not one each. Resolves once they are handed to the node, with one future per CID, in order; each
    /// resolves with the verified block, and dropping it withdraws that want.
    pub async fn want_many_in(
        &self,
        session: SessionId,
        cids: &[Cid],
    ) -> Result<Vec<impl Future<Output = Result<Block, NodeError>> + Send + 'static>, NodeError> {
        let (wants, waits): (Vec<_>, Vec<_>) = cids
            .iter()
            .map(|cid| {
                let (tx, rx) = oneshot::channel();
                ((*cid, tx), async move { rx.await.map_err(|_| NodeError::Stopped) })
            })
            .unzip();
        self.commands.send(Command::WantMany { wants, session }).await.map_err(|_| NodeError::Stopped)?;
        Ok(waits)
    }

    /// Says a session is over (its figures stay published for a while). Never waits: if the command queue is full
    /// the node collects the session once it has wanted nothing for a minute.
    /// Like [`report`](Self::report), from where nothing can wait (a `Drop`): the event is lost if the node's
    /// queue is full.
    pub fn try_report(&self, event: NodeEvent) {
        let _ = self.commands.try_send(Command::Emit(event));
    }

    pub fn end_session(&self, session: SessionId) {
        let _ = self.commands.try_send(Command::EndSession(session));
    }

    /// Adds a peer known to have a session's blocks (from provider search): it is asked like a peer that answered
    /// HAVE, at once if connected, else once it connects (dialling it is the caller's).
    pub async fn add_session_peer(&self, session: SessionId, peer: PeerId) -> Result<(), NodeError> {
        self.commands.send(Command::SessionPeer(session, peer)).await.map_err(|_| NodeError::Stopped)
    }

    pub async fn peers(&self) -> Result<Vec<PeerInfo>, NodeError> {
        self.ask(|reply| Command::Peers { reply }).await
    }

    /// The ledgers of the peers connected now.
    pub async fn ledgers(&self) -> Result<HashMap<PeerId, Ledger>, NodeError> {
        self.ask(|reply| Command::Ledgers { reply }).await
    }

    /// One peer's ledger (`bitswap ledger PEER`): a connected peer's, or the kept ledger of a peer that left (its
    /// `left_ms` says when); `None` for a peer never seen, or forgotten (past the 1,024 kept).
    pub async fn ledger(&self, peer: PeerId) -> Result<Option<Ledger>, NodeError> {
        self.ask(|reply| Command::Ledger { peer, reply }).await
    }

    /// `bitswap stat`: node-lifetime totals over every peer, connected or gone, and how many are connected.
    pub async fn bitswap_totals(&self) -> Result<BitswapTotals, NodeError> {
        self.ask(|reply| Command::Totals { reply }).await
    }

    pub async fn listen_addrs(&self) -> Result<Vec<Multiaddr>, NodeError> {
        self.ask(|reply| Command::ListenAddrs { reply }).await
    }

    /// Closes every connection to `peer`; false when it was not connected.
    pub async fn disconnect(&self, peer: PeerId) -> Result<bool, NodeError> {
        self.ask(|reply| Command::Disconnect { peer, reply }).await
    }

    pub async fn wantlists(&self) -> Result<Wantlists, NodeError> {
        self.ask(|reply| Command::Wantlists { reply }).await
    }

    /// Why `cid` has not arrived (issue 14): one reason from a fixed set with its evidence, and what happened to it
    /// (who was asked what, who answered what, searches and dials), from the node's trace of recent events.
    pub async fn why(&self, cid: Cid) -> Result<super::trace::report::WhyReport, NodeError> {
        self.ask(|reply| Command::Why { cid, reply }).await
    }

    /// The last Bitswap messages received (the node keeps [`KEEP`](crate::node::bitswap::inspect::KEEP)), newest
    /// first: from `peer` only, and only those that carry `cid` (as a want, a presence or a block), when given.
    pub async fn messages(
        &self,
        peer: Option<PeerId>,
        cid: Option<Cid>,
        limit: usize,
    ) -> Result<Vec<crate::node::bitswap::inspect::MessageInfo>, NodeError> {
        self.ask(|reply| Command::Messages { peer, cid, limit, reply }).await
    }

    /// Publishes an event through the node's event stream, stamped (`seq`, `at_ms`) when the node receives it, in
    /// arrival order. Waits for room in the command queue, like every call, so nothing is lost on the way; past
    /// the node, a slow consumer loses events as usual (counted).
    pub async fn report(&self, event: NodeEvent) {
        let _ = self.commands.send(Command::Emit(event)).await;
    }

    /// Stops the node and waits (briefly) until it has closed its connections and ended, so that peers see it
    /// leave rather than keep a dead connection.
    pub async fn shutdown(&self) {
        if self.commands.send(Command::Shutdown).await.is_ok() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(1), self.commands.closed()).await;
        }
    }
}
