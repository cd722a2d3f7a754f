//! CAR files from anyone: the header's dag-cbor, section lengths, CIDs and block verification must give errors,
//! never panics, and never allocate what a length merely declares.
#![no_main]

use libfuzzer_sys::fuzz_target;
use swarmscope::node::dag::{MemoryStore, car};

fuzz_target!(|data: &[u8]| {
    let mut store = MemoryStore::default();
    let _ = car::import_car(data, &mut store);
});
