//! Server configuration, read from the environment.

use std::path::PathBuf;

use hamkke_persistence::Backend;

/// Everything the server needs to know at start; see README for each variable.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub bind: String,
    /// Where embedded mode keeps its database and generated keys.
    pub data_dir: PathBuf,
    /// `HAMKKE_JWT_SECRET`: HMAC key (≥ 32 bytes) for access tokens.
    pub jwt_secret: Option<String>,
    /// `HAMKKE_JWT_ED25519_KEY_FILE`: a PKCS#8 PEM Ed25519 private key; selects EdDSA.
    pub jwt_ed25519_key_file: Option<PathBuf>,
    /// `HAMKKE_DATA_KEY`: AES-256-GCM key for resident registration numbers (base64, 32 bytes).
    pub data_key: Option<String>,
    /// `HAMKKE_LOOKUP_KEY`: HMAC key for exact RRN matching (base64, 32 bytes).
    pub lookup_key: Option<String>,
    /// The keys being rotated away from (`HAMKKE_DATA_KEY_PREVIOUS`, `HAMKKE_LOOKUP_KEY_PREVIOUS`).
    pub previous_keys: Option<(String, String)>,
    /// Person searches per user per minute.
    pub search_per_minute: u32,
    pub access_ttl_secs: i64,
    pub refresh_ttl_secs: i64,
    pub session_ttl_secs: i64,
    pub cors_origins: Vec<String>,
    pub json_limit_bytes: usize,
    /// Largest attachment accepted (`HAMKKE_ATTACHMENT_MAX_BYTES`, 10 MiB by default).
    pub attachment_max_bytes: usize,
    pub db_pool_size: u32,
    /// `DATABASE_REPLICA_URL`: a PostgreSQL standby that reads which may lag (reports, the
    /// dashboard) use instead of the primary; their audit events are still written on the
    /// primary.
    pub replica_url: Option<String>,
    /// Connections of the report pool (`HAMKKE_REPORT_POOL_SIZE`): reports read on connections
    /// of their own — on the replica when there is one, else on the primary — so a long report
    /// never holds one the desk is waiting for. PostgreSQL: 2; SQLite: 0 (reports read on the
    /// server's pool, whose readers never wait for each other).
    pub report_pool_size: u32,
    pub db_timeout_secs: u64,
    /// Login attempts per minute per client address.
    pub login_per_minute: u32,
    /// Login attempts per minute per username (whatever the address).
    pub login_per_username_per_minute: u32,
    /// Data retention (`hamkke retention`).
    pub retention: hamkke_persistence::retention::RetentionPolicy,
    pub workers: Option<usize>,
    /// Requests that only read run on the worker that received them rather than on the
    /// blocking pool (`HAMKKE_DB_INLINE_READS`; unset: the backend's default,
    /// [`Config::inline_reads`]).
    pub db_inline_reads: Option<bool>,
    /// Threads of the blocking pool, over all workers (`HAMKKE_BLOCKING_THREADS`, 16): the
    /// database work of changes (and of reads on PostgreSQL) waits for one of them rather than
    /// each request spawning its own.
    pub blocking_threads: usize,
    /// How often pending audit events are sealed into the chain.
    pub seal_interval_ms: u64,
    /// How often the ledger's marked days are counted again for the reports (ms).
    pub tally_interval_ms: u64,
    /// SQLite: how often a background job checkpoints the write-ahead log (ms); 0: the commit
    /// that fills it does, as SQLite does by default (`HAMKKE_SQLITE_CHECKPOINT_MS`).
    pub sqlite_checkpoint_ms: u64,
    /// When a batch of the group-commit audit writer closes (`HAMKKE_AUDIT_BATCH_MAX`,
    /// `HAMKKE_AUDIT_BATCH_WAIT_US`).
    pub audit_batch: crate::audit_writer::BatchSettings,
    /// How far back and ahead of today `granted_on` may lie
    /// (`HAMKKE_GRANTED_ON_YEARS_BACK`, `HAMKKE_GRANTED_ON_YEARS_AHEAD`).
    pub granted_on: hamkke_domain::allocation::GrantedOnBounds,
    /// Import rows matched by RRN per user per hour (`HAMKKE_IMPORT_RRN_PER_HOUR`): each is a
    /// lookup by number, so it is limited like a search (the whole budget may be used at once).
    pub import_rrn_per_hour: u32,
    /// Imports that run at once per server process (`HAMKKE_IMPORT_CONCURRENCY`); more answer
    /// 429 `imports_busy`.
    pub import_concurrency: usize,
    /// Reports that run at once per server process (`HAMKKE_REPORT_CONCURRENCY`), one per
    /// user; more answer 429 `report_running`.
    pub report_concurrency: usize,
    /// How long a report's query may run before it is stopped (`HAMKKE_REPORT_TIMEOUT_MS`,
    /// PostgreSQL), answered 503 `report_timeout`.
    pub report_timeout_ms: u64,
    /// How long an `Idempotency-Key` claim without a response holds before a retry may run the
    /// request again (`HAMKKE_IDEMPOTENCY_LEASE_SECS`).
    pub idempotency_lease_secs: i64,
    /// The largest response kept for an `Idempotency-Key` replay
    /// (`HAMKKE_IDEMPOTENCY_KEPT_MAX_BYTES`); a larger one is not kept, and a retry answers
    /// 303 to what the first request committed.
    pub idempotency_kept_max_bytes: usize,
    /// `HAMKKE_METRICS_BIND`: a separate listen address for `/metrics`; without it `/metrics`
    /// needs `HAMKKE_METRICS_TOKEN` as a bearer token, and without both it is not served.
    pub metrics_bind: Option<String>,
    pub metrics_token: Option<String>,
    /// Outbound webhooks: allowed plain-http and internal hosts, retries, give-up period.
    pub webhooks: crate::webhooks::WebhookSettings,
    /// Days after intake within which the first assessment is due
    /// (`HAMKKE_FIRST_ASSESSMENT_DAYS`).
    pub first_assessment_days: u32,
    /// Days a referral waits for its answer before both ends are reminded, and again every as
    /// many days while it waits (`HAMKKE_REFERRAL_REMIND_DAYS`; 0: no reminders).
    pub referral_remind_days: u32,
    /// From this score on an open, unreviewed duplicate pair counts as one person for the
    /// duplicate check (a `block` benefit given to one record is refused to the other) and an
    /// import holds the row back (`HAMKKE_DUPLICATE_STRONG_SCORE`, 60–100, default 80).
    pub duplicate_strong_score: u8,
    /// The language of responses to requests without a usable `Accept-Language`
    /// (`HAMKKE_DEFAULT_LANG`: `ko` or `en`).
    pub default_lang: crate::i18n::Lang,
    /// `HAMKKE_SERVER_TIMING`: answer each request with a `Server-Timing` header naming its
    /// database time and statement count (for integrators and tests; off by default).
    pub server_timing: bool,
}

/// A `true`/`false` (or `1`/`0`) variable, `default` when unset.
fn flag(name: &'static str, default: bool) -> Result<bool, ConfigError> {
    match var(name).as_deref() {
        None => Ok(default),
        Some("true") | Some("1") => Ok(true),
        Some("false") | Some("0") => Ok(false),
        Some(_) => Err(ConfigError {
            name,
            reason: "true or false".into(),
        }),
    }
}

/// A configuration value that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration {name}: {reason}")]
pub struct ConfigError {
    pub name: &'static str,
    pub reason: String,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn num<T: std::str::FromStr>(name: &'static str, default: T) -> Result<T, ConfigError> {
    match var(name) {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|_| ConfigError {
            name,
            reason: "not a number".into(),
        }),
    }
}

impl Config {
    /// The default configuration: embedded SQLite under `data/`, no secrets.
    pub fn embedded(database_url: &str) -> Self {
        let backend = Backend::from_url(database_url);
        let data_dir = match backend {
            Backend::Sqlite => hamkke_persistence::conn::sqlite_path(database_url)
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(".")),
            Backend::Postgres => PathBuf::from("data"),
        };
        Self {
            database_url: database_url.to_owned(),
            bind: "127.0.0.1:8080".into(),
            data_dir,
            jwt_secret: None,
            jwt_ed25519_key_file: None,
            data_key: None,
            lookup_key: None,
            previous_keys: None,
            search_per_minute: 60,
            access_ttl_secs: 900,
            // A refresh token lives 30 minutes, so an idle session ends after 30 minutes; a
            // login ends after 12 hours whatever happens.
            refresh_ttl_secs: 30 * 60,
            session_ttl_secs: 12 * 3600,
            cors_origins: Vec::new(),
            json_limit_bytes: 256 * 1024,
            attachment_max_bytes: 10 * 1024 * 1024,
            db_pool_size: default_pool_size(backend),
            replica_url: None,
            report_pool_size: match backend {
                Backend::Postgres => 2,
                Backend::Sqlite => 0,
            },
            db_timeout_secs: 5,
            login_per_minute: 30,
            login_per_username_per_minute: 10,
            retention: Default::default(),
            workers: None,
            db_inline_reads: None,
            blocking_threads: 16,
            seal_interval_ms: 200,
            tally_interval_ms: 10_000,
            sqlite_checkpoint_ms: 250,
            audit_batch: Default::default(),
            granted_on: Default::default(),
            import_rrn_per_hour: 500,
            import_concurrency: 2,
            report_concurrency: 4,
            report_timeout_ms: 10_000,
            idempotency_lease_secs: 60,
            idempotency_kept_max_bytes: 64 * 1024,
            metrics_bind: None,
            metrics_token: None,
            webhooks: Default::default(),
            first_assessment_days: hamkke_domain::plan::FIRST_ASSESSMENT_DAYS,
            referral_remind_days: 7,
            duplicate_strong_score: hamkke_domain::identity::STRONG,
            default_lang: crate::i18n::Lang::Ko,
            server_timing: false,
        }
    }

    /// Reads `DATABASE_URL`, `HAMKKE_*` variables over the defaults.
    pub fn from_env() -> Result<Self, ConfigError> {
        let url = var("DATABASE_URL").unwrap_or_else(|| "sqlite://data/hamkke.db".into());
        let mut c = Self::embedded(&url);
        if let Some(b) = var("HAMKKE_BIND") {
            c.bind = b;
        }
        if let Some(d) = var("HAMKKE_DATA_DIR") {
            c.data_dir = PathBuf::from(d);
        }
        c.jwt_secret = var("HAMKKE_JWT_SECRET");
        c.jwt_ed25519_key_file = var("HAMKKE_JWT_ED25519_KEY_FILE").map(PathBuf::from);
        c.data_key = var("HAMKKE_DATA_KEY");
        c.lookup_key = var("HAMKKE_LOOKUP_KEY");
        c.previous_keys = match (
            var("HAMKKE_DATA_KEY_PREVIOUS"),
            var("HAMKKE_LOOKUP_KEY_PREVIOUS"),
        ) {
            (Some(d), Some(l)) => Some((d, l)),
            (None, None) => None,
            _ => {
                return Err(ConfigError {
                    name: "HAMKKE_DATA_KEY_PREVIOUS / HAMKKE_LOOKUP_KEY_PREVIOUS",
                    reason: "set both or neither".into(),
                })
            }
        };
        c.search_per_minute = num("HAMKKE_SEARCH_PER_MINUTE", c.search_per_minute)?;
        c.access_ttl_secs = num("HAMKKE_ACCESS_TTL_SECS", c.access_ttl_secs)?;
        if !(60..=900).contains(&c.access_ttl_secs) {
            return Err(ConfigError {
                name: "HAMKKE_ACCESS_TTL_SECS",
                reason: "must be between 60 and 900 seconds".into(),
            });
        }
        c.refresh_ttl_secs = num("HAMKKE_REFRESH_TTL_SECS", c.refresh_ttl_secs)?;
        c.session_ttl_secs = num("HAMKKE_SESSION_TTL_SECS", c.session_ttl_secs)?;
        if c.refresh_ttl_secs < 60 || c.session_ttl_secs < c.refresh_ttl_secs {
            return Err(ConfigError {
                name: "HAMKKE_REFRESH_TTL_SECS / HAMKKE_SESSION_TTL_SECS",
                reason:
                    "the refresh lifetime must be at least 60 s and at most the session lifetime"
                        .into(),
            });
        }
        if let Some(o) = var("HAMKKE_CORS_ORIGINS") {
            c.cors_origins = o
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect();
        }
        c.json_limit_bytes = num("HAMKKE_JSON_LIMIT_BYTES", c.json_limit_bytes)?;
        c.attachment_max_bytes = num("HAMKKE_ATTACHMENT_MAX_BYTES", c.attachment_max_bytes)?;
        c.db_pool_size = num("HAMKKE_DB_POOL_SIZE", c.db_pool_size)?;
        c.report_pool_size = num("HAMKKE_REPORT_POOL_SIZE", c.report_pool_size)?;
        c.replica_url = var("DATABASE_REPLICA_URL");
        if c.replica_url.as_deref().is_some_and(|r| {
            c.backend() != Backend::Postgres || Backend::from_url(r) != Backend::Postgres
        }) {
            return Err(ConfigError {
                name: "DATABASE_REPLICA_URL",
                reason: "a PostgreSQL standby of a PostgreSQL DATABASE_URL".into(),
            });
        }
        if c.replica_url.is_some() && c.report_pool_size == 0 {
            return Err(ConfigError {
                name: "HAMKKE_REPORT_POOL_SIZE",
                reason: "at least 1 with DATABASE_REPLICA_URL".into(),
            });
        }
        c.db_timeout_secs = num("HAMKKE_DB_TIMEOUT_SECS", c.db_timeout_secs)?;
        c.login_per_minute = num("HAMKKE_LOGIN_PER_MINUTE", c.login_per_minute)?;
        c.login_per_username_per_minute = num(
            "HAMKKE_LOGIN_PER_USERNAME_PER_MINUTE",
            c.login_per_username_per_minute,
        )?;
        c.retention.person_years = num("HAMKKE_RETENTION_PERSON_YEARS", c.retention.person_years)?;
        c.retention.audit_years = num("HAMKKE_RETENTION_AUDIT_YEARS", c.retention.audit_years)?;
        if c.retention.person_years == 0
            || c.retention.audit_years < hamkke_persistence::retention::MIN_AUDIT_YEARS
        {
            return Err(ConfigError {
                name: "HAMKKE_RETENTION_PERSON_YEARS / HAMKKE_RETENTION_AUDIT_YEARS",
                reason: "persons are kept at least one year, audit events at least two".into(),
            });
        }
        c.retention.keep_lookup = match var("HAMKKE_RETENTION_KEEP_LOOKUP").as_deref() {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(_) => {
                return Err(ConfigError {
                    name: "HAMKKE_RETENTION_KEEP_LOOKUP",
                    reason: "true or false".into(),
                })
            }
        };
        c.seal_interval_ms = num("HAMKKE_SEAL_INTERVAL_MS", c.seal_interval_ms)?;
        if !(10..=60_000).contains(&c.seal_interval_ms) {
            return Err(ConfigError {
                name: "HAMKKE_SEAL_INTERVAL_MS",
                reason: "between 10 and 60000".into(),
            });
        }
        c.tally_interval_ms = num("HAMKKE_TALLY_INTERVAL_MS", c.tally_interval_ms)?;
        if !(100..=600_000).contains(&c.tally_interval_ms) {
            return Err(ConfigError {
                name: "HAMKKE_TALLY_INTERVAL_MS",
                reason: "between 100 and 600000".into(),
            });
        }
        c.sqlite_checkpoint_ms = num("HAMKKE_SQLITE_CHECKPOINT_MS", c.sqlite_checkpoint_ms)?;
        if c.sqlite_checkpoint_ms != 0 && !(10..=60_000).contains(&c.sqlite_checkpoint_ms) {
            return Err(ConfigError {
                name: "HAMKKE_SQLITE_CHECKPOINT_MS",
                reason: "0, or between 10 and 60000".into(),
            });
        }
        c.audit_batch.enabled = flag("HAMKKE_AUDIT_GROUP_COMMIT", true)?;
        if var("HAMKKE_AUDIT_WRITER_THREAD").is_some() {
            c.audit_batch.own_thread = Some(flag("HAMKKE_AUDIT_WRITER_THREAD", false)?);
        }
        c.server_timing = flag("HAMKKE_SERVER_TIMING", false)?;
        c.audit_batch.max_events = num("HAMKKE_AUDIT_BATCH_MAX", c.audit_batch.max_events)?;
        let wait_us = num("HAMKKE_AUDIT_BATCH_WAIT_US", 0u64)?;
        if !(1..=1000).contains(&c.audit_batch.max_events) || wait_us > 100_000 {
            return Err(ConfigError {
                name: "HAMKKE_AUDIT_BATCH_MAX / HAMKKE_AUDIT_BATCH_WAIT_US",
                reason: "1 to 1000 events, and at most 100000 µs".into(),
            });
        }
        c.audit_batch.wait = std::time::Duration::from_micros(wait_us);
        if var("HAMKKE_AUDIT_READ_LANES").is_some() {
            c.audit_batch.lanes = Some(num("HAMKKE_AUDIT_READ_LANES", 0)?);
        }
        c.audit_batch.lane_batch = num("HAMKKE_AUDIT_LANE_BATCH", c.audit_batch.lane_batch)?;
        if !(1..=1000).contains(&c.audit_batch.lane_batch) {
            return Err(ConfigError {
                name: "HAMKKE_AUDIT_LANE_BATCH",
                reason: "1 to 1000 reads".into(),
            });
        }
        if c.audit_batch.lanes.is_some_and(|lanes| lanes > 64) {
            return Err(ConfigError {
                name: "HAMKKE_AUDIT_READ_LANES",
                reason: "0 (the leaders) to 64 lanes".into(),
            });
        }
        c.granted_on.years_back = num("HAMKKE_GRANTED_ON_YEARS_BACK", c.granted_on.years_back)?;
        c.granted_on.years_ahead = num("HAMKKE_GRANTED_ON_YEARS_AHEAD", c.granted_on.years_ahead)?;
        if c.granted_on.years_back > 50 || c.granted_on.years_ahead > 10 {
            return Err(ConfigError {
                name: "HAMKKE_GRANTED_ON_YEARS_BACK / HAMKKE_GRANTED_ON_YEARS_AHEAD",
                reason: "at most 50 years back and 10 ahead".into(),
            });
        }
        if let Some(l) = var("HAMKKE_DEFAULT_LANG") {
            c.default_lang = crate::i18n::Lang::parse(&l).ok_or(ConfigError {
                name: "HAMKKE_DEFAULT_LANG",
                reason: "ko or en".into(),
            })?;
        }
        c.first_assessment_days = num("HAMKKE_FIRST_ASSESSMENT_DAYS", c.first_assessment_days)?;
        c.referral_remind_days = num("HAMKKE_REFERRAL_REMIND_DAYS", c.referral_remind_days)?;
        if c.referral_remind_days > 365 {
            return Err(ConfigError {
                name: "HAMKKE_REFERRAL_REMIND_DAYS",
                reason: "0 (no reminders) to 365 days".into(),
            });
        }
        c.duplicate_strong_score = num("HAMKKE_DUPLICATE_STRONG_SCORE", c.duplicate_strong_score)?;
        if !(hamkke_domain::identity::POSSIBLE..=100).contains(&c.duplicate_strong_score) {
            return Err(ConfigError {
                name: "HAMKKE_DUPLICATE_STRONG_SCORE",
                reason: "between 60 (a possible duplicate) and 100".into(),
            });
        }
        if !(1..=365).contains(&c.first_assessment_days) {
            return Err(ConfigError {
                name: "HAMKKE_FIRST_ASSESSMENT_DAYS",
                reason: "between 1 and 365".into(),
            });
        }
        c.import_rrn_per_hour = num("HAMKKE_IMPORT_RRN_PER_HOUR", c.import_rrn_per_hour)?;
        c.import_concurrency = num("HAMKKE_IMPORT_CONCURRENCY", c.import_concurrency)?;
        c.report_concurrency = num("HAMKKE_REPORT_CONCURRENCY", c.report_concurrency)?;
        c.report_timeout_ms = num("HAMKKE_REPORT_TIMEOUT_MS", c.report_timeout_ms)?;
        c.idempotency_lease_secs = num("HAMKKE_IDEMPOTENCY_LEASE_SECS", c.idempotency_lease_secs)?;
        c.idempotency_kept_max_bytes = num(
            "HAMKKE_IDEMPOTENCY_KEPT_MAX_BYTES",
            c.idempotency_kept_max_bytes,
        )?;
        if !(1..=3600).contains(&c.idempotency_lease_secs) {
            return Err(ConfigError {
                name: "HAMKKE_IDEMPOTENCY_LEASE_SECS",
                reason: "between 1 and 3600".into(),
            });
        }
        let hosts = |name: &str| -> Vec<String> {
            var(name)
                .map(|v| {
                    v.split(',')
                        .map(|h| h.trim().to_ascii_lowercase())
                        .filter(|h| !h.is_empty())
                        .collect()
                })
                .unwrap_or_default()
        };
        c.webhooks.allow_http = hosts("HAMKKE_WEBHOOK_ALLOW_HTTP");
        c.webhooks.allow_hosts = hosts("HAMKKE_WEBHOOK_ALLOW_HOSTS");
        c.webhooks.give_up_secs = num("HAMKKE_WEBHOOK_GIVE_UP_SECS", c.webhooks.give_up_secs)?;
        c.webhooks.retry_base_ms = num("HAMKKE_WEBHOOK_RETRY_BASE_MS", c.webhooks.retry_base_ms)?;
        c.metrics_bind = var("HAMKKE_METRICS_BIND");
        c.metrics_token = var("HAMKKE_METRICS_TOKEN");
        if c.metrics_token.as_ref().is_some_and(|t| t.len() < 16) {
            return Err(ConfigError {
                name: "HAMKKE_METRICS_TOKEN",
                reason: "at least 16 characters".into(),
            });
        }
        c.workers = var("HAMKKE_WORKERS")
            .map(|_| num("HAMKKE_WORKERS", 1usize))
            .transpose()?;
        c.blocking_threads = num("HAMKKE_BLOCKING_THREADS", c.blocking_threads)?;
        if !(2..=1024).contains(&c.blocking_threads) {
            return Err(ConfigError {
                name: "HAMKKE_BLOCKING_THREADS",
                reason: "between 2 and 1024".into(),
            });
        }
        if var("HAMKKE_DB_INLINE_READS").is_some() {
            c.db_inline_reads = Some(flag("HAMKKE_DB_INLINE_READS", false)?);
        }
        Ok(c)
    }

    pub fn backend(&self) -> Backend {
        Backend::from_url(&self.database_url)
    }

    /// Whether requests that only read run on their worker (`HAMKKE_DB_INLINE_READS`). By
    /// measurement (bench/RESULTS.md, #33): on SQLite, whose reads are microseconds of work in
    /// the process, 47–54 % more case reads and checks per second than handing each to the
    /// blocking pool; on PostgreSQL 31–44 % fewer, since a worker then waits out every round
    /// trip and few reads share an audit batch — there they stay on the blocking pool.
    pub fn inline_reads(&self) -> bool {
        self.db_inline_reads
            .unwrap_or(self.backend() == Backend::Sqlite)
    }

    /// HTTP workers: `HAMKKE_WORKERS`, else the CPUs this server may run on (actix's own
    /// default) — and at least four when reads run on the workers, so that one long read (a
    /// page of 200 names, an attachment) does not hold up every other request (measured on one
    /// CPU: four workers served as many reads as two or up to 9 % more, and 9–24 % more than
    /// one).
    pub fn worker_count(&self) -> usize {
        match self.workers {
            Some(w) => w,
            None if self.inline_reads() => cpus().max(4),
            None => cpus(),
        }
    }

    /// Blocking threads per worker: `HAMKKE_BLOCKING_THREADS` shared out over the workers.
    /// Measured on the bench (#33, bench/RESULTS.md): actix's default, 512 per worker, let a
    /// burst of 64 new connections spawn a thread each, all waiting for the pool's two
    /// database connections, and the server stalled ~200 ms; 16 kept the case read's maximum
    /// and took its open-loop p99 at 1,500/s from 118–146 ms to 7.3 ms; 4 halved the maximum.
    pub fn blocking_threads_per_worker(&self, workers: usize) -> usize {
        self.blocking_threads.div_ceil(workers.max(1)).max(1)
    }
}

/// The CPUs this server may run on (its affinity mask; 1 if unknown).
fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// The pool size by measurement (bench/RESULTS.md, #16). PostgreSQL: twice the CPUs this server
/// may run on, 2 to 16. On the two-core bench machine, with server and PostgreSQL confined to
/// one core, 4, 8 and 16 connections served the same, 2 served 23–40 % more and 1 more still:
/// every further backend only adds switches on PostgreSQL's cores. The floor of 2 leaves the
/// hot paths a connection while a long import or export holds one. A database on other cores
/// wants about twice its cores (`HAMKKE_DB_POOL_SIZE`). SQLite: 8, since reads take no write
/// lock and read in parallel (2 was slower on every endpoint).
fn default_pool_size(backend: Backend) -> u32 {
    match backend {
        Backend::Postgres => u32::try_from(cpus().saturating_mul(2))
            .unwrap_or(16)
            .clamp(2, 16),
        Backend::Sqlite => 8,
    }
}

#[cfg(test)]
mod tests {
    use super::Config;

    /// Reads run on their worker by default on SQLite only, and then with at least four
    /// workers; an explicit setting wins either way.
    #[test]
    fn reads_run_on_their_worker_by_default_on_sqlite_only() {
        let sqlite = Config::embedded("sqlite:///tmp/hamkke-config-test.db");
        assert!(sqlite.inline_reads());
        assert!(sqlite.worker_count() >= 4);
        let postgres = Config::embedded("postgres://127.0.0.1/hamkke");
        assert!(!postgres.inline_reads());
        assert_eq!(postgres.worker_count(), super::cpus());
        // The blocking threads are shared out over the workers, at least one each.
        assert_eq!(postgres.blocking_threads_per_worker(1), 16);
        assert_eq!(postgres.blocking_threads_per_worker(3), 6);
        assert_eq!(postgres.blocking_threads_per_worker(32), 1);
        assert_eq!(postgres.blocking_threads_per_worker(0), 16);

        let mut c = Config::embedded("sqlite:///tmp/hamkke-config-test.db");
        c.db_inline_reads = Some(false);
        assert!(!c.inline_reads());
        assert_eq!(c.worker_count(), super::cpus());
        c.workers = Some(1);
        c.db_inline_reads = Some(true);
        assert_eq!(c.worker_count(), 1);
    }
}
