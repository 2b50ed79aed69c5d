//! Retention (PIPC 안전성 확보조치 기준 and the 사회보장급여법 retention rules): persons with no
//! open case and no case or allocation activity for the configured years are anonymised, and
//! audit events older than the audit retention (at least two years, enforced by the database
//! too) are purged from the start of the chain, which moves the chain's anchor forward.

use chrono::{DateTime, Months, Utc};
use diesel::dsl::{exists, not};
use diesel::prelude::*;
use hamkke_domain::event::{Run, RunCompleted};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use crate::audit::{self, AuditCtx};
use crate::conn::DbConn;
use crate::error::RepoResult;
use crate::lists::{in_ids, not_in_texts};
use crate::repo::idempotency;
use crate::schema::{allocations, audit_chain_anchor, audit_events, cases, persons};
use crate::types::{to_db, DbUuid};

/// The legal minimum for access logs.
pub const MIN_AUDIT_YEARS: u32 = 2;
/// What an anonymised person is called.
pub const ANONYMOUS: &str = "익명";

/// How long data is kept.
#[derive(Debug, Clone, Copy)]
pub struct RetentionPolicy {
    /// Years without an open case, case activity or allocation before a person is anonymised.
    pub person_years: u32,
    /// Years audit events are kept (at least two).
    pub audit_years: u32,
    /// Keep the RRN lookup hash of anonymised persons (to recognise a returning person).
    pub keep_lookup: bool,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        Self {
            person_years: 5,
            audit_years: MIN_AUDIT_YEARS,
            keep_lookup: false,
        }
    }
}

/// What a run did, or would do.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RetentionReport {
    pub dry_run: bool,
    pub persons_anonymised: usize,
    pub audit_events_purged: i64,
    /// The audit chain now starts after this position.
    pub audit_purged_through_seq: i64,
    pub idempotency_keys_purged: usize,
    /// Files about the anonymised persons (signatures, consent forms, case sheets) removed.
    pub attachments_removed: usize,
}

const CLOSED: [&str; 3] = ["closed", "rejected", "referred_out"];

fn years_before(now: DateTime<Utc>, years: u32) -> DateTime<Utc> {
    now.checked_sub_months(Months::new(years.saturating_mul(12)))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Persons to anonymise: registered and last changed before the cut-off, no open case, no
/// case changed since, no allocation granted or recorded since.
fn stale_persons(conn: &mut DbConn, cutoff: DateTime<Utc>) -> RepoResult<Vec<Uuid>> {
    let at = to_db(cutoff);
    let day = cutoff.date_naive();
    let ids: Vec<DbUuid> = persons::table
        .filter(persons::anonymized_at.is_null())
        .filter(persons::created_at.lt(at))
        .filter(persons::updated_at.lt(at))
        .filter(not(exists(
            cases::table
                .filter(cases::person_id.eq(persons::id))
                .filter(not_in_texts(cases::status, CLOSED).or(cases::updated_at.ge(at))),
        )))
        .filter(not(exists(
            allocations::table
                .filter(allocations::person_id.eq(persons::id))
                .filter(
                    allocations::granted_on
                        .ge(day)
                        .or(allocations::created_at.ge(at)),
                ),
        )))
        .select(persons::id)
        .load(conn)?;
    Ok(ids.into_iter().map(|i| i.0).collect())
}

/// The last chain position that is older than the cut-off with everything before it.
fn purgeable_through(conn: &mut DbConn, cutoff: DateTime<Utc>) -> RepoResult<i64> {
    let first_kept: Option<i64> = audit_events::table
        .filter(audit_events::occurred_at.ge(to_db(cutoff)))
        .select(diesel::dsl::min(audit_events::chain_seq))
        .first(conn)?;
    let last_sealed: Option<i64> = audit_events::table
        .select(diesel::dsl::max(audit_events::chain_seq))
        .first(conn)?;
    Ok(match first_kept {
        Some(seq) => seq - 1,
        None => last_sealed.unwrap_or(0),
    })
}

fn anchor(conn: &mut DbConn) -> RepoResult<i64> {
    Ok(audit_chain_anchor::table
        .find(1)
        .select(audit_chain_anchor::purged_through_seq)
        .first(conn)?)
}

/// Runs (or, with `dry_run`, counts) retention as of `now`; the run itself is audited.
pub fn run(
    conn: &mut DbConn,
    ctx: &AuditCtx,
    policy: RetentionPolicy,
    dry_run: bool,
    now: DateTime<Utc>,
) -> RepoResult<RetentionReport> {
    let audit_years = policy.audit_years.max(MIN_AUDIT_YEARS);
    // Seal first, so every old event has its chain position.
    while audit::seal_pending(conn, 5_000)? > 0 {}
    let report = crate::uow::system(conn, "retention", |conn| -> RepoResult<RetentionReport> {
        let stale = stale_persons(conn, years_before(now, policy.person_years))?;
        let from = anchor(conn)?;
        let through = purgeable_through(conn, years_before(now, audit_years))?.max(from);
        let mut report = RetentionReport {
            dry_run,
            persons_anonymised: stale.len(),
            audit_events_purged: through - from,
            audit_purged_through_seq: through,
            idempotency_keys_purged: 0,
            attachments_removed: 0,
        };
        if dry_run {
            report.audit_purged_through_seq = from;
            for chunk in stale.chunks(500) {
                report.attachments_removed +=
                    crate::repo::attachments::count_of_persons(conn, chunk)?;
            }
            return Ok(report);
        }
        let stamp = to_db(now);
        for chunk in stale.chunks(500) {
            report.attachments_removed += crate::repo::attachments::remove_of_persons(conn, chunk)?;
            let ids: Vec<DbUuid> = chunk.iter().copied().map(DbUuid).collect();
            let target = persons::table.filter(in_ids(persons::id, ids));
            diesel::update(target.clone())
                .set((
                    persons::name.eq(ANONYMOUS),
                    persons::rrn_cipher.eq(None::<String>),
                    persons::rrn_masked.eq(None::<String>),
                    persons::phone.eq(None::<String>),
                    persons::address.eq(None::<String>),
                    persons::anonymized_at.eq(Some(stamp)),
                    persons::updated_at.eq(stamp),
                    persons::version.eq(persons::version + 1),
                ))
                .execute(conn)?;
            if !policy.keep_lookup {
                diesel::update(target)
                    .set(persons::rrn_hmac.eq(None::<String>))
                    .execute(conn)?;
            }
        }
        if through > from {
            let hash: String = audit_events::table
                .filter(audit_events::chain_seq.eq(through))
                .select(audit_events::hash)
                .first::<Option<String>>(conn)?
                .unwrap_or_default();
            diesel::update(audit_chain_anchor::table.find(1))
                .set((
                    audit_chain_anchor::purged_through_seq.eq(through),
                    audit_chain_anchor::anchor_hash.eq(hash),
                ))
                .execute(conn)?;
            report.audit_events_purged =
                diesel::delete(audit_events::table.filter(audit_events::chain_seq.le(through)))
                    .execute(conn)? as i64;
        }
        Ok(report)
    })?;
    let mut report = report;
    if !dry_run {
        report.idempotency_keys_purged = idempotency::purge_expired(conn)?;
    }
    let run = RunCompleted::new(
        Run::Retention,
        json!({
            "dry_run": dry_run,
            "person_years": policy.person_years,
            "audit_years": audit_years,
            "persons_anonymised": report.persons_anonymised,
            "attachments_removed": report.attachments_removed,
            "audit_events_purged": report.audit_events_purged,
            "audit_purged_through_seq": report.audit_purged_through_seq,
        }),
    );
    crate::uow::system(conn, "retention", |conn| {
        crate::uow::system_event(conn, ctx, "", run.into(), None)
    })?;
    Ok(report)
}
