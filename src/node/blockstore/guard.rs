//! redb panics on some damaged pages (`entered unreachable code` in its B-tree code) instead of returning an
//! error, which killed every command with exit 101 and a backtrace. Every store call that reaches redb runs
//! under [`guarded`]: a panic becomes [`StoreError::IndexDamaged`] naming the file and the repair command, and
//! the panic message is kept off stderr (a hook, installed once, stays quiet for panics inside guarded code and
//! hands every other panic to the hook that was there before). Opening also checks every page of the index
//! (redb's integrity check), so damage is usually found there, before any read.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

use super::StoreError;

thread_local! {
    /// How deep this thread is inside guarded code.
    static GUARDED: Cell<u32> = const { Cell::new(0) };
    /// The message of the last panic caught inside guarded code.
    static LAST: Cell<Option<String>> = const { Cell::new(None) };
}

static HOOK: Once = Once::new();

/// The detail of the error a caught panic becomes.
pub const PANICKED: &str = "is damaged (a page could not be read)";

fn install_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if GUARDED.with(Cell::get) > 0 {
                let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
                let msg = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "panic".into());
                LAST.with(|l| l.set(Some(format!("{msg}{at}"))));
                return;
            }
            previous(info)
        }));
    });
}

/// Runs `f`, turning a panic inside it into an error that says the index is damaged.
pub fn guarded<T>(index: &std::path::Path, f: impl FnOnce() -> Result<T, StoreError>) -> Result<T, StoreError> {
    install_hook();
    GUARDED.with(|g| g.set(g.get() + 1));
    let result = catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(g.get() - 1));
    match result {
        Ok(r) => r,
        Err(_) => {
            let detail = LAST.with(Cell::take).unwrap_or_else(|| "the index reader panicked".into());
            tracing::error!(index = %index.display(), "repo index damaged: {detail}");
            Err(StoreError::IndexDamaged { file: index.to_path_buf(), detail: PANICKED.into() })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_is_an_error_and_outside_still_a_panic() {
        let path = std::path::Path::new("/r/index.redb");
        let err = guarded::<()>(path, || panic!("internal error: entered unreachable code")).unwrap_err();
        assert!(matches!(&err, StoreError::IndexDamaged { file, .. } if file == path), "{err}");
        assert!(err.to_string().contains("--rebuild-index"), "{err}");
        assert_eq!(guarded(path, || Ok(5)).unwrap(), 5);
        // Nested guards and panics outside any guard keep their usual behaviour.
        assert!(guarded::<()>(path, || guarded(path, || panic!("inner"))).is_err());
        assert!(std::panic::catch_unwind(|| panic!("outside")).is_err());
    }
}
