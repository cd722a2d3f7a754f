#![allow(dead_code)]

pub mod content;
pub mod helia;
pub mod swarmscope;
