//! Reproviding what the repo held before this run. The DHT republishes every key this node announced while it runs
//! (every 22 h, [`REPROVIDE_EVERY`](super::provide::REPROVIDE_EVERY)), but a restart forgets them: content added
//! yesterday would stay unfindable once its records expire. At start the node lists what its provide strategy covers
//! (pinned roots for `roots` and `pinned`, every block for `all`, as Kubo's reprovider does) and feeds it to the
//! provide queue once the routing table has peers, a batch at a time so the queue never fills with the sweep.

use std::collections::VecDeque;

use cid::Cid;
use tokio::sync::oneshot;

use super::config::ProvideStrategy;
use crate::node::blockstore::Blockstore;

/// The sweep keeps at most this many of its CIDs waiting in the provide queue.
pub const BATCH: usize = 256;

/// The sweep over the repo: loading (off the node task), then fed to the provide queue in batches.
#[derive(Debug, Default)]
pub struct Sweep {
    loading: Option<oneshot::Receiver<Result<Vec<Cid>, String>>>,
    todo: VecDeque<Cid>,
    /// CIDs the sweep found at start.
    pub total: usize,
    /// CIDs handed to the provide queue so far.
    pub queued: usize,
}

/// What a tick of the sweep has to say.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Nothing to do now (still loading, no DHT peers yet, the queue is busy, or done).
    Idle,
    /// The repo could not be listed: reported once, the sweep ends.
    Failed(String),
    /// Hand these to the provide queue.
    Provide(Vec<Cid>),
}

impl Sweep {
    /// Starts listing `store` as `strategy` says, on a blocking thread (a large repo takes a while to list).
    pub fn load(store: Blockstore, strategy: ProvideStrategy) -> Self {
        let (tx, rx) = oneshot::channel();
        tokio::task::spawn_blocking(move || {
            let listed = match strategy {
                ProvideStrategy::All => store.cids(),
                ProvideStrategy::Roots | ProvideStrategy::Pinned => {
                    store.pins().map(|pins| pins.into_iter().map(|(cid, _)| cid).collect())
                }
            };
            let _ = tx.send(listed.map_err(|e| format!("cannot list the repo to reprovide: {e}")));
        });
        Self { loading: Some(rx), ..Self::default() }
    }

    /// A sweep over a known list (tests).
    pub fn of(cids: Vec<Cid>) -> Self {
        Self { total: cids.len(), todo: cids.into(), ..Self::default() }
    }

    /// Whether CIDs are still to be handed out (or still being listed).
    pub fn pending(&self) -> bool {
        self.loading.is_some() || !self.todo.is_empty()
    }

    /// Every routing tick: `table_size` peers in the routing table and `waiting` CIDs in the provide queue. Nothing
    /// is handed out while the table is empty (a fully local node never announces into the void).
    pub fn step(&mut self, table_size: usize, waiting: usize) -> Step {
        if let Some(rx) = &mut self.loading {
            match rx.try_recv() {
                Err(oneshot::error::TryRecvError::Empty) => return Step::Idle,
                Err(oneshot::error::TryRecvError::Closed) => {
                    self.loading = None;
                    return Step::Failed("cannot list the repo to reprovide: the lister stopped".into());
                }
                Ok(listed) => {
                    self.loading = None;
                    match listed {
                        Ok(cids) => {
                            self.total = cids.len();
                            self.todo = cids.into();
                        }
                        Err(e) => return Step::Failed(e),
                    }
                }
            }
        }
        if table_size == 0 || self.todo.is_empty() || waiting >= BATCH {
            return Step::Idle;
        }
        let n = (BATCH - waiting).min(self.todo.len());
        self.queued += n;
        Step::Provide(self.todo.drain(..n).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cids(n: u8) -> Vec<Cid> {
        (0..n)
            .map(|i| {
                let mh = multihash::Multihash::<64>::wrap(0x12, &[i; 32]).unwrap();
                Cid::new_v1(0x55, mh)
            })
            .collect()
    }

    #[test]
    fn waits_for_dht_peers_then_feeds_the_queue_in_batches() {
        let all = cids(200);
        let mut s = Sweep::of(all.clone());
        assert_eq!(s.step(0, 0), Step::Idle, "no peers in the table: nothing announced");
        let Step::Provide(first) = s.step(3, BATCH - 50) else { panic!("a batch once peers are known") };
        assert_eq!(first, all[..50].to_vec(), "only what keeps the queue under the batch size, in order");
        assert_eq!(s.step(3, BATCH), Step::Idle, "the queue is full of the sweep: wait");
        let Step::Provide(rest) = s.step(3, 0) else { panic!("the rest") };
        assert_eq!(rest, all[50..].to_vec());
        assert!(!s.pending());
        assert_eq!((s.total, s.queued), (200, 200));
        assert_eq!(s.step(3, 0), Step::Idle, "done");
    }

    #[tokio::test]
    async fn lists_pinned_roots_or_every_block_as_the_strategy_says() {
        let dir = tempfile::tempdir().unwrap();
        let store = Blockstore::open(dir.path()).unwrap();
        let blocks: Vec<crate::node::block::Block> = (0..3u8)
            .map(|i| crate::node::block::Block::from_data(cid::Version::V1, 0x55, 0x12, vec![i; 10]).unwrap())
            .collect();
        for b in &blocks {
            store.put(b).unwrap();
        }
        store.pin_add(blocks[0].cid(), crate::node::blockstore::PinKind::Direct).unwrap();
        for (strategy, want) in [(ProvideStrategy::Roots, 1), (ProvideStrategy::Pinned, 1), (ProvideStrategy::All, 3)] {
            let mut s = Sweep::load(store.clone(), strategy);
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            let got = loop {
                match s.step(1, 0) {
                    Step::Provide(c) => break c,
                    Step::Failed(e) => panic!("{e}"),
                    Step::Idle => {
                        assert!(std::time::Instant::now() < deadline, "the listing never arrived");
                        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    }
                }
            };
            assert_eq!(got.len(), want, "{strategy:?}");
            if want == 1 {
                assert_eq!(got[0], *blocks[0].cid());
            }
        }
    }
}
