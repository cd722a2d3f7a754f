//! The want side of the node task: a fetch's wants and its session go to the Bitswap client, whose messages go out.

use std::time::Instant;

use libp2p::Multiaddr;
use libp2p::multiaddr::Protocol;

use super::NodeTask;
use crate::node::handle::Command;

impl NodeTask {
    /// The peers of `addrs` (those ending in `/p2p/ID`) were named by the user (`daemon --connect`): a fetch with
    /// no better lead asks them for its first block at once.
    pub(crate) fn name_peers(&mut self, addrs: &[Multiaddr]) {
        for addr in addrs {
            if let Some(Protocol::P2p(peer)) = addr.iter().last() {
                self.client.named(peer);
            }
        }
    }

    /// `Want`, `WantMany`, `EndSession` and `SessionPeer` (other commands are not for this side and change nothing).
    pub(super) fn on_want(&mut self, cmd: Command) {
        let now = Instant::now();
        let sends = match cmd {
            Command::Want { cid, session, reply } => self.client.want(cid, session, reply, now),
            Command::WantMany { wants, session } => self.client.want_many(wants, session, now),
            Command::SessionPeer(session, peer) => self.client.add_session_peer(session, peer, now),
            Command::EndSession(session) => {
                self.client.end_session(session);
                return;
            }
            _ => return,
        };
        self.dispatch(sends);
    }
}
