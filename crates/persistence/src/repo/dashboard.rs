//! The coordinator dashboard's figures for one district and period: cases by status, risk and
//! lead organization, new and closed cases per month, overdue reviews, allocations per month by
//! benefit type, provider and dong centre, duplicates prevented and overrides decided, and the
//! benefit types most often given again to the same person. Counts only, no person data.
//!
//! Months are Korean months (UTC+9), as workers count them. The allocations come counted per day
//! and key (`repo::tallies`: the day tallies, or the ledger for days not counted yet) and are
//! folded into months here, so both backends share one reading.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use hamkke_domain::allocation::AllocationStatus;
use hamkke_domain::authz::Actor;
use hamkke_domain::case::Status;
use uuid::Uuid;

use super::reports::{ReportScope, Tally, OTHER_REGISTRAR, UNKNOWN_DONG};
use super::tallies::DayTally;
use crate::conn::DbConn;
use crate::error::RepoResult;
use crate::lists::in_ids;
use crate::schema::{allocations, audit_events, benefit_types, cases, organizations};
use crate::types::DbUuid;

/// Korea is UTC+9 all year.
const KST_HOURS: i64 = 9;

/// `YYYY-MM` of a date.
fn month_of(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// The Korean date of a stored UTC timestamp.
fn kst_date(ts: NaiveDateTime) -> NaiveDate {
    (ts + Duration::hours(KST_HOURS)).date()
}

/// The UTC instant a Korean day starts.
fn kst_start(d: NaiveDate) -> NaiveDateTime {
    d.and_hms_opt(0, 0, 0).unwrap_or_default() - Duration::hours(KST_HOURS)
}

/// Every month from the first to the last (inclusive), so a quiet month shows as zero.
fn month_range(first: NaiveDate, last: NaiveDate) -> Vec<String> {
    let mut out = Vec::new();
    let (mut y, mut m) = (first.year(), first.month());
    while (y, m) <= (last.year(), last.month()) && out.len() < 1200 {
        out.push(format!("{y:04}-{m:02}"));
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    out
}

/// One month's count and amount (won) under one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthTally {
    pub month: String,
    pub key: String,
    /// How people name the key (Korean).
    pub name: String,
    /// The English name, where the key has one (benefit types).
    pub name_en: Option<String>,
    pub count: i64,
    pub amount: Option<i64>,
}

/// Cases opened and closed in one month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseMonth {
    pub month: String,
    pub opened: i64,
    pub closed: i64,
}

/// Duplicates prevented and overrides decided in one month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateMonth {
    pub month: String,
    pub prevented: i64,
    pub overrides_approved: i64,
    pub overrides_rejected: i64,
}

/// A benefit type given more than once to the same person in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeats {
    pub code: String,
    pub name_ko: String,
    pub name_en: String,
    /// Persons who received it more than once.
    pub recipients: i64,
    /// Allocations beyond each person's first.
    pub repeats: i64,
}

/// The dashboard's figures.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// The months the series cover, oldest first.
    pub months: Vec<String>,
    /// Cases active in the period (opened by its end, not closed before its start), by their
    /// status today.
    pub cases_by_status: Vec<Tally>,
    pub cases_by_risk_level: Vec<Tally>,
    pub cases_by_lead_org: Vec<Tally>,
    pub cases_per_month: Vec<CaseMonth>,
    /// Open cases whose plan review date has passed (as of today).
    pub reviews_overdue: i64,
    pub reviews_overdue_by_lead_org: Vec<Tally>,
    pub allocations_by_benefit_type: Vec<MonthTally>,
    pub allocations_by_provider: Vec<MonthTally>,
    /// By the recipient's dong of residence (the household's administrative dong), named by
    /// the dong centre serving it.
    pub allocations_by_dong: Vec<MonthTally>,
    /// By the dong centre that registered the recipient (others as one row).
    pub allocations_by_registering_org: Vec<MonthTally>,
    pub duplicates_per_month: Vec<DuplicateMonth>,
    pub duplicates_prevented: i64,
    pub overrides_approved: i64,
    pub overrides_rejected: i64,
    /// Overrides waiting for a coordinator now.
    pub overrides_pending: i64,
    /// At most ten, most repeats first.
    pub repeated_benefit_types: Vec<Repeats>,
    /// 통합사례관리 실적: cases by type, meetings held, resources linked by funding.
    pub ministry: super::ministry::MinistrySummary,
}

/// How many benefit types the repeat list shows.
const TOP_REPEATS: usize = 10;

type CaseRow = (
    String,
    String,
    DbUuid,
    NaiveDateTime,
    Option<NaiveDate>,
    Option<NaiveDate>,
);

type DayRow = (NaiveDate, DbUuid, i64, Option<i64>);

/// Reads the district's dashboard: coordinators and auditors of the district only. Its audit
/// event (an export of aggregate figures) is `reports::record_export`'s, on the primary.
pub fn dashboard(conn: &mut DbConn, actor: &Actor, scope: &ReportScope) -> RepoResult<Dashboard> {
    hamkke_domain::authz::read_reports(actor, &scope.district_code)?;
    let d = scope.district_code.clone();
    let today = crate::today();
    let in_period =
        |day: NaiveDate| scope.from.is_none_or(|f| day >= f) && scope.to.is_none_or(|t| day <= t);

    let org_rows: Vec<(DbUuid, String, String)> = organizations::table
        .filter(organizations::district_code.eq(d.clone()))
        .select((organizations::id, organizations::name, organizations::kind))
        .load(conn)?;
    let orgs: HashMap<Uuid, (String, String)> = org_rows
        .into_iter()
        .map(|(id, name, kind)| (id.0, (name, kind)))
        .collect();
    let org_name = |id: Uuid| orgs.get(&id).map(|o| o.0.clone()).unwrap_or_default();

    // Cases: one row each (status, risk, lead, opened, closed, next review).
    let mut q = cases::table
        .filter(cases::district_code.eq(d.clone()))
        .select((
            cases::status,
            cases::risk_level,
            cases::lead_org_id,
            cases::created_at,
            cases::closed_on,
            cases::next_review_on,
        ))
        .into_boxed();
    if let Some(t) = scope.to {
        q = q.filter(cases::created_at.lt(kst_start(t + Duration::days(1))));
    }
    let case_rows: Vec<CaseRow> = q.load(conn)?;
    let mut by_status: BTreeMap<String, i64> = BTreeMap::new();
    let mut by_risk: BTreeMap<String, i64> = BTreeMap::new();
    let mut by_lead: BTreeMap<String, i64> = BTreeMap::new();
    let mut opened: BTreeMap<String, i64> = BTreeMap::new();
    let mut closed: BTreeMap<String, i64> = BTreeMap::new();
    let mut overdue_by_lead: BTreeMap<String, i64> = BTreeMap::new();
    let mut reviews_overdue = 0;
    let mut first_day: Option<NaiveDate> = scope.from;
    let mut last_day: Option<NaiveDate> = scope.to;
    let mut seen = |day: NaiveDate| {
        if scope.from.is_none() {
            first_day = Some(first_day.map_or(day, |f| f.min(day)));
        }
        if scope.to.is_none() {
            last_day = Some(last_day.map_or(day, |l| l.max(day)));
        }
    };
    for (status, risk, lead, created, closed_on, next_review) in case_rows {
        let open = Status::parse(&status).is_some_and(|s| s.counts_as_open());
        if open && next_review.is_some_and(|r| r < today) {
            reviews_overdue += 1;
            *overdue_by_lead.entry(org_name(lead.0)).or_default() += 1;
        }
        let created = kst_date(created);
        let closed_before = closed_on.is_some_and(|c| scope.from.is_some_and(|f| c < f));
        if !closed_before {
            *by_status.entry(status).or_default() += 1;
            *by_risk.entry(risk).or_default() += 1;
            *by_lead.entry(org_name(lead.0)).or_default() += 1;
        }
        if in_period(created) {
            seen(created);
            *opened.entry(month_of(created)).or_default() += 1;
        }
        if let Some(c) = closed_on.filter(|&c| in_period(c)) {
            seen(c);
            *closed.entry(month_of(c)).or_default() += 1;
        }
    }

    // Allocations that count (not cancelled), per day and key, in the period: the day tallies.
    let days = super::tallies::day_rows(conn, &d, scope.from, scope.to)?;
    let per_day = |key: fn(&DayTally) -> DbUuid| -> Vec<DayRow> {
        days.iter()
            .map(|r| (r.granted_on, key(r), r.allocations, r.amount))
            .collect()
    };
    let by_type_days = per_day(|r| r.benefit_type_id);
    let by_provider_days = per_day(|r| r.provider_org_id);
    let by_registrar_days = per_day(|r| r.registrar_org_id);
    for (day, ..) in by_type_days.iter() {
        seen(*day);
    }
    let type_rows: Vec<(DbUuid, String, String, String)> = benefit_types::table
        .filter(benefit_types::district_code.eq(d.clone()))
        .select((
            benefit_types::id,
            benefit_types::code,
            benefit_types::name_ko,
            benefit_types::name_en,
        ))
        .load(conn)?;
    let types: HashMap<Uuid, (String, String, String)> = type_rows
        .into_iter()
        .map(|(id, code, ko, en)| (id.0, (code, ko, en)))
        .collect();
    let allocations_by_benefit_type = months_of(by_type_days, |id| {
        let (code, ko, en) = types.get(&id).cloned().unwrap_or_default();
        (code, ko, Some(en))
    });
    let allocations_by_provider =
        months_of(by_provider_days, |id| (id.to_string(), org_name(id), None));
    let allocations_by_registering_org = months_of(by_registrar_days, |id| match orgs.get(&id) {
        Some((name, kind)) if kind == "dong_center" => (id.to_string(), name.clone(), None),
        _ => ("other".to_owned(), OTHER_REGISTRAR.to_owned(), None),
    });
    // By the dong of residence: the recipient's household's administrative dong, named by the
    // dong centre that serves it.
    let by_residence_days: Vec<(NaiveDate, Option<String>, i64, Option<i64>)> = days
        .iter()
        .map(|r| {
            (
                r.granted_on,
                r.admin_dong_code.clone(),
                r.allocations,
                r.amount,
            )
        })
        .collect();
    let dong_names = super::reports::dong_names(conn, &d)?;
    let allocations_by_dong = months_keyed(by_residence_days, |code| match code {
        Some(c) => (
            c.clone(),
            dong_names.get(c).cloned().unwrap_or_else(|| c.clone()),
            None,
        ),
        None => (
            UNKNOWN_DONG.to_owned(),
            UNKNOWN_DONG_KO.to_owned(),
            Some(UNKNOWN_DONG_EN.to_owned()),
        ),
    });

    // Duplicates prevented (refused attempts) and overrides decided, by the day they happened.
    let district_orgs: Vec<DbUuid> = orgs.keys().map(|&id| DbUuid(id)).collect();
    // One pass over the district's allocation events: refused attempts and override decisions.
    const BLOCKED: &str = "\"outcome\":\"blocked\"";
    const APPROVED: &str = "\"status\":\"approved\"";
    const REJECTED: &str = "\"status\":\"rejected\"";
    let like = |marker: &str| format!("%{marker}%");
    let mut q = audit_events::table
        .filter(audit_events::resource_type.eq("allocation"))
        .filter(
            audit_events::details
                .like(like(BLOCKED))
                .or(audit_events::details.like(like(APPROVED)))
                .or(audit_events::details.like(like(REJECTED))),
        )
        .filter(in_ids(audit_events::actor_org_id, district_orgs))
        .select((audit_events::occurred_at, audit_events::details))
        .into_boxed();
    if let Some(f) = scope.from {
        q = q.filter(audit_events::occurred_at.ge(kst_start(f)));
    }
    if let Some(t) = scope.to {
        q = q.filter(audit_events::occurred_at.lt(kst_start(t + Duration::days(1))));
    }
    let events: Vec<(NaiveDateTime, Option<String>)> = q.load(conn)?;
    let mut dup: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    let (mut prevented, mut approved, mut rejected) = (0, 0, 0);
    for (at, details) in events {
        let details = details.unwrap_or_default();
        let day = kst_date(at);
        seen(day);
        let e = dup.entry(month_of(day)).or_default();
        if details.contains(BLOCKED) {
            e.0 += 1;
            prevented += 1;
        } else if details.contains(APPROVED) {
            e.1 += 1;
            approved += 1;
        } else if details.contains(REJECTED) {
            e.2 += 1;
            rejected += 1;
        }
    }
    let overrides_pending: i64 = allocations::table
        .filter(allocations::district_code.eq(d.clone()))
        .filter(allocations::status.eq(AllocationStatus::PendingOverride.as_str()))
        .count()
        .get_result(conn)?;

    // The same benefit type given to the same person more than once in the period.
    // Summed per type in SQL: one row per benefit type leaves the database, not one per
    // person given a type twice.
    let repeats: HashMap<Uuid, (i64, i64)> = repeats(conn, &d, scope.from, scope.to)?
        .into_iter()
        .map(|r| (r.benefit_type_id.0, (r.recipients, r.repeats)))
        .collect();
    let mut repeated_benefit_types: Vec<Repeats> = repeats
        .into_iter()
        .map(|(id, (recipients, repeats))| {
            let (code, name_ko, name_en) = types.get(&id).cloned().unwrap_or_default();
            Repeats {
                code,
                name_ko,
                name_en,
                recipients,
                repeats,
            }
        })
        .collect();
    repeated_benefit_types.sort_by(|a, b| {
        (b.repeats, b.recipients, &a.code).cmp(&(a.repeats, a.recipients, &b.code))
    });
    repeated_benefit_types.truncate(TOP_REPEATS);

    let months = match (first_day, last_day) {
        (Some(f), Some(l)) if f <= l => month_range(f, l),
        _ => Vec::new(),
    };
    let cases_per_month = months
        .iter()
        .map(|m| CaseMonth {
            month: m.clone(),
            opened: opened.get(m).copied().unwrap_or(0),
            closed: closed.get(m).copied().unwrap_or(0),
        })
        .collect();
    let duplicates_per_month = months
        .iter()
        .map(|m| {
            let (p, a, r) = dup.get(m).copied().unwrap_or_default();
            DuplicateMonth {
                month: m.clone(),
                prevented: p,
                overrides_approved: a,
                overrides_rejected: r,
            }
        })
        .collect();
    let counted = |m: BTreeMap<String, i64>| -> Vec<Tally> {
        m.into_iter()
            .map(|(key, count)| Tally {
                key,
                count,
                amount: None,
                name: None,
            })
            .collect()
    };
    let out = Dashboard {
        months,
        cases_by_status: counted(by_status),
        cases_by_risk_level: counted(by_risk),
        cases_by_lead_org: counted(by_lead),
        cases_per_month,
        reviews_overdue,
        reviews_overdue_by_lead_org: counted(overdue_by_lead),
        allocations_by_benefit_type,
        allocations_by_provider,
        allocations_by_dong,
        allocations_by_registering_org,
        duplicates_per_month,
        duplicates_prevented: prevented,
        overrides_approved: approved,
        overrides_rejected: rejected,
        overrides_pending,
        repeated_benefit_types,
        ministry: super::ministry::summary(conn, scope, &days)?,
    };
    Ok(out)
}

/// How the dashboard names allocations whose recipient's dong of residence is not recorded.
const UNKNOWN_DONG_KO: &str = "거주 동 미상";
const UNKNOWN_DONG_EN: &str = "Dong of residence unknown";

/// Folds per-day rows into per-month rows, naming each key once (`name` gives the key, its
/// Korean name and its English name).
fn months_of(
    rows: Vec<DayRow>,
    name: impl Fn(Uuid) -> (String, String, Option<String>),
) -> Vec<MonthTally> {
    let rows = rows
        .into_iter()
        .map(|(day, id, count, amount)| (day, id.0, count, amount))
        .collect();
    months_keyed(rows, |id: &Uuid| name(*id))
}

/// [`months_of`] for any key.
fn months_keyed<K: std::hash::Hash + Eq + Clone>(
    rows: Vec<(NaiveDate, K, i64, Option<i64>)>,
    name: impl Fn(&K) -> (String, String, Option<String>),
) -> Vec<MonthTally> {
    let mut names: HashMap<K, (String, String, Option<String>)> = HashMap::new();
    // (month, key) → (count, amount, name, English name)
    type Sum = (i64, Option<i64>, String, Option<String>);
    let mut sums: BTreeMap<(String, String), Sum> = BTreeMap::new();
    let mut keys = BTreeSet::new();
    for (day, id, count, amount) in rows {
        let (key, ko, en) = names.entry(id.clone()).or_insert_with(|| name(&id)).clone();
        keys.insert(key.clone());
        let e = sums
            .entry((month_of(day), key))
            .or_insert((0, None, ko, en));
        e.0 += count;
        if let Some(a) = amount {
            e.1 = Some(e.1.unwrap_or(0).saturating_add(a));
        }
    }
    sums.into_iter()
        .map(
            |((month, key), (count, amount, name, name_en))| MonthTally {
                month,
                key,
                name,
                name_en,
                count,
                amount,
            },
        )
        .collect()
}

/// One benefit type given to the same person more than once in a period.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
struct TypeRepeats {
    #[diesel(sql_type = crate::types::sql::Uuid)]
    benefit_type_id: DbUuid,
    /// Persons given it more than once.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    recipients: i64,
    /// The times beyond the first, summed over those persons.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    repeats: i64,
}

/// The benefit types given to the same person more than once from `from` to `to` (not
/// cancelled). Read from the ledger: it is about persons, which the day tallies do not keep.
fn repeats(
    conn: &mut DbConn,
    district: &str,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> RepoResult<Vec<TypeRepeats>> {
    let pg = matches!(conn, DbConn::Pg(_));
    let p = |i: usize| if pg { format!("${i}") } else { format!("?{i}") };
    Ok(diesel::sql_query(format!(
        "SELECT benefit_type_id, CAST(COUNT(*) AS BIGINT) AS recipients, CAST(SUM(n - 1) AS BIGINT) AS repeats \
         FROM (SELECT benefit_type_id, COUNT(*) AS n FROM allocations \
               WHERE district_code = {} AND granted_on >= {} AND granted_on <= {} AND status <> 'cancelled' \
               GROUP BY benefit_type_id, person_id HAVING COUNT(*) > 1) t \
         GROUP BY benefit_type_id",
        p(1),
        p(2),
        p(3)
    ))
    .bind::<diesel::sql_types::Text, _>(district)
    .bind::<diesel::sql_types::Date, _>(from.unwrap_or(super::tallies::FIRST_DAY))
    .bind::<diesel::sql_types::Date, _>(to.unwrap_or(super::tallies::LAST_DAY))
    .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_cover_the_range_and_cross_new_year() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            month_range(d(2025, 11, 30), d(2026, 2, 1)),
            ["2025-11", "2025-12", "2026-01", "2026-02"]
        );
        assert_eq!(month_range(d(2026, 3, 1), d(2026, 3, 31)), ["2026-03"]);
    }

    #[test]
    fn timestamps_count_in_korean_days() {
        let ts = NaiveDate::from_ymd_opt(2026, 1, 31)
            .unwrap()
            .and_hms_opt(15, 30, 0)
            .unwrap();
        assert_eq!(month_of(kst_date(ts)), "2026-02");
        assert_eq!(kst_date(kst_start(ts.date())), ts.date());
    }

    #[test]
    fn days_fold_into_months_per_key() {
        let id = DbUuid(Uuid::now_v7());
        let d = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        let rows = vec![
            (d(1, 2), id, 2, Some(10)),
            (d(1, 20), id, 1, None),
            (d(2, 1), id, 4, Some(5)),
        ];
        let out = months_of(rows, |_| ("k".into(), "이름".into(), None));
        assert_eq!(out.len(), 2);
        assert_eq!((out[0].count, out[0].amount), (3, Some(10)));
        assert_eq!((out[1].month.as_str(), out[1].count), ("2026-02", 4));
    }
}
