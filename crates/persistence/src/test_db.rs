//! A database for the crate's own tests: a migrated SQLite file with one connection that notes
//! every statement it keeps prepared.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::connection::{Connection, Instrumentation, InstrumentationEvent};
use uuid::Uuid;

use crate::conn::{Db, DbConn, PooledConn};

/// The database, its connection and the SQL of each statement the connection cached, in the
/// order it cached them; its files (WAL included) are removed when it is dropped.
pub(crate) struct CachingDb {
    conn: Option<PooledConn>,
    _db: Db,
    path: PathBuf,
    pub cached: Arc<Mutex<Vec<String>>>,
}

impl CachingDb {
    /// A new database in the temporary directory, its file named after `name`.
    pub fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!("hamkke-{name}-{}.db", Uuid::now_v7()));
        let url = format!("sqlite://{}", path.display());
        let db = Db::connect_with(&url, 1, Duration::from_secs(5), true).unwrap();
        let mut conn = db.get().unwrap();
        crate::migrate::run(&mut conn).unwrap();
        let cached = Arc::new(Mutex::new(Vec::<String>::new()));
        let seen = cached.clone();
        let note = move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::CacheQuery { sql, .. } = event {
                seen.lock().unwrap().push(sql.to_owned());
            }
        };
        conn.set_instrumentation(Box::new(note) as Box<dyn Instrumentation>);
        Self {
            conn: Some(conn),
            _db: db,
            path,
            cached,
        }
    }

    pub fn conn(&mut self) -> &mut DbConn {
        self.conn.as_mut().unwrap()
    }
}

impl Drop for CachingDb {
    fn drop(&mut self) {
        self.conn.take();
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.path.display()));
        }
    }
}
