//! What `why CID` and the wantlist's `why` need from the node task: the peers connected now with their Bitswap
//! versions, whether routing can search, and the wants (the classifier in `src/node/trace` does the rest).

use cid::Cid;

use super::NodeTask;
use crate::node::trace::report::{WhyReport, report};
use crate::node::trace::why::{NodeView, PeerView, Why, classify};

impl NodeTask {
    /// The node as the classifier sees it, now.
    pub(super) fn why_view(&mut self) -> NodeView {
        let peers = self
            .peers
            .iter()
            .map(|(p, s)| PeerView {
                peer: p.to_string(),
                bitswap: s.bitswap,
                version: s.details.negotiated().map(|v| v.name().to_string()),
            })
            .collect();
        let table: usize = self.swarm.behaviour_mut().kad.kbuckets().map(|k| k.num_entries()).sum();
        NodeView { now_ms: self.events.clock().now_ms(), peers, routing_on: table > 0 }
    }

    /// The reason a want (named as its events name it) is pending.
    pub(super) fn want_why(&self, cid: &str, view: &NodeView) -> Why {
        classify(self.events.trace.get(cid), view)
    }

    /// `why CID`: the want itself, or the blocks still wanted by a fetch of the DAG under it.
    pub(super) fn why(&mut self, cid: &Cid) -> WhyReport {
        let view = self.why_view();
        let wanted = self.client.wanted_as(cid);
        let name = wanted.map_or_else(|| self.traced_name(cid), |(c, _)| c.to_string());
        let blocks = self
            .client
            .session_wants(cid)
            .into_iter()
            .map(|(c, age)| (c.to_string(), age.as_millis() as u64))
            .collect();
        let age = wanted.map(|(_, age)| age.as_millis() as u64);
        report(&name, &self.events.trace, &view, age, blocks)
    }

    /// How the trace names `cid`: as given, else in the other CID version (the store names blocks by CIDv1).
    fn traced_name(&self, cid: &Cid) -> String {
        let given = cid.to_string();
        let traced = |c: &str| self.events.trace.get(c).is_some() || self.events.trace.dags.get(c).is_some();
        if traced(&given) {
            return given;
        }
        let other = match cid.version() {
            cid::Version::V0 => Some(Cid::new_v1(cid.codec(), *cid.hash())),
            cid::Version::V1 => Cid::new_v0(*cid.hash()).ok(),
        };
        other.map(|c| c.to_string()).filter(|c| traced(c)).unwrap_or(given)
    }
}
