//! Login sessions: opened at a login, ended by a logout, a reused refresh token, a change of
//! rights, a new password or a deactivated organization — how such a change takes effect at
//! once. (The login and the refresh tokens are the parent module's.)

use diesel::prelude::*;
use uuid::Uuid;

use crate::conn::DbConn;
use crate::error::RepoResult;
use crate::lists::in_ids;
use crate::schema::auth_sessions;
use crate::types::{to_db, DbUuid};
use chrono::{DateTime, Utc};

/// Ends every live session of the users, in one statement, so their tokens stop working on the
/// next request.
pub fn revoke(conn: &mut DbConn, user_ids: &[Uuid], reason: &str) -> RepoResult<usize> {
    Ok(diesel::update(
        auth_sessions::table
            .filter(in_ids(
                auth_sessions::user_id,
                user_ids.iter().copied().map(DbUuid),
            ))
            .filter(auth_sessions::revoked_at.is_null()),
    )
    .set((
        auth_sessions::revoked_at.eq(to_db(hamkke_domain::now())),
        auth_sessions::revoked_reason.eq(reason),
    ))
    .execute(conn)?)
}

/// Ends every other live session of a user (one's own new password: the session in use goes
/// on).
pub fn revoke_others(
    conn: &mut DbConn,
    user_id: Uuid,
    keep: Uuid,
    reason: &str,
) -> RepoResult<usize> {
    Ok(diesel::update(
        auth_sessions::table
            .filter(auth_sessions::user_id.eq(DbUuid(user_id)))
            .filter(auth_sessions::id.ne(DbUuid(keep)))
            .filter(auth_sessions::revoked_at.is_null()),
    )
    .set((
        auth_sessions::revoked_at.eq(to_db(hamkke_domain::now())),
        auth_sessions::revoked_reason.eq(reason),
    ))
    .execute(conn)?)
}

/// Opens a session of a user, from `now` until `end`. Returns its id.
pub fn open(
    conn: &mut DbConn,
    user_id: Uuid,
    now: DateTime<Utc>,
    end: DateTime<Utc>,
) -> RepoResult<Uuid> {
    let id = Uuid::now_v7();
    diesel::insert_into(auth_sessions::table)
        .values((
            auth_sessions::id.eq(DbUuid(id)),
            auth_sessions::user_id.eq(DbUuid(user_id)),
            auth_sessions::created_at.eq(to_db(now)),
            auth_sessions::expires_at.eq(to_db(end)),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Ends one session, if it is still live (a logout, a reused refresh token).
pub fn end(conn: &mut DbConn, session_id: Uuid, reason: &str) -> RepoResult<usize> {
    Ok(diesel::update(
        auth_sessions::table
            .find(DbUuid(session_id))
            .filter(auth_sessions::revoked_at.is_null()),
    )
    .set((
        auth_sessions::revoked_at.eq(to_db(hamkke_domain::now())),
        auth_sessions::revoked_reason.eq(reason),
    ))
    .execute(conn)?)
}
