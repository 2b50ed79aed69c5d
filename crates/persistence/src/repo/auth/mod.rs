//! Logins, sessions and rotating refresh tokens.

pub mod sessions;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use hamkke_domain::authz::Actor;
use hamkke_domain::org::OrgKind;
use hamkke_domain::user::{Role, User};
use serde_json::json;
use uuid::Uuid;

use super::users as user_repo;
use crate::audit::{self, AuditAction, AuditCtx, AuditEntry};
use crate::conn::DbConn;
use crate::error::corrupt;
use crate::error::{RepoError, RepoResult};
use crate::schema::{auth_sessions, organizations, refresh_tokens, users};
use crate::types::{from_db, to_db, DbUuid};

/// What a login needs to decide, loaded by username.
#[derive(Debug, Clone)]
pub struct LoginCandidate {
    pub user_id: Uuid,
    pub password_hash: String,
    /// User and organization both active.
    pub active: bool,
    pub locked_until: Option<DateTime<Utc>>,
}

/// Looks up a login by username.
pub fn find_login(conn: &mut DbConn, username: &str) -> RepoResult<Option<LoginCandidate>> {
    let row: Option<(DbUuid, String, bool, Option<NaiveDateTime>, bool)> = users::table
        .inner_join(organizations::table)
        .filter(users::username.eq(username))
        .select((
            users::id,
            users::password_hash,
            users::active,
            users::locked_until,
            organizations::active,
        ))
        .first(conn)
        .optional()?;
    Ok(
        row.map(|(id, hash, active, locked, org_active)| LoginCandidate {
            user_id: id.0,
            password_hash: hash,
            active: active && org_active,
            locked_until: locked.map(from_db),
        }),
    )
}

/// Why a login failed, for the audit trail only; the client always hears the same answer.
#[derive(Debug, Clone, Copy)]
pub enum LoginFailure {
    UnknownUser,
    BadPassword,
    Locked,
    Inactive,
}

impl LoginFailure {
    fn as_str(self) -> &'static str {
        match self {
            Self::UnknownUser => "unknown_user",
            Self::BadPassword => "bad_password",
            Self::Locked => "locked",
            Self::Inactive => "inactive",
        }
    }
}

/// Records a failed login; a wrong password counts towards the lockout.
pub fn record_failed_login(
    conn: &mut DbConn,
    ctx: &AuditCtx,
    user_id: Option<Uuid>,
    why: LoginFailure,
) -> RepoResult<()> {
    crate::uow::system(conn, "sessions", |conn| {
        let mut locked = false;
        if let (Some(id), LoginFailure::BadPassword) = (user_id, why) {
            locked = user_repo::count_bad_password(conn, id)?;
        }
        let ctx = AuditCtx {
            user_id,
            ..ctx.clone()
        };
        audit::record(
            conn,
            &ctx,
            AuditEntry::new(AuditAction::Login, "session", None).with_details(json!({
                "outcome": "failure",
                "reason": why.as_str(),
                "locked": locked,
            })),
        )
    })
}

/// Lifetimes of what a login issues.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// Absolute lifetime of a login (its refresh family).
    pub session_ttl: Duration,
    /// Lifetime of one refresh token.
    pub refresh_ttl: Duration,
}

/// A started or continued session.
#[derive(Debug, Clone)]
pub struct SessionGrant {
    pub session_id: Uuid,
    pub user: User,
}

fn insert_refresh(
    conn: &mut DbConn,
    session_id: Uuid,
    token_hash: &str,
    policy: SessionPolicy,
    session_end: DateTime<Utc>,
) -> RepoResult<()> {
    let now = hamkke_domain::now();
    let expires = (now + policy.refresh_ttl).min(session_end);
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::session_id.eq(DbUuid(session_id)),
            refresh_tokens::issued_at.eq(to_db(now)),
            refresh_tokens::expires_at.eq(to_db(expires)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Starts a session after a successful password check: clears the failure count and stores
/// the first refresh token (only its hash).
pub fn start_session(
    conn: &mut DbConn,
    ctx: &AuditCtx,
    user_id: Uuid,
    refresh_hash: &str,
    policy: SessionPolicy,
) -> RepoResult<SessionGrant> {
    crate::uow::system(conn, "sessions", |conn| {
        let now = hamkke_domain::now();
        user_repo::logged_in(conn, user_id, now)?;
        let session_end = now + policy.session_ttl;
        let session_id = sessions::open(conn, user_id, now, session_end)?;
        insert_refresh(conn, session_id, refresh_hash, policy, session_end)?;
        let (user, _) = user_repo::load(conn, user_id)?;
        let ctx = AuditCtx {
            user_id: Some(user.id),
            org_id: Some(user.org_id),
            role: Some(user.role.as_str().to_owned()),
            ..ctx.clone()
        };
        audit::record(
            conn,
            &ctx,
            AuditEntry::new(AuditAction::Login, "session", Some(session_id.to_string()))
                .with_details(json!({ "outcome": "success" })),
        )?;
        Ok(SessionGrant { session_id, user })
    })
}

/// The result of presenting a refresh token.
#[derive(Debug)]
pub enum RefreshOutcome {
    Rotated(SessionGrant),
    /// Unknown, expired, or of an ended session.
    Invalid,
    /// A token that was already rotated: the whole family has been revoked.
    Reused,
}

/// What presenting a refresh token needs to know about it, its session and its user.
#[derive(Queryable)]
struct RefreshLookup {
    session_id: DbUuid,
    expires: NaiveDateTime,
    used: Option<NaiveDateTime>,
    user_id: DbUuid,
    session_end: NaiveDateTime,
    revoked: Option<NaiveDateTime>,
    active: bool,
    org_active: bool,
}

/// Rotates a refresh token: the presented one is spent and a new one of the same family is
/// stored. Presenting a spent token again revokes the family (it was probably stolen).
pub fn rotate_refresh(
    conn: &mut DbConn,
    ctx: &AuditCtx,
    presented_hash: &str,
    new_hash: &str,
    policy: SessionPolicy,
) -> RepoResult<RefreshOutcome> {
    let outcome = crate::uow::system(conn, "sessions", |conn| -> RepoResult<RefreshOutcome> {
        let now = hamkke_domain::now();
        let found: Option<RefreshLookup> = refresh_tokens::table
            .inner_join(
                auth_sessions::table.inner_join(users::table.inner_join(organizations::table)),
            )
            .filter(refresh_tokens::token_hash.eq(presented_hash))
            .select((
                refresh_tokens::session_id,
                refresh_tokens::expires_at,
                refresh_tokens::used_at,
                auth_sessions::user_id,
                auth_sessions::expires_at,
                auth_sessions::revoked_at,
                users::active,
                organizations::active,
            ))
            .first(conn)
            .optional()?;
        let Some(RefreshLookup {
            session_id,
            expires,
            used,
            user_id,
            session_end,
            revoked,
            active,
            org_active,
        }) = found
        else {
            return Ok(RefreshOutcome::Invalid);
        };
        if used.is_some() {
            sessions::end(conn, session_id.0, "refresh_reuse")?;
            let ctx = AuditCtx {
                user_id: Some(user_id.0),
                ..ctx.clone()
            };
            audit::record(
                conn,
                &ctx,
                AuditEntry::new(
                    AuditAction::Denied,
                    "session",
                    Some(session_id.0.to_string()),
                )
                .with_details(json!({ "reason": "refresh_token_reuse", "family_revoked": true })),
            )?;
            return Ok(RefreshOutcome::Reused);
        }
        if revoked.is_some()
            || from_db(expires) <= now
            || from_db(session_end) <= now
            || !active
            || !org_active
        {
            return Ok(RefreshOutcome::Invalid);
        }
        let spent = diesel::update(
            refresh_tokens::table
                .find(presented_hash)
                .filter(refresh_tokens::used_at.is_null()),
        )
        .set(refresh_tokens::used_at.eq(Some(to_db(now))))
        .execute(conn)?;
        if spent != 1 {
            return Ok(RefreshOutcome::Invalid);
        }
        insert_refresh(conn, session_id.0, new_hash, policy, from_db(session_end))?;
        let (user, _) = user_repo::load(conn, user_id.0)?;
        Ok(RefreshOutcome::Rotated(SessionGrant {
            session_id: session_id.0,
            user,
        }))
    })?;
    Ok(outcome)
}

/// Ends one session (logout).
pub fn end_session(conn: &mut DbConn, ctx: &AuditCtx, session_id: Uuid) -> RepoResult<()> {
    crate::uow::system(conn, "sessions", |conn| {
        sessions::end(conn, session_id, "logout")?;
        audit::record(
            conn,
            ctx,
            AuditEntry::new(AuditAction::Logout, "session", Some(session_id.to_string())),
        )
    })
}

/// The actor behind an access token, loaded fresh: `None` when the user or its organization
/// is inactive, or the session has ended (logout, revocation, expiry).
pub fn load_actor(
    conn: &mut DbConn,
    user_id: Uuid,
    session_id: Uuid,
) -> RepoResult<Option<(Actor, bool)>> {
    let now = to_db(hamkke_domain::now());
    use crate::rendered::Rendered;
    use crate::schema::catalogue_version as cv;
    type Row = (
        DbUuid,
        String,
        DbUuid,
        String,
        String,
        bool,
        Option<String>,
        Option<i64>,
    );
    // The catalogue version comes with the session, in the request's first statement.
    let query = auth_sessions::table
        .inner_join(users::table.inner_join(organizations::table))
        .filter(auth_sessions::id.eq(DbUuid(session_id)))
        .filter(auth_sessions::user_id.eq(DbUuid(user_id)))
        .filter(auth_sessions::revoked_at.is_null())
        .filter(auth_sessions::expires_at.gt(now))
        .filter(users::active.eq(true))
        .filter(organizations::active.eq(true))
        .select((
            users::id,
            users::role,
            organizations::id,
            organizations::kind,
            organizations::district_code,
            users::must_change_password,
            Rendered(cv::table.select(cv::database_id).single_value()),
            Rendered(cv::table.select(cv::version).single_value()),
        ));
    // (every request runs this: on the backend's own connection)
    let row: Option<Row> = crate::native!(conn, |c| query.first(c).optional())?;
    row.map(
        |(uid, role, org_id, kind, district, must_change, database, version)| {
            crate::catalogue::observe(database.zip(version));
            Ok((
                Actor {
                    user_id: uid.0,
                    org_id: org_id.0,
                    org_kind: OrgKind::parse(&kind).ok_or_else(|| corrupt("organizations.kind"))?,
                    role: Role::parse(&role).ok_or_else(|| corrupt("users.role"))?,
                    district_code: district,
                },
                must_change,
            ))
        },
    )
    .transpose()
}

/// The stored password hash of a user (to confirm the current password before a change).
pub fn password_hash(conn: &mut DbConn, user_id: Uuid) -> RepoResult<String> {
    Ok(users::table
        .find(DbUuid(user_id))
        .select(users::password_hash)
        .first(conn)?)
}

/// The actor's own account and organization, for `GET /me`.
pub fn me(
    conn: &mut DbConn,
    actor: &Actor,
) -> RepoResult<(User, hamkke_domain::org::Organization)> {
    let (user, _) = user_repo::load(conn, actor.user_id)?;
    let org = super::orgs::load(conn, user.org_id)?;
    Ok((user, org))
}

/// The actor of an active user, for command-line operations run by an operator.
pub fn actor_for_username(conn: &mut DbConn, username: &str) -> RepoResult<Option<Actor>> {
    let row: Option<(DbUuid, String, DbUuid, String, String)> = users::table
        .inner_join(organizations::table)
        .filter(users::username.eq(username))
        .filter(users::active.eq(true))
        .select((
            users::id,
            users::role,
            organizations::id,
            organizations::kind,
            organizations::district_code,
        ))
        .first(conn)
        .optional()?;
    row.map(|(uid, role, org_id, kind, district)| {
        Ok(Actor {
            user_id: uid.0,
            org_id: org_id.0,
            org_kind: OrgKind::parse(&kind).ok_or_else(|| corrupt("organizations.kind"))?,
            role: Role::parse(&role).ok_or_else(|| corrupt("users.role"))?,
            district_code: district,
        })
    })
    .transpose()
}

/// A login budget after one attempt was counted: the attempts of the current window (of a
/// minute) and the seconds until it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginWindow {
    pub attempts: u32,
    pub reset_secs: u64,
}

impl LoginWindow {
    /// Past `limit`: the seconds to wait.
    pub fn over(&self, limit: u32) -> Option<u64> {
        (self.attempts > limit).then_some(self.reset_secs.max(1))
    }
}

/// Counts one login attempt under `key` (a client address or a username) in a fixed window of
/// a minute shared by every server of the deployment. Each step is one atomic statement, so
/// simultaneous logins (a whole office behind one address at nine o'clock) are all counted and
/// none is refused for the contention itself.
pub fn take_login_slot(conn: &mut DbConn, key: &str) -> RepoResult<LoginWindow> {
    use crate::schema::login_limits as l;
    let now = crate::now();
    let cutoff = to_db(now - chrono::Duration::seconds(60));
    let window = |attempts: i32, start: NaiveDateTime| LoginWindow {
        attempts: attempts.max(0) as u32,
        reset_secs: (from_db(start) + chrono::Duration::seconds(60) - now)
            .num_seconds()
            .max(0) as u64,
    };
    let fresh = LoginWindow {
        attempts: 1,
        reset_secs: 60,
    };
    for _ in 0..3 {
        // The current window: count this attempt.
        let counted: Option<(i32, NaiveDateTime)> =
            diesel::update(l::table.find(key).filter(l::window_start.gt(cutoff)))
                .set(l::attempts.eq(l::attempts + 1))
                .returning((l::attempts, l::window_start))
                .get_result(conn)
                .optional()?;
        if let Some((attempts, start)) = counted {
            return Ok(window(attempts, start));
        }
        // A window that is over: start a new one.
        let restarted = diesel::update(l::table.find(key).filter(l::window_start.le(cutoff)))
            .set((l::window_start.eq(to_db(now)), l::attempts.eq(1)))
            .execute(conn)?;
        if restarted == 1 {
            return Ok(fresh);
        }
        // No row yet: the first attempt (another server may write it at the same moment).
        match diesel::insert_into(l::table)
            .values((
                l::limit_key.eq(key),
                l::window_start.eq(to_db(now)),
                l::attempts.eq(1),
            ))
            .execute(conn)
        {
            Ok(_) => return Ok(fresh),
            Err(e) if RepoError::is_unique_violation(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    // Three collisions in a row: count it as over the limit for a second.
    Ok(LoginWindow {
        attempts: u32::MAX,
        reset_secs: 1,
    })
}
