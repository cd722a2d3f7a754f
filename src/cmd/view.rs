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
        Self {
            view,
            out: BufWriter::with_capacity(1 << 20, std::io::stdout()),
            bars: std::io::stderr().is_terminal(),
            bar: None,
        }
    }

    /// Takes the progress bar off the screen (before an error or the result is printed).
    pub fn clear_bar(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
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
            OpEvent::Fetch { .. } => {}
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
