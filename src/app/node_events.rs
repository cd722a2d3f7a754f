//! The reducer's part for node events: what each event changes. Every time it records is the event's `at_ms`, never
//! a clock read here, so a replay of the same events gives the same state.

use std::collections::HashSet;

use super::state::{AppState, MAX_TRANSFERS, TransferRow};
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
            // Routing (issue 12): shown by the Routing pane once it exists.
            NodeEvent::RoutingQuery { .. }
            | NodeEvent::ProviderFound { .. }
            | NodeEvent::RoutingDone { .. }
            | NodeEvent::DialFailed { .. }
            | NodeEvent::DhtMode { .. }
            | NodeEvent::RoutingStatus(_) => {}
            NodeEvent::Connected { peer, addr, direction, transport } => {
                let row = self.peers.entry(peer.clone()).or_default();
                if row.peer.is_empty() {
                    row.connected_at_ms = at;
                }
                row.peer = peer;
                row.addr = addr;
                row.direction = direction.to_string();
                row.transport = transport.to_string();
            }
            NodeEvent::Disconnected { peer, .. } => {
                self.peers.remove(&peer);
            }
            NodeEvent::Identified { peer, agent, protocols } => {
                let row = self.peers.entry(peer.clone()).or_default();
                row.peer = peer;
                row.agent = agent;
                row.bitswap = ["1.2.0", "1.1.0", "1.0.0"]
                    .iter()
                    .find(|v| protocols.iter().any(|p| p == &format!("/ipfs/bitswap/{v}")))
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "-".into());
            }
            NodeEvent::Ping { peer, rtt_ms } => {
                if let Some(row) = self.peers.get_mut(&peer) {
                    row.rtt_ms = Some(rtt_ms);
                }
            }
            NodeEvent::Bitswap { direction, peer, kind, cid, size, latency_ms } => {
                match (direction, kind) {
                    (Direction::In, EntryKind::Block) => self.bytes_in.add(at, size.unwrap_or(0)),
                    (Direction::Out, EntryKind::Block) => self.bytes_out.add(at, size.unwrap_or(0)),
                    (Direction::In, EntryKind::Have) => self.answers.entry(cid.clone()).or_default().haves += 1,
                    (Direction::In, EntryKind::DontHave) => {
                        self.answers.entry(cid.clone()).or_default().dont_haves += 1
                    }
                    (Direction::Out, EntryKind::DontHave) => {
                        self.unserved.insert((peer.clone(), cid.clone()));
                    }
                    _ => {}
                }
                self.transfers.push_back(TransferRow { at_ms: at, direction, peer, kind, cid, size, latency_ms });
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
            // The store's totals are polled; views that follow the store come later.
            NodeEvent::Stored { .. } | NodeEvent::StoreResync { .. } => {}
            NodeEvent::Error { message } => {
                self.push_log(format!("error: {message}"));
                self.status = Some((message, true));
            }
            // Cumulative from the node (and from a relay, which adds what it missed).
            NodeEvent::Dropped { count } => self.dropped = self.dropped.max(count),
            NodeEvent::Snapshot { peers, wantlists, dropped_events, .. } => {
                self.dropped = self.dropped.max(dropped_events);
                for p in &peers {
                    let row = self.peers.entry(p.peer.clone()).or_default();
                    row.peer = p.peer.clone();
                    row.bytes_in = p.ledger.bytes_received;
                    row.bytes_out = p.ledger.bytes_sent;
                    row.wants_in = wantlists.theirs.get(&p.peer).map_or(0, |w| w.len());
                    if row.agent.is_empty() {
                        row.agent = p.agent.clone().unwrap_or_default();
                    }
                    if row.addr.is_empty() {
                        row.addr = p.addr.clone().unwrap_or_default();
                    }
                }
                // The snapshot is the truth: peers it does not list are gone.
                let live: HashSet<&String> = peers.iter().map(|p| &p.peer).collect();
                self.peers.retain(|k, _| live.contains(k));
                let ours = wantlists.ours.len();
                for row in self.peers.values_mut() {
                    row.wants_out = ours;
                }
                let wanted: HashSet<&String> = wantlists.ours.iter().map(|w| &w.cid).collect();
                self.answers.retain(|cid, _| wanted.contains(cid));
                self.ledgers = peers;
                self.wantlists = wantlists;
            }
        }
    }
}
