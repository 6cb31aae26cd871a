//! The listener's parser under random and mutated-valid input, on stable Rust: every frame gives
//! a request, an immediate reply or an error, never a panic; what a parse allocates stays
//! proportional to the frame; a request that parses re-encodes stably; an Envelope's principal,
//! client address and inner request are read the same way. The oracles are the ones the
//! cargo-fuzz targets in `fuzz/` use (`fuzz/src/listener.rs`).

#[allow(dead_code)]
#[path = "../fuzz/src/counting_alloc.rs"]
mod counting_alloc;
#[allow(dead_code)]
#[path = "../fuzz/src/listener.rs"]
mod listener;

use bytes::Bytes;
use kafka_protocol::messages::{
    create_topics_request, fetch_request, vote_request, ApiKey, CreateTopicsRequest, FetchRequest,
    RequestHeader, RequestKind, TopicName, VoteRequest,
};
use kafka_protocol::protocol::StrBytes;
use proptest::prelude::*;
use yakt::controller::context::KafkaPrincipal;
use yakt::server::api::APIS;

#[global_allocator]
static ALLOCATOR: counting_alloc::CountingAlloc = counting_alloc::CountingAlloc;

/// A default body of an API the table serves (`None` for one not listed here yet; random
/// bodies still reach it through `listener::framed`).
fn default_body(key: ApiKey) -> Option<RequestKind> {
    macro_rules! defaults {
        ($($api:ident),* $(,)?) => {
            match key {
                $(ApiKey::$api => Some(RequestKind::$api(Default::default())),)*
                _ => None,
            }
        };
    }
    defaults!(
        Fetch,
        ApiVersions,
        Vote,
        BeginQuorumEpoch,
        EndQuorumEpoch,
        DescribeQuorum,
        FetchSnapshot,
        AddRaftVoter,
        RemoveRaftVoter,
        UpdateRaftVoter,
        DescribeCluster,
        Envelope,
        SaslHandshake,
        SaslAuthenticate,
        CreateTopics,
        DeleteTopics,
        DescribeConfigs,
        AlterConfigs,
        CreatePartitions,
        IncrementalAlterConfigs,
        ElectLeaders,
        AlterPartitionReassignments,
        ListPartitionReassignments,
        AlterPartition,
        UpdateFeatures,
        BrokerRegistration,
        BrokerHeartbeat,
        UnregisterBroker,
        AllocateProducerIds,
        ControllerRegistration,
        AssignReplicasToDirs,
        DescribeAcls,
        CreateAcls,
        DeleteAcls,
        AlterClientQuotas,
        DescribeClientQuotas,
        AlterUserScramCredentials,
        DescribeUserScramCredentials,
        CreateDelegationToken,
        RenewDelegationToken,
        ExpireDelegationToken,
        DescribeDelegationToken,
    )
}

/// Bodies with nested arrays and strings, so mutations reach inner counts.
fn rich_bodies() -> Vec<(ApiKey, RequestKind)> {
    let topic = create_topics_request::CreatableTopic::default()
        .with_name(TopicName(StrBytes::from_static_str("orders")))
        .with_num_partitions(-1)
        .with_replication_factor(-1)
        .with_assignments(vec![
            create_topics_request::CreatableReplicaAssignment::default()
                .with_partition_index(0)
                .with_broker_ids(vec![1.into(), 2.into()]),
        ])
        .with_configs(vec![create_topics_request::CreatableTopicConfig::default()
            .with_name(StrBytes::from_static_str("cleanup.policy"))
            .with_value(Some(StrBytes::from_static_str("compact")))]);
    let fetch = FetchRequest::default().with_topics(vec![fetch_request::FetchTopic::default()
        .with_partitions(vec![fetch_request::FetchPartition::default()
            .with_fetch_offset(10)
            .with_last_fetched_epoch(2)])]);
    let vote = VoteRequest::default()
        .with_cluster_id(Some(StrBytes::from_static_str("MkU3OEVBNTcwNTJENDM2Qg")))
        .with_topics(vec![vote_request::TopicData::default()
            .with_topic_name(TopicName(StrBytes::from_static_str("__cluster_metadata")))
            .with_partitions(vec![vote_request::PartitionData::default()
                .with_replica_epoch(3)
                .with_replica_id(1.into())])]);
    vec![
        (
            ApiKey::CreateTopics,
            CreateTopicsRequest::default()
                .with_topics(vec![topic])
                .into(),
        ),
        (ApiKey::Fetch, fetch.into()),
        (ApiKey::Vote, vote.into()),
    ]
}

/// A valid frame of every API in the table at every served version.
fn valid_frames() -> Vec<Vec<u8>> {
    let mut bodies: Vec<(ApiKey, RequestKind)> = APIS
        .iter()
        .filter_map(|spec| Some((spec.key, default_body(spec.key)?)))
        .collect();
    bodies.extend(rich_bodies());
    let mut frames = Vec::new();
    for (key, body) in bodies {
        let spec = APIS.iter().find(|spec| spec.key == key).expect("served");
        for version in spec.min_version..=spec.max_version {
            let header = RequestHeader::default()
                .with_request_api_key(key as i16)
                .with_request_api_version(version)
                .with_correlation_id(11)
                .with_client_id(Some(StrBytes::from_static_str("fuzz")));
            frames.push(listener::encode(&header, &body));
        }
    }
    frames
}

/// One change to a valid frame; the 4-byte values are counts and lengths that lie.
#[derive(Clone, Debug)]
enum Mutation {
    SetByte(usize, u8),
    SetWord(usize, [u8; 4]),
    Insert(usize, Vec<u8>),
    Remove(usize, usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let lies = prop::sample::select(vec![
        [0x7f, 0xff, 0xff, 0xff],
        [0xff, 0xff, 0xff, 0xff],
        [0x80, 0x00, 0x00, 0x00],
        [0xff, 0xff, 0xff, 0x0f],
        [0x00, 0x10, 0x00, 0x00],
        [0xfe, 0xff, 0xff, 0x7f],
    ]);
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::SetByte(at, byte)),
        (any::<usize>(), lies).prop_map(|(at, word)| Mutation::SetWord(at, word)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        (any::<usize>(), 1usize..16).prop_map(|(at, len)| Mutation::Remove(at, len)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn mutate(frame: &mut Vec<u8>, mutation: &Mutation) {
    let at = |i: usize, len: usize| if len == 0 { 0 } else { i % len };
    match mutation {
        Mutation::SetByte(i, byte) if !frame.is_empty() => {
            let i = at(*i, frame.len());
            frame[i] = *byte;
        }
        Mutation::SetWord(i, word) if frame.len() >= 4 => {
            let i = at(*i, frame.len() - 3);
            frame[i..i + 4].copy_from_slice(word);
        }
        Mutation::Insert(i, bytes) => {
            let i = at(*i, frame.len() + 1);
            frame.splice(i..i, bytes.iter().copied());
        }
        Mutation::Remove(i, len) if !frame.is_empty() => {
            let i = at(*i, frame.len());
            frame.drain(i..(i + len).min(frame.len()));
        }
        Mutation::Truncate(len) => frame.truncate(at(*len, frame.len() + 1)),
        _ => {}
    }
}

fn mutated_valid_frame() -> impl Strategy<Value = Vec<u8>> {
    let frames = valid_frames();
    (
        prop::sample::select(frames),
        prop::collection::vec(mutation(), 1..4),
    )
        .prop_map(|(mut frame, mutations)| {
            for m in &mutations {
                mutate(&mut frame, m);
            }
            frame
        })
}

#[test]
fn every_served_api_and_version_parses_and_re_encodes() {
    for frame in valid_frames() {
        assert!(
            listener::check_frame(&frame).is_some(),
            "{frame:?} does not parse"
        );
    }
}

#[test]
fn a_huge_declared_array_is_refused_without_a_huge_allocation() {
    // CreateTopics v7 (flexible): a topics array declaring 2^31 entries in a few bytes.
    let mut frame = listener::framed(
        APIS.iter()
            .position(|s| s.key == ApiKey::CreateTopics)
            .unwrap() as u8,
        5,
        None,
        &[0xff, 0xff, 0xff, 0xff, 0x07],
    );
    frame.extend_from_slice(&[0; 8]);
    let (parsed, allocations) = counting_alloc::measure(|| listener::check_frame(&frame));
    assert!(parsed.is_none());
    assert!(allocations.largest < 64 * 1024, "{allocations:?}");
}

#[test]
fn the_allocation_bound_is_checked() {
    // The counting allocator is installed: a measured allocation is seen.
    let (_, allocations) = counting_alloc::measure(|| vec![0u8; 4096]);
    assert!(allocations.largest >= 4096, "{allocations:?}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn random_frames(frame in prop::collection::vec(any::<u8>(), 0..300)) {
        listener::check_frame(&frame);
    }

    #[test]
    fn random_bodies_of_every_served_api(
        api in any::<u8>(),
        version in any::<u8>(),
        body in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        listener::check_frame(&listener::framed(api, version, Some("fuzz"), &body));
    }

    #[test]
    fn mutated_valid_frames(frame in mutated_valid_frame()) {
        listener::check_frame(&frame);
    }

    #[test]
    fn envelopes(
        principal in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..40),
            "[a-zA-Z0-9:_=]{0,30}".prop_map(|name| {
                KafkaPrincipal::user(&name).to_envelope().map(|b| b.to_vec()).unwrap_or_default()
            }),
        ],
        address in prop::collection::vec(any::<u8>(), 0..17),
        inner in prop_oneof![prop::collection::vec(any::<u8>(), 0..100), mutated_valid_frame()],
    ) {
        listener::check_envelope(&principal, &address, &inner);
    }
}

#[test]
fn envelope_principal_mutations_never_panic() {
    let good = KafkaPrincipal::user("alice").to_envelope().unwrap();
    for i in 0..good.len() {
        for byte in [0x00, 0x01, 0x7f, 0x80, 0xff] {
            let mut principal = good.to_vec();
            principal[i] = byte;
            listener::check_envelope(&principal, &[127, 0, 0, 1], &[]);
        }
        listener::check_envelope(&good[..i], &[127, 0, 0, 1], &Bytes::new());
    }
}

/// Regression corpus: frames the fuzz targets found, each with what went wrong.
mod regressions {
    use super::*;

    fn frame_of(key: ApiKey, version: i16, body: &[u8]) -> Vec<u8> {
        let api = APIS.iter().position(|s| s.key == key).expect("served") as u8;
        let spec = &APIS[usize::from(api)];
        let version = (version - spec.min_version) as u8;
        listener::framed(api, version, Some("fuzz"), body)
    }

    /// An unknown tagged field numbered 2^31 or more (a negative `i32` key in kafka-protocol)
    /// was counted but not written back, so the re-encoded request did not parse.
    #[test]
    fn a_tag_above_i32_max_re_encodes() {
        let body = [0x01, 0x01, 0xb3, 0xc5, 0xc5, 0xc5, 0x0a, 0x00, 0xc5];
        let request = listener::check_frame(&frame_of(ApiKey::DescribeQuorum, 0, &body));
        let request = request.expect("a DescribeQuorum with one unknown tagged field");
        let RequestKind::DescribeQuorum(body) = request.body else {
            panic!("parsed as {:?}", request.spec.key);
        };
        assert_eq!(body.unknown_tagged_fields.len(), 1);
    }
}
