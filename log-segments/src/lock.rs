//! The `.lock` file of a log directory, held while a node uses it (Kafka's `LogManager` and
//! `MetadataShell` take the same file). The lock is a POSIX record lock (`fcntl(F_SETLK)`),
//! the kind Java's `FileChannel.tryLock` takes, so yakt and a Java process on the same
//! directory exclude each other. POSIX record locks belong to the process: a second lock of the
//! same file from the same process succeeds, and closing any descriptor of the file releases it,
//! so nothing else in the process may open `.lock`.

use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use crate::error::{IoContext, LogError, Result};

/// The lock file name.
pub const LOCK_FILE: &str = ".lock";

/// A held directory lock; dropping it releases the lock.
#[derive(Debug)]
pub struct DirLock {
    path: PathBuf,
    _file: File,
}

impl DirLock {
    /// Takes the lock on `dir/.lock` without waiting; [`LogError::Locked`] when another
    /// process holds it.
    pub fn acquire(dir: &Path) -> Result<DirLock> {
        let path = dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .at(&path)?;
        // SAFETY: `flock` is a plain C struct for which all-zero bytes are a valid value.
        let mut request: libc::flock = unsafe { std::mem::zeroed() };
        request.l_type = libc::F_WRLCK as libc::c_short;
        request.l_whence = libc::SEEK_SET as libc::c_short;
        // SAFETY: the descriptor is open for the life of `file` and `request` is initialised.
        let rc = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_SETLK, &request) };
        if rc == -1 {
            let error = std::io::Error::last_os_error();
            return match error.raw_os_error() {
                Some(libc::EACCES) | Some(libc::EAGAIN) => Err(LogError::Locked { path }),
                _ => Err(LogError::Io {
                    path,
                    source: error,
                }),
            };
        }
        Ok(DirLock { path, _file: file })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}
