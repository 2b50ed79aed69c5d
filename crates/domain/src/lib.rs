//! hamkke domain: pure types and rules shared by every layer. No IO lives here.

pub mod allocation;
pub mod attachment;
pub mod authz;
pub mod benefit;
pub mod case;
pub mod consent;
pub mod error;
pub mod event;
pub mod identity;
pub mod labels;
pub mod meeting;
pub mod org;
pub mod password;
pub mod person;
pub mod plan;
pub mod text;
pub mod user;

pub use error::{DomainError, FieldViolation, Who};

/// Current time in UTC truncated to microseconds, the precision both databases keep.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::{SubsecRound, Utc};
    Utc::now().trunc_subsecs(6)
}

/// Today's date in Korea (UTC+9, no daylight saving): the date a worker's day is counted in.
pub fn today() -> chrono::NaiveDate {
    (now() + chrono::Duration::hours(9)).date_naive()
}
