//! A node that stops says so: peers see its connections close at once instead of waiting out their idle timeout.

use std::time::Duration;

use futures::StreamExt;
use libp2p::PeerId;

use super::NodeTask;

/// How long a stopping node waits for its connections to close (a close frame per connection, no round trip
/// needed for TCP; QUIC sends CONNECTION_CLOSE).
const CLOSE_WAIT: Duration = Duration::from_millis(500);

impl NodeTask {
    /// Closes every connection before the node stops, so peers see it leave at once (a QUIC peer would otherwise
    /// keep a dead connection, and list us in its peers, until its idle timeout). Waits at most [`CLOSE_WAIT`].
    pub(super) async fn close_connections(&mut self) {
        let peers: Vec<PeerId> = self.swarm.connected_peers().copied().collect();
        for peer in peers {
            let _ = self.swarm.disconnect_peer_id(peer);
        }
        let _ = tokio::time::timeout(CLOSE_WAIT, async {
            while self.swarm.connected_peers().next().is_some() {
                let event = self.swarm.select_next_some().await;
                self.on_swarm(event);
            }
        })
        .await;
    }
}
