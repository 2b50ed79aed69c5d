//! District reports for coordinators and auditors: subjects that received more than a policy
//! allows, and an overview of cases, allocations, blocked duplicates and approved overrides.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use diesel::connection::DefaultLoadingMode;
use diesel::prelude::*;
use hamkke_domain::allocation::{
    self as rules, AllocationStatus, Category, DuplicatePolicy, Excess, LedgerItem, Scope, Subject,
};
use hamkke_domain::authz::Actor;
use hamkke_domain::DomainError;
use uuid::Uuid;

use super::tallies::DayTally;
use crate::audit::{self, AuditAction, AuditEntry};
use crate::conn::DbConn;
use crate::error::corrupt;
use crate::error::{RepoError, RepoResult};
use crate::lists::{in_ids, in_texts};
use crate::schema::{
    allocations, audit_events, benefit_types, cases, organizations, persons, resources,
};
use crate::types::{DbCode, DbUuid};
use crate::uow::Tx;

/// The district and period a report covers.
#[derive(Debug, Clone)]
pub struct ReportScope {
    pub district_code: String,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// How long each of the report's statements may run (PostgreSQL); beyond it the report
    /// answers `report_timeout` and its connection is free again.
    pub timeout_ms: u64,
}

/// Gives the calling thread the lowest CPU priority (Linux: nice 19 for this thread only; a
/// no-op elsewhere). For threads that end with the work they were made for.
fn lowest_cpu_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority with PRIO_PROCESS and this thread's id changes only this thread's
    // nice value; it reads no memory of ours.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, 19);
    }
}

/// Runs `f` on a thread of its own at the lowest CPU priority and waits for it: the work of a
/// report (its judging, the making of its answer) yields to everyone else's requests.
pub fn at_lowest_priority<T: Send>(f: impl FnOnce() -> T + Send) -> RepoResult<T> {
    std::thread::scope(|s| {
        s.spawn(|| {
            lowest_cpu_priority();
            f()
        })
        .join()
    })
    .map_err(|_| RepoError::Unavailable)
}

/// Runs a report's reads with the scope's statement timeout (PostgreSQL; SQLite has none),
/// restoring the connection's default afterwards whatever happened.
fn bounded<T>(
    conn: &mut DbConn,
    scope: &ReportScope,
    f: impl FnOnce(&mut DbConn) -> RepoResult<T>,
) -> RepoResult<T> {
    let pg = matches!(conn, DbConn::Pg(_));
    if pg {
        diesel::sql_query(format!(
            "SET statement_timeout = {}",
            scope.timeout_ms.max(1)
        ))
        .execute(conn)?;
        // A report's statements are planned for their own period: a cached generic plan
        // estimates any date range as narrow and walks a district's index where the period
        // covers most of its ledger (a three-year report: 2.9 s instead of 1.0 s).
        diesel::sql_query("SET plan_cache_mode = force_custom_plan").execute(conn)?;
        // Grouping a year of a district's ledger (the dashboard's repeated benefit types) in
        // memory rather than in temporary files.
        diesel::sql_query("SET work_mem = '64MB'").execute(conn)?;
    }
    let result = f(conn);
    if pg {
        diesel::sql_query("RESET statement_timeout").execute(conn)?;
        diesel::sql_query("RESET plan_cache_mode").execute(conn)?;
        diesel::sql_query("RESET work_mem").execute(conn)?;
    }
    result.map_err(|e| match e {
        RepoError::Db(e) if e.to_string().contains("statement timeout") => {
            RepoError::TimedOut("report_timeout")
        }
        other => other,
    })
}

/// Only coordinators and auditors of the district read its reports.
fn authorize(actor: &Actor, scope: &ReportScope) -> Result<(), DomainError> {
    hamkke_domain::authz::read_reports(actor, &scope.district_code)
}

/// One allocation in a duplicate row (no person data).
#[derive(Debug, Clone)]
pub struct DuplicateAllocation {
    pub allocation_id: Uuid,
    /// Who received it, as coordinators and auditors see a subject: masked name, birth year.
    pub person_masked_name: String,
    pub person_birth_year: i32,
    pub benefit_type_code: String,
    pub benefit_type_name_ko: String,
    pub resource_id: Uuid,
    pub resource_name: String,
    pub category: Category,
    pub provider_org_id: Uuid,
    pub provider_org_name: String,
    pub granted_on: NaiveDate,
    pub amount: Option<i64>,
    pub quantity: Option<i32>,
    pub status: AllocationStatus,
}

/// A subject over its limit, with the allocations involved.
#[derive(Debug, Clone)]
pub struct DuplicateRow {
    pub excess: Excess,
    pub allocations: Vec<DuplicateAllocation>,
}

/// Where a page of the duplicates report starts and how long it is.
#[derive(Debug, Clone, Copy)]
pub struct RowPage {
    /// The last row of the previous page: (subject, subject id, scope).
    pub after: Option<(Subject, Uuid, Scope)>,
    pub limit: usize,
}

impl RowPage {
    /// Every row.
    pub const ALL: RowPage = RowPage {
        after: None,
        limit: usize::MAX,
    };
}

/// A page of the duplicates report.
#[derive(Debug, Clone)]
pub struct DuplicatePage {
    pub rows: Vec<DuplicateRow>,
    /// Rows of the whole report.
    pub total: usize,
    /// The last row of this page, when more follow.
    pub next: Option<(Subject, Uuid, Scope)>,
}

fn row_key(e: &Excess) -> (u8, Uuid, u8) {
    (e.subject as u8, e.subject_id, e.scope as u8)
}

/// What the judging needs of one allocation: the least that travels for a million of them.
type ItemRow = (
    DbUuid,
    DbUuid,
    DbCode<Category>,
    DbUuid,
    Option<DbUuid>,
    NaiveDate,
    Option<i64>,
    DbCode<AllocationStatus>,
);

/// Every subject that received more than its policy allows in the period, e.g. through
/// approved overrides or historical imports.
pub fn duplicates(
    conn: &mut DbConn,
    actor: &Actor,
    scope: &ReportScope,
    page: RowPage,
) -> RepoResult<DuplicatePage> {
    authorize(actor, scope)?;
    // The report's reads and judging run on a thread of their own at the lowest CPU priority,
    // so the requests of everyone else go first while it runs.
    at_lowest_priority(|| bounded(conn, scope, |conn| duplicate_rows(conn, scope, page)))?
}

/// The audit event of a report given to its reader (`what`: `report_duplicates`, …), written
/// on the primary once the report's reads are done (they may have run on a replica).
pub fn record_export(
    tx: &mut Tx<'_>,
    what: &'static str,
    scope: &ReportScope,
    details: Option<serde_json::Value>,
) -> RepoResult<()> {
    let ctx = tx.ctx();
    let entry = AuditEntry::new(AuditAction::Export, what, Some(scope.district_code.clone()));
    let entry = match details {
        Some(d) => entry.with_details(d),
        None => entry,
    };
    audit::record(tx.conn(), ctx, entry)
}

/// The reads of the duplicates report: the period's allocations (one indexed range of the
/// district), judged in memory by `rules::find_excess`, and the names of what it finds.
fn duplicate_rows(
    conn: &mut DbConn,
    scope: &ReportScope,
    page: RowPage,
) -> RepoResult<DuplicatePage> {
    // The district's benefit types: each allocation is judged by its type's policy (by code,
    // as the live check), and named by it.
    let catalogue: Vec<(DbUuid, String, Option<String>, String, String)> = benefit_types::table
        .filter(benefit_types::district_code.eq(scope.district_code.clone()))
        .select((
            benefit_types::id,
            benefit_types::code,
            benefit_types::type_group,
            benefit_types::name_ko,
            benefit_types::duplicate_policy,
        ))
        .load(conn)?;
    let mut policies: HashMap<String, DuplicatePolicy> = HashMap::new();
    let mut type_names: HashMap<String, String> = HashMap::new();
    let mut types: HashMap<Uuid, (Arc<str>, Option<Arc<str>>)> = HashMap::new();
    for (id, code, group, name, policy) in catalogue {
        if let Some(p) = serde_json::from_str(&policy)
            .ok()
            .and_then(|v| DuplicatePolicy::from_json(&v))
        {
            policies.insert(code.clone(), p);
        }
        type_names.insert(code.clone(), name);
        types.insert(id.0, (code.into(), group.map(Into::into)));
    }
    let mut q = allocations::table
        .filter(allocations::district_code.eq(scope.district_code.clone()))
        .filter(allocations::status.ne(AllocationStatus::Cancelled.as_str()))
        .select((
            allocations::id,
            allocations::benefit_type_id,
            allocations::category,
            allocations::person_id,
            allocations::household_id,
            allocations::granted_on,
            allocations::amount,
            allocations::status,
        ))
        .into_boxed();
    if let Some(from) = scope.from {
        q = q.filter(allocations::granted_on.ge(from));
    }
    if let Some(to) = scope.to {
        q = q.filter(allocations::granted_on.le(to));
    }
    // (decoded row by row into the judging's form: no string is allocated per allocation)
    let mut items = Vec::new();
    for row in q.load_iter::<ItemRow, DefaultLoadingMode>(conn)? {
        let (id, t, c, p, h, on, amount, status) = row?;
        let (code, group) = types
            .get(&t.0)
            .ok_or_else(|| corrupt("allocations.benefit_type_id"))?;
        items.push(LedgerItem {
            id: id.0,
            benefit_type: code.clone(),
            group: group.clone(),
            category: c.0,
            person_id: p.0,
            household_id: h.map(|x| x.0),
            granted_on: on,
            amount,
            status: status.0,
        });
    }
    let found = rules::find_excess(&items, |code| policies.get(code).copied());
    // (in the order of its key: the page starts after the cursor's row; only its rows are named)
    let total = found.len();
    let after = page.after.map(|(s, id, sc)| (s as u8, id, sc as u8));
    let mut found: Vec<Excess> = found
        .into_iter()
        .filter(|e| after.is_none_or(|a| row_key(e) > a))
        .take(page.limit.saturating_add(1))
        .collect();
    let next = if found.len() > page.limit {
        found.truncate(page.limit);
        found.last().map(|e| (e.subject, e.subject_id, e.scope))
    } else {
        None
    };
    // What only the page's rows show: who gave what, from which resource.
    let names: HashMap<Uuid, String> = resources::table
        .filter(resources::district_code.eq(scope.district_code.clone()))
        .select((resources::id, resources::name))
        .load::<(DbUuid, String)>(conn)?
        .into_iter()
        .map(|(i, n)| (i.0, n))
        .collect();
    let shown: Vec<DbUuid> = found
        .iter()
        .flat_map(|e| e.items.iter().map(|&i| DbUuid(items[i].id)))
        .collect();
    let mut extra: HashMap<Uuid, (Uuid, Option<i32>, Uuid)> = HashMap::with_capacity(shown.len());
    for chunk in shown.chunks(1000) {
        let rows = allocations::table
            .filter(in_ids(allocations::id, chunk.to_vec()))
            .select((
                allocations::id,
                allocations::provider_org_id,
                allocations::quantity,
                allocations::resource_id,
            ))
            .load::<(DbUuid, DbUuid, Option<i32>, DbUuid)>(conn)?;
        extra.extend(rows.into_iter().map(|(id, p, q, r)| (id.0, (p.0, q, r.0))));
    }
    let mut involved: Vec<DbUuid> = found
        .iter()
        .flat_map(|e| e.items.iter().map(|&i| DbUuid(items[i].person_id)))
        .collect();
    involved.sort_by_key(|p| p.0);
    involved.dedup_by_key(|p| p.0);
    // (in chunks: a list of thousands of ids stays under every backend's bind limit)
    let mut people: HashMap<Uuid, (String, i32)> = HashMap::with_capacity(involved.len());
    for chunk in involved.chunks(1000) {
        let found = persons::table
            .filter(in_ids(persons::id, chunk.to_vec()))
            .select((persons::id, persons::name, persons::birth_date))
            .load::<(DbUuid, String, NaiveDate)>(conn)?;
        people.extend(found.into_iter().map(|(id, name, birth)| {
            use chrono::Datelike;
            (
                id.0,
                (hamkke_domain::person::mask_name(&name), birth.year()),
            )
        }));
    }
    let orgs: HashMap<Uuid, String> = organizations::table
        .filter(organizations::district_code.eq(scope.district_code.clone()))
        .select((organizations::id, organizations::name))
        .load::<(DbUuid, String)>(conn)?
        .into_iter()
        .map(|(i, n)| (i.0, n))
        .collect();
    let out = found
        .into_iter()
        .map(|excess| {
            let allocations = excess
                .items
                .iter()
                .map(|&i| {
                    let a = &items[i];
                    // (allocations are never deleted: one read a moment ago is still there)
                    let &(provider, quantity, resource_id) =
                        extra.get(&a.id).ok_or_else(|| corrupt("allocations.id"))?;
                    let (masked, year) = people.get(&a.person_id).cloned().unwrap_or_default();
                    Ok(DuplicateAllocation {
                        allocation_id: a.id,
                        person_masked_name: masked,
                        person_birth_year: year,
                        benefit_type_code: a.benefit_type.to_string(),
                        benefit_type_name_ko: type_names
                            .get(&*a.benefit_type)
                            .cloned()
                            .unwrap_or_default(),
                        resource_id,
                        resource_name: names.get(&resource_id).cloned().unwrap_or_default(),
                        category: a.category,
                        provider_org_id: provider,
                        provider_org_name: orgs.get(&provider).cloned().unwrap_or_default(),
                        granted_on: a.granted_on,
                        amount: a.amount,
                        quantity,
                        status: a.status,
                    })
                })
                .collect::<RepoResult<Vec<_>>>()?;
            Ok(DuplicateRow {
                excess,
                allocations,
            })
        })
        .collect::<RepoResult<Vec<_>>>()?;
    Ok(DuplicatePage {
        rows: out,
        total,
        next,
    })
}

/// A count (and amount) under one key of an overview section.
#[derive(Debug, Clone)]
pub struct Tally {
    pub key: String,
    pub count: i64,
    pub amount: Option<i64>,
    /// How people name the key, when the key is a code of this district (benefit types).
    pub name: Option<String>,
}

/// The key of allocations whose recipient's dong of residence is not recorded, and its name.
pub const UNKNOWN_DONG: &str = "unknown";
pub const UNKNOWN_DONG_NAME: &str = "거주 동 미상 (dong of residence unknown)";

/// The district's administrative dong codes and the dong centres that serve them: how reports
/// name a household's dong of residence.
pub(crate) fn dong_names(
    conn: &mut DbConn,
    district: &str,
) -> RepoResult<std::collections::HashMap<String, String>> {
    Ok(organizations::table
        .filter(organizations::district_code.eq(district))
        .filter(organizations::admin_dong_code.is_not_null())
        .select((organizations::admin_dong_code, organizations::name))
        .load::<(Option<String>, String)>(conn)?
        .into_iter()
        .filter_map(|(code, name)| code.map(|c| (c, name)))
        .collect())
}

/// The per-dong row of recipients registered by an organization other than a dong centre.
pub const OTHER_REGISTRAR: &str = "동 외 기관 등록 (registered by another organization)";

/// The district at a glance.
#[derive(Debug, Clone)]
pub struct Overview {
    pub cases_by_status: Vec<Tally>,
    pub cases_by_risk_level: Vec<Tally>,
    pub cases_by_lead_org: Vec<Tally>,
    pub allocations_by_category: Vec<Tally>,
    pub allocations_by_funding: Vec<Tally>,
    pub allocations_by_provider: Vec<Tally>,
    pub allocations_by_benefit_type: Vec<Tally>,
    /// By the recipient's dong of residence (the household's administrative dong code, named
    /// by the dong centre serving it; `unknown` when none is recorded).
    pub allocations_by_dong: Vec<Tally>,
    /// By the dong centre that registered the recipient (`None` key: registered elsewhere).
    pub allocations_by_registering_org: Vec<Tally>,
    pub duplicates_prevented: i64,
    pub overrides_approved: i64,
}

fn tally(rows: Vec<(String, i64)>) -> Vec<Tally> {
    rows.into_iter()
        .map(|(key, count)| Tally {
            key,
            count,
            amount: None,
            name: None,
        })
        .collect()
}

/// The day tallies summed per key (rows without a key left out), in the key's order.
fn sum_by(days: &[DayTally], key: impl Fn(&DayTally) -> Option<String>) -> Vec<Tally> {
    let mut sums: std::collections::BTreeMap<String, (i64, Option<i64>)> = Default::default();
    for r in days {
        if let Some(k) = key(r) {
            let e = sums.entry(k).or_default();
            e.0 += r.allocations;
            if let Some(a) = r.amount {
                e.1 = Some(e.1.unwrap_or(0).saturating_add(a));
            }
        }
    }
    sums.into_iter()
        .map(|(key, (count, amount))| Tally {
            key,
            count,
            amount,
            name: None,
        })
        .collect()
}

pub fn overview(conn: &mut DbConn, actor: &Actor, scope: &ReportScope) -> RepoResult<Overview> {
    authorize(actor, scope)?;
    bounded(conn, scope, |conn| tallies(conn, scope))
}

/// The reads of the overview: grouped counts, each one statement.
fn tallies(conn: &mut DbConn, scope: &ReportScope) -> RepoResult<Overview> {
    use diesel::dsl::count_star;
    let d = scope.district_code.clone();
    let (from_ts, to_ts) = (
        scope
            .from
            .map(|f| f.and_hms_opt(0, 0, 0).unwrap_or_default()),
        scope
            .to
            .map(|t| t.and_hms_opt(23, 59, 59).unwrap_or_default()),
    );
    // Cases opened in the period, in one reading: per status, risk level and lead.
    let mut q = cases::table
        .filter(cases::district_code.eq(d.clone()))
        .group_by((cases::status, cases::risk_level, cases::lead_org_id))
        .select((
            cases::status,
            cases::risk_level,
            cases::lead_org_id,
            count_star(),
        ))
        .into_boxed();
    if let Some(f) = from_ts {
        q = q.filter(cases::created_at.ge(f));
    }
    if let Some(t) = to_ts {
        q = q.filter(cases::created_at.le(t));
    }
    // (status, risk level, lead, cases)
    type CaseCount = (String, String, DbUuid, i64);
    let case_rows: Vec<CaseCount> = q.load(conn)?;
    let leads: Vec<DbUuid> = case_rows.iter().map(|r| r.2).collect();
    let lead_names: HashMap<DbUuid, String> = organizations::table
        .filter(in_ids(organizations::id, leads))
        .select((organizations::id, organizations::name))
        .load(conn)?
        .into_iter()
        .collect();
    let count_by = |key: &dyn Fn(&CaseCount) -> Option<String>| {
        let mut sums: std::collections::BTreeMap<String, i64> = Default::default();
        for r in &case_rows {
            if let Some(k) = key(r) {
                *sums.entry(k).or_default() += r.3;
            }
        }
        tally(sums.into_iter().collect())
    };
    let cases_by_status = count_by(&|r| Some(r.0.clone()));
    let cases_by_risk_level = count_by(&|r| Some(r.1.clone()));
    let cases_by_lead_org = count_by(&|r| lead_names.get(&r.2).cloned());
    // Allocations that count (not cancelled), from the day tallies of the period.
    let days = super::tallies::day_rows(conn, &d, scope.from, scope.to)?;
    let ids = |key: fn(&DayTally) -> DbUuid| -> Vec<DbUuid> {
        let set: std::collections::BTreeSet<DbUuid> = days.iter().map(key).collect();
        set.into_iter().collect()
    };
    let funding: HashMap<DbUuid, String> = resources::table
        .filter(in_ids(resources::id, ids(|r| r.resource_id)))
        .select((resources::id, resources::funding))
        .load(conn)?
        .into_iter()
        .collect();
    let mut org_ids = ids(|r| r.provider_org_id);
    org_ids.extend(ids(|r| r.registrar_org_id));
    let orgs: HashMap<DbUuid, (String, String)> = organizations::table
        .filter(in_ids(organizations::id, org_ids))
        .select((organizations::id, organizations::name, organizations::kind))
        .load::<(DbUuid, String, String)>(conn)?
        .into_iter()
        .map(|(id, name, kind)| (id, (name, kind)))
        .collect();
    let codes: HashMap<DbUuid, String> = benefit_types::table
        .filter(in_ids(benefit_types::id, ids(|r| r.benefit_type_id)))
        .select((benefit_types::id, benefit_types::code))
        .load(conn)?
        .into_iter()
        .collect();
    let allocations_by_category = sum_by(&days, |r| Some(r.category.clone()));
    let allocations_by_funding = sum_by(&days, |r| funding.get(&r.resource_id).cloned());
    let allocations_by_provider =
        sum_by(&days, |r| orgs.get(&r.provider_org_id).map(|o| o.0.clone()));
    let mut allocations_by_benefit_type = sum_by(&days, |r| codes.get(&r.benefit_type_id).cloned());
    let names: HashMap<String, String> = benefit_types::table
        .filter(benefit_types::district_code.eq(d.clone()))
        .select((benefit_types::code, benefit_types::name_ko))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    for t in &mut allocations_by_benefit_type {
        t.name = names.get(&t.key).cloned();
    }
    // Per dong: the dong centre that registered the recipient; recipients registered by a
    // welfare centre or the district office are one row.
    let registrar = |r: &DayTally| orgs.get(&r.registrar_org_id);
    let mut allocations_by_registering_org = sum_by(&days, |r| {
        registrar(r)
            .filter(|(_, kind)| kind == "dong_center")
            .map(|(name, _)| name.clone())
    });
    allocations_by_registering_org.extend(sum_by(&days, |r| {
        registrar(r)
            .filter(|(_, kind)| kind != "dong_center")
            .map(|_| OTHER_REGISTRAR.to_owned())
    }));
    // Per dong of residence: the recipient's household's administrative dong, named by the
    // dong centre serving it.
    let dong_names = dong_names(conn, &d)?;
    let allocations_by_dong: Vec<Tally> = sum_by(&days, |r| {
        Some(
            r.admin_dong_code
                .clone()
                .unwrap_or_else(|| UNKNOWN_DONG.to_owned()),
        )
    })
    .into_iter()
    .map(|t| Tally {
        name: Some(if t.key == UNKNOWN_DONG {
            UNKNOWN_DONG_NAME.to_owned()
        } else {
            dong_names
                .get(&t.key)
                .cloned()
                .unwrap_or_else(|| t.key.clone())
        }),
        ..t
    })
    .collect();
    let district_orgs = organizations::table
        .filter(organizations::district_code.eq(d.clone()))
        .select(organizations::id.nullable());
    let mut q = audit_events::table
        .filter(audit_events::resource_type.eq("allocation"))
        // (a refused attempt: `denied`; recorded as `create` before 2026-12)
        .filter(in_texts(audit_events::action, ["denied", "create"]))
        .filter(audit_events::details.like("%\"outcome\":\"blocked\"%"))
        .filter(audit_events::actor_org_id.eq_any(district_orgs))
        .count()
        .into_boxed();
    if let Some(f) = from_ts {
        q = q.filter(audit_events::occurred_at.ge(f));
    }
    if let Some(t) = to_ts {
        q = q.filter(audit_events::occurred_at.le(t));
    }
    let duplicates_prevented: i64 = q.get_result(conn)?;
    let overrides_approved: i64 = days.iter().map(|r| r.overrides).sum();
    Ok(Overview {
        cases_by_status,
        cases_by_risk_level,
        cases_by_lead_org,
        allocations_by_category,
        allocations_by_funding,
        allocations_by_provider,
        allocations_by_benefit_type,
        allocations_by_dong,
        allocations_by_registering_org,
        duplicates_prevented,
        overrides_approved,
    })
}
