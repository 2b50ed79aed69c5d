//! Transfers between districts (전입): the requests and their decisions. What a decision
//! moves — the person, their household and its members — is `app::transfers`'s.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hamkke_domain::authz::{self, Actor};
use hamkke_domain::event::{Audience, Change, Record, RecordChange};
use hamkke_domain::person::{Person, Transfer, TransferStatus};
use hamkke_domain::DomainError;
use serde_json::json;
use uuid::Uuid;

use super::page::{Page, PageRequest};
use crate::conn::DbConn;
use crate::error::corrupt;
use crate::error::{RepoError, RepoResult};
use crate::schema::person_transfers as t;
use crate::types::{from_db, to_db, DbUuid};
use crate::uow::Tx;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = t)]
struct TransferRow {
    id: DbUuid,
    person_id: DbUuid,
    from_district_code: String,
    to_district_code: String,
    reason: String,
    status: String,
    requested_by: DbUuid,
    requested_by_org_id: DbUuid,
    decided_by: Option<DbUuid>,
    decision_note: Option<String>,
    created_at: NaiveDateTime,
    decided_at: Option<NaiveDateTime>,
    to_org_id: Option<DbUuid>,
}

impl TryFrom<TransferRow> for Transfer {
    type Error = RepoError;
    fn try_from(r: TransferRow) -> RepoResult<Self> {
        Ok(Transfer {
            id: r.id.0,
            person_id: r.person_id.0,
            from_district_code: r.from_district_code,
            to_district_code: r.to_district_code,
            to_org_id: r.to_org_id.map(|o| o.0),
            reason: r.reason,
            status: TransferStatus::parse(&r.status)
                .ok_or_else(|| corrupt("person_transfers.status"))?,
            requested_by: r.requested_by.0,
            requested_by_org_id: r.requested_by_org_id.0,
            decided_by: r.decided_by.map(|d| d.0),
            decision_note: r.decision_note,
            created_at: from_db(r.created_at),
            decided_at: r.decided_at.map(from_db),
        })
    }
}

fn load(conn: &mut DbConn, id: Uuid) -> RepoResult<Transfer> {
    t::table
        .find(DbUuid(id))
        .select(TransferRow::as_select())
        .first(conn)?
        .try_into()
}

/// Records a transfer request (the caller has checked who asks, the receiver and the person,
/// and holds the person's lock): one waiting transfer per person (also a constraint). The
/// owning district's coordinators decide it: they are told.
pub(crate) fn open_request(
    tx: &mut Tx<'_>,
    person: &Person,
    to_district: &str,
    to_org: Uuid,
    reason: &str,
) -> RepoResult<Transfer> {
    let actor = tx.actor();
    let pending: bool = diesel::select(diesel::dsl::exists(
        t::table
            .filter(t::person_id.eq(DbUuid(person.id)))
            .filter(t::status.eq(TransferStatus::Requested.as_str())),
    ))
    .get_result(tx.conn())?;
    if pending {
        return Err(RepoError::conflict(
            "transfer_pending",
            "a transfer of this person is already waiting for a decision",
        ));
    }
    let id = Uuid::now_v7();
    diesel::insert_into(t::table)
        .values((
            t::id.eq(DbUuid(id)),
            t::person_id.eq(DbUuid(person.id)),
            t::from_district_code.eq(&person.district_code),
            t::to_district_code.eq(to_district),
            t::to_org_id.eq(Some(DbUuid(to_org))),
            t::reason.eq(reason),
            t::status.eq(TransferStatus::Requested.as_str()),
            t::requested_by.eq(DbUuid(actor.user_id)),
            t::requested_by_org_id.eq(DbUuid(actor.org_id)),
            t::created_at.eq(to_db(crate::now())),
        ))
        .execute(tx.conn())?;
    let tr = load(tx.conn(), id)?;
    tx.record(
        RecordChange::new(Record::Transfer, Change::Created, id)
            .details(json!({ "from": tr.from_district_code, "to": tr.to_district_code }))
            .telling(vec![Audience::Coordinators(tr.from_district_code.clone())])
            .into(),
        Some(tr.person_id),
    )?;
    Ok(tr)
}

/// A waiting transfer, for its decision (a coordinator of the owning district).
pub(crate) fn waiting(conn: &mut DbConn, actor: &Actor, id: Uuid) -> RepoResult<Transfer> {
    let tr = load(conn, id)?;
    authz::view_transfer(actor, &tr.from_district_code, &tr.to_district_code)?;
    authz::decide_transfer(actor, &tr.from_district_code)?;
    if tr.status != TransferStatus::Requested {
        return Err(RepoError::conflict(
            "transfer_decided",
            "this transfer has already been decided",
        ));
    }
    Ok(tr)
}

/// Records the decision, if the transfer still waits for one (of two decisions, one wins);
/// the coordinator who asked learns the answer, and on approval the receiving organization.
pub(crate) fn record_decision(
    tx: &mut Tx<'_>,
    id: Uuid,
    approve: bool,
    note: Option<String>,
    persons_moved: usize,
) -> RepoResult<Transfer> {
    let actor = tx.actor();
    let status = if approve {
        TransferStatus::Approved
    } else {
        TransferStatus::Declined
    };
    let decided = diesel::update(
        t::table
            .find(DbUuid(id))
            .filter(t::status.eq(TransferStatus::Requested.as_str())),
    )
    .set((
        t::status.eq(status.as_str()),
        t::decided_by.eq(Some(DbUuid(actor.user_id))),
        t::decision_note.eq(&note),
        t::decided_at.eq(Some(to_db(crate::now()))),
    ))
    .execute(tx.conn())?;
    crate::guard::claimed(
        decided,
        "transfer_decided",
        "this transfer has already been decided",
    )?;
    let tr = load(tx.conn(), id)?;
    tx.record(
        RecordChange::new(Record::Transfer, Change::Updated, id)
            .details(json!({ "status": status.as_str(), "from": tr.from_district_code, "to": tr.to_district_code, "persons_moved": persons_moved }))
            .telling(
                std::iter::once(Audience::User(tr.requested_by))
                    .chain(
                        tr.to_org_id
                            .filter(|_| approve)
                            .map(Audience::OrgStaff),
                    )
                    .collect(),
            )
            .into(),
        Some(tr.person_id),
    )?;
    Ok(tr)
}

/// One transfer (coordinators and auditors of either district).
pub fn get(conn: &mut DbConn, actor: &Actor, id: Uuid) -> RepoResult<Transfer> {
    let tr = load(conn, id)?;
    authz::view_transfer(actor, &tr.from_district_code, &tr.to_district_code)?;
    Ok(tr)
}

/// Transfers into or out of the actor's district (coordinators and auditors).
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    status: Option<TransferStatus>,
    page: PageRequest,
) -> RepoResult<Page<Transfer>> {
    if authz::view_transfer(actor, &actor.district_code, &actor.district_code).is_err() {
        return Err(DomainError::only(
            hamkke_domain::Who::CoordinatorOrAuditor,
            "only coordinators and auditors see the district's transfers",
        )
        .into());
    }
    let d = actor.district_code.clone();
    let mut q = t::table
        .filter(
            t::from_district_code
                .eq(d.clone())
                .or(t::to_district_code.eq(d)),
        )
        .select(TransferRow::as_select())
        .order(t::id.asc())
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(t::status.eq(s.as_str()));
    }
    if let Some(after) = page.after {
        q = q.filter(t::id.gt(DbUuid(after)));
    }
    let items = q
        .load(conn)?
        .into_iter()
        .map(Transfer::try_from)
        .collect::<RepoResult<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, page.limit, |x| x.id))
}

/// A merge (`app::merge`): the merged record's transfers now belong to the survivor.
pub(crate) fn reassign_person(conn: &mut DbConn, from: Uuid, to: Uuid) -> RepoResult<usize> {
    Ok(
        diesel::update(t::table.filter(t::person_id.eq(DbUuid(from))))
            .set(t::person_id.eq(DbUuid(to)))
            .execute(conn)?,
    )
}
