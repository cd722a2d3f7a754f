//! The reducer's part for node events: what each event changes. Every time it records is the event's `at_ms`, never
//! a clock read here, so a replay of the same events gives the same state.

use std::collections::HashSet;

use super::state::{AppState, MAX_ADDRS, MAX_GONE_PEERS, MAX_TRANSFERS, PeerRow, TransferRow};
use crate::node::events::{Direction, EntryKind, NodeEvent};

impl AppState {
    /// A node event that happened at `at` (node clock): every time it records is `at`, never a clock read here.
    pub(super) fn apply_node(&mut self, at: u64, e: NodeEvent) {
        match e {
            NodeEvent::Ready { peer_id, listen, started_unix_ms, .. } => {
                self.peer_id = peer_id;
                self.listen = listen;
                self.started_unix_ms = started_unix_ms;
            }
            NodeEvent::ListenAddr { .. } => {}
            // Routing (issue 12): the Routing pane draws the status published beside every snapshot (its query
            // table included); a mode change shows at once.
            NodeEvent::RoutingStatus(status) => self.routing = *status,
            NodeEvent::DhtMode { mode, configured } => {
                self.routing.dht_mode = mode;
                self.routing.configured = configured;
            }
            NodeEvent::RoutingQuery { .. }
            | NodeEvent::ProviderFound { .. }
            | NodeEvent::RoutingDone { .. }
            | NodeEvent::DialFailed { .. }
            | NodeEvent::HolePunch { .. } => {}
            NodeEvent::Reachability { status, .. } => self.routing.reachability = status,
            NodeEvent::Connected { peer, addr, direction, transport } => {
                let row = self.peers.entry(peer.clone()).or_default();
                if row.peer.is_empty() {
                    row.connected_at_ms = at;
                }
                if !row.connected() {
                    row.connected_at_ms = at;
                    row.gone_at_ms = None;
                }
                row.peer = peer;
                remember_addr(row, &addr);
                row.addr = addr;
                row.direction = direction.to_string();
                row.transport = transport.to_string();
            }
            NodeEvent::Disconnected { peer, .. } => self.peer_left(&peer, at),
            NodeEvent::Identified { peer, agent, protocols } => {
                let row = self.peers.entry(peer.clone()).or_default();
                row.peer = peer;
                row.agent = agent;
                row.protocols = protocols.clone();
                row.bitswap = ["1.2.0", "1.1.0", "1.0.0"]
                    .iter()
                    .find(|v| protocols.iter().any(|p| p == &format!("/ipfs/bitswap/{v}")))
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "-".into());
            }
            NodeEvent::Ping { peer, rtt_ms } => {
                if let Some(row) = self.peers.get_mut(&peer) {
                    row.pinged(rtt_ms);
                }
            }
            NodeEvent::Bitswap { direction, peer, kind, cid, size, latency_ms } => {
                match (direction, kind) {
                    (Direction::In, EntryKind::Block) => {
                        self.bytes_in.add(at, size.unwrap_or(0));
                        if let Some(row) = self.peers.get_mut(&peer) {
                            row.rate_in.add(at, size.unwrap_or(0));
                        }
                    }
                    (Direction::Out, EntryKind::Block) => {
                        self.bytes_out.add(at, size.unwrap_or(0));
                        if let Some(row) = self.peers.get_mut(&peer) {
                            row.rate_out.add(at, size.unwrap_or(0));
                        }
                    }
                    (Direction::In, EntryKind::Have) => self.answers.entry(cid.clone()).or_default().haves += 1,
                    (Direction::In, EntryKind::DontHave) => {
                        self.answers.entry(cid.clone()).or_default().dont_haves += 1
                    }
                    _ => {}
                }
                self.follow_wants(direction, &peer, kind, &cid);
                let id = self.next_transfer;
                self.next_transfer += 1;
                self.transfers.push_back(TransferRow { id, at_ms: at, direction, peer, kind, cid, size, latency_ms });
                while self.transfers.len() > MAX_TRANSFERS {
                    self.transfers.pop_front();
                    if let Some(p) = self.paused_at.as_mut() {
                        *p = p.saturating_sub(1);
                    }
                }
            }
            NodeEvent::BlockRejected { peer, cid, reason, .. } => {
                self.push_log(format!("rejected block {cid} from {peer}: {reason}"));
            }
            NodeEvent::ProtocolError { peer, error, .. } => {
                self.push_log(format!("protocol error from {peer}: {error}"))
            }
            NodeEvent::Progress { op, blocks, bytes, total_bytes, .. } => {
                // The last progress can arrive after the operation's result (they travel on different channels).
                if let Some(op) = self.ops.iter_mut().find(|o| o.id == op && o.bytes <= bytes) {
                    op.blocks = blocks;
                    op.bytes = bytes;
                    op.total = total_bytes.or(op.total);
                }
            }
            // The store's totals are polled; the explorer follows what was added and removed.
            NodeEvent::Stored { added_cids, removed_cids, .. } => self.follow_store(&added_cids, &removed_cids),
            NodeEvent::StoreResync { .. } => {}
            // The trace (fed before this match) keeps the DAG fetch's shape for the timeline.
            NodeEvent::DagFetch { .. } => {}
            NodeEvent::Error { message } => {
                self.push_log(format!("error: {message}"));
                self.set_status(message, true);
            }
            // Cumulative from the node (and from a relay, which adds what it missed).
            NodeEvent::Dropped { count } => self.dropped = self.dropped.max(count),
            NodeEvent::Snapshot { peers, departed, wantlists, dropped_events } => {
                self.dropped = self.dropped.max(dropped_events);
                for p in &peers {
                    let row = self.peers.entry(p.peer.clone()).or_default();
                    row.peer = p.peer.clone();
                    row.bytes_in = p.ledger.bytes_received;
                    row.bytes_out = p.ledger.bytes_sent;
                    row.wants_in = wantlists.theirs.get(&p.peer).map_or(0, |w| w.len());
                    row.ledger = Some(p.ledger.clone());
                    row.relayed = p.relayed;
                    row.sampled(p.ledger.figures.latency_ms, p.ledger.figures.throughput_bps);
                    // The version spoken on the streams, once known, over the highest one identify listed.
                    if let Some(v) = &p.bitswap_version {
                        row.bitswap = v.clone();
                    }
                    if row.agent.is_empty() {
                        row.agent = p.agent.clone().unwrap_or_default();
                    }
                    if row.addr.is_empty() {
                        row.addr = p.addr.clone().unwrap_or_default();
                    }
                    if let Some(addr) = &p.addr {
                        remember_addr(row, addr);
                    }
                }
                // Peers the node says left, with their kept ledgers (also those this view never saw connected).
                for p in departed {
                    let row = self.peers.entry(p.peer.clone()).or_default();
                    if !row.connected() || row.peer.is_empty() {
                        row.peer = p.peer.clone();
                        row.gone_at_ms = Some(p.ledger.left_ms.unwrap_or(at));
                        if row.agent.is_empty() {
                            row.agent = p.agent.clone().unwrap_or_default();
                        }
                        row.bytes_in = p.ledger.bytes_received;
                        row.bytes_out = p.ledger.bytes_sent;
                        row.ledger = Some(p.ledger);
                    }
                }
                self.prune_gone();
                // The snapshot is the truth: peers it does not list are gone (kept, greyed, with their ledgers).
                let live: HashSet<&String> = peers.iter().map(|p| &p.peer).collect();
                let left: Vec<String> = self
                    .peers
                    .iter()
                    .filter(|(k, r)| r.connected() && !live.contains(k))
                    .map(|(k, _)| k.clone())
                    .collect();
                for peer in left {
                    self.peer_left(&peer, at);
                }
                let ours = wantlists.ours.len();
                for row in self.peers.values_mut().filter(|r| r.connected()) {
                    row.wants_out = ours;
                }
                let wanted: HashSet<&String> = wantlists.ours.iter().map(|w| &w.cid).collect();
                self.answers.retain(|cid, _| wanted.contains(cid));
                self.ledgers = peers;
                self.wantlists = wantlists;
                self.wantlists_at_ms = at;
                self.prune_unserved();
            }
        }
    }
}

/// Adds `addr` to the peer's addresses (once; the oldest go past [`MAX_ADDRS`]).
fn remember_addr(row: &mut PeerRow, addr: &str) {
    if addr.is_empty() || row.addrs.iter().any(|a| a == addr) {
        return;
    }
    row.addrs.push(addr.to_string());
    if row.addrs.len() > MAX_ADDRS {
        row.addrs.remove(0);
    }
}

impl AppState {
    /// `peer` left at `at`: its row stays, greyed, with its ledger; the oldest of those that left go past
    /// [`MAX_GONE_PEERS`].
    fn peer_left(&mut self, peer: &str, at: u64) {
        if let Some(row) = self.peers.get_mut(peer) {
            row.gone_at_ms.get_or_insert(at);
            row.wants_in = 0;
            row.wants_out = 0;
            row.rtt_ms = None;
        }
        self.prune_gone();
    }

    /// Keeps the [`MAX_GONE_PEERS`] that left last.
    fn prune_gone(&mut self) {
        let mut gone: Vec<(u64, String)> =
            self.peers.values().filter_map(|r| r.gone_at_ms.map(|t| (t, r.peer.clone()))).collect();
        if gone.len() > MAX_GONE_PEERS {
            gone.sort();
            for (_, p) in gone.iter().take(gone.len() - MAX_GONE_PEERS) {
                self.peers.remove(p);
            }
        }
    }
}
