//! The node task's side of probes (`check`): a probe's wants go out through the peer's actor like any other, and
//! the peer's answers reach [`Probes`](crate::node::probe::Probes) before the Bitswap client sees them.

use std::time::Instant;

use cid::Cid;
use libp2p::PeerId;

use super::NodeTask;
use crate::node::handle::Command;

impl NodeTask {
    /// `Probe`: asks a connected peer; a peer not connected is an error at once.
    pub(super) fn on_probe(&mut self, cmd: Command) {
        let Command::Probe { peer, cid, timeout, reply } = cmd else { return };
        if !self.peers.contains_key(&peer) {
            let _ = reply.send(Err(format!("{peer} is not connected")));
            return;
        }
        if let Some(out) = self.probes.start(peer, cid, timeout, reply, Instant::now()) {
            self.dispatch(vec![(peer, out)]);
        }
    }

    /// A HAVE (`have`) or DONT_HAVE from `peer`: a probe waiting for it moves on.
    pub(super) fn probe_presence(&mut self, peer: PeerId, cid: &Cid, have: bool, now: Instant) {
        if let Some(out) = self.probes.on_presence(peer, *cid, have, now) {
            self.dispatch(vec![(peer, out)]);
        }
    }

    /// A verified block from `peer`: whether a probe had asked for it (then it is not unsolicited).
    pub(super) fn probe_block(&mut self, peer: PeerId, cid: &Cid, bytes: u64, now: Instant) -> bool {
        if !self.probes.asked(&peer, cid) {
            return false;
        }
        if let Some(out) = self.probes.on_block(peer, *cid, bytes, now) {
            self.dispatch(vec![(peer, out)]);
        }
        true
    }

    /// Each tick: probes past their timeout, or whose peer left, end.
    pub(super) fn probe_tick(&mut self, now: Instant) {
        let peers = &self.peers;
        let sends = self.probes.tick(now, |p| peers.contains_key(p));
        self.dispatch(sends);
    }
}
