//! Command-line commands built on `node`: each file is one command group. Every command returns an
//! `anyhow::Result`; `main` prints an error as one line and exits non-zero.

pub mod add;
pub mod block;
pub mod cid;
pub mod content;
pub mod control;
pub mod ctx;
pub mod daemon;
pub mod dag;
pub mod node_info;
pub mod pin;
pub mod progress;
pub mod repo;

use std::path::{Path, PathBuf};

use ::cid::Cid;
use anyhow::{Context, Result};

use crate::cli::{Cli, Command};
pub use ctx::Ctx;

/// Runs one parsed command line in this process: through the repo's daemon when one runs, else here.
pub fn run(cli: Cli) -> Result<()> {
    let repo = repo_dir(cli.repo.as_deref())?;
    let command = cli.command.unwrap_or(Command::Tui(crate::cli::NodeArgs::default()));
    if let Command::Daemon(args) = &command {
        return daemon::run(&repo, args);
    }
    if let Command::Tui(args) = &command {
        return tui(&repo, args, false);
    }
    if let Command::Demo = &command {
        let args = crate::cli::NodeArgs { listen: vec!["/ip4/127.0.0.1/tcp/0".into()], connect: vec![], no_mdns: true };
        return tui(&repo, &args, true);
    }
    if let Command::Cid(c) = command {
        return ctx::with_stdio(repo, |ctx| cid::run(ctx, c));
    }
    if let Some(code) = control::forward_if_daemon(&repo, &command)? {
        return if code == 0 { Ok(()) } else { Err(control::RemoteFailed(code).into()) };
    }
    ctx::with_stdio(repo, |ctx| dispatch(ctx, command))
}

/// Runs a command against a context (this process's stdio, or a control-socket client's).
pub fn dispatch(ctx: &mut Ctx, command: Command) -> Result<()> {
    match command {
        Command::Add(args) => add::run(ctx, &args),
        Command::Cat { cid, net } => content::cat(ctx, &cid, &net),
        Command::Get { cid, output, net, json } => content::get(ctx, &cid, output.as_deref(), &net, json),
        Command::Ls { cid, json } => content::ls(ctx, &cid, json),
        Command::Block(c) => block::run(ctx, c),
        Command::Dag(c) => dag::run(ctx, c),
        Command::Pin(c) => pin::run(ctx, c),
        Command::Repo(c) => repo::run(ctx, c),
        Command::Cid(c) => cid::run(ctx, c),
        Command::Id { json } => node_info::id(ctx, json),
        Command::Swarm(c) => node_info::swarm(ctx, c),
        Command::Bitswap(c) => node_info::bitswap(ctx, c),
        Command::Daemon(_) => anyhow::bail!("a daemon cannot be started through another daemon"),
        Command::Tui(_) | Command::Demo => anyhow::bail!("the TUI cannot run inside a daemon"),
    }
}

/// Opens the TUI on `repo` with an embedded node.
fn tui(repo: &Path, args: &crate::cli::NodeArgs, demo: bool) -> Result<()> {
    let mut config = crate::node::config::NodeConfig::new(repo.to_path_buf());
    config.listen = args.listen.iter().map(|a| parse_multiaddr(a)).collect::<Result<_>>()?;
    if config.listen.is_empty() {
        config.listen = config.listen_addrs();
    }
    config.connect = args.connect.iter().map(|a| parse_multiaddr(a)).collect::<Result<_>>()?;
    config.mdns = !args.no_mdns;
    crate::app::run::run(config, demo)
}

/// The repo directory: `--repo`/`SWARMSCOPE_REPO`, else `$XDG_DATA_HOME/swarmscope`, else
/// `~/.local/share/swarmscope`.
pub fn repo_dir(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(dir) = flag {
        return Ok(dir.to_path_buf());
    }
    if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(xdg).join("swarmscope"));
    }
    let home =
        std::env::var_os("HOME").filter(|v| !v.is_empty()).context("neither --repo, XDG_DATA_HOME nor HOME is set")?;
    Ok(PathBuf::from(home).join(".local/share/swarmscope"))
}

/// Parses a CID given by a user, with an error that quotes it.
pub fn parse_cid(text: &str) -> Result<Cid> {
    let trimmed = text.trim().trim_start_matches("/ipfs/");
    Cid::try_from(trimmed).map_err(|e| anyhow::anyhow!("invalid CID {text:?}: {e}"))
}

/// Parses a multiaddr given by a user, with an error that quotes it.
pub fn parse_multiaddr(text: &str) -> Result<libp2p::Multiaddr> {
    text.parse().map_err(|e| anyhow::anyhow!("invalid multiaddr {text:?}: {e}"))
}

/// Formats an error chain as one line: "outer: inner: root cause", without repeating a message that an outer
/// layer already quoted.
pub fn one_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line.replace('\n', " ")
}
