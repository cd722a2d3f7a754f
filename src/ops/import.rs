//! The one import sequence, used by `add`, the TUI's `put`, `dag import` and the demo: hold off gc, open a
//! writer, import, finish, pin the roots; on any error (or a cancel) abort the writer so that nothing half-written
//! stays in the store.

use anyhow::{Context, Result};
use cid::Cid;
use tokio_util::sync::CancellationToken;

use super::Cancelled;
use crate::node::blockstore::{Blockstore, PinKind};
use crate::node::dag::BlockSink;

/// Whether the imported roots get a recursive pin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pin {
    Roots,
    No,
}

/// Runs `import` into a new writer on `store` and returns the roots it produced, stored and (with
/// [`Pin::Roots`]) pinned. `warn` hears about a partial import that could not be removed.
pub fn import_into(
    store: &Blockstore,
    pin: Pin,
    cancel: &CancellationToken,
    warn: &mut dyn FnMut(String),
    import: impl FnOnce(&mut dyn BlockSink) -> Result<Vec<Cid>>,
) -> Result<Vec<Cid>> {
    // Held until the roots are pinned: a `repo gc` in between would take the new blocks.
    let _hold = store.hold_gc();
    let mut writer = store.writer();
    let imported =
        import(&mut writer).and_then(|roots| if cancel.is_cancelled() { Err(Cancelled.into()) } else { Ok(roots) });
    let roots = match imported {
        Ok(roots) => roots,
        Err(err) => {
            if let Err(abort_err) = writer.abort() {
                warn(format!("could not remove the partial import: {abort_err}"));
            }
            return Err(if cancel.is_cancelled() { Cancelled.into() } else { err });
        }
    };
    writer.finish().context("storing blocks")?;
    if pin == Pin::Roots {
        for root in &roots {
            store.pin_add(root, PinKind::Recursive).with_context(|| format!("pinning {root}"))?;
        }
    }
    Ok(roots)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::dag::importer::import_file;
    use crate::node::dag::profile::ImportOptions;

    fn store() -> (tempfile::TempDir, Blockstore) {
        let dir = tempfile::tempdir().unwrap();
        let store = Blockstore::open(dir.path()).unwrap();
        (dir, store)
    }

    #[test]
    fn a_finished_import_is_stored_and_pinned() {
        let (_dir, store) = store();
        let roots = import_into(&store, Pin::Roots, &CancellationToken::new(), &mut |_| {}, |sink| {
            Ok(vec![import_file(&b"hello"[..], &ImportOptions::unixfs_v1_2025(), sink, &mut |_| {})?.cid])
        })
        .unwrap();
        assert!(store.has(&roots[0]).unwrap());
        assert_eq!(store.pins().unwrap().len(), 1);
    }

    #[test]
    fn a_failed_or_cancelled_import_leaves_nothing() {
        let (_dir, store) = store();
        let opts = ImportOptions { chunk_size: 100, ..ImportOptions::unixfs_v1_2025() };
        let data = vec![7u8; 1000];
        let e = import_into(&store, Pin::Roots, &CancellationToken::new(), &mut |_| {}, |sink| {
            import_file(&data[..], &opts, sink, &mut |_| {})?;
            anyhow::bail!("the second file is unreadable")
        })
        .unwrap_err();
        assert_eq!(e.to_string(), "the second file is unreadable");
        let cancel = CancellationToken::new();
        let e = import_into(&store, Pin::Roots, &cancel, &mut |_| {}, |sink| {
            let cid = import_file(&data[..], &opts, sink, &mut |_| {})?.cid;
            cancel.cancel();
            Ok(vec![cid])
        })
        .unwrap_err();
        assert!(e.is::<Cancelled>(), "{e}");
        assert_eq!(store.stat().unwrap().blocks, 0, "nothing of either import stays");
        assert!(store.pins().unwrap().is_empty());
    }
}
