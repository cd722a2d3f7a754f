//! swarmscope: a terminal node monitor and explorer for IPFS Bitswap.
//!
//! Three layers with a one-way data flow (ARCHITECTURE.md): `node` (library-grade embedded node), `app`
//! (state and reducer), `ui` (pure rendering). `ops` is the command layer every caller shares; `cmd` is the
//! command line on top of it, `control` the daemon's socket that runs commands for other processes.
#![forbid(unsafe_code)]

pub mod app;
pub mod cli;
pub mod cmd;
pub mod control;
pub mod node;
pub mod ops;
pub mod recording;
pub mod ui;
