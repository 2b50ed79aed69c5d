//! Bulk import of allocation lists — the year-end lists that dong centres and welfare centres
//! exchange — as CSV or XLSX. Each row stands alone: a bad row never stops the good ones, and a
//! row already imported (same row key) is skipped, so re-importing a file imports nothing twice.
//!
//! What districts really exchange is read as it is: CSV in UTF-8 (with or without BOM) or in
//! CP949/EUC-KR (what Korean Excel saves), or the XLSX workbook itself (first sheet); headers in
//! Korean or English (`성명, 생년월일, 주민등록번호, 급여유형, 자원, 수량, 금액, 지급일, 제공기관,
//! 비고` or `name, birth_date, rrn, benefit_type, resource_id, quantity, amount, granted_on,
//! provider, note`, plus `person_id`, `case_id`, `row_key`). A row's person is its `person_id`,
//! else its RRN (lookup hash), else its exact name and birth date within the district when
//! exactly one person matches — or, with `register_missing`, a person registered from the row.
//! Without `row_key`, a row's key is a hash of its resource, person, date, amount and quantity.

use std::collections::HashMap;

use chrono::NaiveDate;
use hamkke_domain::allocation::{check_granted_on, GrantedOnBounds};
use hamkke_domain::authz::Actor;
use hamkke_domain::event::{Run, RunCompleted};
use hamkke_domain::person::{NewPerson, Rrn};
use hamkke_domain::text;
use hamkke_domain::DomainError;
use hamkke_persistence::audit::{self as audit, AuditAction, AuditCtx, AuditEntry};
use hamkke_persistence::crypto::PersonKeys;
use hamkke_persistence::repo::allocations::{self, NewAllocation, Outcome};
use hamkke_persistence::repo::persons::{self, ImportRegistration};
use hamkke_persistence::repo::{orgs, resources};
use hamkke_persistence::{uow, DbConn, RepoError};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::dto::allocations::ConflictView;

/// A row refused by a duplicate policy.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateRow {
    /// The row's number in the sheet (a CSV's line; a title above the header counts).
    pub row: u64,
    pub conflicts: Vec<ConflictView>,
}

/// A row held back because its person may already be registered.
#[derive(Debug, Serialize, ToSchema)]
pub struct PossibleDuplicateRow {
    /// The row's number in the sheet (a CSV's line; a title above the header counts).
    pub row: u64,
    pub candidates: Vec<crate::dto::persons::PossibleDuplicateDto>,
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
    /// How the file was read: `utf-8`, `cp949` or `xlsx`.
    pub encoding: String,
    /// Rows recorded (or that would be).
    pub imported: usize,
    /// Rows already imported earlier, by row key.
    pub skipped: usize,
    /// Persons registered from rows (`register_missing`).
    pub registered: usize,
    pub duplicates: Vec<DuplicateRow>,
    /// Rows (`register_missing`, no RRN) whose person is strongly like one already
    /// registered: nothing was registered or recorded; check the candidates, then import the
    /// row naming the right person.
    pub possible_duplicates: Vec<PossibleDuplicateRow>,
    pub errors: Vec<RowError>,
    /// Total rows of the list (합계, 계, 소계), skipped (counted in `skipped` too), by row number.
    pub total_rows: Vec<u64>,
    /// Every row's outcome, for the CSV form of the result.
    #[serde(skip)]
    pub outcomes: Vec<RowOutcomeLine>,
}

/// One line of the CSV result: the row, its outcome, and the field and reason of a refusal.
#[derive(Debug)]
pub struct RowOutcomeLine {
    pub row: u64,
    pub tag: &'static str,
    pub field: String,
    pub detail: String,
}

/// How an import runs.
#[derive(Debug, Clone, Copy)]
pub struct ImportOptions {
    /// Check every row without recording anything.
    pub dry_run: bool,
    /// Register a person from a row (name, birth date, RRN if given) when none matches.
    pub register_missing: bool,
    pub granted_on: GrantedOnBounds,
    /// `HAMKKE_DUPLICATE_STRONG_SCORE`: from this score on a likely duplicate holds a row back.
    pub strong_score: u8,
}

/// The district's organizations and resources named by the list, looked up once per import:
/// a list names the same few of them on every row. Only answers are kept, never a failed
/// lookup.
#[derive(Default)]
struct Names(HashMap<(&'static str, String), Vec<(Uuid, Uuid)>>);

impl Names {
    fn get(
        &mut self,
        kind: &'static str,
        value: &str,
        lookup: impl FnOnce() -> Result<Vec<(Uuid, Uuid)>, RepoError>,
    ) -> Result<Vec<(Uuid, Uuid)>, FieldError> {
        let key = (kind, value.to_owned());
        if let Some(found) = self.0.get(&key) {
            return Ok(found.clone());
        }
        let found = lookup().map_err(|_| err("", "the row could not be read; retry it"))?;
        self.0.insert(key, found.clone());
        Ok(found)
    }
}

/// The ids of a lookup by name (the second of each pair is unused there).
fn ids(found: Vec<(Uuid, Uuid)>) -> Vec<Uuid> {
    found.into_iter().map(|(id, _)| id).collect()
}

/// What a row needs besides its allocation: a person to register first.
struct Parsed {
    new: NewAllocation,
    register: Option<NewPerson>,
}

type FieldError = (String, String);

fn err(f: &str, m: &str) -> FieldError {
    (f.to_owned(), m.to_owned())
}

/// One id among the district's objects named by id or exact name: none or several is that
/// field's error (the message never quotes the value).
fn one_of(field: &str, found: Vec<Uuid>) -> Result<Uuid, FieldError> {
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(err(field, "does not exist or is not visible to you")),
        _ => Err(err(field, "ambiguous: several match; use the id")),
    }
}

/// Parses a row into a request; field errors never quote the value (it may be an RRN or a
/// name). `rrn_budget` is asked once per row matched by RRN (a lookup by number, limited like
/// a search); when it says no, the row is refused.
#[allow(clippy::too_many_arguments)]
/// The row's person: by `person_id`, else by RRN, else by exact name and birth date within the
/// district when exactly one person matches (with `register_missing`, a person to register
/// otherwise: `Uuid::nil()` and the person). Also what identifies the row's person as written
/// (for the row key) — never the RRN itself.
struct RowPerson {
    id: Uuid,
    register: Option<NewPerson>,
    who: String,
}

fn person_of_row(
    conn: &mut DbConn,
    keys: &PersonKeys,
    actor: &Actor,
    r: &Row,
    register_missing: bool,
    rrn_budget: &mut dyn FnMut() -> bool,
) -> Result<RowPerson, FieldError> {
    let db = |_| err("", "the row could not be read; retry it");
    let uuid = |f: &str, v: Option<&str>| -> Result<Option<Uuid>, FieldError> {
        v.map(|s| Uuid::parse_str(s).map_err(|_| err(f, "not a valid id")))
            .transpose()
    };
    // A masked RRN (`830519-2******`) is no RRN: the row matches by name and birth date, the
    // birth date it still shows standing in for a missing one.
    let masked = r.get("rrn").filter(|raw| raw.contains('*'));
    let rrn = r
        .get("rrn")
        .filter(|raw| !raw.contains('*'))
        .map(|raw| {
            Rrn::parse(raw).map_err(|_| err("rrn", "not a valid resident registration number"))
        })
        .transpose()?;
    let birth_date = r
        .get("birth_date")
        .map(|d| parse_date(d).ok_or_else(|| err("birth_date", "must be a date (YYYY-MM-DD)")))
        .transpose()?
        .or_else(|| masked.and_then(birth_of_masked_rrn));
    let name = r.get("name").map(str::to_owned);
    if name.as_ref().is_some_and(|n| n.chars().count() > 100) {
        return Err(err("name", "at most 100 characters"));
    }
    if name.as_deref().is_some_and(text::is_unfit_name) {
        return Err(err(
            "name",
            "contains bidirectional controls or zero-width characters (invalid_characters)",
        ));
    }
    let mut register = None;
    let person_id = if let Some(p) = r.get("person_id") {
        uuid("person_id", Some(p))?.ok_or_else(|| err("person_id", "required"))?
    } else {
        let by_rrn = match &rrn {
            Some(rrn) => {
                if !rrn_budget() {
                    return Err(err(
                        "rrn",
                        "too many lookups by resident registration number; retry later or use person_id",
                    ));
                }
                persons::id_by_rrn(conn, keys, rrn).map_err(|_| err("rrn", "lookup failed"))?
            }
            None => None,
        };
        match (by_rrn, &name, birth_date) {
            (Some(id), _, _) => id,
            // No RRN match: the exact name and birth date within the district, if only one.
            (None, Some(n), Some(b)) => {
                let found = persons::ids_by_name_and_birth(conn, actor, n, b).map_err(db)?;
                match found.as_slice() {
                    // A given RRN that matched nobody must not be overruled by a namesake.
                    [one] if rrn.is_none() => *one,
                    [_, _, ..] if rrn.is_none() => {
                        return Err(err("name", "ambiguous: several persons have this name and birth date; give person_id or rrn"))
                    }
                    _ if register_missing => {
                        // The same checks as `POST /persons`: a plausible birth date that
                        // agrees with the RRN, if one is given.
                        let field = |e: DomainError| match e {
                            DomainError::Invalid(v) => v
                                .into_iter()
                                .next()
                                .map(|f| (f.field, f.message))
                                .unwrap_or_else(|| err("birth_date", "not plausible")),
                            _ => err("birth_date", "not plausible"),
                        };
                        hamkke_domain::person::check_birth_date(b, chrono::Utc::now().date_naive())
                            .map_err(field)?;
                        if let Some(rrn) = &rrn {
                            hamkke_domain::person::check_rrn_matches(rrn, b).map_err(field)?;
                        }
                        register = Some(NewPerson {
                            name: n.clone(),
                            birth_date: b,
                            sex: None,
                            rrn: rrn.clone(),
                            phone: None,
                            address: None,
                            household_id: None,
                            flags: Vec::new(),
                        });
                        Uuid::nil()
                    }
                    _ => {
                        return Err(err(
                            "person",
                            "no registered person matches; register the person or import with register_missing=true",
                        ))
                    }
                }
            }
            (None, _, _) if rrn.is_some() => {
                return Err(err("rrn", "no person is registered with this number"))
            }
            (None, _, _) => {
                return Err(err(
                    "person_id",
                    "give person_id, rrn, or name and birth_date",
                ))
            }
        }
    };
    // The row's person as written (not as resolved), so that a re-import — also after its
    // person was registered by the first one — finds the same key.
    let who = match (r.get("person_id"), &rrn) {
        (Some(_), _) => person_id.to_string(),
        (None, Some(rrn)) => keys.lookup_hash(rrn),
        (None, None) => hex::encode(Sha256::digest(
            format!("{}|{:?}", name.as_deref().unwrap_or_default(), birth_date).as_bytes(),
        )),
    };
    Ok(RowPerson {
        id: person_id,
        register,
        who,
    })
}

/// What a row gives: `자원` by id or name, else the one resource of `급여유형` `provider`
/// gives (or the only one of the district).
fn resource_of_row(
    conn: &mut DbConn,
    actor: &Actor,
    r: &Row,
    provider: Uuid,
    names: &mut Names,
) -> Result<Uuid, FieldError> {
    // What is given: `자원` by id or name, else the one resource of `급여유형` this provider
    // gives (or the only one of the district).
    Ok(match (r.get("resource_id"), r.get("benefit_type")) {
        (Some(res), _) => match Uuid::parse_str(res) {
            Ok(id) => id,
            Err(_) => one_of(
                "resource_id",
                ids(names.get("resource", res, || {
                    resources::ids_by_name(conn, actor, res)
                        .map(|v| v.into_iter().map(|i| (i, i)).collect())
                })?),
            )?,
        },
        (None, Some(t)) => {
            let all = names.get("benefit_type", t, || {
                resources::of_benefit_type(conn, actor, t)
            })?;
            let own: Vec<Uuid> = all
                .iter()
                .filter(|(_, p)| *p == provider)
                .map(|(r, _)| *r)
                .collect();
            let candidates = if own.is_empty() {
                all.iter().map(|(r, _)| *r).collect()
            } else {
                own
            };
            match candidates.as_slice() {
                [one] => *one,
                [] => {
                    return Err(err(
                        "benefit_type",
                        "no resource of this benefit type: add one, or name the resource (자원)",
                    ))
                }
                _ => {
                    return Err(err(
                        "benefit_type",
                        "several resources of this benefit type: name the resource (자원)",
                    ))
                }
            }
        }
        (None, None) => return Err(err("resource_id", "required")),
    })
}

/// A row's amount (won), quantity and note, as written.
struct Amounts {
    amount: Option<i64>,
    quantity: Option<i32>,
    note: Option<String>,
}

/// A row's amount (won), quantity and note.
fn amounts_of_row(r: &Row) -> Result<Amounts, FieldError> {
    let amount = r
        .get("amount")
        .map(|a| {
            a.replace([',', ' '], "")
                .trim_end_matches('원')
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
    let quantity = r
        .get("quantity")
        .map(|q| {
            q.replace(',', "")
                .parse::<i32>()
                .ok()
                .filter(|v| (0..=1_000_000).contains(v))
                .ok_or_else(|| err("quantity", "must be a whole number, 0 to 1,000,000"))
        })
        .transpose()?;
    let note = r.get("note").map(str::to_owned);
    if note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
        return Err(err("note", "at most 2000 characters"));
    }
    Ok(Amounts {
        amount,
        quantity,
        note,
    })
}

fn parse_row(
    conn: &mut DbConn,
    keys: &PersonKeys,
    actor: &Actor,
    r: &Row,
    opts: &ImportOptions,
    names: &mut Names,
    rrn_budget: &mut dyn FnMut() -> bool,
) -> Result<Parsed, FieldError> {
    for (field, value) in &r.cells {
        if text::has_forbidden(value) {
            return Err(err(
                field,
                "contains control characters (invalid_characters)",
            ));
        }
    }
    let uuid = |f: &str, v: Option<&str>| -> Result<Option<Uuid>, FieldError> {
        v.map(|s| Uuid::parse_str(s).map_err(|_| err(f, "not a valid id")))
            .transpose()
    };
    // Who gives it: `제공기관` by id or name, else the importing organization.
    let provider = match r.get("provider") {
        None => actor.org_id,
        Some(p) => match Uuid::parse_str(p) {
            Ok(id) => id,
            Err(_) => one_of(
                "provider",
                ids(names.get("provider", p, || {
                    orgs::ids_by_loose_name(conn, actor, p)
                        .map(|v| v.into_iter().map(|i| (i, i)).collect())
                })?),
            )?,
        },
    };
    let resource_id = resource_of_row(conn, actor, r, provider, names)?;
    let granted_on = r
        .get("granted_on")
        .ok_or_else(|| err("granted_on", "required"))
        .and_then(|d| {
            parse_date(d).ok_or_else(|| err("granted_on", "must be a date (YYYY-MM-DD)"))
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
    let RowPerson {
        id: person_id,
        register,
        who,
    } = person_of_row(conn, keys, actor, r, opts.register_missing, rrn_budget)?;
    let Amounts {
        amount,
        quantity,
        note,
    } = amounts_of_row(r)?;
    let case_id = uuid("case_id", r.get("case_id"))?;
    let key = match r.get("row_key") {
        Some(k) if k.len() <= 200 => format!("{}:{k}", actor.org_id),
        Some(_) => return Err(err("row_key", "at most 200 characters")),
        None => {
            let material = format!(
                "{}|{resource_id}|{who}|{granted_on}|{amount:?}|{quantity:?}",
                actor.org_id
            );
            format!(
                "{}:h:{}",
                actor.org_id,
                hex::encode(Sha256::digest(material.as_bytes()))
            )
        }
    };
    Ok(Parsed {
        new: NewAllocation {
            provider_org_id: (provider != actor.org_id).then_some(provider),
            resource_id,
            person_id,
            case_id,
            amount,
            quantity,
            granted_on,
            note,
            override_reason: None,
            import_key: Some(key),
            campaign_id: None,
        },
        register,
    })
}

/// Imports a CSV or XLSX list as `actor`; `progress(done, total)` is called after every row.
/// Every row stands alone: whatever goes wrong with one is reported as that row's error,
/// never an abort. The run is recorded as one event with its counts
/// (`allocation_import.completed`); a dry run writes nothing but its audit as a read.
#[allow(clippy::too_many_arguments)]
pub fn import(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &AuditCtx,
    keys: &PersonKeys,
    format: Format,
    data: &[u8],
    opts: ImportOptions,
    rrn_budget: &mut dyn FnMut() -> bool,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ImportReport, RepoError> {
    hamkke_domain::authz::allocate(actor)?;
    let table = read_table(format, data, true)?;
    let (rows, unreadable) = (table.rows, table.errors);
    let total = rows.len();
    let mut report = ImportReport {
        dry_run: opts.dry_run,
        encoding: table.encoding,
        skipped: table.totals.len(),
        ..ImportReport::default()
    };
    for row in &table.totals {
        report.outcomes.push(RowOutcomeLine {
            row: *row,
            tag: "skipped",
            field: String::new(),
            detail: "total row (합계)".into(),
        });
    }
    report.total_rows = table.totals;
    for e in unreadable {
        report.outcomes.push(RowOutcomeLine {
            row: e.row,
            tag: "error",
            field: e.field.clone(),
            detail: e.message.clone(),
        });
        report.errors.push(e);
    }
    let mut names = Names::default();
    for (i, row) in rows.into_iter().enumerate() {
        let line = row.line;
        let row_error = |field: &str, message: &str| RowError {
            row: line,
            field: field.to_owned(),
            message: message.to_owned(),
        };
        let outcome = match parse_row(conn, keys, actor, &row, &opts, &mut names, rrn_budget) {
            Err((field, message)) => Err(vec![row_error(&field, &message)]),
            Ok(parsed) => match import_row(conn, actor, ctx, keys, parsed, &opts) {
                Ok(o) => Ok(o),
                Err(RepoError::Domain(DomainError::Invalid(v))) => Err(v
                    .into_iter()
                    .map(|f| row_error(&f.field, &f.message))
                    .collect()),
                Err(RepoError::Domain(DomainError::Forbidden { reason, .. })) => {
                    Err(vec![row_error("", reason)])
                }
                Err(RepoError::Domain(DomainError::UnknownReference { field })) => {
                    Err(vec![row_error(
                        &field,
                        "does not exist or is not visible to you",
                    )])
                }
                Err(RepoError::Conflict {
                    code: "person_already_registered",
                    ..
                }) => Err(vec![row_error(
                    "rrn",
                    "a person with this number is already registered",
                )]),
                Err(e) => {
                    tracing::warn!(error = %e, row = line, "import row failed");
                    Err(vec![row_error(
                        "",
                        "the row could not be recorded; retry it",
                    )])
                }
            },
        };
        let (tag, field, detail) = match outcome {
            Ok(RowOutcome::Imported { registered }) => {
                report.imported += 1;
                report.registered += usize::from(registered);
                ("imported", String::new(), String::new())
            }
            Ok(RowOutcome::Skipped { registered }) => {
                report.skipped += 1;
                report.registered += usize::from(registered);
                ("skipped", String::new(), String::new())
            }
            Ok(RowOutcome::PossibleDuplicate(found)) => {
                let detail = found
                    .first()
                    .map(|c| format!("{} ({}년생, {}점)", c.masked_name, c.birth_year, c.score))
                    .unwrap_or_default();
                report.possible_duplicates.push(PossibleDuplicateRow {
                    row: line,
                    candidates: found.into_iter().map(Into::into).collect(),
                });
                ("possible_duplicate", "name".to_owned(), detail)
            }
            Ok(RowOutcome::Duplicate(conflicts)) => {
                let conflicts: Vec<ConflictView> = conflicts.into_iter().map(Into::into).collect();
                let detail = conflicts
                    .first()
                    .map(|c| {
                        format!(
                            "{} {} ({})",
                            c.granted_on, c.benefit_type_name_ko, c.provider_org_name
                        )
                    })
                    .unwrap_or_default();
                report.duplicates.push(DuplicateRow {
                    row: line,
                    conflicts,
                });
                ("duplicate", String::new(), detail)
            }
            Err(errors) => {
                let (field, detail) = errors
                    .first()
                    .map(|e| (e.field.clone(), e.message.clone()))
                    .unwrap_or_default();
                report.errors.extend(errors);
                ("error", field, detail)
            }
        };
        report.outcomes.push(RowOutcomeLine {
            row: line,
            tag,
            field,
            detail,
        });
        progress(i + 1, total);
    }
    report.outcomes.sort_by_key(|o| o.row);
    let counts = serde_json::json!({
        "dry_run": opts.dry_run,
        "encoding": report.encoding,
        "rows": total,
        "imported": report.imported,
        "skipped": report.skipped,
        "registered": report.registered,
        "duplicates": report.duplicates.len(),
        "errors": report.errors.len(),
    });
    if opts.dry_run {
        // A dry run changed nothing: it is a read of the list, audited as one.
        audit::record(
            conn,
            ctx,
            AuditEntry::new(AuditAction::View, "allocation_import", None).with_details(counts),
        )?;
    } else {
        let run = RunCompleted::new(Run::AllocationImport, counts);
        uow::run(conn, actor, ctx, |tx| tx.record(run.into(), None))?;
    }
    Ok(report)
}

impl ImportReport {
    /// The result as CSV (UTF-8 with BOM, Korean headers): one line per row of the file with
    /// its outcome and, for refused rows, the field and the reason.
    pub fn to_csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
        let label = |tag: &str| match tag {
            "imported" => "등록 (imported)",
            "skipped" => "이미 등록됨 (skipped)",
            "duplicate" => "중복 (duplicate)",
            "possible_duplicate" => "동일인 의심 (possible duplicate)",
            _ => "오류 (error)",
        };
        let _ = w.write_record(["행 (row)", "결과 (result)", "항목 (field)", "내용 (detail)"]);
        for o in &self.outcomes {
            let _ = w.write_record([
                o.row.to_string(),
                label(o.tag).to_owned(),
                crate::routes::reports::csv_cell(&o.field).into_owned(),
                crate::routes::reports::csv_cell(&o.detail).into_owned(),
            ]);
        }
        w.into_inner().unwrap_or_default()
    }
}

enum RowOutcome {
    Imported {
        registered: bool,
    },
    /// Recorded before (same row key); `registered` when this run registered its person a
    /// moment before another run of the list recorded the row.
    Skipped {
        registered: bool,
    },
    Duplicate(Vec<allocations::ConflictInfo>),
    PossibleDuplicate(Vec<hamkke_persistence::repo::identity::Candidate>),
}

fn import_row(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &AuditCtx,
    keys: &PersonKeys,
    parsed: Parsed,
    opts: &ImportOptions,
) -> Result<RowOutcome, RepoError> {
    let (dry_run, strong) = (opts.dry_run, opts.strong_score);
    let Parsed { mut new, register } = parsed;
    if allocations::import_key_exists(conn, new.import_key.as_deref().unwrap_or_default())? {
        return Ok(RowOutcome::Skipped { registered: false });
    }
    let mut registered = false;
    if let Some(person) = register {
        // A person without an RRN strongly like one of the district is not registered twice.
        if person.rrn.is_none() {
            let strong = hamkke_persistence::repo::identity::strong_candidates_for(
                conn, actor, &person, strong,
            )?;
            if !strong.is_empty() {
                return Ok(RowOutcome::PossibleDuplicate(strong));
            }
        }
        // A row refused for what it gives leaves no person behind.
        allocations::check_for_new_person(conn, actor, &new)?;
        if dry_run {
            // Nobody to check against yet: a new person has no claims.
            return Ok(RowOutcome::Imported { registered: true });
        }
        // Decided again under the identity lock: an import of the same list running at the
        // same time may have registered the person a moment ago.
        new.person_id = match uow::run(conn, actor, ctx, |tx| {
            hamkke_persistence::app::persons::register_for_import(tx, keys, person, strong)
        })? {
            ImportRegistration::Registered(id) => {
                registered = true;
                id
            }
            ImportRegistration::Existing(id) => id,
            ImportRegistration::PossibleDuplicate(strong) => {
                return Ok(RowOutcome::PossibleDuplicate(strong))
            }
        };
        if allocations::import_key_exists(conn, new.import_key.as_deref().unwrap_or_default())? {
            return Ok(RowOutcome::Skipped { registered });
        }
    }
    if dry_run {
        // A dry run writes nothing per row, not even an audit event: the run is one event.
        let c = allocations::check_unaudited(conn, actor, &new, strong)?;
        return Ok(if c.allowed {
            RowOutcome::Imported { registered }
        } else {
            RowOutcome::Duplicate(c.conflicts)
        });
    }
    Ok(
        match uow::retrying(conn, actor, ctx, |tx| {
            hamkke_persistence::app::allocations::record(tx, &new, strong)
        }) {
            Ok(Outcome::Blocked(c)) => RowOutcome::Duplicate(c.conflicts),
            Ok(_) => RowOutcome::Imported { registered },
            // The same row imported at this moment by another run of the list: the row key's
            // unique index let that one through.
            Err(e) if e.is_already_exists() => RowOutcome::Skipped { registered },
            Err(e) => return Err(e),
        },
    )
}

mod table;

mod messages;
pub mod nominations;
pub use table::*;
use table::{birth_of_masked_rrn, parse_date, read_table, Row};
