//! The trickle layout (`ipfs add --trickle`, Helia's `layout/trickle.js`): the root holds the first `max_links`
//! leaves, then subtrees of depth 1, 1, 1, 1, 2, 2, 2, 2, 3, … (each depth `LAYER_REPEAT` times). A subtree of
//! depth d holds `max_links` leaves, then `LAYER_REPEAT` subtrees of each depth 1 … d − 1. Reading a file front to
//! back touches few nodes, and appending changes only the right edge.
//!
//! Leaves are pulled as needed, so memory is bounded by the depth (a few layers of `max_links` children), not by
//! the file.

use super::importer::{Child, ImportError, Leaves, file_parent};
use super::profile::ImportOptions;
use super::store::BlockSink;

/// Subtrees of each depth, as Kubo and Helia repeat them.
pub const LAYER_REPEAT: usize = 4;

/// Builds the trickle DAG of the file whose leaves `leaves` yields; returns its root.
pub(super) fn build(leaves: &mut Leaves, opts: &ImportOptions, sink: &mut dyn BlockSink) -> Result<Child, ImportError> {
    let max_links = opts.max_links.max(1);
    let mut children = leaves.layer(max_links, opts, sink)?;
    if children.len() == 1 && opts.reduce_single_leaf && leaves.is_done(opts, sink)? {
        return Ok(children[0]);
    }
    let mut depth = 1;
    while !leaves.is_done(opts, sink)? {
        for _ in 0..LAYER_REPEAT {
            if leaves.is_done(opts, sink)? {
                break;
            }
            children.push(subtree(leaves, depth, opts, sink)?);
        }
        depth += 1;
    }
    file_parent(&children, opts, sink)
}

fn subtree(
    leaves: &mut Leaves,
    depth: usize,
    opts: &ImportOptions,
    sink: &mut dyn BlockSink,
) -> Result<Child, ImportError> {
    let mut children = leaves.layer(opts.max_links.max(1), opts, sink)?;
    for inner in 1..depth {
        for _ in 0..LAYER_REPEAT {
            if leaves.is_done(opts, sink)? {
                return file_parent(&children, opts, sink);
            }
            children.push(subtree(leaves, inner, opts, sink)?);
        }
    }
    file_parent(&children, opts, sink)
}
