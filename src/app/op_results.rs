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
        match &result {
            Ok(Outcome::Explored(explored)) => {
                self.explorer = Some(explored.clone());
                self.pane = Some(Pane::Explorer);
                self.selected.insert(Pane::Explorer, 0);
                return;
            }
            Ok(Outcome::Streamed { .. }) => {
                self.preview = Some((title.clone(), String::from_utf8_lossy(&output).into_owned()))
            }
            Ok(o @ Outcome::Listed { .. }) => self.preview = Some((title.clone(), ls_lines(o).unwrap_or_default())),
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
            self.status = Some((text, error));
            return;
        }
        if let Some(op) = self.ops.iter_mut().find(|o| o.id == id) {
            op.finished_ms = Some(self.now_ms);
            op.result = Some(line);
            op.root = root;
        }
        self.status = Some((format!("{title}: {text}"), error));
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
