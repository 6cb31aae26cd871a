//! The directory lock excludes other processes that take POSIX record locks (as Java does).

use std::process::Command;

use yakt_log::lock::DirLock;
use yakt_log::LogError;

/// Tries the same lock from another process (python's `fcntl.lockf` is a POSIX record lock,
/// like Java's `FileChannel.tryLock`); `None` when python3 is unavailable.
fn other_process_can_lock(path: &std::path::Path) -> Option<bool> {
    let script = "import fcntl,sys\nf=open(sys.argv[1],'a')\ntry:\n fcntl.lockf(f,fcntl.LOCK_EX|fcntl.LOCK_NB)\nexcept OSError:\n sys.exit(3)\n";
    let status = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(path)
        .status()
        .ok()?;
    Some(status.success())
}

#[test]
fn the_lock_excludes_another_process_until_dropped() {
    let tmp = tempfile::tempdir().unwrap();
    let lock = DirLock::acquire(tmp.path()).unwrap();
    let path = lock.path().to_path_buf();
    let Some(locked_out) = other_process_can_lock(&path).map(|ok| !ok) else {
        eprintln!("python3 not available; skipping the cross-process check");
        return;
    };
    assert!(locked_out, "another process took the lock we hold");
    drop(lock);
    assert_eq!(other_process_can_lock(&path), Some(true));
}

#[test]
fn a_missing_directory_is_an_io_error() {
    let tmp = tempfile::tempdir().unwrap();
    let err = DirLock::acquire(&tmp.path().join("absent")).unwrap_err();
    assert!(matches!(err, LogError::Io { .. }), "{err}");
}
