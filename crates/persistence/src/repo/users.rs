//! User accounts.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use hamkke_domain::authz::{self, Actor, UserChange, UserFacts};
use hamkke_domain::event::{Change, Record, RecordChange};
use hamkke_domain::org::{OrgKind, Organization};
use hamkke_domain::user::{NewUser, Role, User, UserPatch};
use hamkke_domain::DomainError;
use serde_json::json;
use uuid::Uuid;

use super::orgs;
use super::page::{Page, PageRequest};
use crate::audit::AuditCtx;
use crate::conn::DbConn;
use crate::error::corrupt;
use crate::error::{RepoError, RepoResult};
use crate::schema::{organizations, users};
use crate::scope;
use crate::types::{from_db, to_db, DbUuid};
use crate::uow::Tx;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub(crate) struct UserRow {
    id: DbUuid,
    username: String,
    display_name: String,
    org_id: DbUuid,
    role: String,
    active: bool,
    locked_until: Option<NaiveDateTime>,
    last_login_at: Option<NaiveDateTime>,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    work_phone: Option<String>,
    work_email: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct NewUserRow<'a> {
    id: DbUuid,
    username: &'a str,
    display_name: &'a str,
    password_hash: &'a str,
    org_id: DbUuid,
    role: &'a str,
    active: bool,
    failed_logins: i32,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    activation_hash: Option<&'a str>,
    activation_expires_at: Option<NaiveDateTime>,
}

impl TryFrom<UserRow> for User {
    type Error = RepoError;
    fn try_from(r: UserRow) -> RepoResult<Self> {
        Ok(User {
            id: r.id.0,
            username: r.username,
            display_name: r.display_name,
            org_id: r.org_id.0,
            role: Role::parse(&r.role).ok_or_else(|| corrupt("users.role"))?,
            active: r.active,
            locked_until: r.locked_until.map(from_db),
            last_login_at: r.last_login_at.map(from_db),
            work_phone: r.work_phone,
            work_email: r.work_email,
            version: r.version,
            created_at: from_db(r.created_at),
            updated_at: from_db(r.updated_at),
        })
    }
}

/// Loads a user with its organization's district, without a permission check.
pub(crate) fn load(conn: &mut DbConn, id: Uuid) -> RepoResult<(User, (String, OrgKind))> {
    let (row, district, kind): (UserRow, String, String) = users::table
        .inner_join(organizations::table)
        .filter(users::id.eq(DbUuid(id)))
        .select((
            UserRow::as_select(),
            organizations::district_code,
            organizations::kind,
        ))
        .first(conn)?;
    let kind = OrgKind::parse(&kind).ok_or_else(|| corrupt("organizations.kind"))?;
    Ok((row.try_into()?, (district, kind)))
}

pub(crate) fn facts(user: &User, (district, org_kind): (String, OrgKind)) -> UserFacts {
    UserFacts {
        id: user.id,
        org_id: user.org_id,
        org_kind,
        role: user.role,
        district_code: district,
    }
}

/// Inserts a user with no permission check: for the CLI's bootstrap and seeding.
pub fn insert_unchecked(conn: &mut DbConn, new: &NewUser) -> RepoResult<User> {
    let org = orgs::load(conn, new.org_id).map_err(|e| match e {
        RepoError::NotFound => {
            DomainError::invalid("org_id", "invalid_reference", "no such organization").into()
        }
        other => other,
    })?;
    new.role.fits(org.kind)?;
    let now = to_db(hamkke_domain::now());
    let id = Uuid::now_v7();
    let row = NewUserRow {
        id: id.into(),
        username: new.username.as_str(),
        display_name: &new.display_name,
        password_hash: &new.password_hash,
        org_id: new.org_id.into(),
        role: new.role.as_str(),
        active: true,
        failed_logins: 0,
        version: 1,
        created_at: now,
        updated_at: now,
        activation_hash: new.activation.as_ref().map(|(h, _)| h.as_str()),
        activation_expires_at: new.activation.as_ref().map(|(_, until)| to_db(*until)),
    };
    diesel::insert_into(users::table)
        .values(&row)
        .execute(conn)
        .map_err(|e| {
            if RepoError::is_unique_violation(&e) {
                RepoError::conflict("username_taken", "a user with this username already exists")
            } else {
                e.into()
            }
        })?;
    Ok(load(conn, id)?.0)
}

/// The organization an `org_id` in a body names, read like its id in a path: one the caller
/// may not know is an unknown reference (400), before any rule about it.
fn org_reference(conn: &mut DbConn, actor: &Actor, id: Uuid) -> RepoResult<Organization> {
    match orgs::load(conn, id) {
        Ok(org) if authz::view_org(actor, &org.facts()).is_ok() => Ok(org),
        Ok(_) | Err(RepoError::NotFound) => {
            Err(DomainError::invalid("org_id", "invalid_reference", "no such organization").into())
        }
        Err(e) => Err(e),
    }
}

/// Creates a user, within the actor's rights.
pub fn create(tx: &mut Tx<'_>, new: NewUser) -> RepoResult<User> {
    let actor = tx.actor();
    let org = org_reference(tx.conn(), actor, new.org_id)?;
    // The first accounts of an organization are activation codes: whoever creates them
    // never knows the password. (The organization's row is locked while deciding, so two
    // first accounts at once are both judged first.)
    crate::guard::lock_org(tx.conn(), org.id)?;
    let has_users: bool = diesel::select(diesel::dsl::exists(
        users::table.filter(users::org_id.eq(DbUuid(org.id))),
    ))
    .get_result(tx.conn())?;
    if !has_users && new.role == Role::OrgAdmin && new.activation.is_some() {
        // Opening a new organization with its first admin.
        authz::open_org_admin(actor, &org.facts())?;
    } else {
        authz::create_user(actor, &org.facts(), new.role)?;
    }
    new.role.fits(org.kind)?;
    if !has_users && new.activation.is_none() {
        return Err(DomainError::invalid(
            "password",
            "not_allowed",
            "the first accounts of an organization are created with an activation code: leave out the password",
        )
        .into());
    }
    let user = insert_unchecked(tx.conn(), &new)?;
    tx.record(
        RecordChange::new(Record::User, Change::Created, user.id)
            .details(json!({ "org_id": user.org_id, "role": user.role.as_str() }))
            .into(),
        None,
    )?;
    Ok(user)
}

/// One user the actor may see.
pub fn get(conn: &mut DbConn, actor: &Actor, id: Uuid) -> RepoResult<User> {
    let (user, district) = load(conn, id)?;
    authz::view_user(actor, &facts(&user, district))?;
    Ok(user)
}

/// Filters of the user listing.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub org_id: Option<Uuid>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    pub sort: super::page::Sort,
}

/// The users the actor may see, by id.
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    filter: &UserFilter,
    page: PageRequest,
) -> RepoResult<Page<User>> {
    if let Some(o) = filter.org_id {
        super::refs::org(conn, actor, o, "org_id")?;
    }
    let mut q = users::table
        .select(UserRow::as_select())
        .limit(page.limit + 1)
        .into_boxed();
    q = match filter.sort {
        super::page::Sort::Created => q.order(users::id.asc()),
        super::page::Sort::Name => q.order((users::display_name.asc(), users::id.asc())),
    };
    q = q.filter(scope::users(actor));
    if let Some(o) = filter.org_id {
        q = q.filter(users::org_id.eq(DbUuid(o)));
    }
    if let Some(r) = filter.role {
        q = q.filter(users::role.eq(r.as_str()));
    }
    if let Some(a) = filter.active {
        q = q.filter(users::active.eq(a));
    }
    if let Some(after) = page.after {
        let after = DbUuid(after);
        q = match filter.sort {
            super::page::Sort::Created => q.filter(users::id.gt(after)),
            super::page::Sort::Name => {
                // The cursor's own name, read here: a cursor of a user the caller may not see
                // (or of none) starts past nothing it could not see anyway.
                let name: Option<String> = users::table
                    .filter(users::id.eq(after))
                    .filter(scope::users(actor))
                    .select(users::display_name)
                    .first(conn)
                    .optional()?;
                let name = name.unwrap_or_default();
                q.filter(
                    users::display_name
                        .gt(name.clone())
                        .or(users::display_name.eq(name).and(users::id.gt(after))),
                )
            }
        };
    }
    let items = q
        .load(conn)?
        .into_iter()
        .map(User::try_from)
        .collect::<RepoResult<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, page.limit, |u| u.id))
}

/// Applies a change when `expected_version` is still current, and says which of the user's
/// sessions it ends: a change of role, organization or activity, or a new password, ends them
/// (the workflow `app::access::update_user` does).
pub fn update(
    tx: &mut Tx<'_>,
    id: Uuid,
    expected_version: i32,
    patch: UserPatch,
) -> RepoResult<(User, EndSessions)> {
    let actor = tx.actor();
    let (current, district) = load(tx.conn(), id)?;
    let new_org = patch.org_id.filter(|o| *o != current.org_id);
    let moved_to = new_org
        .map(|o| org_reference(tx.conn(), actor, o))
        .transpose()?;
    let change = UserChange {
        new_role: patch.role.filter(|r| *r != current.role),
        new_org,
        new_org_kind: moved_to.as_ref().map(|o| o.kind),
        active: patch.active.filter(|a| *a != current.active),
        password: patch.password_hash.is_some() && actor.user_id != id,
    };
    authz::update_user(actor, &facts(&current, district), &change)?;
    let role = patch.role.unwrap_or(current.role);
    let org_id = patch.org_id.unwrap_or(current.org_id);
    if change.new_role.is_some() || change.new_org.is_some() {
        let org = match moved_to {
            Some(org) => org,
            None => org_reference(tx.conn(), actor, org_id)?,
        };
        role.fits(org.kind)?;
    }
    crate::update_versioned!(
        tx.conn(),
        users,
        id,
        expected_version,
        (
            users::display_name.eq(patch
                .display_name
                .clone()
                .unwrap_or(current.display_name.clone())),
            users::role.eq(role.as_str()),
            users::org_id.eq(DbUuid(org_id)),
            users::active.eq(patch.active.unwrap_or(current.active)),
            users::work_phone.eq(patch
                .work_phone
                .clone()
                .unwrap_or(current.work_phone.clone())),
            users::work_email.eq(patch
                .work_email
                .clone()
                .unwrap_or(current.work_email.clone())),
        )
    )?;
    let own = actor.user_id == id;
    if let Some(hash) = &patch.password_hash {
        // Set by someone else, a password is temporary: it must be changed at next login.
        diesel::update(users::table.find(DbUuid(id)))
            .set((
                users::password_hash.eq(hash),
                users::failed_logins.eq(0),
                users::locked_until.eq(None::<NaiveDateTime>),
                users::must_change_password.eq(!own),
            ))
            .execute(tx.conn())?;
    }
    let access_changed = change.new_role.is_some()
        || change.new_org.is_some()
        || change.active == Some(false)
        || (patch.password_hash.is_some() && !own);
    let ends = if access_changed {
        EndSessions::All
    } else if patch.password_hash.is_some() {
        // One's own new password ends every other session, not the one in use.
        EndSessions::AllBut(patch.session_id)
    } else {
        EndSessions::None
    };
    if patch.password_hash.is_some() && !own {
        // The user's organization admins are told (and it is audited as its own event).
        tx.record(
            hamkke_domain::event::DomainEvent::PasswordReset {
                user_id: id,
                org_id: current.org_id,
            },
            None,
        )?;
    }
    let fields: Vec<&str> = [
        patch.display_name.as_ref().map(|_| "display_name"),
        change.new_role.map(|_| "role"),
        change.new_org.map(|_| "org_id"),
        change.active.map(|_| "active"),
        patch.password_hash.as_ref().map(|_| "password"),
        patch.work_phone.as_ref().map(|_| "work_phone"),
        patch.work_email.as_ref().map(|_| "work_email"),
    ]
    .into_iter()
    .flatten()
    .collect();
    tx.record(
        RecordChange::new(Record::User, Change::Updated, id)
            .details(json!({
                "fields": fields,
                "role": role.as_str(),
                "org_id": org_id,
            }))
            .into(),
        None,
    )?;
    Ok((load(tx.conn(), id)?.0, ends))
}

/// The sessions of a user that a change of the user ends (`app::access` ends them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndSessions {
    /// Nothing of the user's access changed.
    None,
    /// Every one: a new role, organization or deactivation, or a password set by someone else.
    All,
    /// Every one but the session in use: one's own new password.
    AllBut(Uuid),
}

/// The users of an organization, active or not.
pub fn ids_of_org(conn: &mut DbConn, org_id: Uuid) -> RepoResult<Vec<Uuid>> {
    Ok(users::table
        .filter(users::org_id.eq(DbUuid(org_id)))
        .select(users::id)
        .load::<DbUuid>(conn)?
        .into_iter()
        .map(|u| u.0)
        .collect())
}

/// Whether a username is taken.
pub fn username_exists(conn: &mut DbConn, username: &str) -> RepoResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        users::table.filter(users::username.eq(username)),
    ))
    .get_result(conn)?)
}

/// Sets the password of an account created with an activation code, once: the code must match
/// and be unexpired (72 hours), the account active. A wrong, used or expired code, or an
/// unknown username, answer alike (`activation_invalid`).
pub fn activate(
    conn: &mut DbConn,
    ctx: &AuditCtx,
    username: &str,
    code_hash: &str,
    password_hash: &str,
) -> RepoResult<Uuid> {
    crate::uow::system(conn, "activation", |conn| {
        let now = to_db(hamkke_domain::now());
        let id: Option<DbUuid> = diesel::update(
            users::table
                .filter(users::username.eq(username))
                .filter(users::active.eq(true))
                .filter(users::activation_hash.eq(code_hash))
                .filter(users::activation_expires_at.gt(now)),
        )
        .set((
            users::password_hash.eq(password_hash),
            users::activation_hash.eq(None::<String>),
            users::activation_expires_at.eq(None::<NaiveDateTime>),
            users::must_change_password.eq(false),
            users::failed_logins.eq(0),
            users::updated_at.eq(now),
        ))
        .returning(users::id)
        .get_result(conn)
        .optional()?;
        let Some(id) = id else {
            return Err(DomainError::invalid(
                "activation_code",
                "activation_invalid",
                "the code is wrong, used or expired; ask for a new account",
            )
            .into());
        };
        let district: String = organizations::table
            .inner_join(users::table)
            .filter(users::id.eq(id))
            .select(organizations::district_code)
            .first(conn)?;
        crate::uow::system_event(
            conn,
            ctx,
            &district,
            RecordChange::new(Record::User, Change::Updated, id.0)
                .details(json!({ "activated": true }))
                .into(),
            None,
        )?;
        Ok(id.0)
    })
}

/// A user the actor may see (`authz::view_user`).
pub fn reference(conn: &mut DbConn, actor: &Actor, id: Uuid, field: &str) -> RepoResult<()> {
    match get(conn, actor, id) {
        Ok(_) => Ok(()),
        Err(RepoError::NotFound) | Err(RepoError::Domain(DomainError::Forbidden { .. })) => {
            super::refs::unknown(field)
        }
        Err(e) => Err(e),
    }
}

/// A wrong password at login counted; at the limit the account is locked for a while
/// (`user::lock_after_failure`) and the count starts again. Returns whether it locked.
pub(crate) fn count_bad_password(conn: &mut DbConn, id: Uuid) -> RepoResult<bool> {
    let count: i32 = diesel::update(users::table.find(DbUuid(id)))
        .set(users::failed_logins.eq(users::failed_logins + 1))
        .returning(users::failed_logins)
        .get_result(conn)?;
    let Some(until) = hamkke_domain::user::lock_after_failure(count, hamkke_domain::now()) else {
        return Ok(false);
    };
    diesel::update(users::table.find(DbUuid(id)))
        .set((
            users::locked_until.eq(Some(to_db(until))),
            users::failed_logins.eq(0),
        ))
        .execute(conn)?;
    Ok(true)
}

/// A successful login: the failure count and any lock cleared, the time kept.
pub(crate) fn logged_in(conn: &mut DbConn, id: Uuid, at: DateTime<Utc>) -> RepoResult<()> {
    diesel::update(users::table.find(DbUuid(id)))
        .set((
            users::failed_logins.eq(0),
            users::locked_until.eq(None::<NaiveDateTime>),
            users::last_login_at.eq(Some(to_db(at))),
        ))
        .execute(conn)?;
    Ok(())
}
