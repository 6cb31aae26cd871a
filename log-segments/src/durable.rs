//! Durable small files: write `<name>.tmp`, fsync it, rename it over `<name>`, fsync the
//! directory (Kafka's `CheckpointFile`, `FileQuorumStateStore` and `PropertiesUtils` do the
//! same). A crash leaves either the old file or the new one, never a torn mix; a stale `.tmp`
//! from such a crash is ignored by readers and removed by [`remove_stale_tmp`].

use std::path::{Path, PathBuf};

use crate::error::{IoContext, Result};
use crate::fs::{FileSystem, OpenMode};

/// The suffix of the temporary file a durable write goes through.
pub const TMP_SUFFIX: &str = ".tmp";

fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(TMP_SUFFIX);
    PathBuf::from(name)
}

/// Replaces `path` with `contents` atomically and durably.
pub fn write_durably(fs: &dyn FileSystem, path: &Path, contents: &[u8]) -> Result<()> {
    let tmp = tmp_path(path);
    let file = fs.open(&tmp, OpenMode::CreateTruncate).at(&tmp)?;
    file.write_all_at(contents, 0).at(&tmp)?;
    file.sync_data().sync_at(&tmp)?;
    drop(file);
    fs.rename(&tmp, path).at(path)?;
    sync_parent(fs, path)
}

/// Fsyncs the directory holding `path`.
pub fn sync_parent(fs: &dyn FileSystem, path: &Path) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs.sync_dir(dir).sync_at(dir)
}

/// Reads `path` if it exists (`Ok(None)` when it does not).
pub fn read_if_exists(fs: &dyn FileSystem, path: &Path) -> Result<Option<Vec<u8>>> {
    if !fs.exists(path) {
        return Ok(None);
    }
    fs.read(path).at(path).map(Some)
}

/// Removes a `.tmp` left by a crash in the middle of [`write_durably`]; returns whether one was.
pub fn remove_stale_tmp(fs: &dyn FileSystem, path: &Path) -> Result<bool> {
    let tmp = tmp_path(path);
    if !fs.exists(&tmp) {
        return Ok(false);
    }
    tracing::warn!(path = %tmp.display(), "removing a stale temporary file left by a crash");
    fs.remove_file(&tmp).at(&tmp)?;
    Ok(true)
}
