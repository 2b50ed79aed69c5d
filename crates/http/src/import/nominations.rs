//! A target list (대상자 명단) imported as a campaign's nominations: the same table reading and
//! person matching as the allocation import (`person_id`, else RRN, else exact name and birth
//! date within the district), each row then nominated exactly as `POST
//! /campaigns/{id}/nominations` does — its own unit of work, the duplicate check against the
//! ledger and the campaign, the quota taken by its conditional update. A row refused never
//! stops the others; importing the same list again refuses its rows as `already_nominated`.

use hamkke_domain::authz::Actor;
use hamkke_domain::DomainError;
use hamkke_persistence::audit::AuditCtx;
use hamkke_persistence::crypto::PersonKeys;
use hamkke_persistence::repo::campaigns::{self, NewNomination, Nominated};
use hamkke_persistence::{DbConn, RepoError};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::table::{read_table, Format};
use super::{amounts_of_row, person_of_row, resource_of_row, Amounts, Names, RowError};

/// A row the campaign refused: the ledger or the campaign already holds it, or the quota is
/// used up.
#[derive(Debug, Serialize, ToSchema)]
pub struct RefusedRow {
    pub row: u64,
    /// `duplicate_benefit`, `already_nominated`, `quota_exhausted`, `campaign_closed`, …
    pub code: String,
    pub message: String,
}

/// What a target-list import did.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct NominationImportReport {
    /// How the file was read: `utf-8`, `cp949` or `xlsx`.
    pub encoding: String,
    /// Rows nominated.
    pub nominated: usize,
    /// Rows the campaign refused.
    pub refused: Vec<RefusedRow>,
    /// Rows that could not be read or matched to a registered person.
    pub errors: Vec<RowError>,
    /// Total rows of the list (합계, 계, 소계), skipped, by row number.
    pub total_rows: Vec<u64>,
}

/// Imports a target list into the campaign as `actor`'s organization's nominations.
#[allow(clippy::too_many_arguments)]
pub fn import_nominations(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &AuditCtx,
    keys: &PersonKeys,
    campaign_id: Uuid,
    format: Format,
    data: &[u8],
    strong: u8,
    rrn_budget: &mut dyn FnMut() -> bool,
) -> Result<NominationImportReport, RepoError> {
    // The campaign must be one the caller sees (404 otherwise) before any row is read.
    campaigns::load(conn, actor, campaign_id)?;
    let table = read_table(format, data, false)?;
    let mut report = NominationImportReport {
        encoding: table.encoding,
        errors: table.errors,
        total_rows: table.totals,
        ..Default::default()
    };
    let mut names = Names::default();
    for row in table.rows {
        let line = row.line;
        let error = |(field, message): (String, String)| RowError {
            row: line,
            field,
            message,
        };
        let person = match person_of_row(conn, keys, actor, &row, false, rrn_budget) {
            Ok(p) => p,
            Err(e) => {
                report.errors.push(error(e));
                continue;
            }
        };
        let parsed = resource_of_row(conn, actor, &row, actor.org_id, &mut names)
            .and_then(|resource| amounts_of_row(&row).map(|a| (resource, a)));
        let (
            resource_id,
            Amounts {
                amount,
                quantity,
                note,
            },
        ) = match parsed {
            Ok(p) => p,
            Err(e) => {
                report.errors.push(error(e));
                continue;
            }
        };
        let new = NewNomination {
            person_id: person.id,
            resource_id,
            amount,
            quantity,
            note,
        };
        // Each row is its own unit of work: a refused row leaves the others.
        let nominated = hamkke_persistence::uow::run(conn, actor, ctx, |tx| {
            campaigns::nominate(tx, campaign_id, new, strong)
        });
        match nominated {
            Ok(Nominated::Made(_)) => report.nominated += 1,
            Ok(Nominated::Duplicate(check)) => report.refused.push(RefusedRow {
                row: line,
                code: "duplicate_benefit".into(),
                message: format!(
                    "the ledger already holds what the policy allows ({} earlier allocation(s))",
                    check.conflicts_total
                ),
            }),
            Err(RepoError::Conflict { code, detail, .. }) => report.refused.push(RefusedRow {
                row: line,
                code: code.into(),
                message: detail,
            }),
            Err(RepoError::Domain(DomainError::Invalid(v))) => {
                for f in v {
                    report.errors.push(error((f.field, f.message)));
                }
            }
            Err(RepoError::Domain(DomainError::UnknownReference { field })) => report.errors.push(
                error((field, "does not exist or is not visible to you".into())),
            ),
            // Not allowed to nominate, or the campaign gone: the whole import stops here.
            Err(e) => return Err(e),
        }
    }
    Ok(report)
}
