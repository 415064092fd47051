//! Advisory locks around a read-modify-write of a file (the index, the
//! baseline), so that two writers never interleave and lose each other's
//! changes.
//!
//! The lock is an exclusive `flock` (Windows: `LockFileEx`, through `fs4`)
//! on `FILE.lock` next to the file. The lock file is created when needed,
//! holds the pid of the last holder (for messages only), and is never
//! deleted: removing it while held would let a third writer lock a new file
//! of the same name. The lock goes with the process: a killed writer holds
//! nothing. Readers (`neardup check`) take no lock: writes are atomic
//! renames, so a reader sees a whole old file or a whole new one.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Why a lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds it, and we were not to wait.
    #[error(
        "another neardup{} is updating {}; retry, or pass --wait (lock file {})",
        holder.map(|p| format!(" (pid {p})")).unwrap_or_default(),
        crate::escape::path(path),
        crate::escape::path(lock)
    )]
    Busy {
        /// The file being updated.
        path: PathBuf,
        /// The lock file.
        lock: PathBuf,
        /// The holder's pid, as it wrote it in the lock file.
        holder: Option<u32>,
    },
    /// The lock file could not be created or locked.
    #[error("{}: cannot lock: {source}", crate::escape::path(lock))]
    Io {
        /// The lock file.
        lock: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
}

/// An exclusive lock on a file's `.lock` companion, released when dropped.
#[derive(Debug)]
pub struct WriteLock {
    _file: File,
    lock: PathBuf,
}

impl WriteLock {
    /// The lock file.
    pub fn lock_path(&self) -> &Path {
        &self.lock
    }
}

/// The lock file of `path`: `path` with `.lock` appended to its name.
pub fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    path.with_file_name(name)
}

/// Takes the write lock of `path` (creating its directory and lock file if
/// needed). When another process holds it: with `wait`, calls `waiting`
/// with the holder's pid (if known) once and blocks until the lock is free;
/// without, fails with [`LockError::Busy`].
pub fn lock(
    path: &Path,
    wait: bool,
    waiting: impl FnOnce(Option<u32>),
) -> Result<WriteLock, LockError> {
    let lock = lock_path(path);
    let io = |source| LockError::Io {
        lock: lock.clone(),
        source,
    };
    if let Some(dir) = lock.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock)
        .map_err(io)?;
    match <File as fs4::FileExt>::try_lock(&file) {
        Ok(()) => {}
        Err(fs4::TryLockError::WouldBlock) => {
            let holder = holder(&mut file);
            if !wait {
                return Err(LockError::Busy {
                    path: path.to_path_buf(),
                    lock,
                    holder,
                });
            }
            waiting(holder);
            <File as fs4::FileExt>::lock(&file).map_err(io)?;
        }
        Err(fs4::TryLockError::Error(e)) => return Err(io(e)),
    }
    // Only for messages: a failure to record the pid does not matter.
    let _ = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| writeln!(file, "{}", std::process::id()))
        .and_then(|()| file.flush());
    Ok(WriteLock { _file: file, lock })
}

/// The pid the holder wrote into the lock file.
fn holder(file: &mut File) -> Option<u32> {
    let mut s = String::new();
    file.rewind().ok()?;
    file.take(32).read_to_string(&mut s).ok()?;
    s.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_refused_or_waits() {
        let dir = tempfile::tempdir().unwrap();
        let index = dir.path().join("sub/index");
        let first = lock(&index, false, |_| unreachable!()).unwrap();
        assert_eq!(first.lock_path(), dir.path().join("sub/index.lock"));
        let e = lock(&index, false, |_| unreachable!()).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains(&format!("(pid {})", std::process::id()))
                && msg.contains("is updating")
                && msg.contains("sub/index;")
                && msg.contains("--wait"),
            "{msg}"
        );
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = {
            let index = index.clone();
            std::thread::spawn(move || lock(&index, true, |pid| tx.send(pid).unwrap()).map(|_| ()))
        };
        assert_eq!(rx.recv().unwrap(), Some(std::process::id()));
        drop(first);
        waiter.join().unwrap().unwrap();
        // The lock file stays.
        assert!(dir.path().join("sub/index.lock").exists());
    }
}
