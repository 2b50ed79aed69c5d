//! Errors raised by domain rules, before anything touches storage.

use std::fmt;

/// One invalid input field: which one, a stable machine code and a human message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

impl FieldViolation {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

/// A broken domain rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// Input that can never be valid, field by field.
    #[error("invalid input")]
    Invalid(Vec<FieldViolation>),
    /// The actor may not do this; `hide` asks the caller to answer as if the object did not exist.
    #[error("forbidden: {reason}")]
    Forbidden { reason: &'static str, hide: bool },
    /// An id in a body or query names nothing the caller may use here: it does not exist, or
    /// it is hidden from the caller (answered like the same id in a path: 404).
    #[error("unknown reference: {field}")]
    UnknownReference { field: String },
}

impl DomainError {
    /// A single-field validation error.
    pub fn invalid(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldViolation::new(field, code, message)])
    }

    /// A visible refusal (403).
    pub fn forbidden(reason: &'static str) -> Self {
        Self::Forbidden {
            reason,
            hide: false,
        }
    }

    /// A referenced id that does not exist or that the caller may not know of (404).
    pub fn unknown(field: impl Into<String>) -> Self {
        Self::UnknownReference {
            field: field.into(),
        }
    }

    /// A refusal that must not reveal the object exists (404).
    pub fn hidden(reason: &'static str) -> Self {
        Self::Forbidden { reason, hide: true }
    }
}

impl fmt::Display for FieldViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}
