//! Pending incoming handshakes, bounded per remote address. libp2p's `connection_limits` bounds them only in total,
//! so one host that opens idle TCP connections (which cost it nothing) could fill every slot and lock each new peer
//! out. Here one IPv4 address, or one IPv6 /64 (what a single host is usually given), holds at most
//! [`MAX_PENDING_PER_IP`] handshakes at once; past that its new connections are refused on arrival. Together with
//! the handshake timeout (`swarm::HANDSHAKE_TIMEOUT`) and a total well above the per-address bound, a new peer
//! always finds room unless many distinct addresses attack at once. go-libp2p's resource manager bounds
//! connections per IP and per IPv6 prefix the same way.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv6Addr};
use std::task::{Context, Poll};

use libp2p::PeerId;
use libp2p::core::transport::PortUse;
use libp2p::core::{Endpoint, Multiaddr};
use libp2p::multiaddr::Protocol;
use libp2p::swarm::{
    ConnectionDenied, ConnectionId, FromSwarm, ListenFailure, NetworkBehaviour, THandler, THandlerInEvent,
    THandlerOutEvent, ToSwarm, dummy,
};

/// Handshakes one remote address (IPv4, or IPv6 /64) may have in progress at once.
pub const MAX_PENDING_PER_IP: usize = 8;

/// The address a limit is kept for: the IPv4 address itself, or the /64 an IPv6 address is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Source {
    V4([u8; 4]),
    V6Prefix([u8; 8]),
}

impl Source {
    fn of(addr: &Multiaddr) -> Option<Source> {
        let ip = match addr.iter().next()? {
            Protocol::Ip4(a) => IpAddr::V4(a),
            Protocol::Ip6(a) => IpAddr::V6(a),
            _ => return None,
        };
        Some(match ip {
            IpAddr::V4(a) => Source::V4(a.octets()),
            IpAddr::V6(a) => match a.to_ipv4_mapped() {
                Some(v4) => Source::V4(v4.octets()),
                None => Source::V6Prefix(prefix64(&a)),
            },
        })
    }
}

fn prefix64(a: &Ipv6Addr) -> [u8; 8] {
    let o = a.octets();
    [o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7]]
}

/// Refused: too many handshakes from one address.
#[derive(Debug, thiserror::Error)]
#[error("{count} handshakes already pending from {from}: refused (at most {MAX_PENDING_PER_IP} per address)")]
pub struct TooManyPending {
    count: usize,
    from: String,
}

/// Counts pending incoming connections per source address and refuses those past the bound.
#[derive(Default)]
pub struct Behaviour {
    pending: HashMap<ConnectionId, Source>,
    per_source: HashMap<Source, usize>,
}

impl Behaviour {
    fn done(&mut self, id: ConnectionId) {
        let Some(source) = self.pending.remove(&id) else { return };
        if let Some(n) = self.per_source.get_mut(&source) {
            *n -= 1;
            if *n == 0 {
                self.per_source.remove(&source);
            }
        }
    }

    /// Pending handshakes in total (for tests and diagnosis).
    pub fn pending(&self) -> usize {
        self.pending.len()
    }
}

impl NetworkBehaviour for Behaviour {
    type ConnectionHandler = dummy::ConnectionHandler;
    type ToSwarm = Infallible;

    fn handle_pending_inbound_connection(
        &mut self,
        id: ConnectionId,
        _local: &Multiaddr,
        remote: &Multiaddr,
    ) -> Result<(), ConnectionDenied> {
        let Some(source) = Source::of(remote) else { return Ok(()) };
        let count = self.per_source.entry(source).or_default();
        if *count >= MAX_PENDING_PER_IP {
            let from = remote.iter().next().map(|p| p.to_string()).unwrap_or_default();
            tracing::debug!(%from, count = *count, "incoming connection refused: too many pending handshakes");
            return Err(ConnectionDenied::new(TooManyPending { count: *count, from }));
        }
        *count += 1;
        self.pending.insert(id, source);
        Ok(())
    }

    fn handle_established_inbound_connection(
        &mut self,
        id: ConnectionId,
        _: PeerId,
        _: &Multiaddr,
        _: &Multiaddr,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        self.done(id);
        Ok(dummy::ConnectionHandler)
    }

    fn handle_established_outbound_connection(
        &mut self,
        _: ConnectionId,
        _: PeerId,
        _: &Multiaddr,
        _: Endpoint,
        _: PortUse,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        Ok(dummy::ConnectionHandler)
    }

    fn on_swarm_event(&mut self, event: FromSwarm) {
        // A handshake that failed, timed out or was refused by another behaviour.
        if let FromSwarm::ListenFailure(ListenFailure { connection_id, .. }) = event {
            self.done(connection_id);
        }
    }

    fn on_connection_handler_event(&mut self, _: PeerId, _: ConnectionId, event: THandlerOutEvent<Self>) {
        match event {}
    }

    fn poll(&mut self, _: &mut Context<'_>) -> Poll<ToSwarm<Self::ToSwarm, THandlerInEvent<Self>>> {
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> Multiaddr {
        s.parse().unwrap()
    }

    fn id() -> ConnectionId {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
        ConnectionId::new_unchecked(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    }

    #[test]
    fn one_address_holds_a_few_and_others_still_get_in() {
        let mut g = Behaviour::default();
        let local = addr("/ip4/127.0.0.1/tcp/4021");
        let ids: Vec<ConnectionId> = (0..MAX_PENDING_PER_IP).map(|_| id()).collect();
        for (i, id) in ids.iter().enumerate() {
            let remote = addr(&format!("/ip4/10.0.0.2/tcp/{}", 5000 + i));
            g.handle_pending_inbound_connection(*id, &local, &remote).unwrap();
        }
        let err = g.handle_pending_inbound_connection(id(), &local, &addr("/ip4/10.0.0.2/tcp/6000")).unwrap_err();
        let why = err.downcast_ref::<TooManyPending>().expect("refused by the guard").to_string();
        assert!(why.contains("8 handshakes already pending from /ip4/10.0.0.2"), "{why}");
        // Another address is not affected.
        g.handle_pending_inbound_connection(id(), &local, &addr("/ip4/10.0.0.3/tcp/5000")).unwrap();
        // One handshake ends (established): the address has room for one more.
        let peer = PeerId::random();
        assert!(g.handle_established_inbound_connection(ids[0], peer, &local, &local).is_ok());
        g.handle_pending_inbound_connection(id(), &local, &addr("/ip4/10.0.0.2/tcp/6001")).unwrap();
        assert_eq!(g.pending(), MAX_PENDING_PER_IP + 1);
    }

    #[test]
    fn an_ipv6_host_is_bounded_by_its_64_prefix() {
        let mut g = Behaviour::default();
        let local = addr("/ip6/::1/tcp/4021");
        for i in 0..MAX_PENDING_PER_IP {
            let remote = addr(&format!("/ip6/2001:db8:1:2::{:x}/udp/5000/quic-v1", i + 1));
            g.handle_pending_inbound_connection(id(), &local, &remote).unwrap();
        }
        let same_prefix = addr("/ip6/2001:db8:1:2:ffff::9/tcp/1");
        assert!(g.handle_pending_inbound_connection(id(), &local, &same_prefix).is_err());
        let other_prefix = addr("/ip6/2001:db8:1:3::1/tcp/1");
        assert!(g.handle_pending_inbound_connection(id(), &local, &other_prefix).is_ok());
    }
}
