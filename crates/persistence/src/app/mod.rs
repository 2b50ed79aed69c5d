//! Workflows that span aggregates: the one place a change reaches more than one repository.
//! A workflow runs in the caller's unit of work (`Tx`), decides in the order the rules need,
//! and asks each repository to change its own rows — a repository writes only its own tables
//! and does not call another to change something.
//!
//! - `access`: an organization's or a user's change of access, and the sessions it ends;
//! - `allocations`: an allocation cancelled, and the campaign nomination that made it;
//! - `meetings`: a meeting's decisions and its finalize (사정회의 결정), which apply to cases,
//!   leads and referrals;
//! - `transfers`: a person's move between districts (전입), with their household;
//! - `merge`: two records of one person made one (the identity review);
//! - `handover`: a transferred worker's cases, action items and invitations (인사발령);
//! - `visits`: a joint home visit completed, with the day's note on its case.

pub mod access;
pub mod allocations;
pub mod handover;
pub mod meetings;
pub mod merge;
pub mod transfers;
pub mod visits;
