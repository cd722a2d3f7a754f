//! The embedded IPFS node: blocks, the blockstore, DAGs. Knows nothing of `app` or `ui`; usable as a library.

pub mod bitswap;
pub mod block;
pub mod blockstore;
pub mod dag;
