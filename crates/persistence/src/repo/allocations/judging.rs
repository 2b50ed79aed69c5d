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
    // size, so there is one kept prepared statement per size up to eight (`Household`).
    // (Padding to a fixed eight slots cost an index probe per empty slot on every check;
    // larger households, rare, are named in a list kept by its padded length, `in_ids`.)
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
    // The policy's scope as one predicate for every policy: the unused comparisons are bound
    // to NULL (never true), so the statement's text does not depend on the scope.
    let (code, group, category) = match policy.scope {
        Scope::BenefitType => (Some(benefit.code.as_str()), benefit.group.as_deref(), None),
        Scope::Category => (None, None, Some(benefit.category.as_str())),
    };
    // Built for each backend's own connection (`native!`), with what a conflict shows (type,
    // resource and provider by name), so that an answer with conflicts needs no second
    // statement. `$subject`: whose allocations.
    macro_rules! query {
        ($subject:expr) => {{
            allocations::table
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
                .filter($subject)
                .filter(allocations::granted_on.between(from, to))
                .filter(allocations::status.ne(AllocationStatus::Cancelled.as_str()))
                .filter(
                    types_t::code
                        .nullable()
                        .eq(code)
                        .or(types_t::type_group.eq(group))
                        .or(allocations::category.nullable().eq(category)),
                )
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
    // One statement type per household size up to eight (`Household<N>`): kept by its type,
    // so a check neither writes its text out nor looks it up by the text.
    macro_rules! by_size {
        ($h:expr, $named:expr; $($n:literal)+) => {
            match $named.len() {
                $($n => {
                    let subject = Household::<$n>::new($h, $named);
                    crate::native!(conn, |c| query!(subject).load::<Row>(c))
                })+
                _ => crate::native!(conn, |c| query!(allocations::household_id
                    .eq(DbUuid($h))
                    .or(in_ids(allocations::person_id, $named.iter().copied().map(DbUuid))))
                .load::<Row>(c)),
            }
        };
    }
    let rows: Vec<Row> = match &household {
        Some((h, named)) => by_size!(*h, named; 1 2 3 4 5 6 7 8),
        None => crate::native!(conn, |c| query!(
            allocations::person_id.eq(DbUuid(person_id))
        )
        .load::<Row>(c)),
    }?;
    let mut found = Found::default();
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

/// `(allocations.household_id = ? OR allocations.person_id = ? …)`: a household and its `N`
/// named members (the person first). A type of its own per size, with a static identity, so
/// that the claims statement is kept by its type: diesel wrote the text of the boxed statement
/// out and hashed it on every check to find the statement it had kept (3 % of the core in the
/// profile of the check at 16 connections).
#[derive(Debug, Clone, Copy)]
struct Household<const N: usize> {
    household: DbUuid,
    members: [DbUuid; N],
}

impl<const N: usize> Household<N> {
    /// The household and the first `N` of `named` (the caller matched its length).
    fn new(household: Uuid, named: &[Uuid]) -> Self {
        Household {
            household: DbUuid(household),
            // allow: `by_size!` calls this only in the arm that matched `named.len() == N`.
            members: std::array::from_fn(|i| DbUuid(named[i])),
        }
    }
}

impl<const N: usize> diesel::expression::Expression for Household<N> {
    type SqlType = diesel::sql_types::Bool;
}

impl<const N: usize, QS> diesel::expression::AppearsOnTable<QS> for Household<N> where
    allocations::person_id: diesel::expression::AppearsOnTable<QS>
{
}

impl<const N: usize, QS> diesel::expression::SelectableExpression<QS> for Household<N> where
    allocations::person_id: diesel::expression::SelectableExpression<QS>
{
}

impl<const N: usize, GB> diesel::expression::ValidGrouping<GB> for Household<N> {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl<const N: usize> diesel::query_builder::QueryId for Household<N> {
    type QueryId = Self;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<const N: usize, DB> diesel::query_builder::QueryFragment<DB> for Household<N>
where
    DB: diesel::backend::Backend + diesel::sql_types::HasSqlType<crate::types::sql::Uuid>,
    DbUuid: diesel::serialize::ToSql<crate::types::sql::Uuid, DB>,
    allocations::household_id: diesel::query_builder::QueryFragment<DB>,
    allocations::person_id: diesel::query_builder::QueryFragment<DB>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> QueryResult<()> {
        out.push_sql("(");
        allocations::household_id.walk_ast(out.reborrow())?;
        out.push_sql(" = ");
        out.push_bind_param::<crate::types::sql::Uuid, _>(&self.household)?;
        for member in &self.members {
            out.push_sql(" OR ");
            allocations::person_id.walk_ast(out.reborrow())?;
            out.push_sql(" = ");
            out.push_bind_param::<crate::types::sql::Uuid, _>(member)?;
        }
        out.push_sql(")");
        Ok(())
    }
}
