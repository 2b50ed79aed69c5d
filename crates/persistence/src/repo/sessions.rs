//! Login sessions: ending them is how a change of rights takes effect at once.

use diesel::prelude::*;
use uuid::Uuid;

use crate::conn::DbConn;
use crate::error::RepoResult;
use crate::schema::auth_sessions;
use crate::types::{to_db, DbUuid};

/// Ends every live session of a user, so its tokens stop working on the next request.
pub fn revoke(conn: &mut DbConn, user_id: Uuid, reason: &str) -> RepoResult<usize> {
    Ok(diesel::update(
        auth_sessions::table
            .filter(auth_sessions::user_id.eq(DbUuid(user_id)))
            .filter(auth_sessions::revoked_at.is_null()),
    )
    .set((
        auth_sessions::revoked_at.eq(to_db(hamkke_domain::now())),
        auth_sessions::revoked_reason.eq(reason),
    ))
    .execute(conn)?)
}
