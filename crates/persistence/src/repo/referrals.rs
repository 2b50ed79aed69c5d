//! Referrals between organizations. The receiver sees the referral and the case summary, and
//! becomes a service-providing participant when it accepts.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hamkke_domain::authz::{self, Actor, ReferralFacts};
use hamkke_domain::case::Case;
use hamkke_domain::meeting::{Referral, ReferralKind, ReferralStatus};
use hamkke_domain::DomainError;
use uuid::Uuid;

use super::cases;
use super::orgs;
use super::page::{Page, PageRequest};
use crate::audit::{self, AuditAction, AuditCtx, AuditEntry};
use crate::conn::DbConn;
use crate::error::corrupt;
use crate::error::{RepoError, RepoResult};
use crate::schema::{cases as cases_t, referrals};
use crate::scope;
use crate::types::{from_db, to_db, DbUuid};
use crate::uow::{self, Rx, Tx};
use hamkke_domain::event::DomainEvent;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = referrals)]
struct ReferralRow {
    id: DbUuid,
    case_id: DbUuid,
    from_org_id: DbUuid,
    to_org_id: DbUuid,
    kind: String,
    reason: String,
    requested_services: String,
    status: String,
    response_note: Option<String>,
    outcome: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TryFrom<ReferralRow> for Referral {
    type Error = RepoError;
    fn try_from(r: ReferralRow) -> RepoResult<Self> {
        Ok(Referral {
            id: r.id.0,
            case_id: r.case_id.0,
            from_org_id: r.from_org_id.0,
            to_org_id: r.to_org_id.0,
            kind: ReferralKind::parse(&r.kind).ok_or_else(|| corrupt("referrals.kind"))?,
            reason: r.reason,
            requested_services: serde_json::from_str(&r.requested_services)
                .map_err(|_| corrupt("referrals.requested_services"))?,
            status: ReferralStatus::parse(&r.status).ok_or_else(|| corrupt("referrals.status"))?,
            response_note: r.response_note,
            outcome: r.outcome,
            created_at: from_db(r.created_at),
            updated_at: from_db(r.updated_at),
        })
    }
}

/// A referral with the case summary its receiver may see.
#[derive(Debug, Clone)]
pub struct ReferralDetail {
    pub referral: Referral,
    pub case: Case,
}

fn load(conn: &mut DbConn, id: Uuid) -> RepoResult<(Referral, ReferralFacts)> {
    let r: Referral = referrals::table
        .find(DbUuid(id))
        .select(ReferralRow::as_select())
        .first(conn)?
        .try_into()?;
    let district: String = cases_t::table
        .find(DbUuid(r.case_id))
        .select(cases_t::district_code)
        .first(conn)?;
    let facts = ReferralFacts {
        from_org_id: r.from_org_id,
        to_org_id: r.to_org_id,
        district_code: district,
    };
    Ok((r, facts))
}

fn detail(conn: &mut DbConn, referral: Referral) -> RepoResult<ReferralDetail> {
    let case = cases::load(conn, referral.case_id)?.case;
    Ok(ReferralDetail { referral, case })
}

/// A validated referral.
#[derive(Debug, Clone)]
pub struct NewReferral {
    pub case_id: Uuid,
    pub to_org_id: Uuid,
    pub kind: ReferralKind,
    pub reason: String,
    pub requested_services: Vec<String>,
}

/// Refers a case the actor works on to another organization.
pub fn create(tx: &mut Tx<'_>, new: NewReferral) -> RepoResult<ReferralDetail> {
    let actor = tx.actor();
    let case = match cases::load(tx.conn(), new.case_id) {
        Ok(c) => c,
        Err(RepoError::NotFound) => return Err(DomainError::unknown("case_id").into()),
        Err(e) => return Err(e),
    };
    authz::view_case(actor, &case.facts()).map_err(|_| DomainError::unknown("case_id"))?;
    authz::work_on_case(actor, &case.facts())?;
    if new.kind == ReferralKind::Lead {
        // Asking another organization to take over is the lead's to ask.
        authz::lead_case(actor, &case.facts())?;
        if !case.case.status.counts_as_open() {
            return Err(RepoError::conflict(
                "case_closed",
                "only a case being worked on can be handed to a new lead; reopen it first",
            ));
        }
    }
    let to = orgs::load_for_case(
        tx.conn(),
        &case.case.district_code,
        new.to_org_id,
        "to_organization_id",
    )?;
    if to.id == actor.org_id {
        return Err(DomainError::unknown("to_organization_id").into());
    }
    let id = send(tx, &case, actor.org_id, &new)?;
    let (r, _) = load(tx.conn(), id)?;
    detail(tx.conn(), r)
}

/// Writes a referral of `case` from `from_org` and records it (the caller has checked who may
/// send it and that the receiver is an organization of the case's district).
pub(crate) fn send(
    tx: &mut Tx<'_>,
    case: &cases::CaseDetail,
    from_org: Uuid,
    new: &NewReferral,
) -> RepoResult<Uuid> {
    // An organization that already takes part may be referred to (the field visits together
    // first and refers after: the referral asks it to lead or to take a named service); only
    // an identical referral waiting for its answer is refused.
    let open: bool = diesel::select(diesel::dsl::exists(
        referrals::table
            .filter(referrals::case_id.eq(DbUuid(new.case_id)))
            .filter(referrals::to_org_id.eq(DbUuid(new.to_org_id)))
            .filter(referrals::status.eq(ReferralStatus::Sent.as_str())),
    ))
    .get_result(tx.conn())?;
    if open {
        return Err(RepoError::conflict(
            "referral_pending",
            "a referral of this case to this organization is waiting for an answer",
        ));
    }
    let id = Uuid::now_v7();
    let now = to_db(crate::now());
    diesel::insert_into(referrals::table)
        .values((
            referrals::id.eq(DbUuid(id)),
            referrals::case_id.eq(DbUuid(new.case_id)),
            referrals::from_org_id.eq(DbUuid(from_org)),
            referrals::to_org_id.eq(DbUuid(new.to_org_id)),
            referrals::kind.eq(new.kind.as_str()),
            referrals::reason.eq(&new.reason),
            referrals::requested_services
                .eq(serde_json::to_string(&new.requested_services).unwrap_or_else(|_| "[]".into())),
            referrals::status.eq(ReferralStatus::Sent.as_str()),
            referrals::created_by.eq(DbUuid(tx.actor().user_id)),
            referrals::created_at.eq(now),
            referrals::updated_at.eq(now),
        ))
        .execute(tx.conn())?;
    tx.record(
        DomainEvent::ReferralSent {
            referral_id: id,
            case_id: new.case_id,
            from_org_id: from_org,
            to_org_id: new.to_org_id,
        },
        Some(case.case.person_id),
    )?;
    Ok(id)
}

/// One referral (either end, or the district's coordinators and auditors).
pub fn get(rx: &mut Rx<'_>, id: Uuid) -> RepoResult<ReferralDetail> {
    rx.consistent(|rx| {
        let actor = rx.actor();
        let ctx = rx.ctx();
        let (r, facts) = load(rx.conn(), id)?;
        authz::view_referral(actor, &facts)?;
        audit::record(
            rx.conn(),
            ctx,
            AuditEntry::new(AuditAction::View, "referral", Some(id.to_string())),
        )?;
        detail(rx.conn(), r)
    })
}

/// Which way a referral goes, seen from the actor's organization.
#[derive(Debug, Clone, Copy)]
pub enum Direction {
    Incoming,
    Outgoing,
}

/// Referrals to or from the actor's organization.
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    direction: Option<Direction>,
    status: Option<ReferralStatus>,
    page: PageRequest,
) -> RepoResult<Page<ReferralDetail>> {
    let mut q = referrals::table
        .select(ReferralRow::as_select())
        .order(referrals::id.asc())
        .limit(page.limit + 1)
        .into_boxed();
    // `authz::view_referral` as a query: both ends, and the district for those who oversee it.
    q = q.filter(match direction {
        Some(Direction::Incoming) => Box::new(scope::incoming_referrals(actor)) as scope::Filter<_>,
        Some(Direction::Outgoing) => Box::new(scope::outgoing_referrals(actor)),
        None => scope::referrals(actor),
    });
    if let Some(s) = status {
        q = q.filter(referrals::status.eq(s.as_str()));
    }
    if let Some(after) = page.after {
        q = q.filter(referrals::id.gt(DbUuid(after)));
    }
    let rows = q.load(conn)?;
    let page = Page::from_overfetch(rows, page.limit, |r| r.id.0);
    let referrals = page
        .items
        .into_iter()
        .map(Referral::try_from)
        .collect::<RepoResult<Vec<_>>>()?;
    let ids: Vec<Uuid> = referrals.iter().map(|r| r.case_id).collect();
    let cases = cases::load_many(conn, &ids)?;
    let items = referrals
        .into_iter()
        .map(|referral| {
            let case = cases
                .get(&referral.case_id)
                .cloned()
                .ok_or(RepoError::NotFound)?;
            Ok(ReferralDetail { referral, case })
        })
        .collect::<RepoResult<Vec<_>>>()?;
    Ok(Page {
        items,
        next_after: page.next_after,
    })
}

/// Moves a referral to `to` (answered by the receiver, completed by either end), with the
/// answer's note; of two answers at once the second is refused. Returns the referral as it was
/// before. The change is recorded by [`record_answer`], once its consequences are written.
pub(crate) fn claim_answer(
    tx: &mut Tx<'_>,
    id: Uuid,
    to: ReferralStatus,
    note: Option<&str>,
) -> RepoResult<Referral> {
    let actor = tx.actor();
    let (r, facts) = load(tx.conn(), id)?;
    match to {
        ReferralStatus::Completed => authz::complete_referral(actor, &facts)?,
        _ => authz::answer_referral(actor, &facts)?,
    }
    if !r.status.can_move_to(to) {
        return Err(RepoError::conflict(
            "invalid_referral_transition",
            format!(
                "a {} referral cannot become {}",
                r.status.as_str(),
                to.as_str()
            ),
        ));
    }
    let answered = diesel::update(
        referrals::table
            .find(DbUuid(id))
            .filter(referrals::status.eq(r.status.as_str())),
    )
    .set((
        referrals::status.eq(to.as_str()),
        referrals::updated_at.eq(to_db(crate::now())),
    ))
    .execute(tx.conn())?;
    crate::guard::claimed(
        answered,
        "already_answered",
        "another request answered this referral first; reload it",
    )?;
    let this = referrals::table.find(DbUuid(id));
    match to {
        ReferralStatus::Completed => diesel::update(this)
            .set(referrals::outcome.eq(note))
            .execute(tx.conn())?,
        _ => diesel::update(this)
            .set(referrals::response_note.eq(note))
            .execute(tx.conn())?,
    };
    Ok(r)
}

/// Records a referral's answer (`claim_answer`) on its case's timeline and answers it as it is
/// now.
pub(crate) fn record_answer(
    tx: &mut Tx<'_>,
    r: &Referral,
    to: ReferralStatus,
) -> RepoResult<ReferralDetail> {
    let person = cases::load(tx.conn(), r.case_id)?.case.person_id;
    tx.record(
        DomainEvent::ReferralAnswered {
            referral_id: r.id,
            case_id: r.case_id,
            from_org_id: r.from_org_id,
            to_org_id: r.to_org_id,
            status: to.as_str(),
        },
        Some(person),
    )?;
    let (r, _) = load(tx.conn(), r.id)?;
    detail(tx.conn(), r)
}

fn answer(
    tx: &mut Tx<'_>,
    id: Uuid,
    to: ReferralStatus,
    note: Option<&str>,
) -> RepoResult<ReferralDetail> {
    let r = claim_answer(tx, id, to, note)?;
    record_answer(tx, &r, to)
}

/// The receiver declines, with a reason.
pub fn decline(tx: &mut Tx<'_>, id: Uuid, reason: &str) -> RepoResult<ReferralDetail> {
    answer(tx, id, ReferralStatus::Declined, Some(reason))
}

/// Either end completes an accepted referral, with its outcome.
pub fn complete(tx: &mut Tx<'_>, id: Uuid, outcome: &str) -> RepoResult<ReferralDetail> {
    answer(tx, id, ReferralStatus::Completed, Some(outcome))
}

/// Reminds both ends of every referral that has waited `remind_days` or more for its answer,
/// once per `remind_days` while it waits (`HAMKKE_REFERRAL_REMIND_DAYS`; 0: never). Each
/// reminder is claimed by a conditional update, so servers running the job side by side remind
/// once. Returns how many were reminded.
pub fn remind_waiting(
    conn: &mut DbConn,
    remind_days: u32,
    now: chrono::DateTime<chrono::Utc>,
) -> RepoResult<usize> {
    if remind_days == 0 {
        return Ok(0);
    }
    let due_before = to_db(now - chrono::Duration::days(i64::from(remind_days)));
    let due = || {
        referrals::status
            .eq(ReferralStatus::Sent.as_str())
            .and(referrals::created_at.le(due_before))
            .and(
                referrals::reminded_at
                    .is_null()
                    .or(referrals::reminded_at.le(due_before)),
            )
    };
    let ctx = AuditCtx::job("referral_reminders");
    uow::system(conn, "referral_reminders", |conn| {
        type Due = (
            DbUuid,
            DbUuid,
            DbUuid,
            DbUuid,
            NaiveDateTime,
            String,
            DbUuid,
        );
        let waiting: Vec<Due> = referrals::table
            .inner_join(cases_t::table)
            .filter(due())
            .select((
                referrals::id,
                referrals::case_id,
                referrals::from_org_id,
                referrals::to_org_id,
                referrals::created_at,
                cases_t::district_code,
                cases_t::person_id,
            ))
            .load(conn)?;
        let mut reminded = 0;
        for (id, case_id, from, to, created, district, person) in waiting {
            let claimed = diesel::update(referrals::table.find(id).filter(due()))
                .set(referrals::reminded_at.eq(Some(to_db(now))))
                .execute(conn)?;
            if claimed == 1 {
                uow::system_event(
                    conn,
                    &ctx,
                    &district,
                    DomainEvent::ReferralWaiting {
                        referral_id: id.0,
                        case_id: case_id.0,
                        from_org_id: from.0,
                        to_org_id: to.0,
                        days: (now - from_db(created)).num_days(),
                    },
                    Some(person.0),
                )?;
                reminded += 1;
            }
        }
        Ok(reminded)
    })
}
