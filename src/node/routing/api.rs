//! Routing through a [`NodeHandle`]: find providers, find a peer, provide, and the routing status. Each call is a
//! [`Request`] to the node task, answered on a bounded channel or a oneshot.

use cid::Cid;
use libp2p::{Multiaddr, PeerId};
use tokio::sync::{mpsc, oneshot};

use super::status::{Provider, RoutingStatus};
use crate::node::handle::{Command, NodeError, NodeHandle};

pub(crate) enum Request {
    FindProviders {
        cid: Cid,
        limit: usize,
        tx: mpsc::Sender<Provider>,
    },
    FindPeer {
        peer: PeerId,
        reply: oneshot::Sender<Result<Vec<Multiaddr>, String>>,
    },
    Provide {
        cid: Cid,
        reply: Option<oneshot::Sender<Result<u64, String>>>,
    },
    /// What an operation stored: announced as the provide strategy says.
    Announce {
        cid: Cid,
        pinned: bool,
    },
    Status {
        reply: oneshot::Sender<RoutingStatus>,
    },
}

impl NodeHandle {
    async fn routing(&self, req: Request) -> Result<(), NodeError> {
        self.commands.send(Command::Routing(req)).await.map_err(|_| NodeError::Stopped)
    }

    /// The providers of `cid` as the DHT finds them, at most `limit` (capped at
    /// [`MAX_PROVIDERS`](super::MAX_PROVIDERS)), each once. The stream ends when the query does (found enough,
    /// walked the DHT, or timed out after 60 s); dropping it stops the query.
    pub async fn find_providers(&self, cid: Cid, limit: usize) -> Result<mpsc::Receiver<Provider>, NodeError> {
        let (tx, rx) = mpsc::channel(limit.clamp(1, super::MAX_PROVIDERS));
        self.routing(Request::FindProviders { cid, limit, tx }).await?;
        Ok(rx)
    }

    /// The addresses of `peer`, from the DHT.
    pub async fn find_peer(&self, peer: PeerId) -> Result<Vec<Multiaddr>, NodeError> {
        let (reply, rx) = oneshot::channel();
        self.routing(Request::FindPeer { peer, reply }).await?;
        rx.await.map_err(|_| NodeError::Stopped)?.map_err(NodeError::Routing)
    }

    /// Announces to the DHT that this node provides `cid`, through the provide queue; resolves when the
    /// announcement is done, with the number of peers that took the record.
    pub async fn provide(&self, cid: Cid) -> Result<u64, NodeError> {
        let (reply, rx) = oneshot::channel();
        self.routing(Request::Provide { cid, reply: Some(reply) }).await?;
        rx.await.map_err(|_| NodeError::Stopped)?.map_err(NodeError::Routing)
    }

    /// Queues `cid` to be announced and returns at once.
    pub async fn provide_later(&self, cid: Cid) -> Result<(), NodeError> {
        self.routing(Request::Provide { cid, reply: None }).await
    }

    /// A root that an operation stored (`add`, `dag import`, `block put`, `pin add`; `pinned` when it is pinned):
    /// queued for announcement if the provide strategy says so (`roots` and `all`: every root; `pinned`: pinned
    /// roots only). Returns at once.
    pub async fn announce(&self, cid: Cid, pinned: bool) -> Result<(), NodeError> {
        self.routing(Request::Announce { cid, pinned }).await
    }

    pub async fn routing_status(&self) -> Result<RoutingStatus, NodeError> {
        let (reply, rx) = oneshot::channel();
        self.routing(Request::Status { reply }).await?;
        rx.await.map_err(|_| NodeError::Stopped)
    }
}
