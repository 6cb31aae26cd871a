//! `authorizer.class.name` and the settings of Kafka's `StandardAuthorizer`.
//!
//! Empty (the default) means no authorizer: every request is allowed and the ACL APIs answer
//! SECURITY_DISABLED. `org.apache.kafka.metadata.authorizer.StandardAuthorizer` turns on
//! authorization against the ACLs in the metadata log, with `super.users` (principals separated
//! by semicolons, each `Type:name`, as `StandardAuthorizer.getConfiguredSuperUsers` reads them)
//! and `allow.everyone.if.no.acl.found` (Java's `Boolean.parseBoolean`: `true` in any case is
//! true, anything else false). Any other class cannot run in yakt and is refused. The two
//! authorizer keys are read only when the authorizer is on, so without it they are reported
//! as unused.

use super::defaults::{ALLOW_EVERYONE_IF_NO_ACL_FOUND, AUTHORIZER_CLASS_NAME, SUPER_USERS};
use super::error::ConfigError;
use super::read::Reader;
use crate::controller::authorizer::{AuthorizerSettings, STANDARD_AUTHORIZER};

/// Reads the authorizer: `None` without one.
pub(crate) fn read(reader: &mut Reader<'_>) -> Result<Option<AuthorizerSettings>, ConfigError> {
    let class_name = reader.string(AUTHORIZER_CLASS_NAME).unwrap_or_default();
    if class_name.is_empty() {
        return Ok(None);
    }
    if class_name != STANDARD_AUTHORIZER {
        return Err(ConfigError::invalid(
            AUTHORIZER_CLASS_NAME,
            &class_name,
            format!("empty or {STANDARD_AUTHORIZER}: yakt runs no other authorizer"),
        ));
    }
    let mut settings = AuthorizerSettings::default();
    if let Some(raw) = reader.raw(SUPER_USERS) {
        for principal in raw.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            if !principal.contains(':') {
                return Err(ConfigError::invalid(
                    SUPER_USERS,
                    raw,
                    "principals of the form Type:name (e.g. User:admin) separated by semicolons",
                ));
            }
            settings.super_users.insert(principal.to_owned());
        }
    }
    settings.allow_everyone_if_no_acl_found = reader
        .raw(ALLOW_EVERYONE_IF_NO_ACL_FOUND)
        .is_some_and(|value| value.trim().eq_ignore_ascii_case("true"));
    Ok(Some(settings))
}

#[cfg(test)]
mod tests {
    use crate::config::{ConfigError, ControllerConfig};

    const BASE: &str = "process.roles=controller\nnode.id=1\n\
        controller.quorum.voters=1@localhost:9093\nlisteners=CONTROLLER://:9093\n\
        controller.listener.names=CONTROLLER\n";

    fn parse(extra: &str) -> Result<ControllerConfig, ConfigError> {
        ControllerConfig::parse_str(&format!("{BASE}{extra}"))
    }

    #[test]
    fn no_authorizer_by_default_and_its_keys_are_then_unused() {
        let config = parse("super.users=User:admin\n").unwrap();
        assert_eq!(config.authorizer, None);
        assert_eq!(config.unused_keys(), ["super.users"]);
        assert_eq!(parse("authorizer.class.name= \n").unwrap().authorizer, None);
    }

    #[test]
    fn standard_authorizer_reads_super_users_and_the_default() {
        let config = parse(
            "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer\n\
             super.users=User:admin; User:ANONYMOUS;;\n\
             allow.everyone.if.no.acl.found=TRUE\n",
        )
        .unwrap();
        let settings = config.authorizer.clone().unwrap();
        let users: Vec<&str> = settings.super_users.iter().map(String::as_str).collect();
        assert_eq!(users, ["User:ANONYMOUS", "User:admin"]);
        assert!(settings.allow_everyone_if_no_acl_found);
        assert!(config.unused_keys().is_empty());
        let lenient = parse(
            "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer\n\
             allow.everyone.if.no.acl.found=yes\n",
        )
        .unwrap();
        assert!(!lenient.authorizer.unwrap().allow_everyone_if_no_acl_found);
    }

    #[test]
    fn other_authorizers_and_bad_super_users_are_refused() {
        let other = parse("authorizer.class.name=kafka.security.authorizer.AclAuthorizer\n");
        let error = other.unwrap_err();
        assert_eq!(error.key(), Some("authorizer.class.name"));
        assert!(error.to_string().contains("StandardAuthorizer"), "{error}");
        let bad = parse(
            "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer\n\
             super.users=admin\n",
        );
        assert_eq!(bad.unwrap_err().key(), Some("super.users"));
    }
}
