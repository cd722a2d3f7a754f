//! Inbound Bitswap streams, accepted by a connection handler of our own. libp2p-stream hands inbound streams over
//! through a channel with room for one and drops the next if its reader has not run yet, so a peer that opens a
//! stream per message (Helia does) lost messages under load: one burst of 200 streams lost some in 5 runs of 12.
//! Here each negotiated stream becomes a swarm event that the node task takes in order; nothing is dropped, and
//! what one peer may hold open is bounded by the node (see `streams::MAX_INBOUND_PER_PEER`). Outbound streams
//! still go through libp2p-stream's `Control`.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::{Ready, ready};
use std::task::{Context, Poll};

use libp2p::core::transport::PortUse;
use libp2p::core::upgrade::{InboundUpgrade, UpgradeInfo};
use libp2p::core::{Endpoint, Multiaddr};
use libp2p::swarm::handler::{ConnectionEvent, FullyNegotiatedInbound};
use libp2p::swarm::{
    ConnectionDenied, ConnectionHandler, ConnectionHandlerEvent, ConnectionId, FromSwarm, NetworkBehaviour,
    SubstreamProtocol, THandler, THandlerInEvent, THandlerOutEvent, ToSwarm,
};
use libp2p::{PeerId, Stream, StreamProtocol};

use super::protocol::PROTOCOLS;

/// A negotiated inbound Bitswap stream.
#[derive(Debug)]
pub struct Inbound {
    pub peer: PeerId,
    pub protocol: StreamProtocol,
    pub stream: Stream,
}

/// Accepts every Bitswap version on every connection and reports each stream.
#[derive(Default)]
pub struct Behaviour {
    ready: VecDeque<Inbound>,
}

impl NetworkBehaviour for Behaviour {
    type ConnectionHandler = Handler;
    type ToSwarm = Inbound;

    fn handle_established_inbound_connection(
        &mut self,
        _: ConnectionId,
        _: PeerId,
        _: &Multiaddr,
        _: &Multiaddr,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        Ok(Handler::default())
    }

    fn handle_established_outbound_connection(
        &mut self,
        _: ConnectionId,
        _: PeerId,
        _: &Multiaddr,
        _: Endpoint,
        _: PortUse,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        Ok(Handler::default())
    }

    fn on_swarm_event(&mut self, _: FromSwarm) {}

    fn on_connection_handler_event(&mut self, peer: PeerId, _: ConnectionId, event: THandlerOutEvent<Self>) {
        let (stream, protocol) = event;
        self.ready.push_back(Inbound { peer, protocol, stream });
    }

    fn poll(&mut self, _: &mut Context<'_>) -> Poll<ToSwarm<Self::ToSwarm, THandlerInEvent<Self>>> {
        // The swarm polls again after every handler event, so no waker is needed.
        match self.ready.pop_front() {
            Some(inbound) => Poll::Ready(ToSwarm::GenerateEvent(inbound)),
            None => Poll::Pending,
        }
    }
}

/// Per connection: negotiated inbound streams, handed up in order.
#[derive(Default)]
pub struct Handler {
    ready: VecDeque<(Stream, StreamProtocol)>,
}

impl ConnectionHandler for Handler {
    type FromBehaviour = Infallible;
    type ToBehaviour = (Stream, StreamProtocol);
    type InboundProtocol = Upgrade;
    type OutboundProtocol = libp2p::core::upgrade::DeniedUpgrade;
    type InboundOpenInfo = ();
    type OutboundOpenInfo = Infallible;

    fn listen_protocol(&self) -> SubstreamProtocol<Self::InboundProtocol, Self::InboundOpenInfo> {
        SubstreamProtocol::new(Upgrade, ())
    }

    fn connection_keep_alive(&self) -> bool {
        // Open streams keep the connection alive by themselves.
        false
    }

    fn poll(
        &mut self,
        _: &mut Context<'_>,
    ) -> Poll<ConnectionHandlerEvent<Self::OutboundProtocol, Self::OutboundOpenInfo, Self::ToBehaviour>> {
        // The connection polls again after every event it delivers, so no waker is needed.
        match self.ready.pop_front() {
            Some(s) => Poll::Ready(ConnectionHandlerEvent::NotifyBehaviour(s)),
            None => Poll::Pending,
        }
    }

    fn on_behaviour_event(&mut self, event: Self::FromBehaviour) {
        match event {}
    }

    fn on_connection_event(
        &mut self,
        event: ConnectionEvent<
            Self::InboundProtocol,
            Self::OutboundProtocol,
            Self::InboundOpenInfo,
            Self::OutboundOpenInfo,
        >,
    ) {
        if let ConnectionEvent::FullyNegotiatedInbound(FullyNegotiatedInbound { protocol, .. }) = event {
            self.ready.push_back(protocol);
        }
    }
}

/// Every Bitswap version, newest first; the stream as negotiated.
#[derive(Clone, Copy, Debug)]
pub struct Upgrade;

impl UpgradeInfo for Upgrade {
    type Info = StreamProtocol;
    type InfoIter = std::array::IntoIter<StreamProtocol, 4>;

    fn protocol_info(&self) -> Self::InfoIter {
        PROTOCOLS.into_iter()
    }
}

impl InboundUpgrade<Stream> for Upgrade {
    type Output = (Stream, StreamProtocol);
    type Error = Infallible;
    type Future = Ready<Result<Self::Output, Self::Error>>;

    fn upgrade_inbound(self, stream: Stream, protocol: StreamProtocol) -> Self::Future {
        ready(Ok((stream, protocol)))
    }
}
