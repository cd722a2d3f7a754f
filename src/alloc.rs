//! glibc malloc, tuned for a node that moves megabyte blocks between threads (BENCHMARKS.md, "Issue 15: memory").
//!
//! Left alone, glibc gives each thread that meets contention its own arena (up to 8 per core) and keeps what
//! is freed in each of them: after a large transfer a daemon sits idle at two to three times the memory it
//! needs. Capping the arenas at two keeps the freed memory in fewer places, and trimming once the process goes
//! idle hands it back to the system. Both were chosen over jemalloc and mimalloc by measurement.
//! The environment (`MALLOC_ARENA_MAX`, glibc's own) still wins over the cap, for comparisons.
#![allow(unsafe_code)]

use std::time::Duration;

/// Arenas at most; glibc's default is 8 per core.
const ARENA_MAX: i32 = 2;
/// How often the idle check looks at the process's CPU time.
const IDLE_CHECK: Duration = Duration::from_secs(5);
/// CPU time per `IDLE_CHECK` under which the process counts as idle (2 %).
const IDLE_CPU: Duration = Duration::from_millis(100);

/// Caps glibc's arenas. Call first thing in `main`, before any thread exists.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn tune() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only changes malloc's parameters; called before any other thread exists.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, ARENA_MAX);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn tune() {}

/// For a long-running process (the daemon, the TUI): a thread that returns freed heap memory to the system each
/// time the process goes idle after work, so that an idle node's RSS is what it holds, not what it once used.
pub fn trim_when_idle() {
    let spawned = std::thread::Builder::new().name("malloc-trim".into()).spawn(|| {
        let mut last = cpu_time();
        let mut worked = false;
        loop {
            std::thread::sleep(IDLE_CHECK);
            let now = cpu_time();
            if idle_after_work(now.saturating_sub(last), &mut worked) {
                trim();
            }
            last = now;
        }
    });
    if let Err(e) = spawned {
        // Only memory is at stake: the node runs as before.
        tracing::warn!("cannot start the malloc-trim thread: {e}");
    }
}

/// Whether an interval that used `used` CPU time ends a stretch of work (then trim, once per stretch: an idle
/// process that has trimmed has nothing more to give back, and trimming during work only costs page faults).
fn idle_after_work(used: Duration, worked: &mut bool) -> bool {
    if used >= IDLE_CPU {
        *worked = true;
        false
    } else {
        std::mem::replace(worked, false)
    }
}

/// Returns the free memory at the top of every arena's heap, and the free pages inside it, to the system.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: malloc_trim takes malloc's own locks; it is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}

/// User + system CPU time of the whole process so far.
fn cpu_time() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    let ok = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) } == 0;
    if !ok {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_once_when_work_ends_never_while_working_or_idle() {
        let busy = IDLE_CPU;
        let idle = IDLE_CPU / 4;
        let mut worked = false;
        let trims: Vec<bool> =
            [idle, busy, busy, idle, idle, busy, idle].into_iter().map(|u| idle_after_work(u, &mut worked)).collect();
        assert_eq!(trims, [false, false, false, true, false, false, true]);
    }
}
