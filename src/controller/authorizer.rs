//! The decision of Kafka's `StandardAuthorizer` (`StandardAuthorizerData.authorize`), sans-IO:
//! may this principal, from this host, perform this operation on this resource, given the
//! ACLs of the committed image, `super.users` and `allow.everyone.if.no.acl.found`?
//!
//! The rules, in order:
//! - a principal named in `super.users` (e.g. `User:admin`) may do anything, even before the
//!   ACLs are loaded;
//! - until the committed image has been loaded up to the high watermark once, everyone else
//!   gets [`Decision::NotReady`] (Kafka's `AuthorizerNotReadyException`);
//! - the ACLs that apply are those of the resource type whose pattern covers the name: LITERAL
//!   with that exact name, LITERAL `*`, or PREFIXED with a prefix of the name;
//! - of those, an entry matches when its principal is the requester's or `User:*`, its host is
//!   the client's address or `*`, and its operation is the one asked, or ALL, or (ALLOW entries
//!   only) one that implies it: READ, WRITE, DELETE and ALTER imply DESCRIBE, ALTER_CONFIGS
//!   implies DESCRIBE_CONFIGS;
//! - any matching DENY denies; else any matching ALLOW allows; else, if no ACL applies to the
//!   resource at all, `allow.everyone.if.no.acl.found` decides; else the answer is DENIED.
//!
//! With no authorizer configured (`authorizer.class.name` empty) every request is allowed.
//! This module never changes the image.

use std::collections::BTreeSet;
use std::net::IpAddr;

use yakt_wire::AccessControlEntryRecord;

use crate::controller::acls::{PATTERN_LITERAL, PATTERN_PREFIXED, WILDCARD_RESOURCE};
use crate::controller::context::{KafkaPrincipal, RequestContext};
use crate::controller::image::security::AclsImage;

/// The one authorizer class yakt runs (`authorizer.class.name`).
pub const STANDARD_AUTHORIZER: &str = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";

/// An ACL's permission: DENY.
pub const PERMISSION_DENY: i8 = 2;
/// An ACL's permission: ALLOW.
pub const PERMISSION_ALLOW: i8 = 3;

/// The host of an ACL that applies from every address.
const WILDCARD_HOST: &str = "*";

/// An ACL operation (Kafka's `AclOperation`, with its codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i8)]
pub enum AclOperation {
    /// ALL: matches every operation.
    All = 2,
    /// READ.
    Read = 3,
    /// WRITE.
    Write = 4,
    /// CREATE.
    Create = 5,
    /// DELETE.
    Delete = 6,
    /// ALTER.
    Alter = 7,
    /// DESCRIBE.
    Describe = 8,
    /// CLUSTER_ACTION: what brokers and controllers do to each other.
    ClusterAction = 9,
    /// DESCRIBE_CONFIGS.
    DescribeConfigs = 10,
    /// ALTER_CONFIGS.
    AlterConfigs = 11,
    /// IDEMPOTENT_WRITE.
    IdempotentWrite = 12,
    /// CREATE_TOKENS.
    CreateTokens = 13,
    /// DESCRIBE_TOKENS.
    DescribeTokens = 14,
}

impl AclOperation {
    /// The wire code.
    pub fn code(self) -> i8 {
        self as i8
    }

    /// Whether an ALLOW entry for `granted` covers `self` (the operation itself, or one that
    /// implies it).
    fn allowed_by(self, granted: i8) -> bool {
        use AclOperation::*;
        let implied: &[AclOperation] = match self {
            Describe => &[Describe, Read, Write, Delete, Alter],
            DescribeConfigs => &[DescribeConfigs, AlterConfigs],
            _ => &[self],
        };
        implied.iter().any(|op| op.code() == granted)
    }
}

/// A resource type (Kafka's `ResourceType`, with its codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i8)]
pub enum ResourceType {
    /// A topic.
    Topic = 2,
    /// A consumer group.
    Group = 3,
    /// The cluster (one resource, `kafka-cluster`).
    Cluster = 4,
    /// A transactional id.
    TransactionalId = 5,
    /// A delegation token.
    DelegationToken = 6,
    /// A user (for CREATE_TOKENS and DESCRIBE_TOKENS on another principal's behalf).
    User = 7,
}

impl ResourceType {
    /// The wire code.
    pub fn code(self) -> i8 {
        self as i8
    }
}

/// What a request wants to do: an operation on one named resource (always a LITERAL name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Action<'a> {
    /// The operation.
    pub operation: AclOperation,
    /// The resource type.
    pub resource_type: ResourceType,
    /// The resource name (`kafka-cluster` for the cluster).
    pub resource_name: &'a str,
}

impl Action<'static> {
    /// `operation` on the cluster.
    pub fn cluster(operation: AclOperation) -> Action<'static> {
        Action {
            operation,
            resource_type: ResourceType::Cluster,
            resource_name: crate::controller::acls::CLUSTER_NAME,
        }
    }
}

/// The answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead.
    Allowed,
    /// Refused.
    Denied,
    /// The ACLs are not loaded yet and the principal is not a super user (Kafka answers
    /// UNKNOWN_SERVER_ERROR, from `AuthorizerNotReadyException`).
    NotReady,
}

/// What `authorizer.class.name=...StandardAuthorizer` is configured with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthorizerSettings {
    /// `super.users`: principals (`User:admin`) allowed everything.
    pub super_users: BTreeSet<String>,
    /// `allow.everyone.if.no.acl.found`: the answer for a resource no ACL applies to.
    pub allow_everyone_if_no_acl_found: bool,
}

/// The authorizer of one request: StandardAuthorizer over a set of ACLs, or none.
#[derive(Debug, Clone, Copy)]
pub struct Authorizer<'a> {
    standard: Option<StandardAuthorizer<'a>>,
}

#[derive(Debug, Clone, Copy)]
struct StandardAuthorizer<'a> {
    settings: &'a AuthorizerSettings,
    acls: &'a AclsImage,
    loaded: bool,
}

impl<'a> Authorizer<'a> {
    /// No authorizer: everything is allowed and the ACL APIs answer SECURITY_DISABLED.
    pub fn disabled() -> Authorizer<'static> {
        Authorizer { standard: None }
    }

    /// StandardAuthorizer with `settings` if configured, over `acls`; `loaded` once the
    /// committed image was loaded up to the high watermark.
    pub fn new(
        settings: Option<&'a AuthorizerSettings>,
        acls: &'a AclsImage,
        loaded: bool,
    ) -> Authorizer<'a> {
        Authorizer {
            standard: settings.map(|settings| StandardAuthorizer {
                settings,
                acls,
                loaded,
            }),
        }
    }

    /// Whether an authorizer is configured.
    pub fn is_enabled(&self) -> bool {
        self.standard.is_some()
    }

    /// The decision for `action` by the principal and client address of `context`.
    pub fn authorize(&self, context: &RequestContext, action: Action<'_>) -> Decision {
        match &self.standard {
            None => Decision::Allowed,
            Some(standard) => {
                standard.authorize(&context.principal, context.client_address, action)
            }
        }
    }

    /// Whether `action` is allowed (not ready counts as not allowed).
    pub fn allows(&self, context: &RequestContext, action: Action<'_>) -> bool {
        self.authorize(context, action) == Decision::Allowed
    }
}

impl StandardAuthorizer<'_> {
    fn authorize(
        &self,
        principal: &KafkaPrincipal,
        client_address: IpAddr,
        action: Action<'_>,
    ) -> Decision {
        if self.settings.super_users.contains(&principal.to_string()) {
            return Decision::Allowed;
        }
        if !self.loaded {
            return Decision::NotReady;
        }
        let host = java_host_address(client_address);
        let mut resource_has_acls = false;
        let mut allowed = false;
        let applying = self
            .acls
            .acls()
            .values()
            .filter(|acl| pattern_applies(acl, action));
        for acl in applying {
            resource_has_acls = true;
            match entry_permission(acl, principal, &host, action.operation) {
                Some(PERMISSION_DENY) => return Decision::Denied,
                Some(_) => allowed = true,
                None => {}
            }
        }
        if allowed || (!resource_has_acls && self.settings.allow_everyone_if_no_acl_found) {
            Decision::Allowed
        } else {
            Decision::Denied
        }
    }
}

/// Whether the ACL's resource pattern covers the action's resource.
fn pattern_applies(acl: &AccessControlEntryRecord, action: Action<'_>) -> bool {
    if acl.resource_type != action.resource_type.code() {
        return false;
    }
    match acl.pattern_type {
        PATTERN_LITERAL => {
            acl.resource_name == action.resource_name || acl.resource_name == WILDCARD_RESOURCE
        }
        PATTERN_PREFIXED => action.resource_name.starts_with(acl.resource_name.as_str()),
        _ => false,
    }
}

/// The ACL's permission if its principal, host and operation match (`findResult`).
fn entry_permission(
    acl: &AccessControlEntryRecord,
    principal: &KafkaPrincipal,
    host: &str,
    operation: AclOperation,
) -> Option<i8> {
    let (kind, name) = acl.principal.split_once(':')?;
    let principal_matches = (kind == principal.principal_type && name == principal.name)
        || (kind == "User" && name == "*");
    if !principal_matches || (acl.host != WILDCARD_HOST && acl.host != host) {
        return None;
    }
    let operation_matches = acl.operation == AclOperation::All.code()
        || match acl.permission_type {
            PERMISSION_ALLOW => operation.allowed_by(acl.operation),
            _ => acl.operation == operation.code(),
        };
    let permission = acl.permission_type;
    (operation_matches && (permission == PERMISSION_ALLOW || permission == PERMISSION_DENY))
        .then_some(permission)
}

/// The client address as Java's `InetAddress.getHostAddress` writes it, which is what an ACL's
/// host is compared with: dotted IPv4 (also for IPv4-mapped IPv6), and IPv6 as eight
/// lower-case hex groups without leading zeros and without `::` compression.
pub fn java_host_address(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => v6
                .segments()
                .iter()
                .map(|group| format!("{group:x}"))
                .collect::<Vec<_>>()
                .join(":"),
        },
    }
}

/// The authorizer state published for requests answered outside the controller loop (raft
/// RPCs, Envelope, DescribeCluster): the settings, the committed ACLs, and whether the
/// committed image has been loaded up to the high watermark.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuthorizerView {
    /// `None` when no authorizer is configured.
    pub settings: Option<AuthorizerSettings>,
    /// The committed ACLs.
    pub acls: AclsImage,
    /// Whether the initial load is complete.
    pub loaded: bool,
}

impl AuthorizerView {
    /// The authorizer this view stands for.
    pub fn authorizer(&self) -> Authorizer<'_> {
        Authorizer::new(self.settings.as_ref(), &self.acls, self.loaded)
    }
}

#[cfg(test)]
mod tests;
