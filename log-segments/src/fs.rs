//! The file-system seam: every byte the log reads or writes goes through [`FileSystem`].
//!
//! [`RealFs`] is the production implementation (std files, `pwrite`, `fdatasync`, memmap2 for
//! read-only mappings). [`MemFs`](crate::memfs::MemFs) is its in-memory twin with fault
//! injection. The log, snapshot and state-file code is written once against the trait, so the
//! simulator and the corruption tests run the production code paths.
//!
//! A [`Mapping`] hands out zero-copy [`Bytes`] slices that keep the mapping alive; the log asks
//! [`Mapping::is_shared`] before it shortens a mapped file, so it never truncates a file under a
//! live mapping (which would turn a later read into SIGBUS).

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;

/// How [`FileSystem::open`] opens a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenMode {
    /// An existing file, read only.
    Read,
    /// An existing file, read and write.
    ReadWrite,
    /// Create the file (it must not exist), read and write.
    CreateNew,
    /// Create the file or truncate an existing one to zero bytes, read and write.
    CreateTruncate,
}

/// The directory-level operations the log needs.
pub trait FileSystem: Send + Sync + fmt::Debug + 'static {
    /// Opens a file.
    fn open(&self, path: &Path, mode: OpenMode) -> io::Result<Box<dyn FileHandle>>;
    /// Whether a file or directory exists at `path`.
    fn exists(&self, path: &Path) -> bool;
    /// Creates a directory and its parents.
    fn create_dir_all(&self, path: &Path) -> io::Result<()>;
    /// The names of the entries of a directory, sorted.
    fn list_dir(&self, path: &Path) -> io::Result<Vec<String>>;
    /// Atomically renames a file, replacing `to` if it exists.
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// Removes a file.
    fn remove_file(&self, path: &Path) -> io::Result<()>;
    /// Makes the directory's entries (creations, renames, removals) durable.
    fn sync_dir(&self, path: &Path) -> io::Result<()>;

    /// Removes write permission from a file (Kafka freezes snapshots read-only).
    fn set_read_only(&self, _path: &Path) -> io::Result<()> {
        Ok(())
    }

    /// Reads a whole file into memory.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let file = self.open(path, OpenMode::Read)?;
        let len = usize::try_from(file.len()?)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "file too large"))?;
        let mut buf = vec![0u8; len];
        file.read_exact_at(&mut buf, 0)?;
        Ok(buf)
    }
}

/// An open file.
pub trait FileHandle: Send + Sync + fmt::Debug {
    /// The file's current length in bytes.
    fn len(&self) -> io::Result<u64>;
    /// Reads at `offset`; returns the bytes read (0 at the end of the file).
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;
    /// Writes all of `data` at `offset`, extending the file if needed.
    fn write_all_at(&self, data: &[u8], offset: u64) -> io::Result<()>;
    /// Truncates or extends the file.
    fn set_len(&self, len: u64) -> io::Result<()>;
    /// Makes the file's data (and the metadata needed to read it) durable: `fdatasync`.
    fn sync_data(&self) -> io::Result<()>;
    /// Maps the file's current contents read-only.
    fn map_read_only(&self) -> io::Result<Mapping>;

    /// Whether the file is empty.
    fn is_empty(&self) -> io::Result<bool> {
        Ok(self.len()? == 0)
    }

    /// Fills `buf` from `offset`, or fails with `UnexpectedEof`.
    fn read_exact_at(&self, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
        while !buf.is_empty() {
            let n = self.read_at(buf, offset)?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            buf = &mut buf[n..];
            offset += n as u64;
        }
        Ok(())
    }
}

/// A read-only view of a file's bytes, shared by every [`Bytes`] sliced from it.
#[derive(Clone)]
pub struct Mapping {
    inner: Arc<dyn AsRef<[u8]> + Send + Sync>,
}

impl fmt::Debug for Mapping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mapping").field("len", &self.len()).finish()
    }
}

struct MappedSlice {
    mapping: Arc<dyn AsRef<[u8]> + Send + Sync>,
    start: usize,
    end: usize,
}

impl AsRef<[u8]> for MappedSlice {
    fn as_ref(&self) -> &[u8] {
        &(*self.mapping).as_ref()[self.start..self.end]
    }
}

impl Mapping {
    /// Wraps any owned bytes (an mmap, or a copy for in-memory files).
    pub fn new(owner: impl AsRef<[u8]> + Send + Sync + 'static) -> Mapping {
        Mapping {
            inner: Arc::new(owner),
        }
    }

    /// The mapped bytes.
    pub fn as_slice(&self) -> &[u8] {
        (*self.inner).as_ref()
    }

    /// The mapped length.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// Whether nothing is mapped.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A zero-copy slice that keeps the mapping alive. `start..end` is clamped to the mapping.
    pub fn slice(&self, start: usize, end: usize) -> Bytes {
        let end = end.min(self.len());
        let start = start.min(end);
        Bytes::from_owner(MappedSlice {
            mapping: Arc::clone(&self.inner),
            start,
            end,
        })
    }

    /// Whether any slice handed out by [`Mapping::slice`] (or a clone) is still alive.
    pub fn is_shared(&self) -> bool {
        Arc::strong_count(&self.inner) > 1
    }
}

/// The real file system: std files and memmap2.
#[derive(Clone, Copy, Debug, Default)]
pub struct RealFs;

#[derive(Debug)]
struct RealFile {
    file: File,
}

impl FileSystem for RealFs {
    fn open(&self, path: &Path, mode: OpenMode) -> io::Result<Box<dyn FileHandle>> {
        let mut options = OpenOptions::new();
        match mode {
            OpenMode::Read => options.read(true),
            OpenMode::ReadWrite => options.read(true).write(true),
            OpenMode::CreateNew => options.read(true).write(true).create_new(true),
            OpenMode::CreateTruncate => options.read(true).write(true).create(true).truncate(true),
        };
        Ok(Box::new(RealFile {
            file: options.open(path)?,
        }))
    }

    fn exists(&self, path: &Path) -> bool {
        path.exists()
    }

    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        std::fs::create_dir_all(path)
    }

    fn list_dir(&self, path: &Path) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(path)? {
            if let Ok(name) = entry?.file_name().into_string() {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        std::fs::rename(from, to)
    }

    fn remove_file(&self, path: &Path) -> io::Result<()> {
        std::fs::remove_file(path)
    }

    fn sync_dir(&self, path: &Path) -> io::Result<()> {
        File::open(path)?.sync_all()
    }

    fn set_read_only(&self, path: &Path) -> io::Result<()> {
        let mut permissions = std::fs::metadata(path)?.permissions();
        permissions.set_readonly(true);
        std::fs::set_permissions(path, permissions)
    }
}

impl FileHandle for RealFile {
    fn len(&self) -> io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        self.file.read_at(buf, offset)
    }

    fn write_all_at(&self, data: &[u8], offset: u64) -> io::Result<()> {
        self.file.write_all_at(data, offset)
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        self.file.set_len(len)
    }

    fn sync_data(&self) -> io::Result<()> {
        self.file.sync_data()
    }

    fn map_read_only(&self) -> io::Result<Mapping> {
        if self.len()? == 0 {
            return Ok(Mapping::new(Vec::new()));
        }
        // SAFETY: the log maps only files it no longer writes (sealed segments, snapshots), and
        // never shortens a file while a mapping of it is shared (see `Mapping::is_shared`);
        // shortening goes through a copy and a rename, which leaves the mapped inode intact.
        let map = unsafe { memmap2::Mmap::map(&self.file)? };
        Ok(Mapping::new(map))
    }
}
