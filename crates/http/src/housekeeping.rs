//! Background upkeep of case data: follow-up periods (사후관리) that are over end by
//! themselves, checked at start and every hour.

use std::time::Duration;

use hamkke_persistence::repo::cases;

use crate::db::DbHandle;

/// Ends every follow-up whose period is over; returns how many ended.
pub async fn end_follow_ups(db: &DbHandle) -> usize {
    let today = hamkke_domain::today();
    match db.run(move |conn| cases::end_follow_ups(conn, today)).await {
        Ok(n) => {
            if n > 0 {
                tracing::info!(ended = n, "follow-up periods ended");
            }
            n
        }
        Err(e) => {
            tracing::warn!(error = %e, "ending follow-ups failed; will retry");
            0
        }
    }
}

/// Runs the upkeep every `interval` until the process ends.
pub fn spawn(db: DbHandle, interval: Duration) -> actix_web::rt::task::JoinHandle<()> {
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(interval);
        loop {
            tick.tick().await;
            end_follow_ups(&db).await;
        }
    })
}
