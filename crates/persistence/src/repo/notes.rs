//! Case notes (counselling, visits, calls, services) and the case timeline.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hamkke_domain::authz;
use hamkke_domain::case::{NewNote, Note, NoteKind, TimelineEntry, Visibility};
use hamkke_domain::DomainError;
use serde_json::json;
use uuid::Uuid;

use super::cases::{self, audit_case};
use super::page::{Page, PageRequest};
use crate::audit::AuditAction;
use crate::conn::DbConn;
use crate::error::corrupt;
use crate::error::{RepoError, RepoResult};
use crate::schema::{case_events, case_notes};
use crate::scope;
use crate::types::{from_db, to_db, DbUuid};
use crate::uow::{Rx, Tx};
use hamkke_domain::event::DomainEvent;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = case_notes)]
struct NoteRow {
    id: DbUuid,
    case_id: DbUuid,
    org_id: DbUuid,
    author_id: DbUuid,
    kind: String,
    occurred_at: NaiveDateTime,
    body: String,
    co_visitor_user_ids: String,
    visibility: String,
    created_at: NaiveDateTime,
    person_id: Option<DbUuid>,
}

impl TryFrom<NoteRow> for Note {
    type Error = RepoError;
    fn try_from(r: NoteRow) -> RepoResult<Self> {
        Ok(Note {
            id: r.id.0,
            case_id: r.case_id.0,
            org_id: r.org_id.0,
            author_id: r.author_id.0,
            kind: NoteKind::parse(&r.kind).ok_or_else(|| corrupt("case_notes.kind"))?,
            occurred_at: from_db(r.occurred_at),
            body: r.body,
            co_visitor_user_ids: serde_json::from_str(&r.co_visitor_user_ids)
                .map_err(|_| corrupt("case_notes.co_visitor_user_ids"))?,
            visibility: Visibility::parse(&r.visibility)
                .ok_or_else(|| corrupt("case_notes.visibility"))?,
            created_at: from_db(r.created_at),
            person_id: r.person_id.map(|p| p.0),
        })
    }
}

/// A note is not dated in the future (five minutes of clock skew allowed).
pub fn check_occurred_at(new: &NewNote) -> RepoResult<()> {
    if new.occurred_at > crate::now() + chrono::Duration::minutes(5) {
        return Err(DomainError::invalid(
            "occurred_at",
            "out_of_range",
            "must not be in the future",
        )
        .into());
    }
    Ok(())
}

/// Writes a note on a case the actor works on, its co-visitors' organizations already taking
/// part (the workflows `app::notes::write` and `app::visits::complete` bring them in first); a
/// note seen only by the own organization stays off others' timelines.
pub(crate) fn insert(
    tx: &mut Tx<'_>,
    detail: &cases::CaseDetail,
    new: NewNote,
) -> RepoResult<Note> {
    {
        let actor = tx.actor();
        let case_id = detail.case.id;
        tx.authorize(authz::work_on_case(actor, &detail.facts()))?;
        let visitors = co_visitors(&new.co_visitor_user_ids);
        if let Some(p) = new.person_id {
            if !cases::is_member(tx.conn(), case_id, p)? {
                return Err(DomainError::invalid(
                    "person_id",
                    "not_member",
                    "the person is not one of the people this case is for",
                )
                .into());
            }
        }
        let id = Uuid::now_v7();
        diesel::insert_into(case_notes::table)
            .values((
                case_notes::id.eq(DbUuid(id)),
                case_notes::case_id.eq(DbUuid(case_id)),
                case_notes::org_id.eq(DbUuid(actor.org_id)),
                case_notes::author_id.eq(DbUuid(actor.user_id)),
                case_notes::kind.eq(new.kind.as_str()),
                case_notes::occurred_at.eq(to_db(new.occurred_at)),
                case_notes::body.eq(&new.body),
                case_notes::co_visitor_user_ids
                    .eq(serde_json::to_string(&visitors).unwrap_or_else(|_| "[]".into())),
                case_notes::visibility.eq(new.visibility.as_str()),
                case_notes::created_at.eq(to_db(crate::now())),
                case_notes::person_id.eq(new.person_id.map(DbUuid)),
            ))
            .execute(tx.conn())?;
        tx.record(
            DomainEvent::NoteAdded {
                case_id,
                note_id: id,
                kind: new.kind.as_str(),
                co_visitor_user_ids: visitors,
                only_org_id: (new.visibility == Visibility::OwnOrg).then_some(actor.org_id),
            },
            Some(detail.case.person_id),
        )?;
        case_notes::table
            .find(DbUuid(id))
            .select(NoteRow::as_select())
            .first(tx.conn())?
            .try_into()
    }
}

/// The co-visitors of a note or a visit, each once and in order.
pub fn co_visitors(ids: &[Uuid]) -> Vec<Uuid> {
    let mut visitors = ids.to_vec();
    visitors.sort();
    visitors.dedup();
    visitors
}

/// Notes of a visible case that the actor's organization may read; the read is audited.
pub fn list(rx: &mut Rx<'_>, case_id: Uuid, page: PageRequest) -> RepoResult<Page<Note>> {
    rx.consistent(|rx| {
        let actor = rx.actor();
        let ctx = rx.ctx();
        let detail = cases::load_visible(rx.conn(), actor, case_id)?;
        let mut q = case_notes::table
            .filter(case_notes::case_id.eq(DbUuid(case_id)))
            .filter(scope::notes(actor))
            .order(case_notes::id.asc())
            .limit(page.limit + 1)
            .select(NoteRow::as_select())
            .into_boxed();
        if let Some(after) = page.after {
            q = q.filter(case_notes::id.gt(DbUuid(after)));
        }
        let items = q
            .load(rx.conn())?
            .into_iter()
            .map(Note::try_from)
            .collect::<RepoResult<Vec<_>>>()?;
        audit_case(
            rx.conn(),
            ctx,
            AuditAction::View,
            &detail.case,
            Some(json!({ "notes": items.len() })),
        )?;
        Ok(Page::from_overfetch(items, page.limit, |n| n.id))
    })
}

/// A timeline row: id, time, kind, actor user, actor org, data.
type EventRow = (
    DbUuid,
    NaiveDateTime,
    String,
    Option<DbUuid>,
    Option<DbUuid>,
    String,
);

/// The case's timeline in order: status changes, notes, participants, assignments, handovers.
pub fn timeline(
    rx: &mut Rx<'_>,
    case_id: Uuid,
    page: PageRequest,
) -> RepoResult<Page<TimelineEntry>> {
    rx.consistent(|rx| {
        let actor = rx.actor();
        let ctx = rx.ctx();
        let detail = cases::load_visible(rx.conn(), actor, case_id)?;
        let mut q = case_events::table
            .filter(case_events::case_id.eq(DbUuid(case_id)))
            .filter(scope::timeline(actor))
            .order(case_events::id.asc())
            .limit(page.limit + 1)
            .select((
                case_events::id,
                case_events::occurred_at,
                case_events::kind,
                case_events::actor_user_id,
                case_events::actor_org_id,
                case_events::data,
            ))
            .into_boxed();
        if let Some(after) = page.after {
            q = q.filter(case_events::id.gt(DbUuid(after)));
        }
        let rows: Vec<EventRow> = q.load(rx.conn())?;
        let items = rows
            .into_iter()
            .map(|(id, at, kind, user, org, data)| TimelineEntry {
                id: id.0,
                occurred_at: from_db(at),
                kind,
                actor_user_id: user.map(|u| u.0),
                actor_org_id: org.map(|o| o.0),
                data: serde_json::from_str(&data).unwrap_or(serde_json::Value::Null),
            })
            .collect();
        audit_case(
            rx.conn(),
            ctx,
            AuditAction::View,
            &detail.case,
            Some(json!({ "timeline": true })),
        )?;
        Ok(Page::from_overfetch(items, page.limit, |e| e.id))
    })
}

/// A merge (`app::merge`): the merged record's counselling notes now belong to the survivor.
pub(crate) fn reassign_person(conn: &mut DbConn, from: Uuid, to: Uuid) -> RepoResult<usize> {
    Ok(
        diesel::update(case_notes::table.filter(case_notes::person_id.eq(DbUuid(from))))
            .set(case_notes::person_id.eq(DbUuid(to)))
            .execute(conn)?,
    )
}
