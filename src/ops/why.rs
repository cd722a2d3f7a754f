//! `why CID`: asks the running node why the CID has not arrived (issue 14). Without a node nothing is wanted, so
//! the answer says so rather than fail: the CID is not wanted here.

use anyhow::Result;
use cid::Cid;

use super::{Ctx, Outcome};
use crate::node::trace::report::WhyReport;

pub fn why(ctx: &mut Ctx, cid: Cid) -> Result<Outcome> {
    let Some(s) = &ctx.shared else {
        return Ok(Outcome::Why(WhyReport {
            cid: cid.to_string(),
            wanted: false,
            reason: None,
            text: format!(
                "not wanted: no daemon is running on repo {}, so nothing is being fetched",
                ctx.repo.display()
            ),
            evidence: None,
            now_ms: 0,
            first_ms: None,
            timeline: Vec::new(),
            dropped_marks: 0,
            blocks: Vec::new(),
            dag: None,
        }));
    };
    Ok(Outcome::Why(s.runtime.block_on(s.node.why(cid))?))
}
