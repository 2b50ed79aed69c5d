//! hamkke HTTP layer: actix-web routes, DTOs, JWT auth, problem+json errors, the OpenAPI
//! contract, metrics and the audit sealer task.

pub mod app;
pub mod audit_writer;
pub mod auth;
pub mod config;
pub mod db;
pub mod dto;
pub mod error;
pub mod extract;
pub mod housekeeping;
pub mod i18n;
pub mod idempotency;
pub mod import;
pub mod metrics;
pub mod middleware;
pub mod negotiate;
pub mod openapi;
pub mod ratelimit;
pub mod read_lanes;
pub mod receipt;
pub mod routes;
pub mod sealer;
pub mod secrets;
pub mod slots;
pub mod state;
pub mod webhooks;

pub use app::{build, openapi};
pub use config::Config;
pub use state::AppState;
