//! SASL/PLAIN (RFC 4616) as Kafka's `PlainSaslServer` checks it against the users of the
//! listener's JAAS config (`user_<name>="<password>"`), and the token a client sends.

use std::collections::BTreeMap;

use super::SaslFailure;
use crate::config::Password;

/// Checks one PLAIN message `[authzid] NUL authcid NUL passwd`; returns the user.
///
/// As Kafka: the message is cut at the first two NULs (a third stays in the password); an
/// empty user or password is a generic failure; a wrong password, and an authorization id
/// other than the user, fail with Kafka's own message.
pub fn authenticate(
    message: &[u8],
    users: &BTreeMap<String, Password>,
) -> Result<String, SaslFailure> {
    let text = String::from_utf8_lossy(message);
    let mut parts = text.splitn(3, '\0');
    let authzid = parts.next().unwrap_or_default();
    let user = parts.next().unwrap_or_default();
    let password = parts.next().unwrap_or_default();
    if user.is_empty() || password.is_empty() {
        return Err(SaslFailure::Generic);
    }
    let known = users.get(user).is_some_and(|expected| {
        let expected = expected.value().as_bytes();
        expected.len() == password.len()
            && expected
                .iter()
                .zip(password.as_bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    });
    if !known {
        return Err(SaslFailure::Message(
            "Authentication failed: Invalid username or password".into(),
        ));
    }
    if !authzid.is_empty() && authzid != user {
        return Err(SaslFailure::Message(
            "Authentication failed: Client requested an authorization id that is different \
             from username"
                .into(),
        ));
    }
    Ok(user.to_owned())
}

/// The PLAIN message a client sends: no authorization id.
pub fn client_message(username: &str, password: &str) -> Vec<u8> {
    format!("\0{username}\0{password}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users() -> BTreeMap<String, Password> {
        [("admin".to_owned(), Password::new("admin-secret"))].into()
    }

    #[test]
    fn plain_messages_as_kafka_checks_them() {
        let users = users();
        assert_eq!(
            authenticate(&client_message("admin", "admin-secret"), &users).unwrap(),
            "admin"
        );
        assert_eq!(
            authenticate(b"admin\0admin\0admin-secret", &users).unwrap(),
            "admin"
        );
        let invalid =
            SaslFailure::Message("Authentication failed: Invalid username or password".into());
        assert_eq!(
            authenticate(b"\0admin\0wrong", &users),
            Err(invalid.clone())
        );
        assert_eq!(authenticate(b"\0bob\0admin-secret", &users), Err(invalid));
        assert_eq!(authenticate(b"\0\0pw", &users), Err(SaslFailure::Generic));
        assert_eq!(
            authenticate(b"\0admin\0", &users),
            Err(SaslFailure::Generic)
        );
        assert_eq!(authenticate(b"admin", &users), Err(SaslFailure::Generic));
        assert!(matches!(
            authenticate(b"bob\0admin\0admin-secret", &users),
            Err(SaslFailure::Message(m)) if m.contains("authorization id")
        ));
    }
}
