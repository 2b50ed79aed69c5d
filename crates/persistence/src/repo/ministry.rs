//! 통합사례관리 실적: the figures a district reports upward — cases by case type (opened, closed
//! and in progress at the period's end), meetings held by kind, and resources linked by their
//! funding (공공 / 민간: allocations and won). Counts only, no person data; read as part of
//! the dashboard, under its rights and its one audit event.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use hamkke_domain::meeting::MeetingStatus;

use super::reports::ReportScope;
use super::tallies::DayTally;
use crate::conn::DbConn;
use crate::error::RepoResult;
use crate::lists::in_ids;
use crate::schema::{cases, meetings, resources};
use crate::types::DbUuid;

/// Korea is UTC+9 all year.
const KST_HOURS: i64 = 9;

fn kst_date(ts: NaiveDateTime) -> NaiveDate {
    (ts + Duration::hours(KST_HOURS)).date()
}

/// One case type's cases in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseTypeRow {
    /// `integrated`, `simple_linkage`, `emergency`, `general`.
    pub case_type: String,
    /// Opened in the period.
    pub opened: i64,
    /// Closed in the period.
    pub closed: i64,
    /// Open at the period's end (opened by then, not closed, rejected or referred out).
    pub in_progress: i64,
}

/// Resources linked in the period under one kind of funding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundingRow {
    /// `public` (공공) or `private_donation` (민간).
    pub funding: String,
    pub allocations: i64,
    pub amount: i64,
}

/// The ministry-style summary of a district and period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MinistrySummary {
    pub cases: Vec<CaseTypeRow>,
    /// Meetings held (minutes finalized) in the period, by kind.
    pub meetings_held: Vec<(String, i64)>,
    pub resources: Vec<FundingRow>,
}

const ENDED: [&str; 2] = ["rejected", "referred_out"];

/// Reads the summary: two statements, and the period's day tallies (`days`).
pub(crate) fn summary(
    conn: &mut DbConn,
    scope: &ReportScope,
    days: &[DayTally],
) -> RepoResult<MinistrySummary> {
    let d = scope.district_code.clone();
    let in_period =
        |day: NaiveDate| scope.from.is_none_or(|f| day >= f) && scope.to.is_none_or(|t| day <= t);
    let by_end = |day: NaiveDate| scope.to.is_none_or(|t| day <= t);

    let rows: Vec<(String, String, NaiveDateTime, Option<NaiveDate>)> = cases::table
        .filter(cases::district_code.eq(d.clone()))
        .select((
            cases::case_type,
            cases::status,
            cases::created_at,
            cases::closed_on,
        ))
        .load(conn)?;
    let mut out = MinistrySummary::default();
    for kind in hamkke_domain::case::CaseType::ALL {
        let mine = rows.iter().filter(|r| r.0 == kind.as_str());
        let mut row = CaseTypeRow {
            case_type: kind.as_str().to_owned(),
            opened: 0,
            closed: 0,
            in_progress: 0,
        };
        for (_, status, created, closed) in mine {
            let opened_on = kst_date(*created);
            row.opened += i64::from(in_period(opened_on));
            row.closed += i64::from(closed.is_some_and(in_period));
            let open_at_end = by_end(opened_on)
                && closed.is_none_or(|c| !by_end(c))
                && !ENDED.contains(&status.as_str());
            row.in_progress += i64::from(open_at_end);
        }
        out.cases.push(row);
    }

    let held: Vec<(String, Option<NaiveDateTime>)> = meetings::table
        .filter(meetings::district_code.eq(d.clone()))
        .filter(meetings::status.eq(MeetingStatus::Held.as_str()))
        .select((meetings::kind, meetings::finalized_at))
        .load(conn)?;
    for kind in hamkke_domain::meeting::MeetingKind::ALL {
        let n = held
            .iter()
            .filter(|(k, at)| k == kind.as_str() && at.is_some_and(|t| in_period(kst_date(t))))
            .count() as i64;
        out.meetings_held.push((kind.as_str().to_owned(), n));
    }

    // Resources linked: the period's day tallies (not cancelled) by their resource's funding.
    let ids: std::collections::BTreeSet<DbUuid> = days.iter().map(|r| r.resource_id).collect();
    let funding_of: std::collections::HashMap<DbUuid, String> = resources::table
        .filter(in_ids(resources::id, ids.into_iter().collect::<Vec<_>>()))
        .select((resources::id, resources::funding))
        .load::<(DbUuid, String)>(conn)?
        .into_iter()
        .collect();
    let mut funded: Vec<(String, i64, Option<i64>)> = Vec::new();
    for r in days {
        let Some(f) = funding_of.get(&r.resource_id) else {
            continue;
        };
        let i = match funded.iter().position(|x| &x.0 == f) {
            Some(i) => i,
            None => {
                funded.push((f.clone(), 0, None));
                funded.len() - 1
            }
        };
        funded[i].1 += r.allocations;
        if let Some(a) = r.amount {
            funded[i].2 = Some(funded[i].2.unwrap_or(0).saturating_add(a));
        }
    }
    for funding in hamkke_domain::allocation::Funding::ALL {
        let (allocations, amount) = funded
            .iter()
            .find(|f| f.0 == funding.as_str())
            .map_or((0, 0), |f| (f.1, f.2.unwrap_or(0)));
        out.resources.push(FundingRow {
            funding: funding.as_str().to_owned(),
            allocations,
            amount,
        });
    }
    Ok(out)
}
