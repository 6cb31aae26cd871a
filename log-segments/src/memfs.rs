//! An in-memory [`FileSystem`] with fault injection, for the simulator and crash tests.
//!
//! Each file keeps two images: what readers see now, and what the last `sync_data` made
//! durable. Each directory likewise keeps its visible entries and the entries the last
//! `sync_dir` made durable. [`MemFs::crash`] throws away everything not durable (optionally
//! keeping a torn prefix of unsynced appends), the way a power cut does. Handles opened before a
//! crash fail afterwards, so a dead log instance cannot write into the restarted one.
//! [`MemFs::flip_bit`], [`MemFs::set_file_len`] and [`MemFs::fail_syncs`] inject bit rot, short
//! files and failing fsyncs.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::fs::{FileHandle, FileSystem, Mapping, OpenMode};

#[derive(Debug, Default)]
struct Node {
    data: Vec<u8>,
    synced: Vec<u8>,
}

type NodeRef = Arc<Mutex<Node>>;

#[derive(Debug, Default)]
struct State {
    files: BTreeMap<PathBuf, NodeRef>,
    durable_files: BTreeMap<PathBuf, NodeRef>,
    dirs: BTreeSet<PathBuf>,
    generation: u64,
    fail_syncs: bool,
}

/// The in-memory file system. Clones share the same files.
#[derive(Clone, Debug, Default)]
pub struct MemFs {
    state: Arc<Mutex<State>>,
}

#[derive(Debug)]
struct MemFile {
    node: NodeRef,
    fs: MemFs,
    generation: u64,
    writable: bool,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn not_found(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("{} not found", path.display()),
    )
}

impl MemFs {
    /// An empty file system.
    pub fn new() -> MemFs {
        MemFs::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    fn node(&self, path: &Path) -> io::Result<NodeRef> {
        self.state()
            .files
            .get(path)
            .cloned()
            .ok_or_else(|| not_found(path))
    }

    /// Simulates a power cut: unsynced bytes and unsynced directory entries are lost.
    pub fn crash(&self) {
        self.crash_tearing(0);
    }

    /// Simulates a power cut that kept up to `keep_bytes` of each file's unsynced appended
    /// bytes (a torn write), and lost everything else that was not durable.
    pub fn crash_tearing(&self, keep_bytes: usize) {
        let mut state = self.state();
        state.generation += 1;
        state.files = state.durable_files.clone();
        for node in state.files.values() {
            let mut node = lock(node);
            let mut kept = node.synced.clone();
            if node.data.len() > kept.len() {
                let end = node.data.len().min(kept.len() + keep_bytes);
                let torn = node.data[kept.len()..end].to_vec();
                kept.extend_from_slice(&torn);
            }
            node.data = kept.clone();
            node.synced = kept;
        }
    }

    /// Flips one bit of a file, durably (bit rot on the medium).
    pub fn flip_bit(&self, path: &Path, byte: usize, bit: u8) -> io::Result<()> {
        self.edit(path, |data| match data.get_mut(byte) {
            Some(b) => {
                *b ^= 1 << (bit % 8);
                Ok(())
            }
            None => Err(io::Error::new(io::ErrorKind::InvalidInput, "byte past end")),
        })
    }

    /// Sets a file's length durably (zero-filling when it grows).
    pub fn set_file_len(&self, path: &Path, len: usize) -> io::Result<()> {
        self.edit(path, |data| {
            data.resize(len, 0);
            Ok(())
        })
    }

    /// Overwrites bytes of a file durably, extending it if needed.
    pub fn overwrite(&self, path: &Path, offset: usize, bytes: &[u8]) -> io::Result<()> {
        self.edit(path, |data| {
            if data.len() < offset + bytes.len() {
                data.resize(offset + bytes.len(), 0);
            }
            data[offset..offset + bytes.len()].copy_from_slice(bytes);
            Ok(())
        })
    }

    /// Creates or replaces a file durably with `bytes` (creating its directories).
    pub fn put_file(&self, path: &Path, bytes: &[u8]) {
        if let Some(parent) = path.parent() {
            let _ = self.create_dir_all(parent);
        }
        let node = Arc::new(Mutex::new(Node {
            data: bytes.to_vec(),
            synced: bytes.to_vec(),
        }));
        let mut state = self.state();
        state.files.insert(path.to_path_buf(), Arc::clone(&node));
        state.durable_files.insert(path.to_path_buf(), node);
    }

    /// A file's visible contents.
    pub fn contents(&self, path: &Path) -> io::Result<Vec<u8>> {
        let node = self.node(path)?;
        let data = lock(&node).data.clone();
        Ok(data)
    }

    /// Makes every later `sync_data` and `sync_dir` fail (or succeed again).
    pub fn fail_syncs(&self, fail: bool) {
        self.state().fail_syncs = fail;
    }

    fn edit(&self, path: &Path, f: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> io::Result<()> {
        let node = self.node(path)?;
        let mut node = lock(&node);
        f(&mut node.data)?;
        node.synced = node.data.clone();
        Ok(())
    }

    fn check_sync(&self) -> io::Result<()> {
        if self.state().fail_syncs {
            return Err(io::Error::other("injected fsync failure"));
        }
        Ok(())
    }
}

impl FileSystem for MemFs {
    fn open(&self, path: &Path, mode: OpenMode) -> io::Result<Box<dyn FileHandle>> {
        let mut state = self.state();
        let parent = path.parent().unwrap_or(Path::new(""));
        if !state.dirs.contains(parent) {
            return Err(not_found(parent));
        }
        let existing = state.files.get(path).cloned();
        let node = match (mode, existing) {
            (OpenMode::Read | OpenMode::ReadWrite, Some(node)) => node,
            (OpenMode::Read | OpenMode::ReadWrite, None) => return Err(not_found(path)),
            (OpenMode::CreateNew, Some(_)) => {
                return Err(io::Error::new(io::ErrorKind::AlreadyExists, "file exists"))
            }
            (OpenMode::CreateTruncate, Some(node)) => {
                lock(&node).data.clear();
                node
            }
            (OpenMode::CreateNew | OpenMode::CreateTruncate, None) => {
                let node = NodeRef::default();
                state.files.insert(path.to_path_buf(), Arc::clone(&node));
                node
            }
        };
        Ok(Box::new(MemFile {
            node,
            fs: self.clone(),
            generation: state.generation,
            writable: mode != OpenMode::Read,
        }))
    }

    fn exists(&self, path: &Path) -> bool {
        let state = self.state();
        state.files.contains_key(path) || state.dirs.contains(path)
    }

    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        let mut state = self.state();
        for ancestor in path.ancestors() {
            state.dirs.insert(ancestor.to_path_buf());
        }
        Ok(())
    }

    fn list_dir(&self, path: &Path) -> io::Result<Vec<String>> {
        let state = self.state();
        if !state.dirs.contains(path) {
            return Err(not_found(path));
        }
        let children = state.files.keys().chain(state.dirs.iter());
        let mut names: Vec<String> = children
            .filter(|p| p.parent() == Some(path))
            .filter_map(|p| p.file_name()?.to_str().map(str::to_owned))
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        let mut state = self.state();
        let node = state.files.remove(from).ok_or_else(|| not_found(from))?;
        state.files.insert(to.to_path_buf(), node);
        Ok(())
    }

    fn remove_file(&self, path: &Path) -> io::Result<()> {
        let mut state = self.state();
        state
            .files
            .remove(path)
            .map(|_| ())
            .ok_or_else(|| not_found(path))
    }

    fn sync_dir(&self, path: &Path) -> io::Result<()> {
        self.check_sync()?;
        let mut state = self.state();
        let State {
            files,
            durable_files,
            ..
        } = &mut *state;
        durable_files.retain(|p, _| p.parent() != Some(path));
        for (p, node) in files.iter() {
            if p.parent() == Some(path) {
                durable_files.insert(p.clone(), Arc::clone(node));
            }
        }
        Ok(())
    }
}

impl MemFile {
    fn live(&self) -> io::Result<MutexGuard<'_, Node>> {
        if self.fs.state().generation != self.generation {
            return Err(io::Error::other(
                "file handle from before a simulated crash",
            ));
        }
        Ok(lock(&self.node))
    }

    fn writable(&self) -> io::Result<MutexGuard<'_, Node>> {
        if !self.writable {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "read-only handle",
            ));
        }
        self.live()
    }
}

impl FileHandle for MemFile {
    fn len(&self) -> io::Result<u64> {
        Ok(self.live()?.data.len() as u64)
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let node = self.live()?;
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(node.data.len());
        let n = buf.len().min(node.data.len() - start);
        buf[..n].copy_from_slice(&node.data[start..start + n]);
        Ok(n)
    }

    fn write_all_at(&self, data: &[u8], offset: u64) -> io::Result<()> {
        let mut node = self.writable()?;
        let start = usize::try_from(offset)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "offset too large"))?;
        if node.data.len() < start + data.len() {
            node.data.resize(start + data.len(), 0);
        }
        node.data[start..start + data.len()].copy_from_slice(data);
        Ok(())
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        let mut node = self.writable()?;
        let len = usize::try_from(len)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "length too large"))?;
        node.data.resize(len, 0);
        Ok(())
    }

    fn sync_data(&self) -> io::Result<()> {
        self.fs.check_sync()?;
        let mut node = self.live()?;
        node.synced = node.data.clone();
        Ok(())
    }

    fn map_read_only(&self) -> io::Result<Mapping> {
        Ok(Mapping::new(self.live()?.data.clone()))
    }
}
