//! hamkke persistence: the diesel schema, one connection type over PostgreSQL and embedded
//! SQLite, repositories, the workflows that span them (`app`) and the audit
//! writer. Rows never leave this crate.

pub mod app;
pub mod audit;
pub mod backup;
pub mod catalogue;
pub mod conn;
pub mod crypto;
pub mod error;
pub mod guard;
pub mod kept;
pub mod lists;
pub mod migrate;
pub mod rendered;
pub mod repo;
pub mod retention;
pub mod rotation;
pub mod schema;
pub mod scope;
#[cfg(test)]
pub(crate) mod test_db;
pub mod types;
pub mod uow;

pub use conn::{Backend, Db, DbConn, PoolStats};
pub use error::{RepoError, RepoResult};

/// Current time in UTC at the precision both databases keep.
pub fn today() -> chrono::NaiveDate {
    hamkke_domain::today()
}

pub fn now() -> chrono::DateTime<chrono::Utc> {
    hamkke_domain::now()
}
