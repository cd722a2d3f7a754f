//! The node task's routing hooks: what routing needs from the task's state each tick (`src/node/routing` does the
//! rest).

use super::NodeTask;

impl NodeTask {
    /// Routing's tick: our stuck wants (for provider search) and the peers in an active transfer (kept by the
    /// connection manager: they want from us, or exchanged blocks within the grace period).
    pub(super) fn routing_tick(&mut self) {
        let wants = self.client.wantlist().into_iter().map(|(cid, age, _)| (cid, age));
        let now_ms = self.events.clock().now_ms();
        let busy = self.peers.iter().filter(|(_, s)| {
            !s.their_wants.is_empty() || s.ledger.last_exchange_ms.is_some_and(|t| now_ms.saturating_sub(t) < 20_000)
        });
        let busy = busy.map(|(p, _)| *p);
        self.routing.tick(&mut self.swarm, wants, busy, &mut self.events);
    }
}
