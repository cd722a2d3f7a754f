//! Walking a DAG: depth-first, pre-order, each block once. The order Kubo and Helia write CAR files in.

use std::collections::HashSet;

use bytes::Bytes;
use cid::Cid;

use super::pb;
use super::store::BlockSource;
use crate::node::blockstore::StoreError;

/// Visits every block under `root` once (deduplicated by multihash), parents before children, links in order.
/// Iterative, so a deep DAG cannot overflow the stack. A missing block is `StoreError::NotFound`.
pub fn walk_dag(
    source: &dyn BlockSource,
    root: &Cid,
    visit: &mut dyn FnMut(&Cid, &Bytes) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    let mut stack = vec![*root];
    while let Some(cid) = stack.pop() {
        if !seen.insert(cid.hash().to_bytes()) {
            continue;
        }
        let data = source.require(&cid)?;
        visit(&cid, &data)?;
        let links = pb::links(&cid, &data).map_err(|e| StoreError::Links { cid, reason: e.to_string() })?;
        stack.extend(links.into_iter().rev());
    }
    Ok(())
}
