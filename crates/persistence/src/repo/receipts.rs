//! Donation receipts (기부금 영수증): issued by the receiving organization, numbered per
//! organization and year of issue without gaps (`{year}-{serial:04}`), reissued under the same
//! number and marked as such. The printed form carries the donor's full identifier (the tax
//! office needs it): only the receiving organization reads it, and every reading is audited.

use chrono::{DateTime, Datelike, NaiveDateTime, Utc};
use diesel::prelude::*;
use hamkke_domain::authz::{self, Actor};
use hamkke_domain::event::{Change, Record, RecordChange};
use serde_json::json;
use uuid::Uuid;

use super::donations::{self, Donation};
use crate::audit::{self, AuditAction, AuditEntry};
use crate::conn::DbConn;
use crate::crypto::PersonKeys;
use crate::error::{RepoError, RepoResult};
use crate::schema::{donation_receipts, donations as donations_t, organizations, resources};
use crate::types::{from_db, to_db, DbUuid};
use crate::uow::{Rx, Tx};

/// An issued receipt.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub id: Uuid,
    pub donation_id: Uuid,
    pub org_id: Uuid,
    pub year: i32,
    pub serial: i32,
    pub issued_by: Uuid,
    pub issued_at: DateTime<Utc>,
    /// How many times it was issued again.
    pub reissues: i32,
    pub last_issued_at: DateTime<Utc>,
}

impl Receipt {
    /// `2026-0001`.
    pub fn number(&self) -> String {
        format!("{}-{:04}", self.year, self.serial)
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = donation_receipts)]
struct ReceiptRow {
    id: DbUuid,
    donation_id: DbUuid,
    org_id: DbUuid,
    year: i32,
    serial: i32,
    issued_by: DbUuid,
    issued_at: NaiveDateTime,
    reissues: i32,
    last_issued_at: NaiveDateTime,
}

impl From<ReceiptRow> for Receipt {
    fn from(r: ReceiptRow) -> Self {
        Receipt {
            id: r.id.0,
            donation_id: r.donation_id.0,
            org_id: r.org_id.0,
            year: r.year,
            serial: r.serial,
            issued_by: r.issued_by.0,
            issued_at: from_db(r.issued_at),
            reissues: r.reissues,
            last_issued_at: from_db(r.last_issued_at),
        }
    }
}

fn of_donation(conn: &mut DbConn, donation_id: Uuid) -> RepoResult<Option<Receipt>> {
    Ok(donation_receipts::table
        .filter(donation_receipts::donation_id.eq(DbUuid(donation_id)))
        .select(ReceiptRow::as_select())
        .first::<ReceiptRow>(conn)
        .optional()?
        .map(Receipt::from))
}

/// The organization's next receipt number of `year`: its counter moved under the
/// organization row's lock, in the receipt's transaction (rolled back with it: no gaps).
fn next_serial(conn: &mut DbConn, org: Uuid, year: i32) -> RepoResult<i32> {
    use organizations as o;
    for _ in 0..3 {
        let same_year = diesel::update(
            o::table
                .filter(o::id.eq(DbUuid(org)))
                .filter(o::receipt_year.eq(year)),
        )
        .set(o::receipt_serial.eq(o::receipt_serial + 1))
        .execute(conn)?;
        if same_year == 1 {
            return Ok(o::table
                .find(DbUuid(org))
                .select(o::receipt_serial)
                .first(conn)?);
        }
        let new_year = diesel::update(
            o::table
                .filter(o::id.eq(DbUuid(org)))
                .filter(o::receipt_year.is_null().or(o::receipt_year.lt(year))),
        )
        .set((o::receipt_year.eq(Some(year)), o::receipt_serial.eq(1)))
        .execute(conn)?;
        if new_year == 1 {
            return Ok(1);
        }
    }
    Err(RepoError::conflict(
        "concurrent_change",
        "the receipt counter moved meanwhile; retry",
    ))
}

/// The donation, if the caller's organization received it (receipts are its own).
fn own_donation(conn: &mut DbConn, actor: &Actor, id: Uuid) -> RepoResult<Donation> {
    let d = donations::load(conn, actor, id)?;
    authz::issue_receipt(actor, d.received_by_org_id)?;
    Ok(d)
}

/// Issues the donation's receipt — its number the next of the organization in this year — or,
/// when it has one, issues it again under the same number (`true`: a reissue).
pub fn issue(tx: &mut Tx<'_>, id: Uuid) -> RepoResult<(Receipt, bool)> {
    let actor = tx.actor();
    let d = own_donation(tx.conn(), actor, id)?;
    let now = crate::now();
    let (receipt, reissued) = match of_donation(tx.conn(), id)? {
        Some(r) => {
            diesel::update(donation_receipts::table.find(DbUuid(r.id)))
                .set((
                    donation_receipts::reissues.eq(donation_receipts::reissues + 1),
                    donation_receipts::last_issued_at.eq(to_db(now)),
                ))
                .execute(tx.conn())?;
            (r.id, true)
        }
        None => {
            let year = (now + chrono::Duration::hours(9)).year();
            let serial = next_serial(tx.conn(), d.received_by_org_id, year)?;
            let rid = Uuid::now_v7();
            let inserted = diesel::insert_into(donation_receipts::table)
                .values((
                    donation_receipts::id.eq(DbUuid(rid)),
                    donation_receipts::donation_id.eq(DbUuid(id)),
                    donation_receipts::org_id.eq(DbUuid(d.received_by_org_id)),
                    donation_receipts::year.eq(year),
                    donation_receipts::serial.eq(serial),
                    donation_receipts::issued_by.eq(DbUuid(actor.user_id)),
                    donation_receipts::issued_at.eq(to_db(now)),
                    donation_receipts::last_issued_at.eq(to_db(now)),
                ))
                .execute(tx.conn());
            match inserted {
                Err(e) if RepoError::is_unique_violation(&e) => {
                    return Err(RepoError::conflict(
                        "receipt_issued",
                        "the receipt was issued meanwhile; issue it again to reissue",
                    ))
                }
                other => other?,
            };
            (rid, false)
        }
    };
    let r: Receipt = donation_receipts::table
        .find(DbUuid(receipt))
        .select(ReceiptRow::as_select())
        .first::<ReceiptRow>(tx.conn())?
        .into();
    tx.record(
        RecordChange::new(Record::Donation, Change::Updated, id)
            .details(json!({ "receipt": r.number(), "reissue": reissued }))
            .into(),
        None,
    )?;
    Ok((r, reissued))
}

/// What a printed receipt shows.
#[derive(Debug, Clone)]
pub struct ReceiptDocument {
    pub receipt: Receipt,
    pub donation: Donation,
    /// The donor's full RRN or business number, as the form requires.
    pub donor_identifier: Option<String>,
    pub org_name: String,
    pub org_registration_no: Option<String>,
    pub resource_name: Option<String>,
    /// A goods gift's value in won.
    pub value: Option<i64>,
}

/// The issued receipt of a donation, with what the form needs; its reading is audited.
pub fn document(rx: &mut Rx<'_>, keys: &PersonKeys, id: Uuid) -> RepoResult<ReceiptDocument> {
    let (conn, actor, ctx) = rx.parts();
    let d = own_donation(conn, actor, id)?;
    let receipt = of_donation(conn, id)?.ok_or(RepoError::NotFound)?;
    let (cipher, value): (Option<String>, Option<i64>) = donations_t::table
        .find(DbUuid(id))
        .select((donations_t::donor_id_cipher, donations_t::value))
        .first(conn)?;
    let digits = cipher
        .as_deref()
        .and_then(|c| keys.open(c))
        .and_then(|b| String::from_utf8(b).ok());
    let donor_identifier = digits.map(|d| match d.len() {
        13 => format!("{}-{}", &d[..6], &d[6..]),
        10 => format!("{}-{}-{}", &d[..3], &d[3..5], &d[5..]),
        _ => d,
    });
    let (org_name, org_registration_no): (String, Option<String>) = organizations::table
        .find(DbUuid(d.received_by_org_id))
        .select((organizations::name, organizations::registration_no))
        .first(conn)?;
    let resource_name = match d.resource_id {
        Some(r) => Some(
            resources::table
                .find(DbUuid(r))
                .select(resources::name)
                .first::<String>(conn)?,
        ),
        None => None,
    };
    audit::record(
        conn,
        ctx,
        AuditEntry::new(AuditAction::View, "donation_receipt", Some(id.to_string()))
            .with_details(json!({ "receipt": receipt.number() })),
    )?;
    Ok(ReceiptDocument {
        receipt,
        donation: d,
        donor_identifier,
        org_name,
        org_registration_no,
        resource_name,
        value,
    })
}
