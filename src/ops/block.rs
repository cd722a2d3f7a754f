//! `block put|get|stat|rm`: single blocks, as Kubo's `ipfs block`.

use std::io::Read;

use anyhow::{Context, Result, bail};
use cid::Cid;

use super::fetch::Net;
use super::outcome::Removal;
use super::request::{BlockCodec, BlockHash, FetchOptions};
use super::stream::{CancelRead, stream};
use super::{Ctx, Outcome};
use crate::node::block::{self, Block};
use crate::node::blockstore as store;
use crate::node::dag::pb;

/// Blocks larger than this are refused by `block put`: peers refuse them too (Bitswap accepts up to 2 MiB).
pub const MAX_BLOCK_PUT: usize = 2 * 1024 * 1024;

pub fn put(ctx: &mut Ctx, codec: BlockCodec, hash: BlockHash) -> Result<Outcome> {
    let codec = match codec {
        BlockCodec::Raw => block::RAW,
        BlockCodec::DagPb => block::DAG_PB,
    };
    let hash = match hash {
        BlockHash::Sha2_256 => block::SHA2_256,
        BlockHash::Blake3 => block::BLAKE3,
    };
    let mut data = Vec::new();
    let input = CancelRead { inner: &mut *ctx.input, cancel: &ctx.cancel };
    input.take(MAX_BLOCK_PUT as u64 + 1).read_to_end(&mut data).context("reading stdin")?;
    if data.len() > MAX_BLOCK_PUT {
        bail!("block is over the {MAX_BLOCK_PUT}-byte limit");
    }
    if codec == block::DAG_PB {
        pb::Node::decode(&data[..]).context("stdin is not a valid dag-pb node")?;
    }
    let block = Block::from_data(cid::Version::V1, codec, hash, data)?;
    ctx.store()?.put(&block)?;
    super::routing::announce(ctx, &[*block.cid()], false);
    Ok(Outcome::BlockPut { cid: *block.cid() })
}

/// One block's bytes, fetched when it is not stored (unless `--offline`).
pub fn get(ctx: &mut Ctx, cid: Cid, fetch: &FetchOptions) -> Result<Outcome> {
    let store = ctx.store()?;
    let data = if fetch.offline {
        store.get(&cid)?.ok_or_else(|| anyhow::anyhow!("block {cid} not found in the local store"))?
    } else {
        Net::new(fetch).block(ctx, &store, &cid)?
    };
    let (bytes, truncated) = stream(ctx, |out| out.write_all(&data).context("writing to stdout"))?;
    Ok(Outcome::Streamed { bytes, truncated })
}

pub fn stat(ctx: &mut Ctx, cid: Cid) -> Result<Outcome> {
    let size = ctx.store()?.size(&cid)?.ok_or_else(|| anyhow::anyhow!("block {cid} not found in the local store"))?;
    Ok(Outcome::BlockStat { cid, size })
}

pub fn rm(ctx: &mut Ctx, cids: &[Cid]) -> Result<Outcome> {
    let store = ctx.store()?;
    let removals = store.remove_unpinned(cids)?;
    let results = cids
        .iter()
        .zip(removals)
        .map(|(cid, r)| match r {
            store::Removal::Removed => Removal { cid: *cid, removed: true, pinned: None },
            store::Removal::Absent => Removal { cid: *cid, removed: false, pinned: None },
            store::Removal::Pinned(by) => Removal { cid: *cid, removed: false, pinned: Some(by.to_string()) },
        })
        .collect();
    Ok(Outcome::BlocksRemoved { results })
}
