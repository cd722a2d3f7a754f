//! Writing an export under one new destination path without ever following a symlink on the way.
//!
//! A DAG comes from anyone, so its directories may hold a symlink `a` and then a directory or file `a` again
//! (or an attacker may race a symlink into place while we write). Path-based calls (`create_dir_all`,
//! `File::create`) resolve every component again on each call and so follow such a symlink out of the output
//! directory; a `symlink_metadata` check beforehand is racy. Instead every write here is relative to a directory
//! file descriptor, one per level: directories are made with `mkdirat` and entered with
//! `openat(O_DIRECTORY | O_NOFOLLOW)`, files are made with `openat(O_CREAT | O_EXCL | O_NOFOLLOW)`, symlinks with
//! `symlinkat` (their target is data, never resolved). Nothing that exists is overwritten or entered: every name
//! is created new, so an existing entry (a duplicate name, a racing process) is an error.
//!
//! `rustix` gives these calls as a safe API (the crate forbids `unsafe`, so raw `libc` is out); it is already
//! in the build through crossterm and tempfile with the `fs` feature, so it costs no new compilation.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use rustix::fs::{CWD, Mode, OFlags};

/// A directory created by the export (or the parent of the destination), held open by its file descriptor.
#[derive(Debug)]
pub struct OutDir {
    fd: OwnedFd,
    /// For messages only: writes never resolve it again.
    path: PathBuf,
}

impl OutDir {
    /// Opens the directory that will hold `dest` and returns it with the name to create in it. The user's own
    /// path up to that directory is resolved as any command resolves its arguments (it may well pass through a
    /// symlink such as `/tmp`); only what the export creates is protected. `None`: `dest` ends in `/`, `.` or
    /// `..`, which always names something that exists already.
    pub fn parent_of(dest: &Path) -> io::Result<Option<(OutDir, OsString)>> {
        let Some(name) = dest.file_name() else { return Ok(None) };
        let parent = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let fd = rustix::fs::openat(CWD, parent, OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty())?;
        Ok(Some((OutDir { fd, path: parent.to_path_buf() }, name.to_os_string())))
    }

    /// The path of `name` inside this directory, for messages.
    pub fn path_of(&self, name: &OsStr) -> PathBuf {
        self.path.join(name)
    }

    /// Makes the new directory `name` and opens it. If something replaced it between the two calls, opening
    /// fails (`O_NOFOLLOW` refuses a symlink, `O_DIRECTORY` anything else).
    pub fn mkdir(&self, name: &OsStr) -> io::Result<OutDir> {
        rustix::fs::mkdirat(&self.fd, name, Mode::from_raw_mode(0o777))?;
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(&self.fd, name, flags, Mode::empty())?;
        Ok(OutDir { fd, path: self.path_of(name) })
    }

    /// Creates the new file `name` for writing; an existing entry of that name (a symlink included) is an error.
    pub fn create_file(&self, name: &OsStr) -> io::Result<File> {
        let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        Ok(File::from(rustix::fs::openat(&self.fd, name, flags, Mode::from_raw_mode(0o666))?))
    }

    /// Creates the symlink `name` whose target is `target`, byte for byte (never resolved here).
    pub fn symlink(&self, name: &OsStr, target: &[u8]) -> io::Result<()> {
        rustix::fs::symlinkat(OsStr::from_bytes(target), &self.fd, name)?;
        Ok(())
    }

    /// Removes the entry `name` (recursively for a directory) without following symlinks, to take back a
    /// failed export. Directories are entered through descriptors as when writing.
    pub fn remove(&self, name: &OsStr) -> io::Result<()> {
        match rustix::fs::unlinkat(&self.fd, name, rustix::fs::AtFlags::empty()) {
            Ok(()) => return Ok(()),
            Err(e) if e == rustix::io::Errno::ISDIR || e == rustix::io::Errno::PERM => {}
            Err(e) => return Err(e.into()),
        }
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let sub = OutDir { fd: rustix::fs::openat(&self.fd, name, flags, Mode::empty())?, path: self.path_of(name) };
        for name in sub.names()? {
            sub.remove(&name)?;
        }
        rustix::fs::unlinkat(&self.fd, name, rustix::fs::AtFlags::REMOVEDIR)?;
        Ok(())
    }

    /// The names in this directory, without `.` and `..`.
    fn names(&self) -> io::Result<Vec<OsString>> {
        let mut dir = rustix::fs::Dir::read_from(&self.fd)?;
        let mut names = Vec::new();
        while let Some(entry) = dir.read() {
            let name = entry?.file_name().to_bytes().to_vec();
            if name != b"." && name != b".." {
                names.push(OsString::from(OsStr::from_bytes(&name)));
            }
        }
        Ok(names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_followed_or_overwritten() {
        let tmp = tempfile::tempdir().unwrap();
        let victim = tmp.path().join("victim");
        std::fs::create_dir(&victim).unwrap();
        let (parent, name) = OutDir::parent_of(&tmp.path().join("out")).unwrap().unwrap();
        assert_eq!(name, "out");
        let out = parent.mkdir(&name).unwrap();
        out.symlink(OsStr::new("a"), victim.as_os_str().as_bytes()).unwrap();
        assert_eq!(out.mkdir(OsStr::new("a")).unwrap_err().kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(out.create_file(OsStr::new("a")).unwrap_err().kind(), io::ErrorKind::AlreadyExists);
        // A symlink raced into the place of a directory is not entered.
        std::fs::create_dir(tmp.path().join("out/b")).unwrap();
        assert!(out.mkdir(OsStr::new("b")).is_err());
        std::fs::remove_dir(tmp.path().join("out/b")).unwrap();
        assert_eq!(std::fs::read_dir(&victim).unwrap().count(), 0, "nothing was written into the victim");

        out.mkdir(OsStr::new("d")).unwrap().create_file(OsStr::new("f")).unwrap();
        parent.remove(&name).unwrap();
        assert!(!tmp.path().join("out").exists());
        assert!(victim.is_dir(), "removal does not follow the symlink");
    }

    #[test]
    fn a_destination_without_a_name_has_no_parent() {
        for p in [".", "..", "/", "x/.."] {
            assert!(OutDir::parent_of(Path::new(p)).unwrap().is_none(), "{p}");
        }
    }
}
