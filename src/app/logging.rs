//! Logging while the TUI owns the terminal: everything goes to a file through tracing-appender (non-blocking,
//! its guard kept for the program's life), and a copy of each line goes to the log pane through a bounded channel
//! that drops rather than waits.

use std::io::Write;
use std::path::Path;

use tokio::sync::mpsc;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Sends each formatted line to the app.
#[derive(Clone)]
struct PaneWriter(mpsc::Sender<String>);

impl Write for PaneWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let line = String::from_utf8_lossy(buf).trim_end().to_string();
        if !line.is_empty() {
            let _ = self.0.try_send(line);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for PaneWriter {
    type Writer = PaneWriter;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// The log filter when `RUST_LOG` is not set.
pub const DEFAULT_FILTER: &str = "info,libp2p_kad::behaviour=error";

/// Installs file logging in `dir/swarmscope.log` (level from `RUST_LOG`, default [`DEFAULT_FILTER`]) and returns the guard
/// and the receiver of lines for the log pane.
pub fn init(dir: &Path) -> anyhow::Result<(tracing_appender::non_blocking::WorkerGuard, mpsc::Receiver<String>)> {
    // Private like the rest of the repo (0700/0600), whatever the umask: created before the appender opens it.
    {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(dir.join("swarmscope.log"))?;
    }
    let file = tracing_appender::rolling::never(dir, "swarmscope.log");
    let (writer, guard) = tracing_appender::non_blocking(file);
    let (tx, rx) = mpsc::channel(1024);
    // Kademlia's own warnings are left out by default: its bootstrap timer, which routing cannot turn off, warns
    // "Failed to trigger bootstrap: No known peers" on every node without DHT peers (every fully local one), and
    // routing reports the DHT's walks itself (the Routing pane's `walk`). Its only other warning is about record
    // replication, which this node does not use.
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_ansi(false).with_writer(writer).with_filter(filter()))
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .without_time()
                .with_target(false)
                .with_writer(PaneWriter(tx))
                .with_filter(filter()),
        )
        .try_init()
        .map_err(|e| anyhow::anyhow!("cannot install logging: {e}"))?;
    Ok((guard, rx))
}

use tracing_subscriber::Layer as _;

#[cfg(test)]
mod filter_tests {
    use tracing::Level;
    use tracing_subscriber::layer::SubscriberExt;

    #[test]
    fn the_default_filter_hides_kademlias_bootstrap_warning_and_keeps_the_rest() {
        let filter = tracing_subscriber::EnvFilter::new(super::DEFAULT_FILTER);
        let subscriber = tracing_subscriber::registry().with(filter);
        tracing::subscriber::with_default(subscriber, || {
            assert!(!tracing::enabled!(target: "libp2p_kad::behaviour", Level::WARN));
            assert!(tracing::enabled!(target: "libp2p_kad::behaviour", Level::ERROR));
            assert!(tracing::enabled!(target: "libp2p_swarm", Level::INFO));
            assert!(tracing::enabled!(target: "swarmscope::node", Level::WARN));
        });
    }
}
