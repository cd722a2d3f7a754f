//! The reducer's part for jobs: an operation row when a job starts, its progress, and its result in the row, the
//! status line, a preview (`cat`, `ls`) or the explorer.

use super::job::{Shown, Target, ls_lines, summary};
use super::msg::JobDone;
use super::state::{AppState, MAX_FINISHED_OPS, Operation, Pane};
use crate::node::events::OpId;
use crate::ops::{OpEvent, Outcome};

impl AppState {
    pub(super) fn op_started(&mut self, id: OpId, kind: String, target: Target) {
        self.ops.push(Operation {
            id,
            kind,
            target,
            started_ms: self.now_ms,
            blocks: 0,
            bytes: 0,
            total: None,
            finished_ms: None,
            result: None,
            root: None,
        });
    }

    /// Progress of the operation `id` (never moves its byte count back: progress and results travel apart).
    pub(super) fn op_progress(&mut self, id: OpId, event: OpEvent) {
        let Some(op) = self.ops.iter_mut().find(|o| o.id == id) else { return };
        match event {
            OpEvent::Total { bytes } if bytes > 0 => op.total = Some(bytes),
            OpEvent::Read { bytes } => op.bytes = op.bytes.max(bytes),
            OpEvent::Fetch { blocks, bytes } if bytes >= op.bytes => {
                op.blocks = blocks;
                op.bytes = bytes;
            }
            _ => {}
        }
    }

    pub(super) fn job_done(&mut self, done: JobDone) {
        let JobDone { id, kind, target, shown, result, output } = done;
        let title = format!("{kind} {target}");
        if kind == super::live::REEXPLORE {
            // A re-read of the tree: the pane and the selection stay (the selection follows its CID).
            self.explore_in_flight = false;
            match result {
                Ok(Outcome::Explored(explored)) if self.explorer.as_ref().is_some_and(|e| e.root == explored.root) => {
                    self.explorer = Some(explored);
                    self.explorer_at_ms = self.now_ms;
                }
                Err(e) => self.push_log(format!("error: explore again: {e}")),
                _ => {}
            }
            return;
        }
        match &result {
            Ok(Outcome::Why(report)) => {
                self.timeline_in_flight = false;
                // An answer for a timeline closed meanwhile (Esc) does not reopen it.
                if self.timeline_cid.is_some() {
                    self.timeline = Some(report.clone());
                }
                return;
            }
            Err(_) if kind == "why" => self.timeline_in_flight = false,
            Ok(Outcome::Explored(explored)) => {
                self.explorer = Some(explored.clone());
                self.explorer_at_ms = self.now_ms;
                self.explore_stale = false;
                self.pane = Some(Pane::Explorer);
                self.selected.insert(Pane::Explorer, 0);
                return;
            }
            Ok(Outcome::Streamed { .. }) => self.preview = Some((title.clone(), printable(&output))),
            Ok(o @ Outcome::Listed { .. }) => self.preview = Some((title.clone(), ls_lines(o).unwrap_or_default())),
            Ok(Outcome::BitswapMessages { messages }) => {
                match messages.first() {
                    Some(m) => {
                        self.preview = Some((format!("message #{} from {}", m.id, m.peer), m.lines().join("\n")))
                    }
                    None => self.set_status(
                        format!("{target}: no kept message carries it (the node keeps the last 256 received)"),
                        true,
                    ),
                }
                return;
            }
            _ => {}
        }
        let root = match &result {
            Ok(Outcome::Added { roots } | Outcome::Imported { roots }) => roots.last().copied(),
            _ => None,
        };
        let line = result.map(|o| summary(&o));
        let (text, error) = match &line {
            Ok(text) => (text.clone(), false),
            Err(e) => (e.clone(), true),
        };
        if shown == Shown::Quiet {
            if error {
                self.push_log(format!("error: {text}"));
            }
            self.set_status(text, error);
            return;
        }
        if let Some(op) = self.ops.iter_mut().find(|o| o.id == id) {
            op.finished_ms = Some(self.now_ms);
            op.result = Some(line);
            op.root = root;
        }
        self.set_status(format!("{title}: {text}"), error);
        self.retain_ops();
    }

    fn retain_ops(&mut self) {
        let finished = self.ops.iter().filter(|o| o.finished_ms.is_some()).count();
        if finished > MAX_FINISHED_OPS {
            let mut drop = finished - MAX_FINISHED_OPS;
            self.ops.retain(|o| {
                if drop > 0 && o.finished_ms.is_some() {
                    drop -= 1;
                    false
                } else {
                    true
                }
            });
        }
    }
}

/// Content as the preview can show it: text as it is (tabs as spaces), anything else (invalid UTF-8, control
/// characters that would move the cursor and break the popup) as a hex dump with the printable bytes beside.
pub fn printable(bytes: &[u8]) -> String {
    if let Ok(text) = std::str::from_utf8(bytes)
        && !text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
    {
        return text.replace('\t', "    ").replace('\r', "");
    }
    let mut out = String::from("(binary: hex)\n");
    // Eight bytes a line: the dump fits the preview popup of an 80-column terminal.
    for (i, chunk) in bytes.chunks(8).enumerate() {
        let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
        let ascii: String = chunk.iter().map(|&b| if (0x20..0x7f).contains(&b) { b as char } else { '.' }).collect();
        out.push_str(&format!("{:08x}  {:<23}  |{ascii}|\n", i * 8, hex.join(" ")));
    }
    out
}

impl AppState {
    /// Opens the timeline of `cid` (Enter on a want or a transfer, `t` on an operation): shows what the TUI's own
    /// trace says and asks the node `why`, whose answer replaces it.
    pub(super) fn open_timeline(&mut self, cid: cid::Cid) -> Vec<super::msg::Effect> {
        self.timeline_cid = Some(cid);
        self.timeline = Some(self.local_timeline(&cid));
        self.timeline_in_flight = false;
        self.refresh_timeline()
    }

    /// Asks again for the open timeline; while the node has not answered (a replay runs no command), the TUI's
    /// own trace is shown, as of now.
    pub(super) fn refresh_timeline(&mut self) -> Vec<super::msg::Effect> {
        let Some(cid) = self.timeline_cid else { return Vec::new() };
        if self.timeline_in_flight {
            self.timeline = Some(self.local_timeline(&cid));
            return Vec::new();
        }
        self.timeline_in_flight = true;
        let job = super::job::job(super::command::Command::Why(cid), &self.cwd);
        job.map(|j| super::msg::Effect::Run(Box::new(j))).into_iter().collect()
    }

    /// The timeline from what this TUI was told: the marks of its own trace, and the reason the node gave in the
    /// last snapshot (else one classified here from the peers it knows; routing unknown).
    fn local_timeline(&self, cid: &cid::Cid) -> crate::node::trace::report::WhyReport {
        use crate::node::trace::why::{NodeView, PeerView};
        let name = [cid.to_string(), cid::Cid::new_v1(cid.codec(), *cid.hash()).to_string()]
            .into_iter()
            .find(|c| self.trace.get(c).is_some() || self.wantlists.ours.iter().any(|w| &w.cid == c))
            .unwrap_or_else(|| cid.to_string());
        let want = self.wantlists.ours.iter().find(|w| w.cid == name);
        let peers = self
            .peers
            .values()
            .filter(|p| p.connected())
            .map(|p| {
                let version = (p.bitswap != "-" && !p.bitswap.is_empty()).then(|| p.bitswap.clone());
                PeerView { peer: p.peer.clone(), bitswap: version.is_some(), version }
            })
            .collect();
        let view = NodeView { now_ms: self.now_ms, peers, routing_on: false };
        let age = want.map(|w| w.age_ms + self.now_ms.saturating_sub(self.wantlists_at_ms));
        let mut report = crate::node::trace::report::report(&name, &self.trace, &view, age, Vec::new());
        if let Some(why) = want.and_then(|w| w.why.clone()) {
            report.text = why.short(self.wantlists_at_ms);
            report.reason = Some(why.reason);
            report.evidence = Some(why.evidence);
        }
        report
    }

    /// Closes the timeline.
    pub(super) fn close_timeline(&mut self) {
        self.timeline_cid = None;
        self.timeline = None;
    }
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn binary_content_is_shown_as_hex_and_text_as_text() {
        assert_eq!(printable(b"hello\tworld\r\n"), "hello    world\n");
        let hex = printable(&[0x00, 0x1b, b'[', b'2', b'J', 0xff, b'A']);
        assert_eq!(hex, "(binary: hex)\n00000000  00 1b 5b 32 4a ff 41     |..[2J.A|\n");
        assert!(!hex.contains('\x1b'), "no escape reaches the terminal");
    }
}
