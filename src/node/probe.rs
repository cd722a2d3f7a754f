//! Asking one peer about one CID, outside any session (`check`, as ipfs-check does): a WANT_HAVE with
//! sendDontHave, then, on HAVE, a WANT_BLOCK; each answer with its time. A peer that sends the block at once (small
//! blocks answer a WANT_HAVE directly) is done in one step. Nothing is stored and no session or want of ours is
//! touched: the node task feeds the peer's answers to [`Probes`] before its Bitswap client sees them, and a CANCEL
//! ends the probe on the peer's side.
//!
//! Sans-I/O: the node task sends what [`Probes`] returns and brings the time in.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use cid::Cid;
use libp2p::PeerId;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use super::bitswap::message::WantType;
use super::bitswap::protocol::{Outgoing, Want};
use super::handle::{Command, NodeError, NodeHandle};

/// Probes running at once at most; past it a probe is refused (each holds one want on one peer).
pub const MAX_PROBES: usize = 64;

/// How a peer answered one want.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Have,
    DontHave,
    Block,
    /// Nothing within the probe's timeout.
    NoAnswer,
}

impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Have => "HAVE",
            Self::DontHave => "DONT_HAVE",
            Self::Block => "block",
            Self::NoAnswer => "no answer",
        })
    }
}

/// What one peer said about one CID.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeResult {
    /// The answer to WANT_HAVE (a block when the peer sent it straight away), and after how long.
    pub have: Answer,
    pub have_ms: u64,
    /// The answer to WANT_BLOCK, when one was sent (after a HAVE).
    pub block: Option<Answer>,
    pub block_ms: Option<u64>,
    /// The block's size, once it came (verified against the CID).
    pub bytes: Option<u64>,
}

impl ProbeResult {
    /// Whether the peer sent the block.
    pub fn served(&self) -> bool {
        self.have == Answer::Block || self.block == Some(Answer::Block)
    }
}

type Reply = oneshot::Sender<Result<ProbeResult, String>>;

struct Probe {
    started: Instant,
    /// When the current step (WANT_HAVE, then WANT_BLOCK) was sent.
    step_started: Instant,
    timeout: Duration,
    result: ProbeResult,
    /// Sent WANT_BLOCK: waiting for the block.
    asking_block: bool,
    reply: Reply,
}

fn want(cid: Cid, want_type: WantType, cancel: bool) -> Outgoing {
    let w = Want { cid, want_type, send_dont_have: true, cancel, priority: i32::MAX };
    Outgoing { wants: vec![w], ..Outgoing::default() }
}

fn ms(d: Duration) -> u64 {
    d.as_millis() as u64
}

/// The probes running, by (peer, CID).
#[derive(Default)]
pub(crate) struct Probes {
    running: HashMap<(PeerId, Cid), Probe>,
}

impl Probes {
    /// Starts asking `peer` (connected) about `cid`: the WANT_HAVE to send, or the reply refused.
    pub(crate) fn start(
        &mut self,
        peer: PeerId,
        cid: Cid,
        timeout: Duration,
        reply: Reply,
        now: Instant,
    ) -> Option<Outgoing> {
        if self.running.contains_key(&(peer, cid)) {
            let _ = reply.send(Err(format!("{peer} is already being asked about {cid}")));
            return None;
        }
        if self.running.len() >= MAX_PROBES {
            let _ = reply.send(Err(format!("{MAX_PROBES} probes are running: try again")));
            return None;
        }
        let result = ProbeResult { have: Answer::NoAnswer, have_ms: 0, block: None, block_ms: None, bytes: None };
        let probe = Probe { started: now, step_started: now, timeout, result, asking_block: false, reply };
        self.running.insert((peer, cid), probe);
        Some(want(cid, WantType::Have, false))
    }

    /// Whether a probe waits on `peer` for `cid` (its block is then expected, not unsolicited).
    pub(crate) fn asked(&self, peer: &PeerId, cid: &Cid) -> bool {
        self.running.contains_key(&(*peer, *cid))
    }

    /// The peer said HAVE (`true`) or DONT_HAVE: what to send next (a WANT_BLOCK after a HAVE, a CANCEL at the
    /// end), if a probe was waiting for it.
    pub(crate) fn on_presence(&mut self, peer: PeerId, cid: Cid, have: bool, now: Instant) -> Option<Outgoing> {
        let probe = self.running.get_mut(&(peer, cid))?;
        let elapsed = ms(now.saturating_duration_since(probe.step_started));
        let answer = if have { Answer::Have } else { Answer::DontHave };
        if probe.asking_block {
            // A DONT_HAVE to the WANT_BLOCK ends it; a late HAVE changes nothing.
            if have {
                return None;
            }
            probe.result.block = Some(answer);
            probe.result.block_ms = Some(elapsed);
            return self.finish(peer, cid);
        }
        probe.result.have = answer;
        probe.result.have_ms = elapsed;
        if !have {
            return self.finish(peer, cid);
        }
        probe.asking_block = true;
        probe.step_started = now;
        Some(want(cid, WantType::Block, false))
    }

    /// The peer sent the block (verified): the probe is done.
    pub(crate) fn on_block(&mut self, peer: PeerId, cid: Cid, bytes: u64, now: Instant) -> Option<Outgoing> {
        let probe = self.running.get_mut(&(peer, cid))?;
        let elapsed = ms(now.saturating_duration_since(probe.step_started));
        if probe.asking_block {
            probe.result.block = Some(Answer::Block);
            probe.result.block_ms = Some(elapsed);
        } else {
            probe.result.have = Answer::Block;
            probe.result.have_ms = elapsed;
        }
        probe.result.bytes = Some(bytes);
        self.finish(peer, cid)
    }

    /// Probes past their timeout end with what they have (the unanswered step as `NoAnswer`), or at once when
    /// their peer is gone (`connected` says who is not). The CANCELs to send.
    pub(crate) fn tick(&mut self, now: Instant, connected: impl Fn(&PeerId) -> bool) -> Vec<(PeerId, Outgoing)> {
        let due: Vec<(PeerId, Cid)> = self
            .running
            .iter()
            .filter(|((peer, _), p)| now.saturating_duration_since(p.started) >= p.timeout || !connected(peer))
            .map(|(k, _)| *k)
            .collect();
        let mut out = Vec::new();
        for (peer, cid) in due {
            if let Some(p) = self.running.get_mut(&(peer, cid))
                && p.asking_block
            {
                p.result.block = Some(Answer::NoAnswer);
                p.result.block_ms = Some(ms(now.saturating_duration_since(p.step_started)));
            }
            if let Some(cancel) = self.finish(peer, cid) {
                out.push((peer, cancel));
            }
        }
        out
    }

    /// Answers the probe and gives the CANCEL that withdraws its want.
    fn finish(&mut self, peer: PeerId, cid: Cid) -> Option<Outgoing> {
        let probe = self.running.remove(&(peer, cid))?;
        let _ = probe.reply.send(Ok(probe.result));
        Some(want(cid, WantType::Block, true))
    }
}

impl NodeHandle {
    /// Asks `peer` (connected already: dial it first) whether it has `cid`, and for the block if it says HAVE,
    /// outside any session: nothing is stored. Ends within `timeout` with what the peer answered by then.
    pub async fn probe(&self, peer: PeerId, cid: Cid, timeout: Duration) -> Result<ProbeResult, NodeError> {
        let (reply, rx) = oneshot::channel();
        self.commands.send(Command::Probe { peer, cid, timeout, reply }).await.map_err(|_| NodeError::Stopped)?;
        rx.await.map_err(|_| NodeError::Stopped)?.map_err(NodeError::Dial)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cid() -> Cid {
        Cid::new_v1(0x55, multihash::Multihash::<64>::wrap(0x12, &[7; 32]).unwrap())
    }

    fn start(p: &mut Probes, peer: PeerId, now: Instant) -> oneshot::Receiver<Result<ProbeResult, String>> {
        let (tx, rx) = oneshot::channel();
        let first = p.start(peer, cid(), Duration::from_secs(5), tx, now).expect("a WANT_HAVE");
        let w = &first.wants[0];
        assert_eq!((w.want_type, w.send_dont_have, w.cancel), (WantType::Have, true, false));
        rx
    }

    #[test]
    fn have_then_block_with_timings_and_a_cancel_at_the_end() {
        let (t0, peer) = (Instant::now(), PeerId::random());
        let mut p = Probes::default();
        let mut rx = start(&mut p, peer, t0);
        let next = p.on_presence(peer, cid(), true, t0 + Duration::from_millis(12)).unwrap();
        assert_eq!(next.wants[0].want_type, WantType::Block);
        assert!(p.asked(&peer, &cid()));
        let end = p.on_block(peer, cid(), 100, t0 + Duration::from_millis(20)).unwrap();
        assert!(end.wants[0].cancel, "the probe's want is withdrawn");
        let r = rx.try_recv().unwrap().unwrap();
        assert_eq!(
            (r.have, r.have_ms, r.block, r.block_ms, r.bytes),
            (Answer::Have, 12, Some(Answer::Block), Some(8), Some(100))
        );
        assert!(r.served() && !p.asked(&peer, &cid()));
    }

    #[test]
    fn dont_have_ends_it_and_silence_times_out() {
        let (t0, peer) = (Instant::now(), PeerId::random());
        let mut p = Probes::default();
        let mut rx = start(&mut p, peer, t0);
        assert!(p.on_presence(peer, cid(), false, t0 + Duration::from_millis(3)).unwrap().wants[0].cancel);
        let r = rx.try_recv().unwrap().unwrap();
        assert_eq!((r.have, r.block, r.served()), (Answer::DontHave, None, false));

        let mut rx = start(&mut p, peer, t0);
        p.on_presence(peer, cid(), true, t0 + Duration::from_millis(1));
        assert!(p.tick(t0 + Duration::from_secs(4), |_| true).is_empty(), "not yet");
        assert_eq!(p.tick(t0 + Duration::from_secs(5), |_| true).len(), 1, "timed out: a CANCEL");
        let r = rx.try_recv().unwrap().unwrap();
        assert_eq!((r.have, r.block), (Answer::Have, Some(Answer::NoAnswer)));

        let mut rx = start(&mut p, peer, t0);
        assert_eq!(p.tick(t0, |_| false).len(), 1, "the peer left: done at once");
        assert_eq!(rx.try_recv().unwrap().unwrap().have, Answer::NoAnswer);
    }

    #[test]
    fn a_small_block_sent_for_want_have_is_served_in_one_step_and_probes_are_bounded() {
        let (t0, peer) = (Instant::now(), PeerId::random());
        let mut p = Probes::default();
        let mut rx = start(&mut p, peer, t0);
        p.on_block(peer, cid(), 5, t0 + Duration::from_millis(4));
        let r = rx.try_recv().unwrap().unwrap();
        assert_eq!((r.have, r.have_ms, r.block, r.served()), (Answer::Block, 4, None, true));
        for _ in 0..MAX_PROBES {
            let (tx, _rx) = oneshot::channel();
            assert!(p.start(PeerId::random(), cid(), Duration::from_secs(5), tx, t0).is_some());
        }
        let (tx, mut rx) = oneshot::channel();
        assert!(p.start(PeerId::random(), cid(), Duration::from_secs(5), tx, t0).is_none());
        assert!(rx.try_recv().unwrap().is_err(), "refused past the bound, with a reason");
    }
}
