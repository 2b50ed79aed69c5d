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

/// The latest assessment as a change since the previous one of the same person.
fn latest_of(latest: Assessment, previous: Option<Assessment>) -> LatestAssessment {
    LatestAssessment {
        previous_on: previous.as_ref().map(|p| p.assessed_on),
        change: previous
            .map(|p| rules::changes(&p.domains, &latest.domains))
            .unwrap_or_default(),
        assessment: latest,
    }
}

/// A case read's rows: the case, a participant, the latest assessment and the previous one of
/// the same person (the same on every row).
type ReadRow = (
    super::CaseRow,
    Option<super::ParticipantRow>,
    Option<AssessmentRow>,
    Option<AssessmentRow>,
);

/// A case with its participants, its latest assessment and the previous one of the same
/// person, in one statement: one snapshot without a transaction, so a case read is one round
/// trip where it was two (four on SQLite: `BEGIN`, the case, its assessments, `COMMIT`). Each
/// assessment is found by a correlated subquery walking `case_assessments_case_idx` backwards
/// ([`Newest`], [`Before`]); the columns of both ride on each participant's row.
pub(crate) fn load_with_latest(conn: &mut DbConn, id: Uuid) -> RepoResult<CaseDetail> {
    use crate::schema::{case_participants, cases};
    use case_assessments as a;
    let (latest, previous) = diesel::alias!(a as latest, a as previous);
    macro_rules! columns {
        ($alias:expr) => {
            $alias
                .fields((
                    a::id,
                    a::case_id,
                    a::person_id,
                    a::assessed_on,
                    a::assessor_user_id,
                    a::assessor_org_id,
                    a::domains,
                    a::risk_level,
                    a::summary,
                    a::created_at,
                ))
                .nullable()
        };
    }
    // (every case read runs this: on the backend's own connection)
    macro_rules! query {
        () => {{
            cases::table
                .left_join(case_participants::table)
                .left_join(latest.on(latest.field(a::id).nullable().eq(Newest)))
                .left_join(previous.on(previous.field(a::id).nullable().eq(Before)))
                .filter(cases::id.eq(DbUuid(id)))
                .order(case_participants::added_at.asc())
                .select((
                    super::CaseRow::as_select(),
                    super::PARTICIPANT.nullable(),
                    columns!(latest),
                    columns!(previous),
                ))
        }};
    }
    let rows: Vec<ReadRow> = crate::native!(conn, |c| query!().load(c))?;
    let mut rows = rows.into_iter();
    let (case, first, latest, previous) = rows.next().ok_or(diesel::result::Error::NotFound)?;
    let participants = first
        .into_iter()
        .chain(rows.filter_map(|(_, p, _, _)| p))
        .map(super::participant)
        .collect::<RepoResult<_>>()?;
    let assessment = match latest {
        Some(l) => Some(latest_of(
            l.try_into()?,
            previous.map(Assessment::try_from).transpose()?,
        )),
        None => None,
    };
    Ok(CaseDetail {
        case: case.try_into()?,
        participants,
        assessment,
    })
}

/// A subquery written out, as a unit type of its own: the statement it is part of stays one
/// cached prepared statement (its type is its cache key; a `sql()` literal would make it
/// uncacheable, prepared and planned on every execution).
macro_rules! written_out {
    ($(#[$doc:meta])* $name:ident = $sql:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, diesel::query_builder::QueryId)]
        struct $name;
        impl diesel::expression::Expression for $name {
            type SqlType = diesel::sql_types::Nullable<crate::types::sql::Uuid>;
        }
        impl<QS> diesel::expression::AppearsOnTable<QS> for $name {}
        impl<QS> diesel::expression::SelectableExpression<QS> for $name {}
        impl<GB> diesel::expression::ValidGrouping<GB> for $name {
            type IsAggregate = diesel::expression::is_aggregate::Never;
        }
        impl<DB: diesel::backend::Backend> diesel::query_builder::QueryFragment<DB> for $name {
            fn walk_ast<'b>(
                &'b self,
                mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
            ) -> QueryResult<()> {
                out.push_sql($sql);
                Ok(())
            }
        }
    };
}

written_out!(
    /// The id of the case's latest assessment. Written out for its fixed `LIMIT 1`: diesel
    /// binds a limit, and with a bound one PostgreSQL costed the generic plan above a custom one
    /// and planned every execution anew on the database where this was found (half a
    /// millisecond on an idle core, for a statement that runs in a fifth of one: the case read
    /// lost a third of its throughput). A fresh seed did not reproduce the choice of plan
    /// (bench/RESULTS.md); the fixed limit costs nothing either way.
    Newest = "(SELECT a.id FROM case_assessments a WHERE a.case_id = cases.id \
        ORDER BY a.assessed_on DESC, a.id DESC LIMIT 1)"
);

written_out!(
    /// The id of the one before the latest of the same person (or of none, when the latest
    /// names none). The row comparison is one index condition, where the equivalent `OR` is a
    /// bitmap of two scans.
    Before = "(SELECT a.id FROM case_assessments a WHERE a.case_id = cases.id \
        AND (a.person_id = latest.person_id OR (a.person_id IS NULL AND latest.person_id IS NULL)) \
        AND (a.assessed_on, a.id) < (latest.assessed_on, latest.id) \
        ORDER BY a.assessed_on DESC, a.id DESC LIMIT 1)"
);

#[cfg(test)]
mod tests {
    use super::*;

    /// The case read's one statement is prepared once and kept: its written-out subqueries
    /// leave it cacheable (with a `sql()` literal it was prepared, and on PostgreSQL planned,
    /// on every read).
    #[test]
    fn the_case_read_is_one_kept_statement() {
        let mut db = crate::test_db::CachingDb::new("case-read");
        for _ in 0..3 {
            assert!(matches!(
                load_with_latest(db.conn(), Uuid::now_v7()),
                Err(RepoError::NotFound)
            ));
        }
        let kept = db.cached.lock().unwrap();
        let reads = kept
            .iter()
            .filter(|sql| sql.contains("AS `latest`"))
            .count();
        assert_eq!(reads, 1, "{kept:?}");
    }
}
