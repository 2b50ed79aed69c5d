//! Idempotency keys: the first request with a key claims it; its response is stored and
//! replayed for 24 hours to the same user sending the same key with the same request.

use chrono::Duration;
use diesel::prelude::*;
use uuid::Uuid;

use crate::conn::{write_tx, DbConn};
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
    /// The first request with this key is still running.
    InProgress,
}

/// Claims `key` for `user`, or says why not. Keys older than 24 hours are forgotten first.
pub fn claim(conn: &mut DbConn, user: Uuid, key: &str, fingerprint: &str) -> RepoResult<Claim> {
    let now = crate::now();
    let expired = to_db(now - Duration::hours(LIFETIME_HOURS));
    let inserted = write_tx(conn, |conn| -> RepoResult<bool> {
        diesel::delete(
            keys::table
                .filter(keys::user_id.eq(DbUuid(user)))
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
        return Ok(Claim::New);
    }
    let (stored_fingerprint, status, response): (String, Option<i32>, Option<String>) = keys::table
        .find((DbUuid(user), key))
        .select((keys::fingerprint, keys::status_code, keys::response))
        .first(conn)?;
    Ok(match (status, response) {
        _ if stored_fingerprint != fingerprint => Claim::Mismatch,
        (Some(status), Some(response)) => Claim::Replay {
            status: u16::try_from(status).unwrap_or(500),
            response,
        },
        _ => Claim::InProgress,
    })
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

/// Gives a claimed key back (the request failed in a way worth retrying).
pub fn release(conn: &mut DbConn, user: Uuid, key: &str) -> RepoResult<()> {
    diesel::delete(keys::table.find((DbUuid(user), key))).execute(conn)?;
    Ok(())
}

/// Forgets every key older than 24 hours; returns how many.
pub fn purge_expired(conn: &mut DbConn) -> RepoResult<usize> {
    let expired = to_db(crate::now() - Duration::hours(LIFETIME_HOURS));
    Ok(diesel::delete(keys::table.filter(keys::created_at.lt(expired))).execute(conn)?)
}
