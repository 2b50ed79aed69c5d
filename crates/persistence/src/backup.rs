//! Backups of the embedded database: a consistent copy of the running database (`VACUUM
//! INTO`, which reads one snapshot while writers go on), and a restore that verifies the copy —
//! its integrity and its audit chain — before it replaces a stopped server's database. A
//! running server holds a lock on `<database>.lock`; restore refuses while it is held.

use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::conn::DbConn;
use diesel::sqlite::SqliteConnection;

/// Why a backup or restore could not be done.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("backups of PostgreSQL are made with pg_dump or point-in-time recovery (see README)")]
    NotSqlite,
    #[error("{0} exists; choose a new file")]
    Exists(PathBuf),
    #[error("a server is running on {0}; stop it before restoring")]
    InUse(PathBuf),
    #[error("the backup file is not a sound hamkke database: {0}")]
    Unsound(String),
    #[error("the backup's audit chain is broken at event {0}")]
    BrokenChain(i64),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("database: {0}")]
    Db(String),
}

/// The lock file a running server holds for a SQLite database.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

/// Takes the database's lock for as long as the returned file is kept open; `InUse` if
/// another process holds it.
pub fn hold_lock(db: &Path) -> Result<std::fs::File, BackupError> {
    let path = lock_path(db);
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let f = o.open(&path)?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(std::fs::TryLockError::WouldBlock) => Err(BackupError::InUse(db.to_owned())),
        Err(std::fs::TryLockError::Error(e)) => Err(e.into()),
    }
}

/// What a backup wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BackupReport {
    pub file: PathBuf,
    pub bytes: u64,
    pub audit_events: i64,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Copies the running database into `to` (which must not exist) as one consistent snapshot;
/// the file is readable only by its owner.
pub fn backup(conn: &mut DbConn, to: &Path) -> Result<BackupReport, BackupError> {
    let DbConn::Sqlite(c) = conn else {
        return Err(BackupError::NotSqlite);
    };
    if to.exists() {
        return Err(BackupError::Exists(to.to_owned()));
    }
    // `VACUUM INTO` takes the target as a bound value: no quoting of the path.
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(to.to_string_lossy().into_owned())
        .execute(c)
        .map_err(|e| BackupError::Db(e.to_string()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o600))?;
    }
    let events = diesel::sql_query("SELECT count(*) AS n FROM audit_events")
        .get_result::<Count>(c)
        .map_err(|e| BackupError::Db(e.to_string()))?
        .n;
    Ok(BackupReport {
        file: to.to_owned(),
        bytes: std::fs::metadata(to)?.len(),
        audit_events: events,
    })
}

/// What a restore checked and did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RestoreReport {
    pub restored: PathBuf,
    /// Where the database it replaced was kept (if there was one).
    pub previous: Option<PathBuf>,
    pub audit_events: i64,
    pub migrations: i64,
}

/// Verifies `from` and puts it in place of the stopped server's database at `db`: the file must
/// pass SQLite's integrity check, hold hamkke's migrations and an unbroken audit chain. The
/// replaced database is kept beside it (`<db>.before-restore-<time>`).
pub fn restore(from: &Path, db: &Path) -> Result<RestoreReport, BackupError> {
    let _lock = hold_lock(db)?;
    let staging = db.with_extension("restore-tmp");
    let _ = std::fs::remove_file(&staging);
    std::fs::copy(from, &staging)?;
    let verified = verify(&staging);
    let (events, migrations) = match verified {
        Ok(v) => v,
        Err(e) => {
            let _ = std::fs::remove_file(&staging);
            return Err(e);
        }
    };
    let previous = if db.exists() {
        let mut p = db.as_os_str().to_owned();
        p.push(format!(
            ".before-restore-{}",
            chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
        ));
        let p = PathBuf::from(p);
        std::fs::rename(db, &p)?;
        Some(p)
    } else {
        None
    };
    for suffix in ["-wal", "-shm"] {
        let mut side = db.as_os_str().to_owned();
        side.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(side));
    }
    std::fs::rename(&staging, db)?;
    Ok(RestoreReport {
        restored: db.to_owned(),
        previous,
        audit_events: events,
        migrations,
    })
}

/// Checks a database file: integrity, migrations, audit chain. Returns (events, migrations).
fn verify(path: &Path) -> Result<(i64, i64), BackupError> {
    let mut c = SqliteConnection::establish(&path.to_string_lossy())
        .map_err(|e| BackupError::Unsound(e.to_string()))?;
    #[derive(QueryableByName)]
    struct Check {
        #[diesel(sql_type = Text)]
        integrity_check: String,
    }
    let ok = diesel::sql_query("PRAGMA integrity_check")
        .load::<Check>(&mut c)
        .map_err(|e| BackupError::Unsound(e.to_string()))?;
    if ok.first().map(|r| r.integrity_check.as_str()) != Some("ok") {
        return Err(BackupError::Unsound("integrity check failed".into()));
    }
    let migrations = diesel::sql_query("SELECT count(*) AS n FROM __diesel_schema_migrations")
        .get_result::<Count>(&mut c)
        .map_err(|_| BackupError::Unsound("no hamkke migrations in it".into()))?
        .n;
    c.batch_execute("PRAGMA foreign_keys = ON;")
        .map_err(|e| BackupError::Db(e.to_string()))?;
    let mut conn = DbConn::Sqlite(c);
    let report = crate::audit::verify(&mut conn).map_err(|e| BackupError::Db(e.to_string()))?;
    if let Some(seq) = report.first_broken_seq {
        return Err(BackupError::BrokenChain(seq));
    }
    let DbConn::Sqlite(c) = &mut conn else {
        return Err(BackupError::NotSqlite);
    };
    let events = diesel::sql_query("SELECT count(*) AS n FROM audit_events")
        .get_result::<Count>(c)
        .map_err(|e| BackupError::Db(e.to_string()))?
        .n;
    Ok((events, migrations))
}
