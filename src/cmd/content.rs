//! `cat`, `get` and `ls`: reading UnixFS content, from the local store first and, for `cat` and `get`, from the
//! network when blocks are missing (an embedded node runs for the duration).

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use cid::Cid;
use serde::Serialize;

use crate::cli::FetchArgs;
use crate::node::blockstore::{Blockstore, StoreError};
use crate::node::config::NodeConfig;
use crate::node::dag::exporter;
use crate::node::dag::walk::walk_dag;
use crate::node::fetch::{FetchStats, fetch_dag};

/// What a network fetch took, for `get --json`.
#[derive(Debug, Serialize)]
struct GetReport {
    cid: String,
    bytes: u64,
    blocks: u64,
    /// From the first connection to the last block.
    ms: u64,
    /// From start to the first connection.
    dial_ms: u64,
}

pub fn cat(repo: &Path, cid: &str, net: &FetchArgs) -> Result<()> {
    let cid = super::parse_cid(cid)?;
    let store = super::open_store(repo)?;
    ensure_local(&store, repo, &cid, net)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
    exporter::cat(&store, &cid, &mut out)?;
    out.flush().context("writing to stdout")?;
    Ok(())
}

pub fn get(repo: &Path, cid: &str, output: Option<&Path>, net: &FetchArgs, json: bool) -> Result<()> {
    let cid = super::parse_cid(cid)?;
    let store = super::open_store(repo)?;
    let report = ensure_local(&store, repo, &cid, net)?;
    let default = cid.to_string();
    let dest = output.unwrap_or_else(|| Path::new(&default));
    exporter::get(&store, &cid, dest)?;
    if json {
        let report = match report {
            Some(r) => r,
            None => {
                let mut stats = FetchStats::default();
                walk_dag(&store, &cid, &mut |_, d| {
                    stats.blocks += 1;
                    stats.bytes += d.len() as u64;
                    Ok(())
                })?;
                GetReport { cid: cid.to_string(), bytes: stats.bytes, blocks: stats.blocks, ms: 0, dial_ms: 0 }
            }
        };
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!("Saved {} to {}", cid, dest.display());
    }
    Ok(())
}

/// Makes sure every block under `cid` is stored, fetching what is missing unless `--offline`.
fn ensure_local(store: &Blockstore, repo: &Path, cid: &Cid, net: &FetchArgs) -> Result<Option<GetReport>> {
    let missing = match walk_dag(store, cid, &mut |_, _| Ok(())) {
        Ok(()) => return Ok(None),
        Err(StoreError::NotFound(missing)) => missing,
        Err(e) => return Err(e.into()),
    };
    if net.offline {
        bail!("block {missing} not found in the local store (and --offline)");
    }
    let connect = net.connect.iter().map(|a| super::parse_multiaddr(a)).collect::<Result<Vec<_>>>()?;
    let mut config = NodeConfig::new(repo.to_path_buf());
    config.mdns = !net.no_mdns;
    let timeout = Duration::from_secs(net.timeout);
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime
        .block_on(async {
            let start = Instant::now();
            let (node, mut events) = crate::node::start(config, store.clone())?;
            if net.events {
                tokio::spawn(async move {
                    while let Some(e) = events.recv().await {
                        eprintln!("{}", serde_json::to_string(&e).unwrap_or_default());
                    }
                });
            }
            let mut dial_errors = Vec::new();
            for addr in connect {
                if let Err(e) = node.dial(addr).await {
                    dial_errors.push(e.to_string());
                }
            }
            let dial_ms = start.elapsed().as_millis() as u64;
            if !dial_errors.is_empty() && node.peers().await.map(|p| p.is_empty()).unwrap_or(true) {
                bail!("{}", dial_errors.join("; "));
            }
            let connected = Instant::now();
            let fetched = tokio::time::timeout(timeout, fetch_dag(&node, *cid, &mut |_| {})).await;
            let result = match fetched {
                Ok(Ok(stats)) => Ok(GetReport {
                    cid: cid.to_string(),
                    bytes: stats.bytes,
                    blocks: stats.blocks,
                    ms: connected.elapsed().as_millis() as u64,
                    dial_ms,
                }),
                Ok(Err(e)) => Err(anyhow::Error::from(e)),
                Err(_) => Err(anyhow::anyhow!("{}", explain_timeout(&node, cid, timeout).await)),
            };
            node.shutdown().await;
            result
        })
        .map(Some)
}

/// One line on what was tried: the peers asked and what they answered.
async fn explain_timeout(node: &crate::node::handle::NodeHandle, cid: &Cid, timeout: Duration) -> String {
    let ledgers = node.ledgers().await.unwrap_or_default();
    let peers = node.peers().await.unwrap_or_default();
    let mut line = format!("could not fetch {cid} within {}s", timeout.as_secs());
    if peers.is_empty() {
        line.push_str(": no peers connected (use --connect MULTIADDR)");
        return line;
    }
    let asked: Vec<String> = ledgers
        .iter()
        .map(|(p, l)| {
            format!(
                "{p}: {} wants sent, {} HAVE, {} DONT_HAVE, {} blocks",
                l.wants_sent, l.haves_received, l.dont_haves_received, l.blocks_received
            )
        })
        .collect();
    line.push_str(&format!("; asked {} peer(s): {}", asked.len(), asked.join("; ")));
    line
}

/// One line of `ls --json`.
#[derive(Debug, Serialize)]
struct LsEntry {
    name: String,
    cid: String,
    size: u64,
    #[serde(rename = "type")]
    kind: String,
}

pub fn ls(repo: &Path, cid: &str, json: bool) -> Result<()> {
    let cid = super::parse_cid(cid)?;
    let store = super::open_store(repo)?;
    let entries = exporter::ls(&store, &cid)?;
    for e in entries {
        let kind = format!("{:?}", e.kind).to_lowercase();
        if json {
            let line = LsEntry { name: e.name.clone(), cid: e.cid.to_string(), size: e.size, kind };
            println!("{}", serde_json::to_string(&line)?);
        } else {
            let slash = if kind == "directory" || kind == "hamtshard" { "/" } else { "" };
            println!("{} {} {}{}", e.cid, e.size, e.name, slash);
        }
    }
    Ok(())
}
