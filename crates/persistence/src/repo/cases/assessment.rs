//! The assessments (사정) a case read shows: the latest, with its change since the previous one.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use hamkke_domain::case::RiskLevel;
use hamkke_domain::plan::{self as rules, Assessment, AssessmentDomain, DomainScore};
use uuid::Uuid;

use super::CaseDetail;
use crate::conn::DbConn;
use crate::error::{corrupt, RepoError, RepoResult};
use crate::schema::case_assessments;
use crate::types::{from_db, DbUuid};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = case_assessments)]
pub(crate) struct AssessmentRow {
    id: DbUuid,
    case_id: DbUuid,
    person_id: Option<DbUuid>,
    assessed_on: NaiveDate,
    assessor_user_id: DbUuid,
    assessor_org_id: DbUuid,
    domains: String,
    risk_level: String,
    summary: String,
    created_at: NaiveDateTime,
}

impl TryFrom<AssessmentRow> for Assessment {
    type Error = RepoError;
    fn try_from(r: AssessmentRow) -> RepoResult<Self> {
        Ok(Assessment {
            id: r.id.0,
            case_id: r.case_id.0,
            person_id: r.person_id.map(|p| p.0),
            assessed_on: r.assessed_on,
            assessor_user_id: r.assessor_user_id.0,
            assessor_org_id: r.assessor_org_id.0,
            domains: serde_json::from_str(&r.domains)
                .map_err(|_| corrupt("case_assessments.domains"))?,
            risk_level: RiskLevel::parse(&r.risk_level)
                .ok_or_else(|| corrupt("case_assessments.risk_level"))?,
            summary: r.summary,
            created_at: from_db(r.created_at),
        })
    }
}

/// An assessment with its change since the previous one of the same person (per domain
/// scored in both; negative: the need eased).
#[derive(Debug, Clone)]
pub struct LatestAssessment {
    pub assessment: Assessment,
    pub previous_on: Option<NaiveDate>,
    pub change: BTreeMap<AssessmentDomain, i8>,
}

/// Pairs each assessment (oldest first) with its change since the previous one of the same
/// person.
pub(crate) fn with_changes(list: Vec<Assessment>) -> Vec<LatestAssessment> {
    let mut last: HashMap<Option<Uuid>, (NaiveDate, BTreeMap<AssessmentDomain, DomainScore>)> =
        HashMap::new();
    list.into_iter()
        .map(|a| {
            let prev = last.insert(a.person_id, (a.assessed_on, a.domains.clone()));
            LatestAssessment {
                previous_on: prev.as_ref().map(|(on, _)| *on),
                change: prev
                    .map(|(_, d)| rules::changes(&d, &a.domains))
                    .unwrap_or_default(),
                assessment: a,
            }
        })
        .collect()
}

pub(crate) fn assessments_of(conn: &mut DbConn, case_id: Uuid) -> RepoResult<Vec<Assessment>> {
    case_assessments::table
        .filter(case_assessments::case_id.eq(DbUuid(case_id)))
        .order((
            case_assessments::assessed_on.asc(),
            case_assessments::id.asc(),
        ))
        .select(AssessmentRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Assessment::try_from)
        .collect()
}

/// Adds the latest assessment and its change to a case read.
pub(crate) fn with_assessment(conn: &mut DbConn, mut detail: CaseDetail) -> RepoResult<CaseDetail> {
    // (every case read runs this: on the backend's own connection)
    let case_id = DbUuid(detail.case.id);
    let rows: Vec<AssessmentRow> = crate::native!(conn, |c| case_assessments::table
        .filter(case_assessments::case_id.eq(case_id))
        .order((
            case_assessments::assessed_on.desc(),
            case_assessments::id.desc(),
        ))
        .limit(20)
        .select(AssessmentRow::as_select())
        .load(c))?;
    let rows: Vec<Assessment> = rows
        .into_iter()
        .map(Assessment::try_from)
        .collect::<RepoResult<_>>()?;
    let mut rows = rows.into_iter();
    detail.assessment = rows.next().map(|latest| {
        let prev = rows.find(|a| a.person_id == latest.person_id);
        LatestAssessment {
            previous_on: prev.as_ref().map(|p| p.assessed_on),
            change: prev
                .map(|p| rules::changes(&p.domains, &latest.domains))
                .unwrap_or_default(),
            assessment: latest,
        }
    });
    Ok(detail)
}
