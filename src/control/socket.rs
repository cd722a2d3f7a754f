//! Only the daemon's owner may use its control socket. The socket is bound inside a fresh 0700 directory, made
//! 0600, and only then renamed to `repo/control.sock`: there is no moment in which it exists with the umask's mode
//! (binding in place and chmod-ing after let another user connect in between under umask 000). Every accepted
//! connection is also checked with SO_PEERCRED against the daemon's effective uid.

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;

use anyhow::{Context, Result};

/// Binds the repo's control socket, replacing a stale one (the repo lock says no other daemon runs).
pub fn bind(repo: &Path) -> Result<UnixListener> {
    let path = repo.join(super::SOCKET);
    let private = repo.join(format!(".control-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&private);
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&private)
        .with_context(|| format!("cannot create {}", private.display()))?;
    let bound = (|| -> Result<UnixListener> {
        // `mode` is filtered by the umask, which can only take bits away; say 0700 exactly anyway.
        std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o700))?;
        let inside = private.join(super::SOCKET);
        let listener = UnixListener::bind(&inside).with_context(|| format!("cannot listen on {}", inside.display()))?;
        std::fs::set_permissions(&inside, std::fs::Permissions::from_mode(0o600))?;
        std::fs::rename(&inside, &path).with_context(|| format!("cannot listen on {}", path.display()))?;
        Ok(listener)
    })();
    let _ = std::fs::remove_dir_all(&private);
    bound
}

/// Refuses a peer that runs as another user than this process: the reason, one line.
pub fn check_peer(stream: &UnixStream) -> Result<(), String> {
    let me = rustix::process::geteuid().as_raw();
    check_uid(stream, me)
}

fn check_uid(stream: &UnixStream, owner: u32) -> Result<(), String> {
    let cred = rustix::net::sockopt::socket_peercred(stream)
        .map_err(|e| format!("cannot tell who connected to the control socket: {e}"))?;
    let uid = cred.uid.as_raw();
    if uid != owner {
        return Err(format!(
            "connection from uid {uid} (pid {}) refused: the daemon only serves its owner (uid {owner})",
            cred.pid.as_raw_nonzero()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn a_peer_of_another_uid_is_refused() {
        let (a, _b) = UnixStream::pair().unwrap();
        let me = rustix::process::geteuid().as_raw();
        assert_eq!(check_uid(&a, me), Ok(()));
        let e = check_uid(&a, me + 1).unwrap_err();
        assert!(e.contains(&format!("uid {me}")) && e.contains("refused"), "{e}");
    }

    #[test]
    fn the_socket_is_owner_only_and_nothing_else_is_left() {
        let repo = tempfile::tempdir().unwrap();
        std::fs::write(repo.path().join(super::super::SOCKET), b"stale").unwrap();
        let _listener = bind(repo.path()).unwrap();
        let meta = std::fs::symlink_metadata(repo.path().join(super::super::SOCKET)).unwrap();
        assert_eq!(meta.mode() & 0o777, 0o600);
        let names: Vec<_> = std::fs::read_dir(repo.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, [super::super::SOCKET], "the private directory is gone");
        UnixStream::connect(repo.path().join(super::super::SOCKET)).unwrap();
    }
}
