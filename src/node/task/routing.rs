//! The node task's routing hooks: what routing needs from the task's state each tick (`src/node/routing` does the
//! rest).

use super::NodeTask;
use crate::node::events::NodeEvent;
use crate::node::routing::Request;
use crate::node::routing::reprovide::Step;
use crate::node::swarm::BehaviourEvent;

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
        self.reprovide_tick();
    }

    /// Feeds the start-up reprovide sweep to the provide queue, a batch at a time, once the DHT has peers.
    fn reprovide_tick(&mut self) {
        if !self.reprovide.pending() {
            return;
        }
        let status = self.routing.status(&mut self.swarm);
        match self.reprovide.step(status.table_size, status.provide_waiting) {
            Step::Idle => {}
            Step::Failed(message) => self.events.emit(NodeEvent::Error { message }),
            Step::Provide(cids) => {
                if self.reprovide.queued == cids.len() {
                    tracing::info!("reproviding {} CIDs stored before this run", self.reprovide.total);
                }
                for cid in cids {
                    let req = Request::Provide { cid, reply: None };
                    self.routing.on_request(&mut self.swarm, req, &mut self.events);
                }
            }
        }
    }

    /// What the routing behaviours report: Kademlia, AutoNAT, DCUtR, the relay client.
    pub(super) fn on_routing(&mut self, event: BehaviourEvent) {
        let (swarm, events) = (&mut self.swarm, &mut self.events);
        match event {
            BehaviourEvent::Kad(e) => self.routing.on_kad(swarm, e, events),
            BehaviourEvent::Autonat(e) => self.routing.on_autonat(swarm, e, events),
            BehaviourEvent::Dcutr(e) => self.routing.on_dcutr(e, events),
            BehaviourEvent::RelayClient(e) => self.routing.on_relay_client(e),
            _ => {}
        }
    }
}
