//! A node that stops says so: peers see its connections close at once instead of waiting out their idle timeout.

use std::time::Duration;

use futures::StreamExt;
use libp2p::PeerId;
use libp2p::multiaddr::Protocol;
use libp2p::swarm::SwarmEvent;

use super::NodeTask;

/// How long a stopping node waits for its connections to close (a close frame per connection, no round trip
/// needed for TCP; QUIC sends CONNECTION_CLOSE).
const CLOSE_WAIT: Duration = Duration::from_millis(500);

/// After a QUIC connection closes, quinn's endpoint driver still has to send its CONNECTION_CLOSE datagram; a
/// process that exits at once may never send it (measured: the peer then kept the connection until its 10 s idle
/// timeout in about one exit of four). This long is plenty on loopback and on a real path (one datagram, no ack).
const QUIC_FLUSH: Duration = Duration::from_millis(100);

impl NodeTask {
    /// Closes every connection before the node stops, so peers see it leave at once (a QUIC peer would otherwise
    /// keep a dead connection, and list us in its peers, until its idle timeout). Waits at most [`CLOSE_WAIT`].
    pub(super) async fn close_connections(&mut self) {
        let peers: Vec<PeerId> = self.swarm.connected_peers().copied().collect();
        for peer in peers {
            let _ = self.swarm.disconnect_peer_id(peer);
        }
        let mut quic = false;
        let _ = tokio::time::timeout(CLOSE_WAIT, async {
            while self.swarm.connected_peers().next().is_some() {
                let event = self.swarm.select_next_some().await;
                if let SwarmEvent::ConnectionClosed { endpoint, .. } = &event {
                    quic |= endpoint.get_remote_address().iter().any(|p| matches!(p, Protocol::QuicV1));
                }
                self.on_swarm(event);
            }
        })
        .await;
        if quic {
            // The swarm keeps running meanwhile, so the endpoint driver gets to send the close.
            let _ = tokio::time::timeout(QUIC_FLUSH, async {
                loop {
                    let event = self.swarm.select_next_some().await;
                    self.on_swarm(event);
                }
            })
            .await;
        }
    }
}
