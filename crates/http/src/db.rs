//! The one way handlers reach the database: on actix's blocking pool, with pool exhaustion
//! answered as 503 and authorization denials written to the audit trail.

use actix_web::web;
use hamkke_persistence::audit::{self, AuditCtx};
use hamkke_persistence::uow::{self, Rx, Tx};
use hamkke_persistence::{Db, DbConn, RepoError};

use hamkke_domain::authz::Actor;

use crate::audit_writer::{AuditWriter, BatchSettings};
use crate::auth::{AuthUser, Caller};
use crate::error::{ApiError, ApiResult};
use crate::read_lanes::{Ran, ReadLanes};

/// A cloneable handle on the pool and the group-commit audit writer of read events.
#[derive(Clone)]
pub struct DbHandle {
    db: Db,
    /// Where reports read: the replica's pool, or a pool of its own on the primary; `None`:
    /// the server's pool (SQLite).
    reports: Option<Db>,
    /// `None` only when its thread could not start: reads then write their events themselves.
    writer: Option<std::sync::Arc<AuditWriter>>,
    /// Requests that only read run on their worker rather than on the blocking pool.
    inline_reads: bool,
}

impl DbHandle {
    /// The pool, with an audit writer closing batches by the default settings.
    pub fn new(db: Db) -> Self {
        Self::with_batches(db, BatchSettings::default())
    }

    pub fn with_batches(db: Db, settings: BatchSettings) -> Self {
        let writer = match AuditWriter::start(db.clone(), settings) {
            _ if !settings.enabled => None,
            Ok(w) => Some(std::sync::Arc::new(w)),
            Err(e) => {
                tracing::error!(error = %e, "the audit writer's thread did not start; reads write their own events");
                None
            }
        };
        Self {
            db,
            reports: None,
            writer,
            inline_reads: false,
        }
    }

    /// Requests that only read run their database work on the worker that received them,
    /// not on actix's blocking pool: no hand-off to a pool thread and back. The worker is held
    /// while the work runs, so this suits short reads on a server with about as many workers as
    /// the database can serve at once (bench/RESULTS.md); writes, reports and exports always
    /// run on the blocking pool.
    pub fn with_inline_reads(mut self, inline: bool) -> Self {
        self.inline_reads = inline;
        self
    }

    /// Reports read on `pool` (see [`report_pool`]).
    pub fn with_report_pool(mut self, pool: Option<Db>) -> Self {
        self.reports = pool;
        self
    }

    pub fn inner(&self) -> &Db {
        &self.db
    }

    /// Runs `f` with a pooled connection on the blocking pool.
    pub async fn run<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, RepoError> + Send + 'static,
    {
        self.run_step(f).await
    }

    /// `run` for work whose refusals are answers of their own (`Step::Refused`) as well as
    /// storage errors.
    async fn run_step<T, E, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        E: From<RepoError> + Send + 'static,
        ApiError: From<E>,
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    {
        let db = self.db.clone();
        let started = std::time::Instant::now();
        let result = web::block(move || {
            counted(|| {
                let mut conn = db.get()?;
                f(&mut conn)
            })
        })
        .await;
        let (result, statements) = result.map_err(|_| ApiError::Internal)?;
        let _ = DB_TIME.try_with(|t| t.add(started.elapsed(), statements));
        result.map_err(ApiError::from)
    }

    /// Runs `f`, a request that only reads, with its audit events deferred: they go to the
    /// group-commit writer, and the result is returned only once they are committed (503 and
    /// nothing shown when their batch fails). With `inline_reads` the work runs on the
    /// request's own worker rather than on the blocking pool (see [`Self::with_inline_reads`]).
    async fn run_read<T, E, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        E: From<RepoError> + Send + 'static,
        ApiError: From<E>,
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    {
        let Some(writer) = self.writer.clone() else {
            return self.run_step(f).await;
        };
        if let AuditWriter::Lanes(lanes) = &*writer {
            return on_lane(lanes, f).await;
        }
        let db = self.db.clone();
        let started = std::time::Instant::now();
        let work = move || {
            counted(|| {
                let mut conn = db.get()?;
                let (result, events) = audit::deferring(|| f(&mut conn));
                if events.is_empty() {
                    return Ok((result.map_err(ApiError::from), None));
                }
                match &*writer {
                    // The events go to the group on this thread; the answer waits for their commit.
                    AuditWriter::Leaders(group) => {
                        if !group.write(conn, events) {
                            return Ok((Err(ApiError::Unavailable), None));
                        }
                        Ok((result.map_err(ApiError::from), None))
                    }
                    // The events go to the writer's thread; the answer awaits their commit below.
                    AuditWriter::Thread(queue) => {
                        drop(conn);
                        let committed = crate::audit_writer::send(queue, events);
                        Ok((result.map_err(ApiError::from), Some(committed)))
                    }
                    // `run_read` sends reads to the lanes before this closure is made.
                    AuditWriter::Lanes(_) => Ok((Err(ApiError::Internal), None)),
                }
            })
        };
        let result = if self.inline_reads {
            // A panic is answered like one on the blocking pool: 500, the worker kept.
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).map_err(|_| ())
        } else {
            web::block(work).await.map_err(|_| ())
        };
        let (result, statements) = result.map_err(|()| ApiError::Internal)?;
        let _ = DB_TIME.try_with(|t| t.add(started.elapsed(), statements));
        let (result, committed) = result.map_err(ApiError::from)?;
        if let Some(committed) = committed {
            if !committed.await.unwrap_or(false) {
                return Err(ApiError::Unavailable);
            }
        }
        result
    }

    /// Runs `f` as the calling user, with `run_guarded`'s recording of refusals. A caller whose
    /// session is not yet confirmed is confirmed first in the same blocking call, on the same
    /// connection: one trip to the database for the request.
    pub async fn as_user<T, F>(
        &self,
        caller: impl Into<Caller>,
        resource_type: &'static str,
        resource_id: Option<String>,
        f: F,
    ) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn, &Actor, &AuditCtx) -> Result<T, RepoError> + Send + 'static,
    {
        let token = match caller.into() {
            Caller::Loaded(AuthUser { actor, ctx, .. }) => {
                let audit_ctx = ctx.clone();
                return self
                    .run_guarded(&audit_ctx, resource_type, resource_id, move |conn| {
                        f(conn, &actor, &ctx)
                    })
                    .await;
            }
            Caller::Token(token) => token,
        };
        let read_only = token.read_only();
        let work = move |conn: &mut DbConn| -> Result<T, Step> {
            // The session's statement also reads the catalogue version, which lets this work
            // use the server's cache of resources and benefit types.
            let _catalogue = hamkke_persistence::catalogue::Scope::begin();
            let (actor, ctx) = token.confirm(conn)?.map_err(Step::Refused)?;
            let result = f(conn, &actor, &ctx);
            hamkke_persistence::uow::record_refusal(conn, &ctx, resource_type, resource_id, result)
                .map_err(Step::Repo)
        };
        if read_only {
            self.run_read(work).await
        } else {
            self.run_step(work).await
        }
    }

    /// Runs `f` as one unit of work of the calling user (`uow::run`, its span naming the
    /// handler that called this): the change commits when `f` answers `Ok` and rolls back
    /// otherwise; a refusal is recorded like `as_user`'s.
    #[track_caller]
    pub fn write<T, F>(
        &self,
        caller: impl Into<Caller>,
        resource_type: &'static str,
        resource_id: Option<String>,
        f: F,
    ) -> impl std::future::Future<Output = ApiResult<T>> + '_
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<T, RepoError> + Send + 'static,
    {
        let at = std::panic::Location::caller();
        let caller: Caller = caller.into();
        self.as_user(
            caller,
            resource_type,
            resource_id,
            move |conn, actor, ctx| uow::run_at(at, conn, actor, ctx, f),
        )
    }

    /// [`write`](Self::write) for a change that may lose a race it cannot decide by waiting
    /// (`concurrent_change`: an allocation under its subject's locks, a merge): the unit is
    /// run again, up to four times (`uow::retrying`), before the client would see it.
    #[track_caller]
    pub fn write_retrying<T, F>(
        &self,
        caller: impl Into<Caller>,
        resource_type: &'static str,
        resource_id: Option<String>,
        f: F,
    ) -> impl std::future::Future<Output = ApiResult<T>> + '_
    where
        T: Send + 'static,
        F: FnMut(&mut Tx<'_>) -> Result<T, RepoError> + Send + 'static,
    {
        let caller: Caller = caller.into();
        self.as_user(
            caller,
            resource_type,
            resource_id,
            move |conn, actor, ctx| uow::retrying(conn, actor, ctx, f),
        )
    }

    /// Runs `f`, a read that may disclose personal data, as the calling user with its read
    /// context (`uow::reading`): a refusal is recorded like `as_user`'s, and the read's `view`
    /// events are committed before the answer is given.
    pub fn read<T, F>(
        &self,
        caller: impl Into<Caller>,
        resource_type: &'static str,
        resource_id: Option<String>,
        f: F,
    ) -> impl std::future::Future<Output = ApiResult<T>> + '_
    where
        T: Send + 'static,
        F: FnOnce(&mut Rx<'_>) -> Result<T, RepoError> + Send + 'static,
    {
        let caller: Caller = caller.into();
        self.as_user(
            caller,
            resource_type,
            resource_id,
            move |conn, actor, ctx| uow::reading(conn, actor, ctx, f),
        )
    }

    /// A report, or another read that may lag (the hub overview, audit-trail searches, a
    /// person's access log): `read`, its reads, on the report pool (the replica when there is
    /// one: what it shows may lag by the replica's delay), then `record`, the export's audit event, on the
    /// primary as the caller before the answer is given. A long report therefore never holds a
    /// connection of the server's pool; a refusal is recorded like `run_guarded`'s.
    pub async fn report<T, F, R>(
        &self,
        caller: impl Into<Caller>,
        resource_type: &'static str,
        resource_id: Option<String>,
        read: F,
        record: R,
    ) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn, &Actor) -> Result<T, RepoError> + Send + 'static,
        R: FnOnce(&mut Tx<'_>, &T) -> Result<(), RepoError> + Send + 'static,
    {
        // A session is confirmed on the primary, where its revocation is written.
        let auth = match caller.into() {
            Caller::Loaded(auth) => auth,
            Caller::Token(token) => {
                let session_id = token.session_id;
                let (actor, ctx) = self
                    .as_user(
                        Caller::Token(token),
                        resource_type,
                        resource_id.clone(),
                        |_, a, ctx| Ok((a.clone(), ctx.clone())),
                    )
                    .await?;
                AuthUser {
                    actor,
                    session_id,
                    ctx,
                }
            }
        };
        let pool = self.reports.clone().unwrap_or_else(|| self.db.clone());
        let actor = auth.actor.clone();
        let started = std::time::Instant::now();
        let (read, statements) = web::block(move || {
            counted(|| {
                let mut conn = pool.get()?;
                read(&mut conn, &actor)
            })
        })
        .await
        .map_err(|_| ApiError::Internal)?;
        let _ = DB_TIME.try_with(|t| t.add(started.elapsed(), statements));
        match read {
            Ok(value) => {
                self.write(auth, resource_type, resource_id, move |tx| {
                    record(tx, &value).map(|()| value)
                })
                .await
            }
            Err(e) => {
                let ctx = auth.ctx.clone();
                self.run_guarded(&ctx, resource_type, resource_id, move |_| Err(e))
                    .await
            }
        }
    }

    /// Like `run`, and when `f` is refused by an authorization rule, records a `denied` event
    /// (in its own transaction, since `f`'s was rolled back) before answering 403 or 404.
    pub async fn run_guarded<T, F>(
        &self,
        ctx: &AuditCtx,
        resource_type: &'static str,
        resource_id: Option<String>,
        f: F,
    ) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, RepoError> + Send + 'static,
    {
        let read_only = ctx.read_only;
        let ctx = ctx.clone();
        let guarded = move |conn: &mut DbConn| {
            let result = f(conn);
            hamkke_persistence::uow::record_refusal(conn, &ctx, resource_type, resource_id, result)
        };
        if read_only {
            self.run_read(guarded).await
        } else {
            self.run(guarded).await
        }
    }
}

/// The pool reports read on: `DATABASE_REPLICA_URL`'s when set, else one of its own on the
/// primary (`HAMKKE_REPORT_POOL_SIZE` connections, none on SQLite).
pub fn report_pool(config: &crate::config::Config) -> Result<Option<Db>, RepoError> {
    if config.report_pool_size == 0 {
        return Ok(None);
    }
    let url = config
        .replica_url
        .as_deref()
        .unwrap_or(&config.database_url);
    Db::connect(
        url,
        config.report_pool_size,
        std::time::Duration::from_secs(config.db_timeout_secs),
    )
    .map(Some)
}

/// What a request's database work can end in besides its value.
enum Step {
    Repo(RepoError),
    /// The caller's session was not confirmed (401, or 403 for a temporary password).
    Refused(ApiError),
}

impl From<RepoError> for Step {
    fn from(e: RepoError) -> Self {
        Step::Repo(e)
    }
}

impl From<Step> for ApiError {
    fn from(step: Step) -> Self {
        match step {
            Step::Repo(e) => e.into(),
            Step::Refused(e) => e,
        }
    }
}

/// Runs `f`, a request that only reads, on a read lane (`crate::read_lanes`): it answers once
/// the lane has committed its batch's audit events, 503 and nothing shown when they were not,
/// 500 when the read panicked.
async fn on_lane<T, E, F>(lanes: &ReadLanes, f: F) -> ApiResult<T>
where
    T: Send + 'static,
    E: From<RepoError> + Send + 'static,
    ApiError: From<E>,
    F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
{
    let started = std::time::Instant::now();
    let (answer, answered) = tokio::sync::oneshot::channel::<(ApiResult<T>, u64)>();
    lanes.submit(Box::new(move |conn| {
        let Some(conn) = conn else {
            let _ = answer.send((Err(ApiError::Unavailable), 0));
            return Ran {
                events: Vec::new(),
                answer: Box::new(|_, _| ()),
            };
        };
        let ((result, events), statements) = counted(|| audit::deferring(|| f(conn)));
        let result = result.map_err(ApiError::from);
        let recorded = !events.is_empty();
        Ran {
            events,
            answer: Box::new(move |committed, appended| {
                let result = match result {
                    Ok(_) if recorded && !committed => Err(ApiError::Unavailable),
                    result => result,
                };
                let appended = if recorded { appended } else { 0 };
                let _ = answer.send((result, statements + appended));
            }),
        }
    }));
    let (result, statements) = answered.await.map_err(|_| ApiError::Internal)?;
    let _ = DB_TIME.try_with(|t| t.add(started.elapsed(), statements));
    result
}

/// `f`'s value and the number of statements it ran on this thread.
fn counted<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let before = hamkke_persistence::conn::statements_on_this_thread();
    let value = f();
    let after = hamkke_persistence::conn::statements_on_this_thread();
    (value, after.wrapping_sub(before))
}

/// Time a request spent waiting for and working in the database (pool, thread switch and
/// queries) and the statements it ran, for its log line and `Server-Timing`.
#[derive(Debug, Clone, Default)]
pub struct DbTime(std::sync::Arc<DbCost>);

#[derive(Debug, Default)]
pub struct DbCost {
    micros: std::sync::atomic::AtomicU64,
    statements: std::sync::atomic::AtomicU64,
}

impl DbTime {
    fn add(&self, d: std::time::Duration, statements: u64) {
        use std::sync::atomic::Ordering::Relaxed;
        self.0
            .micros
            .fetch_add(u64::try_from(d.as_micros()).unwrap_or(u64::MAX), Relaxed);
        self.0.statements.fetch_add(statements, Relaxed);
    }

    /// Milliseconds so far.
    pub fn millis(&self) -> f64 {
        self.0.micros.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1000.0
    }

    /// Statements run so far.
    pub fn statements(&self) -> u64 {
        self.0.statements.load(std::sync::atomic::Ordering::Relaxed)
    }
}

tokio::task_local! {
    /// The database time of the request being handled.
    pub static DB_TIME: DbTime;
}
