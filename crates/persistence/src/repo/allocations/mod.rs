//! The shared ledger. A new allocation is checked against every non-cancelled allocation of its
//! subject, from any organization and under any resource, of the same benefit type (or of its
//! group), under the benefit type's policy — in one transaction that first
//! locks the subject rows (person, then household), so two simultaneous requests for the same
//! subject serialise on both backends and across servers sharing a PostgreSQL database.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use hamkke_domain::allocation::{
    self as rules, Action, Allocation, AllocationStatus, Category, Claim, Request, Resource,
    RuleLabel, Scope, Subject, Verdict,
};
use hamkke_domain::attachment::ProofKind;
use hamkke_domain::authz::{self, Actor};
use hamkke_domain::benefit::BenefitType;
use hamkke_domain::DomainError;
use serde_json::json;
use uuid::Uuid;

use super::page::{Page, PageRequest};
use super::{access, benefit_types, cases, persons, resources};
use crate::audit::{self, AuditAction, AuditCtx, AuditEntry};
use crate::conn::DbConn;
use crate::error::corrupt;
use crate::error::{RepoError, RepoResult};
use crate::schema::{
    allocations, benefit_types as types_t, organizations, persons as persons_t,
    resources as resources_t,
};
use crate::scope;
use crate::types::{from_db, to_db, DbUuid};
use crate::uow::{Rx, Tx};
use hamkke_domain::event::DomainEvent;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = allocations)]
pub(crate) struct AllocationRow {
    id: DbUuid,
    resource_id: DbUuid,
    benefit_type_id: DbUuid,
    category: String,
    person_id: DbUuid,
    household_id: Option<DbUuid>,
    case_id: Option<DbUuid>,
    provider_org_id: DbUuid,
    district_code: String,
    amount: Option<i64>,
    quantity: Option<i32>,
    granted_on: NaiveDate,
    status: String,
    note: Option<String>,
    override_reason: Option<String>,
    requested_by: DbUuid,
    approved_by: Option<DbUuid>,
    cancel_reason: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    delivered_at: Option<NaiveDateTime>,
    delivered_by: Option<DbUuid>,
    proof_kind: Option<String>,
    proof_attachment_id: Option<DbUuid>,
    proxy_name: Option<String>,
    proxy_relation: Option<String>,
}

impl TryFrom<AllocationRow> for Allocation {
    type Error = RepoError;
    fn try_from(r: AllocationRow) -> RepoResult<Self> {
        Ok(Allocation {
            id: r.id.0,
            resource_id: r.resource_id.0,
            benefit_type_id: r.benefit_type_id.0,
            category: Category::parse(&r.category)
                .ok_or_else(|| corrupt("allocations.category"))?,
            person_id: r.person_id.0,
            household_id: r.household_id.map(|h| h.0),
            case_id: r.case_id.map(|c| c.0),
            provider_org_id: r.provider_org_id.0,
            district_code: r.district_code,
            amount: r.amount,
            quantity: r.quantity,
            granted_on: r.granted_on,
            status: AllocationStatus::parse(&r.status)
                .ok_or_else(|| corrupt("allocations.status"))?,
            note: r.note,
            override_reason: r.override_reason,
            requested_by: r.requested_by.0,
            approved_by: r.approved_by.map(|a| a.0),
            cancel_reason: r.cancel_reason,
            created_at: from_db(r.created_at),
            updated_at: from_db(r.updated_at),
            delivery: match r.delivered_at {
                None => None,
                Some(at) => Some(rules::Delivery {
                    delivered_at: from_db(at),
                    delivered_by: r.delivered_by.map(|u| u.0),
                    proof: match r.proof_kind.as_deref() {
                        None => None,
                        Some(k) => Some(rules::Proof {
                            kind: ProofKind::parse(k)
                                .ok_or_else(|| corrupt("allocations.proof_kind"))?,
                            attachment_id: r.proof_attachment_id.map(|a| a.0),
                            proxy_name: r.proxy_name,
                            proxy_relation: r.proxy_relation,
                        }),
                    },
                }),
            },
        })
    }
}

/// A validated allocation request.
#[derive(Debug, Clone)]
pub struct NewAllocation {
    pub resource_id: Uuid,
    /// Who gives it, when a coordinator records on behalf of another organization of the
    /// district; otherwise the resource's provider, or the recording organization.
    pub provider_org_id: Option<Uuid>,
    pub person_id: Uuid,
    pub case_id: Option<Uuid>,
    pub amount: Option<i64>,
    pub quantity: Option<i32>,
    pub granted_on: NaiveDate,
    pub note: Option<String>,
    pub override_reason: Option<String>,
    /// Set by imports: the same key is never imported twice.
    pub import_key: Option<String>,
    /// The campaign whose approved nomination it is (a campaign-designated stock lot gives
    /// only to these).
    pub campaign_id: Option<Uuid>,
}

/// A conflicting earlier allocation, as shown to the requester (no person data).
#[derive(Debug, Clone)]
pub struct ConflictInfo {
    pub allocation_id: Uuid,
    pub benefit_type_id: Uuid,
    pub benefit_type_code: String,
    pub benefit_type_name_ko: String,
    pub benefit_type_name_en: String,
    pub resource_id: Uuid,
    pub resource_name: String,
    pub category: Category,
    pub provider_org_id: Uuid,
    pub provider_org_name: String,
    pub granted_on: NaiveDate,
    pub amount: Option<i64>,
    pub quantity: Option<i32>,
    /// Whether the claim counted as the same person's or the household's.
    pub subject: Subject,
}

/// The rule that fired, in both languages.
#[derive(Debug, Clone)]
pub struct Rule {
    pub ko: String,
    pub en: String,
}

/// What the policy said.
#[derive(Debug, Clone)]
pub struct Check {
    pub allowed: bool,
    pub action: Action,
    /// The most recent [`SHOWN`] conflicts, oldest first.
    pub conflicts: Vec<ConflictInfo>,
    /// How many conflicts there are in all.
    pub conflicts_total: usize,
    pub rule: Option<Rule>,
    /// Claims of the same benefit type (or group) in the policy's window by persons who are
    /// unreviewed strong candidates for being this person (they also count under the policy
    /// until the pair is reviewed). The most recent [`SHOWN`].
    pub possible_duplicate_claims: Vec<CandidateClaim>,
    /// How many such claims there are in all.
    pub possible_duplicate_claims_total: usize,
}

/// How many conflicts or candidate claims an answer lists (the most recent ones); the total
/// is given beside them, so a person with thousands of earlier claims gets a bounded answer.
pub const SHOWN: usize = 20;

/// What a request refers to, loaded and checked.
struct Prepared {
    resource: Resource,
    benefit: BenefitType,
    household: Option<Uuid>,
    /// The household's members (the person included) when the policy counts the household,
    /// read with the person in one statement.
    members: Option<Vec<Uuid>>,
    /// Whether the person has an open strong duplicate pair, read with the person: when not,
    /// there are no partners to look up.
    paired: bool,
    provider_org_id: Uuid,
}

/// Loads and checks everything a request refers to: the resource, its benefit type, the
/// person (and household), the case, and who provides it.
fn prepare(
    conn: &mut DbConn,
    actor: &Actor,
    new: &NewAllocation,
    strong: u8,
) -> RepoResult<Prepared> {
    authz::allocate(actor)?;
    let (resource, benefit) = usable_resource(conn, actor, new.resource_id)?;
    let household = benefit.policy.subject == Subject::Household;
    let recipient = match persons::load_recipient(conn, new.person_id, household, strong) {
        Ok(r) if authz::reach_person(actor, &r.person.district_code).is_ok() => r,
        Ok(_) | Err(RepoError::NotFound) => return Err(DomainError::unknown("person_id").into()),
        Err(e) => return Err(e),
    };
    rules::check_amount(&benefit.policy, new.amount)?;
    let provider_org_id = provider_of(conn, actor, &resource, new.provider_org_id)?;
    if let Some(case_id) = new.case_id {
        let case = match cases::load(conn, case_id) {
            Ok(c) => c,
            Err(RepoError::NotFound) => return Err(DomainError::unknown("case_id").into()),
            Err(e) => return Err(e),
        };
        authz::view_case(actor, &case.facts()).map_err(|_| DomainError::unknown("case_id"))?;
        authz::tie_to_case(actor, &case.facts())?;
        if case.case.person_id != new.person_id && !cases::is_member(conn, case_id, new.person_id)?
        {
            return Err(DomainError::invalid(
                "case_id",
                "mismatch",
                "the case is of another person",
            )
            .into());
        }
    }
    Ok(Prepared {
        resource,
        benefit,
        household: recipient.person.household_id,
        members: recipient.members,
        paired: recipient.paired,
        provider_org_id,
    })
}

/// An active resource of the actor's district whose benefit type is active too (a resource
/// of a retired type gives nothing until it names an active one).
pub(crate) fn usable_resource(
    conn: &mut DbConn,
    actor: &Actor,
    id: Uuid,
) -> RepoResult<(Resource, BenefitType)> {
    match resources::load_with_type(conn, id) {
        Ok((r, t))
            if r.active && t.active && authz::view_ledger(actor, &r.district_code).is_ok() =>
        {
            Ok((r, t))
        }
        Ok(_) | Err(RepoError::NotFound) => Err(DomainError::unknown("resource_id").into()),
        Err(e) => Err(e),
    }
}

/// Who gives it: a named organization of the district (a coordinator recording on behalf of
/// it), else the resource's provider, else the recording organization.
fn provider_of(
    conn: &mut DbConn,
    actor: &Actor,
    resource: &Resource,
    named: Option<Uuid>,
) -> RepoResult<Uuid> {
    match named {
        Some(p) => {
            let org = super::refs::org(conn, actor, p, "provider_org_id")?;
            if org.district_code != actor.district_code || !org.active {
                return Err(DomainError::unknown("provider_org_id").into());
            }
            authz::record_for_provider(actor, p)?;
            Ok(p)
        }
        None => Ok(resource.provider_org_id.unwrap_or(actor.org_id)),
    }
}

/// Everything a request for a person not registered yet refers to (an import registering the
/// person from its row): checked before the person is registered, so that a row refused for
/// its resource, amount or provider leaves no person behind.
pub fn check_for_new_person(
    conn: &mut DbConn,
    actor: &Actor,
    new: &NewAllocation,
) -> RepoResult<()> {
    authz::allocate(actor)?;
    let (resource, benefit) = usable_resource(conn, actor, new.resource_id)?;
    rules::check_amount(&benefit.policy, new.amount)?;
    provider_of(conn, actor, &resource, new.provider_org_id)?;
    if new.case_id.is_some() {
        return Err(DomainError::invalid(
            "case_id",
            "mismatch",
            "a person registered by this row has no case yet",
        )
        .into());
    }
    Ok(())
}

fn request_of(benefit: &BenefitType, new: &NewAllocation) -> Request {
    Request {
        benefit_type: benefit.code.clone(),
        group: benefit.group.clone(),
        category: benefit.category,
        granted_on: new.granted_on,
        amount: new.amount,
    }
}

/// The policy's answer for a request, writing nothing at all (an import's dry run audits
/// itself once for all its rows).
pub fn check_unaudited(
    conn: &mut DbConn,
    actor: &Actor,
    new: &NewAllocation,
    strong: u8,
) -> RepoResult<Check> {
    let p = prepare(conn, actor, new, strong)?;
    let request = request_of(&p.benefit, new);
    let members = p.members.as_deref();
    let mut claims = claims(
        conn,
        &p.benefit,
        new.person_id,
        p.household,
        members,
        &request,
    )?;
    let partners = partners_of(conn, &p, new.person_id, strong)?;
    let candidates = partner_claims(conn, &p.benefit, &partners, &request, &mut claims)?;
    let verdict = rules::evaluate(&p.benefit.policy, &request, &claims.claims);
    let mut check = describe(&p.benefit, &verdict, &claims.labels)?;
    with_candidates(&mut check, candidates);
    Ok(check)
}

/// The policy's answer for a request, without writing anything but the audit event.
pub fn check(rx: &mut Rx<'_>, new: &NewAllocation, strong: u8) -> RepoResult<Check> {
    let (conn, actor, ctx) = rx.parts();
    let check = check_unaudited(conn, actor, new, strong)?;
    let resource_id = new.resource_id;
    let mut entry = AuditEntry::new(
        AuditAction::View,
        "allocation_check",
        Some(resource_id.to_string()),
    )
    .with_details(json!({ "allowed": check.allowed, "conflicts": check.conflicts.len() }));
    entry.person_id = Some(new.person_id);
    // One statement, committed on its own: no BEGIN/COMMIT round trips.
    audit::record(conn, ctx, entry)?;
    Ok(check)
}

fn insert(
    conn: &mut DbConn,
    actor: &Actor,
    p: &Prepared,
    new: &NewAllocation,
    status: AllocationStatus,
) -> RepoResult<Allocation> {
    let id = Uuid::now_v7();
    let now = to_db(crate::now());
    diesel::insert_into(allocations::table)
        .values((
            allocations::id.eq(DbUuid(id)),
            allocations::resource_id.eq(DbUuid(p.resource.id)),
            allocations::benefit_type_id.eq(DbUuid(p.benefit.id)),
            allocations::category.eq(p.benefit.category.as_str()),
            allocations::person_id.eq(DbUuid(new.person_id)),
            allocations::household_id.eq(p.household.map(DbUuid)),
            allocations::case_id.eq(new.case_id.map(DbUuid)),
            allocations::provider_org_id.eq(DbUuid(p.provider_org_id)),
            allocations::district_code.eq(&actor.district_code),
            allocations::amount.eq(new.amount),
            allocations::quantity.eq(new.quantity),
            allocations::granted_on.eq(new.granted_on),
            allocations::status.eq(status.as_str()),
            allocations::note.eq(&new.note),
            allocations::override_reason.eq(&new.override_reason),
            allocations::requested_by.eq(DbUuid(actor.user_id)),
            allocations::import_key.eq(&new.import_key),
            allocations::campaign_id.eq(new.campaign_id.map(DbUuid)),
            allocations::created_at.eq(now),
            allocations::updated_at.eq(now),
        ))
        .execute(conn)?;
    load(conn, id)
}

pub(crate) fn load(conn: &mut DbConn, id: Uuid) -> RepoResult<Allocation> {
    allocations::table
        .find(DbUuid(id))
        .select(AllocationRow::as_select())
        .first(conn)?
        .try_into()
}

/// Records an allocation under its resource's policy: approved, pending an override, or
/// blocked. Check and insert happen under the subject's lock, in the caller's unit of work:
/// `app::allocations::record`'s, which also draws goods from stock.
pub fn create(tx: &mut Tx<'_>, new: &NewAllocation, strong: u8) -> RepoResult<Outcome> {
    {
        let actor = tx.actor();
        let p = prepare(tx.conn(), actor, new, strong)?;
        // The person and its strong duplicate candidates are locked together, in the one
        // ascending order every path takes (a gift to either waits for the other).
        let partners = partners_of(tx.conn(), &p, new.person_id, strong)?;
        let mut everyone = partners.clone();
        everyone.push(new.person_id);
        // One lock statement per person: the recipient is checked (its district, not merged)
        // from the row its lock returned.
        let locked = crate::guard::lock_persons_any(tx.conn(), &everyone)?;
        let me = locked
            .iter()
            .find(|l| l.id == new.person_id)
            .ok_or(RepoError::NotFound)?;
        crate::guard::check_locked(actor, me)?;
        crate::guard::lock_household(tx.conn(), p.household)?;
        let request = request_of(&p.benefit, new);
        // The members as they are now, under the lock (not those `prepare` read before it).
        let mut claims = claims(
            tx.conn(),
            &p.benefit,
            new.person_id,
            p.household,
            None,
            &request,
        )?;
        let candidates = partner_claims(tx.conn(), &p.benefit, &partners, &request, &mut claims)?;
        let verdict = rules::evaluate(&p.benefit.policy, &request, &claims.claims);
        let mut check = describe(&p.benefit, &verdict, &claims.labels)?;
        with_candidates(&mut check, candidates);
        let blocked = !verdict.conflicts.is_empty() && verdict.action == Action::Block;
        if blocked && new.override_reason.is_none() {
            tx.record_refused(
                "allocation",
                json!({ "outcome": "blocked", "resource_id": p.resource.id, "benefit_type": p.benefit.code, "conflicts": check.conflicts.len() }),
                Some(new.person_id),
            )?;
            return Ok(Outcome::Blocked(check));
        }
        let status = if blocked {
            AllocationStatus::PendingOverride
        } else {
            AllocationStatus::Approved
        };
        let allocation = insert(tx.conn(), actor, &p, new, status)?;
        tx.record(
            DomainEvent::AllocationRecorded {
                allocation_id: allocation.id,
                case_id: new.case_id,
                resource_id: p.resource.id,
                resource_name: p.resource.name.clone(),
                provider_org_id: p.provider_org_id,
                status: status.as_str(),
                granted_on: new.granted_on,
            },
            Some(new.person_id),
        )?;
        if blocked {
            tx.record(
                DomainEvent::OverrideRequested {
                    allocation_id: allocation.id,
                    district_code: actor.district_code.clone(),
                },
                Some(new.person_id),
            )?;
            return Ok(Outcome::PendingOverride {
                entry: own_entry(&p.resource, allocation),
                check,
            });
        }
        Ok(Outcome::Approved {
            entry: own_entry(&p.resource, allocation),
            warnings: check,
        })
    }
}

/// Whether an import key was already used (imports are idempotent by row key).
pub fn import_key_exists(conn: &mut DbConn, key: &str) -> RepoResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        allocations::table.filter(allocations::import_key.eq(key)),
    ))
    .get_result(conn)?)
}

/// A merge (`app::merge`): the merged record's allocations now belong to the survivor.
pub(crate) fn reassign_person(conn: &mut DbConn, from: Uuid, to: Uuid) -> RepoResult<usize> {
    Ok(
        diesel::update(allocations::table.filter(allocations::person_id.eq(DbUuid(from))))
            .set(allocations::person_id.eq(DbUuid(to)))
            .execute(conn)?,
    )
}

mod judging;
mod ledger;
mod status;

pub use judging::*;
pub use ledger::*;
pub use status::*;
