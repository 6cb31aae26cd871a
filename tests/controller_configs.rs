//! Configs, features and producer ids against Kafka's rules: IncrementalAlterConfigs,
//! AlterConfigs and DescribeConfigs; UpdateFeatures and the features ApiVersions reports;
//! AllocateProducerIds. Where Kafka wrote the same change into a fixture log, the records
//! must match.

mod controller_support;

use controller_support::*;
use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
use kafka_protocol::messages::incremental_alter_configs_request::{
    AlterConfigsResource, AlterableConfig,
};
use kafka_protocol::messages::update_features_request::FeatureUpdateKey;
use kafka_protocol::messages::{
    AllocateProducerIdsRequest, AlterConfigsRequest, BrokerId, DescribeConfigsRequest,
    IncrementalAlterConfigsRequest, UpdateFeaturesRequest,
};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::ResponseError;
use yakt_wire::{MetadataRecord, Uuid};

const TOPIC: i8 = 2;
const BROKER: i8 = 4;
const SET: i8 = 0;
const DELETE: i8 = 1;
const APPEND: i8 = 2;

fn s(text: &str) -> StrBytes {
    StrBytes::from_string(text.into())
}

/// A config key, operation id and value.
type Op<'a> = (&'a str, i8, Option<&'a str>);

fn resource(kind: i8, name: &str, ops: &[Op]) -> AlterConfigsResource {
    AlterConfigsResource::default()
        .with_resource_type(kind)
        .with_resource_name(s(name))
        .with_configs(
            ops.iter()
                .map(|(key, op, value)| {
                    AlterableConfig::default()
                        .with_name(s(key))
                        .with_config_operation(*op)
                        .with_value(value.map(s))
                })
                .collect(),
        )
}

fn alter(resources: Vec<AlterConfigsResource>) -> IncrementalAlterConfigsRequest {
    IncrementalAlterConfigsRequest::default().with_resources(resources)
}

fn with_topic() -> Harness {
    let mut h = Harness::new(25, false);
    h.add_broker(2);
    h.add_topic("t", Uuid::new(4, 4), &[(&[2], &[2], 2)]);
    h
}

#[test]
fn incremental_alter_errors_are_kafkas() {
    let cases: Vec<(AlterConfigsResource, i16)> = vec![
        (resource(TOPIC, "t", &[("retention.ms", SET, Some("5"))]), 0),
        (
            resource(TOPIC, "t", &[("no.such.key", SET, Some("5"))]),
            ResponseError::InvalidConfig.code(),
        ),
        (
            resource(TOPIC, "t", &[("retention.ms", SET, Some("-9"))]),
            ResponseError::InvalidConfig.code(),
        ),
        (
            resource(TOPIC, "t", &[("retention.ms", APPEND, Some("5"))]),
            ResponseError::InvalidConfig.code(),
        ),
        (
            resource(TOPIC, "ghost", &[("retention.ms", SET, Some("5"))]),
            ResponseError::UnknownTopicOrPartition.code(),
        ),
        (
            resource(TOPIC, "", &[("retention.ms", SET, Some("5"))]),
            ResponseError::InvalidRequest.code(),
        ),
        (
            resource(BROKER, "9", &[("log.cleaner.threads", SET, Some("2"))]),
            ResponseError::BrokerIdNotRegistered.code(),
        ),
        (
            resource(BROKER, "x", &[("log.cleaner.threads", SET, Some("2"))]),
            ResponseError::InvalidRequest.code(),
        ),
        (
            resource(BROKER, "2", &[("log.cleaner.threads", SET, Some("2"))]),
            0,
        ),
        (
            resource(BROKER, "1", &[("log.cleaner.threads", SET, Some("2"))]),
            0,
        ),
        (
            resource(BROKER, "", &[("log.retention.ms", SET, Some("2"))]),
            0,
        ),
        (
            resource(TOPIC, "t", &[("retention.ms", 9, Some("2"))]),
            ResponseError::InvalidRequest.code(),
        ),
    ];
    for (resource, code) in cases {
        let h = with_topic();
        let result = h
            .controller
            .incremental_alter_configs(&alter(vec![resource.clone()]));
        let answer = &result.response.responses[0];
        assert_eq!(
            answer.error_code, code,
            "{resource:?}: {:?}",
            answer.error_message
        );
        assert_eq!(result.records.is_empty(), code != 0);
    }
}

#[test]
fn operations_set_delete_append_subtract() {
    let mut h = with_topic();
    let steps: &[(&[Op], Option<&str>)] = &[
        (&[("cleanup.policy", SET, Some("delete"))], Some("delete")),
        (
            &[("cleanup.policy", APPEND, Some("compact"))],
            Some("delete,compact"),
        ),
        (&[("cleanup.policy", 3, Some("delete"))], Some("compact")),
        (&[("cleanup.policy", DELETE, None)], None),
    ];
    for (ops, expected) in steps {
        let result = h
            .controller
            .incremental_alter_configs(&alter(vec![resource(TOPIC, "t", ops)]));
        assert_eq!(result.response.responses[0].error_code, 0, "{ops:?}");
        h.commit(result);
        assert_eq!(
            h.controller
                .image()
                .configs
                .get(TOPIC, "t", "cleanup.policy"),
            *expected
        );
    }
    let unchanged = h.controller.incremental_alter_configs(&alter(vec![resource(
        TOPIC,
        "t",
        &[("cleanup.policy", DELETE, None)],
    )]));
    assert!(
        unchanged.records.is_empty(),
        "an unchanged topic config writes nothing"
    );
    let broker = h.controller.incremental_alter_configs(&alter(vec![resource(
        BROKER,
        "2",
        &[("x", DELETE, None)],
    )]));
    assert_eq!(
        broker.records.len(),
        1,
        "a broker config is always written (KAFKA-14136)"
    );
}

#[test]
fn duplicates_and_validate_only() {
    let h = with_topic();
    let twice = alter(vec![
        resource(TOPIC, "t", &[("retention.ms", SET, Some("5"))]),
        resource(TOPIC, "t", &[("retention.ms", SET, Some("6"))]),
    ]);
    let result = h.controller.incremental_alter_configs(&twice);
    assert!(result
        .response
        .responses
        .iter()
        .all(|r| r.error_code == ResponseError::InvalidRequest.code()));
    let validate = alter(vec![resource(
        TOPIC,
        "t",
        &[("retention.ms", SET, Some("5"))],
    )])
    .with_validate_only(true);
    let result = h.controller.incremental_alter_configs(&validate);
    assert_eq!(result.response.responses[0].error_code, 0);
    assert!(result.records.is_empty());
}

#[test]
fn min_insync_replicas_clears_elr_when_elr_is_on() {
    let mut h = Harness::new(27, true);
    h.add_broker(2);
    h.add_topic("t", Uuid::new(4, 4), &[(&[2], &[2], 2)]);
    let request = alter(vec![
        resource(TOPIC, "t", &[("min.insync.replicas", SET, Some("1"))]),
        resource(BROKER, "", &[("min.insync.replicas", SET, Some("1"))]),
    ]);
    let result = h.controller.incremental_alter_configs(&request);
    let clears: Vec<String> = result
        .records
        .iter()
        .filter_map(|(r, _)| match r {
            MetadataRecord::ClearElr(c) => Some(c.topic_name.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(clears, ["t", ""]);
}

#[test]
fn removing_throttles_writes_what_kafka_4_3_1_wrote() {
    // kafka-reassign-partitions --verify removed the throttles of brokers 2 and 3 (186..=191).
    let h = fixture_controller("4.3.1", 186);
    let keys = [
        "leader.replication.throttled.rate",
        "follower.replication.throttled.rate",
        "replica.alter.log.dirs.io.max.bytes.per.second",
    ];
    let ops: Vec<Op> = keys.iter().map(|k| (*k, DELETE, None)).collect();
    let request = alter(vec![
        resource(BROKER, "2", &ops),
        resource(BROKER, "3", &ops),
    ]);
    let result = h.controller.incremental_alter_configs(&request);
    let key = |r: &MetadataRecord| format!("{r:?}");
    let mut ours: Vec<String> = result.records.iter().map(|(r, _)| key(r)).collect();
    let mut kafka: Vec<String> = fixture_records("4.3.1", 186, 192).iter().map(key).collect();
    ours.sort();
    kafka.sort();
    assert_eq!(ours, kafka);
}

#[test]
fn legacy_alter_configs_replaces_the_whole_resource() {
    use kafka_protocol::messages::alter_configs_request::{
        AlterConfigsResource as Resource, AlterableConfig as Config,
    };
    let mut h = with_topic();
    let result = h.controller.incremental_alter_configs(&alter(vec![resource(
        TOPIC,
        "t",
        &[
            ("retention.ms", SET, Some("5")),
            ("cleanup.policy", SET, Some("compact")),
        ],
    )]));
    h.commit(result);
    let request = AlterConfigsRequest::default().with_resources(vec![Resource::default()
        .with_resource_type(TOPIC)
        .with_resource_name(s("t"))
        .with_configs(vec![Config::default()
            .with_name(s("retention.ms"))
            .with_value(Some(s("7")))])]);
    let result = h.controller.alter_configs(&request);
    assert_eq!(result.response.responses[0].error_code, 0);
    h.commit(result);
    let configs = h.controller.image().configs.resource(TOPIC, "t").unwrap();
    assert_eq!(configs.len(), 1);
    assert_eq!(configs["retention.ms"], "7");
}

#[test]
fn describe_configs_gives_effective_values_and_sources() {
    let mut h = with_topic();
    let result = h.controller.incremental_alter_configs(&alter(vec![
        resource(TOPIC, "t", &[("retention.ms", SET, Some("5"))]),
        resource(BROKER, "", &[("log.segment.bytes", SET, Some("2048"))]),
    ]));
    h.commit(result);
    let request = DescribeConfigsRequest::default()
        .with_include_synonyms(true)
        .with_resources(vec![
            DescribeConfigsResource::default()
                .with_resource_type(TOPIC)
                .with_resource_name(s("t"))
                .with_configuration_keys(None),
            DescribeConfigsResource::default()
                .with_resource_type(TOPIC)
                .with_resource_name(s("ghost")),
            DescribeConfigsResource::default()
                .with_resource_type(BROKER)
                .with_resource_name(s("")),
        ]);
    let response = h.controller.describe_configs(&request, 4);
    let topic = &response.results[0];
    assert_eq!(topic.error_code, 0);
    let find = |name: &str| {
        topic
            .configs
            .iter()
            .find(|c| c.name.as_str() == name)
            .unwrap()
            .clone()
    };
    let retention = find("retention.ms");
    assert_eq!(
        (
            retention.value.as_deref(),
            retention.config_source,
            retention.synonyms.len()
        ),
        (Some("5"), 1, 2)
    );
    let segment = find("segment.bytes");
    assert_eq!(
        (segment.value.as_deref(), segment.config_source),
        (Some("2048"), 3)
    );
    let compression = find("compression.type");
    assert_eq!(
        (
            compression.value.as_deref(),
            compression.config_source,
            compression.config_type
        ),
        (Some("producer"), 5, 2)
    );
    assert_eq!(
        response.results[1].error_code,
        ResponseError::UnknownTopicOrPartition.code()
    );
    let defaults = &response.results[2];
    assert_eq!(defaults.configs.len(), 1);
    assert_eq!(
        (
            defaults.configs[0].name.as_str(),
            defaults.configs[0].config_source
        ),
        ("log.segment.bytes", 3)
    );
}

#[test]
fn producer_ids_come_in_blocks_of_a_thousand() {
    let mut h = Harness::new(25, false);
    let epoch = h.add_broker(2);
    let request = AllocateProducerIdsRequest::default()
        .with_broker_id(BrokerId(2))
        .with_broker_epoch(epoch);
    for start in [0, 1000, 2000] {
        let result = h.controller.allocate_producer_ids(&request);
        assert_eq!(
            (
                result.response.producer_id_start.0,
                result.response.producer_id_len
            ),
            (start, 1000)
        );
        h.commit(result);
    }
    let stale = h
        .controller
        .allocate_producer_ids(&request.clone().with_broker_epoch(epoch + 1));
    assert_eq!(
        stale.response.error_code,
        ResponseError::StaleBrokerEpoch.code()
    );
    assert!(stale.records.is_empty());
}

#[test]
fn the_first_producer_id_block_is_kafkas() {
    let h = fixture_controller("4.3.1", 155);
    let request = AllocateProducerIdsRequest::default()
        .with_broker_id(BrokerId(2))
        .with_broker_epoch(30);
    let result = h.controller.allocate_producer_ids(&request);
    let ours: Vec<MetadataRecord> = result.records.into_iter().map(|(r, _)| r).collect();
    assert_eq!(ours, fixture_records("4.3.1", 155, 156));
}

fn update(feature: &str, level: i16, upgrade_type: i8) -> UpdateFeaturesRequest {
    UpdateFeaturesRequest::default().with_feature_updates(vec![FeatureUpdateKey::default()
        .with_feature(s(feature))
        .with_max_version_level(level)
        .with_upgrade_type(upgrade_type)])
}

#[test]
fn feature_updates_follow_kafkas_rules() {
    let mut h = Harness::new(25, false);
    h.add_broker(2);
    h.replay(&[feature("group.version", 1)]);
    let cases = [
        (update("transaction.version", 2, 1), 0),
        (
            update("group.version", 0, 1),
            ResponseError::InvalidUpdateVersion.code(),
        ),
        (update("group.version", 0, 2), 0),
        (
            update("no.such.feature", 1, 1),
            ResponseError::InvalidUpdateVersion.code(),
        ),
        (
            update("metadata.version", 24, 2),
            ResponseError::InvalidUpdateVersion.code(),
        ),
        (update("metadata.version", 30, 1), 0),
        (
            update("metadata.version", 99, 1),
            ResponseError::InvalidUpdateVersion.code(),
        ),
    ];
    for (request, code) in cases {
        // Kafka's answer is whole: a refusal at the top level and no per-feature results,
        // success with each feature listed without error.
        let result = h.controller.update_features(&request, 1);
        let response = &result.response;
        assert_eq!(
            response.error_code, code,
            "{request:?}: {:?}",
            response.error_message
        );
        let listed: Vec<i16> = response.results.iter().map(|r| r.error_code).collect();
        assert_eq!(listed, if code == 0 { vec![0] } else { vec![] });
        assert_eq!(result.records.is_empty(), code != 0);
    }
    // One refused update fails the request whole: nothing is written.
    let mut both = update("transaction.version", 2, 1);
    both.feature_updates
        .extend(update("no.such.feature", 1, 1).feature_updates);
    let refused = h.controller.update_features(&both, 2);
    assert_eq!(
        refused.response.error_code,
        ResponseError::InvalidUpdateVersion.code()
    );
    assert!(refused.records.is_empty());
    // ELR needs metadata.version 4.0-IV1 (23).
    let mut old = Harness::new(22, false);
    let refused = old
        .controller
        .update_features(&update("eligible.leader.replicas.version", 1, 1), 1);
    assert_eq!(
        refused.response.error_code,
        ResponseError::InvalidUpdateVersion.code()
    );
    old.add_broker(2);

    // A level a broker does not support is refused.
    let mut features = broker_features();
    features[0].max_supported_version = 25;
    let request = registration(3, Uuid::new(9, 3), &[dir_of(3)]).with_features(features);
    let result = h
        .controller
        .register_broker(&request, 4, h.next_offset, h.now_ms);
    h.commit(result);
    let refused = h
        .controller
        .update_features(&update("metadata.version", 26, 1), 1);
    assert_eq!(
        refused.response.error_code,
        ResponseError::InvalidUpdateVersion.code()
    );
}

#[test]
fn the_feature_report_is_what_apiversions_shows() {
    let mut h = Harness::new(25, false);
    h.replay(&[feature("group.version", 1)]);
    h.controller.set_kraft_version(1);
    let report = h.controller.feature_report();
    let finalized: Vec<(&str, i16)> = report
        .finalized
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(
        finalized,
        [
            ("group.version", 1),
            ("kraft.version", 1),
            ("metadata.version", 25)
        ]
    );
    assert_eq!(report.epoch, h.next_offset - 1);
    assert_eq!(report.supported["metadata.version"], (7, 30));
    assert_eq!(report.supported["kraft.version"], (0, 1));
}
