//! The unit of work: one value for a change in progress — the connection inside its
//! transaction, the acting user and the audit context — that checks rules and records what
//! happened. `record(event)` writes the timeline entry, the audit event, the notifications and
//! the outbox row of a domain event together, in the transaction of the change: all or none.
//!
//! Repository functions take the `Tx` of their caller (`fn f(tx: &mut Tx<'_>, …)`), which
//! the HTTP crate opens for each request with `DbHandle::write`; inside a repository the
//! connection is reached through `tx.conn()` and the actor and audit context through
//! `tx.actor()` / `tx.ctx()`, which do not hold the `Tx`. No repository function opens its
//! own: a change its database may refuse as not serializable is opened with [`retrying`],
//! which runs the whole unit again, and a unique violation that must be answered from a read
//! (a person's number registered at the same moment) is contained in a savepoint where the
//! row is inserted.
//!
//! A read that may disclose personal data takes the caller's read context instead
//! (`fn f(rx: &mut Rx<'_>, …)`, opened by `DbHandle::read`): the same connection, actor and
//! audit context for its `view` events, no transaction unless it asks for one snapshot
//! (`rx.consistent`).

use std::panic::Location;
use std::time::Instant;

use diesel::prelude::*;
use hamkke_domain::authz::Actor;
use hamkke_domain::event::{Audience, AuditKind, DomainEvent};
use hamkke_domain::user::Role;
use hamkke_domain::DomainError;
use serde_json::json;
use uuid::Uuid;

use crate::audit::{self, AuditAction, AuditCtx, AuditEntry};
use crate::conn::{read_tx, write_tx, DbConn};
use crate::error::RepoResult;
use crate::schema::{case_events, notifications, organizations, outbox, users};
use crate::types::{to_db, DbUuid};

/// A change in progress: made only by [`run`], for an authenticated caller; its connection
/// is reached through it.
pub struct Tx<'a> {
    conn: &'a mut DbConn,
    actor: &'a Actor,
    ctx: &'a AuditCtx,
}

/// A read in progress that may disclose personal data: the connection, the reading user and
/// the audit context its `view` events are recorded under. Made only by [`reading`], for an
/// authenticated caller (the HTTP crate's `DbHandle::read`); a read that needs one snapshot
/// opens it with [`Rx::consistent`].
pub struct Rx<'a> {
    conn: &'a mut DbConn,
    actor: &'a Actor,
    ctx: &'a AuditCtx,
}

/// A versioned update, the one way a client's `If-Match` change is written:
/// `UPDATE <table> SET <changes>, version = <expected> + 1, updated_at = now WHERE id = <id> AND
/// version = <expected>`; no row changed means the stored version is another (412, `Stale`)
/// and the unit of work writes nothing else.
///
/// `update_versioned!(tx.conn(), persons, id, expected_version, (persons::phone.eq(phone), …))`
///
/// With `filter <condition>` the update is also conditional on it, and the macro answers the
/// number of rows changed (0 or 1) for the caller to tell a failed condition from a stale
/// version before `guard::versioned`.
#[macro_export]
macro_rules! update_versioned {
    ($conn:expr, $table:ident, $id:expr, $expected:expr, filter $cond:expr, ($($set:expr),* $(,)?)) => {{
        use diesel::prelude::*;
        let expected: i32 = $expected;
        diesel::update(
            $crate::schema::$table::table
                .find($crate::types::DbUuid($id))
                .filter($crate::schema::$table::version.eq(expected))
                .filter($cond),
        )
        .set((
            $($set,)*
            $crate::schema::$table::version.eq(expected + 1),
            $crate::schema::$table::updated_at.eq($crate::types::to_db($crate::now())),
        ))
        .execute($conn)
    }};
    ($conn:expr, $table:ident, $id:expr, $expected:expr, ($($set:expr),* $(,)?)) => {{
        use diesel::prelude::*;
        let expected: i32 = $expected;
        let rows = diesel::update(
            $crate::schema::$table::table
                .find($crate::types::DbUuid($id))
                .filter($crate::schema::$table::version.eq(expected)),
        )
        .set((
            $($set,)*
            $crate::schema::$table::version.eq(expected + 1),
            $crate::schema::$table::updated_at.eq($crate::types::to_db($crate::now())),
        ))
        .execute($conn)?;
        $crate::guard::versioned(rows)
    }};
}

/// Runs `f` as one unit of work of `actor`: committed if it returns `Ok`, rolled back
/// otherwise. The only way repository code opens a transaction that changes something; each
/// unit of work is a `tracing` span (where it was opened, the actor's organization and role,
/// its time in the database and how it ended — never personal data).
#[track_caller]
pub fn run<T>(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &AuditCtx,
    f: impl FnOnce(&mut Tx<'_>) -> RepoResult<T>,
) -> RepoResult<T> {
    run_at(Location::caller(), conn, actor, ctx, f)
}

/// [`run`] for a change that may lose a race it cannot decide by waiting (`concurrent_change`:
/// an allocation's check under its subject's locks refused as not serializable or caught in a
/// deadlock, a merge that found a record merged into its own while it waited): the whole unit
/// is run again, up to four times, before the client would see it.
#[track_caller]
pub fn retrying<T>(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &AuditCtx,
    mut f: impl FnMut(&mut Tx<'_>) -> RepoResult<T>,
) -> RepoResult<T> {
    let at = Location::caller();
    let mut attempt = 0;
    loop {
        attempt += 1;
        match run_at(at, conn, actor, ctx, &mut f) {
            Err(e) if attempt < 4 && e.is_concurrent_change() => {
                tracing::info!(attempt, "unit of work retried after a concurrent change");
            }
            other => return other,
        }
    }
}

/// [`run`] for a caller that names where the unit of work was opened itself (the HTTP crate's
/// `DbHandle::write`, whose handlers open it).
pub fn run_at<T>(
    at: &'static Location<'static>,
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &AuditCtx,
    f: impl FnOnce(&mut Tx<'_>) -> RepoResult<T>,
) -> RepoResult<T> {
    let span = span_at(at, "write", actor);
    let _entered = span.enter();
    let started = Instant::now();
    #[allow(clippy::disallowed_methods)] // (the door itself)
    let result = write_tx(conn, |conn| f(&mut Tx { conn, actor, ctx }));
    finish(&span, started, &result);
    result
}

/// Runs `f`, work of `actor` that only reads (and audits what it shows), as one consistent
/// read (`conn::read_tx`), in its own span like [`run`].
#[track_caller]
pub fn read<T>(
    conn: &mut DbConn,
    actor: &Actor,
    f: impl FnOnce(&mut DbConn) -> RepoResult<T>,
) -> RepoResult<T> {
    let span = span("read", actor);
    let _entered = span.enter();
    let started = Instant::now();
    #[allow(clippy::disallowed_methods)] // (the door itself)
    let result = read_tx(conn, f);
    finish(&span, started, &result);
    result
}

/// Runs `f`, a read of `actor`'s that may disclose personal data, with its read context. No
/// transaction is opened: a read of one statement needs none (on PostgreSQL `BEGIN` and
/// `COMMIT` would add two round trips); one that needs a snapshot asks [`Rx::consistent`].
pub fn reading<T>(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &AuditCtx,
    f: impl FnOnce(&mut Rx<'_>) -> RepoResult<T>,
) -> RepoResult<T> {
    f(&mut Rx { conn, actor, ctx })
}

impl<'a> Rx<'a> {
    /// The connection.
    pub fn conn(&mut self) -> &mut DbConn {
        self.conn
    }

    /// The reading user.
    pub fn actor(&self) -> &'a Actor {
        self.actor
    }

    /// The audit context of the request (its `view` events).
    pub fn ctx(&self) -> &'a AuditCtx {
        self.ctx
    }

    /// The connection, the actor and the audit context at once.
    pub fn parts(&mut self) -> (&mut DbConn, &'a Actor, &'a AuditCtx) {
        (self.conn, self.actor, self.ctx)
    }

    /// Runs `f` as one consistent read ([`read`]: one snapshot, its own span).
    #[track_caller]
    pub fn consistent<T>(&mut self, f: impl FnOnce(&mut Rx<'_>) -> RepoResult<T>) -> RepoResult<T> {
        let (actor, ctx) = (self.actor, self.ctx);
        read(self.conn, actor, |conn| f(&mut Rx { conn, actor, ctx }))
    }
}

/// Work without a caller — the server's own jobs (sessions, sign-in throttling, idempotency
/// keys, retention, sealing the audit chain, key rotation, seeding) — named by `job`, in one
/// transaction and its own span.
#[track_caller]
pub fn system<T, E>(
    conn: &mut DbConn,
    job: &'static str,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    let at = Location::caller();
    let span = tracing::debug_span!(
        "unit_of_work",
        kind = "system",
        job,
        at = %format_args!("{}:{}", at.file(), at.line()),
        db_ms = tracing::field::Empty,
        outcome = tracing::field::Empty,
    );
    let _entered = span.enter();
    let started = Instant::now();
    #[allow(clippy::disallowed_methods)] // (the door itself)
    let result = write_tx(conn, f);
    span.record("db_ms", started.elapsed().as_secs_f64() * 1000.0);
    span.record("outcome", if result.is_ok() { "ok" } else { "error" });
    result
}

/// Passes `result` on; when an authorization rule refused it, first records a `denied` event
/// in its own transaction (the refused work's was rolled back).
pub fn record_refusal<T>(
    conn: &mut DbConn,
    ctx: &AuditCtx,
    resource_type: &'static str,
    resource_id: Option<String>,
    result: RepoResult<T>,
) -> RepoResult<T> {
    let details = match &result {
        Err(crate::error::RepoError::Domain(DomainError::Forbidden { reason, .. })) => {
            json!({ "reason": reason })
        }
        Err(crate::error::RepoError::Domain(DomainError::UnknownReference { field })) => {
            json!({ "reason": "unknown reference", "field": field })
        }
        _ => return result,
    };
    system(conn, "refusal", |conn| {
        audit::record(
            conn,
            ctx,
            AuditEntry::new(AuditAction::Denied, resource_type, resource_id).with_details(details),
        )
    })?;
    result
}

#[track_caller]
fn span(kind: &'static str, actor: &Actor) -> tracing::Span {
    span_at(Location::caller(), kind, actor)
}

fn span_at(at: &'static Location<'static>, kind: &'static str, actor: &Actor) -> tracing::Span {
    tracing::debug_span!(
        "unit_of_work",
        kind,
        at = %format_args!("{}:{}", at.file(), at.line()),
        org = %actor.org_id,
        role = actor.role.as_str(),
        db_ms = tracing::field::Empty,
        outcome = tracing::field::Empty,
    )
}

fn finish<T>(span: &tracing::Span, started: Instant, result: &RepoResult<T>) {
    span.record("db_ms", started.elapsed().as_secs_f64() * 1000.0);
    span.record(
        "outcome",
        match result {
            Ok(_) => "ok",
            Err(crate::error::RepoError::Domain(_)) => "refused",
            Err(crate::error::RepoError::Stale) => "stale",
            Err(crate::error::RepoError::Conflict { .. }) => "conflict",
            Err(_) => "error",
        },
    );
}

impl<'a> Tx<'a> {
    /// The connection, inside the unit of work's transaction.
    pub fn conn(&mut self) -> &mut DbConn {
        self.conn
    }

    /// The acting user.
    pub fn actor(&self) -> &'a Actor {
        self.actor
    }

    /// The audit context of the request.
    pub fn ctx(&self) -> &'a AuditCtx {
        self.ctx
    }

    /// The connection, the actor and the audit context at once (for steps that take all three).
    pub fn parts(&mut self) -> (&mut DbConn, &'a Actor, &'a AuditCtx) {
        (self.conn, self.actor, self.ctx)
    }

    /// Applies a rule of `domain::authz`.
    pub fn authorize(&self, rule: Result<(), DomainError>) -> RepoResult<()> {
        rule.map_err(Into::into)
    }

    /// Records an attempt a rule refused that is answered without an error — the duplicate
    /// check's block: the caller is shown the conflicts and nothing is created — as a `denied`
    /// audit event of the unit of work (with the person it was for).
    pub fn record_refused(
        &mut self,
        resource_type: &'static str,
        details: serde_json::Value,
        person_id: Option<Uuid>,
    ) -> RepoResult<()> {
        let mut entry =
            AuditEntry::new(AuditAction::Denied, resource_type, None).with_details(details);
        entry.person_id = person_id;
        audit::record(self.conn, self.ctx, entry)
    }

    /// Records an event: its timeline entry (if it happens to a case), its audit event (with
    /// the person it touches, if any), a notification for each user concerned and an outbox
    /// row for client apps. Returns the event's id.
    pub fn record(&mut self, event: DomainEvent, person_id: Option<Uuid>) -> RepoResult<Uuid> {
        write_event(
            self.conn,
            Some(self.actor),
            self.ctx,
            &self.actor.district_code,
            &event,
            person_id,
        )
    }
}

/// Records an event of the server's own (no acting user: a follow-up period that ended, a
/// reminder) inside a [`system`] unit of work, for the district it happens in.
pub fn system_event(
    conn: &mut DbConn,
    ctx: &AuditCtx,
    district_code: &str,
    event: DomainEvent,
    person_id: Option<Uuid>,
) -> RepoResult<Uuid> {
    write_event(conn, None, ctx, district_code, &event, person_id)
}

/// What [`Tx::record`] and [`system_event`] write, in the transaction of the change.
fn write_event(
    conn: &mut DbConn,
    actor: Option<&Actor>,
    ctx: &AuditCtx,
    district_code: &str,
    event: &DomainEvent,
    person_id: Option<Uuid>,
) -> RepoResult<Uuid> {
    let event_id = Uuid::now_v7();
    let now = to_db(crate::now());
    for t in event.timeline() {
        diesel::insert_into(case_events::table)
            .values((
                case_events::id.eq(DbUuid(Uuid::now_v7())),
                case_events::case_id.eq(DbUuid(t.case_id)),
                case_events::occurred_at.eq(now),
                case_events::actor_user_id.eq(actor.map(|a| DbUuid(a.user_id))),
                case_events::actor_org_id.eq(actor.map(|a| DbUuid(a.org_id))),
                case_events::kind.eq(&t.kind),
                case_events::only_org_id.eq(t.only_org_id.map(DbUuid)),
                case_events::data.eq(t.data.to_string()),
            ))
            .execute(conn)?;
    }
    let (kind, resource_type, resource_id, details) = event.audit();
    let action = match kind {
        AuditKind::Create => AuditAction::Create,
        AuditKind::Update => AuditAction::Update,
        AuditKind::Delete => AuditAction::Delete,
    };
    let mut entry =
        AuditEntry::new(action, resource_type, Some(resource_id.to_string())).with_details(details);
    entry.person_id = person_id;
    audit::record(conn, ctx, entry)?;
    let recipients = recipients(conn, actor.map(|a| a.user_id), &event.audience())?;
    let mut data = event.payload();
    data["event_type"] = event.type_name().into();
    data["event_id"] = event_id.to_string().into();
    let data = data.to_string();
    let (title_ko, title_en) = (event.title(true), event.title(false));
    for (user, _) in &recipients {
        diesel::insert_into(notifications::table)
            .values((
                notifications::id.eq(DbUuid(Uuid::now_v7())),
                notifications::user_id.eq(DbUuid(*user)),
                notifications::event_id.eq(DbUuid(event_id)),
                notifications::event_type.eq(event.type_name()),
                notifications::title_ko.eq(&title_ko),
                notifications::title_en.eq(&title_en),
                notifications::data.eq(&data),
                notifications::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    // Client apps of the acting organization and of every organization told of it.
    let mut orgs: Vec<Uuid> = actor
        .map(|a| a.org_id)
        .into_iter()
        .chain(recipients.iter().map(|(_, o)| *o))
        .collect();
    orgs.sort();
    orgs.dedup();
    let payload = json!({
        "type": event.type_name(),
        "timestamp": crate::now(),
        "data": event.payload(),
    })
    .to_string();
    diesel::insert_into(outbox::table)
        .values((
            outbox::id.eq(DbUuid(event_id)),
            outbox::event_type.eq(event.type_name()),
            outbox::district_code.eq(district_code),
            outbox::org_ids.eq(serde_json::to_string(&orgs).unwrap_or_else(|_| "[]".into())),
            outbox::payload.eq(&payload),
            outbox::created_at.eq(now),
        ))
        .execute(conn)?;
    // Every subscription that takes it gets a delivery, in this same transaction.
    if event.delivered_to_webhooks() {
        crate::repo::webhooks::fan_out(conn, event_id, event.type_name(), &orgs, &payload)?;
    }
    Ok(event_id)
}

/// The active users an audience names, with their organizations, without the actor.
fn recipients(
    conn: &mut DbConn,
    actor_user: Option<Uuid>,
    audience: &[Audience],
) -> RepoResult<Vec<(Uuid, Uuid)>> {
    let mut out: Vec<(Uuid, Uuid)> = Vec::new();
    for a in audience {
        let q = users::table
            .inner_join(organizations::table)
            .filter(users::active.eq(true))
            .filter(organizations::active.eq(true))
            .select((users::id, users::org_id))
            .into_boxed();
        let q = match a {
            Audience::User(u) => q.filter(users::id.eq(DbUuid(*u))),
            Audience::OrgStaff(o) => q.filter(users::org_id.eq(DbUuid(*o))),
            Audience::Coordinators(d) => q
                .filter(users::role.eq(Role::Coordinator.as_str()))
                .filter(organizations::district_code.eq(d.clone())),
            Audience::OrgAdmins(o) => q
                .filter(users::role.eq(Role::OrgAdmin.as_str()))
                .filter(users::org_id.eq(DbUuid(*o))),
        };
        for (u, o) in q.load::<(DbUuid, DbUuid)>(conn)? {
            if Some(u.0) != actor_user && !out.iter().any(|(x, _)| *x == u.0) {
                out.push((u.0, o.0));
            }
        }
    }
    Ok(out)
}
