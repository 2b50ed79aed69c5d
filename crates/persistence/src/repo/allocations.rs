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
use hamkke_domain::authz::{self, Actor};
use hamkke_domain::benefit::BenefitType;
use hamkke_domain::DomainError;
use serde_json::json;
use uuid::Uuid;

use super::orgs::corrupt;
use super::page::{Page, PageRequest};
use super::{access, benefit_types, cases, persons, resources};
use crate::audit::{self, AuditAction, AuditCtx, AuditEntry};
use crate::conn::DbConn;
use crate::error::{RepoError, RepoResult};
use crate::schema::{
    allocations, benefit_types as types_t, households, organizations, persons as persons_t,
    resources as resources_t,
};
use crate::scope;
use crate::types::{from_db, to_db, DbUuid};
use crate::uow::{self, Tx};
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

/// Keeps the most recent [`SHOWN`] of a list sorted oldest first; returns the total.
fn most_recent<T>(list: &mut Vec<T>) -> usize {
    let total = list.len();
    if total > SHOWN {
        list.drain(..total - SHOWN);
    }
    total
}

/// A claim of a person who may be the same as the one asked about.
#[derive(Debug, Clone)]
pub struct CandidateClaim {
    pub person_id: Uuid,
    pub masked_name: String,
    pub birth_year: i32,
    pub allocation_id: Uuid,
    pub benefit_type_code: String,
    pub granted_on: NaiveDate,
}

/// The person's strong, unreviewed duplicate candidates (open pairs scoring at least
/// `identity::STRONG`) count as the same person until a coordinator reviews the pair: their
/// claims join the subject's, so a `block` policy blocks on them (the conflicts carry no
/// person data), and they are listed, masked, as possible duplicate claims. One indexed query
/// when there are none.
fn partner_claims(
    conn: &mut DbConn,
    benefit: &BenefitType,
    partners: &[Uuid],
    request: &Request,
    found: &mut Found,
) -> RepoResult<Vec<CandidateClaim>> {
    let mut out = Vec::new();
    for &other in partners {
        let theirs = claims(conn, benefit, other, None, None, request)?;
        if theirs.claims.is_empty() {
            continue;
        }
        let p = super::persons::load(conn, other)?;
        for c in &theirs.claims {
            out.push(CandidateClaim {
                person_id: other,
                masked_name: hamkke_domain::person::mask_name(&p.name),
                birth_year: chrono::Datelike::year(&p.birth_date),
                allocation_id: c.allocation_id,
                benefit_type_code: c.benefit_type.clone(),
                granted_on: c.granted_on,
            });
        }
        // (a partner of the same household is counted once)
        let known: std::collections::HashSet<Uuid> =
            found.claims.iter().map(|c| c.allocation_id).collect();
        found.labels.extend(theirs.labels);
        found.claims.extend(
            theirs
                .claims
                .into_iter()
                .filter(|c| !known.contains(&c.allocation_id)),
        );
    }
    out.sort_by_key(|c| (c.granted_on, c.allocation_id));
    Ok(out)
}

/// The other persons of the person's open strong pairs.
fn partners_of(conn: &mut DbConn, person_id: Uuid) -> RepoResult<Vec<Uuid>> {
    Ok(super::identity::strong_partners(conn, &[person_id])?
        .into_iter()
        .map(|(_, other)| other)
        .collect())
}

/// Sets a check's candidate claims, bounded.
fn with_candidates(check: &mut Check, mut claims: Vec<CandidateClaim>) {
    check.possible_duplicate_claims_total = most_recent(&mut claims);
    check.possible_duplicate_claims = claims;
}

/// How a request ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Recorded as approved; `warnings` holds conflicts under a `warn` policy.
    Approved { entry: LedgerEntry, warnings: Check },
    /// Recorded as pending an override approval.
    PendingOverride { entry: LedgerEntry, check: Check },
    /// Refused by a `block` policy; nothing was written but the audit event.
    Blocked(Check),
}

/// The claims of the subject under the policy's window and scope: allocations of the same
/// benefit type (by code, from any organization and resource) or of its group — or, for a
/// migrated category rule, of the category.
fn claims(
    conn: &mut DbConn,
    benefit: &BenefitType,
    person_id: Uuid,
    household_id: Option<Uuid>,
    known_members: Option<&[Uuid]>,
    request: &Request,
) -> RepoResult<Found> {
    let policy = &benefit.policy;
    let Some((from, to)) = policy.window.bounds(request.granted_on) else {
        return Ok(Found::default());
    };
    // A household policy counts what was recorded against the household and everything its
    // current members received (also before they joined, or under another household).
    // The household's current members are read first and named one by one, one equality each:
    // a plain OR of equalities lets PostgreSQL combine the household and person indexes (a
    // sub-select defeats that plan), and the statement text depends only on the household's
    // size, so there is one cached prepared statement per size up to eight. (Padding to a fixed
    // eight slots cost an index probe per empty slot on every check; a bound list is re-planned
    // on every request, so larger households, rare, take it.)
    const CACHED_UP_TO: usize = 8;
    let household = match (policy.subject, household_id) {
        (Subject::Household, Some(h)) => {
            let read;
            let members: &[Uuid] = match known_members {
                Some(m) => m,
                None => {
                    read = persons_t::table
                        .filter(persons_t::household_id.eq(DbUuid(h)))
                        .select(persons_t::id)
                        .load::<DbUuid>(conn)?
                        .into_iter()
                        .map(|m| m.0)
                        .collect::<Vec<_>>();
                    &read
                }
            };
            // The person first (also when a concurrent move took them out of the list), then
            // every other member once.
            let mut named = vec![person_id];
            for m in members {
                if !named.contains(m) {
                    named.push(*m);
                }
            }
            Some((h, named))
        }
        _ => None,
    };
    // Built for each backend's own connection (`native!`), with what a conflict shows (type,
    // resource and provider by name), so that an answer with conflicts needs no second
    // statement.
    macro_rules! query {
        () => {{
            let q = allocations::table
                .inner_join(types_t::table.on(types_t::id.eq(allocations::benefit_type_id)))
                .inner_join(resources_t::table)
                .inner_join(
                    organizations::table.on(organizations::id.eq(allocations::provider_org_id)),
                )
                .select((
                    (
                        allocations::id,
                        types_t::code,
                        types_t::type_group,
                        allocations::category,
                        allocations::granted_on,
                        allocations::amount,
                        allocations::status,
                        allocations::person_id,
                    ),
                    (
                        allocations::benefit_type_id,
                        types_t::name_ko,
                        types_t::name_en,
                        allocations::resource_id,
                        resources_t::name,
                        allocations::provider_org_id,
                        organizations::name,
                        allocations::quantity,
                    ),
                ))
                .into_boxed();
            let q = match &household {
                Some((h, named)) if named.len() > CACHED_UP_TO => q.filter(
                    allocations::household_id
                        .eq(DbUuid(*h))
                        .or(allocations::person_id.eq_any(named.iter().copied().map(DbUuid))),
                ),
                // (each `or_filter` groups what came before, and the window and status below
                // are ANDed onto the whole)
                Some((h, named)) => named.iter().fold(
                    q.filter(allocations::household_id.eq(DbUuid(*h))),
                    |q, m| q.or_filter(allocations::person_id.eq(DbUuid(*m))),
                ),
                None => q.filter(allocations::person_id.eq(DbUuid(person_id))),
            }
            .filter(allocations::granted_on.between(from, to))
            .filter(allocations::status.ne(AllocationStatus::Cancelled.as_str()));
            match (policy.scope, &benefit.group) {
                (Scope::BenefitType, None) => q.filter(types_t::code.eq(benefit.code.clone())),
                (Scope::BenefitType, Some(g)) => q.filter(
                    types_t::code
                        .eq(benefit.code.clone())
                        .or(types_t::type_group.eq(g.clone())),
                ),
                (Scope::Category, _) => {
                    q.filter(allocations::category.eq(benefit.category.as_str()))
                }
            }
        }};
    }
    type Row = (
        (
            DbUuid,
            String,
            Option<String>,
            String,
            NaiveDate,
            Option<i64>,
            String,
            DbUuid,
        ),
        (
            DbUuid,
            String,
            String,
            DbUuid,
            String,
            DbUuid,
            String,
            Option<i32>,
        ),
    );
    let mut found = Found::default();
    let rows: Vec<Row> = crate::native!(conn, |c| query!().load::<Row>(c))?;
    for (claim, label) in rows {
        let (id, code, group, c, on, amount, status, p) = claim;
        let (t, name_ko, name_en, r, resource_name, org, org_name, quantity) = label;
        found.labels.insert(
            id.0,
            ClaimLabel {
                benefit_type_id: t.0,
                name_ko,
                name_en,
                resource_id: r.0,
                resource_name,
                provider_org_id: org.0,
                provider_org_name: org_name,
                quantity,
            },
        );
        found.claims.push(Claim {
            allocation_id: id.0,
            benefit_type: code,
            group,
            category: Category::parse(&c).ok_or_else(|| corrupt("allocations.category"))?,
            granted_on: on,
            amount,
            status: AllocationStatus::parse(&status)
                .ok_or_else(|| corrupt("allocations.status"))?,
            same_person: p.0 == person_id,
        });
    }
    Ok(found)
}

/// What a claim shows when it is a conflict, beyond what the policy reads.
#[derive(Debug, Clone)]
struct ClaimLabel {
    benefit_type_id: Uuid,
    name_ko: String,
    name_en: String,
    resource_id: Uuid,
    resource_name: String,
    provider_org_id: Uuid,
    provider_org_name: String,
    quantity: Option<i32>,
}

/// The claims a subject has under a policy, with their labels by allocation id.
#[derive(Debug, Default)]
struct Found {
    claims: Vec<Claim>,
    labels: std::collections::HashMap<Uuid, ClaimLabel>,
}

fn describe(
    benefit: &BenefitType,
    verdict: &Verdict,
    labels: &std::collections::HashMap<Uuid, ClaimLabel>,
) -> RepoResult<Check> {
    let mut found: Vec<&Claim> = verdict.conflicts.iter().collect();
    found.sort_by_key(|c| (c.granted_on, c.allocation_id));
    found.dedup_by_key(|c| c.allocation_id);
    let conflicts_total = most_recent(&mut found);
    let conflicts = found
        .into_iter()
        .map(|c| {
            let l = labels
                .get(&c.allocation_id)
                .ok_or_else(|| corrupt("allocations.label"))?;
            Ok(ConflictInfo {
                allocation_id: c.allocation_id,
                benefit_type_id: l.benefit_type_id,
                benefit_type_code: c.benefit_type.clone(),
                benefit_type_name_ko: l.name_ko.clone(),
                benefit_type_name_en: l.name_en.clone(),
                resource_id: l.resource_id,
                resource_name: l.resource_name.clone(),
                category: c.category,
                provider_org_id: l.provider_org_id,
                provider_org_name: l.provider_org_name.clone(),
                granted_on: c.granted_on,
                amount: c.amount,
                quantity: l.quantity,
                subject: if verdict
                    .conflicts
                    .iter()
                    .any(|x| x.allocation_id == c.allocation_id && x.same_person)
                {
                    Subject::Person
                } else {
                    Subject::Household
                },
            })
        })
        .collect::<RepoResult<Vec<_>>>()?;
    let label = RuleLabel {
        name_ko: &benefit.name_ko,
        name_en: &benefit.name_en,
        group: benefit.group.as_deref(),
        amount_unit: &benefit.amount_unit,
    };
    let rule = verdict.exceeded.map(|e| Rule {
        ko: rules::describe(&benefit.policy, e, true, label),
        en: rules::describe(&benefit.policy, e, false, label),
    });
    Ok(Check {
        allowed: verdict.allowed(),
        action: verdict.action,
        conflicts,
        conflicts_total,
        rule,
        possible_duplicate_claims: Vec::new(),
        possible_duplicate_claims_total: 0,
    })
}

/// What a request refers to, loaded and checked.
struct Prepared {
    resource: Resource,
    benefit: BenefitType,
    household: Option<Uuid>,
    /// The household's members (the person included) when the policy counts the household,
    /// read with the person in one statement.
    members: Option<Vec<Uuid>>,
    provider_org_id: Uuid,
}

/// Loads and checks everything a request refers to: the resource, its benefit type, the
/// person (and household), the case, and who provides it.
fn prepare(conn: &mut DbConn, actor: &Actor, new: &NewAllocation) -> RepoResult<Prepared> {
    authz::allocate(actor)?;
    let (resource, benefit) = usable_resource(conn, actor, new.resource_id)?;
    let loaded = match benefit.policy.subject {
        Subject::Household => persons::load_with_members(conn, new.person_id)
            .map(|(person, members)| (person, Some(members))),
        Subject::Person => persons::load(conn, new.person_id).map(|person| (person, None)),
    };
    let (person, members) = match loaded {
        Ok((p, m)) if authz::reach_person(actor, &p.district_code).is_ok() => (p, m),
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
        household: person.household_id,
        members: members.filter(|_| person.household_id.is_some()),
        provider_org_id,
    })
}

/// An active resource of the actor's district whose benefit type is active too (a resource
/// of a retired type gives nothing until it names an active one).
fn usable_resource(
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
pub fn check_unaudited(conn: &mut DbConn, actor: &Actor, new: &NewAllocation) -> RepoResult<Check> {
    let p = prepare(conn, actor, new)?;
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
    let partners = partners_of(conn, new.person_id)?;
    let candidates = partner_claims(conn, &p.benefit, &partners, &request, &mut claims)?;
    let verdict = rules::evaluate(&p.benefit.policy, &request, &claims.claims);
    let mut check = describe(&p.benefit, &verdict, &claims.labels)?;
    with_candidates(&mut check, candidates);
    Ok(check)
}

/// The policy's answer for a request, without writing anything but the audit event.
pub fn check(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &AuditCtx,
    new: &NewAllocation,
) -> RepoResult<Check> {
    let check = check_unaudited(conn, actor, new)?;
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

/// Locks the subject rows: the person (`guard::lock_persons`, which refuses a merged record),
/// then its household (the fixed order, so no deadlocks).
fn lock_subject(
    conn: &mut DbConn,
    actor: &Actor,
    person_id: Uuid,
    household_id: Option<Uuid>,
) -> RepoResult<()> {
    crate::guard::lock_persons(conn, actor, &[person_id])?;
    if let Some(h) = household_id {
        diesel::update(households::table.find(DbUuid(h)))
            .set(households::allocation_seq.eq(households::allocation_seq + 1))
            .execute(conn)?;
    }
    Ok(())
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

fn is_serialization_failure(e: &RepoError) -> bool {
    matches!(
        e,
        RepoError::Db(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::SerializationFailure,
            _
        ))
    )
}

/// Records an allocation under its resource's policy: approved, pending an override, or
/// blocked. Check and insert happen under the subject's lock; serialization failures are
/// retried here, never shown to the client.
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &AuditCtx,
    new: &NewAllocation,
) -> RepoResult<Outcome> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match create_once(conn, actor, ctx, new) {
            Err(e) if attempt < 4 && is_serialization_failure(&e) => {
                tracing::info!(attempt, "allocation retried after a serialization failure");
                continue;
            }
            other => return other,
        }
    }
}

fn create_once(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &AuditCtx,
    new: &NewAllocation,
) -> RepoResult<Outcome> {
    uow::run(conn, actor, ctx, |tx| {
        let conn = tx.conn();
        let p = prepare(conn, actor, new)?;
        // The person and its strong duplicate candidates are locked together, in the one
        // ascending order every path takes (a gift to either waits for the other).
        let partners = partners_of(conn, new.person_id)?;
        let mut everyone = partners.clone();
        everyone.push(new.person_id);
        crate::guard::lock_persons_any(conn, &everyone)?;
        lock_subject(conn, actor, new.person_id, p.household)?;
        let request = request_of(&p.benefit, new);
        // The members as they are now, under the lock (not those `prepare` read before it).
        let mut claims = claims(conn, &p.benefit, new.person_id, p.household, None, &request)?;
        let candidates = partner_claims(conn, &p.benefit, &partners, &request, &mut claims)?;
        let verdict = rules::evaluate(&p.benefit.policy, &request, &claims.claims);
        let mut check = describe(&p.benefit, &verdict, &claims.labels)?;
        with_candidates(&mut check, candidates);
        let blocked = !verdict.conflicts.is_empty() && verdict.action == Action::Block;
        let audit_entry = |outcome: &str, id: Option<Uuid>| {
            let mut e = AuditEntry::new(AuditAction::Create, "allocation", id.map(|i| i.to_string()))
                .with_details(json!({ "outcome": outcome, "resource_id": p.resource.id, "benefit_type": p.benefit.code, "conflicts": check.conflicts.len() }));
            e.person_id = Some(new.person_id);
            e
        };
        if blocked && new.override_reason.is_none() {
            audit::record(conn, ctx, audit_entry("blocked", None))?;
            return Ok(Outcome::Blocked(check));
        }
        let status = if blocked {
            AllocationStatus::PendingOverride
        } else {
            AllocationStatus::Approved
        };
        let allocation = insert(conn, actor, &p, new, status)?;
        let mut tx = Tx::on(conn, actor, ctx);
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
    })
}

/// The requester's view of what it just recorded (its own organization provides it).
fn own_entry(resource: &Resource, allocation: Allocation) -> LedgerEntry {
    LedgerEntry {
        resource_name: resource.name.clone(),
        details: true,
        decides: false,
        allocation,
        review: None,
    }
}

/// An allocation and whether the viewer may see who received it.
#[derive(Debug, Clone)]
pub struct LedgerEntry {
    pub allocation: Allocation,
    pub resource_name: String,
    /// The viewer may see the person's details (otherwise person and case are withheld).
    pub details: bool,
    /// The viewer decides the district's overrides and cancellations (its coordinators): it
    /// reads the reasons given, not who received it.
    pub decides: bool,
    /// For a coordinator deciding a `pending_override`: what the override would overrule.
    pub review: Option<OverrideReview>,
}

/// What a coordinator sees to decide an override: the conflicting allocations (provider,
/// resource, date, amount), the rule that fired, and who it is for — masked name and birth
/// year, never more.
#[derive(Debug, Clone)]
pub struct OverrideReview {
    pub conflicts: Vec<ConflictInfo>,
    pub conflicts_total: usize,
    pub rule: Option<Rule>,
    pub name_masked: String,
    pub birth_year: i32,
}

/// Fills the review of the `pending_override` entries a coordinator of the district decides.
fn with_reviews(conn: &mut DbConn, actor: &Actor, list: &mut [LedgerEntry]) -> RepoResult<()> {
    use chrono::Datelike;
    for e in list.iter_mut() {
        let a = &e.allocation;
        if a.status != AllocationStatus::PendingOverride
            || authz::decide_override(actor, &a.district_code).is_err()
        {
            continue;
        }
        let request = NewAllocation {
            resource_id: a.resource_id,
            provider_org_id: None,
            person_id: a.person_id,
            case_id: None,
            amount: a.amount,
            quantity: a.quantity,
            granted_on: a.granted_on,
            note: None,
            override_reason: None,
            import_key: None,
        };
        // Judged under the benefit type it was requested as (its resource may have moved).
        let benefit = benefit_types::load(conn, a.benefit_type_id)?;
        let person = persons::load(conn, a.person_id)?;
        let req = request_of(&benefit, &request);
        let mut found = claims(conn, &benefit, a.person_id, person.household_id, None, &req)?;
        found.claims.retain(|c| c.allocation_id != a.id);
        let verdict = rules::evaluate(&benefit.policy, &req, &found.claims);
        let check = describe(&benefit, &verdict, &found.labels)?;
        e.review = Some(OverrideReview {
            conflicts: check.conflicts,
            conflicts_total: check.conflicts_total,
            rule: check.rule,
            name_masked: hamkke_domain::person::mask_name(&person.name),
            birth_year: person.birth_date.year(),
        });
    }
    Ok(())
}

fn entries(
    conn: &mut DbConn,
    actor: &Actor,
    items: Vec<Allocation>,
) -> RepoResult<Vec<LedgerEntry>> {
    let people: Vec<access::PersonKey> = {
        let ids: Vec<DbUuid> = items.iter().map(|a| DbUuid(a.person_id)).collect();
        persons_t::table
            .filter(persons_t::id.eq_any(ids))
            .select((
                persons_t::id,
                persons_t::registered_by_org_id,
                persons_t::district_code,
            ))
            .load::<(DbUuid, DbUuid, String)>(conn)?
            .into_iter()
            .map(|(p, o, d)| (p.0, o.0, d))
            .collect()
    };
    let access = access::access_for(conn, actor, &people)?;
    let rids: Vec<DbUuid> = items.iter().map(|a| DbUuid(a.resource_id)).collect();
    let names: std::collections::HashMap<Uuid, String> = resources_t::table
        .filter(resources_t::id.eq_any(rids))
        .select((resources_t::id, resources_t::name))
        .load::<(DbUuid, String)>(conn)?
        .into_iter()
        .map(|(i, n)| (i.0, n))
        .collect();
    Ok(items
        .into_iter()
        .map(|a| LedgerEntry {
            details: a.provider_org_id == actor.org_id
                || access.get(&a.person_id).is_some_and(authz::person_details),
            decides: authz::decide_override(actor, &a.district_code).is_ok(),
            resource_name: names.get(&a.resource_id).cloned().unwrap_or_default(),
            allocation: a,
            review: None,
        })
        .collect())
}

/// Audits the entries whose recipient the reader sees (a read of personal data).
fn audit_disclosed(conn: &mut DbConn, ctx: &AuditCtx, entries: &[LedgerEntry]) -> RepoResult<()> {
    let disclosed = entries
        .iter()
        .filter(|e| e.details)
        .map(|e| {
            let mut entry = AuditEntry::new(
                AuditAction::View,
                "allocation",
                Some(e.allocation.id.to_string()),
            );
            entry.person_id = Some(e.allocation.person_id);
            entry
        })
        .collect();
    audit::record_many(conn, ctx, disclosed)
}

/// One allocation of the actor's district; a read that shows the recipient is audited.
pub fn get(conn: &mut DbConn, actor: &Actor, ctx: &AuditCtx, id: Uuid) -> RepoResult<LedgerEntry> {
    let a = load(conn, id)?;
    authz::view_ledger(actor, &a.district_code)?;
    let mut list = entries(conn, actor, vec![a])?;
    with_reviews(conn, actor, &mut list)?;
    let entry = list.pop().ok_or(RepoError::NotFound)?;
    audit_disclosed(conn, ctx, std::slice::from_ref(&entry))?;
    Ok(entry)
}

/// Filters of the ledger.
#[derive(Debug, Clone, Default)]
pub struct LedgerFilter {
    pub person_id: Option<Uuid>,
    pub household_id: Option<Uuid>,
    pub resource_id: Option<Uuid>,
    pub benefit_type_id: Option<Uuid>,
    pub category: Option<Category>,
    pub provider_org_id: Option<Uuid>,
    pub status: Option<AllocationStatus>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// The district's ledger; entries whose recipient the reader sees are audited.
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &AuditCtx,
    f: &LedgerFilter,
    page: PageRequest,
) -> RepoResult<Page<LedgerEntry>> {
    // A filter by person or household reads that person's benefit history: it needs the
    // right to their details, checked like the same id in a path.
    if let Some(p) = f.person_id {
        let (_, access) = match persons::access_facts(conn, actor, p) {
            Err(RepoError::NotFound) => return Err(DomainError::unknown("person_id").into()),
            other => other?,
        };
        authz::filter_by_person(&access)?;
    }
    // A filter by household reads the household's benefit history: it follows the
    // household's read rule (`GET /households/{id}`), else it answers as if it did not exist.
    if let Some(h) = f.household_id {
        super::households::load_usable(conn, actor, h, "household_id")?;
    }
    if let Some(r) = f.resource_id {
        if resources::load_visible(conn, actor, r).is_err() {
            return Err(DomainError::unknown("resource_id").into());
        }
    }
    if let Some(t) = f.benefit_type_id {
        if benefit_types::load_visible(conn, actor, t).is_err() {
            return Err(DomainError::unknown("benefit_type_id").into());
        }
    }
    if let Some(o) = f.provider_org_id {
        super::refs::org(conn, actor, o, "provider_org_id")?;
    }
    // `authz::view_ledger` as a query: the actor's ledger scope.
    let mut q = allocations::table
        .filter(scope::ledger(actor))
        .select(AllocationRow::as_select())
        .order(allocations::id.asc())
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(p) = f.person_id {
        q = q.filter(allocations::person_id.eq(DbUuid(p)));
    }
    if let Some(h) = f.household_id {
        q = q.filter(allocations::household_id.eq(DbUuid(h)));
    }
    if let Some(r) = f.resource_id {
        q = q.filter(allocations::resource_id.eq(DbUuid(r)));
    }
    if let Some(t) = f.benefit_type_id {
        q = q.filter(allocations::benefit_type_id.eq(DbUuid(t)));
    }
    if let Some(c) = f.category {
        q = q.filter(allocations::category.eq(c.as_str()));
    }
    if let Some(o) = f.provider_org_id {
        q = q.filter(allocations::provider_org_id.eq(DbUuid(o)));
    }
    if let Some(s) = f.status {
        q = q.filter(allocations::status.eq(s.as_str()));
    }
    if let Some(from) = f.from {
        q = q.filter(allocations::granted_on.ge(from));
    }
    if let Some(to) = f.to {
        q = q.filter(allocations::granted_on.le(to));
    }
    if let Some(after) = page.after {
        q = q.filter(allocations::id.gt(DbUuid(after)));
    }
    let items = q
        .load(conn)?
        .into_iter()
        .map(Allocation::try_from)
        .collect::<RepoResult<Vec<_>>>()?;
    let page = Page::from_overfetch(items, page.limit, |a| a.id);
    let mut items = entries(conn, actor, page.items)?;
    with_reviews(conn, actor, &mut items)?;
    audit_disclosed(conn, ctx, &items)?;
    Ok(Page {
        items,
        next_after: page.next_after,
    })
}

/// A status change: from which statuses, to which, with what reason.
struct Move<'a> {
    from: &'a [AllocationStatus],
    to: AllocationStatus,
    reason: Option<&'a str>,
    /// A coordinator's decision on an override (approved or rejected), told to the requester.
    decides: Option<bool>,
}

fn change_status(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &AuditCtx,
    id: Uuid,
    m: Move<'_>,
    rule: impl FnOnce(&Allocation) -> Result<(), DomainError>,
) -> RepoResult<LedgerEntry> {
    let Move {
        from,
        to,
        reason,
        decides,
    } = m;
    uow::run(conn, actor, ctx, |tx| {
        let conn = tx.conn();
        let a = load(conn, id)?;
        authz::view_ledger(actor, &a.district_code)?;
        rule(&a)?;
        if !from.contains(&a.status) {
            return Err(RepoError::conflict(
                "invalid_allocation_transition",
                format!(
                    "a {} allocation cannot become {}",
                    a.status.as_str(),
                    to.as_str()
                ),
            ));
        }
        let now = to_db(crate::now());
        let moved = diesel::update(
            allocations::table
                .find(DbUuid(id))
                .filter(allocations::status.eq(a.status.as_str())),
        )
        .set((
            allocations::status.eq(to.as_str()),
            allocations::updated_at.eq(now),
        ))
        .execute(conn)?;
        crate::guard::claimed(
            moved,
            "allocation_changed",
            "another request changed this allocation first; reload it",
        )?;
        if to == AllocationStatus::Approved {
            diesel::update(allocations::table.find(DbUuid(id)))
                .set(allocations::approved_by.eq(Some(DbUuid(actor.user_id))))
                .execute(conn)?;
        }
        if let Some(r) = reason {
            diesel::update(allocations::table.find(DbUuid(id)))
                .set(allocations::cancel_reason.eq(Some(r)))
                .execute(conn)?;
        }
        if let Some(approved) = decides {
            Tx::on(conn, actor, ctx).record(
                DomainEvent::OverrideDecided {
                    allocation_id: id,
                    approved,
                    requested_by: a.requested_by,
                },
                Some(a.person_id),
            )?;
        } else {
            Tx::on(conn, actor, ctx).record(
                DomainEvent::AllocationStatusChanged {
                    allocation_id: id,
                    case_id: a.case_id,
                    provider_org_id: a.provider_org_id,
                    status: to.as_str(),
                },
                Some(a.person_id),
            )?;
        }
        let a = load(conn, id)?;
        entries(conn, actor, vec![a])?
            .pop()
            .ok_or(RepoError::NotFound)
    })
}

/// A coordinator of the district (not the requester) approves an override.
pub fn approve(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &AuditCtx,
    id: Uuid,
) -> RepoResult<LedgerEntry> {
    let m = Move {
        from: &[AllocationStatus::PendingOverride],
        to: AllocationStatus::Approved,
        reason: None,
        decides: Some(true),
    };
    change_status(conn, actor, ctx, id, m, |a| {
        authz::approve_override(actor, &a.district_code, a.requested_by)
    })
}

/// A coordinator of the district (not the requester) rejects an override: the allocation is
/// cancelled with the reason, and the requester is told.
pub fn reject(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &AuditCtx,
    id: Uuid,
    reason: &str,
) -> RepoResult<LedgerEntry> {
    let m = Move {
        from: &[AllocationStatus::PendingOverride],
        to: AllocationStatus::Cancelled,
        reason: Some(reason),
        decides: Some(false),
    };
    change_status(conn, actor, ctx, id, m, |a| {
        authz::approve_override(actor, &a.district_code, a.requested_by)
    })
}

/// The providing organization marks an approved allocation delivered.
pub fn deliver(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &AuditCtx,
    id: Uuid,
) -> RepoResult<LedgerEntry> {
    let m = Move {
        from: &[AllocationStatus::Approved, AllocationStatus::Planned],
        to: AllocationStatus::Delivered,
        reason: None,
        decides: None,
    };
    change_status(conn, actor, ctx, id, m, |a| {
        authz::handle_allocation(actor, a.provider_org_id, &a.district_code, false)
    })
}

/// The providing organization or a district coordinator cancels; it stops counting at once.
pub fn cancel(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &AuditCtx,
    id: Uuid,
    reason: &str,
) -> RepoResult<LedgerEntry> {
    let m = Move {
        from: &[
            AllocationStatus::Planned,
            AllocationStatus::Approved,
            AllocationStatus::PendingOverride,
        ],
        to: AllocationStatus::Cancelled,
        reason: Some(reason),
        decides: None,
    };
    change_status(conn, actor, ctx, id, m, |a| {
        authz::handle_allocation(actor, a.provider_org_id, &a.district_code, true)
    })
}

/// Whether an import key was already used (imports are idempotent by row key).
pub fn import_key_exists(conn: &mut DbConn, key: &str) -> RepoResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        allocations::table.filter(allocations::import_key.eq(key)),
    ))
    .get_result(conn)?)
}
