//! Embedded migrations, one set per backend, run at start and by `hamkke migrate`.

use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::conn::DbConn;
use crate::error::{RepoError, RepoResult};

const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// Applies every pending migration; returns how many ran.
pub fn run(conn: &mut DbConn) -> RepoResult<usize> {
    let applied = match conn {
        DbConn::Pg(c) => c.run_pending_migrations(POSTGRES).map(|v| v.len()),
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE).map(|v| v.len()),
    };
    applied.map_err(|e| {
        tracing::error!(error = %e, "migration failed");
        RepoError::Unavailable
    })
}

/// Applies the pending migrations up to and including the one whose directory name starts
/// with `last` (e.g. `2026-11-30-000007`); for tests that plant rows of an older schema.
pub fn run_through(conn: &mut DbConn, last: &str) -> RepoResult<usize> {
    fn go<B: diesel::backend::Backend>(
        c: &mut impl MigrationHarness<B>,
        source: EmbeddedMigrations,
        last: &str,
    ) -> diesel::migration::Result<usize> {
        let mut applied = 0;
        for m in c.pending_migrations(source)? {
            let name = m.name().to_string();
            if name.as_str() > last && !name.starts_with(last) {
                break;
            }
            c.run_migration(&*m)?;
            applied += 1;
        }
        Ok(applied)
    }
    let applied = match conn {
        DbConn::Pg(c) => go(c, POSTGRES, last),
        DbConn::Sqlite(c) => go(c, SQLITE, last),
    };
    applied.map_err(|e| {
        tracing::error!(error = %e, "migration failed");
        RepoError::Unavailable
    })
}
