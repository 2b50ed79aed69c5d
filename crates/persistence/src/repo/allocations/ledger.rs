//! The ledger (지원 내역) as a caller may read it: entries with what the caller may see of
//! their recipients, override reviews, one entry, the district's list.

use super::*;
use crate::lists::in_ids;

/// The requester's view of what it just recorded (its own organization provides it).
pub(super) fn own_entry(resource: &Resource, allocation: Allocation) -> LedgerEntry {
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
    /// The open strong duplicate pairs of the person (another record that may be the same
    /// person, counted as one until the pair is reviewed): what may have fired the rule.
    pub duplicate_pairs: Vec<ReviewPair>,
    /// The claims of those other records, masked.
    pub possible_duplicate_claims: Vec<CandidateClaim>,
}

/// An open strong duplicate pair shown in an override review: the other record, masked.
#[derive(Debug, Clone)]
pub struct ReviewPair {
    pub pair_id: Uuid,
    pub person_id: Uuid,
    pub name_masked: String,
    pub birth_year: i32,
    pub score: u8,
}

/// Fills the review of the `pending_override` entries a coordinator of the district decides.
pub(super) fn with_reviews(
    conn: &mut DbConn,
    actor: &Actor,
    list: &mut [LedgerEntry],
    strong: u8,
) -> RepoResult<()> {
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
            campaign_id: None,
        };
        // Judged under the benefit type it was requested as (its resource may have moved).
        let benefit = benefit_types::load(conn, a.benefit_type_id)?;
        let person = persons::load(conn, a.person_id)?;
        let req = request_of(&benefit, &request);
        let mut found = claims(conn, &benefit, a.person_id, person.household_id, None, &req)?;
        found.claims.retain(|c| c.allocation_id != a.id);
        // The other records of the person count as it did when the override was asked for.
        let pairs = crate::repo::identity::strong_pairs_of(conn, a.person_id, strong)?;
        let partners: Vec<Uuid> = pairs.iter().map(|(_, other, _)| *other).collect();
        let mut candidates = partner_claims(conn, &benefit, &partners, &req, &mut found)?;
        most_recent(&mut candidates);
        let verdict = rules::evaluate(&benefit.policy, &req, &found.claims);
        let check = describe(&benefit, &verdict, &found.labels)?;
        let mut duplicate_pairs = Vec::with_capacity(pairs.len());
        for (pair_id, other, score) in pairs {
            let p = persons::load(conn, other)?;
            duplicate_pairs.push(ReviewPair {
                pair_id,
                person_id: other,
                name_masked: hamkke_domain::person::mask_name(&p.name),
                birth_year: p.birth_date.year(),
                score,
            });
        }
        e.review = Some(OverrideReview {
            conflicts: check.conflicts,
            conflicts_total: check.conflicts_total,
            rule: check.rule,
            name_masked: hamkke_domain::person::mask_name(&person.name),
            birth_year: person.birth_date.year(),
            duplicate_pairs,
            possible_duplicate_claims: candidates,
        });
    }
    Ok(())
}

pub(super) fn entries(
    conn: &mut DbConn,
    actor: &Actor,
    items: Vec<Allocation>,
) -> RepoResult<Vec<LedgerEntry>> {
    let people: Vec<access::PersonKey> = {
        let ids: Vec<DbUuid> = items.iter().map(|a| DbUuid(a.person_id)).collect();
        persons_t::table
            .filter(in_ids(persons_t::id, ids))
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
        .filter(in_ids(resources_t::id, rids))
        .select((resources_t::id, resources_t::name))
        .load::<(DbUuid, String)>(conn)?
        .into_iter()
        .map(|(i, n)| (i.0, n))
        .collect();
    Ok(items
        .into_iter()
        .map(|a| LedgerEntry {
            details: authz::sees_recipient(
                actor,
                a.provider_org_id,
                &access.get(&a.person_id).cloned().unwrap_or_default(),
            ),
            decides: authz::decide_override(actor, &a.district_code).is_ok(),
            resource_name: names.get(&a.resource_id).cloned().unwrap_or_default(),
            allocation: a,
            review: None,
        })
        .collect())
}

/// Audits the entries whose recipient the reader sees (a read of personal data).
pub(super) fn audit_disclosed(
    conn: &mut DbConn,
    ctx: &AuditCtx,
    entries: &[LedgerEntry],
) -> RepoResult<()> {
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
pub fn get(rx: &mut Rx<'_>, id: Uuid, strong: u8) -> RepoResult<LedgerEntry> {
    let (conn, actor, ctx) = rx.parts();
    let a = load(conn, id)?;
    authz::view_ledger(actor, &a.district_code)?;
    let mut list = entries(conn, actor, vec![a])?;
    with_reviews(conn, actor, &mut list, strong)?;
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
    rx: &mut Rx<'_>,
    f: &LedgerFilter,
    page: PageRequest,
    strong: u8,
) -> RepoResult<Page<LedgerEntry>> {
    let (conn, actor, ctx) = rx.parts();
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
        crate::repo::households::load_usable(conn, actor, h, "household_id")?;
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
        crate::repo::refs::org(conn, actor, o, "provider_org_id")?;
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
    with_reviews(conn, actor, &mut items, strong)?;
    audit_disclosed(conn, ctx, &items)?;
    Ok(Page {
        items,
        next_after: page.next_after,
    })
}
