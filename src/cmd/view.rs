//! What the command line shows while a command runs, wherever it runs: streamed output to stdout, `added …`
//! lines as entries are added, progress bars on stderr (only when stderr is a terminal), warnings.

use std::io::{BufWriter, Stdout, Write};

use indicatif::ProgressBar;
use serde::Serialize;

use crate::ops::{Observer, OpEvent, OpId};

/// The output flags of a command line.
#[derive(Clone, Debug, Default)]
pub struct View {
    pub json: bool,
    /// `add -Q`: only the last root.
    pub quieter: bool,
    /// `swarm peers -v`.
    pub verbose: bool,
    /// The argument as the user typed it, when the result repeats it (`connect … success`).
    pub arg: String,
    /// The command streams its result to stdout (`cat`): no bar when stdout is the terminal too, where it would
    /// cross the content; to a file or a pipe, the bar is drawn on stderr.
    pub streams: bool,
}

/// This process's stdout and stderr as a command's [`Observer`].
pub struct Terminal {
    pub view: View,
    pub out: BufWriter<Stdout>,
    bars: bool,
    bar: Option<ProgressBar>,
}

/// One line of `add --json`.
#[derive(Serialize)]
struct AddedEntry<'a> {
    name: &'a str,
    cid: String,
    size: u64,
}

impl Terminal {
    pub fn new(view: View) -> Self {
        use std::io::IsTerminal;
        let bars = bars_visible(&view, std::io::stderr().is_terminal(), std::io::stdout().is_terminal());
        Self { view, out: BufWriter::with_capacity(1 << 20, std::io::stdout()), bars, bar: None }
    }

    /// Takes the progress bar off the screen (before an error or the result is printed).
    pub fn clear_bar(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// Whether progress bars are drawn: on a terminal's stderr, unless the command's streamed output goes to the
/// same terminal.
fn bars_visible(view: &View, stderr_tty: bool, stdout_tty: bool) -> bool {
    stderr_tty && !(view.streams && stdout_tty)
}

impl Observer for Terminal {
    fn event(&mut self, _op: OpId, event: OpEvent) -> std::io::Result<()> {
        match event {
            OpEvent::Total { bytes } => {
                self.clear_bar();
                self.bar = Some(super::progress::bytes_bar(bytes, self.bars));
            }
            OpEvent::Read { bytes } => {
                if let Some(bar) = &self.bar {
                    bar.set_position(bytes);
                }
            }
            OpEvent::Fetch { blocks, bytes } => {
                let bars = self.bars;
                let bar = self.bar.get_or_insert_with(|| super::progress::fetch_bar(bars));
                bar.set_position(bytes);
                bar.set_message(format!("{blocks} blocks"));
            }
            OpEvent::Added { name, cid, size } => {
                if self.view.quieter {
                } else if self.view.json {
                    let entry = AddedEntry { name: &name, cid: cid.to_string(), size };
                    writeln!(self.out, "{}", serde_json::to_string(&entry)?)?;
                } else {
                    writeln!(self.out, "added {cid} {name}")?;
                }
            }
            OpEvent::Pinned { root } => writeln!(self.out, "Pinned root {root} success")?,
            OpEvent::Warning { message } => {
                self.clear_bar();
                eprintln!("warning: {message}");
            }
            // Steps of a long command on stderr, as its progress (stdout keeps the result alone).
            OpEvent::Step { message } => {
                if !self.view.json {
                    self.clear_bar();
                    eprintln!("{message}…");
                }
            }
            OpEvent::Node { event } => eprintln!("{}", serde_json::to_string(&event).unwrap_or_default()),
        }
        Ok(())
    }

    fn output(&mut self, data: &[u8]) -> std::io::Result<()> {
        self.out.write_all(data)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_go_to_a_terminal_stderr_but_never_across_streamed_output() {
        let get = View::default();
        let cat = View { streams: true, ..View::default() };
        assert!(bars_visible(&get, true, true));
        assert!(!bars_visible(&get, false, true), "stderr is a file or a pipe");
        assert!(bars_visible(&cat, true, false), "cat > file: the bar is on stderr");
        assert!(!bars_visible(&cat, true, true), "cat to the terminal: no bar across the content");
    }
}
