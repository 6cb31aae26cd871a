//! Topic name rules (Kafka's `Topic.validate`): not empty, not `.` or `..`, at most 249
//! characters, only ASCII alphanumerics, `.`, `_` and `-`; and no collision with an
//! existing topic once `.` and `_` are taken as the same (metric names cannot tell them
//! apart).

use kafka_protocol::ResponseError;

use crate::controller::image::TopicsImage;
use crate::controller::result::ApiError;

/// The longest topic name Kafka accepts.
pub const MAX_NAME_LENGTH: usize = 249;

fn reason_invalid(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("the empty string is not allowed".into());
    }
    if name == "." {
        return Some("'.' is not allowed".into());
    }
    if name == ".." {
        return Some("'..' is not allowed".into());
    }
    if name.encode_utf16().count() > MAX_NAME_LENGTH {
        return Some(format!(
            "the length of '{name}' is longer than the max allowed length {MAX_NAME_LENGTH}"
        ));
    }
    let valid = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-';
    if !name.chars().all(valid) {
        return Some(format!(
            "'{name}' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'"
        ));
    }
    None
}

/// INVALID_TOPIC_EXCEPTION with Kafka's message if `name` is not a legal topic name.
pub fn validate_topic_name(name: &str) -> Result<(), ApiError> {
    match reason_invalid(name) {
        None => Ok(()),
        Some(reason) => Err(ApiError::new(
            ResponseError::InvalidTopicException,
            format!("Topic name is invalid: {reason}"),
        )),
    }
}

/// `name` with `.` taken as `_`.
pub fn unify_collision_chars(name: &str) -> String {
    name.replace('.', "_")
}

/// An existing topic whose name collides with `name` through `.` and `_`, if any.
pub fn colliding_topic<'a>(topics: &'a TopicsImage, name: &str) -> Option<&'a str> {
    if !name.contains(['.', '_']) {
        return None;
    }
    let unified = unify_collision_chars(name);
    topics
        .by_name()
        .keys()
        .find(|existing| existing.as_str() != name && unify_collision_chars(existing) == unified)
        .map(String::as_str)
}
