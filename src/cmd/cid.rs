//! `cid inspect`: what a CID is made of, and its other spellings.

use anyhow::Result;
use cid::Cid;
use multihash::Multihash;
use serde::Serialize;

use crate::cli::CidCommand;
use crate::node::block::{self, DAG_PB, SHA2_256};

/// The parts of a CID, as `cid inspect --json` prints them.
#[derive(Debug, Serialize)]
pub struct CidInfo {
    pub cid: String,
    pub version: u64,
    pub codec: String,
    pub codec_code: u64,
    pub multihash: MultihashInfo,
    /// The CIDv1 in base32 (the canonical text form).
    pub cid_v1: String,
    /// The CIDv0 form, when the CID can have one (dag-pb + sha2-256, 32 bytes).
    pub cid_v0: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct MultihashInfo {
    pub name: String,
    pub code: u64,
    pub length: usize,
    pub digest_hex: String,
}

pub fn run(ctx: &mut super::Ctx, command: CidCommand) -> Result<()> {
    match command {
        CidCommand::Inspect { cid, json } => {
            let info = inspect(&super::parse_cid(&cid)?);
            if json {
                writeln!(ctx.out, "{}", serde_json::to_string(&info)?)?;
            } else {
                writeln!(ctx.out, "CID:       {}", info.cid)?;
                writeln!(ctx.out, "Version:   {}", info.version)?;
                writeln!(ctx.out, "Codec:     {} (0x{:x})", info.codec, info.codec_code)?;
                let mh = &info.multihash;
                writeln!(ctx.out, "Multihash: {} (0x{:x}), {} bytes", mh.name, mh.code, mh.length)?;
                writeln!(ctx.out, "Digest:    {}", mh.digest_hex)?;
                writeln!(ctx.out, "CIDv1:     {}", info.cid_v1)?;
                writeln!(ctx.out, "CIDv0:     {}", info.cid_v0.as_deref().unwrap_or("-"))?;
            }
            Ok(())
        }
    }
}

pub fn inspect(cid: &Cid) -> CidInfo {
    let mh = cid.hash();
    let v1 = Cid::new_v1(cid.codec(), *mh);
    let v0 = (cid.codec() == DAG_PB && mh.code() == SHA2_256 && mh.size() == 32)
        .then(|| Cid::new_v0(Multihash::<64>::wrap(mh.code(), mh.digest()).expect("fits")).ok())
        .flatten();
    CidInfo {
        cid: cid.to_string(),
        version: cid.version() as u64,
        codec: block::codec_name(cid.codec()).to_string(),
        codec_code: cid.codec(),
        multihash: MultihashInfo {
            name: block::hash_name(mh.code()).to_string(),
            code: mh.code(),
            length: mh.size() as usize,
            digest_hex: mh.digest().iter().map(|b| format!("{b:02x}")).collect(),
        },
        cid_v1: v1.to_string(),
        cid_v0: v0.map(|c| c.to_string()),
    }
}
