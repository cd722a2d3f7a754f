//! `block put|get|stat|rm`: single blocks, as Kubo's `ipfs block`.

use anyhow::{Context, Result, bail};
use serde::Serialize;
use std::io::Read;

use crate::cli::BlockCommand;
use crate::node::block::{self, Block};
use crate::node::dag::pb;

/// Blocks larger than this are refused by `block put`: peers refuse them too (Bitswap accepts up to 2 MiB).
pub const MAX_BLOCK_PUT: usize = 2 * 1024 * 1024;

#[derive(Debug, Serialize)]
struct BlockStat {
    cid: String,
    size: u64,
}

pub fn run(ctx: &mut super::Ctx, command: BlockCommand) -> Result<()> {
    match command {
        BlockCommand::Put { cid_codec, mhtype } => {
            let codec = match cid_codec.as_str() {
                "raw" => block::RAW,
                "dag-pb" | "protobuf" => block::DAG_PB,
                other => bail!("unsupported --cid-codec {other:?} (use raw or dag-pb)"),
            };
            let hash = match mhtype.as_str() {
                "sha2-256" => block::SHA2_256,
                "blake3" => block::BLAKE3,
                other => bail!("unsupported --mhtype {other:?} (use sha2-256 or blake3)"),
            };
            let mut data = Vec::new();
            (&mut ctx.input).take(MAX_BLOCK_PUT as u64 + 1).read_to_end(&mut data).context("reading stdin")?;
            if data.len() > MAX_BLOCK_PUT {
                bail!("block is over the {MAX_BLOCK_PUT}-byte limit");
            }
            if codec == block::DAG_PB {
                pb::Node::decode(&data[..]).context("stdin is not a valid dag-pb node")?;
            }
            let block = Block::from_data(cid::Version::V1, codec, hash, data)?;
            let store = ctx.store()?;
            store.put(&block)?;
            writeln!(ctx.out, "{}", block.cid())?;
        }
        BlockCommand::Get { cid } => {
            let cid = super::parse_cid(&cid)?;
            let store = ctx.store()?;
            let data = store.get(&cid)?.ok_or_else(|| anyhow::anyhow!("block {cid} not found in the local store"))?;
            ctx.out.write_all(&data).context("writing to stdout")?;
        }
        BlockCommand::Stat { cid, json } => {
            let cid = super::parse_cid(&cid)?;
            let store = ctx.store()?;
            let size = store.size(&cid)?.ok_or_else(|| anyhow::anyhow!("block {cid} not found in the local store"))?;
            if json {
                writeln!(ctx.out, "{}", serde_json::to_string(&BlockStat { cid: cid.to_string(), size })?)?;
            } else {
                writeln!(ctx.out, "Key: {cid}\nSize: {size}")?;
            }
        }
        BlockCommand::Rm { cids } => {
            let parsed = cids.iter().map(|c| super::parse_cid(c)).collect::<Result<Vec<_>>>()?;
            let store = ctx.store()?;
            let mut missing = 0;
            for cid in parsed {
                if store.remove(&cid)? {
                    writeln!(ctx.out, "removed {cid}")?;
                } else {
                    writeln!(ctx.err, "error: block {cid} not found in the local store")?;
                    missing += 1;
                }
            }
            if missing > 0 {
                bail!("{missing} block(s) were not in the store");
            }
        }
    }
    Ok(())
}
