//! Bitswap 1.2.0 / 1.1.0 / 1.0.0 (Foundation 2): the wire message so far.

pub mod message;
