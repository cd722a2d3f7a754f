//! Bitswap frames and messages from a hostile peer: the frame reader (declared-length limit, varints) and the
//! parser (CIDs, payload prefixes, hashing) must never panic or allocate past the limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use swarmscope::node::bitswap::codec::{MAX_MESSAGE, read_message};
use swarmscope::node::bitswap::protocol::parse;

fuzz_target!(|data: &[u8]| {
    let mut input = data;
    while let Ok(Some(msg)) = futures::executor::block_on(read_message(&mut input, MAX_MESSAGE)) {
        let _ = parse(msg);
    }
});
