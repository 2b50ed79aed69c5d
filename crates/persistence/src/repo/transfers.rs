//! Transfers between districts (전입): the only way a person — with their household — moves
//! from one district's wall to another's. The receiving district's coordinator asks; the
//! owning district's coordinator approves or declines.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hamkke_domain::authz::{self, Actor};
use hamkke_domain::event::{Audience, Change, Record, RecordChange};
use hamkke_domain::person::{Transfer, TransferStatus};
use hamkke_domain::DomainError;
use serde_json::json;
use uuid::Uuid;

use super::access::closed_statuses;
use super::page::{Page, PageRequest};
use super::persons;
use crate::conn::DbConn;
use crate::error::corrupt;
use crate::error::{RepoError, RepoResult};
use crate::schema::{cases, households, person_transfers as t, persons as persons_t};
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

/// Asks for a person of another district to move into the actor's (a coordinator of the
/// receiving district; the person's id is what an exact RRN search answers), naming the
/// receiving organization: an active public organization (the dong centre of the new address,
/// or the district office) of the receiving district.
pub fn request(
    tx: &mut Tx<'_>,
    person_id: Uuid,
    to_district: &str,
    to_org: Uuid,
    reason: &str,
) -> RepoResult<Transfer> {
    let actor = tx.actor();
    // Who may ask is decided before the person is looked up, so a refusal tells nothing
    // about which ids exist.
    authz::request_transfer(actor, to_district)?;
    let receiver =
        super::orgs::load_for_case(tx.conn(), to_district, to_org, "to_organization_id")?;
    if receiver.kind.sector() != hamkke_domain::org::Sector::Public {
        return Err(DomainError::invalid(
            "to_organization_id",
            "not_allowed",
            "a person is received by a public organization: the dong centre of the new address (or the district office)",
        )
        .into());
    }
    let person = persons::load(tx.conn(), person_id)?;
    authz::transfer_destination(&person.district_code, to_district)?;
    // The person's lock, then the check: one waiting transfer per person (also a
    // constraint), and none for a record merged meanwhile.
    let locked = crate::guard::lock_persons_any(tx.conn(), &[person_id])?;
    if locked.iter().any(|p| p.merged_into.is_some()) {
        return Err(RepoError::NotFound);
    }
    let pending: bool = diesel::select(diesel::dsl::exists(
        t::table
            .filter(t::person_id.eq(DbUuid(person_id)))
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
            t::person_id.eq(DbUuid(person_id)),
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
    // The owning district's coordinators decide it: they are told.
    tx.record(
        RecordChange::new(Record::Transfer, Change::Created, id)
            .details(json!({ "from": tr.from_district_code, "to": tr.to_district_code }))
            .telling(vec![Audience::Coordinators(tr.from_district_code.clone())])
            .into(),
        Some(tr.person_id),
    )?;
    Ok(tr)
}

/// Approves (moving the person, their household and its members) or declines a transfer: a
/// coordinator of the owning district. A person with an open case moves only after the case
/// is closed or referred, so no case is left behind a wall its workers cannot see through.
pub fn decide(
    tx: &mut Tx<'_>,
    id: Uuid,
    approve: bool,
    note: Option<String>,
) -> RepoResult<Transfer> {
    let actor = tx.actor();
    let tr = load(tx.conn(), id)?;
    authz::view_transfer(actor, &tr.from_district_code, &tr.to_district_code)?;
    authz::decide_transfer(actor, &tr.from_district_code)?;
    if tr.status != TransferStatus::Requested {
        return Err(RepoError::conflict(
            "transfer_decided",
            "this transfer has already been decided",
        ));
    }
    let person = persons::load(tx.conn(), tr.person_id)?;
    if person.district_code != tr.from_district_code {
        return Err(RepoError::conflict(
            "transfer_stale",
            "the person no longer belongs to the district this transfer moves them from",
        ));
    }
    let mut moved = vec![person.id];
    if approve {
        if let Some(h) = person.household_id {
            moved = persons_t::table
                .filter(persons_t::household_id.eq(DbUuid(h)))
                .select(persons_t::id)
                .load::<DbUuid>(tx.conn())?
                .into_iter()
                .map(|p| p.0)
                .collect();
        }
        // The lock a case opening takes: once held, no case can open on anyone who moves
        // until this transfer is decided, and the check below sees every case opened before.
        let locked = crate::guard::lock_persons_any(tx.conn(), &moved)?;
        if let Some((p, survivor)) = locked.iter().find_map(|p| p.merged_into.map(|s| (p.id, s))) {
            return Err(crate::guard::merged_into(p, survivor));
        }
        if locked
            .iter()
            .any(|p| p.district_code != tr.from_district_code)
        {
            return Err(RepoError::conflict(
                "transfer_stale",
                "the person no longer belongs to the district this transfer moves them from",
            ));
        }
        // Any open case of anyone who moves, also a household case they are members of.
        let open: bool = diesel::select(diesel::dsl::exists(
            crate::schema::case_members::table
                .inner_join(cases::table)
                .filter(
                    crate::schema::case_members::person_id
                        .eq_any(moved.iter().copied().map(DbUuid).collect::<Vec<_>>()),
                )
                .filter(cases::status.ne_all(closed_statuses())),
        ))
        .get_result(tx.conn())?;
        if open {
            return Err(RepoError::conflict(
                "transfer_open_case",
                "the person or a household member has an open case in this district: its lead closes it, or refers it, before the transfer is approved",
            ));
        }
        // The receiving organization registers them from now on (transfers asked before
        // receivers were named leave the registering organization as it was).
        if let Some(h) = person.household_id {
            diesel::update(households::table.find(DbUuid(h)))
                .set(households::district_code.eq(&tr.to_district_code))
                .execute(tx.conn())?;
            if let Some(o) = tr.to_org_id {
                diesel::update(households::table.find(DbUuid(h)))
                    .set(households::registered_by_org_id.eq(DbUuid(o)))
                    .execute(tx.conn())?;
            }
        }
        let moving = || {
            persons_t::table
                .filter(persons_t::id.eq_any(moved.iter().copied().map(DbUuid).collect::<Vec<_>>()))
        };
        diesel::update(moving())
            .set((
                persons_t::district_code.eq(&tr.to_district_code),
                persons_t::version.eq(persons_t::version + 1),
                persons_t::updated_at.eq(to_db(crate::now())),
            ))
            .execute(tx.conn())?;
        if let Some(o) = tr.to_org_id {
            diesel::update(moving())
                .set(persons_t::registered_by_org_id.eq(DbUuid(o)))
                .execute(tx.conn())?;
        }
        // A possible-duplicate pair across the new wall cannot be merged by either side.
        let ids: Vec<DbUuid> = moved.iter().copied().map(DbUuid).collect();
        use crate::schema::person_duplicates as pd;
        diesel::update(
            pd::table.filter(pd::status.eq("open")).filter(
                pd::person_a
                    .eq_any(ids.clone())
                    .or(pd::person_b.eq_any(ids)),
            ),
        )
        .set((
            pd::status.eq("dismissed"),
            pd::dismiss_reason.eq(Some("moved to another district")),
            pd::updated_at.eq(to_db(crate::now())),
        ))
        .execute(tx.conn())?;
    }
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
    // The coordinator who asked learns the answer.
    tx.record(
        RecordChange::new(Record::Transfer, Change::Updated, id)
            .details(json!({ "status": status.as_str(), "from": tr.from_district_code, "to": tr.to_district_code, "persons_moved": if approve { moved.len() } else { 0 } }))
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
    if approve {
        // Household members who moved along are recorded each, so their access logs show it.
        for p in moved.iter().filter(|p| **p != tr.person_id) {
            tx.record(
                RecordChange::new(Record::Person, Change::Updated, *p)
                    .details(json!({ "moved_with_transfer": tr.id, "to": tr.to_district_code }))
                    .into(),
                Some(*p),
            )?;
        }
    }
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
