//! The `swarmscope` binary: parses the command line and runs a command; errors are one line on stderr.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = swarmscope::cli::Cli::parse();
    match swarmscope::cmd::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {}", swarmscope::cmd::one_line(&err));
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().filter_map(|c| c.downcast_ref::<std::io::Error>()).any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}
