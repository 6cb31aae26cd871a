//! One test per rule of the StandardAuthorizer decision.

use std::net::IpAddr;

use yakt_wire::{AccessControlEntryRecord, Uuid};

use super::*;
use crate::controller::acls::{PATTERN_LITERAL, PATTERN_PREFIXED};

const TOPIC: ResourceType = ResourceType::Topic;

struct Fixture {
    settings: AuthorizerSettings,
    acls: AclsImage,
    loaded: bool,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture {
            settings: AuthorizerSettings::default(),
            acls: AclsImage::default(),
            loaded: true,
        }
    }

    /// Adds an ACL: `(resource type, name, pattern, principal, host, operation, permission)`.
    fn acl(
        mut self,
        (resource_type, name, pattern, principal, host, operation, permission): (
            ResourceType,
            &str,
            i8,
            &str,
            &str,
            AclOperation,
            i8,
        ),
    ) -> Fixture {
        let id = Uuid::from_bytes([self.acls.acls().len() as u8 + 1; 16]);
        self.acls.replay(&AccessControlEntryRecord {
            id,
            resource_type: resource_type.code(),
            resource_name: name.to_owned(),
            pattern_type: pattern,
            principal: principal.to_owned(),
            host: host.to_owned(),
            operation: operation.code(),
            permission_type: permission,
            ..Default::default()
        });
        self
    }

    fn allow(self, name: &str, principal: &str, operation: AclOperation) -> Fixture {
        self.acl((
            TOPIC,
            name,
            PATTERN_LITERAL,
            principal,
            "*",
            operation,
            PERMISSION_ALLOW,
        ))
    }

    fn deny(self, name: &str, principal: &str, operation: AclOperation) -> Fixture {
        self.acl((
            TOPIC,
            name,
            PATTERN_LITERAL,
            principal,
            "*",
            operation,
            PERMISSION_DENY,
        ))
    }

    fn decide(&self, who: &str, operation: AclOperation, topic: &str) -> Decision {
        self.decide_from(who, IpAddr::from([10, 0, 0, 1]), operation, TOPIC, topic)
    }

    fn decide_from(
        &self,
        who: &str,
        address: IpAddr,
        operation: AclOperation,
        resource_type: ResourceType,
        name: &str,
    ) -> Decision {
        let authorizer = Authorizer::new(Some(&self.settings), &self.acls, self.loaded);
        let mut context = RequestContext::local();
        context.principal = KafkaPrincipal::user(who);
        context.client_address = address;
        authorizer.authorize(
            &context,
            Action {
                operation,
                resource_type,
                resource_name: name,
            },
        )
    }
}

use AclOperation::*;
use Decision::*;

#[test]
fn without_an_authorizer_everything_is_allowed() {
    let acls = AclsImage::default();
    let authorizer = Authorizer::new(None, &acls, false);
    assert!(!authorizer.is_enabled());
    assert!(authorizer.allows(&RequestContext::local(), Action::cluster(Alter)));
    assert!(Authorizer::disabled().allows(&RequestContext::local(), Action::cluster(Alter)));
}

#[test]
fn no_acl_on_the_resource_falls_to_allow_everyone_if_no_acl_found() {
    let mut f = Fixture::new().allow("other", "User:alice", Read);
    assert_eq!(f.decide("bob", Read, "t"), Denied);
    f.settings.allow_everyone_if_no_acl_found = true;
    assert_eq!(f.decide("bob", Read, "t"), Allowed);
    // An ACL on the resource for someone else: the default no longer applies.
    let mut f = Fixture::new().allow("t", "User:alice", Read);
    f.settings.allow_everyone_if_no_acl_found = true;
    assert_eq!(f.decide("bob", Read, "t"), Denied);
    assert_eq!(f.decide("alice", Read, "t"), Allowed);
}

#[test]
fn super_users_may_do_anything_even_before_the_initial_load() {
    let mut f = Fixture::new().deny("t", "User:admin", All);
    f.settings.super_users.insert("User:admin".into());
    f.loaded = false;
    assert_eq!(f.decide("admin", Delete, "t"), Allowed);
    assert_eq!(f.decide("alice", Delete, "t"), NotReady);
    f.loaded = true;
    assert_eq!(f.decide("alice", Delete, "t"), Denied);
}

#[test]
fn deny_beats_allow() {
    let f = Fixture::new()
        .allow("t", "User:alice", Write)
        .deny("t", "User:alice", Write);
    assert_eq!(f.decide("alice", Write, "t"), Denied);
    // A DENY through the wildcard principal and a wildcard resource still wins.
    let f = Fixture::new()
        .allow("t", "User:alice", Write)
        .deny("*", "User:*", Write);
    assert_eq!(f.decide("alice", Write, "t"), Denied);
}

#[test]
fn literal_wildcard_and_prefixed_patterns() {
    let f = Fixture::new().allow("exact", "User:alice", Read).acl((
        TOPIC,
        "logs-",
        PATTERN_PREFIXED,
        "User:alice",
        "*",
        Read,
        PERMISSION_ALLOW,
    ));
    assert_eq!(f.decide("alice", Read, "exact"), Allowed);
    assert_eq!(
        f.decide("alice", Read, "exactly"),
        Denied,
        "literal is not a prefix"
    );
    assert_eq!(f.decide("alice", Read, "logs-a"), Allowed);
    assert_eq!(f.decide("alice", Read, "logs-"), Allowed);
    assert_eq!(f.decide("alice", Read, "log"), Denied);
    let f = Fixture::new().allow("*", "User:alice", Read);
    assert_eq!(f.decide("alice", Read, "anything"), Allowed);
    // A prefixed `*` is a prefix, not a wildcard.
    let f = Fixture::new().acl((
        TOPIC,
        "*",
        PATTERN_PREFIXED,
        "User:alice",
        "*",
        Read,
        PERMISSION_ALLOW,
    ));
    assert_eq!(f.decide("alice", Read, "anything"), Denied);
}

#[test]
fn acls_apply_only_to_their_resource_type() {
    let f = Fixture::new().acl((
        ResourceType::Group,
        "t",
        PATTERN_LITERAL,
        "User:alice",
        "*",
        Read,
        PERMISSION_ALLOW,
    ));
    assert_eq!(f.decide("alice", Read, "t"), Denied);
    let any = IpAddr::from([1, 1, 1, 1]);
    assert_eq!(
        f.decide_from("alice", any, Read, ResourceType::Group, "t"),
        Allowed
    );
}

#[test]
fn the_wildcard_principal_matches_every_user() {
    let f = Fixture::new().allow("t", "User:*", Read);
    assert_eq!(f.decide("alice", Read, "t"), Allowed);
    assert_eq!(f.decide("bob", Read, "t"), Allowed);
    let f = Fixture::new().allow("t", "User:alice", Read);
    assert_eq!(f.decide("bob", Read, "t"), Denied);
}

#[test]
fn hosts_match_exactly_or_by_wildcard() {
    let f = Fixture::new().acl((
        TOPIC,
        "t",
        PATTERN_LITERAL,
        "User:alice",
        "10.0.0.7",
        Read,
        PERMISSION_ALLOW,
    ));
    let at = |address: [u8; 4]| f.decide_from("alice", address.into(), Read, TOPIC, "t");
    assert_eq!(at([10, 0, 0, 7]), Allowed);
    assert_eq!(at([10, 0, 0, 8]), Denied);
    // IPv6 hosts are written as Java writes them: no `::` compression.
    let f = Fixture::new().acl((
        TOPIC,
        "t",
        PATTERN_LITERAL,
        "User:alice",
        "0:0:0:0:0:0:0:1",
        Read,
        PERMISSION_ALLOW,
    ));
    let loopback = IpAddr::from(std::net::Ipv6Addr::LOCALHOST);
    assert_eq!(f.decide_from("alice", loopback, Read, TOPIC, "t"), Allowed);
}

#[test]
fn java_host_addresses() {
    assert_eq!(java_host_address(IpAddr::from([127, 0, 0, 1])), "127.0.0.1");
    let v6: IpAddr = "fe80::1:abcd".parse().unwrap();
    assert_eq!(java_host_address(v6), "fe80:0:0:0:0:0:1:abcd");
    let mapped: IpAddr = "::ffff:10.1.2.3".parse().unwrap();
    assert_eq!(java_host_address(mapped), "10.1.2.3");
}

#[test]
fn all_matches_every_operation_allow_and_deny() {
    let f = Fixture::new().allow("t", "User:alice", All);
    for operation in [Read, Write, Create, Delete, Alter, Describe, AlterConfigs] {
        assert_eq!(f.decide("alice", operation, "t"), Allowed, "{operation:?}");
    }
    let f = Fixture::new()
        .allow("t", "User:alice", Read)
        .deny("t", "User:alice", All);
    assert_eq!(f.decide("alice", Read, "t"), Denied);
}

#[test]
fn read_write_delete_alter_imply_describe() {
    for granted in [Read, Write, Delete, Alter, Describe] {
        let f = Fixture::new().allow("t", "User:alice", granted);
        assert_eq!(f.decide("alice", Describe, "t"), Allowed, "{granted:?}");
    }
    for granted in [Create, AlterConfigs, DescribeConfigs, ClusterAction] {
        let f = Fixture::new().allow("t", "User:alice", granted);
        assert_eq!(f.decide("alice", Describe, "t"), Denied, "{granted:?}");
    }
}

#[test]
fn alter_configs_implies_describe_configs() {
    let f = Fixture::new().allow("t", "User:alice", AlterConfigs);
    assert_eq!(f.decide("alice", DescribeConfigs, "t"), Allowed);
    let f = Fixture::new().allow("t", "User:alice", Alter);
    assert_eq!(f.decide("alice", DescribeConfigs, "t"), Denied);
}

#[test]
fn implications_are_for_allow_only() {
    // A DENY READ does not deny DESCRIBE; the ALLOW DESCRIBE stands.
    let f = Fixture::new()
        .allow("t", "User:alice", Describe)
        .deny("t", "User:alice", Read);
    assert_eq!(f.decide("alice", Describe, "t"), Allowed);
    assert_eq!(f.decide("alice", Read, "t"), Denied);
}

#[test]
fn the_view_carries_settings_acls_and_load_state() {
    let view = AuthorizerView {
        settings: Some(AuthorizerSettings::default()),
        acls: AclsImage::default(),
        loaded: false,
    };
    assert!(view.authorizer().is_enabled());
    assert_eq!(
        view.authorizer()
            .authorize(&RequestContext::local(), Action::cluster(ClusterAction)),
        NotReady
    );
    assert!(!AuthorizerView::default().authorizer().is_enabled());
}
