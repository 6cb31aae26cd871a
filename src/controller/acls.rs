//! CreateAcls, DeleteAcls and DescribeAcls as a Kafka controller with the standard
//! authorizer answers them (`AclApis` on the controller, `AclControlManager`).
//!
//! CreateAcls: each creation is checked on its own (INVALID_REQUEST for an unknown or `ANY`
//! resource type or operation, a pattern type other than LITERAL or PREFIXED, a permission
//! other than ALLOW or DENY, an empty resource name, a CLUSTER resource not named
//! `kafka-cluster`); an ACL equal to one that exists (or to one earlier in the request)
//! succeeds without a record; a new one gets an `AccessControlEntryRecord` with a fresh random
//! id. DeleteAcls: every ACL a filter matches (Kafka's `AclBindingFilter.matches`) is listed
//! in that filter's result and removed by one `RemoveAccessControlEntryRecord`, even when
//! several filters match it. Both write their records as one atomic batch. DescribeAcls lists
//! the matching ACLs grouped by resource pattern.
//!
//! Codes are Kafka's: resource types 2 topic .. 7 user, pattern types 3 LITERAL, 4 PREFIXED
//! (1 ANY and 2 MATCH only in filters), operations 2 ALL .. 15 TWO_PHASE_COMMIT, permissions
//! 2 DENY, 3 ALLOW; 0 is UNKNOWN and 1 ANY in each.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use kafka_protocol::messages::create_acls_request::AclCreation;
use kafka_protocol::messages::create_acls_response::AclCreationResult;
use kafka_protocol::messages::delete_acls_request::DeleteAclsFilter;
use kafka_protocol::messages::delete_acls_response::{
    DeleteAclsFilterResult, DeleteAclsMatchingAcl,
};
use kafka_protocol::messages::describe_acls_response::{AclDescription, DescribeAclsResource};
use kafka_protocol::messages::{
    CreateAclsRequest, CreateAclsResponse, DeleteAclsRequest, DeleteAclsResponse,
    DescribeAclsRequest, DescribeAclsResponse,
};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::ResponseError;
use yakt_wire::{AccessControlEntryRecord, MetadataRecord, RemoveAccessControlEntryRecord, Uuid};

use crate::controller::machine::Controller;
use crate::controller::result::{ApiError, ControllerResult};

/// `ANY` in a resource type, pattern type, operation or permission filter.
pub const ANY: i8 = 1;
/// The `MATCH` pattern type filter: literal, wildcard and prefixed patterns that apply.
pub const PATTERN_MATCH: i8 = 2;
/// A literal resource pattern.
pub const PATTERN_LITERAL: i8 = 3;
/// A prefixed resource pattern.
pub const PATTERN_PREFIXED: i8 = 4;
/// The CLUSTER resource type.
pub const RESOURCE_CLUSTER: i8 = 4;
/// The one name a CLUSTER resource may have.
pub const CLUSTER_NAME: &str = "kafka-cluster";
/// The literal resource name that stands for every resource.
pub const WILDCARD_RESOURCE: &str = "*";

const RESOURCE_TYPES: std::ops::RangeInclusive<i8> = 2..=7;
const OPERATIONS: std::ops::RangeInclusive<i8> = 2..=15;
const PERMISSIONS: std::ops::RangeInclusive<i8> = 2..=3;

fn text(value: &str) -> StrBytes {
    StrBytes::from_string(value.to_owned())
}

/// An ACL without its id (Kafka's `StandardAcl`): what makes two ACLs the same.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Acl {
    /// The resource type.
    pub resource_type: i8,
    /// The resource name.
    pub resource_name: String,
    /// The pattern type.
    pub pattern_type: i8,
    /// The principal, e.g. `User:alice`.
    pub principal: String,
    /// The host, `*` for any.
    pub host: String,
    /// The operation.
    pub operation: i8,
    /// The permission type.
    pub permission_type: i8,
}

impl Acl {
    /// The ACL a record holds.
    pub fn of_record(record: &AccessControlEntryRecord) -> Acl {
        Acl {
            resource_type: record.resource_type,
            resource_name: record.resource_name.clone(),
            pattern_type: record.pattern_type,
            principal: record.principal.clone(),
            host: record.host.clone(),
            operation: record.operation,
            permission_type: record.permission_type,
        }
    }

    fn of_creation(creation: &AclCreation) -> Acl {
        Acl {
            resource_type: creation.resource_type,
            resource_name: creation.resource_name.to_string(),
            pattern_type: creation.resource_pattern_type,
            principal: creation.principal.to_string(),
            host: creation.host.to_string(),
            operation: creation.operation,
            permission_type: creation.permission_type,
        }
    }

    fn to_record(&self, id: Uuid) -> AccessControlEntryRecord {
        AccessControlEntryRecord {
            id,
            resource_type: self.resource_type,
            resource_name: self.resource_name.clone(),
            pattern_type: self.pattern_type,
            principal: self.principal.clone(),
            host: self.host.clone(),
            operation: self.operation,
            permission_type: self.permission_type,
            ..Default::default()
        }
    }

    /// Why this ACL may not be created (the controller's `AclApis` checks, then
    /// `AclControlManager.validateNewAcl`).
    fn validate(&self) -> Result<(), ApiError> {
        let invalid = |message: String| Err(ApiError::new(ResponseError::InvalidRequest, message));
        if self.resource_type == RESOURCE_CLUSTER && self.resource_name != CLUSTER_NAME {
            return invalid(format!(
                "The only valid name for the CLUSTER resource is {CLUSTER_NAME}"
            ));
        }
        if self.resource_name.is_empty() {
            return invalid("Invalid empty resource name".into());
        }
        if !RESOURCE_TYPES.contains(&self.resource_type) {
            return invalid(format!("Invalid resourceType {}", self.resource_type));
        }
        if ![PATTERN_LITERAL, PATTERN_PREFIXED].contains(&self.pattern_type) {
            return invalid(format!("Invalid patternType {}", self.pattern_type));
        }
        if !OPERATIONS.contains(&self.operation) {
            return invalid(format!("Invalid operation {}", self.operation));
        }
        if !PERMISSIONS.contains(&self.permission_type) {
            return invalid(format!("Invalid permissionType {}", self.permission_type));
        }
        Ok(())
    }
}

/// A DeleteAcls or DescribeAcls filter (Kafka's `AclBindingFilter`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclFilter {
    /// The resource type, or `ANY`.
    pub resource_type: i8,
    /// The resource name, or `None` for any.
    pub resource_name: Option<String>,
    /// The pattern type, `ANY` or `MATCH`.
    pub pattern_type: i8,
    /// The principal, or `None` for any.
    pub principal: Option<String>,
    /// The host, or `None` for any.
    pub host: Option<String>,
    /// The operation, or `ANY`.
    pub operation: i8,
    /// The permission type, or `ANY`.
    pub permission_type: i8,
}

impl AclFilter {
    fn of_delete(filter: &DeleteAclsFilter) -> AclFilter {
        AclFilter {
            resource_type: filter.resource_type_filter,
            resource_name: filter.resource_name_filter.as_ref().map(|s| s.to_string()),
            pattern_type: filter.pattern_type_filter,
            principal: filter.principal_filter.as_ref().map(|s| s.to_string()),
            host: filter.host_filter.as_ref().map(|s| s.to_string()),
            operation: filter.operation,
            permission_type: filter.permission_type,
        }
    }

    fn of_describe(request: &DescribeAclsRequest) -> AclFilter {
        AclFilter {
            resource_type: request.resource_type_filter,
            resource_name: request.resource_name_filter.as_ref().map(|s| s.to_string()),
            pattern_type: request.pattern_type_filter,
            principal: request.principal_filter.as_ref().map(|s| s.to_string()),
            host: request.host_filter.as_ref().map(|s| s.to_string()),
            operation: request.operation,
            permission_type: request.permission_type,
        }
    }

    /// Kafka's `AclControlManager.validateFilter`: a filter with an UNKNOWN (or unheard-of)
    /// code is INVALID_REQUEST.
    fn validate(&self) -> Result<(), ApiError> {
        let pattern_known = (ANY..=PATTERN_PREFIXED).contains(&self.pattern_type);
        if !(self.resource_type == ANY || RESOURCE_TYPES.contains(&self.resource_type))
            || !pattern_known
        {
            return Err(ApiError::new(
                ResponseError::InvalidRequest,
                "Unknown patternFilter.",
            ));
        }
        let operation_known = self.operation == ANY || OPERATIONS.contains(&self.operation);
        let permission_known =
            self.permission_type == ANY || PERMISSIONS.contains(&self.permission_type);
        if !operation_known || !permission_known {
            return Err(ApiError::new(
                ResponseError::InvalidRequest,
                "Unknown entryFilter.",
            ));
        }
        Ok(())
    }

    /// Whether `acl` matches (`ResourcePatternFilter.matches` and
    /// `AccessControlEntryFilter.matches`).
    pub fn matches(&self, acl: &Acl) -> bool {
        self.matches_pattern(acl) && self.matches_entry(acl)
    }

    fn matches_pattern(&self, acl: &Acl) -> bool {
        if self.resource_type != ANY && self.resource_type != acl.resource_type {
            return false;
        }
        let any_pattern = self.pattern_type == ANY;
        if !any_pattern
            && self.pattern_type != PATTERN_MATCH
            && self.pattern_type != acl.pattern_type
        {
            return false;
        }
        let Some(name) = &self.resource_name else {
            return true;
        };
        if any_pattern || self.pattern_type == acl.pattern_type {
            return *name == acl.resource_name;
        }
        match acl.pattern_type {
            PATTERN_LITERAL => *name == acl.resource_name || acl.resource_name == WILDCARD_RESOURCE,
            PATTERN_PREFIXED => name.starts_with(&acl.resource_name),
            _ => false,
        }
    }

    fn matches_entry(&self, acl: &Acl) -> bool {
        self.principal.as_ref().is_none_or(|p| *p == acl.principal)
            && self.host.as_ref().is_none_or(|h| *h == acl.host)
            && (self.operation == ANY || self.operation == acl.operation)
            && (self.permission_type == ANY || self.permission_type == acl.permission_type)
    }
}

impl Controller {
    /// Handles a CreateAcls.
    pub fn create_acls(
        &mut self,
        request: &CreateAclsRequest,
    ) -> ControllerResult<CreateAclsResponse> {
        let acls = self.image().acls.acls();
        let mut existing: HashSet<Acl> = acls.values().map(Acl::of_record).collect();
        let mut taken: HashSet<Uuid> = acls.keys().copied().collect();
        let mut records = Vec::new();
        let mut results = Vec::with_capacity(request.creations.len());
        for creation in &request.creations {
            let acl = Acl::of_creation(creation);
            let outcome = match acl.validate() {
                Err(error) => error,
                Ok(()) => {
                    if !existing.contains(&acl) {
                        let id = self.fresh_acl_id(&taken);
                        taken.insert(id);
                        records.push((MetadataRecord::from(acl.to_record(id)), 0));
                        existing.insert(acl);
                    }
                    ApiError::NONE
                }
            };
            results.push(
                AclCreationResult::default()
                    .with_error_code(outcome.code)
                    .with_error_message(outcome.message.as_deref().map(text)),
            );
        }
        ControllerResult::atomic(records, CreateAclsResponse::default().with_results(results))
    }

    /// A random id no ACL has (`AclControlManager.newAclId`).
    fn fresh_acl_id(&mut self, taken: &HashSet<Uuid>) -> Uuid {
        loop {
            let id = self.random_uuid();
            if !taken.contains(&id) {
                return id;
            }
        }
    }

    /// Handles a DeleteAcls.
    pub fn delete_acls(&self, request: &DeleteAclsRequest) -> ControllerResult<DeleteAclsResponse> {
        let acls: Vec<(Uuid, Acl)> = self
            .image()
            .acls
            .acls()
            .iter()
            .map(|(id, record)| (*id, Acl::of_record(record)))
            .collect();
        let mut removed: BTreeSet<Uuid> = BTreeSet::new();
        let mut results = Vec::with_capacity(request.filters.len());
        for filter in request.filters.iter().map(AclFilter::of_delete) {
            let result = match filter.validate() {
                Err(error) => DeleteAclsFilterResult::default()
                    .with_error_code(error.code)
                    .with_error_message(error.message.as_deref().map(text)),
                Ok(()) => {
                    let matching = acls.iter().filter(|(_, acl)| filter.matches(acl));
                    let mut listed = Vec::new();
                    for (id, acl) in matching {
                        removed.insert(*id);
                        listed.push(matching_acl(acl));
                    }
                    DeleteAclsFilterResult::default().with_matching_acls(listed)
                }
            };
            results.push(result);
        }
        let records = removed
            .into_iter()
            .map(|id| {
                let record = RemoveAccessControlEntryRecord {
                    id,
                    ..Default::default()
                };
                (MetadataRecord::from(record), 0)
            })
            .collect();
        ControllerResult::atomic(
            records,
            DeleteAclsResponse::default().with_filter_results(results),
        )
    }

    /// Handles a DescribeAcls: the matching ACLs, grouped by resource pattern.
    pub fn describe_acls(&self, request: &DescribeAclsRequest) -> DescribeAclsResponse {
        let filter = AclFilter::of_describe(request);
        if let Err(error) = filter.validate() {
            return DescribeAclsResponse::default()
                .with_error_code(error.code)
                .with_error_message(error.message.as_deref().map(text));
        }
        let mut by_pattern: BTreeMap<(i8, String, i8), Vec<AclDescription>> = BTreeMap::new();
        for acl in self.image().acls.acls().values().map(Acl::of_record) {
            if !filter.matches(&acl) {
                continue;
            }
            let key = (
                acl.resource_type,
                acl.resource_name.clone(),
                acl.pattern_type,
            );
            by_pattern.entry(key).or_default().push(
                AclDescription::default()
                    .with_principal(text(&acl.principal))
                    .with_host(text(&acl.host))
                    .with_operation(acl.operation)
                    .with_permission_type(acl.permission_type),
            );
        }
        let resources = by_pattern
            .into_iter()
            .map(|((resource_type, name, pattern_type), acls)| {
                DescribeAclsResource::default()
                    .with_resource_type(resource_type)
                    .with_resource_name(text(&name))
                    .with_pattern_type(pattern_type)
                    .with_acls(acls)
            })
            .collect();
        DescribeAclsResponse::default().with_resources(resources)
    }
}

fn matching_acl(acl: &Acl) -> DeleteAclsMatchingAcl {
    DeleteAclsMatchingAcl::default()
        .with_resource_type(acl.resource_type)
        .with_resource_name(text(&acl.resource_name))
        .with_pattern_type(acl.pattern_type)
        .with_principal(text(&acl.principal))
        .with_host(text(&acl.host))
        .with_operation(acl.operation)
        .with_permission_type(acl.permission_type)
}
