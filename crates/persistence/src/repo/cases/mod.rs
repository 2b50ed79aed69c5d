//! Shared cases: opening, reading, listing, changing, status transitions.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use hamkke_domain::authz::{self, Actor, CaseFacts};
use hamkke_domain::case::{
    self as rules, AssignmentRole, Case, CasePatch, CaseType, Closing, ClosingReason, Need,
    NewCase, ParticipantRole, RiskLevel, Source, Status,
};
use hamkke_domain::DomainError;
use serde_json::{json, Value};
use uuid::Uuid;

use super::orgs;
use super::page::{Page, PageRequest};
use super::persons;
use crate::audit::{self, AuditAction, AuditCtx, AuditEntry};
use crate::conn::DbConn;
use crate::error::corrupt;
use crate::error::{RepoError, RepoResult};
use crate::lists::{in_ids, in_texts};
use crate::schema::{case_assignments, case_counters, case_members, case_participants, cases};
use crate::scope;
use crate::types::{from_db, to_db, DbUuid};
use crate::uow::{Rx, Tx};
use hamkke_domain::event::DomainEvent;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cases)]
pub(crate) struct CaseRow {
    id: DbUuid,
    case_no: String,
    person_id: DbUuid,
    lead_org_id: DbUuid,
    district_code: String,
    case_type: String,
    risk_level: String,
    source: String,
    status: String,
    summary: String,
    needs: String,
    version: i32,
    created_by: DbUuid,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    household_id: Option<DbUuid>,
    intake_on: Option<NaiveDate>,
    next_review_on: Option<NaiveDate>,
    closing_reason: Option<String>,
    closing_note: Option<String>,
    closing_evaluation: Option<String>,
    closed_on: Option<NaiveDate>,
    follow_up_until: Option<NaiveDate>,
    follow_up_checks: String,
}

impl TryFrom<CaseRow> for Case {
    type Error = RepoError;
    fn try_from(r: CaseRow) -> RepoResult<Self> {
        Ok(Case {
            id: r.id.0,
            case_no: r.case_no,
            person_id: r.person_id.0,
            lead_org_id: r.lead_org_id.0,
            district_code: r.district_code,
            case_type: CaseType::parse(&r.case_type).ok_or_else(|| corrupt("cases.case_type"))?,
            risk_level: RiskLevel::parse(&r.risk_level)
                .ok_or_else(|| corrupt("cases.risk_level"))?,
            source: Source::parse(&r.source).ok_or_else(|| corrupt("cases.source"))?,
            status: Status::parse(&r.status).ok_or_else(|| corrupt("cases.status"))?,
            summary: r.summary,
            needs: serde_json::from_str::<Vec<Need>>(&r.needs)
                .map_err(|_| corrupt("cases.needs"))?,
            version: r.version,
            created_by: r.created_by.0,
            created_at: from_db(r.created_at),
            updated_at: from_db(r.updated_at),
            household_id: r.household_id.map(|h| h.0),
            intake_on: r.intake_on,
            next_review_on: r.next_review_on,
            closing: match r.closing_reason {
                None => None,
                Some(reason) => Some(Closing {
                    reason: ClosingReason::parse(&reason)
                        .ok_or_else(|| corrupt("cases.closing_reason"))?,
                    note: r.closing_note,
                    evaluation: r.closing_evaluation.unwrap_or_default(),
                }),
            },
            closed_on: r.closed_on,
            follow_up_until: r.follow_up_until,
            follow_up_checks: serde_json::from_str(&r.follow_up_checks)
                .map_err(|_| corrupt("cases.follow_up_checks"))?,
        })
    }
}

/// A case with the organizations on it.
#[derive(Debug, Clone)]
pub struct CaseDetail {
    pub case: Case,
    pub participants: Vec<rules::Participant>,
    /// The latest assessment and its change since the previous one (on single-case answers).
    pub assessment: Option<LatestAssessment>,
}

impl CaseDetail {
    pub fn facts(&self) -> CaseFacts {
        CaseFacts {
            lead_org_id: self.case.lead_org_id,
            district_code: self.case.district_code.clone(),
            participant_orgs: self.participants.iter().map(|p| p.org_id).collect(),
            observer_orgs: self
                .participants
                .iter()
                .filter(|p| p.role == rules::ParticipantRole::Observer)
                .map(|p| p.org_id)
                .collect(),
        }
    }
}

pub(crate) fn participants_of(
    conn: &mut DbConn,
    case_id: Uuid,
) -> RepoResult<Vec<rules::Participant>> {
    let query = case_participants::table
        .filter(case_participants::case_id.eq(DbUuid(case_id)))
        .order(case_participants::added_at.asc())
        .select(PARTICIPANT);
    crate::native!(conn, |c| query.load::<ParticipantRow>(c))?
        .into_iter()
        .map(participant)
        .collect()
}

/// A participant's row: organization, role, when it joined.
type ParticipantRow = (DbUuid, String, NaiveDateTime);
/// The columns of a [`ParticipantRow`].
const PARTICIPANT: (
    case_participants::org_id,
    case_participants::role,
    case_participants::added_at,
) = (
    case_participants::org_id,
    case_participants::role,
    case_participants::added_at,
);

/// A participant from its row.
fn participant((org, role, at): ParticipantRow) -> RepoResult<rules::Participant> {
    Ok(rules::Participant {
        org_id: org.0,
        role: ParticipantRole::parse(&role).ok_or_else(|| corrupt("case_participants.role"))?,
        added_at: from_db(at),
    })
}

/// Loads a case and its participants without a permission check, in one statement (the case's
/// columns on each participant's row).
pub(crate) fn load(conn: &mut DbConn, id: Uuid) -> RepoResult<CaseDetail> {
    // (every case read runs this: on the backend's own connection)
    let rows: Vec<(CaseRow, Option<ParticipantRow>)> = crate::native!(conn, |c| cases::table
        .left_join(case_participants::table)
        .filter(cases::id.eq(DbUuid(id)))
        .order(case_participants::added_at.asc())
        .select((CaseRow::as_select(), PARTICIPANT.nullable()))
        .load(c))?;
    let mut rows = rows.into_iter();
    let (row, first) = rows.next().ok_or(diesel::result::Error::NotFound)?;
    let case: Case = row.try_into()?;
    let participants = first
        .into_iter()
        .chain(rows.filter_map(|(_, p)| p))
        .map(participant)
        .collect::<RepoResult<_>>()?;
    Ok(CaseDetail {
        case,
        participants,
        assessment: None,
    })
}

/// Loads several cases by id in one query (no participants, no permission check).
pub(crate) fn load_many(
    conn: &mut DbConn,
    ids: &[Uuid],
) -> RepoResult<std::collections::HashMap<Uuid, Case>> {
    cases::table
        .filter(in_ids(cases::id, ids.iter().copied()))
        .select(CaseRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|r| Case::try_from(r).map(|c| (c.id, c)))
        .collect()
}

/// Loads a case the actor may see.
pub(crate) fn load_visible(conn: &mut DbConn, actor: &Actor, id: Uuid) -> RepoResult<CaseDetail> {
    let detail = load(conn, id)?;
    authz::view_case(actor, &detail.facts())?;
    Ok(detail)
}

pub(crate) fn audit_case(
    conn: &mut DbConn,
    ctx: &AuditCtx,
    action: AuditAction,
    case: &Case,
    details: Option<Value>,
) -> RepoResult<()> {
    let mut entry = AuditEntry::new(action, "case", Some(case.id.to_string()));
    entry.person_id = Some(case.person_id);
    entry.details = details;
    audit::record(conn, ctx, entry)
}

/// The next number of the district's year, under a row lock.
fn next_case_no(conn: &mut DbConn, district: &str, year: i32) -> RepoResult<String> {
    let bump = |conn: &mut DbConn| -> QueryResult<Option<i64>> {
        diesel::update(case_counters::table.find((district, year)))
            .set(case_counters::last_seq.eq(case_counters::last_seq + 1))
            .returning(case_counters::last_seq)
            .get_result(conn)
            .optional()
    };
    let seq = match bump(conn)? {
        Some(seq) => seq,
        None => {
            // First case of the year: create the counter, inside a savepoint because another
            // request may create it at the same moment.
            let created = conn.transaction(|c| {
                diesel::insert_into(case_counters::table)
                    .values((
                        case_counters::district_code.eq(district),
                        case_counters::year.eq(year),
                        case_counters::last_seq.eq(1i64),
                    ))
                    .execute(c)
            });
            match created {
                Ok(_) => 1,
                Err(e) if RepoError::is_unique_violation(&e) => {
                    bump(conn)?.ok_or(RepoError::NotFound)?
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    Ok(rules::case_no(year, district, seq))
}

/// Opens a case: the caller's organization leads it and the caller is its primary worker.
pub fn create(tx: &mut Tx<'_>, new: NewCase) -> RepoResult<CaseDetail> {
    let actor = tx.actor();
    rules::check_needs(&new.needs)?;
    let person = match persons::load(tx.conn(), new.person_id) {
        Ok(p) => p,
        Err(RepoError::NotFound) => return Err(DomainError::unknown("person_id").into()),
        Err(e) => return Err(e),
    };
    if authz::reach_person(actor, &person.district_code).is_err() {
        return Err(DomainError::unknown("person_id").into());
    }
    authz::create_case(actor, &person.district_code)?;
    let members = case_members_for(tx.conn(), &person, &new)?;
    // One open case per person: the members are locked first (the order every path
    // takes), so a concurrent opening waits here and then sees this case.
    crate::guard::lock_persons(tx.conn(), actor, &members).map_err(|e| match e {
        RepoError::NotFound => DomainError::unknown("person_id").into(),
        other => other,
    })?;
    if let Some((person_id, _, lead)) = open_case_of(tx.conn(), &members, None)? {
        return Err(RepoError::Conflict {
            code: "open_case_exists",
            detail: "this person already has an open case; ask its lead organization to add you as a participant".into(),
            extensions: Some(json!({ "lead_org_id": lead, "person_id": person_id })),
        });
    }
    let now = crate::now();
    let case_no = next_case_no(tx.conn(), &actor.district_code, now.year())?;
    let id = Uuid::now_v7();
    let db_now = to_db(now);
    diesel::insert_into(cases::table)
        .values((
            cases::id.eq(DbUuid(id)),
            cases::case_no.eq(&case_no),
            cases::person_id.eq(DbUuid(new.person_id)),
            cases::lead_org_id.eq(DbUuid(actor.org_id)),
            cases::district_code.eq(&actor.district_code),
            cases::case_type.eq(new.case_type.as_str()),
            cases::risk_level.eq(new.risk_level.as_str()),
            cases::source.eq(new.source.as_str()),
            cases::status.eq(Status::Discovered.as_str()),
            cases::summary.eq(&new.summary),
            cases::needs.eq(serde_json::to_string(&new.needs).unwrap_or_else(|_| "[]".into())),
            cases::version.eq(1),
            cases::created_by.eq(DbUuid(actor.user_id)),
            cases::created_at.eq(db_now),
            cases::updated_at.eq(db_now),
            cases::household_id.eq(new.household.as_ref().map(|(h, _)| DbUuid(*h))),
        ))
        .execute(tx.conn())?;
    add_participant_row(tx.conn(), actor, id, actor.org_id, ParticipantRole::Lead)?;
    for m in &members {
        add_member_row(tx.conn(), actor, id, *m)?;
    }
    insert_assignment(
        tx.conn(),
        actor,
        id,
        actor.user_id,
        actor.org_id,
        AssignmentRole::Primary,
    )?;
    tx.record(
        DomainEvent::CaseOpened {
            case_id: id,
            case_no,
            lead_org_id: actor.org_id,
        },
        Some(new.person_id),
    )?;
    load(tx.conn(), id)
}

/// Everyone a new case is for: the person, or the household's members (the listed ones, or
/// every person registered in the household), the primary person first.
fn case_members_for(
    conn: &mut DbConn,
    primary: &hamkke_domain::person::Person,
    new: &NewCase,
) -> RepoResult<Vec<Uuid>> {
    let Some((household, listed)) = &new.household else {
        return Ok(vec![primary.id]);
    };
    let district: Option<String> = crate::schema::households::table
        .find(DbUuid(*household))
        .select(crate::schema::households::district_code)
        .first(conn)
        .optional()?;
    if district.as_deref() != Some(primary.district_code.as_str()) {
        return Err(DomainError::unknown("household_id").into());
    }
    if primary.household_id != Some(*household) {
        return Err(DomainError::invalid(
            "primary_person_id",
            "not_member",
            "the primary person is not registered in this household",
        )
        .into());
    }
    let registered: Vec<Uuid> = household_persons(conn, *household)?;
    let mut members = vec![primary.id];
    if listed.is_empty() {
        members.extend(registered.iter().filter(|p| **p != primary.id));
    } else {
        for (i, p) in listed.iter().enumerate() {
            if !registered.contains(p) {
                return Err(DomainError::invalid(
                    &format!("member_person_ids[{i}]"),
                    "not_member",
                    "not registered in this household",
                )
                .into());
            }
            if !members.contains(p) {
                members.push(*p);
            }
        }
    }
    Ok(members)
}

fn household_persons(conn: &mut DbConn, household: Uuid) -> RepoResult<Vec<Uuid>> {
    Ok(crate::schema::persons::table
        .filter(crate::schema::persons::household_id.eq(Some(DbUuid(household))))
        .select(crate::schema::persons::id)
        .load::<DbUuid>(conn)?
        .into_iter()
        .map(|p| p.0)
        .collect())
}

/// Whether a person is one of the people a case is for.
pub(crate) fn is_member(conn: &mut DbConn, case_id: Uuid, person_id: Uuid) -> RepoResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        case_members::table.find((DbUuid(case_id), DbUuid(person_id))),
    ))
    .get_result(conn)?)
}

/// The people a case is for, primary first.
pub fn members(conn: &mut DbConn, actor: &Actor, id: Uuid) -> RepoResult<Vec<Uuid>> {
    let detail = load_visible(conn, actor, id)?;
    members_of(conn, &detail.case)
}

fn members_of(conn: &mut DbConn, case: &Case) -> RepoResult<Vec<Uuid>> {
    let mut out: Vec<Uuid> = case_members::table
        .filter(case_members::case_id.eq(DbUuid(case.id)))
        .order(case_members::added_at.asc())
        .select(case_members::person_id)
        .load::<DbUuid>(conn)?
        .into_iter()
        .map(|p| p.0)
        .filter(|p| *p != case.person_id)
        .collect();
    out.insert(0, case.person_id);
    Ok(out)
}

/// Adds a household member to a household case (its lead or a district coordinator); the
/// member must be registered in the household and have no other open case.
pub fn add_member(tx: &mut Tx<'_>, id: Uuid, person_id: Uuid) -> RepoResult<Vec<Uuid>> {
    let actor = tx.actor();
    let current = load(tx.conn(), id)?;
    authz::manage_participants(actor, &current.facts())?;
    super::refs::person(tx.conn(), actor, person_id, "person_id")?;
    let Some(household) = current.case.household_id else {
        return Err(RepoError::conflict(
            "not_household_case",
            "members are added to household cases only",
        ));
    };
    if !household_persons(tx.conn(), household)?.contains(&person_id) {
        return Err(DomainError::invalid(
            "person_id",
            "not_member",
            "not registered in this case's household",
        )
        .into());
    }
    crate::guard::lock_persons(tx.conn(), actor, &[person_id])?;
    if is_member(tx.conn(), id, person_id)? {
        return Err(RepoError::conflict(
            "already_member",
            "the person is already a member of this case",
        ));
    }
    if let Some((_, _, lead)) = open_case_of(tx.conn(), &[person_id], None)? {
        return Err(RepoError::Conflict {
            code: "open_case_exists",
            detail: "this person already has an open case".into(),
            extensions: Some(json!({ "lead_org_id": lead, "person_id": person_id })),
        });
    }
    add_member_row(tx.conn(), actor, id, person_id)?;
    tx.record(
        DomainEvent::CaseMemberChanged {
            case_id: id,
            person_id,
            added: true,
        },
        Some(person_id),
    )?;
    members_of(tx.conn(), &current.case)
}

/// Removes a member from a household case (not its primary person).
pub fn remove_member(tx: &mut Tx<'_>, id: Uuid, person_id: Uuid) -> RepoResult<()> {
    let actor = tx.actor();
    let current = load(tx.conn(), id)?;
    authz::manage_participants(actor, &current.facts())?;
    if current.case.person_id == person_id {
        return Err(RepoError::conflict(
            "primary_member",
            "the primary person stays on the case",
        ));
    }
    let n = diesel::delete(case_members::table.find((DbUuid(id), DbUuid(person_id))))
        .execute(tx.conn())?;
    if n == 0 {
        return Err(RepoError::NotFound);
    }
    tx.record(
        DomainEvent::CaseMemberChanged {
            case_id: id,
            person_id,
            added: false,
        },
        Some(person_id),
    )?;
    Ok(())
}

/// The open case (its member, id and lead) of any of these persons, by membership: a
/// household case counts for every member. Follow-up does not count
/// (`Status::counts_as_open`).
/// The first open case (other than `except`) one of these persons is a member of: (person,
/// case, lead organization). Exact only under the persons' lock (`guard::lock_persons`).
pub(crate) fn open_case_of(
    conn: &mut DbConn,
    person_ids: &[Uuid],
    except: Option<Uuid>,
) -> RepoResult<Option<(Uuid, Uuid, Uuid)>> {
    let counting: Vec<&str> = Status::ALL
        .iter()
        .filter(|s| s.counts_as_open())
        .map(|s| s.as_str())
        .collect();
    for p in person_ids {
        let found: Option<(DbUuid, DbUuid)> = case_members::table
            .inner_join(cases::table)
            .filter(case_members::person_id.eq(DbUuid(*p)))
            .filter(in_texts(cases::status, counting.clone()))
            .filter(cases::id.ne(DbUuid(except.unwrap_or(Uuid::nil()))))
            .select((cases::id, cases::lead_org_id))
            .first(conn)
            .optional()?;
        if let Some((c, l)) = found {
            return Ok(Some((*p, c.0, l.0)));
        }
    }
    Ok(None)
}

pub(crate) fn add_member_row(
    conn: &mut DbConn,
    actor: &Actor,
    case_id: Uuid,
    person_id: Uuid,
) -> RepoResult<()> {
    diesel::insert_into(case_members::table)
        .values((
            case_members::case_id.eq(DbUuid(case_id)),
            case_members::person_id.eq(DbUuid(person_id)),
            case_members::added_at.eq(to_db(crate::now())),
            case_members::added_by.eq(DbUuid(actor.user_id)),
        ))
        .execute(conn)?;
    Ok(())
}

pub(crate) fn add_participant_row(
    conn: &mut DbConn,
    actor: &Actor,
    case_id: Uuid,
    org_id: Uuid,
    role: ParticipantRole,
) -> RepoResult<()> {
    diesel::insert_into(case_participants::table)
        .values((
            case_participants::case_id.eq(DbUuid(case_id)),
            case_participants::org_id.eq(DbUuid(org_id)),
            case_participants::role.eq(role.as_str()),
            case_participants::added_at.eq(to_db(crate::now())),
            case_participants::added_by.eq(DbUuid(actor.user_id)),
        ))
        .execute(conn)?;
    Ok(())
}

/// One case the actor may see; the read is audited.
pub fn get(rx: &mut Rx<'_>, id: Uuid) -> RepoResult<CaseDetail> {
    // One statement, its own snapshot: no transaction.
    let (conn, actor, ctx) = rx.parts();
    let detail = load_with_latest(conn, id)?;
    authz::view_case(actor, &detail.facts())?;
    audit_case(conn, ctx, AuditAction::View, &detail.case, None)?;
    Ok(detail)
}

/// Whose assignments to filter by.
#[derive(Debug, Clone, Copy)]
pub enum AssignedTo {
    User(Uuid),
}

/// Filters of the case listing.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub status: Option<Status>,
    pub risk_level: Option<RiskLevel>,
    pub case_type: Option<CaseType>,
    pub lead_org_id: Option<Uuid>,
    pub assigned_to: Option<Uuid>,
    pub person_id: Option<Uuid>,
    /// A case number or its prefix.
    pub case_no: Option<String>,
    /// Cases whose plan review is due on or before this date (closing clears the date).
    pub review_due_by: Option<NaiveDate>,
}

/// The cases the actor may see, by id; the listing is audited as one event.
pub fn list(rx: &mut Rx<'_>, f: &CaseFilter, page: PageRequest) -> RepoResult<Page<Case>> {
    rx.consistent(|rx| {
        let actor = rx.actor();
        let ctx = rx.ctx();
        if let Some(o) = f.lead_org_id {
            super::refs::org(rx.conn(), actor, o, "lead_org_id")?;
        }
        if let Some(p) = f.person_id {
            super::refs::person(rx.conn(), actor, p, "person_id")?;
        }
        if let Some(u) = f.assigned_to.filter(|u| *u != actor.user_id) {
            super::users::reference(rx.conn(), actor, u, "assigned_to")?;
        }
        let mut q = cases::table
            .select(CaseRow::as_select())
            .order(cases::id.asc())
            .limit(page.limit + 1)
            .into_boxed();
        // The listing is `authz::view_case` as a query: the actor's work scope.
        let overseer = matches!(
            authz::work_scope(actor),
            authz::WorkScope::InvolvedOrDistrict { .. }
        );
        match f.assigned_to {
            // Driven by the user's assignments (a few hundred at most), each checked against the
            // organization's participation: the plan stays small whatever the organization's size,
            // also as the generic plan of the prepared statement.
            Some(user) if !overseer => {
                q = q.filter(
                    cases::id.eq_any(
                        case_assignments::table
                            .filter(case_assignments::user_id.eq(DbUuid(user)))
                            .filter(case_assignments::ended_at.is_null())
                            .filter(diesel::dsl::exists(
                                case_participants::table
                                    .filter(
                                        case_participants::case_id.eq(case_assignments::case_id),
                                    )
                                    .filter(scope::participations(actor)),
                            ))
                            .select(case_assignments::case_id),
                    ),
                );
            }
            assigned => {
                q = q.filter(scope::cases(actor));
                if let Some(user) = assigned {
                    q = q.filter(
                        cases::id.eq_any(
                            case_assignments::table
                                .filter(case_assignments::user_id.eq(DbUuid(user)))
                                .filter(case_assignments::ended_at.is_null())
                                .select(case_assignments::case_id),
                        ),
                    );
                }
            }
        }
        if let Some(s) = f.status {
            q = q.filter(cases::status.eq(s.as_str()));
        }
        if let Some(r) = f.risk_level {
            q = q.filter(cases::risk_level.eq(r.as_str()));
        }
        if let Some(t) = f.case_type {
            q = q.filter(cases::case_type.eq(t.as_str()));
        }
        if let Some(o) = f.lead_org_id {
            q = q.filter(cases::lead_org_id.eq(DbUuid(o)));
        }
        if let Some(p) = f.person_id {
            // The person's own cases and the household cases it is a member of.
            q = q.filter(
                cases::id.eq_any(
                    case_members::table
                        .filter(case_members::person_id.eq(DbUuid(p)))
                        .select(case_members::case_id),
                ),
            );
        }
        if let Some(d) = f.review_due_by {
            q = q.filter(cases::next_review_on.le(d));
        }
        if let Some(no) = &f.case_no {
            q = q.filter(cases::case_no.like(format!("{}%", no.replace(['%', '_', '\\'], ""))));
        }
        if let Some(after) = page.after {
            q = q.filter(cases::id.gt(DbUuid(after)));
        }
        let items = q
            .load(rx.conn())?
            .into_iter()
            .map(Case::try_from)
            .collect::<RepoResult<Vec<_>>>()?;
        let page = Page::from_overfetch(items, page.limit, |c| c.id);
        audit::record(
            rx.conn(),
            ctx,
            AuditEntry::new(AuditAction::View, "case_list", None)
                .with_details(json!({ "results": page.items.len() })),
        )?;
        Ok(page)
    })
}

/// Changes summary, risk level or needs (participants), when the version is current.
pub fn update(
    tx: &mut Tx<'_>,
    id: Uuid,
    expected_version: i32,
    patch: CasePatch,
) -> RepoResult<CaseDetail> {
    let actor = tx.actor();
    if let Some(needs) = &patch.needs {
        rules::check_needs(needs)?;
    }
    let current = load(tx.conn(), id)?;
    authz::work_on_case(actor, &current.facts())?;
    let c = &current.case;
    crate::update_versioned!(
        tx.conn(),
        cases,
        id,
        expected_version,
        (
            cases::summary.eq(patch.summary.clone().unwrap_or(c.summary.clone())),
            cases::risk_level.eq(patch.risk_level.unwrap_or(c.risk_level).as_str()),
            cases::needs.eq(
                serde_json::to_string(patch.needs.as_ref().unwrap_or(&c.needs))
                    .unwrap_or_else(|_| "[]".into()),
            ),
        )
    )?;
    let fields: Vec<&'static str> = [
        patch.summary.as_ref().map(|_| "summary"),
        patch.risk_level.map(|_| "risk_level"),
        patch.needs.as_ref().map(|_| "needs"),
    ]
    .into_iter()
    .flatten()
    .collect();
    tx.record(
        DomainEvent::CaseUpdated {
            case_id: id,
            fields,
            risk_level: patch.risk_level.map(|r| r.as_str()),
        },
        Some(c.person_id),
    )?;
    load_with_latest(tx.conn(), id)
}

/// A case named in a request (`field`) that the actor may see (`authz::view_case`); any other
/// answers like an id that does not exist.
pub fn reference(
    conn: &mut DbConn,
    actor: &Actor,
    id: Uuid,
    field: &str,
) -> RepoResult<CaseDetail> {
    match load(conn, id) {
        Ok(c) if authz::view_case(actor, &c.facts()).is_ok() => Ok(c),
        Ok(_) | Err(RepoError::NotFound) => super::refs::unknown(field),
        Err(e) => Err(e),
    }
}

mod asked;
pub(crate) mod assessment;
pub mod assignments;
mod participants;
pub mod plans;
mod status;

pub(crate) use asked::*;
use assessment::load_with_latest;
pub use assessment::LatestAssessment;
pub use participants::*;
pub use status::*;
