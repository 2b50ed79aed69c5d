//! Idempotency keys: the first request with a key claims it; its response is stored and
//! replayed for 24 hours to the same user sending the same key with the same request.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use uuid::Uuid;

use crate::conn::DbConn;
use crate::error::{RepoError, RepoResult};
use crate::schema::idempotency_keys as keys;
use crate::types::{to_db, DbUuid};

/// How long a key and its response are kept.
pub const LIFETIME_HOURS: i64 = 24;

/// What a request with a key may do.
#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    /// First use: go ahead, then `store` or `release`.
    New,
    /// The stored response of the earlier, identical request.
    Replay { status: u16, response: String },
    /// The key was used for a different request.
    Mismatch,
    /// The first request with this key is still running (its lease has not run out).
    InProgress,
    /// The first request's change committed but its response was never stored (the server
    /// stopped in between): `resource` names what it created or changed, `type/id`.
    Committed { resource: Option<String> },
}

/// Claims `key` for `user`, or says why not. Every statement finds the key by its primary key
/// (one index lookup, whatever the table holds): an expired key of the same name is forgotten
/// first; the rest of the expired keys are purged by the hourly job (`purge_expired`). A
/// claim is a lease of `lease_secs`: when it runs out with nothing committed (the server
/// stopped mid-request), the next retry takes the key over and runs the request again.
/// `token` names this claim (one per request), for `release`.
pub fn claim(
    conn: &mut DbConn,
    user: Uuid,
    key: &str,
    fingerprint: &str,
    lease_secs: i64,
    token: &str,
) -> RepoResult<Claim> {
    // A key given back between this claim's look and its read (a release landing late) is
    // claimed again rather than answered 404.
    for _ in 0..3 {
        if let Some(claim) = claim_once(conn, user, key, fingerprint, lease_secs, token)? {
            return Ok(claim);
        }
    }
    Ok(Claim::InProgress)
}

fn claim_once(
    conn: &mut DbConn,
    user: Uuid,
    key: &str,
    fingerprint: &str,
    lease_secs: i64,
    token: &str,
) -> RepoResult<Option<Claim>> {
    let now = crate::now();
    let expired = to_db(now - Duration::hours(LIFETIME_HOURS));
    let lease_until = to_db(now + Duration::seconds(lease_secs));
    let inserted = crate::uow::system(conn, "idempotency", |conn| -> RepoResult<bool> {
        diesel::delete(
            keys::table
                .find((DbUuid(user), key))
                .filter(keys::created_at.lt(expired)),
        )
        .execute(conn)?;
        let exists = keys::table
            .find((DbUuid(user), key))
            .count()
            .get_result::<i64>(conn)?
            > 0;
        if exists {
            return Ok(false);
        }
        diesel::insert_into(keys::table)
            .values((
                keys::user_id.eq(DbUuid(user)),
                keys::idem_key.eq(key),
                keys::fingerprint.eq(fingerprint),
                keys::created_at.eq(to_db(now)),
                keys::lease_until.eq(Some(lease_until)),
                keys::claim_token.eq(Some(token)),
            ))
            .execute(conn)
            .map(|_| true)
            .or_else(|e| {
                // A concurrent first use won the insert.
                if RepoError::is_unique_violation(&e) {
                    Ok(false)
                } else {
                    Err(e.into())
                }
            })
    });
    if inserted? {
        return Ok(Some(Claim::New));
    }
    type Row = (
        String,
        Option<i32>,
        Option<String>,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
        Option<String>,
    );
    let found: Option<Row> = keys::table
        .find((DbUuid(user), key))
        .select((
            keys::fingerprint,
            keys::status_code,
            keys::response,
            keys::lease_until,
            keys::committed_at,
            keys::committed_resource,
        ))
        .first(conn)
        .optional()?;
    let Some((stored_fingerprint, status, response, lease, committed_at, resource)) = found else {
        return Ok(None);
    };
    if stored_fingerprint != fingerprint {
        return Ok(Some(Claim::Mismatch));
    }
    if let (Some(status), Some(response)) = (status, response) {
        return Ok(Some(Claim::Replay {
            status: u16::try_from(status).unwrap_or(500),
            response,
        }));
    }
    // While the lease holds, the first request is alive (maybe between its commit and storing
    // its response); after it, a commit without a response means the server stopped.
    let now_db = to_db(now);
    if lease.is_some_and(|l| l > now_db) {
        return Ok(Some(Claim::InProgress));
    }
    if committed_at.is_some() {
        return Ok(Some(Claim::Committed { resource }));
    }
    // The lease ran out and nothing committed: take the key over (one retry wins).
    let mut take = diesel::update(keys::table.find((DbUuid(user), key)))
        .filter(keys::committed_at.is_null())
        .filter(keys::status_code.is_null())
        .into_boxed();
    take = match lease {
        Some(l) => take.filter(keys::lease_until.eq(l)),
        None => take.filter(keys::lease_until.is_null()),
    };
    let taken = take
        .set((
            keys::lease_until.eq(Some(lease_until)),
            keys::claim_token.eq(Some(token)),
        ))
        .execute(conn)?;
    Ok(Some(if taken == 1 {
        Claim::New
    } else {
        Claim::InProgress
    }))
}

/// Marks the key's request as committed, in the transaction of the change it guards, naming
/// what it changed; a retry after a crash then answers with that instead of running again.
pub fn mark_committed(
    conn: &mut DbConn,
    user: Uuid,
    key: &str,
    resource: Option<String>,
) -> RepoResult<()> {
    diesel::update(keys::table.find((DbUuid(user), key)))
        .filter(keys::committed_at.is_null())
        .set((
            keys::committed_at.eq(Some(to_db(crate::now()))),
            keys::committed_resource.eq(resource),
        ))
        .execute(conn)?;
    Ok(())
}

/// Stores the response of a claimed key.
pub fn store(
    conn: &mut DbConn,
    user: Uuid,
    key: &str,
    status: u16,
    response: &str,
) -> RepoResult<()> {
    diesel::update(keys::table.find((DbUuid(user), key)))
        .set((
            keys::status_code.eq(Some(i32::from(status))),
            keys::response.eq(Some(response)),
        ))
        .execute(conn)?;
    Ok(())
}

/// The plan of the key lookup (`EXPLAIN` on PostgreSQL, `EXPLAIN QUERY PLAN` on SQLite), for
/// the test that keeps it an index lookup.
pub fn lookup_plan(conn: &mut DbConn, user: Uuid, key: &str) -> RepoResult<String> {
    use diesel::sql_types::Text;
    #[derive(QueryableByName)]
    struct PgLine {
        #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
        line: String,
    }
    #[derive(QueryableByName)]
    struct SqliteLine {
        #[diesel(sql_type = Text)]
        detail: String,
    }
    let key = key.replace('\'', "''");
    Ok(match conn {
        DbConn::Pg(c) => diesel::sql_query(format!(
            "EXPLAIN SELECT fingerprint FROM idempotency_keys WHERE user_id = '{user}' AND idem_key = '{key}'"
        ))
        .load::<PgLine>(c)?
        .into_iter()
        .map(|l| l.line)
        .collect::<Vec<_>>()
        .join("\n"),
        DbConn::Sqlite(c) => diesel::sql_query(format!(
            "EXPLAIN QUERY PLAN SELECT fingerprint FROM idempotency_keys WHERE user_id = '{user}' AND idem_key = '{key}'"
        ))
        .load::<SqliteLine>(c)?
        .into_iter()
        .map(|l| l.detail)
        .collect::<Vec<_>>()
        .join("\n"),
    })
}

/// Gives back the key `token` claimed (the request failed in a way worth retrying); a key
/// another request holds now is left alone. A key whose change committed is kept — the
/// request's answer was lost (its connection went down after the commit), not its change — and
/// only its lease ends, so a retry answers with what committed instead of running again.
pub fn release(conn: &mut DbConn, user: Uuid, key: &str, token: &str) -> RepoResult<()> {
    let forgotten = diesel::delete(keys::table.find((DbUuid(user), key)))
        .filter(keys::claim_token.eq(token))
        .filter(keys::committed_at.is_null())
        .filter(keys::status_code.is_null())
        .execute(conn)?;
    if forgotten == 0 {
        diesel::update(keys::table.find((DbUuid(user), key)))
            .filter(keys::claim_token.eq(token))
            .filter(keys::status_code.is_null())
            .set(keys::lease_until.eq(None::<NaiveDateTime>))
            .execute(conn)?;
    }
    Ok(())
}

/// Forgets every key older than 24 hours; returns how many.
pub fn purge_expired(conn: &mut DbConn) -> RepoResult<usize> {
    let expired = to_db(crate::now() - Duration::hours(LIFETIME_HOURS));
    Ok(diesel::delete(keys::table.filter(keys::created_at.lt(expired))).execute(conn)?)
}
