//! dag-pb nodes and UnixFS data from anyone: decoding, then listing and exporting the node as a DAG root (its
//! links point at blocks that are mostly missing) must give errors, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use swarmscope::node::block::{Block, DAG_PB, SHA2_256};
use swarmscope::node::dag::pb::Node;
use swarmscope::node::dag::{BlockSink, MemoryStore, exporter};

fuzz_target!(|data: &[u8]| {
    if Node::decode(data).is_err() {
        return;
    }
    let store = MemoryStore::default();
    let Ok(block) = Block::from_data(cid::Version::V1, DAG_PB, SHA2_256, data.to_vec()) else { return };
    let cid = *block.cid();
    let _ = (&store).put(block);
    let _ = exporter::ls(&store, &cid);
    let _ = exporter::file_size(&store, &cid);
    let mut sink = std::io::sink();
    let _ = exporter::cat(&store, &cid, &mut sink);
});
