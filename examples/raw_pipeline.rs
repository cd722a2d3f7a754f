//! The ceiling of this design: the same blocks as a default-profile import of SIZE_MIB, sent over one libp2p
//! TCP + noise + yamux stream (the node's own transport config), hashed on arrival and written into a fresh
//! blockstore through the same batched writer. No Bitswap: no wants, no messages, no round trips.
//! `cargo run --release --example raw_pipeline [SIZE_MIB=256]` prints MB/s and the CPU time of the transfer
//! (`cpu_ms`, both ends); scripts/bench-bitswap runs it beside the Bitswap figures.

use std::time::{Duration, Instant};

use futures::{AsyncReadExt, AsyncWriteExt, StreamExt};
use libp2p::StreamProtocol;
use swarmscope::node::block::Block;
use swarmscope::node::blockstore::Blockstore;
use swarmscope::node::dag::importer::import_file;
use swarmscope::node::dag::profile::ImportOptions;
use swarmscope::node::dag::walk::walk_dag;
use swarmscope::node::swarm::{Limits, build};

const PROTOCOL: StreamProtocol = StreamProtocol::new("/swarmscope/raw-bench/1");

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let mib: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(256);
    let work = tempfile::tempdir()?;
    let source = Blockstore::open(&work.path().join("source"))?;
    let mut w = source.writer();
    let root = import_file(
        &swarmscope::app::demo::content(0, mib << 20)[..],
        &ImportOptions::unixfs_v1_2025(),
        &mut w,
        &mut |_| {},
    )?
    .cid;
    w.finish()?;
    let mut blocks = Vec::new();
    walk_dag(&source, &root, &mut |cid, bytes| {
        blocks.push((*cid, bytes.clone()));
        Ok(())
    })?;

    let idle = Duration::from_secs(60);
    let mut receiver = build(libp2p::identity::Keypair::generate_ed25519(), false, idle, Limits::default())?;
    let mut sender = build(libp2p::identity::Keypair::generate_ed25519(), false, idle, Limits::default())?;
    let mut incoming = receiver.behaviour().stream.new_control().accept(PROTOCOL)?;
    let mut control = sender.behaviour().stream.new_control();
    receiver.listen_on("/ip4/127.0.0.1/tcp/0".parse()?)?;
    let addr = loop {
        if let libp2p::swarm::SwarmEvent::NewListenAddr { address, .. } = receiver.select_next_some().await {
            break address;
        }
    };
    let receiver_id = *receiver.local_peer_id();
    tokio::spawn(async move {
        loop {
            receiver.select_next_some().await;
        }
    });
    sender.dial(addr)?;
    // Connected before the stream is opened (libp2p-stream would otherwise dial a peer it has no address for).
    loop {
        if let libp2p::swarm::SwarmEvent::ConnectionEstablished { .. } = sender.select_next_some().await {
            break;
        }
    }
    tokio::spawn(async move {
        loop {
            sender.select_next_some().await;
        }
    });

    let target = Blockstore::open(&work.path().join("target"))?;
    let expected = blocks.len();
    let receive = tokio::spawn(async move {
        let (_, mut stream) = incoming.next().await.expect("a stream");
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Block>(16);
        let writer = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            let mut w = target.writer();
            while let Some(b) = rx.blocking_recv() {
                w.put(b)?;
            }
            w.finish()?;
            Ok(())
        });
        let started = Instant::now();
        let cpu_started = cpu_ms();
        let mut bytes = 0u64;
        for _ in 0..expected {
            let mut head = [0u8; 6];
            stream.read_exact(&mut head).await?;
            let cid_len = u16::from_be_bytes([head[0], head[1]]) as usize;
            let data_len = u32::from_be_bytes([head[2], head[3], head[4], head[5]]) as usize;
            let mut cid = vec![0u8; cid_len];
            stream.read_exact(&mut cid).await?;
            let mut data = vec![0u8; data_len];
            stream.read_exact(&mut data).await?;
            bytes += data_len as u64;
            let block = Block::new(cid::Cid::try_from(cid.as_slice())?, data)?; // hashed here
            tx.send(block).await?;
        }
        drop(tx);
        writer.await??;
        anyhow::Ok((started.elapsed(), bytes, cpu_ms() - cpu_started))
    });

    let mut stream = control.open_stream(receiver_id, PROTOCOL).await?;
    for (cid, data) in &blocks {
        let cid = cid.to_bytes();
        let mut head = Vec::with_capacity(6);
        head.extend_from_slice(&(cid.len() as u16).to_be_bytes());
        head.extend_from_slice(&(data.len() as u32).to_be_bytes());
        stream.write_all(&head).await?;
        stream.write_all(&cid).await?;
        stream.write_all(data).await?;
    }
    stream.flush().await?;
    let (elapsed, bytes, cpu_ms) = receive.await??;
    let ms = elapsed.as_millis();
    println!(
        "{{\"mib\": {mib}, \"blocks\": {expected}, \"bytes\": {bytes}, \"ms\": {ms}, \"mb_per_s\": {:.0}, \"cpu_ms\": {cpu_ms}}}",
        bytes as f64 / 1e6 / elapsed.as_secs_f64()
    );
    Ok(())
}

/// CPU time (user + system, every thread: sender and receiver together) this process has used, in ms, from
/// /proc/self/stat: the transfer's CPU cost, which a loaded machine does not blur as it does wall-clock time.
fn cpu_ms() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces): state is the 3rd field, utime the 14th, stime the 15th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let ticks: u64 = rest.split_whitespace().skip(11).take(2).filter_map(|f| f.parse::<u64>().ok()).sum();
    ticks * 10 // USER_HZ is 100 on Linux
}
