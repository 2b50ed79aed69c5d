//! Password policy: long enough, not a well-known password, not the username.

use std::collections::HashSet;
use std::sync::LazyLock;

use crate::DomainError;

/// Minimum length in characters.
pub const MIN_LEN: usize = 10;
/// Maximum length in characters (bounds the hashing cost).
pub const MAX_LEN: usize = 128;

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/common_passwords.txt")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// How many common passwords the policy knows.
pub fn common_password_count() -> usize {
    COMMON.len()
}

/// Checks a new password against the policy; the password itself never enters the error.
pub fn check(password: &str, username: &str) -> Result<(), DomainError> {
    let len = password.chars().count();
    let fail = |code, message: &str| Err(DomainError::invalid("password", code, message));
    if len < MIN_LEN {
        return fail("too_short", "must be at least 10 characters");
    }
    if len > MAX_LEN {
        return fail("too_long", "must be at most 128 characters");
    }
    let lower = password.to_lowercase();
    if COMMON.contains(lower.as_str()) {
        return fail("too_common", "is on the list of commonly used passwords");
    }
    if !username.is_empty() && lower.contains(&username.to_lowercase()) {
        return fail("contains_username", "must not contain the username");
    }
    let first = password.chars().next();
    if password.chars().all(|c| Some(c) == first) {
        return fail("too_simple", "must not repeat a single character");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ships_at_least_a_thousand_common_passwords() {
        assert!(common_password_count() >= 1000);
    }

    #[test]
    fn rejects_short_common_and_username_passwords() {
        assert!(check("short", "kim").is_err());
        assert!(check("1q2w3e4r5t", "kim").is_err());
        assert!(check("1234567890", "kim").is_err());
        assert!(check("kimminji-secret-9", "kimminji").is_err());
        assert!(check("aaaaaaaaaaaa", "kim").is_err());
        assert!(check("correct horse battery", "kim").is_ok());
    }
}
