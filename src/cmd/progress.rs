//! Progress bars on stderr, drawn only when stderr is a terminal (indicatif hides them otherwise, so scripts and
//! tests see clean output).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A byte-counting bar with throughput and ETA; a spinner when the total is unknown (stdin).
pub fn bytes_bar(total: u64) -> ProgressBar {
    let bar = if total > 0 { ProgressBar::new(total) } else { ProgressBar::no_length() };
    bar.set_draw_target(ProgressDrawTarget::stderr());
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
