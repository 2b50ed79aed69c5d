//! Request and response bodies: serde + validator + utoipa, converted to and from domain types.

pub mod allocations;
pub mod attachments;
pub mod auth;
pub mod benefit_types;
pub mod campaigns;
pub mod cases;
pub mod common;
pub mod donations;
pub mod meetings;
pub mod orgs;
pub mod persons;
pub mod plans;
pub mod transfers;
pub mod users;
pub mod webhooks;
pub mod work;
