//! The node task's serve side (Kubo's server promises): blocks stored after a peer asked for them go to it at once,
//! every want waits in its peer's bounded serve queue, and the ledgers of peers that left stay readable (`bitswap
//! stat` totals over the node's life, `bitswap ledger` for a departed peer, snapshots that carry them).

use cid::Cid;
use libp2p::PeerId;
use tokio::sync::broadcast::error::RecvError;

use super::{NodeTask, PeerState};
use crate::node::bitswap::ledger::{BitswapTotals, Departed, Ledger};
use crate::node::bitswap::wantlist::Entry;
use crate::node::blockstore::StoreChange;
use crate::node::events::{NodeEvent, PeerSnapshot, SNAPSHOT_DEPARTED};

impl NodeTask {
    /// A committed store write: one `stored` event, and the blocks it added go to every peer whose wantlist holds
    /// them (Kubo's server does the same). Missed changes mean a view built from `stored` events must resync, and
    /// every peer's wants are checked against the store again.
    pub(super) fn on_store(&mut self, change: Result<StoreChange, RecvError>) {
        let late = match change {
            Ok(change) => {
                self.routing.on_stored(&mut self.swarm, &change.added, &mut self.events);
                let wants = self.peers.iter().map(|(p, s)| (p, &s.their_wants));
                let late = crate::node::bitswap::late::waiting(wants, &change.added);
                let wanted_by = late.iter().map(|(_, entries)| entries.len()).sum();
                for event in crate::node::stored::events(&change, wanted_by) {
                    self.events.emit(event);
                }
                late
            }
            Err(RecvError::Lagged(missed)) => {
                self.events.emit(NodeEvent::StoreResync { missed });
                crate::node::bitswap::late::all(self.peers.iter().map(|(p, s)| (p, &s.their_wants)))
            }
            Err(RecvError::Closed) => {
                self.store_open = false;
                Vec::new()
            }
        };
        for (peer, entries) in late {
            self.serve(peer, entries, true, &[]);
        }
    }

    /// Queues wants of `peer` to answer (and drops the queued answers to `cancelled`), starting its actor if needed.
    pub(super) fn serve(&mut self, peer: PeerId, wanted: Vec<Entry>, late: bool, cancelled: &[Cid]) {
        let Some(state) = self.peers.get_mut(&peer) else { return };
        state.serve.cancel(cancelled);
        if wanted.is_empty() {
            return;
        }
        // Queued wants are wantlist entries, so the queue has room for them; one that found none (a want queued
        // twice while its block was in flight) stays in the wantlist and is answered when the peer asks again.
        state.serve.push(wanted, late);
        let _ = self.actor(peer);
    }

    /// A peer's last connection closed: its ledger is kept, marked with when it left, with what was known of it.
    pub(super) fn depart(&mut self, peer: PeerId, state: PeerState) {
        let left_ms = Some(self.events.clock().now_ms());
        let departed = Departed {
            ledger: Ledger { left_ms, ..state.ledger },
            addr: state.addr.map(|a| a.to_string()),
            agent: state.agent,
            bitswap: state.bitswap,
        };
        self.archive.keep(peer, departed);
    }

    /// `bitswap ledger PEER`: a connected peer's ledger, or the kept ledger of one that left.
    pub(super) fn ledger_of(&self, peer: &PeerId) -> Option<Ledger> {
        let connected = self.peers.get(peer).map(|s| s.ledger.clone());
        connected.or_else(|| self.archive.get(peer).map(|d| d.ledger.clone()))
    }

    /// `bitswap stat`: every peer's counters since the node started, connected or gone.
    pub(super) fn totals(&self) -> BitswapTotals {
        let mut totals = self.archive.totals();
        for s in self.peers.values() {
            totals.add(&s.ledger);
        }
        BitswapTotals { peers: self.peers.len(), departed: self.archive.len(), totals }
    }

    /// The most recent departed peers, for a snapshot.
    pub(super) fn departed_snapshots(&self) -> Vec<PeerSnapshot> {
        self.archive
            .recent(SNAPSHOT_DEPARTED)
            .map(|(p, d)| PeerSnapshot {
                peer: p.to_string(),
                addr: d.addr.clone(),
                agent: d.agent.clone(),
                bitswap: d.bitswap,
                debt_ratio: d.ledger.debt_ratio(),
                ledger: d.ledger.clone(),
                bitswap_version: None,
                relayed: false,
            })
            .collect()
    }
}
