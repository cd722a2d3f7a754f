//! The repo lock: an exclusive `flock` on `repo.lock`, whose content names the holder so that a second process
//! can say who holds the repo instead of failing obscurely. The kernel drops the lock when the holder dies, so a
//! SIGKILLed process never leaves a stale lock behind.

use std::fs::{File, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use super::StoreError;

/// File name of the lock inside a repo.
pub const LOCK_FILE: &str = "repo.lock";

/// Held for the life of an open repo; released when dropped (or when the process dies).
pub struct RepoLock {
    _file: File,
}

impl RepoLock {
    /// Takes the lock or says who holds it: "repo DIR is in use by pid 1234: swarmscope add big.bin".
    pub fn acquire(dir: &Path) -> Result<Self, StoreError> {
        super::fsx::create_private_dir(dir)?;
        let path = dir.join(LOCK_FILE);
        let mut file = super::fsx::open_private(&path)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = read_holder(&mut file).unwrap_or_else(|| "another process".to_string());
                return Err(StoreError::Locked { path: dir.to_path_buf(), holder });
            }
            Err(TryLockError::Error(e)) => return Err(e.into()),
        }
        let argv: Vec<String> = std::env::args().map(|a| a.replace('\n', " ")).collect();
        let cmd = argv
            .iter()
            .enumerate()
            .map(|(i, a)| {
                if i == 0 {
                    Path::new(a).file_name().map_or(a.clone(), |n| n.to_string_lossy().into())
                } else {
                    a.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
        // The line shows a command line: for the owner only (a lock file of an older repo may be 0644).
        {
            use std::os::unix::fs::PermissionsExt;
            if file.metadata()?.permissions().mode() & 0o077 != 0 {
                file.set_permissions(std::fs::Permissions::from_mode(super::fsx::FILE_MODE))?;
            }
        }
        // One write of the whole line: a reader sees either the old holder's line, nothing, or this one.
        let line = format!("pid {}: {cmd}\n", std::process::id());
        file.seek(SeekFrom::Start(0))?;
        file.write_all(line.as_bytes())?;
        file.set_len(line.len() as u64)?;
        Ok(Self { _file: file })
    }

    /// A second handle on the same lock (the lock lasts while either lives).
    pub fn try_clone(&self) -> Result<Self, StoreError> {
        Ok(Self { _file: self._file.try_clone()? })
    }
}

/// Reads the holder's line. The holder writes it right after taking the lock, so an empty file means "just
/// locked": look again for a moment before giving up on a name.
fn read_holder(file: &mut File) -> Option<String> {
    for _ in 0..50 {
        let mut text = String::new();
        if file.seek(SeekFrom::Start(0)).is_ok() && file.read_to_string(&mut text).is_ok() {
            let line = text.lines().next().unwrap_or("").trim();
            if !line.is_empty() {
                return Some(line.to_string());
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    None
}
