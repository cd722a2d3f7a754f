//! Store changes as node events: one `stored` per committed write, whatever wrote it, with its CID lists capped
//! ([`STORED_CIDS`]); blocks found damaged are also an `error`, since they are unsafe to ignore.

use cid::Cid;

use super::blockstore::StoreChange;
use super::events::{NodeEvent, STORED_CIDS};

fn first(cids: &[Cid]) -> Vec<String> {
    cids.iter().take(STORED_CIDS).map(|c| c.to_string()).collect()
}

/// The events one committed change makes; `wanted_by` is how many peers' wants its added blocks answer.
pub(crate) fn events(change: &StoreChange, wanted_by: usize) -> Vec<NodeEvent> {
    let mut out = vec![NodeEvent::Stored {
        added: change.added.len() as u64,
        removed: change.removed.len() as u64,
        damaged: change.damaged.len() as u64,
        added_cids: first(&change.added),
        removed_cids: first(&change.removed),
        damaged_cids: first(&change.damaged),
        wanted_by: wanted_by as u64,
    }];
    if !change.damaged.is_empty() {
        let shown = first(&change.damaged).join(" ");
        let more = change.damaged.len().saturating_sub(STORED_CIDS);
        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
        out.push(NodeEvent::Error {
            message: format!(
                "{} damaged blocks dropped from the store (fetch or add them again): {shown}{more}",
                change.damaged.len()
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::block::{Block, RAW, SHA2_256};

    fn cids(n: usize) -> Vec<Cid> {
        (0..n)
            .map(|i| {
                *Block::from_data(cid::Version::V1, RAW, SHA2_256, (i as u32).to_be_bytes().to_vec()).unwrap().cid()
            })
            .collect()
    }

    #[test]
    fn a_huge_commit_is_one_short_line_with_whole_counts() {
        let added = cids(10_000);
        let change = StoreChange { added: added.clone(), ..Default::default() };
        let events = events(&change, 3);
        assert_eq!(events.len(), 1, "no damage, no error");
        let NodeEvent::Stored { added: n, added_cids, removed, wanted_by, .. } = &events[0] else { panic!() };
        assert_eq!((*n, *removed, *wanted_by), (10_000, 0, 3));
        assert_eq!(added_cids.len(), STORED_CIDS);
        assert_eq!(added_cids[0], added[0].to_string(), "the first ones are kept");
        let line = serde_json::to_string(&events[0]).unwrap();
        assert!(line.len() < 8 * 1024, "{} bytes", line.len());
    }

    #[test]
    fn damaged_blocks_are_also_an_error() {
        let damaged = cids(70);
        let change = StoreChange { removed: damaged.clone(), damaged, ..Default::default() };
        let events = events(&change, 0);
        match &events[..] {
            [NodeEvent::Stored { damaged: 70, removed: 70, .. }, NodeEvent::Error { message }] => {
                assert!(message.starts_with("70 damaged blocks dropped"), "{message}");
                assert!(message.ends_with("and 6 more"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}
