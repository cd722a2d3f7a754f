//! The command line: clap's parse becomes a typed request ([`request`]), which runs in the repo's daemon when one
//! holds the repo (through the control socket) and in this process otherwise; either way the same [`view`]
//! shows its progress and [`render`] prints its result exactly as the command line always has.

pub mod bootstrap;
pub mod daemon;
pub mod progress;
pub mod render;
pub mod request;
pub mod view;

use std::path::Path;

use anyhow::Result;
use tokio_util::sync::CancellationToken;

use crate::cli::Command;
use crate::control::client::Client;
use crate::ops::{Call, Outcome, run_local};
use view::Terminal;

/// Runs one command line (anything but the TUI) on `repo`.
/// `routers`: the delegated routers of a node started for the command (`Cli::routers`).
pub fn run(repo: &Path, mut command: Command, no_bootstrap: bool, routers: &[String]) -> Result<()> {
    if let Command::Bootstrap(b) = command {
        return bootstrap::run(repo, b, &mut std::io::stdout());
    }
    let kept = bootstrap::load(repo)?;
    if let Command::Daemon(args) = &mut command {
        args.node.repo_bootstrap = kept;
        return daemon::run(repo, args);
    }
    let (request, view) = request::from_cli(command, no_bootstrap, kept.as_deref(), routers)?;
    let stdin = request.reads_stdin();
    let pure = request.is_pure();
    let call = Call::here(request);
    let mut terminal = Terminal::new(view);
    let outcome = match if pure { None } else { Client::connect(repo)? } {
        Some(client) => {
            let input: Option<Box<dyn std::io::Read + Send>> =
                if stdin { Some(Box::new(std::io::stdin())) } else { None };
            client.run(call, input, None, &mut terminal)
        }
        None => {
            let mut input = std::io::stdin();
            run_local(call, repo.to_path_buf(), None, &mut input, CancellationToken::new(), &mut terminal)
        }
    };
    finish(&mut terminal, outcome)
}

/// Prints the result (or leaves the error to `main`), after the progress bar is gone.
fn finish(terminal: &mut Terminal, outcome: Result<Outcome>) -> Result<()> {
    use std::io::Write;
    terminal.clear_bar();
    let rendered = outcome.and_then(|o| render::render(&terminal.view, o, &mut terminal.out));
    let flushed = terminal.out.flush();
    rendered?;
    flushed?;
    Ok(())
}
