//! `/v1/stream`: newline-delimited JSON of what commits, from the moment of the request. One
//! line per committed record (metadata records as Kafka's tools print them, control records
//! typed by Kafka's `ControlRecordType` names), each with its offset and the epoch of its
//! batch; `{"snapshot":{...}}` when a snapshot replaced the image; `{"lagged":N}` when this
//! reader fell more than the controller's backlog behind and N changes were dropped.
//!
//! The stream is the response body: when the client goes away the server drops it, and with
//! it the subscription ([`OpenStreams`] counts the live ones). It ends when the controller
//! loop stops.

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use bytes::Bytes;
use serde_json::{json, Map, Value};
use tokio::sync::broadcast::{self, error::RecvError};
use yakt_wire::{records_of, BatchView, LogRecord};

use super::control_json;
use crate::server::admin::AdminState;
use crate::server::controller_driver::MetadataChange;

/// How many `/v1/stream` responses are open.
#[derive(Debug, Clone, Default)]
pub(crate) struct OpenStreams(Arc<AtomicUsize>);

impl OpenStreams {
    /// The number of open streams.
    pub(crate) fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    fn open(&self) -> OpenStream {
        self.0.fetch_add(1, Ordering::SeqCst);
        OpenStream(self.0.clone())
    }
}

/// One open stream; counted until dropped.
#[derive(Debug)]
struct OpenStream(Arc<AtomicUsize>);

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A subscriber's state between chunks.
struct Feed {
    changes: broadcast::Receiver<MetadataChange>,
    _open: OpenStream,
}

pub(crate) async fn stream(
    State(state): State<Arc<AdminState>>,
    Extension(streams): Extension<OpenStreams>,
) -> Response {
    let feed = Feed {
        changes: state.controller.changes(),
        _open: streams.open(),
    };
    let body = Body::from_stream(futures::stream::unfold(feed, next_chunk));
    ([(CONTENT_TYPE, "application/x-ndjson")], body).into_response()
}

/// The lines of the next change; `None` once the controller loop has stopped.
async fn next_chunk(mut feed: Feed) -> Option<(Result<Bytes, Infallible>, Feed)> {
    let mut out = Vec::new();
    match feed.changes.recv().await {
        Ok(change) => write_change(&change, &mut out),
        Err(RecvError::Lagged(dropped)) => write_line(&json!({ "lagged": dropped }), &mut out),
        Err(RecvError::Closed) => return None,
    }
    Some((Ok(Bytes::from(out)), feed))
}

/// The lines of one change.
pub(crate) fn write_change(change: &MetadataChange, out: &mut Vec<u8>) {
    match change {
        MetadataChange::Batch {
            last_offset,
            epoch,
            batch,
        } => write_batch(*last_offset, *epoch, batch, out),
        MetadataChange::Snapshot { end_offset, epoch } => {
            let snapshot = json!({ "snapshot": { "endOffset": end_offset, "epoch": epoch } });
            write_line(&snapshot, out);
        }
    }
}

/// One line per record of a committed batch; a batch that does not decode (it was replayed,
/// so it should) gives one `{"offset":N,"error":...}` line at the failing offset.
fn write_batch(last_offset: i64, epoch: i32, batch: &Bytes, out: &mut Vec<u8>) {
    let view = match BatchView::parse(batch) {
        Ok(view) => view,
        Err(error) => {
            let line = json!({ "offset": last_offset, "error": error.to_string() });
            return write_line(&line, out);
        }
    };
    for record in records_of(&view) {
        let line = match record {
            Ok((offset, record)) => record_line(offset, epoch, &record),
            Err(error) => json!({ "offset": last_offset, "error": error.to_string() }),
        };
        write_line(&line, out);
    }
}

/// `{"offset":N,"epoch":E,"type":...,"version":V,"data":{...}}`.
fn record_line(offset: i64, epoch: i32, record: &LogRecord) -> Value {
    let mut line = Map::new();
    line.insert("offset".into(), offset.into());
    line.insert("epoch".into(), epoch.into());
    match record {
        LogRecord::Metadata(metadata, version) => {
            if let Value::Object(fields) = metadata.to_kafka_json(*version) {
                line.extend(fields);
            }
        }
        LogRecord::Control(control) => {
            let (version, data) = control_json::version_and_data(control);
            line.insert("type".into(), control_json::type_name(control).into());
            line.insert("version".into(), version.into());
            line.insert("data".into(), data);
        }
    }
    Value::Object(line)
}

fn write_line(value: &Value, out: &mut Vec<u8>) {
    // A Value always serializes.
    let _ = serde_json::to_writer(&mut *out, value);
    out.push(b'\n');
}
