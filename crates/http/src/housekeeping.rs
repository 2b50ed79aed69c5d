//! Background upkeep: follow-up periods (사후관리) that are over end by themselves, referrals
//! waiting too long for an answer remind both ends and idempotency keys past their 24 hours
//! are purged (at start and every hour), the nightly scan for possible duplicate persons, and
//! the ledger's day tallies counted again every few seconds.

use std::time::Duration;

use hamkke_persistence::repo::{cases, idempotency, identity, referrals, tallies};

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

/// Reminds both ends of referrals waiting longer than `remind_days`; returns how many.
pub async fn remind_referrals(db: &DbHandle, remind_days: u32) -> usize {
    let now = hamkke_domain::now();
    match db
        .run(move |conn| referrals::remind_waiting(conn, remind_days, now))
        .await
    {
        Ok(n) => {
            if n > 0 {
                tracing::info!(reminded = n, "waiting referrals reminded");
            }
            n
        }
        Err(e) => {
            tracing::warn!(error = %e, "reminding waiting referrals failed; will retry");
            0
        }
    }
}

/// Forgets idempotency keys past their 24 hours; returns how many.
pub async fn purge_idempotency_keys(db: &DbHandle) -> usize {
    match db.run(idempotency::purge_expired).await {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(error = %e, "purging idempotency keys failed; will retry");
            0
        }
    }
}

/// Counts the ledger's marked days again (`repo::tallies`): one run, and more while a backlog
/// is left (a run that took a full batch of marks); returns how many marks it cleared. Not
/// "until none is left": while allocations are being written, every run would find the day
/// just given marked again and count it over and over.
pub async fn count_tallies(db: &DbHandle) -> usize {
    let mut total = 0;
    loop {
        match db.run(tallies::refresh).await {
            Ok(n) => {
                total += n;
                if n < tallies::MARKS_PER_RUN as usize {
                    return total;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "counting the day tallies failed; will retry");
                return total;
            }
        }
    }
}

/// Counts marked days every `interval` until the process ends (reports count what is still
/// marked from the ledger, so a lagging count only makes them slower).
pub fn spawn_tallies(db: DbHandle, interval: Duration) -> actix_web::rt::task::JoinHandle<()> {
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(interval);
        loop {
            tick.tick().await;
            count_tallies(&db).await;
        }
    })
}

/// Checkpoints the embedded database's write-ahead log every `interval` (the server's pool
/// leaves it to this job, `HAMKKE_SQLITE_CHECKPOINT_MS`): the copy into the database file and
/// its sync happen here, while requests go on reading and appending, instead of in whichever
/// request's commit filled the log.
pub fn spawn_checkpoints(db: DbHandle, interval: Duration) -> actix_web::rt::task::JoinHandle<()> {
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(interval);
        loop {
            tick.tick().await;
            let pool = db.inner().clone();
            match actix_web::web::block(move || pool.checkpoint()).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "checkpointing the database log failed; will retry")
                }
                Err(_) => tracing::warn!("checkpointing the database log did not run; will retry"),
            }
        }
    })
}

/// Runs the upkeep every `interval` until the process ends.
pub fn spawn(
    db: DbHandle,
    interval: Duration,
    referral_remind_days: u32,
) -> actix_web::rt::task::JoinHandle<()> {
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(interval);
        loop {
            tick.tick().await;
            end_follow_ups(&db).await;
            remind_referrals(&db, referral_remind_days).await;
            purge_idempotency_keys(&db).await;
        }
    })
}

/// Scans every district for possible duplicate persons once a day (the first an hour after
/// start), queueing what it finds for the coordinators' review.
pub fn spawn_duplicate_scan(db: DbHandle, every: Duration) -> actix_web::rt::task::JoinHandle<()> {
    actix_web::rt::spawn(async move {
        let start = actix_web::rt::time::Instant::now() + Duration::from_secs(3600);
        let mut tick = actix_web::rt::time::interval_at(start, every);
        loop {
            tick.tick().await;
            let today = hamkke_domain::today();
            let done = db
                .run(move |conn| {
                    let mut pairs = 0;
                    for d in identity::districts(conn)? {
                        pairs += identity::scan(conn, &d, today)?.pairs;
                    }
                    Ok(pairs)
                })
                .await;
            match done {
                Ok(pairs) => tracing::info!(pairs, "duplicate scan done"),
                Err(e) => tracing::warn!(error = %e, "duplicate scan failed; will retry tomorrow"),
            }
        }
    })
}
