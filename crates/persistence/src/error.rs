//! Errors of the storage layer.

use hamkke_domain::DomainError;

/// What went wrong reading or writing; the HTTP layer maps each to one status.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error("not found")]
    NotFound,
    /// A uniqueness or state conflict with a stable code, and members that help the caller
    /// (e.g. the existing `person_id`, the `allowed` transitions).
    #[error("conflict: {code}")]
    Conflict {
        code: &'static str,
        detail: String,
        extensions: Option<serde_json::Value>,
    },
    /// The `If-Match` version is not the current one.
    #[error("stale version")]
    Stale,
    /// The pool had no connection in time, or the database is down.
    #[error("database unavailable")]
    Unavailable,
    /// A statement ran past its time limit and was stopped (reports).
    #[error("timed out: {0}")]
    TimedOut(&'static str),
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("database error")]
    Db(#[source] diesel::result::Error),
}

impl From<diesel::result::Error> for RepoError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => Self::NotFound,
            ref lost
                if crate::conn::connection_lost(lost) || crate::conn::connection_lost_here() =>
            {
                tracing::warn!(
                    "database connection lost (server down or failing over); answered 503"
                );
                Self::Unavailable
            }
            Error::DatabaseError(_, ref info) if info.message().contains("database is locked") => {
                tracing::warn!("SQLite stayed locked past busy_timeout");
                Self::Unavailable
            }
            // A constraint stopped a second copy of something that must exist once: the
            // request conflicts with what another one just did — 409, never 500.
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, ref info) => {
                tracing::info!(
                    constraint = info.constraint_name(),
                    "unique violation answered 409"
                );
                Self::Conflict {
                    code: "already_exists",
                    detail: "this already exists (another request may just have created it)".into(),
                    extensions: None,
                }
            }
            // Two transactions waited on each other (or a serializable snapshot broke): the
            // database rolled this one back; nothing was written.
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                Self::concurrent_change()
            }
            Error::DatabaseError(_, ref info) if info.message().contains("deadlock detected") => {
                tracing::warn!("deadlock answered 409");
                Self::concurrent_change()
            }
            other => Self::Db(other),
        }
    }
}

impl RepoError {
    /// Whether a database error is a unique-constraint violation.
    pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
        matches!(
            e,
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            )
        )
    }
}

impl RepoError {
    /// Another request changed the same records at the same moment; retrying may succeed.
    pub fn concurrent_change() -> Self {
        Self::conflict(
            "concurrent_change",
            "another request changed the same records at the same moment; nothing was written — try again",
        )
    }

    /// Whether the unit of work lost a race it could not decide by waiting: the database
    /// rolled it back (a serialization failure or a deadlock, both converted to this code) or
    /// it found a change it had not locked in order. Nothing was written; the whole unit may
    /// be run again (`uow::retrying`).
    pub fn is_concurrent_change(&self) -> bool {
        matches!(
            self,
            Self::Conflict {
                code: "concurrent_change",
                ..
            }
        )
    }

    /// Whether this is the conflict a unique constraint answers.
    pub fn is_already_exists(&self) -> bool {
        matches!(
            self,
            Self::Conflict {
                code: "already_exists",
                ..
            }
        )
    }

    /// A conflict without extension members.
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            detail: detail.into(),
            extensions: None,
        }
    }
}

pub type RepoResult<T> = Result<T, RepoError>;

/// A stored value this version cannot read (an unknown enum string, a malformed list):
/// logged by column, answered as a database error.
pub(crate) fn corrupt(what: &'static str) -> RepoError {
    tracing::error!(column = what, "unexpected value stored");
    RepoError::Db(diesel::result::Error::DeserializationError(what.into()))
}
