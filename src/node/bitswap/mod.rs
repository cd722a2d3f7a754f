//! Bitswap 1.2.0 / 1.1.0 / 1.0.0: wire messages, frames, per-peer wantlists and ledgers, and the streams.

pub mod budget;
pub mod client;
pub mod codec;
pub mod encode;
pub mod inbound;
pub mod inspect;
pub mod late;
pub mod ledger;
pub mod message;
pub mod peer_stats;
pub mod protocol;
pub mod serve_queue;
pub mod session;
pub mod streams;
pub mod wantlist;
