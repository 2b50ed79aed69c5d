//! The course of a case: dated assessments (사정), service plans (서비스 계획) and their reviews
//! (점검). Writing any of them is working on the case; reading them is reading the case.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use hamkke_domain::authz::{self, Actor};
use hamkke_domain::event::DomainEvent;
use hamkke_domain::plan::{
    self as rules, GoalProgress, NewAssessment, NewPlan, NewReview, Plan, PlanStatus,
    PlannedService, Review,
};
use hamkke_domain::DomainError;
use serde_json::json;
use uuid::Uuid;

use super::assessment::{assessments_of, with_changes};
use crate::audit::{self, AuditAction, AuditEntry};
use crate::conn::DbConn;
use crate::error::corrupt;
use crate::error::{RepoError, RepoResult};
use crate::repo::cases::{self, CaseDetail, LatestAssessment};
use crate::schema::{case_assessments, cases as cases_t, plan_reviews, service_plans, users};
use crate::types::{from_db, to_db, DbUuid};
use crate::uow::{Rx, Tx};

/// A case open to new records: not closed, rejected or referred out.
fn open_case(case: &CaseDetail) -> RepoResult<()> {
    if case.case.status.is_open() {
        Ok(())
    } else {
        Err(RepoError::conflict(
            "case_closed",
            "the case is closed; reopen it first",
        ))
    }
}

/// Writes a dated assessment; the case takes its risk level.
pub fn create_assessment(
    tx: &mut Tx<'_>,
    case_id: Uuid,
    new: NewAssessment,
) -> RepoResult<LatestAssessment> {
    let actor = tx.actor();
    rules::check_assessment(&new, crate::today())?;
    let case = cases::load(tx.conn(), case_id)?;
    authz::work_on_case(actor, &case.facts())?;
    open_case(&case)?;
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
    let domains = serde_json::to_string(&new.domains).unwrap_or_else(|_| "{}".into());
    diesel::insert_into(case_assessments::table)
        .values((
            case_assessments::id.eq(DbUuid(id)),
            case_assessments::case_id.eq(DbUuid(case_id)),
            case_assessments::person_id.eq(new.person_id.map(DbUuid)),
            case_assessments::assessed_on.eq(new.assessed_on),
            case_assessments::assessor_user_id.eq(DbUuid(actor.user_id)),
            case_assessments::assessor_org_id.eq(DbUuid(actor.org_id)),
            case_assessments::domains.eq(&domains),
            case_assessments::risk_level.eq(new.risk_level.as_str()),
            case_assessments::summary.eq(&new.summary),
            case_assessments::created_at.eq(to_db(crate::now())),
        ))
        .execute(tx.conn())?;
    diesel::update(cases_t::table.find(DbUuid(case_id)))
        .set((
            cases_t::risk_level.eq(new.risk_level.as_str()),
            cases_t::version.eq(cases_t::version + 1),
            cases_t::updated_at.eq(to_db(crate::now())),
        ))
        .execute(tx.conn())?;
    tx.record(
        DomainEvent::AssessmentRecorded {
            assessment_id: id,
            case_id,
            assessed_on: new.assessed_on,
            risk_level: new.risk_level.as_str(),
        },
        Some(new.person_id.unwrap_or(case.case.person_id)),
    )?;
    let all = with_changes(assessments_of(tx.conn(), case_id)?);
    all.into_iter()
        .find(|a| a.assessment.id == id)
        .ok_or(RepoError::NotFound)
}

/// Every assessment of a case, oldest first, each with its change; the read is audited.
pub fn list_assessments(rx: &mut Rx<'_>, case_id: Uuid) -> RepoResult<Vec<LatestAssessment>> {
    rx.consistent(|rx| {
        let actor = rx.actor();
        let ctx = rx.ctx();
        let case = cases::load_visible(rx.conn(), actor, case_id)?;
        let list = with_changes(assessments_of(rx.conn(), case_id)?);
        let mut entry = AuditEntry::new(
            AuditAction::View,
            "assessment_list",
            Some(case_id.to_string()),
        )
        .with_details(json!({ "results": list.len() }));
        entry.person_id = Some(case.case.person_id);
        audit::record(rx.conn(), ctx, entry)?;
        Ok(list)
    })
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = service_plans)]
struct PlanRow {
    id: DbUuid,
    case_id: DbUuid,
    revision: i32,
    status: String,
    summary: Option<String>,
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
    goals: String,
    services: String,
    next_review_on: Option<NaiveDate>,
    created_by: DbUuid,
    created_by_org_id: DbUuid,
    created_at: NaiveDateTime,
}

impl TryFrom<PlanRow> for Plan {
    type Error = RepoError;
    fn try_from(r: PlanRow) -> RepoResult<Self> {
        Ok(Plan {
            id: r.id.0,
            case_id: r.case_id.0,
            revision: r.revision,
            status: PlanStatus::parse(&r.status).ok_or_else(|| corrupt("service_plans.status"))?,
            summary: r.summary,
            starts_on: r.starts_on,
            ends_on: r.ends_on,
            goals: serde_json::from_str(&r.goals).map_err(|_| corrupt("service_plans.goals"))?,
            services: serde_json::from_str(&r.services)
                .map_err(|_| corrupt("service_plans.services"))?,
            next_review_on: r.next_review_on,
            created_by: r.created_by.0,
            created_by_org_id: r.created_by_org_id.0,
            created_at: from_db(r.created_at),
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = plan_reviews)]
struct ReviewRow {
    id: DbUuid,
    plan_id: DbUuid,
    case_id: DbUuid,
    reviewed_on: NaiveDate,
    reviewer_user_id: DbUuid,
    reviewer_org_id: DbUuid,
    goal_progress: String,
    summary: Option<String>,
    next_review_on: Option<NaiveDate>,
    created_at: NaiveDateTime,
}

impl TryFrom<ReviewRow> for Review {
    type Error = RepoError;
    fn try_from(r: ReviewRow) -> RepoResult<Self> {
        Ok(Review {
            id: r.id.0,
            plan_id: r.plan_id.0,
            case_id: r.case_id.0,
            reviewed_on: r.reviewed_on,
            reviewer_user_id: r.reviewer_user_id.0,
            reviewer_org_id: r.reviewer_org_id.0,
            goal_progress: serde_json::from_str::<Vec<GoalProgress>>(&r.goal_progress)
                .map_err(|_| corrupt("plan_reviews.goal_progress"))?,
            summary: r.summary,
            next_review_on: r.next_review_on,
            created_at: from_db(r.created_at),
        })
    }
}

/// A plan revision with its reviews, oldest first.
#[derive(Debug, Clone)]
pub struct PlanDetail {
    pub plan: Plan,
    pub reviews: Vec<Review>,
}

fn plan_detail(conn: &mut DbConn, plan: Plan) -> RepoResult<PlanDetail> {
    let reviews = plan_reviews::table
        .filter(plan_reviews::plan_id.eq(DbUuid(plan.id)))
        .order((plan_reviews::reviewed_on.asc(), plan_reviews::id.asc()))
        .select(ReviewRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Review::try_from)
        .collect::<RepoResult<_>>()?;
    Ok(PlanDetail { plan, reviews })
}

fn load_plan(conn: &mut DbConn, id: Uuid) -> RepoResult<Plan> {
    service_plans::table
        .find(DbUuid(id))
        .select(PlanRow::as_select())
        .first(conn)?
        .try_into()
}

/// Checks what a plan names: benefit types of the district, provider organizations of the
/// case's district, responsible users who can see the case (active staff of a participant).
fn check_plan_refs(
    conn: &mut DbConn,
    actor: &Actor,
    case: &CaseDetail,
    services: &[PlannedService],
) -> RepoResult<()> {
    let facts = case.facts();
    for (i, s) in services.iter().enumerate() {
        if let Some(t) = s.benefit_type_id {
            crate::repo::benefit_types::load_usable(
                conn,
                actor,
                t,
                &format!("services[{i}].benefit_type_id"),
            )?;
        }
        crate::repo::orgs::load_for_case(
            conn,
            &facts.district_code,
            s.provider_org_id,
            &format!("services[{i}].provider_org_id"),
        )?;
        if let Some(u) = s.responsible_user_id {
            let org: Option<DbUuid> = users::table
                .filter(users::id.eq(DbUuid(u)))
                .filter(users::active.eq(true))
                .select(users::org_id)
                .first(conn)
                .optional()?;
            if !org.is_some_and(|o| facts.participant_orgs.contains(&o.0)) {
                return Err(
                    DomainError::unknown(format!("services[{i}].responsible_user_id")).into(),
                );
            }
        }
    }
    Ok(())
}

/// Writes the next revision of a case's service plan; the previous one is kept, superseded.
/// The case's next review date becomes the plan's.
pub fn create_plan(tx: &mut Tx<'_>, case_id: Uuid, mut new: NewPlan) -> RepoResult<PlanDetail> {
    let actor = tx.actor();
    rules::check_plan(&mut new)?;
    let case = cases::load(tx.conn(), case_id)?;
    authz::work_on_case(actor, &case.facts())?;
    open_case(&case)?;
    check_plan_refs(tx.conn(), actor, &case, &new.services)?;
    let last: Option<i32> = service_plans::table
        .filter(service_plans::case_id.eq(DbUuid(case_id)))
        .select(diesel::dsl::max(service_plans::revision))
        .first(tx.conn())?;
    diesel::update(
        service_plans::table
            .filter(service_plans::case_id.eq(DbUuid(case_id)))
            .filter(service_plans::status.eq(PlanStatus::Active.as_str())),
    )
    .set(service_plans::status.eq(PlanStatus::Superseded.as_str()))
    .execute(tx.conn())?;
    let id = Uuid::now_v7();
    let revision = last.unwrap_or(0) + 1;
    let goals: Vec<_> = new
        .goals
        .into_iter()
        .map(|mut g| {
            g.id = Uuid::now_v7();
            g
        })
        .collect();
    diesel::insert_into(service_plans::table)
        .values((
            service_plans::id.eq(DbUuid(id)),
            service_plans::case_id.eq(DbUuid(case_id)),
            service_plans::revision.eq(revision),
            service_plans::status.eq(PlanStatus::Active.as_str()),
            service_plans::summary.eq(&new.summary),
            service_plans::starts_on.eq(new.starts_on),
            service_plans::ends_on.eq(new.ends_on),
            service_plans::goals.eq(serde_json::to_string(&goals).unwrap_or_else(|_| "[]".into())),
            service_plans::services
                .eq(serde_json::to_string(&new.services).unwrap_or_else(|_| "[]".into())),
            service_plans::next_review_on.eq(new.next_review_on),
            service_plans::created_by.eq(DbUuid(actor.user_id)),
            service_plans::created_by_org_id.eq(DbUuid(actor.org_id)),
            service_plans::created_at.eq(to_db(crate::now())),
        ))
        .execute(tx.conn())?;
    set_next_review(tx.conn(), case_id, new.next_review_on)?;
    let facts = case.facts();
    let mut provider_org_ids: Vec<Uuid> = new
        .services
        .iter()
        .map(|s| s.provider_org_id)
        .filter(|o| *o != actor.org_id && facts.participant_orgs.contains(o))
        .collect();
    provider_org_ids.sort();
    provider_org_ids.dedup();
    let mut responsible_user_ids: Vec<Uuid> = new
        .services
        .iter()
        .filter_map(|s| s.responsible_user_id)
        .collect();
    responsible_user_ids.sort();
    responsible_user_ids.dedup();
    tx.record(
        DomainEvent::PlanRecorded {
            plan_id: id,
            case_id,
            revision,
            provider_org_ids,
            responsible_user_ids,
        },
        Some(case.case.person_id),
    )?;
    let plan = load_plan(tx.conn(), id)?;
    plan_detail(tx.conn(), plan)
}

fn set_next_review(conn: &mut DbConn, case_id: Uuid, on: Option<NaiveDate>) -> RepoResult<()> {
    diesel::update(cases_t::table.find(DbUuid(case_id)))
        .set((
            cases_t::next_review_on.eq(on),
            cases_t::version.eq(cases_t::version + 1),
            cases_t::updated_at.eq(to_db(crate::now())),
        ))
        .execute(conn)?;
    Ok(())
}

/// Every plan revision of a case, newest first, with its reviews; the read is audited.
pub fn list_plans(rx: &mut Rx<'_>, case_id: Uuid) -> RepoResult<Vec<PlanDetail>> {
    rx.consistent(|rx| {
        let actor = rx.actor();
        let ctx = rx.ctx();
        let case = cases::load_visible(rx.conn(), actor, case_id)?;
        let plans: Vec<Plan> = service_plans::table
            .filter(service_plans::case_id.eq(DbUuid(case_id)))
            .order(service_plans::revision.desc())
            .select(PlanRow::as_select())
            .load(rx.conn())?
            .into_iter()
            .map(Plan::try_from)
            .collect::<RepoResult<_>>()?;
        let list = plans
            .into_iter()
            .map(|p| plan_detail(rx.conn(), p))
            .collect::<RepoResult<Vec<_>>>()?;
        let mut entry = AuditEntry::new(
            AuditAction::View,
            "service_plan_list",
            Some(case_id.to_string()),
        )
        .with_details(json!({ "results": list.len() }));
        entry.person_id = Some(case.case.person_id);
        audit::record(rx.conn(), ctx, entry)?;
        Ok(list)
    })
}

/// Reviews the active plan of a case: records each goal's progress and the next review date
/// (default three months on), which the case takes.
pub fn create_review(tx: &mut Tx<'_>, plan_id: Uuid, mut new: NewReview) -> RepoResult<Review> {
    let actor = tx.actor();
    let plan = load_plan(tx.conn(), plan_id)?;
    let case = cases::load(tx.conn(), plan.case_id)?;
    authz::work_on_case(actor, &case.facts())?;
    open_case(&case)?;
    if plan.status != PlanStatus::Active {
        return Err(RepoError::conflict(
            "plan_superseded",
            "a later revision of this plan is in force; review that one",
        ));
    }
    rules::check_review(&new, &plan, crate::today())?;
    if new.next_review_on.is_none() {
        new.next_review_on = new
            .reviewed_on
            .checked_add_months(chrono::Months::new(rules::REVIEW_MONTHS));
    }
    let id = Uuid::now_v7();
    diesel::insert_into(plan_reviews::table)
        .values((
            plan_reviews::id.eq(DbUuid(id)),
            plan_reviews::plan_id.eq(DbUuid(plan_id)),
            plan_reviews::case_id.eq(DbUuid(plan.case_id)),
            plan_reviews::reviewed_on.eq(new.reviewed_on),
            plan_reviews::reviewer_user_id.eq(DbUuid(actor.user_id)),
            plan_reviews::reviewer_org_id.eq(DbUuid(actor.org_id)),
            plan_reviews::goal_progress
                .eq(serde_json::to_string(&new.goal_progress).unwrap_or_else(|_| "[]".into())),
            plan_reviews::summary.eq(&new.summary),
            plan_reviews::next_review_on.eq(new.next_review_on),
            plan_reviews::created_at.eq(to_db(crate::now())),
        ))
        .execute(tx.conn())?;
    set_next_review(tx.conn(), plan.case_id, new.next_review_on)?;
    tx.record(
        DomainEvent::PlanReviewed {
            review_id: id,
            plan_id,
            case_id: plan.case_id,
            reviewed_on: new.reviewed_on,
            next_review_on: new.next_review_on,
        },
        Some(case.case.person_id),
    )?;
    plan_reviews::table
        .find(DbUuid(id))
        .select(ReviewRow::as_select())
        .first(tx.conn())?
        .try_into()
}

/// A merge (`app::merge`): the merged record's assessments now belong to the survivor.
pub(crate) fn reassign_person(conn: &mut DbConn, from: Uuid, to: Uuid) -> RepoResult<usize> {
    Ok(
        diesel::update(
            case_assessments::table.filter(case_assessments::person_id.eq(DbUuid(from))),
        )
        .set(case_assessments::person_id.eq(DbUuid(to)))
        .execute(conn)?,
    )
}
