//! `swarmscope demo`: a second node with its own temporary repo on 127.0.0.1, connected to the TUI's node; every
//! few seconds one side adds fresh content and the other fetches it, so every pane shows the WANT → HAVE → BLOCK
//! flow both ways. mDNS stays off; the temporary repo goes away on exit.

use std::time::Duration;

use tokio::sync::mpsc;

use super::command::Command;
use super::msg::Msg;
use crate::node::blockstore::Blockstore;
use crate::node::config::NodeConfig;
use crate::node::dag::importer::import_file;
use crate::node::dag::profile::ImportOptions;
use crate::node::events::{Event, NodeEvent};
use crate::node::handle::NodeHandle;
use crate::ops::import::{Pin, import_into};

/// Content that differs per `round`, made cheaply (no I/O, no randomness source needed); benches use it too.
pub fn content(round: u64, len: usize) -> Vec<u8> {
    let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ round.wrapping_mul(0xD1B5_4A32_D192_ED03);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Starts the demo peer and the loop that feeds the TUI. Returns when the TUI's channel closes.
/// Commands go to the TUI as if typed ([`Msg::Command`]), narration as status lines.
pub async fn run(main: NodeHandle, tui: mpsc::Sender<Msg>) -> anyhow::Result<()> {
    let dir = tempfile_dir()?;
    let store = Blockstore::open(dir.path())?;
    let mut config = NodeConfig::new(dir.path().to_path_buf());
    config.mdns = false;
    config.listen = vec!["/ip4/127.0.0.1/tcp/0".parse()?];
    let (peer, mut events) = crate::node::start(config, store.clone())?;
    let addr = loop {
        match events.recv().await {
            Some(Event { kind: NodeEvent::Ready { listen, .. }, .. }) => break listen[0].clone(),
            Some(_) => continue,
            None => anyhow::bail!("the demo peer stopped"),
        }
    };
    // The demo peer's own events are not shown: the TUI shows its node's side of every exchange.
    tokio::spawn(async move { while events.recv().await.is_some() {} });
    let _ = tui.send(say(format!("demo: a second node listens on {addr}"), false)).await;
    let _ = tui.send(Msg::Command(Command::Connect(addr.parse()?))).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    // Two wants nobody can serve, so the wantlists show what a stuck fetch looks like: ours answered DONT_HAVE,
    // and the peer's want we cannot serve.
    let nowhere = |seed: u64| {
        crate::node::block::Block::from_data(
            cid::Version::V1,
            crate::node::block::RAW,
            crate::node::block::SHA2_256,
            content(seed, 64),
        )
        .map(|b| *b.cid())
    };
    let _ = tui.send(Msg::Command(Command::Get(nowhere(u64::MAX)?.into(), None))).await;
    let missing = nowhere(u64::MAX - 1)?;
    let asker = peer.clone();
    tokio::spawn(async move {
        let _ = asker.want(missing).await;
    });
    let opts = ImportOptions { chunk_size: 256 * 1024, max_links: 16, ..ImportOptions::unixfs_v1_2025() };
    let mut round = 0u64;
    loop {
        round += 1;
        if round % 2 == 1 {
            // The demo peer adds; the TUI's node fetches.
            let data = content(round, 3 * 1024 * 1024 + (round as usize % 7) * 100_000);
            let s = store.clone();
            let cid = tokio::task::spawn_blocking(move || import(&s, Pin::Roots, &data, &opts)).await??;
            if tui.send(Msg::Command(Command::Get(cid.into(), None))).await.is_err() {
                return Ok(());
            }
        } else {
            // The TUI's node adds; the demo peer fetches from it.
            let data = content(round, 1024 * 1024 + 12_345);
            let s = main.store().clone();
            let cid = tokio::task::spawn_blocking(move || import(&s, Pin::No, &data, &opts)).await??;
            let _ = tui.send(say(format!("demo: the second node fetches {cid} from us"), false)).await;
            let fetched = crate::node::fetch::fetch_dag(&peer, cid, crate::node::op::OpId::next(), &mut |_| {}).await;
            if let Err(e) = fetched {
                let _ = tui.send(say(format!("demo: {e}"), true)).await;
            }
        }
        tokio::time::sleep(Duration::from_secs(4)).await;
        if tui.is_closed() {
            return Ok(());
        }
    }
}

fn say(text: String, error: bool) -> Msg {
    Msg::Status { text, error }
}

/// Imports `data` as one file through the command layer's import sequence.
fn import(store: &Blockstore, pin: Pin, data: &[u8], opts: &ImportOptions) -> anyhow::Result<cid::Cid> {
    let cancel = tokio_util::sync::CancellationToken::new();
    let roots = import_into(store, pin, &cancel, &mut |w| tracing::warn!("demo: {w}"), |sink| {
        Ok(vec![import_file(data, opts, sink, &mut |_| {})?.cid])
    })?;
    Ok(roots[0])
}

fn tempfile_dir() -> anyhow::Result<TempDir> {
    temp_dir("peer")
}

/// A new directory `swarmscope-demo-PID-NAME` under the system's temporary directory, removed on drop.
pub fn temp_dir(name: &str) -> anyhow::Result<TempDir> {
    let base = std::env::temp_dir().join(format!("swarmscope-demo-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&base)?;
    Ok(TempDir(base))
}

/// A directory removed on drop (the demo peer's repo).
pub struct TempDir(std::path::PathBuf);

impl TempDir {
    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
