//! The single background task that seals audit events into the hash chain.

use std::time::Duration;

use hamkke_persistence::audit;

use crate::db::DbHandle;

/// Events sealed per transaction.
const BATCH: i64 = 500;

/// Seals everything pending now; returns how many events were sealed.
pub async fn seal_all(db: &DbHandle) -> usize {
    let mut total = 0;
    loop {
        match db.run(|conn| audit::seal_pending(conn, BATCH)).await {
            Ok(0) => return total,
            Ok(n) => total += n,
            Err(e) => {
                tracing::warn!(error = %e, "audit sealing failed; will retry");
                return total;
            }
        }
    }
}

/// Runs the sealer every `interval` until the process ends.
pub fn spawn(db: DbHandle, interval: Duration) -> actix_web::rt::task::JoinHandle<()> {
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(interval);
        loop {
            tick.tick().await;
            seal_all(&db).await;
        }
    })
}
