//! Bulk import of allocation lists — the year-end lists that dong centres and welfare centres
//! exchange — as CSV. Each row stands alone: a bad row never stops the good ones, and a row
//! already imported (same row key) is skipped, so re-importing a file imports nothing twice.
//!
//! Columns (header row required, any order): `resource_id`, `person_id` or `rrn`,
//! `granted_on` (YYYY-MM-DD), optional `amount`, `quantity`, `case_id`, `note`, `row_key`.
//! Without `row_key`, a row's key is a hash of its resource, person, date, amount and quantity.

use chrono::NaiveDate;
use hamkke_domain::allocation::{check_granted_on, GrantedOnBounds};
use hamkke_domain::authz::Actor;
use hamkke_domain::person::Rrn;
use hamkke_domain::text;
use hamkke_domain::DomainError;
use hamkke_persistence::audit::{self as audit, AuditAction, AuditCtx, AuditEntry};
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

/// How an import runs.
#[derive(Debug, Clone, Copy)]
pub struct ImportOptions {
    /// Check every row without recording anything.
    pub dry_run: bool,
    pub granted_on: GrantedOnBounds,
}

/// Parses a row into a request; field errors never quote the value (it may be an RRN).
/// `rrn_budget` is asked once per row matched by RRN (a lookup by number, limited like a
/// search); when it says no, the row is refused.
fn parse_row(
    conn: &mut DbConn,
    keys: &PersonKeys,
    actor: &Actor,
    r: &CsvRow,
    opts: &ImportOptions,
    rrn_budget: &mut dyn FnMut() -> bool,
) -> Result<NewAllocation, (String, String)> {
    let err = |f: &str, m: &str| (f.to_owned(), m.to_owned());
    for (field, value) in [
        ("row_key", &r.row_key),
        ("resource_id", &r.resource_id),
        ("person_id", &r.person_id),
        ("rrn", &r.rrn),
        ("granted_on", &r.granted_on),
        ("amount", &r.amount),
        ("quantity", &r.quantity),
        ("case_id", &r.case_id),
        ("note", &r.note),
    ] {
        if value.as_deref().is_some_and(text::has_forbidden) {
            return Err(err(
                field,
                "contains control characters (invalid_characters)",
            ));
        }
    }
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
            if !rrn_budget() {
                return Err(err(
                    "rrn",
                    "too many lookups by resident registration number; retry later or use person_id",
                ));
            }
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
    check_granted_on(granted_on, chrono::Utc::now().date_naive(), opts.granted_on).map_err(
        |e| match e {
            DomainError::Invalid(v) => v
                .into_iter()
                .next()
                .map(|f| (f.field, f.message))
                .unwrap_or_else(|| err("granted_on", "out of range")),
            _ => err("granted_on", "out of range"),
        },
    )?;
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
        provider_org_id: None,
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

/// Imports a CSV list as `actor`; `progress(done, total)` is called after every row. Every row
/// stands alone: whatever goes wrong with one is reported as that row's error, never an abort.
/// The run is audited as one event with its counts (a dry run writes nothing else).
#[allow(clippy::too_many_arguments)]
pub fn import(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &AuditCtx,
    keys: &PersonKeys,
    data: &[u8],
    opts: ImportOptions,
    rrn_budget: &mut dyn FnMut() -> bool,
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
        dry_run: opts.dry_run,
        ..ImportReport::default()
    };
    for (i, (line, parsed)) in records.into_iter().enumerate() {
        let row_error = |field: &str, message: &str| RowError {
            row: line,
            field: field.to_owned(),
            message: message.to_owned(),
        };
        match parsed {
            Err(_) => report
                .errors
                .push(row_error("", "the line is not valid CSV for this header")),
            Ok(row) => match parse_row(conn, keys, actor, &row, &opts, rrn_budget) {
                Err((field, message)) => report.errors.push(row_error(&field, &message)),
                Ok(new) => match import_row(conn, actor, ctx, &new, opts.dry_run) {
                    Ok(RowOutcome::Imported) => report.imported += 1,
                    Ok(RowOutcome::Skipped) => report.skipped += 1,
                    Ok(RowOutcome::Duplicate(conflicts)) => report.duplicates.push(DuplicateRow {
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
                        report.errors.push(row_error("", reason))
                    }
                    Err(RepoError::Domain(DomainError::UnknownReference { field })) => report
                        .errors
                        .push(row_error(&field, "does not exist or is not visible to you")),
                    Err(e) => {
                        tracing::warn!(error = %e, row = line, "import row failed");
                        report
                            .errors
                            .push(row_error("", "the row could not be recorded; retry it"))
                    }
                },
            },
        }
        progress(i + 1, total);
    }
    audit::record(
        conn,
        ctx,
        AuditEntry::new(
            if opts.dry_run {
                AuditAction::View
            } else {
                AuditAction::Create
            },
            "allocation_import",
            None,
        )
        .with_details(serde_json::json!({
            "dry_run": opts.dry_run,
            "rows": total,
            "imported": report.imported,
            "skipped": report.skipped,
            "duplicates": report.duplicates.len(),
            "errors": report.errors.len(),
        })),
    )?;
    Ok(report)
}

enum RowOutcome {
    Imported,
    Skipped,
    Duplicate(Vec<allocations::ConflictInfo>),
}

fn import_row(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &AuditCtx,
    new: &NewAllocation,
    dry_run: bool,
) -> Result<RowOutcome, RepoError> {
    if allocations::import_key_exists(conn, new.import_key.as_deref().unwrap_or_default())? {
        return Ok(RowOutcome::Skipped);
    }
    if dry_run {
        // A dry run writes nothing per row, not even an audit event: the run is one event.
        let c = allocations::check_unaudited(conn, actor, new)?;
        return Ok(if c.allowed {
            RowOutcome::Imported
        } else {
            RowOutcome::Duplicate(c.conflicts)
        });
    }
    Ok(match allocations::create(conn, actor, ctx, new)? {
        Outcome::Blocked(c) => RowOutcome::Duplicate(c.conflicts),
        _ => RowOutcome::Imported,
    })
}
