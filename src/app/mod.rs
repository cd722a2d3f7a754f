//! The TUI: its state and the one reducer that writes it (`update(&mut AppState, Msg) -> Vec<Effect>`), the input
//! grammar and keymap (pure), the jobs the input bar runs through the command layer, and the run loop that turns
//! terminal input, node events and job results into messages and carries out the effects.

pub mod command;
pub mod demo;
pub mod job;
pub mod keymap;
mod keys;
pub mod layout;
mod live;
pub mod logging;
pub mod msg;
mod node_events;
mod op_results;
pub mod record;
pub mod replay;
pub mod run;
pub mod runner;
pub mod selection;
pub mod series;
pub mod state;
pub mod update;
