//! Shared application state.

use std::num::NonZeroU32;
use std::sync::Arc;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use hamkke_persistence::crypto::PersonKeys;

use crate::auth::JwtKeys;
use crate::config::Config;
use crate::db::DbHandle;
use crate::metrics::Metrics;

/// Everything handlers share; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: DbHandle,
    pub jwt: Arc<JwtKeys>,
    pub config: Arc<Config>,
    pub metrics: Arc<Metrics>,
    /// Person searches per user (per process; login attempts are counted in the database).
    pub search_limiter: Arc<crate::ratelimit::Limiter<uuid::Uuid>>,
    /// Lookups by resident registration number through imports, per user.
    pub rrn_lookup_limiter: Arc<DefaultKeyedRateLimiter<uuid::Uuid>>,
    /// RRN encryption and lookup keys.
    pub person_keys: Arc<PersonKeys>,
    /// Imports running at once.
    pub import_slots: Arc<crate::slots::Slots>,
    /// Reports running at once (one per user).
    pub report_slots: Arc<crate::slots::Slots>,
}

impl AppState {
    pub fn new(
        db: DbHandle,
        jwt: JwtKeys,
        person_keys: PersonKeys,
        config: Config,
    ) -> prometheus::Result<Self> {
        let searches = NonZeroU32::new(config.search_per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        Ok(Self {
            db,
            jwt: Arc::new(jwt),
            metrics: Arc::new(Metrics::new()?),
            search_limiter: Arc::new(
                RateLimiter::keyed(Quota::per_minute(searches))
                    .with_middleware::<governor::middleware::StateInformationMiddleware>(),
            ),
            rrn_lookup_limiter: Arc::new(RateLimiter::keyed(Quota::per_hour(
                NonZeroU32::new(config.import_rrn_per_hour.max(1)).unwrap_or(NonZeroU32::MIN),
            ))),
            person_keys: Arc::new(person_keys),
            import_slots: crate::slots::Slots::new(
                "imports_busy",
                "as many imports as the server runs at once are running; retry shortly",
                config.import_concurrency,
                config.import_concurrency,
            ),
            report_slots: crate::slots::Slots::new(
                "report_running",
                "a report of yours (or as many as the server runs at once) is running; retry when it is done",
                config.report_concurrency,
                1,
            ),
            config: Arc::new(config),
        })
    }
}
