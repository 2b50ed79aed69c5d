//! One connection type over PostgreSQL and embedded SQLite, its pool and transactions.

use std::path::PathBuf;
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};

use crate::error::{RepoError, RepoResult};

/// A database connection of either backend; repository code is written once against it.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// Runs `$body` with `$c` bound to the backend's own connection (`PgConnection` or
/// `SqliteConnection`); `$body` is compiled once for each.
///
/// For the hot reads. Through `DbConn` (diesel's `MultiConnection`) every execution renders the
/// statement's whole SQL text two or three times — to decide whether it may be cached and again
/// while collecting its binds — even when its prepared statement is cached: about a tenth of
/// the shared core in the profile of the duplicate check (bench/RESULTS.md). On the backend's
/// own connection a statement of a static shape finds its prepared statement by type and its
/// binds are collected in one walk. Both run on the same connection and transaction.
#[macro_export]
macro_rules! native {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::conn::DbConn::Pg($c) => $body,
            $crate::conn::DbConn::Sqlite($c) => $body,
        }
    };
}

/// Which database a URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    /// `postgres://` or `postgresql://` selects PostgreSQL; anything else is a SQLite path
    /// (`sqlite://data/hamkke.db`, `sqlite:///abs/path.db` or a bare path).
    pub fn from_url(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::Postgres
        } else {
            Self::Sqlite
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::Sqlite => "sqlite",
        }
    }
}

/// The file path of a SQLite URL.
pub fn sqlite_path(url: &str) -> PathBuf {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    PathBuf::from(rest)
}

const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; \
     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;";

/// Opens connections of the backend the URL names, so errors are not hidden by trying both.
#[derive(Debug, Clone)]
pub struct Manager {
    url: String,
    backend: Backend,
    /// SQLite: the commit that fills the log past 1,000 pages checkpoints it (SQLite's own
    /// default); off, a background job does (`Db::checkpoint`), off the requests' path.
    autocheckpoint: bool,
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        let mut conn = match self.backend {
            Backend::Postgres => PgConnection::establish(&self.url)
                .map(DbConn::Pg)
                .map_err(r2d2::Error::ConnectionError)?,
            Backend::Sqlite => {
                let path = sqlite_path(&self.url);
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())
                    .map_err(r2d2::Error::ConnectionError)?;
                conn.batch_execute(SQLITE_PRAGMAS)
                    .map_err(r2d2::Error::QueryError)?;
                if !self.autocheckpoint {
                    conn.batch_execute("PRAGMA wal_autocheckpoint = 0;")
                        .map_err(r2d2::Error::QueryError)?;
                }
                DbConn::Sqlite(conn)
            }
        };
        conn.set_instrumentation(count_statement);
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    /// A connection whose server went away (or stopped being the primary) is dropped when it
    /// is given back, not handed to the next request: after a failover the pool refills with
    /// connections to the new primary.
    fn has_broken(&self, conn: &mut DbConn) -> bool {
        CONNECTION_LOST.with(|lost| lost.replace(false))
            || <DbConn as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

thread_local! {
    static STATEMENTS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    /// Set when a statement on this thread found its connection lost; read (and cleared) when
    /// the connection goes back to the pool, on the thread that used it.
    static CONNECTION_LOST: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Counts each statement a pooled connection starts on the thread that runs it (a request's
/// database work runs on one blocking thread), and notes a statement that found the
/// connection lost.
fn count_statement(event: diesel::connection::InstrumentationEvent<'_>) {
    use diesel::connection::InstrumentationEvent;
    match event {
        InstrumentationEvent::StartQuery { .. } => {
            STATEMENTS.with(|n| n.set(n.get().wrapping_add(1)));
        }
        InstrumentationEvent::FinishQuery { error: Some(e), .. } if connection_lost(e) => {
            CONNECTION_LOST.with(|lost| lost.set(true));
        }
        _ => {}
    }
}

/// Whether a statement on this thread found its connection lost since the connection was
/// taken from the pool: errors that follow (a type lookup that failed with it, say) are the
/// lost connection's, 503 rather than 500.
pub fn connection_lost_here() -> bool {
    CONNECTION_LOST.with(std::cell::Cell::get)
}

/// Whether an error says the connection can serve no more: the server closed it or is gone,
/// is shutting down, or is no longer the primary (a standby after a failover refuses writes).
/// Such errors answer 503 with `Retry-After`; a retried idempotent request then completes on
/// the new primary.
pub fn connection_lost(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(
            DatabaseErrorKind::ClosedConnection
            | DatabaseErrorKind::UnableToSendCommand
            | DatabaseErrorKind::ReadOnlyTransaction,
            _,
        ) => true,
        Error::DatabaseError(_, info) => {
            let m = info.message();
            m.contains("terminating connection")
                || m.contains("the database system is shutting down")
                || m.contains("the database system is in recovery mode")
                || m.contains("server closed the connection")
        }
        _ => false,
    }
}

/// Statements started on this thread so far; the difference over a piece of work is what it
/// cost (logged per request, and the `Server-Timing` header when enabled).
pub fn statements_on_this_thread() -> u64 {
    STATEMENTS.with(std::cell::Cell::get)
}

/// A pooled connection.
pub type PooledConn = PooledConnection<Manager>;

/// Pool usage, for metrics.
#[derive(Debug, Clone, Copy)]
pub struct PoolStats {
    pub connections: u32,
    pub idle: u32,
    pub max: u32,
}

/// Creates a directory (and its parents) readable only by the server's user (0700): the
/// embedded database and its generated keys hold personal data.
pub fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

/// Creates an empty file readable only by the server's user (0600) unless it exists; SQLite
/// gives its write-ahead log and shared-memory files the database file's permissions.
fn create_private_file(path: &std::path::Path) -> std::io::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    match o.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// The database: a pool of connections of one backend.
#[derive(Clone)]
pub struct Db {
    pool: Pool<Manager>,
    backend: Backend,
}

impl Db {
    /// Opens a pool; for SQLite, creates the parent directory of the database file.
    pub fn connect(url: &str, max_size: u32, timeout: Duration) -> RepoResult<Self> {
        Self::connect_with(url, max_size, timeout, true)
    }

    /// `connect`, with SQLite's checkpoint on commit off when `autocheckpoint` is false: the
    /// server's pool, whose log a background job checkpoints (`checkpoint`), so that no request
    /// waits for a checkpoint's copy and sync. No effect on PostgreSQL.
    pub fn connect_with(
        url: &str,
        max_size: u32,
        timeout: Duration,
        autocheckpoint: bool,
    ) -> RepoResult<Self> {
        let backend = Backend::from_url(url);
        if backend == Backend::Sqlite {
            if let Some(dir) = sqlite_path(url)
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
            {
                create_private_dir(dir).map_err(|e| {
                    tracing::error!(error = %e, "cannot create the SQLite data directory");
                    RepoError::Unavailable
                })?;
            }
            create_private_file(&sqlite_path(url)).map_err(|e| {
                tracing::error!(error = %e, "cannot create the SQLite database file");
                RepoError::Unavailable
            })?;
        }
        let manager = Manager {
            url: url.to_owned(),
            backend,
            autocheckpoint,
        };
        let pool = Pool::builder()
            .max_size(max_size)
            .min_idle(Some(1))
            .connection_timeout(timeout)
            .test_on_check_out(false)
            .build(manager)
            .map_err(|e| {
                tracing::error!(error = %e, backend = backend.as_str(), "cannot open the database");
                RepoError::Unavailable
            })?;
        Ok(Self { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A connection from the pool; a timeout is `Unavailable` (503), never a hang.
    pub fn get(&self) -> RepoResult<PooledConn> {
        self.pool.get().map_err(|e| {
            tracing::warn!(error = %e, "database pool exhausted or database down");
            RepoError::Unavailable
        })
    }

    /// SQLite: copies what the write-ahead log holds into the database file, as far as the
    /// oldest reader allows, without waiting for anyone (`wal_checkpoint(PASSIVE)`); writers go
    /// on appending meanwhile. Returns the log's frames and those now copied. PostgreSQL: no-op.
    pub fn checkpoint(&self) -> RepoResult<(i64, i64)> {
        #[derive(diesel::QueryableByName)]
        struct Checkpoint {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            log: i64,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            checkpointed: i64,
        }
        if self.backend != Backend::Sqlite {
            return Ok((0, 0));
        }
        let mut conn = self.get()?;
        let DbConn::Sqlite(c) = &mut *conn else {
            return Ok((0, 0));
        };
        let r: Checkpoint = diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)")
            .get_result(c)
            .map_err(RepoError::from)?;
        Ok((r.log, r.checkpointed))
    }

    pub fn stats(&self) -> PoolStats {
        let s = self.pool.state();
        PoolStats {
            connections: s.connections,
            idle: s.idle_connections,
            max: self.pool.max_size(),
        }
    }
}

/// Runs `f`, work that only reads (and audits what it shows), as one consistent read. On
/// SQLite that is a deferred transaction: one snapshot, no write lock. On PostgreSQL, when the
/// request's audit events go to the group-commit writer (`audit::deferring`), no transaction at
/// all: under READ COMMITTED every statement takes its own snapshot inside a transaction too,
/// so `BEGIN` and `COMMIT` would only add two round trips. Otherwise (the events are written
/// here) it is `write_tx`.
/// Opened only by the unit of work (`uow::read`); `clippy.toml` forbids it anywhere else.
pub(crate) fn read_tx<T, E>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Pg(_) if crate::audit::deferring_now() => f(conn),
        #[allow(clippy::disallowed_methods)] // (a read that writes its own audit events)
        _ => write_tx(conn, f),
    }
}

/// Runs `f` in a write transaction. On SQLite it begins `IMMEDIATE`, taking the write lock up
/// front (waiting up to `busy_timeout`) so that a read-then-write never fails half way — except
/// in a request that only reads (`audit::deferring`), whose transaction is deferred and takes no
/// write lock.
/// Opened only by the unit of work (`uow::run`, `uow::system`); `clippy.toml` forbids it
/// anywhere else.
pub(crate) fn write_tx<T, E>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Sqlite(c) if crate::audit::deferring_now() => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN")?
        }
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConn::Pg(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    match f(conn) {
        Ok(value) => {
            <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            if let Err(rollback) =
                <DbConn as Connection>::TransactionManager::rollback_transaction(conn)
            {
                tracing::error!(error = %rollback, "rollback failed");
            }
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(diesel::QueryableByName)]
    struct Used {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        used: i32,
    }

    /// A pool whose commits leave the log to `checkpoint` lets it grow past SQLite's 1,000
    /// pages until the job copies all of it; with SQLite's own checkpoint on commit, the log
    /// starts again from its beginning once it was copied.
    #[test]
    fn the_log_is_checkpointed_by_the_job_not_by_commits() {
        for autocheckpoint in [false, true] {
            let path =
                std::env::temp_dir().join(format!("hamkke-ckpt-{}.db", uuid::Uuid::now_v7()));
            let url = format!("sqlite://{}", path.display());
            let db = Db::connect_with(&url, 2, Duration::from_secs(5), autocheckpoint).unwrap();
            {
                let mut conn = db.get().unwrap();
                conn.batch_execute("CREATE TABLE t (x TEXT)").unwrap();
                for _ in 0..600 {
                    conn.batch_execute("INSERT INTO t VALUES (hex(randomblob(3000)))")
                        .unwrap();
                }
            }
            let (log, copied) = db.checkpoint().unwrap();
            if autocheckpoint {
                assert!(log <= 1_010, "{log} frames though commits checkpoint");
            } else {
                assert!(log > 1_100, "{log} frames: a commit checkpointed");
            }
            assert_eq!(copied, log);
            drop(db);
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }

    /// Without the planner stability guarantee (`.cargo/config.toml`), SQLite re-parses and
    /// re-plans a cached statement with a bound LIMIT each time it is bound anew: the statement
    /// cache would save nothing on the hot path.
    #[test]
    fn the_embedded_sqlite_keeps_its_plans() {
        let mut c = SqliteConnection::establish(":memory:").unwrap();
        let r: Used = diesel::sql_query("SELECT sqlite_compileoption_used('ENABLE_QPSG') AS used")
            .get_result(&mut c)
            .unwrap();
        assert_eq!(r.used, 1, "SQLite built without SQLITE_ENABLE_QPSG");
    }
}
