//! Kafka's topic-name rules (`org.apache.kafka.common.internals.Topic`) and the
//! messages Kafka answers with when a name breaks them.
//!
//! # What Kafka 4.4.0 answers (checked against the reference broker, one node)
//!
//! CreateTopics, per topic (code, message). When several rules are broken, the
//! first one in this order wins: duplicate name in the request, invalid name,
//! already exists, collision, configs (see `config`), replication factor,
//! partition count, assignments.
//! - a name twice in one request: 42 INVALID_REQUEST `Duplicate topic name.`, and
//!   the response lists that name once.
//! - invalid name: 17 INVALID_TOPIC_EXCEPTION, [`validate`]'s message.
//! - existing name: 36 TOPIC_ALREADY_EXISTS `Topic 'a.b' already exists.`
//!   ([`already_exists_message`]), with `validate_only` as well.
//! - `a_b` while `a.b` exists: 17 INVALID_TOPIC_EXCEPTION
//!   `Topic 'a_b' collides with existing topic: a.b` ([`collision_message`]), with
//!   `validate_only` as well. Kafka does not check names against each other within
//!   one request: `c.d` and `c_d` in the same request are both created.
//! - num_partitions 0 or -2: 37 INVALID_PARTITIONS `Number of partitions was set to
//!   an invalid non-positive value.`; -1 means the broker's `num.partitions`.
//! - replication_factor 0 or -2: 38 INVALID_REPLICATION_FACTOR `Replication factor
//!   must be larger than 0, or -1 to use the default value.`; 2 on one broker: 38
//!   `Unable to replicate the partition 2 time(s): The target replication factor of
//!   2 cannot be reached because only 1 broker(s) are registered or some brokers
//!   have all their log directories cordoned.`
//! - assignments with num_partitions != -1: 42 INVALID_REQUEST `A manual partition
//!   assignment was specified, but numPartitions was not set to -1.`; with
//!   replication_factor != -1: 42 `... but replication factor was not set to -1.`
//! - assignments, 39 INVALID_REPLICA_ASSIGNMENT: broker 2 named: `The manual
//!   partition assignment includes broker 2, but no such broker is registered.`;
//!   `[1, 1]`: `The manual partition assignment includes the broker 1 more than
//!   once.`; `[]`: `The manual partition assignment includes an empty replica
//!   list.`; partitions {0, 2} or {1}: `partitions should be a consecutive 0-based
//!   integer sequence`; partition 0 twice: `Found multiple manual partition
//!   assignments for partition 0`.
//! - more than 10000 partitions in one request (one topic or several): 44
//!   POLICY_VIOLATION `Excessively large number of partitions per request.`
//! - `validate_only` that passes: 0 and nothing is created (Metadata then says 3).
//!
//! Metadata v4 for an invalid name (`a b`, empty, `.`, 250 characters): topic error
//! 17 INVALID_TOPIC_EXCEPTION, no partitions, with or without
//! `allow_auto_topic_creation`; an unknown valid name: 3 UNKNOWN_TOPIC_OR_PARTITION.

/// Kafka's `Topic.MAX_NAME_LENGTH`, in Java `char`s (UTF-16 units).
pub const MAX_LENGTH: usize = 249;

/// Checks `name` as Kafka's `Topic.validate` does. The error is the message Kafka
/// sends with INVALID_TOPIC_EXCEPTION, word for word.
pub fn validate(name: &str) -> Result<(), String> {
    match reason_invalid(name) {
        None => Ok(()),
        Some(reason) => Err(format!("Topic name is invalid: {reason}")),
    }
}

pub fn is_valid(name: &str) -> bool {
    reason_invalid(name).is_none()
}

/// The checks in Kafka's order: the length comes before the characters, so a long
/// name with a bad character is reported as too long.
fn reason_invalid(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("the empty string is not allowed".into());
    }
    if name == "." || name == ".." {
        return Some(format!("'{name}' is not allowed"));
    }
    // Java counts UTF-16 units; counting bytes would call a name of 200 'é's too
    // long where Kafka says it has a bad character.
    if name.encode_utf16().count() > MAX_LENGTH {
        return Some(format!("the length of '{name}' is longer than the max allowed length {MAX_LENGTH}"));
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')) {
        return Some(format!(
            "'{name}' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'"
        ));
    }
    None
}

/// Whether two names would be the same metric name (Kafka's `Topic.hasCollision`):
/// equal once every '.' reads as '_'. Equal names collide too; callers check for an
/// existing topic of the same name first, which Kafka answers differently.
pub fn collides(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| unify(x) == unify(y))
}

fn unify(b: u8) -> u8 {
    if b == b'.' {
        b'_'
    } else {
        b
    }
}

/// Kafka's message, with INVALID_TOPIC_EXCEPTION (17), for a new topic `new` that
/// [`collides`] with the existing `existing`.
pub fn collision_message(new: &str, existing: &str) -> String {
    format!("Topic '{new}' collides with existing topic: {existing}")
}

/// Kafka's message, with TOPIC_ALREADY_EXISTS (36).
pub fn already_exists_message(name: &str) -> String {
    format!("Topic '{name}' already exists.")
}

#[cfg(test)]
mod tests {
    use super::*;

    const BAD_CHARS: &str = "contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'";

    #[test]
    fn legal_names_pass() {
        for name in ["events", "a", "A-Z_a-z.0-9", "__consumer_offsets", "-", "_", "...", ".a", &"x".repeat(249)] {
            assert_eq!(validate(name), Ok(()), "{name}");
            assert!(is_valid(name));
        }
    }

    #[test]
    fn empty_dot_and_dot_dot_have_kafkas_messages() {
        assert_eq!(validate("").unwrap_err(), "Topic name is invalid: the empty string is not allowed");
        assert_eq!(validate(".").unwrap_err(), "Topic name is invalid: '.' is not allowed");
        assert_eq!(validate("..").unwrap_err(), "Topic name is invalid: '..' is not allowed");
    }

    #[test]
    fn longer_than_249_has_kafkas_message() {
        let name = "x".repeat(250);
        assert_eq!(
            validate(&name).unwrap_err(),
            format!("Topic name is invalid: the length of '{name}' is longer than the max allowed length 249")
        );
    }

    #[test]
    fn illegal_characters_have_kafkas_message() {
        for name in ["a b", "a/b", "a\tb", "é", "a:b", "a*", "a\u{0}"] {
            assert_eq!(validate(name).unwrap_err(), format!("Topic name is invalid: '{name}' {BAD_CHARS}"));
            assert!(!is_valid(name));
        }
    }

    #[test]
    fn length_counts_java_chars_not_bytes() {
        // 200 'é' are 400 bytes but 200 Java chars: the characters are what is wrong.
        let name = "é".repeat(200);
        assert!(validate(&name).unwrap_err().ends_with(BAD_CHARS));
        // Past 249 chars the length is reported first, as Kafka orders its checks.
        let name = "é".repeat(250);
        assert!(validate(&name).unwrap_err().contains("is longer than the max allowed length 249"));
    }

    #[test]
    fn dot_and_underscore_collide_position_by_position() {
        assert!(collides("a.b", "a_b"));
        assert!(collides("a_b", "a.b"));
        assert!(collides("a.b_c", "a_b.c"));
        assert!(collides("same", "same"));
        assert!(!collides("a.b", "a-b"));
        assert!(!collides("a.b", "ab"));
        assert!(!collides("a.b", "a.bc"));
        assert!(!collides("a_b", "b_a"));
    }

    #[test]
    fn collision_and_existence_messages_are_kafkas() {
        assert_eq!(collision_message("a_b", "a.b"), "Topic 'a_b' collides with existing topic: a.b");
        assert_eq!(already_exists_message("a.b"), "Topic 'a.b' already exists.");
    }
}
