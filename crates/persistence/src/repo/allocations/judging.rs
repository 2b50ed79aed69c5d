//! What the duplicate check judges: the claims of a subject (person, household, the other
//! record of one person) under a benefit type's policy, and their description.

use super::*;
use crate::lists::in_ids;

/// Keeps the most recent [`SHOWN`] of a list sorted oldest first; returns the total.
pub(super) fn most_recent<T>(list: &mut Vec<T>) -> usize {
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
/// `strong`, `HAMKKE_DUPLICATE_STRONG_SCORE`, default `identity::STRONG`) count as the same person until a coordinator reviews the pair: their
/// claims join the subject's, so a `block` policy blocks on them (the conflicts carry no
/// person data), and they are listed, masked, as possible duplicate claims. One indexed query
/// when there are none.
pub(super) fn partner_claims(
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
        let p = crate::repo::persons::load(conn, other)?;
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

/// The other persons of the person's open strong pairs: none without a statement when the
/// person's read found it has none.
pub(super) fn partners_of(
    conn: &mut DbConn,
    prepared: &Prepared,
    person_id: Uuid,
    strong: u8,
) -> RepoResult<Vec<Uuid>> {
    if !prepared.paired {
        return Ok(Vec::new());
    }
    Ok(
        crate::repo::identity::strong_partners(conn, &[person_id], strong)?
            .into_iter()
            .map(|(_, other)| other)
            .collect(),
    )
}

/// Sets a check's candidate claims, bounded.
pub(super) fn with_candidates(check: &mut Check, mut claims: Vec<CandidateClaim>) {
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
pub(super) fn claims(
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
                Some((h, named)) if named.len() > CACHED_UP_TO => {
                    q.filter(allocations::household_id.eq(DbUuid(*h)).or(in_ids(
                        allocations::person_id,
                        named.iter().copied().map(DbUuid),
                    )))
                }
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
pub(super) struct ClaimLabel {
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
pub(super) struct Found {
    pub(super) claims: Vec<Claim>,
    pub(super) labels: std::collections::HashMap<Uuid, ClaimLabel>,
}

pub(super) fn describe(
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
    let mut counted_with: Vec<(&str, &str)> = conflicts
        .iter()
        .filter(|c| c.benefit_type_id != benefit.id)
        .map(|c| {
            (
                c.benefit_type_name_ko.as_str(),
                c.benefit_type_name_en.as_str(),
            )
        })
        .collect();
    counted_with.sort_unstable();
    counted_with.dedup();
    let label = RuleLabel {
        name_ko: &benefit.name_ko,
        name_en: &benefit.name_en,
        group: benefit.group.as_deref(),
        amount_unit: &benefit.amount_unit,
        counted_with: &counted_with,
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
