//! `/v1/stream`: newline-delimited JSON of what commits, from the moment of the request. One
//! line per committed record (metadata records as Kafka's tools print them, control records
//! typed by Kafka's `ControlRecordType` names), each with its offset and the epoch of its
//! batch; `{"snapshot":{...}}` when a snapshot replaced the image; `{"lagged":N}` when this
//! reader fell more than the controller's backlog behind and N changes were dropped.
//!
//! The stream is the response body: when the client goes away the server drops it, and with
//! it the subscription ([`OpenStreams`] counts the live ones). It ends when the controller
//! loop stops (the node shuts down), as the views that loop publishes close then.

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
use tokio::sync::watch;
use yakt_wire::{records_of, BatchView, LogRecord, MetadataRecord};

use super::control_json;
use crate::controller::configs::broker_keys::{broker_config_type, BrokerConfigType};
use crate::controller::image::configs::resource_type::BROKER;
use crate::server::admin::AdminState;
use crate::server::controller_driver::MetadataChange;
use crate::server::controller_registration::RegistrationView;

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
    /// A view the controller loop publishes: it closes when the loop stops.
    controller: watch::Receiver<RegistrationView>,
    _open: OpenStream,
}

/// Returns once the sender of `view` is gone.
async fn closed<T>(view: &mut watch::Receiver<T>) {
    while view.changed().await.is_ok() {}
}

pub(crate) async fn stream(
    State(state): State<Arc<AdminState>>,
    Extension(streams): Extension<OpenStreams>,
) -> Response {
    let feed = Feed {
        changes: state.controller.changes(),
        controller: state.controller.registration_view(),
        _open: streams.open(),
    };
    let body = Body::from_stream(futures::stream::unfold(feed, next_chunk));
    ([(CONTENT_TYPE, "application/x-ndjson")], body).into_response()
}

/// The lines of the next change; `None` once the controller loop has stopped.
async fn next_chunk(mut feed: Feed) -> Option<(Result<Bytes, Infallible>, Feed)> {
    let mut out = Vec::new();
    let next = tokio::select! {
        biased;
        next = feed.changes.recv() => next,
        () = closed(&mut feed.controller) => return None,
    };
    match next {
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
            redact(metadata, &mut line);
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

/// What a line does not show, as Kafka's `RecordRedactor` keeps it out of its logs: a SCRAM
/// credential's salt and keys, and the value of a sensitive broker config (a PASSWORD key,
/// or one Kafka does not define).
fn redact(record: &MetadataRecord, line: &mut Map<String, Value>) {
    const REDACTED: &str = "(redacted)";
    let Some(Value::Object(data)) = line.get_mut("data") else {
        return;
    };
    let hidden: &[&str] = match record {
        MetadataRecord::UserScramCredential(_) => &["salt", "storedKey", "serverKey"],
        MetadataRecord::Config(config)
            if config.resource_type == BROKER
                && !matches!(broker_config_type(&config.name), Some(t) if t != BrokerConfigType::Password) =>
        {
            &["value"]
        }
        _ => &[],
    };
    for key in hidden {
        if let Some(value) = data.get_mut(*key) {
            if !value.is_null() {
                *value = REDACTED.into();
            }
        }
    }
}

fn write_line(value: &Value, out: &mut Vec<u8>) {
    // A Value always serializes.
    let _ = serde_json::to_writer(&mut *out, value);
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use yakt_wire::{
        push_metadata, BatchBuilder, MetadataRecord, PartitionRecord, TopicRecord, Uuid,
    };

    use super::*;
    use crate::raft::control::start_of_epoch_batch;

    fn lines(change: &MetadataChange) -> Vec<Value> {
        let mut out = Vec::new();
        write_change(change, &mut out);
        let text = String::from_utf8(out).unwrap();
        assert!(text.ends_with('\n'));
        text.lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    fn batch(last_offset: i64, epoch: i32, batch: Bytes) -> MetadataChange {
        MetadataChange::Batch {
            last_offset,
            epoch,
            batch,
        }
    }

    #[test]
    fn each_record_of_a_data_batch_is_a_line_with_its_offset() {
        let topic_id = Uuid::new(1, 2);
        let mut builder = BatchBuilder::new(10, 3, 0);
        let topic = TopicRecord {
            name: "orders".into(),
            topic_id,
            ..Default::default()
        };
        let partition = PartitionRecord {
            topic_id,
            replicas: vec![1],
            isr: vec![1],
            leader: 1,
            ..Default::default()
        };
        push_metadata(&mut builder, &MetadataRecord::from(topic), 0).unwrap();
        push_metadata(&mut builder, &MetadataRecord::from(partition), 1).unwrap();
        let lines = lines(&batch(11, 3, builder.build()));
        let id = topic_id.to_string();
        assert_eq!(
            lines[0],
            json!({"offset": 10, "epoch": 3, "type": "TOPIC_RECORD", "version": 0,
                   "data": {"name": "orders", "topicId": id}})
        );
        assert_eq!(lines[1]["offset"], 11);
        assert_eq!(lines[1]["type"], "PARTITION_RECORD");
        assert_eq!(lines[1]["version"], 1);
        assert_eq!(lines[1]["data"]["isr"], json!([1]));
        assert_eq!(lines.len(), 2);
        // Keys in Kafka's order: where a record is, then what it is.
        let keys: Vec<&String> = lines[0].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["offset", "epoch", "type", "version", "data"]);
    }

    #[test]
    fn credentials_and_sensitive_broker_configs_are_redacted() {
        use yakt_wire::{ConfigRecord, UserScramCredentialRecord};
        let mut builder = BatchBuilder::new(0, 1, 0);
        let scram = UserScramCredentialRecord {
            name: "alice".into(),
            mechanism: 1,
            salt: vec![1, 2, 3].into(),
            stored_key: vec![4, 5].into(),
            server_key: vec![6].into(),
            iterations: 4096,
            ..Default::default()
        };
        let config = |resource_type: i8, name: &str| ConfigRecord {
            resource_type,
            resource_name: "1".into(),
            name: name.into(),
            value: Some("secret".into()),
            ..Default::default()
        };
        let records = [
            MetadataRecord::from(scram),
            config(BROKER, "ssl.keystore.password").into(),
            config(BROKER, "listener.name.internal.ssl.key.password").into(),
            config(BROKER, "no.such.key").into(),
            config(BROKER, "log.retention.ms").into(),
            config(2, "retention.ms").into(),
        ];
        for record in &records {
            push_metadata(&mut builder, record, 0).unwrap();
        }
        let lines = lines(&batch(5, 1, builder.build()));
        let data: Vec<&Value> = lines.iter().map(|line| &line["data"]).collect();
        assert_eq!(data[0]["name"], "alice");
        assert_eq!(data[0]["iterations"], 4096);
        for key in ["salt", "storedKey", "serverKey"] {
            assert_eq!(data[0][key], "(redacted)", "{key}");
        }
        let values: Vec<&Value> = data[1..].iter().map(|d| &d["value"]).collect();
        assert_eq!(
            values,
            ["(redacted)", "(redacted)", "(redacted)", "secret", "secret"]
        );
    }

    #[test]
    fn control_records_are_typed_by_kafkas_control_record_names() {
        let control = start_of_epoch_batch(5, 2, 0, 1, [1, 2, 3], [1, 2], None);
        let lines = lines(&batch(5, 2, control));
        assert_eq!(
            lines,
            [
                json!({"offset": 5, "epoch": 2, "type": "LEADER_CHANGE", "version": 0,
                    "data": {"version": 0, "leaderId": 1,
                             "voters": [{"voterId": 1}, {"voterId": 2}, {"voterId": 3}],
                             "grantingVoters": [{"voterId": 1}, {"voterId": 2}]}})
            ]
        );
    }

    #[test]
    fn a_snapshot_and_an_undecodable_batch_are_one_line_each() {
        let snapshot = MetadataChange::Snapshot {
            end_offset: 100,
            epoch: 4,
        };
        assert_eq!(
            lines(&snapshot),
            [json!({"snapshot": {"endOffset": 100, "epoch": 4}})]
        );
        let garbage = lines(&batch(7, 1, Bytes::from_static(b"not a batch")));
        assert_eq!(garbage.len(), 1);
        assert_eq!(garbage[0]["offset"], 7);
        assert!(garbage[0]["error"].is_string());
    }

    #[tokio::test]
    async fn a_reader_that_fell_behind_is_told_how_many_it_missed_then_goes_on() {
        let (sender, changes) = broadcast::channel(2);
        let streams = OpenStreams::default();
        let (_loop_alive, controller) = watch::channel(RegistrationView::default());
        let feed = Feed {
            changes,
            controller,
            _open: streams.open(),
        };
        for end_offset in 1..=5 {
            let epoch = 1;
            sender
                .send(MetadataChange::Snapshot { end_offset, epoch })
                .unwrap();
        }
        drop(sender);
        let mut texts = Vec::new();
        let mut next = Some(feed);
        while let Some(feed) = next.take() {
            assert_eq!(streams.count(), 1);
            if let Some((Ok(chunk), feed)) = next_chunk(feed).await {
                texts.push(String::from_utf8(chunk.to_vec()).unwrap());
                next = Some(feed);
            }
        }
        assert_eq!(
            texts,
            [
                "{\"lagged\":3}\n",
                "{\"snapshot\":{\"endOffset\":4,\"epoch\":1}}\n",
                "{\"snapshot\":{\"endOffset\":5,\"epoch\":1}}\n",
            ]
        );
        assert_eq!(streams.count(), 0, "the ended stream is no longer counted");
    }

    #[tokio::test]
    async fn the_stream_ends_when_the_controller_loop_stops() {
        let (_sender, changes) = broadcast::channel(2);
        let (loop_alive, controller) = watch::channel(RegistrationView::default());
        let streams = OpenStreams::default();
        let feed = Feed {
            changes,
            controller,
            _open: streams.open(),
        };
        let next = tokio::spawn(next_chunk(feed));
        loop_alive.send_modify(|view| view.caught_up = true);
        drop(loop_alive);
        let ended = next.await.unwrap();
        assert!(ended.is_none(), "no chunk after the loop stopped");
        assert_eq!(streams.count(), 0);
    }
}
