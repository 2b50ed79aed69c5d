//! Users: officials and case managers, each in one organization with one role.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::{org::OrgKind, DomainError};

/// What a user may do; see `authz` for the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Caseworker,
    Supervisor,
    /// 희망복지지원단 — district-wide oversight; sits in a district office.
    Coordinator,
    OrgAdmin,
    Auditor,
    SystemAdmin,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Self::Caseworker,
        Self::Supervisor,
        Self::Coordinator,
        Self::OrgAdmin,
        Self::Auditor,
        Self::SystemAdmin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Caseworker => "caseworker",
            Self::Supervisor => "supervisor",
            Self::Coordinator => "coordinator",
            Self::OrgAdmin => "org_admin",
            Self::Auditor => "auditor",
            Self::SystemAdmin => "system_admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Roles whose reach goes beyond one organization; only a system admin grants them.
    pub fn is_privileged(self) -> bool {
        matches!(self, Self::SystemAdmin | Self::Coordinator | Self::Auditor)
    }

    /// Roles only a system administrator grants or manages: the privileged ones and an
    /// organization's admin (who holds its accounts).
    pub fn granted_by_system_admin_only(self) -> bool {
        self.is_privileged() || self == Self::OrgAdmin
    }

    /// Whether a user of this role may belong to an organization of `kind`.
    pub fn fits(self, kind: OrgKind) -> Result<(), DomainError> {
        let ok = match (self, kind) {
            (Self::SystemAdmin, k) => k == OrgKind::System,
            (_, OrgKind::System) => false,
            (Self::Coordinator, k) => k == OrgKind::DistrictOffice,
            _ => true,
        };
        if ok {
            Ok(())
        } else {
            Err(DomainError::invalid(
                "role",
                "role_not_allowed_in_org",
                match self {
                    Self::SystemAdmin => "system_admin users belong to the system organization",
                    Self::Coordinator => "coordinators belong to a district office",
                    _ => "the system organization holds only system_admin users",
                },
            ))
        }
    }
}

/// A login name: 3–64 characters of lowercase ASCII letters, digits, `.`, `_` or `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let ok = (3..=64).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(DomainError::invalid(
                "username",
                "invalid_format",
                "3 to 64 characters: lowercase letters, digits, '.', '_' or '-'",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Failed logins in a row that lock an account.
pub const MAX_FAILED_LOGINS: i32 = 5;
/// How long a locked account stays locked.
pub const LOCKOUT: Duration = Duration::minutes(15);

/// Whether an account is locked at `now`.
pub fn is_locked(locked_until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    locked_until.is_some_and(|t| t > now)
}

/// After one more failed login (the count including it), when the account is locked until.
pub fn lock_after_failure(failed_count: i32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    (failed_count >= MAX_FAILED_LOGINS).then(|| now + LOCKOUT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifth_failure_locks_for_fifteen_minutes() {
        let now = Utc::now();
        assert_eq!(lock_after_failure(4, now), None);
        let until = lock_after_failure(5, now).unwrap(); // allow: test
        assert!(is_locked(Some(until), now + Duration::minutes(14)));
        assert!(!is_locked(Some(until), now + Duration::minutes(15)));
    }

    #[test]
    fn roles_fit_their_organizations() {
        assert!(Role::SystemAdmin.fits(OrgKind::System).is_ok());
        assert!(Role::SystemAdmin.fits(OrgKind::DongCenter).is_err());
        assert!(Role::Coordinator.fits(OrgKind::DistrictOffice).is_ok());
        assert!(Role::Coordinator.fits(OrgKind::WelfareCenter).is_err());
        assert!(Role::Caseworker.fits(OrgKind::System).is_err());
        assert!(Role::Caseworker.fits(OrgKind::WelfareCenter).is_ok());
    }

    #[test]
    fn usernames_are_plain_lowercase() {
        assert!(Username::parse("kim.minji").is_ok());
        for bad in ["ab", "Kim", "kim minji", "김민지", &"a".repeat(65)] {
            assert!(Username::parse(bad).is_err(), "{bad}");
        }
    }
}

/// A user account as the rest of the system sees it (never with its password hash).
#[derive(Debug, Clone)]
pub struct User {
    pub id: uuid::Uuid,
    pub username: String,
    pub display_name: String,
    pub org_id: uuid::Uuid,
    pub role: Role,
    pub active: bool,
    pub locked_until: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
    /// Work contacts shown in the staff directory.
    pub work_phone: Option<String>,
    pub work_email: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A validated request to create a user; the password is already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: Username,
    pub display_name: String,
    /// The password's hash; without a password chosen by the creator, the hash of a random
    /// secret nobody knows, and `activation` is set.
    pub password_hash: String,
    pub org_id: uuid::Uuid,
    pub role: Role,
    /// A one-time activation code (its SHA-256) and until when it is valid: the user sets the
    /// password.
    pub activation: Option<(String, chrono::DateTime<chrono::Utc>)>,
}

/// A validated change to a user.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub org_id: Option<uuid::Uuid>,
    pub active: Option<bool>,
    pub password_hash: Option<String>,
    /// `Some(None)` clears a work contact.
    pub work_phone: Option<Option<String>>,
    pub work_email: Option<Option<String>>,
    /// The session of the request (kept when users change their own password).
    pub session_id: uuid::Uuid,
}
