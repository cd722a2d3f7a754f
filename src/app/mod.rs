//! The TUI's state, reducer, input grammar and keymap (pure), and the run loop that connects them to the node and
//! the terminal.

pub mod command;
pub mod demo;
pub mod job;
pub mod keymap;
pub mod logging;
pub mod run;
pub mod runner;
pub mod series;
pub mod state;
