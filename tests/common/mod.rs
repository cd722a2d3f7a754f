#![allow(dead_code)]

pub mod background;
pub mod content;
pub mod dht;
pub mod helia;
pub mod nodes;
pub mod swarmscope;
