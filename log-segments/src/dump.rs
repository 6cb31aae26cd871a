//! Batch-by-batch reading of any segment (`.log`) or snapshot (`.checkpoint`) file, for
//! `yakt dump-log`: each batch's position, header and records, and where and why the valid
//! bytes end. Read-only; decoding the record values is the caller's (yakt-wire's) business.

use std::path::Path;

use bytes::Bytes;
use yakt_wire::batch::{check_batch, BatchHeader, BatchView, Scan};

use crate::error::{IoContext, Result};
use crate::fs::{FileSystem, OpenMode};
use crate::segment::ScanProblem;

/// One record of a dumped batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DumpedRecord {
    /// Its offset (base offset + offset delta).
    pub offset: i64,
    /// Its key (4 bytes for control records, none for metadata records).
    pub key: Option<Bytes>,
    /// Its value.
    pub value: Option<Bytes>,
}

/// One batch of a dumped file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DumpedBatch {
    /// Byte position in the file.
    pub position: u64,
    /// Its header.
    pub header: BatchHeader,
    /// Its records.
    pub records: Vec<DumpedRecord>,
}

/// The batches of a file and, if they do not reach its end, the first problem.
#[derive(Clone, Debug, Default)]
pub struct DumpedFile {
    /// The valid batches, in order.
    pub batches: Vec<DumpedBatch>,
    /// Why the valid batches stop before the end of the file.
    pub problem: Option<ScanProblem>,
}

/// Reads every batch of `path`, stopping at the first invalid or incomplete one.
pub fn dump_file(fs: &dyn FileSystem, path: &Path) -> Result<DumpedFile> {
    let file = fs.open(path, OpenMode::Read).at(path)?;
    let mapping = file.map_read_only().at(path)?;
    let data = mapping.as_slice();
    let mut out = DumpedFile::default();
    let mut position = 0usize;
    while position < data.len() {
        let rest = &data[position..];
        let offset = BatchHeader::parse(rest).map_or(-1, |h| h.base_offset);
        let problem = |reason: String| ScanProblem {
            position: position as u64,
            offset,
            reason,
        };
        let header = match check_batch(rest, rest.len()) {
            Ok(Scan::Batch(h)) => h,
            Ok(Scan::Incomplete { needed }) => {
                out.problem = Some(problem(format!(
                    "truncated batch, {needed} more bytes needed"
                )));
                break;
            }
            Err(e) => {
                out.problem = Some(problem(e.to_string()));
                break;
            }
        };
        let size = header.size_in_bytes();
        let view = match BatchView::parse(&rest[..size]) {
            Ok(view) => view,
            Err(e) => {
                out.problem = Some(problem(e.to_string()));
                break;
            }
        };
        let mut records = Vec::new();
        for record in view.records() {
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    out.problem = Some(problem(e.to_string()));
                    return Ok(out);
                }
            };
            let to_bytes = |part: &[u8]| {
                if part.is_empty() {
                    return Bytes::new();
                }
                let start = part.as_ptr() as usize - data.as_ptr() as usize;
                mapping.slice(start, start + part.len())
            };
            records.push(DumpedRecord {
                offset: header.base_offset + i64::from(record.offset_delta),
                key: record.key.map(to_bytes),
                value: record.value.map(to_bytes),
            });
        }
        out.batches.push(DumpedBatch {
            position: position as u64,
            header,
            records,
        });
        position += size;
    }
    Ok(out)
}
