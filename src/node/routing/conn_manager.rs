//! A connection manager with Kubo's watermarks: past `high` connections, the least useful ones are closed until
//! `low` remain. Connections younger than the grace period, peers the user dialled, and peers in an active transfer
//! are never closed. rust-libp2p's `connection_limits` refuses connections past a cap but never trims; this trims.
//!
//! [`Manager`] is sans-I/O (time comes in, a list of connections to close goes out) and unit-tested;
//! [`Behaviour`] feeds it the swarm's connections and closes what it picks.

use std::collections::{HashMap, HashSet, VecDeque};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use libp2p::core::Endpoint;
use libp2p::core::transport::PortUse;
use libp2p::swarm::{
    CloseConnection, ConnectionDenied, ConnectionId, FromSwarm, NetworkBehaviour, THandler, THandlerInEvent,
    THandlerOutEvent, ToSwarm, dummy,
};
use libp2p::{Multiaddr, PeerId};

/// Kubo's defaults (`Swarm.ConnMgr`): low water 32, high water 96, grace period 20 s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Watermarks {
    pub low: usize,
    pub high: usize,
    pub grace: Duration,
}

impl Default for Watermarks {
    fn default() -> Self {
        Self { low: 32, high: 96, grace: Duration::from_secs(20) }
    }
}

#[derive(Clone, Copy, Debug)]
struct Conn {
    peer: PeerId,
    opened: Instant,
}

/// The sans-I/O core: which connections exist, which peers are protected, and what to close.
#[derive(Debug, Default)]
pub struct Manager {
    pub marks: Watermarks,
    conns: HashMap<ConnectionId, Conn>,
    /// Peers the user dialled: kept until they disconnect.
    protected: HashSet<PeerId>,
    /// Dials the user asked for, not yet connected (their peer may not be known before the handshake).
    protected_dials: HashSet<ConnectionId>,
    /// Peers in an active transfer, as last reported by the node.
    busy: HashSet<PeerId>,
    /// Connections closed by trimming so far.
    pub trimmed: u64,
}

impl Manager {
    pub fn new(marks: Watermarks) -> Self {
        Self { marks, ..Self::default() }
    }

    pub fn connections(&self) -> usize {
        self.conns.len()
    }

    pub fn opened(&mut self, id: ConnectionId, peer: PeerId, now: Instant) {
        self.conns.insert(id, Conn { peer, opened: now });
        if self.protected_dials.remove(&id) {
            self.protected.insert(peer);
        }
    }

    pub fn closed(&mut self, id: ConnectionId) {
        if let Some(c) = self.conns.remove(&id)
            && !self.conns.values().any(|o| o.peer == c.peer)
        {
            self.protected.remove(&c.peer);
        }
        self.protected_dials.remove(&id);
    }

    /// A dial the user asked for: its peer is protected once connected.
    pub fn protect_dial(&mut self, id: ConnectionId) {
        self.protected_dials.insert(id);
    }

    pub fn protect(&mut self, peer: PeerId) {
        self.protected.insert(peer);
    }

    /// The peers in an active transfer now (replaces the previous set).
    pub fn set_busy(&mut self, busy: impl IntoIterator<Item = PeerId>) {
        self.busy = busy.into_iter().collect();
    }

    /// Past the high watermark: the connections to close, oldest unprotected first, down to the low watermark.
    /// Below it, or when everything left is protected or in its grace period: nothing.
    pub fn trim(&mut self, now: Instant) -> Vec<(PeerId, ConnectionId)> {
        if self.conns.len() <= self.marks.high {
            return Vec::new();
        }
        let excess = self.conns.len() - self.marks.low;
        let mut candidates: Vec<(ConnectionId, Conn)> = self
            .conns
            .iter()
            .filter(|(_, c)| {
                now.saturating_duration_since(c.opened) >= self.marks.grace
                    && !self.protected.contains(&c.peer)
                    && !self.busy.contains(&c.peer)
            })
            .map(|(id, c)| (*id, *c))
            .collect();
        candidates.sort_by_key(|(id, c)| (c.opened, *id));
        let out: Vec<_> = candidates.into_iter().take(excess).map(|(id, c)| (c.peer, id)).collect();
        for (_, id) in &out {
            self.conns.remove(id);
        }
        self.trimmed += out.len() as u64;
        out
    }
}

/// The manager as a swarm behaviour: it sees every connection open and close, and closes what `trim` picks.
pub struct Behaviour {
    pub manager: Manager,
    closing: VecDeque<(PeerId, ConnectionId)>,
    waker: Option<Waker>,
}

impl Behaviour {
    pub fn new(marks: Watermarks) -> Self {
        Self { manager: Manager::new(marks), closing: VecDeque::new(), waker: None }
    }

    /// Trims now if past the high watermark (called on the node's tick).
    pub fn trim(&mut self, now: Instant) -> usize {
        let out = self.manager.trim(now);
        let n = out.len();
        self.closing.extend(out);
        if n > 0
            && let Some(w) = self.waker.take()
        {
            w.wake();
        }
        n
    }
}

impl NetworkBehaviour for Behaviour {
    type ConnectionHandler = dummy::ConnectionHandler;
    type ToSwarm = std::convert::Infallible;

    fn handle_established_inbound_connection(
        &mut self,
        id: ConnectionId,
        peer: PeerId,
        _: &Multiaddr,
        _: &Multiaddr,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        self.manager.opened(id, peer, Instant::now());
        Ok(dummy::ConnectionHandler)
    }

    fn handle_established_outbound_connection(
        &mut self,
        id: ConnectionId,
        peer: PeerId,
        _: &Multiaddr,
        _: Endpoint,
        _: PortUse,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        self.manager.opened(id, peer, Instant::now());
        Ok(dummy::ConnectionHandler)
    }

    fn on_swarm_event(&mut self, event: FromSwarm) {
        match event {
            FromSwarm::ConnectionClosed(c) => self.manager.closed(c.connection_id),
            FromSwarm::DialFailure(f) => {
                self.manager.protected_dials.remove(&f.connection_id);
            }
            _ => {}
        }
    }

    fn on_connection_handler_event(&mut self, _: PeerId, _: ConnectionId, e: THandlerOutEvent<Self>) {
        libp2p::core::util::unreachable(e)
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<ToSwarm<Self::ToSwarm, THandlerInEvent<Self>>> {
        if let Some((peer_id, id)) = self.closing.pop_front() {
            return Poll::Ready(ToSwarm::CloseConnection { peer_id, connection: CloseConnection::One(id) });
        }
        self.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marks() -> Watermarks {
        Watermarks { low: 2, high: 4, grace: Duration::from_secs(20) }
    }

    fn open_n(m: &mut Manager, n: usize, at: Instant) -> Vec<(PeerId, ConnectionId)> {
        (0..n)
            .map(|_| {
                let (p, id) = (PeerId::random(), ConnectionId::new_unchecked(rand_id()));
                m.opened(id, p, at);
                (p, id)
            })
            .collect()
    }

    fn rand_id() -> usize {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(1_000_000);
        N.fetch_add(1, Ordering::Relaxed)
    }

    #[test]
    fn kubos_defaults() {
        assert_eq!(Watermarks::default(), Watermarks { low: 32, high: 96, grace: Duration::from_secs(20) });
    }

    #[test]
    fn nothing_is_trimmed_at_or_below_the_high_watermark() {
        let t0 = Instant::now();
        let mut m = Manager::new(marks());
        open_n(&mut m, 4, t0);
        assert!(m.trim(t0 + Duration::from_secs(60)).is_empty());
    }

    #[test]
    fn past_the_high_watermark_the_oldest_go_down_to_the_low_one() {
        let t0 = Instant::now();
        let mut m = Manager::new(marks());
        let old = open_n(&mut m, 3, t0);
        let newer = open_n(&mut m, 2, t0 + Duration::from_secs(1));
        let closed = m.trim(t0 + Duration::from_secs(60));
        assert_eq!(closed.len(), 3, "5 connections, low water 2");
        assert_eq!(closed.iter().collect::<HashSet<_>>(), old.iter().collect::<HashSet<_>>());
        assert_eq!(m.connections(), 2);
        assert!(newer.iter().all(|(_, id)| m.conns.contains_key(id)));
        assert_eq!(m.trimmed, 3);
        assert!(m.trim(t0 + Duration::from_secs(61)).is_empty(), "at low water now");
    }

    #[test]
    fn connections_in_their_grace_period_are_kept() {
        let t0 = Instant::now();
        let mut m = Manager::new(marks());
        open_n(&mut m, 2, t0);
        open_n(&mut m, 4, t0 + Duration::from_secs(15));
        // At t0 + 25 s only the first two are past the 20 s grace: only they can go.
        let closed = m.trim(t0 + Duration::from_secs(25));
        assert_eq!(closed.len(), 2);
        assert_eq!(m.connections(), 4);
    }

    #[test]
    fn user_dialled_and_busy_peers_are_never_trimmed() {
        let t0 = Instant::now();
        let mut m = Manager::new(marks());
        let dialled = ConnectionId::new_unchecked(rand_id());
        m.protect_dial(dialled);
        let user = PeerId::random();
        m.opened(dialled, user, t0);
        let all = open_n(&mut m, 5, t0);
        m.set_busy([all[0].0]);
        let closed = m.trim(t0 + Duration::from_secs(60));
        assert_eq!(closed.len(), 4, "6 connections, 2 protected: the 4 others go");
        assert!(closed.iter().all(|(p, _)| *p != user && *p != all[0].0));
        // Once the user's peer has gone, the protection goes with it.
        m.closed(dialled);
        assert!(!m.protected.contains(&user));
    }

    #[test]
    fn a_failed_protected_dial_is_forgotten() {
        let mut m = Manager::new(marks());
        let id = ConnectionId::new_unchecked(rand_id());
        m.protect_dial(id);
        m.closed(id);
        assert!(m.protected_dials.is_empty());
    }
}
