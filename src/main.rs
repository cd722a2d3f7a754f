//! The `swarmscope` binary: parses the command line and runs a command; errors are one line on stderr.

mod alloc;

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;
use swarmscope::cli::{Cli, Command, NodeArgs};

fn main() -> ExitCode {
    alloc::tune();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) if matches!(err.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => err.exit(),
        Err(err) if err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => err.exit(),
        Err(err) => {
            // clap's usage block is several lines; a script (and a person) wants the one that says what is wrong.
            let rendered = err.render().to_string();
            let what: Vec<&str> = rendered
                .lines()
                .map(str::trim)
                .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("tip:") && !l.starts_with("For more"))
                .filter(|l| !l.is_empty())
                .collect();
            eprintln!("{} (see --help)", what.join(" ").trim_end_matches(':'));
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if is_broken_pipe(&err) {
                // Quiet for `swarmscope cat X | head`; said once so that it is never a mystery.
                eprintln!("(stopped: {})", swarmscope::ops::one_line(&err));
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {}", swarmscope::ops::one_line(&err));
            ExitCode::FAILURE
        }
    }
}

/// The TUI (what `swarmscope` alone opens), or any other command.
fn run(cli: Cli) -> anyhow::Result<()> {
    let repo = swarmscope::cli::repo_dir(cli.repo.as_deref())?;
    let routers = cli.routers()?;
    let mut command = cli.command.unwrap_or(Command::Tui(NodeArgs::default()));
    command.set_no_bootstrap(cli.no_bootstrap);
    if matches!(command, Command::Tui(_)) {
        command.set_repo_bootstrap(swarmscope::cmd::bootstrap::load(&repo)?);
    }
    command.set_routers(&routers);
    if matches!(command, Command::Tui(_) | Command::Daemon(_)) {
        alloc::trim_when_idle();
    }
    match command {
        Command::Tui(args) => swarmscope::app::run::run(&repo, &args, false),
        // A temporary repo unless one was given (--repo or SWARMSCOPE_REPO); never public routing.
        Command::Demo => swarmscope::app::run::demo(cli.repo.as_deref()),
        Command::Replay { file, speed, print: false, .. } => swarmscope::app::replay::run(&file, speed),
        Command::Replay { file, print: true, size, pane, .. } => {
            let (w, h) = size
                .split_once('x')
                .and_then(|(w, h)| Some((w.parse::<u16>().ok()?, h.parse::<u16>().ok()?)))
                .filter(|&(w, h)| (20..=1000).contains(&w) && (10..=1000).contains(&h))
                .ok_or_else(|| anyhow::anyhow!("--size must be COLSxROWS, e.g. 120x40 (20..1000 by 10..1000)"))?;
            print!("{}", swarmscope::app::replay::print(&file, w, h, pane.as_deref())?);
            Ok(())
        }
        command => swarmscope::cmd::run(&repo, command, cli.no_bootstrap, &routers),
    }
}

/// Writing to a closed pipe (`swarmscope cat X | head`) ends quietly.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().filter_map(|c| c.downcast_ref::<std::io::Error>()).any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}
