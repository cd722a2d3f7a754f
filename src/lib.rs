//! swarmscope: a terminal node monitor and explorer for IPFS Bitswap.
//!
//! Three layers with a one-way data flow (ARCHITECTURE.md): `node` (library-grade embedded node), `app`
//! (state and reducer), `ui` (pure rendering). `cmd` holds the command-line commands built on `node`.
#![forbid(unsafe_code)]

pub mod app;
pub mod cli;
pub mod cmd;
pub mod node;
pub mod ui;
