//! Keeps garbage collection out of the gap between writing a DAG and pinning it. `gc` reads the pins, then lists
//! the blocks: an `add` that stores its blocks and pins its root in between would lose them, pin and all. As
//! Kubo's GC lock does, adds and imports hold the lock shared until their roots are pinned, and `gc` takes it
//! alone. Holds may nest (an `add` holds it, then `pin_add` does), so a waiting `gc` never blocks a new hold.
//! `get` and `cat` hold it from their fetch until their last block is read out. A bare fetch takes no hold: what
//! it stores is unpinned, and a later `gc` would take it anyway.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use super::StoreError;

/// How long `gc` waits for running adds and fetches before it gives up with a clear error.
const GC_WAIT: Duration = Duration::from_secs(60);

#[derive(Default)]
pub(super) struct GcLock {
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    holds: usize,
    collecting: bool,
}

/// While alive, `gc` waits: blocks written and pinned under it cannot be collected half-way.
#[must_use = "the hold protects writes only while it is alive"]
pub struct GcHold {
    lock: Arc<GcLock>,
}

impl Drop for GcHold {
    fn drop(&mut self) {
        self.lock.state().holds -= 1;
        self.lock.changed.notify_all();
    }
}

/// Marks `gc` as running until dropped.
pub(super) struct Collecting {
    lock: Arc<GcLock>,
}

impl Drop for Collecting {
    fn drop(&mut self) {
        self.lock.state().collecting = false;
        self.lock.changed.notify_all();
    }
}

impl GcLock {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits while a collection runs, then holds collections off.
    pub(super) fn hold(self: &Arc<Self>) -> GcHold {
        let mut state = self.state();
        while state.collecting {
            state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        state.holds += 1;
        GcHold { lock: self.clone() }
    }

    /// Waits for every hold to end, then runs alone.
    pub(super) fn collect(self: &Arc<Self>) -> Result<Collecting, StoreError> {
        let state = self.state();
        let (mut state, waited) = self
            .changed
            .wait_timeout_while(state, GC_WAIT, |s| s.holds > 0 || s.collecting)
            .unwrap_or_else(|e| e.into_inner());
        if waited.timed_out() {
            return Err(StoreError::Busy(state.holds));
        }
        state.collecting = true;
        Ok(Collecting { lock: self.clone() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn gc_waits_for_holds_and_holds_wait_for_gc() {
        let lock = Arc::new(GcLock::default());
        let outer = lock.hold();
        let inner = lock.hold();
        let l = lock.clone();
        let gc = std::thread::spawn(move || {
            let started = Instant::now();
            let running = l.collect().unwrap();
            let waited = started.elapsed();
            std::thread::sleep(Duration::from_millis(200));
            drop(running);
            waited
        });
        std::thread::sleep(Duration::from_millis(150));
        drop(inner);
        drop(outer);
        let waited = gc.join().unwrap();
        assert!(waited >= Duration::from_millis(100), "gc ran while writes were held: {waited:?}");
        // The collection ended: holds are free again, and a second collection runs at once.
        let _hold = lock.hold();
        assert!(lock.state().holds == 1);
    }
}
