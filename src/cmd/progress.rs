//! Progress bars on stderr, drawn only when stderr is a terminal (indicatif hides them otherwise, so scripts and
//! tests see clean output).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A byte-counting bar (drawn only when `visible`: this process's stderr is the caller's terminal) with throughput and ETA; a spinner when the total is unknown (stdin).
pub fn bytes_bar(total: u64, visible: bool) -> ProgressBar {
    let bar = if total > 0 { ProgressBar::new(total) } else { ProgressBar::no_length() };
    bar.set_draw_target(if visible { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() });
    let template = if total > 0 {
        "{bytes}/{total_bytes} [{wide_bar}] {bytes_per_sec} eta {eta}"
    } else {
        "{spinner} {bytes} {bytes_per_sec}"
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// A fetch's bar: bytes, blocks and throughput (the DAG's size is unknown until it is fetched).
pub fn fetch_bar(visible: bool) -> ProgressBar {
    let bar = ProgressBar::no_length();
    bar.set_draw_target(if visible { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() });
    if let Ok(style) = ProgressStyle::with_template("{spinner} fetching {bytes}, {msg} {bytes_per_sec}") {
        bar.set_style(style);
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}
