//! The repo lock: an exclusive `flock` on `repo.lock`, whose content names the holder so that a second process
//! can say who holds the repo instead of failing obscurely.

use std::path::Path;

use super::StoreError;

/// Held for the life of an open repo; released when dropped (or when the process dies).
pub struct RepoLock {
    _file: std::fs::File,
}

impl RepoLock {
    pub fn acquire(dir: &Path) -> Result<Self, StoreError> {
        let _ = dir;
        todo!()
    }
}
