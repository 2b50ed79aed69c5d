//! The ledger counted per district, day and key (`allocation_day_tallies`), so that the
//! overview and the dashboard read as many rows as the period has days and keys, not as it has
//! allocations. The database's triggers mark a day whenever something that may change its
//! figures is written (an allocation inserted, changed or deleted; a recipient's registering
//! organization or household; a household's dong); [`refresh`] counts marked days again from
//! the ledger and clears their marks. [`day_rows`] reads counted days from the tallies and
//! marked ones from the ledger itself, so a report's figures are always the ledger's — a
//! re-counting that lags only makes the report slower, never wrong.

use std::collections::BTreeSet;

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Text};

use crate::error::RepoResult;
use crate::types::sql::Uuid as SqlUuid;
use crate::types::DbUuid;
use crate::DbConn;

/// Marks whose days one re-counting takes (the days of the rest wait for the next).
pub const MARKS_PER_RUN: i64 = 20_000;
/// The advisory lock of the re-counting on PostgreSQL (any fixed number of this project's).
const TALLY_LOCK: i64 = 0x7461_6c6c_7901;
/// Marked days closer than this are counted in one range (the days between are counted again
/// too, to the same figures): one scan of the ledger instead of one per day.
const RANGE_GAP_DAYS: i64 = 7;

/// The figures of one day and key.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct DayTally {
    #[diesel(sql_type = Date)]
    pub granted_on: NaiveDate,
    #[diesel(sql_type = SqlUuid)]
    pub benefit_type_id: DbUuid,
    #[diesel(sql_type = SqlUuid)]
    pub resource_id: DbUuid,
    #[diesel(sql_type = SqlUuid)]
    pub provider_org_id: DbUuid,
    #[diesel(sql_type = Text)]
    pub category: String,
    /// The recipient's registering organization.
    #[diesel(sql_type = SqlUuid)]
    pub registrar_org_id: DbUuid,
    /// The recipient's household's administrative dong.
    #[diesel(sql_type = Nullable<Text>)]
    pub admin_dong_code: Option<String>,
    /// Allocations that count (not cancelled).
    #[diesel(sql_type = BigInt)]
    pub allocations: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub amount: Option<i64>,
    /// Approved or delivered allocations that went through an override.
    #[diesel(sql_type = BigInt)]
    pub overrides: i64,
}

/// The bounds of an open period (dates both backends hold).
pub(crate) const FIRST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(1, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};
pub(crate) const LAST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

const KEY_COLUMNS: &str = "granted_on, benefit_type_id, resource_id, provider_org_id, category, \
                           registrar_org_id, admin_dong_code, allocations, amount, overrides";

/// The ledger's figures for `district` from `from` to `to`, per day and key; `$1`…`$3` (`?1`…`?3` on SQLite).
fn ledger_sql(pg: bool) -> String {
    let p = |i: usize| if pg { format!("${i}") } else { format!("?{i}") };
    format!(
        "SELECT a.granted_on, a.benefit_type_id, a.resource_id, a.provider_org_id, a.category, \
         p.registered_by_org_id AS registrar_org_id, h.admin_dong_code, \
         COUNT(*) AS allocations, CAST(SUM(a.amount) AS BIGINT) AS amount, \
         CAST(SUM(CASE WHEN a.override_reason IS NOT NULL AND a.status IN ('approved', 'delivered') \
         THEN 1 ELSE 0 END) AS BIGINT) AS overrides \
         FROM allocations a JOIN persons p ON p.id = a.person_id \
         LEFT JOIN households h ON h.id = p.household_id \
         WHERE a.district_code = {} AND a.granted_on >= {} AND a.granted_on <= {} \
         AND a.status <> 'cancelled' \
         GROUP BY a.granted_on, a.benefit_type_id, a.resource_id, a.provider_org_id, a.category, \
         p.registered_by_org_id, h.admin_dong_code",
        p(1),
        p(2),
        p(3)
    )
}

/// Marked days folded into ranges (see [`RANGE_GAP_DAYS`]).
fn ranges(days: &BTreeSet<NaiveDate>) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    for &d in days {
        match out.last_mut() {
            Some((_, hi)) if d - *hi <= Duration::days(RANGE_GAP_DAYS) => *hi = d,
            _ => out.push((d, d)),
        }
    }
    out
}

fn ledger(
    conn: &mut DbConn,
    district: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> RepoResult<Vec<DayTally>> {
    let pg = matches!(conn, DbConn::Pg(_));
    Ok(diesel::sql_query(ledger_sql(pg))
        .bind::<Text, _>(district)
        .bind::<Date, _>(from)
        .bind::<Date, _>(to)
        .load(conn)?)
}

/// The period's figures per day and key, `from` and `to` included (`None`: unbounded): counted
/// days from the tallies, marked days from the ledger. Each day comes from one of the two,
/// read in that order, so none is counted twice or left out.
pub fn day_rows(
    conn: &mut DbConn,
    district: &str,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> RepoResult<Vec<DayTally>> {
    use crate::schema::allocation_tally_marks as m;
    let pg = matches!(conn, DbConn::Pg(_));
    let from = from.unwrap_or(FIRST_DAY);
    let to = to.unwrap_or(LAST_DAY);
    let marked: BTreeSet<NaiveDate> = m::table
        .filter(m::district_code.eq(district))
        .filter(m::granted_on.ge(from))
        .filter(m::granted_on.le(to))
        .select(m::granted_on)
        .distinct()
        .load::<NaiveDate>(conn)?
        .into_iter()
        .collect();
    let p = |i: usize| if pg { format!("${i}") } else { format!("?{i}") };
    let mut rows: Vec<DayTally> = diesel::sql_query(format!(
        "SELECT {KEY_COLUMNS} FROM allocation_day_tallies \
         WHERE district_code = {} AND granted_on >= {} AND granted_on <= {}",
        p(1),
        p(2),
        p(3)
    ))
    .bind::<Text, _>(district)
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .load::<DayTally>(conn)?
    .into_iter()
    .filter(|r| !marked.contains(&r.granted_on))
    .collect();
    for (lo, hi) in ranges(&marked) {
        rows.extend(
            ledger(conn, district, lo, hi)?
                .into_iter()
                .filter(|r| marked.contains(&r.granted_on)),
        );
    }
    Ok(rows)
}

/// Counts marked days again from the ledger and clears their marks; returns how many marks it
/// cleared (0: nothing was marked, or another server is counting). The days of the first
/// [`MARKS_PER_RUN`] marks are counted, and every mark of those days made before this began is
/// cleared with them. On PostgreSQL one snapshot serves the whole run (repeatable read), so a
/// mark committed while it runs — its allocation unseen by the count — stays for the next run;
/// and one server counts at a time (an advisory lock; the others skip their turn). SQLite has
/// one writer at a time anyway.
pub fn refresh(conn: &mut DbConn) -> RepoResult<usize> {
    use crate::schema::allocation_tally_marks as m;
    // Nothing marked (the usual case between allocations): no write transaction at all.
    let any: Option<i64> = m::table.select(m::id).first(conn).optional()?;
    if any.is_none() {
        return Ok(0);
    }
    crate::uow::system(conn, "allocation_tallies", |conn| {
        let pg = matches!(conn, DbConn::Pg(_));
        if pg {
            #[derive(QueryableByName)]
            struct Locked {
                #[diesel(sql_type = diesel::sql_types::Bool)]
                locked: bool,
            }
            diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").execute(conn)?;
            let l: Locked = diesel::sql_query(format!(
                "SELECT pg_try_advisory_xact_lock({TALLY_LOCK}) AS locked"
            ))
            .get_result(conn)?;
            if !l.locked {
                return Ok(0);
            }
        }
        let marks: Vec<(i64, String, NaiveDate)> = m::table
            .order(m::id.asc())
            .limit(MARKS_PER_RUN)
            .select((m::id, m::district_code, m::granted_on))
            .load(conn)?;
        let Some(last) = marks.iter().map(|(id, ..)| *id).max() else {
            return Ok(0);
        };
        let mut by_district: std::collections::BTreeMap<&str, BTreeSet<NaiveDate>> =
            Default::default();
        for (_, d, day) in &marks {
            by_district.entry(d.as_str()).or_default().insert(*day);
        }
        let p = |i: usize| if pg { format!("${i}") } else { format!("?{i}") };
        let mut cleared = 0;
        for (district, days) in &by_district {
            for (lo, hi) in ranges(days) {
                diesel::sql_query(format!(
                    "DELETE FROM allocation_day_tallies \
                     WHERE district_code = {} AND granted_on >= {} AND granted_on <= {}",
                    p(1),
                    p(2),
                    p(3)
                ))
                .bind::<Text, _>(*district)
                .bind::<Date, _>(lo)
                .bind::<Date, _>(hi)
                .execute(conn)?;
                diesel::sql_query(format!(
                    "INSERT INTO allocation_day_tallies (district_code, {KEY_COLUMNS}) \
                     SELECT {}, t.* FROM ({}) t",
                    p(4),
                    ledger_sql(pg)
                ))
                .bind::<Text, _>(*district)
                .bind::<Date, _>(lo)
                .bind::<Date, _>(hi)
                .bind::<Text, _>(*district)
                .execute(conn)?;
                cleared += diesel::delete(
                    m::table
                        .filter(m::district_code.eq(*district))
                        .filter(m::granted_on.ge(lo))
                        .filter(m::granted_on.le(hi))
                        .filter(m::id.le(last)),
                )
                .execute(conn)?;
            }
        }
        Ok(cleared)
    })
}

/// Marks every day the ledger has, so that all are counted again (and read from the ledger
/// until they are); returns how many days it marked.
pub fn mark_all(conn: &mut DbConn) -> RepoResult<usize> {
    crate::uow::system(conn, "allocation_tallies", |conn| {
        Ok(diesel::sql_query(
            "INSERT INTO allocation_tally_marks (district_code, granted_on) \
             SELECT DISTINCT district_code, granted_on FROM allocations",
        )
        .execute(conn)?)
    })
}

/// Marks left to count (for tests and operators: 0 means every day is counted).
pub fn pending(conn: &mut DbConn) -> RepoResult<i64> {
    use crate::schema::allocation_tally_marks as m;
    Ok(m::table.count().get_result(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn close_days_are_counted_in_one_range() {
        let days: BTreeSet<NaiveDate> = [
            "2026-01-01",
            "2026-01-03",
            "2026-01-10",
            "2026-01-18",
            "2026-03-01",
        ]
        .into_iter()
        .map(day)
        .collect();
        assert_eq!(
            ranges(&days),
            vec![
                (day("2026-01-01"), day("2026-01-10")),
                (day("2026-01-18"), day("2026-01-18")),
                (day("2026-03-01"), day("2026-03-01")),
            ]
        );
        assert!(ranges(&BTreeSet::new()).is_empty());
    }
}
