//! `cid inspect`: what a CID is made of, and its other spellings.

use cid::Cid;
use serde::{Deserialize, Serialize};

use crate::node::block::{self, DAG_PB, SHA2_256};

/// The parts of a CID, as `cid inspect --json` prints them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MultihashInfo {
    pub name: String,
    pub code: u64,
    pub length: usize,
    pub digest_hex: String,
}

pub fn inspect(cid: &Cid) -> CidInfo {
    let mh = cid.hash();
    let v1 = Cid::new_v1(cid.codec(), *mh);
    let v0 =
        (cid.codec() == DAG_PB && mh.code() == SHA2_256 && mh.size() == 32).then(|| Cid::new_v0(*mh).ok()).flatten();
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
