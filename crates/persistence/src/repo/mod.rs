//! Repositories: every read or write of protected data takes the `Actor` and checks it
//! through `hamkke_domain::authz`.

pub mod access;
pub mod agenda;
pub mod allocations;
pub mod assignments;
pub mod auth;
pub mod benefit_types;
pub mod cases;
pub mod consents;
pub mod households;
pub mod idempotency;
pub mod meetings;
pub mod notes;
pub mod orgs;
pub mod page;
pub mod persons;
pub mod plans;
pub mod referrals;
pub mod refs;
pub mod reports;
pub mod resources;
pub mod transfers;
pub mod users;
pub mod visits;
pub mod webhooks;
pub mod work;
