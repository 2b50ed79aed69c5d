//! Workflows that span aggregates: the one place a change reaches more than one repository.
//! A workflow runs in the caller's unit of work (`Tx`), decides in the order the rules need,
//! and asks each repository to change its own rows — a repository writes only its own tables
//! and does not call another to change something.
//!
//! - `access`: an organization's or a user's change of access, and the sessions it ends;
//! - `allocations`: an allocation recorded with its goods drawn from stock, and cancelled
//!   with its goods put back and the campaign nomination that made it;
//! - `attachments`: a file attached, a signed consent form putting its consent in force;
//! - `campaigns`: a campaign nomination approved with the allocation it makes;
//! - `donations`: a donation received, its goods becoming a lot of stock;
//! - `handover`: a transferred worker's cases, action items and invitations (인사발령);
//! - `meetings`: a requested case put on a meeting's agenda, a meeting's decisions and its
//!   finalize (사정회의 결정), which apply to cases, leads and referrals;
//! - `merge`: two records of one person made one (the identity review);
//! - `notes`: a note written on a case, whose co-visitors' organizations join it;
//! - `persons`: a person registered, queued for review with the persons who may be the same;
//! - `referrals`: a referral accepted, which moves its case's lead or brings the receiver in;
//! - `transfers`: a person's move between districts (전입), with their household;
//! - `visits`: a joint home visit planned (its co-visitors' organizations join the case) and
//!   completed, with the day's note on its case.
//!
//! `tools/door-metrics.py` counts the calls from one repository to another's function that
//! changes something (goal 0).

pub mod access;
pub mod allocations;
pub mod attachments;
pub mod campaigns;
pub mod donations;
pub mod handover;
pub mod meetings;
pub mod merge;
pub mod notes;
pub mod persons;
pub mod referrals;
pub mod transfers;
pub mod visits;
