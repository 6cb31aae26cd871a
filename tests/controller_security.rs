//! ACLs, client quotas and SCRAM credentials against Kafka's rules: CreateAcls, DeleteAcls,
//! DescribeAcls, AlterClientQuotas and AlterUserScramCredentials. Where Kafka wrote the same change into a fixture log (the
//! `kafka-acls` and `kafka-configs` calls of `scripts/capture-kafka-fixtures`), the records
//! must match; what a handler computes must replay, and asking again must change nothing.

mod controller_support;

use controller_support::*;
use hmac::{Hmac, Mac};
use kafka_protocol::messages::alter_client_quotas_request::{EntityData, EntryData, OpData};
use kafka_protocol::messages::alter_user_scram_credentials_request::{
    ScramCredentialDeletion, ScramCredentialUpsertion,
};
use kafka_protocol::messages::create_acls_request::AclCreation;
use kafka_protocol::messages::delete_acls_request::DeleteAclsFilter;
use kafka_protocol::messages::{
    AlterClientQuotasRequest, AlterUserScramCredentialsRequest, CreateAclsRequest,
    DeleteAclsRequest, DescribeAclsRequest,
};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::ResponseError;
use sha2::{Sha256, Sha512};
use yakt_wire::{
    AccessControlEntryRecord, ClientQuotaRecord, MetadataRecord, UserScramCredentialRecord,
};

const TOPIC: i8 = 2;
const GROUP: i8 = 3;
const CLUSTER: i8 = 4;
const ANY: i8 = 1;
const MATCH: i8 = 2;
const LITERAL: i8 = 3;
const PREFIXED: i8 = 4;
const ALL: i8 = 2;
const READ: i8 = 3;
const WRITE: i8 = 4;
const DESCRIBE: i8 = 8;
const DENY: i8 = 2;
const ALLOW: i8 = 3;
const INVALID_REQUEST: i16 = 42;

fn s(text: &str) -> StrBytes {
    StrBytes::from_string(text.into())
}

/// `(resource type, name, pattern type, principal, operation, permission)`, host `*`.
type AclSpec<'a> = (i8, &'a str, i8, &'a str, i8, i8);

fn creation((kind, name, pattern, principal, operation, permission): AclSpec) -> AclCreation {
    AclCreation::default()
        .with_resource_type(kind)
        .with_resource_name(s(name))
        .with_resource_pattern_type(pattern)
        .with_principal(s(principal))
        .with_host(s("*"))
        .with_operation(operation)
        .with_permission_type(permission)
}

fn create(specs: &[AclSpec]) -> CreateAclsRequest {
    CreateAclsRequest::default().with_creations(specs.iter().copied().map(creation).collect())
}

/// `(resource type, name, pattern type, principal, operation, permission)` as a filter.
type FilterSpec<'a> = (i8, Option<&'a str>, i8, Option<&'a str>, i8, i8);

fn filter((kind, name, pattern, principal, operation, permission): FilterSpec) -> DeleteAclsFilter {
    DeleteAclsFilter::default()
        .with_resource_type_filter(kind)
        .with_resource_name_filter(name.map(s))
        .with_pattern_type_filter(pattern)
        .with_principal_filter(principal.map(s))
        .with_host_filter(None)
        .with_operation(operation)
        .with_permission_type(permission)
}

fn acl_record(record: &MetadataRecord) -> &AccessControlEntryRecord {
    match record {
        MetadataRecord::AccessControlEntry(r) => r,
        other => panic!("not an ACL record: {other:?}"),
    }
}

/// The ACLs the image holds, without their ids, sorted.
fn image_acls(h: &Harness) -> Vec<(i8, String, i8, String, i8, i8)> {
    let mut out: Vec<_> = h
        .controller
        .image()
        .acls
        .acls()
        .values()
        .map(|a| {
            let name = a.resource_name.clone();
            let principal = a.principal.clone();
            (
                a.resource_type,
                name,
                a.pattern_type,
                principal,
                a.operation,
                a.permission_type,
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn create_acls_errors_are_kafkas() {
    let alice = "User:alice";
    let cases: Vec<(AclSpec, i16)> = vec![
        ((TOPIC, "t", LITERAL, alice, READ, ALLOW), 0),
        ((GROUP, "g", PREFIXED, alice, ALL, DENY), 0),
        ((CLUSTER, "kafka-cluster", LITERAL, alice, 7, ALLOW), 0),
        ((7, "bob", LITERAL, alice, 15, ALLOW), 0),
        (
            (CLUSTER, "other", LITERAL, alice, 7, ALLOW),
            INVALID_REQUEST,
        ),
        ((TOPIC, "", LITERAL, alice, READ, ALLOW), INVALID_REQUEST),
        ((0, "t", LITERAL, alice, READ, ALLOW), INVALID_REQUEST),
        ((ANY, "t", LITERAL, alice, READ, ALLOW), INVALID_REQUEST),
        ((8, "t", LITERAL, alice, READ, ALLOW), INVALID_REQUEST),
        ((TOPIC, "t", ANY, alice, READ, ALLOW), INVALID_REQUEST),
        ((TOPIC, "t", MATCH, alice, READ, ALLOW), INVALID_REQUEST),
        ((TOPIC, "t", 5, alice, READ, ALLOW), INVALID_REQUEST),
        ((TOPIC, "t", LITERAL, alice, ANY, ALLOW), INVALID_REQUEST),
        ((TOPIC, "t", LITERAL, alice, 0, ALLOW), INVALID_REQUEST),
        ((TOPIC, "t", LITERAL, alice, 16, ALLOW), INVALID_REQUEST),
        ((TOPIC, "t", LITERAL, alice, READ, ANY), INVALID_REQUEST),
        ((TOPIC, "t", LITERAL, alice, READ, 4), INVALID_REQUEST),
    ];
    for (spec, code) in cases {
        let mut h = Harness::new(25, false);
        let result = h.controller.create_acls(&create(&[spec]));
        let response = &result.response.results[0];
        assert_eq!(response.error_code, code, "{spec:?}: {response:?}");
        assert_eq!(result.records.len(), usize::from(code == 0), "{spec:?}");
        assert_eq!(response.error_message.is_some(), code != 0, "{spec:?}");
        assert!(result.atomic);
    }
}

#[test]
fn create_acls_records_match_kafkas() {
    // kafka-acls --add --allow-principal User:alice --operation Read --operation Describe
    // --topic alpha, which Kafka 4.3.1 wrote at offsets 138 and 139.
    let version = "4.3.1";
    let mut h = fixture_controller(version, 138);
    let request = create(&[
        (TOPIC, "alpha", LITERAL, "User:alice", READ, ALLOW),
        (TOPIC, "alpha", LITERAL, "User:alice", DESCRIBE, ALLOW),
    ]);
    let result = h.controller.create_acls(&request);
    let kafkas = fixture_records(version, 138, 140);
    assert_eq!(result.records.len(), 2);
    for ((ours, record_version), kafkas) in result.records.iter().zip(&kafkas) {
        assert_eq!(*record_version, 0);
        let (ours, kafkas) = (acl_record(ours), acl_record(kafkas));
        assert_ne!(ours.id, kafkas.id, "ids are random");
        assert!(!ours.id.is_reserved());
        let ours = AccessControlEntryRecord {
            id: kafkas.id,
            ..ours.clone()
        };
        assert_eq!(&ours, kafkas);
    }
    let response = h.commit(result);
    assert!(response.results.iter().all(|r| r.error_code == 0));
    assert_eq!(h.controller.image().acls.acls().len(), 2);
}

#[test]
fn an_acl_that_exists_is_not_created_twice() {
    let mut h = Harness::new(25, false);
    let spec = (TOPIC, "t", LITERAL, "User:alice", READ, ALLOW);
    let other = (TOPIC, "t", LITERAL, "User:alice", WRITE, ALLOW);
    let result = h.controller.create_acls(&create(&[spec, spec, other]));
    assert_eq!(
        result.records.len(),
        2,
        "the repeat in one request is one ACL"
    );
    let first = acl_record(&result.records[0].0).id;
    let second = acl_record(&result.records[1].0).id;
    assert_ne!(first, second);
    let response = h.commit(result);
    assert!(response.results.iter().all(|r| r.error_code == 0));
    assert_eq!(image_acls(&h).len(), 2);

    let again = h.controller.create_acls(&create(&[spec]));
    assert!(again.records.is_empty(), "{:?}", again.records);
    assert_eq!(again.response.results[0].error_code, 0);
}

/// The ACLs the delete tests start from.
fn with_acls() -> Harness {
    let mut h = Harness::new(25, false);
    let result = h.controller.create_acls(&create(&[
        (TOPIC, "alpha", LITERAL, "User:alice", READ, ALLOW),
        (TOPIC, "alpha", LITERAL, "User:bob", WRITE, DENY),
        (TOPIC, "*", LITERAL, "User:carol", READ, ALLOW),
        (TOPIC, "al", PREFIXED, "User:dave", DESCRIBE, ALLOW),
        (GROUP, "alpha", LITERAL, "User:alice", READ, ALLOW),
    ]));
    h.commit(result);
    h
}

#[test]
fn delete_acls_filters_match_as_kafkas() {
    let cases: Vec<(FilterSpec, &[&str])> = vec![
        (
            (ANY, None, ANY, None, ANY, ANY),
            &["alice", "alice", "bob", "carol", "dave"],
        ),
        (
            (TOPIC, None, ANY, None, ANY, ANY),
            &["alice", "bob", "carol", "dave"],
        ),
        (
            (TOPIC, Some("alpha"), LITERAL, None, ANY, ANY),
            &["alice", "bob"],
        ),
        (
            (TOPIC, Some("alpha"), ANY, None, ANY, ANY),
            &["alice", "bob"],
        ),
        (
            (TOPIC, Some("alpha"), MATCH, None, ANY, ANY),
            &["alice", "bob", "carol", "dave"],
        ),
        (
            (TOPIC, Some("alps"), MATCH, None, ANY, ANY),
            &["carol", "dave"],
        ),
        ((TOPIC, Some("al"), PREFIXED, None, ANY, ANY), &["dave"]),
        ((TOPIC, Some("alpha"), PREFIXED, None, ANY, ANY), &[]),
        (
            (ANY, None, ANY, Some("User:alice"), ANY, ANY),
            &["alice", "alice"],
        ),
        ((ANY, None, ANY, None, WRITE, ANY), &["bob"]),
        ((ANY, None, ANY, None, ANY, DENY), &["bob"]),
        ((GROUP, Some("alpha"), MATCH, None, READ, ALLOW), &["alice"]),
    ];
    for (spec, principals) in cases {
        let h = with_acls();
        let result = h
            .controller
            .delete_acls(&DeleteAclsRequest::default().with_filters(vec![filter(spec)]));
        let response = &result.response.filter_results[0];
        assert_eq!(response.error_code, 0, "{spec:?}");
        let mut matched: Vec<String> = response
            .matching_acls
            .iter()
            .map(|a| a.principal.to_string().replace("User:", ""))
            .collect();
        matched.sort();
        assert_eq!(matched, principals, "{spec:?}");
        assert_eq!(result.records.len(), principals.len(), "{spec:?}");
        assert!(result.atomic);
    }
}

#[test]
fn delete_acls_removes_each_acl_once_and_replays() {
    let mut h = with_acls();
    let request = DeleteAclsRequest::default().with_filters(vec![
        filter((TOPIC, Some("alpha"), LITERAL, None, ANY, ANY)),
        filter((ANY, None, ANY, Some("User:alice"), ANY, ANY)),
        filter((0, None, ANY, None, ANY, ANY)),
        filter((ANY, None, ANY, None, 0, ANY)),
    ]);
    let result = h.controller.delete_acls(&request);
    let results = &result.response.filter_results;
    assert_eq!(results[0].matching_acls.len(), 2);
    assert_eq!(results[1].matching_acls.len(), 2);
    assert_eq!(results[2].error_code, INVALID_REQUEST);
    assert_eq!(results[3].error_code, INVALID_REQUEST);
    assert_eq!(
        result.records.len(),
        3,
        "alice's topic ACL is matched twice, removed once"
    );
    assert!(result
        .records
        .iter()
        .all(|(r, v)| matches!(r, MetadataRecord::RemoveAccessControlEntry(_)) && *v == 0));
    h.commit(result);
    let left: Vec<String> = image_acls(&h).into_iter().map(|a| a.3).collect();
    assert_eq!(left, ["User:carol", "User:dave"]);

    let again = h.controller.delete_acls(&request);
    assert!(again.records.is_empty());
    assert!(again.response.filter_results[0].matching_acls.is_empty());
}

#[test]
fn describe_acls_groups_by_resource_pattern() {
    let h = with_acls();
    let request = DescribeAclsRequest::default()
        .with_resource_type_filter(TOPIC)
        .with_resource_name_filter(Some(s("alpha")))
        .with_pattern_type_filter(MATCH)
        .with_principal_filter(None)
        .with_host_filter(None)
        .with_operation(ANY)
        .with_permission_type(ANY);
    let response = h.controller.describe_acls(&request);
    assert_eq!(response.error_code, 0);
    let resources: Vec<(String, i8, usize)> = response
        .resources
        .iter()
        .map(|r| (r.resource_name.to_string(), r.pattern_type, r.acls.len()))
        .collect();
    assert_eq!(
        resources,
        [
            ("*".to_owned(), LITERAL, 1),
            ("al".to_owned(), PREFIXED, 1),
            ("alpha".to_owned(), LITERAL, 2),
        ]
    );
    let unknown = h
        .controller
        .describe_acls(&request.with_resource_type_filter(0));
    assert_eq!(unknown.error_code, INVALID_REQUEST);
    assert!(unknown.resources.is_empty());
}

/// An entity of `(type, name)` parts.
fn entry(entity: &[(&str, Option<&str>)], ops: &[(&str, Option<f64>)]) -> EntryData {
    EntryData::default()
        .with_entity(
            entity
                .iter()
                .map(|(kind, name)| {
                    EntityData::default()
                        .with_entity_type(s(kind))
                        .with_entity_name(name.map(s))
                })
                .collect(),
        )
        .with_ops(
            ops.iter()
                .map(|(key, value)| {
                    OpData::default()
                        .with_key(s(key))
                        .with_value(value.unwrap_or(0.0))
                        .with_remove(value.is_none())
                })
                .collect(),
        )
}

fn quotas(entries: Vec<EntryData>) -> AlterClientQuotasRequest {
    AlterClientQuotasRequest::default().with_entries(entries)
}

#[test]
fn alter_client_quotas_errors_are_kafkas() {
    type Case<'a> = (
        &'a [(&'a str, Option<&'a str>)],
        (&'a str, Option<f64>),
        i16,
    );
    let cases: Vec<Case> = vec![
        (
            &[("user", Some("u"))],
            ("producer_byte_rate", Some(1024.0)),
            0,
        ),
        (&[("user", None)], ("consumer_byte_rate", Some(1.0)), 0),
        (
            &[("client-id", Some("c"))],
            ("request_percentage", Some(12.5)),
            0,
        ),
        (
            &[("user", Some("u")), ("client-id", None)],
            ("controller_mutation_rate", Some(0.5)),
            0,
        ),
        (
            &[("ip", Some("10.0.0.1"))],
            ("connection_creation_rate", Some(5.0)),
            0,
        ),
        (
            &[("ip", Some("::1"))],
            ("connection_creation_rate", Some(5.0)),
            0,
        ),
        (&[("ip", None)], ("connection_creation_rate", Some(5.0)), 0),
        (&[("user", Some("u"))], ("no_such_key", None), 0),
        (&[], ("producer_byte_rate", Some(1.0)), INVALID_REQUEST),
        (
            &[("group", Some("g"))],
            ("producer_byte_rate", Some(1.0)),
            INVALID_REQUEST,
        ),
        (
            &[("user", Some(""))],
            ("producer_byte_rate", Some(1.0)),
            INVALID_REQUEST,
        ),
        (
            &[("ip", Some("1.2.3.4")), ("user", None)],
            ("connection_creation_rate", Some(1.0)),
            INVALID_REQUEST,
        ),
        (
            &[("ip", Some("not an ip!"))],
            ("connection_creation_rate", Some(1.0)),
            INVALID_REQUEST,
        ),
        (
            &[("ip", Some("1.2.3.4"))],
            ("producer_byte_rate", Some(1.0)),
            INVALID_REQUEST,
        ),
        (
            &[("user", Some("u"))],
            ("connection_creation_rate", Some(1.0)),
            INVALID_REQUEST,
        ),
        (
            &[("user", Some("u"))],
            ("no_such_key", Some(1.0)),
            INVALID_REQUEST,
        ),
        (
            &[("user", Some("u"))],
            ("producer_byte_rate", Some(0.0)),
            INVALID_REQUEST,
        ),
        (
            &[("user", Some("u"))],
            ("request_percentage", Some(-1.0)),
            INVALID_REQUEST,
        ),
        (
            &[("user", Some("u"))],
            ("producer_byte_rate", Some(1.5)),
            INVALID_REQUEST,
        ),
        (
            &[("user", Some("u"))],
            ("producer_byte_rate", Some(1e19)),
            INVALID_REQUEST,
        ),
        (
            &[("ip", None)],
            ("connection_creation_rate", Some(3e9)),
            INVALID_REQUEST,
        ),
    ];
    for (entity, op, code) in cases {
        let h = Harness::new(25, false);
        let result = h
            .controller
            .alter_client_quotas(&quotas(vec![entry(entity, &[op])]));
        let response = &result.response.entries[0];
        assert_eq!(response.error_code, code, "{entity:?} {op:?}: {response:?}");
        let writes = code == 0 && op.1.is_some();
        assert_eq!(
            result.records.len(),
            usize::from(writes),
            "{entity:?} {op:?}"
        );
        assert!(result.atomic);
    }
}

fn quota_record(record: &MetadataRecord) -> &ClientQuotaRecord {
    match record {
        MetadataRecord::ClientQuota(r) => r,
        other => panic!("not a quota record: {other:?}"),
    }
}

#[test]
fn alter_client_quotas_records_match_kafkas() {
    // The kafka-configs calls that Kafka 4.3.1 wrote at offsets 93, 99-100 and 105.
    let version = "4.3.1";
    let cases: Vec<(i64, i64, EntryData)> = vec![
        (
            93,
            94,
            entry(
                &[("client-id", Some("app-1"))],
                &[("producer_byte_rate", Some(1048576.0))],
            ),
        ),
        (
            99,
            101,
            entry(
                &[("user", Some("alice"))],
                &[
                    ("consumer_byte_rate", Some(2048.0)),
                    ("request_percentage", Some(50.0)),
                ],
            ),
        ),
        (
            105,
            106,
            entry(&[("user", None)], &[("producer_byte_rate", Some(4096.0))]),
        ),
    ];
    for (from, to, entry) in cases {
        let h = fixture_controller(version, from);
        let result = h.controller.alter_client_quotas(&quotas(vec![entry]));
        assert_eq!(result.response.entries[0].error_code, 0);
        let ours: Vec<MetadataRecord> = result.records.iter().map(|(r, _)| r.clone()).collect();
        assert_eq!(ours, fixture_records(version, from, to), "offset {from}");
    }
}

#[test]
fn client_quotas_replay_and_a_repeat_changes_nothing() {
    let mut h = Harness::new(25, false);
    let user_client = [("user", Some("u")), ("client-id", Some("c"))];
    let set = quotas(vec![entry(
        &user_client,
        &[
            ("producer_byte_rate", Some(1024.0)),
            ("request_percentage", Some(25.0)),
        ],
    )]);
    let result = h.controller.alter_client_quotas(&set);
    let entity: Vec<String> = quota_record(&result.records[0].0)
        .entity
        .iter()
        .map(|e| e.entity_type.clone())
        .collect();
    assert_eq!(entity, ["client-id", "user"], "Kafka's order");
    h.commit(result);
    let quotas_of = |h: &Harness| h.controller.image().client_quotas.quotas().clone();
    let (entity, values) = quotas_of(&h).into_iter().next().unwrap();
    assert_eq!(entity.len(), 2);
    assert_eq!(values.get("producer_byte_rate"), Some(&1024.0));

    let again = h.controller.alter_client_quotas(&set);
    assert!(again.records.is_empty(), "{:?}", again.records);
    assert_eq!(again.response.entries[0].error_code, 0);

    let remove = quotas(vec![entry(
        &user_client,
        &[("producer_byte_rate", None), ("consumer_byte_rate", None)],
    )]);
    let result = h.controller.alter_client_quotas(&remove);
    assert_eq!(result.records.len(), 1, "only a key that is set is removed");
    assert!(quota_record(&result.records[0].0).remove);
    h.commit(result);
    let left = quotas_of(&h);
    assert_eq!(
        left.values().next().unwrap().keys().collect::<Vec<_>>(),
        ["request_percentage"]
    );

    let last = quotas(vec![entry(&user_client, &[("request_percentage", None)])]);
    let result = h.controller.alter_client_quotas(&last);
    h.commit(result);
    assert!(quotas_of(&h).is_empty());
}

#[test]
fn alter_client_quotas_validate_only_and_duplicates() {
    let h = Harness::new(25, false);
    let set = entry(
        &[("user", Some("u"))],
        &[("producer_byte_rate", Some(1024.0))],
    );
    let validate = quotas(vec![set.clone()]).with_validate_only(true);
    let result = h.controller.alter_client_quotas(&validate);
    assert!(result.records.is_empty());
    assert_eq!(result.response.entries[0].error_code, 0);

    let twice = entry(
        &[("user", Some("v"))],
        &[
            ("producer_byte_rate", Some(1.0)),
            ("producer_byte_rate", Some(2.0)),
        ],
    );
    let result = h
        .controller
        .alter_client_quotas(&quotas(vec![set.clone(), twice]));
    let codes: Vec<i16> = result
        .response
        .entries
        .iter()
        .map(|e| e.error_code)
        .collect();
    assert_eq!(codes, [0, INVALID_REQUEST]);
    assert_eq!(result.records.len(), 1);

    // An entity named twice: Kafka reports the second and keeps the first's records.
    let result = h
        .controller
        .alter_client_quotas(&quotas(vec![set.clone(), set]));
    assert_eq!(result.response.entries.len(), 1);
    assert_eq!(result.response.entries[0].error_code, INVALID_REQUEST);
    assert_eq!(result.records.len(), 1);
}

const SHA_256: i8 = 1;
const SHA_512: i8 = 2;

/// RFC 5802's `Hi(password, salt, iterations)` (PBKDF2 with one block), as a client computes
/// the salted password it sends.
fn salted_password<M: Mac + hmac::digest::KeyInit + Clone>(
    password: &str,
    salt: &[u8],
    iterations: i32,
) -> Vec<u8> {
    let mac = <M as hmac::digest::KeyInit>::new_from_slice(password.as_bytes()).unwrap();
    let mut block = mac.clone();
    block.update(salt);
    block.update(&1u32.to_be_bytes());
    let mut u = block.finalize().into_bytes().to_vec();
    let mut out = u.clone();
    for _ in 1..iterations {
        let mut next = mac.clone();
        next.update(&u);
        u = next.finalize().into_bytes().to_vec();
        out.iter_mut().zip(&u).for_each(|(o, b)| *o ^= b);
    }
    out
}

fn upsert(name: &str, mechanism: i8, iterations: i32, salted: &[u8]) -> ScramCredentialUpsertion {
    ScramCredentialUpsertion::default()
        .with_name(s(name))
        .with_mechanism(mechanism)
        .with_iterations(iterations)
        .with_salt(bytes::Bytes::from_static(b"salt-bytes"))
        .with_salted_password(bytes::Bytes::copy_from_slice(salted))
}

fn delete(name: &str, mechanism: i8) -> ScramCredentialDeletion {
    ScramCredentialDeletion::default()
        .with_name(s(name))
        .with_mechanism(mechanism)
}

fn scram(
    deletions: Vec<ScramCredentialDeletion>,
    upsertions: Vec<ScramCredentialUpsertion>,
) -> AlterUserScramCredentialsRequest {
    AlterUserScramCredentialsRequest::default()
        .with_deletions(deletions)
        .with_upsertions(upsertions)
}

/// Each user's error code in a response.
fn scram_codes(
    response: &kafka_protocol::messages::AlterUserScramCredentialsResponse,
) -> Vec<(String, i16)> {
    response
        .results
        .iter()
        .map(|r| (r.user.to_string(), r.error_code))
        .collect()
}

#[test]
fn scram_records_match_kafkas() {
    // kafka-configs --add-config 'SCRAM-SHA-256=[iterations=8192,password=alice-secret]'
    // (offset 111) and 'SCRAM-SHA-512=[password=bob-secret]' (offset 118), as Kafka 4.3.1
    // wrote them: the tool salted the password, the controller kept only the keys.
    let version = "4.3.1";
    for (offset, password) in [(111, "alice-secret"), (118, "bob-secret")] {
        let h = fixture_controller(version, offset);
        let kafkas = match fixture_records(version, offset, offset + 1).pop().unwrap() {
            MetadataRecord::UserScramCredential(r) => r,
            other => panic!("{other:?}"),
        };
        let salted = match kafkas.mechanism {
            SHA_256 => salted_password::<Hmac<Sha256>>(password, &kafkas.salt, kafkas.iterations),
            _ => salted_password::<Hmac<Sha512>>(password, &kafkas.salt, kafkas.iterations),
        };
        let upsertion = upsert(&kafkas.name, kafkas.mechanism, kafkas.iterations, &salted)
            .with_salt(kafkas.salt.clone());
        let result = h
            .controller
            .alter_user_scram_credentials(&scram(vec![], vec![upsertion]));
        assert_eq!(scram_codes(&result.response), [(kafkas.name.clone(), 0)]);
        let ours: Vec<MetadataRecord> = result.records.iter().map(|(r, _)| r.clone()).collect();
        assert_eq!(ours, [MetadataRecord::from(kafkas)], "offset {offset}");
    }
}

#[test]
fn scram_errors_are_kafkas() {
    let key = [7u8; 32];
    let cases: Vec<(ScramCredentialUpsertion, ResponseError)> = vec![
        (
            upsert("", SHA_256, 4096, &key),
            ResponseError::UnacceptableCredential,
        ),
        (
            upsert("u", 0, 4096, &key),
            ResponseError::UnsupportedSaslMechanism,
        ),
        (
            upsert("u", 3, 4096, &key),
            ResponseError::UnsupportedSaslMechanism,
        ),
        (
            upsert("u", SHA_256, 4095, &key),
            ResponseError::UnacceptableCredential,
        ),
        (
            upsert("u", SHA_512, 16385, &key),
            ResponseError::UnacceptableCredential,
        ),
        (
            upsert("u", SHA_256, 4096, &[]),
            ResponseError::UnknownServerError,
        ),
    ];
    let h = Harness::new(25, false);
    for (upsertion, error) in cases {
        let name = upsertion.name.to_string();
        let result = h
            .controller
            .alter_user_scram_credentials(&scram(vec![], vec![upsertion]));
        assert_eq!(
            scram_codes(&result.response),
            [(name, error.code())],
            "{error:?}"
        );
        assert!(result.records.is_empty());
    }
    for iterations in [4096, 16384] {
        let ok = upsert("u", SHA_512, iterations, &key);
        let result = h
            .controller
            .alter_user_scram_credentials(&scram(vec![], vec![ok]));
        assert_eq!(scram_codes(&result.response), [("u".to_owned(), 0)]);
        assert_eq!(result.records.len(), 1);
    }

    let old = Harness::new(10, false);
    let result = old
        .controller
        .alter_user_scram_credentials(&scram(vec![], vec![upsert("u", SHA_256, 4096, &key)]));
    let code = ResponseError::UnsupportedVersion.code();
    assert_eq!(scram_codes(&result.response), [("u".to_owned(), code)]);
}

#[test]
fn scram_credentials_replay_and_repeats_are_refused() {
    let mut h = Harness::new(25, false);
    let key = [9u8; 64];
    let result = h.controller.alter_user_scram_credentials(&scram(
        vec![],
        vec![
            upsert("alice", SHA_256, 4096, &key),
            upsert("bob", SHA_512, 8192, &key),
        ],
    ));
    assert!(result.atomic);
    assert_eq!(result.records.len(), 2);
    h.commit(result);
    let credentials = h.controller.image().scram.credentials();
    let alice: &UserScramCredentialRecord = &credentials[&("alice".to_owned(), SHA_256)];
    assert_eq!(alice.iterations, 4096);
    assert_eq!(alice.stored_key.len(), 32);
    assert_eq!(
        credentials[&("bob".to_owned(), SHA_512)].server_key.len(),
        64
    );

    // A user altered twice is DUPLICATE_RESOURCE; a third time is not even answered.
    let result = h.controller.alter_user_scram_credentials(&scram(
        vec![delete("alice", SHA_256), delete("bob", SHA_512)],
        vec![
            upsert("alice", SHA_512, 4096, &key),
            upsert("alice", SHA_256, 4096, &key),
        ],
    ));
    let duplicate = ResponseError::DuplicateResource.code();
    assert_eq!(
        scram_codes(&result.response),
        [("bob".to_owned(), 0), ("alice".to_owned(), duplicate)]
    );
    assert_eq!(result.records.len(), 1);
    h.commit(result);
    assert_eq!(h.controller.image().scram.credentials().len(), 1);

    let again = h
        .controller
        .alter_user_scram_credentials(&scram(vec![delete("bob", SHA_512)], vec![]));
    let missing = ResponseError::ResourceNotFound.code();
    assert_eq!(scram_codes(&again.response), [("bob".to_owned(), missing)]);
    assert!(again.records.is_empty());

    let result = h
        .controller
        .alter_user_scram_credentials(&scram(vec![delete("alice", SHA_256)], vec![]));
    assert!(matches!(
        result.records[..],
        [(MetadataRecord::RemoveUserScramCredential(_), 0)]
    ));
    h.commit(result);
    assert!(h.controller.image().scram.credentials().is_empty());
}
