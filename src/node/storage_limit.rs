//! A storage limit with automatic garbage collection, as Kubo's `Datastore.StorageMax` with `daemon --enable-gc`:
//! once the stored blocks pass the watermark (90 % of the limit), `gc` removes every unpinned block. The check
//! runs after every store change (at most once per [`MIN_GAP`]) and on a slow tick. A collection never runs
//! during an add's, an import's or a get's hold (the GC lock waits for them); a busy repo is tried again later.

use std::time::Duration;

use super::blockstore::{Blockstore, StoreError};
use super::events::NodeEvent;
use super::handle::NodeHandle;

/// Kubo's `Datastore.StorageGCWatermark` default: collect past this share of the limit.
pub const WATERMARK_PERCENT: u64 = 90;
/// Checks are at least this far apart, however fast blocks arrive.
const MIN_GAP: Duration = Duration::from_millis(500);
/// And at least this often, should a store notification be missed.
const TICK: Duration = Duration::from_secs(10);

/// Parses a size as Kubo's config writes it: `10GB`, `512MiB`, `2000000` (bytes), `1.5 GB`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let num: f64 = num.parse().map_err(|_| format!("invalid size {text:?} (use e.g. 10GB, 512MiB or bytes)"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" | "k" => 1_000,
        "mb" | "m" => 1_000_000,
        "gb" | "g" => 1_000_000_000,
        "tb" | "t" => 1_000_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        _ => return Err(format!("invalid size unit in {text:?} (use B, kB, MB, GB, TB, KiB, MiB, GiB or TiB)")),
    };
    let bytes = num * mult as f64;
    if !(bytes.is_finite() && bytes >= 1.0) {
        return Err(format!("invalid size {text:?}: must be at least 1 byte"));
    }
    Ok(bytes as u64)
}

/// The byte count past which a collection runs.
pub fn watermark(storage_max: u64) -> u64 {
    storage_max / 100 * WATERMARK_PERCENT + storage_max % 100 * WATERMARK_PERCENT / 100
}

/// Watches `store` and collects garbage whenever its blocks pass the watermark of `storage_max`, until the node
/// stops. Failures are reported as node `error` events (a busy repo is not a failure: it is tried again).
pub async fn run(store: Blockstore, node: NodeHandle, storage_max: u64) {
    let mark = watermark(storage_max);
    // What pins keep after a collection: past the mark, but collecting again gains nothing until more arrives.
    let mut kept = 0u64;
    let mut changes = store.subscribe();
    let mut tick = tokio::time::interval(TICK);
    loop {
        tokio::select! {
            change = changes.recv() => {
                if let Err(tokio::sync::broadcast::error::RecvError::Closed) = change {
                    return;
                }
            }
            _ = tick.tick() => {}
        }
        let s = store.clone();
        let outcome = tokio::task::spawn_blocking(move || -> Result<Option<(u64, u64)>, StoreError> {
            let before = s.stat()?.block_bytes;
            if before <= mark.max(kept) {
                return Ok(None);
            }
            let gc = s.gc()?;
            Ok(Some((before, gc.removed_bytes)))
        })
        .await;
        match outcome {
            Ok(Ok(Some((before, removed)))) => {
                kept = before - removed;
                tracing::info!(before, removed, storage_max, "storage past the watermark: gc ran");
            }
            Ok(Ok(None)) | Ok(Err(StoreError::Busy(_))) => {}
            Ok(Err(e)) => node.report(NodeEvent::Error { message: format!("automatic gc: {e}") }).await,
            Err(_) => return,
        }
        tokio::time::sleep(MIN_GAP).await;
        // What arrived meanwhile is covered by the next check.
        changes = changes.resubscribe();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_as_kubo_writes_them() {
        assert_eq!(parse_size("10GB"), Ok(10_000_000_000));
        assert_eq!(parse_size("512MiB"), Ok(512 << 20));
        assert_eq!(parse_size("1.5 kB"), Ok(1500));
        assert_eq!(parse_size("2000000"), Ok(2_000_000));
        assert!(parse_size("10 furlongs").unwrap_err().contains("unit"));
        assert!(parse_size("0").is_err());
        assert!(parse_size("GB").is_err());
        assert_eq!(watermark(2_000_000), 1_800_000);
        assert_eq!(watermark(10_000_000_000), 9_000_000_000);
    }
}
