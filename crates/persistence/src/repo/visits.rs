//! Planned joint home visits (1+1 가정방문): planned on a case with co-visitors, who are told
//! and see it on their worklists; completing one records the day's home-visit note
//! (`app::visits`).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use hamkke_domain::authz::{self, Actor};
use hamkke_domain::event::DomainEvent;
use uuid::Uuid;

use super::cases;
use crate::conn::DbConn;
use crate::error::corrupt;
use crate::error::{RepoError, RepoResult};
use crate::schema::visits;
use crate::types::{from_db, to_db, DbUuid};
use crate::uow::Tx;

/// A planned or completed joint visit.
#[derive(Debug, Clone)]
pub struct Visit {
    pub id: Uuid,
    pub case_id: Uuid,
    pub org_id: Uuid,
    pub created_by: Uuid,
    pub scheduled_at: DateTime<Utc>,
    pub purpose: String,
    pub co_visitor_user_ids: Vec<Uuid>,
    /// `planned` or `completed`.
    pub status: String,
    pub note_id: Option<Uuid>,
    pub completed_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = visits)]
struct VisitRow {
    id: DbUuid,
    case_id: DbUuid,
    org_id: DbUuid,
    created_by: DbUuid,
    scheduled_at: NaiveDateTime,
    purpose: String,
    co_visitor_user_ids: String,
    status: String,
    note_id: Option<DbUuid>,
    completed_at: Option<NaiveDateTime>,
}

impl TryFrom<VisitRow> for Visit {
    type Error = RepoError;
    fn try_from(r: VisitRow) -> RepoResult<Self> {
        Ok(Visit {
            id: r.id.0,
            case_id: r.case_id.0,
            org_id: r.org_id.0,
            created_by: r.created_by.0,
            scheduled_at: from_db(r.scheduled_at),
            purpose: r.purpose,
            co_visitor_user_ids: serde_json::from_str(&r.co_visitor_user_ids)
                .map_err(|_| corrupt("visits.co_visitor_user_ids"))?,
            status: r.status,
            note_id: r.note_id.map(|n| n.0),
            completed_at: r.completed_at.map(from_db),
        })
    }
}

fn load(conn: &mut DbConn, id: Uuid) -> RepoResult<Visit> {
    visits::table
        .find(DbUuid(id))
        .select(VisitRow::as_select())
        .first(conn)?
        .try_into()
}

/// A validated visit to plan.
#[derive(Debug, Clone)]
pub struct NewVisit {
    pub scheduled_at: DateTime<Utc>,
    pub co_visitor_user_ids: Vec<Uuid>,
    pub purpose: String,
}

/// Plans a joint visit on a case the actor works on, its co-visitors' organizations already
/// taking part (the workflow `app::visits::plan` brings them in first).
pub(crate) fn insert(
    tx: &mut Tx<'_>,
    case: &cases::CaseDetail,
    new: NewVisit,
) -> RepoResult<Visit> {
    tx.authorize(authz::work_on_case(tx.actor(), &case.facts()))?;
    let case_id = case.case.id;
    let visitors = super::notes::co_visitors(&new.co_visitor_user_ids);
    let id = Uuid::now_v7();
    let now = to_db(crate::now());
    diesel::insert_into(visits::table)
        .values((
            visits::id.eq(DbUuid(id)),
            visits::case_id.eq(DbUuid(case_id)),
            visits::org_id.eq(DbUuid(tx.actor().org_id)),
            visits::created_by.eq(DbUuid(tx.actor().user_id)),
            visits::scheduled_at.eq(to_db(new.scheduled_at)),
            visits::purpose.eq(&new.purpose),
            visits::co_visitor_user_ids
                .eq(serde_json::to_string(&visitors).unwrap_or_else(|_| "[]".into())),
            visits::status.eq("planned"),
            visits::created_at.eq(now),
        ))
        .execute(tx.conn())?;
    tx.record(
        DomainEvent::VisitPlanned {
            visit_id: id,
            case_id,
            scheduled_at: new.scheduled_at,
            co_visitor_user_ids: visitors,
        },
        Some(case.case.person_id),
    )?;
    load(tx.conn(), id)
}

/// Claims a planned visit as completed (its organization's workers or a co-visitor; the
/// workflow `app::visits::complete` writes its note): of two completions, the second finds
/// the visit completed and is refused. Answers the visit with its case.
pub fn claim_completion(tx: &mut Tx<'_>, id: Uuid) -> RepoResult<(Visit, cases::CaseDetail)> {
    let visit = load(tx.conn(), id)?;
    let case = cases::load(tx.conn(), visit.case_id)?;
    tx.authorize(authz::view_case(tx.actor(), &case.facts()))?;
    tx.authorize(authz::work_on_case(tx.actor(), &case.facts()))?;
    // Decided by the row: of two completions, the second finds the visit completed.
    let claimed = diesel::update(
        visits::table
            .find(DbUuid(id))
            .filter(visits::status.eq("planned")),
    )
    .set((
        visits::status.eq("completed"),
        visits::completed_at.eq(Some(to_db(crate::now()))),
    ))
    .execute(tx.conn())?;
    crate::guard::claimed(
        claimed,
        "visit_completed",
        "this visit has already been completed",
    )?;
    Ok((visit, case))
}

/// Links a completed visit to the note written of it.
pub fn link_note(tx: &mut Tx<'_>, id: Uuid, note_id: Uuid) -> RepoResult<Visit> {
    diesel::update(visits::table.find(DbUuid(id)))
        .set(visits::note_id.eq(Some(DbUuid(note_id))))
        .execute(tx.conn())?;
    load(tx.conn(), id)
}

/// Planned visits the actor makes or joins in the coming days (for the worklist).
pub fn upcoming(conn: &mut DbConn, actor: &Actor, until: DateTime<Utc>) -> RepoResult<Vec<Visit>> {
    let me = actor.user_id;
    let rows: Vec<VisitRow> = visits::table
        .filter(visits::status.eq("planned"))
        .filter(visits::scheduled_at.le(to_db(until)))
        .filter(
            visits::created_by
                .eq(DbUuid(me))
                .or(visits::co_visitor_user_ids.like(format!("%{me}%"))),
        )
        .order(visits::scheduled_at.asc())
        .limit(200)
        .select(VisitRow::as_select())
        .load(conn)?;
    rows.into_iter().map(Visit::try_from).collect()
}
