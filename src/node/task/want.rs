//! The want side of the node task: a fetch's wants and its session go to the Bitswap client, whose messages go out.

use std::time::Instant;

use super::NodeTask;
use crate::node::handle::Command;

impl NodeTask {
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
