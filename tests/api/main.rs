//! Black-box API tests: every database test runs on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed test is the point

#[macro_use]
mod support;

mod allocations;
mod attachments;
mod audit;
mod auth;
mod benefit_types;
mod campaigns;
mod cases;
mod coverage;
mod crash;
mod dashboard;
mod donations;
mod errors;
mod hardening;
mod i18n;
mod idempotency;
mod identity;
mod lists;
mod matrix;
mod meetings;
mod names;
mod openapi;
mod ops;
mod orgs;
mod persons;
mod policy;
mod practice;
mod races;
mod retention;
mod together;
mod tokens;
mod users;
mod views;
mod walls;
mod webhooks;
mod winter;
mod workflow;
