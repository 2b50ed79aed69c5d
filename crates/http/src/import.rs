//! Bulk import of allocation lists — the year-end lists that dong centres and welfare centres
//! exchange — as CSV. Each row stands alone: a bad row never stops the good ones, and a row
//! already imported (same row key) is skipped, so re-importing a file imports nothing twice.
//!
//! Columns (header row required, any order): `resource_id`, `person_id` or `rrn`,
//! `granted_on` (YYYY-MM-DD), optional `amount`, `quantity`, `case_id`, `note`, `row_key`.
//! Without `row_key`, a row's key is a hash of its resource, person, date, amount and quantity.

use chrono::NaiveDate;
use hamkke_domain::authz::Actor;
use hamkke_domain::person::Rrn;
use hamkke_domain::DomainError;
use hamkke_persistence::audit::AuditCtx;
use hamkke_persistence::crypto::PersonKeys;
use hamkke_persistence::repo::allocations::{self, NewAllocation, Outcome};
use hamkke_persistence::repo::persons;
use hamkke_persistence::{DbConn, RepoError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::dto::allocations::ConflictView;

/// A row refused by a duplicate policy.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateRow {
    /// Line number in the file (the header is line 1).
    pub row: u64,
    pub conflicts: Vec<ConflictView>,
}

/// A row that could not be read.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowError {
    pub row: u64,
    pub field: String,
    pub message: String,
}

/// What an import did (or, with `dry_run`, would do).
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    /// Rows recorded (or that would be).
    pub imported: usize,
    /// Rows already imported earlier, by row key.
    pub skipped: usize,
    pub duplicates: Vec<DuplicateRow>,
    pub errors: Vec<RowError>,
}

#[derive(Debug, Deserialize)]
struct CsvRow {
    row_key: Option<String>,
    resource_id: Option<String>,
    person_id: Option<String>,
    rrn: Option<String>,
    granted_on: Option<String>,
    amount: Option<String>,
    quantity: Option<String>,
    case_id: Option<String>,
    note: Option<String>,
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Parses a row into a request; field errors never quote the value (it may be an RRN).
fn parse_row(
    conn: &mut DbConn,
    keys: &PersonKeys,
    actor: &Actor,
    r: &CsvRow,
) -> Result<NewAllocation, (String, String)> {
    let err = |f: &str, m: &str| (f.to_owned(), m.to_owned());
    let uuid = |f: &str, v: Option<&str>| -> Result<Option<Uuid>, (String, String)> {
        v.map(|s| Uuid::parse_str(s).map_err(|_| err(f, "not a valid id")))
            .transpose()
    };
    let resource_id = uuid("resource_id", nonempty(&r.resource_id))?
        .ok_or_else(|| err("resource_id", "required"))?;
    let person_id = match (nonempty(&r.person_id), nonempty(&r.rrn)) {
        (Some(p), _) => uuid("person_id", Some(p))?.ok_or_else(|| err("person_id", "required"))?,
        (None, Some(raw)) => {
            let rrn = Rrn::parse(raw)
                .map_err(|_| err("rrn", "not a valid resident registration number"))?;
            persons::id_by_rrn(conn, keys, &rrn)
                .map_err(|_| err("rrn", "lookup failed"))?
                .ok_or_else(|| err("rrn", "no person is registered with this number"))?
        }
        (None, None) => return Err(err("person_id", "give person_id or rrn")),
    };
    let granted_on = nonempty(&r.granted_on)
        .ok_or_else(|| err("granted_on", "required"))
        .and_then(|d| {
            NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| err("granted_on", "must be YYYY-MM-DD"))
        })?;
    let amount = nonempty(&r.amount)
        .map(|a| {
            a.replace(',', "")
                .parse::<i64>()
                .ok()
                .filter(|v| (0..=1_000_000_000).contains(v))
                .ok_or_else(|| {
                    err(
                        "amount",
                        "must be a whole number of won, 0 to 1,000,000,000",
                    )
                })
        })
        .transpose()?;
    let quantity = nonempty(&r.quantity)
        .map(|q| {
            q.parse::<i32>()
                .ok()
                .filter(|v| (0..=1_000_000).contains(v))
                .ok_or_else(|| err("quantity", "must be a whole number, 0 to 1,000,000"))
        })
        .transpose()?;
    let case_id = uuid("case_id", nonempty(&r.case_id))?;
    let note = nonempty(&r.note).map(str::to_owned);
    if note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
        return Err(err("note", "at most 2000 characters"));
    }
    let key = match nonempty(&r.row_key) {
        Some(k) if k.len() <= 200 => format!("{}:{k}", actor.org_id),
        Some(_) => return Err(err("row_key", "at most 200 characters")),
        None => {
            let material = format!(
                "{}|{resource_id}|{person_id}|{granted_on}|{amount:?}|{quantity:?}",
                actor.org_id
            );
            format!(
                "{}:h:{}",
                actor.org_id,
                hex::encode(Sha256::digest(material.as_bytes()))
            )
        }
    };
    Ok(NewAllocation {
        resource_id,
        person_id,
        case_id,
        amount,
        quantity,
        granted_on,
        note,
        override_reason: None,
        import_key: Some(key),
    })
}

/// Imports a CSV list as `actor`; `progress(done, total)` is called after every row.
pub fn import(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &AuditCtx,
    keys: &PersonKeys,
    data: &[u8],
    dry_run: bool,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ImportReport, RepoError> {
    hamkke_domain::authz::allocate(actor)?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(data);
    let headers = reader
        .headers()
        .map_err(|_| {
            DomainError::invalid("body", "invalid_csv", "the first line must be a CSV header")
        })?
        .clone();
    for required in ["resource_id", "granted_on"] {
        if !headers.iter().any(|h| h == required) {
            return Err(DomainError::invalid(
                "body",
                "missing_column",
                format!("the header has no `{required}` column"),
            )
            .into());
        }
    }
    let records: Vec<(u64, Result<CsvRow, csv::Error>)> = reader
        .records()
        .map(|rec| match rec {
            Ok(r) => (
                r.position().map_or(0, |p| p.line()),
                r.deserialize(Some(&headers)),
            ),
            Err(e) => (e.position().map_or(0, |p| p.line()), Err(e)),
        })
        .collect();
    let total = records.len();
    let mut report = ImportReport {
        dry_run,
        ..ImportReport::default()
    };
    for (i, (line, parsed)) in records.into_iter().enumerate() {
        let row = match parsed {
            Ok(r) => r,
            Err(_) => {
                report.errors.push(RowError {
                    row: line,
                    field: String::new(),
                    message: "the line is not valid CSV for this header".into(),
                });
                progress(i + 1, total);
                continue;
            }
        };
        match parse_row(conn, keys, actor, &row) {
            Err((field, message)) => report.errors.push(RowError {
                row: line,
                field,
                message,
            }),
            Ok(new) => {
                if allocations::import_key_exists(
                    conn,
                    new.import_key.as_deref().unwrap_or_default(),
                )? {
                    report.skipped += 1;
                } else {
                    let result = if dry_run {
                        allocations::check(conn, actor, ctx, &new).map(|c| {
                            if c.allowed {
                                Ok(())
                            } else {
                                Err(c.conflicts)
                            }
                        })
                    } else {
                        allocations::create(conn, actor, ctx, &new).map(|o| match o {
                            Outcome::Blocked(c) => Err(c.conflicts),
                            _ => Ok(()),
                        })
                    };
                    match result {
                        Ok(Ok(())) => report.imported += 1,
                        Ok(Err(conflicts)) => report.duplicates.push(DuplicateRow {
                            row: line,
                            conflicts: conflicts.into_iter().map(Into::into).collect(),
                        }),
                        Err(RepoError::Domain(DomainError::Invalid(v))) => {
                            report.errors.extend(v.into_iter().map(|f| RowError {
                                row: line,
                                field: f.field,
                                message: f.message,
                            }))
                        }
                        Err(RepoError::Domain(DomainError::Forbidden { reason, .. })) => {
                            report.errors.push(RowError {
                                row: line,
                                field: String::new(),
                                message: reason.into(),
                            })
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
        }
        progress(i + 1, total);
    }
    Ok(report)
}
