//! The unit of work: one value for a change in progress — the connection inside its
//! transaction, the acting user and the audit context — that checks rules and records what
//! happened. `record(event)` writes the timeline entry, the audit event, the notifications and
//! the outbox row of a domain event together, in the transaction of the change: all or none.

use diesel::prelude::*;
use hamkke_domain::authz::Actor;
use hamkke_domain::event::{Audience, AuditKind, DomainEvent};
use hamkke_domain::user::Role;
use hamkke_domain::DomainError;
use serde_json::json;
use uuid::Uuid;

use crate::audit::{self, AuditAction, AuditCtx, AuditEntry};
use crate::conn::{write_tx, DbConn};
use crate::error::RepoResult;
use crate::schema::{notifications, organizations, outbox, users};
use crate::types::{to_db, DbUuid};

/// A change in progress.
pub struct Tx<'a> {
    pub conn: &'a mut DbConn,
    pub actor: &'a Actor,
    pub ctx: &'a AuditCtx,
}

/// Runs `f` as one unit of work: committed if it returns `Ok`, rolled back otherwise.
pub fn run<T>(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &AuditCtx,
    f: impl FnOnce(&mut Tx<'_>) -> RepoResult<T>,
) -> RepoResult<T> {
    write_tx(conn, |conn| f(&mut Tx { conn, actor, ctx }))
}

impl<'a> Tx<'a> {
    /// A unit of work on a connection whose transaction is already open.
    pub fn on(conn: &'a mut DbConn, actor: &'a Actor, ctx: &'a AuditCtx) -> Self {
        Tx { conn, actor, ctx }
    }

    /// Applies a rule of `domain::authz`.
    pub fn authorize(&self, rule: Result<(), DomainError>) -> RepoResult<()> {
        rule.map_err(Into::into)
    }

    /// Checks the version a client changes (`If-Match`) against the stored one: a stale
    /// version answers 412 and nothing is written.
    pub fn expect_version(&self, stored: i32, expected: i32) -> RepoResult<()> {
        if stored == expected {
            Ok(())
        } else {
            Err(crate::error::RepoError::Stale)
        }
    }

    /// Records an event: its timeline entry (if it happens to a case), its audit event (with
    /// the person it touches, if any), a notification for each user concerned and an outbox
    /// row for client apps. Returns the event's id.
    pub fn record(&mut self, event: DomainEvent, person_id: Option<Uuid>) -> RepoResult<Uuid> {
        let event_id = Uuid::now_v7();
        for t in event.timeline() {
            crate::repo::cases::event(
                self.conn,
                self.actor,
                t.case_id,
                &t.kind,
                t.only_org_id,
                t.data,
            )?;
        }
        let (kind, resource_type, resource_id, details) = event.audit();
        let action = match kind {
            AuditKind::Create => AuditAction::Create,
            AuditKind::Update => AuditAction::Update,
            AuditKind::Delete => AuditAction::Delete,
        };
        let mut entry = AuditEntry::new(action, resource_type, Some(resource_id.to_string()))
            .with_details(details);
        entry.person_id = person_id;
        audit::record(self.conn, self.ctx, entry)?;
        let recipients = self.recipients(&event.audience())?;
        let now = to_db(crate::now());
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
                .execute(self.conn)?;
        }
        // Client apps of the acting organization and of every organization told of it.
        let mut orgs: Vec<Uuid> = std::iter::once(self.actor.org_id)
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
                outbox::district_code.eq(&self.actor.district_code),
                outbox::org_ids.eq(serde_json::to_string(&orgs).unwrap_or_else(|_| "[]".into())),
                outbox::payload.eq(&payload),
                outbox::created_at.eq(now),
            ))
            .execute(self.conn)?;
        // Every subscription that takes it gets a delivery, in this same transaction.
        if event.delivered_to_webhooks() {
            crate::repo::webhooks::fan_out(
                self.conn,
                event_id,
                event.type_name(),
                &orgs,
                &payload,
            )?;
        }
        Ok(event_id)
    }

    /// The active users an audience names, with their organizations, without the actor.
    fn recipients(&mut self, audience: &[Audience]) -> RepoResult<Vec<(Uuid, Uuid)>> {
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
            for (u, o) in q.load::<(DbUuid, DbUuid)>(self.conn)? {
                if u.0 != self.actor.user_id && !out.iter().any(|(x, _)| *x == u.0) {
                    out.push((u.0, o.0));
                }
            }
        }
        Ok(out)
    }
}
