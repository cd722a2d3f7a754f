#![allow(dead_code)]

pub mod content;
pub mod swarmscope;
