//! Donations (후원·기탁) received by an organization: cash, or goods that become stock of one of
//! its resources (`stock`). The donor's identifier (RRN or business number, for the tax
//! receipt) is sealed under the data key and shown only masked.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use hamkke_domain::authz::{self, Actor};
use hamkke_domain::event::{Change, Record, RecordChange};
use hamkke_domain::DomainError;
use serde_json::json;
use uuid::Uuid;

use super::page::{Page, PageRequest};
use super::stock::{self, Designation, Lot};
use crate::conn::DbConn;
use crate::crypto::PersonKeys;
use crate::error::{RepoError, RepoResult};
use crate::lists::in_ids;
use crate::schema::{campaigns, donations, organizations};
use crate::scope;
use crate::types::{from_db, to_db, DbUuid};
use crate::uow::Tx;

/// A donation to record.
#[derive(Debug, Clone)]
pub struct NewDonation {
    /// `person` or `company`.
    pub donor_kind: String,
    pub donor_name: String,
    pub donor_contact: Option<String>,
    /// Checked digits of an RRN (13) or a business number (10), for the tax receipt.
    pub donor_identifier: Option<String>,
    pub gift: Gift,
    pub designation: Designation,
    pub received_on: NaiveDate,
    /// Goods: their value in won, for the receipt.
    pub value: Option<i64>,
}

/// What was given.
#[derive(Debug, Clone)]
pub enum Gift {
    Cash {
        amount: i64,
    },
    Goods {
        resource_id: Uuid,
        quantity: i32,
        expires_on: Option<NaiveDate>,
    },
}

/// A recorded donation.
#[derive(Debug, Clone)]
pub struct Donation {
    pub id: Uuid,
    pub district_code: String,
    pub received_by_org_id: Uuid,
    pub donor_kind: String,
    pub donor_name: String,
    pub donor_contact: Option<String>,
    /// `900101-1******` or `123-45-*****`.
    pub donor_identifier_masked: Option<String>,
    /// `cash` or `goods`.
    pub kind: String,
    pub amount: Option<i64>,
    pub resource_id: Option<Uuid>,
    pub quantity: Option<i32>,
    pub expires_on: Option<NaiveDate>,
    pub designation: Designation,
    pub received_on: NaiveDate,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = donations)]
struct DonationRow {
    id: DbUuid,
    district_code: String,
    received_by_org_id: DbUuid,
    donor_kind: String,
    donor_name: String,
    donor_contact: Option<String>,
    donor_id_masked: Option<String>,
    kind: String,
    amount: Option<i64>,
    resource_id: Option<DbUuid>,
    quantity: Option<i32>,
    expires_on: Option<NaiveDate>,
    designation: String,
    designated_org_id: Option<DbUuid>,
    designated_campaign_id: Option<DbUuid>,
    designated_group: Option<String>,
    received_on: NaiveDate,
    created_by: DbUuid,
    created_at: NaiveDateTime,
}

impl From<DonationRow> for Donation {
    fn from(r: DonationRow) -> Self {
        Donation {
            id: r.id.0,
            district_code: r.district_code,
            received_by_org_id: r.received_by_org_id.0,
            donor_kind: r.donor_kind,
            donor_name: r.donor_name,
            donor_contact: r.donor_contact,
            donor_identifier_masked: r.donor_id_masked,
            kind: r.kind,
            amount: r.amount,
            resource_id: r.resource_id.map(|x| x.0),
            quantity: r.quantity,
            expires_on: r.expires_on,
            designation: Designation::from_columns(
                &r.designation,
                r.designated_org_id.map(|x| x.0),
                r.designated_campaign_id.map(|x| x.0),
                r.designated_group.as_deref(),
            ),
            received_on: r.received_on,
            created_by: r.created_by.0,
            created_at: from_db(r.created_at),
        }
    }
}

/// `900101-1******` for an RRN, `123-45-*****` for a business number.
fn masked(digits: &str) -> String {
    match (
        digits.get(..6),
        digits.get(6..7),
        digits.get(..3),
        digits.get(3..5),
    ) {
        (Some(birth), Some(sex), _, _) if digits.len() == 13 => format!("{birth}-{sex}******"),
        (_, _, Some(office), Some(kind)) => format!("{office}-{kind}-*****"),
        _ => "*****".into(),
    }
}

/// Records a donation received by the caller's organization; goods must be for one of its
/// resources (its own or one it provides), where they become a lot (`app::donations::record`).
pub fn record(tx: &mut Tx<'_>, keys: &PersonKeys, new: NewDonation) -> RepoResult<Donation> {
    let actor = tx.actor();
    tx.authorize(authz::allocate(actor))?;
    let district = actor.district_code.clone();
    match &new.designation {
        Designation::Org(o) => {
            let n: i64 = organizations::table
                .filter(organizations::id.eq(DbUuid(*o)))
                .filter(organizations::district_code.eq(&district))
                .filter(organizations::active.eq(true))
                .count()
                .get_result(tx.conn())?;
            if n == 0 {
                return Err(DomainError::unknown("designated_organization_id").into());
            }
        }
        Designation::Campaign(c) => {
            let n: i64 = campaigns::table
                .filter(campaigns::id.eq(DbUuid(*c)))
                .filter(campaigns::district_code.eq(&district))
                .count()
                .get_result(tx.conn())?;
            if n == 0 {
                return Err(DomainError::unknown("designated_campaign_id").into());
            }
        }
        Designation::None | Designation::Group(_) => {}
    }
    if let Gift::Goods { resource_id, .. } = &new.gift {
        let (resource, _) = super::allocations::usable_resource(tx.conn(), actor, *resource_id)?;
        let ours = resource.created_by_org_id == actor.org_id
            || resource.provider_org_id == Some(actor.org_id);
        if !ours {
            return Err(DomainError::invalid(
                "resource_id",
                "not_own",
                "goods become stock of a resource of the receiving organization",
            )
            .into());
        }
    }
    let id = Uuid::now_v7();
    let (org, campaign, group) = match &new.designation {
        Designation::None => (None, None, None),
        Designation::Org(o) => (Some(DbUuid(*o)), None, None),
        Designation::Campaign(c) => (None, Some(DbUuid(*c)), None),
        Designation::Group(f) => (None, None, Some(f.as_str())),
    };
    let (kind, amount, resource, quantity, expires) = match &new.gift {
        Gift::Cash { amount } => ("cash", Some(*amount), None, None, None),
        Gift::Goods {
            resource_id,
            quantity,
            expires_on,
        } => (
            "goods",
            None,
            Some(DbUuid(*resource_id)),
            Some(*quantity),
            *expires_on,
        ),
    };
    diesel::insert_into(donations::table)
        .values((
            donations::id.eq(DbUuid(id)),
            donations::district_code.eq(&district),
            donations::received_by_org_id.eq(DbUuid(actor.org_id)),
            donations::donor_kind.eq(&new.donor_kind),
            donations::donor_name.eq(&new.donor_name),
            donations::donor_contact.eq(&new.donor_contact),
            donations::donor_id_cipher.eq(new
                .donor_identifier
                .as_deref()
                .map(|d| keys.seal(d.as_bytes()))),
            donations::donor_id_masked.eq(new.donor_identifier.as_deref().map(masked)),
            donations::kind.eq(kind),
            donations::amount.eq(amount),
            donations::resource_id.eq(resource),
            donations::quantity.eq(quantity),
            donations::expires_on.eq(expires),
            donations::designation.eq(new.designation.kind()),
            donations::designated_org_id.eq(org),
            donations::designated_campaign_id.eq(campaign),
            donations::designated_group.eq(group),
            donations::received_on.eq(new.received_on),
            donations::created_by.eq(DbUuid(actor.user_id)),
            donations::created_at.eq(to_db(crate::now())),
            donations::value.eq(new.value),
        ))
        .execute(tx.conn())?;
    tx.record(
        RecordChange::new(Record::Donation, Change::Created, id)
            .details(json!({ "kind": kind, "designation": new.designation.kind() }))
            .into(),
        None,
    )?;
    load(tx.conn(), actor, id)
}

/// One donation the caller may see (`scope::donations`).
pub fn load(conn: &mut DbConn, actor: &Actor, id: Uuid) -> RepoResult<Donation> {
    Ok(donations::table
        .filter(scope::donations(actor))
        .filter(donations::id.eq(DbUuid(id)))
        .select(DonationRow::as_select())
        .first::<DonationRow>(conn)?
        .into())
}

/// The donations the caller may see, newest first: its organization's, and every one of the
/// district for coordinators and auditors.
pub fn list(conn: &mut DbConn, actor: &Actor, page: PageRequest) -> RepoResult<Page<Donation>> {
    let mut q = donations::table
        .filter(scope::donations(actor))
        .select(DonationRow::as_select())
        .order(donations::id.desc())
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(after) = page.after {
        q = q.filter(donations::id.lt(DbUuid(after)));
    }
    let items = q.load(conn)?.into_iter().map(Donation::from).collect();
    Ok(Page::from_overfetch(items, page.limit, |d| d.id))
}

/// A resource's stock by lot (expiry, designation, received and left): for its organization
/// (creator or provider) and the district's coordinators and auditors.
pub fn stock_of(conn: &mut DbConn, actor: &Actor, resource_id: Uuid) -> RepoResult<Vec<Lot>> {
    let resource = super::resources::load_visible(conn, actor, resource_id)?;
    let ours = resource.created_by_org_id == actor.org_id
        || resource.provider_org_id == Some(actor.org_id);
    if !ours && !authz::oversees_campaigns(actor, &resource.district_code) {
        return Err(RepoError::NotFound);
    }
    stock::lots(conn, resource_id)
}

/// Where a donation's goods went — no person data: how many allocations and units by the
/// recipients' dong of residence and by benefit type, what is given and what is left.
#[derive(Debug, Clone, Default)]
pub struct DonorReport {
    pub donation_id: Uuid,
    pub received: i64,
    pub given: i64,
    pub left: i64,
    /// `(admin_dong_code or "unknown", dong centre's name if any, allocations, units)`.
    pub by_dong: Vec<(String, Option<String>, i64, i64)>,
    /// `(benefit type, allocations, units)`.
    pub by_benefit_type: Vec<(Uuid, i64, i64)>,
}

/// The report of a donation the caller may see (its organization, the district's
/// coordinators and auditors): a fixed number of statements.
pub fn report(conn: &mut DbConn, actor: &Actor, id: Uuid) -> RepoResult<DonorReport> {
    use crate::schema::{allocations, households, stock_draws, stock_lots};
    let donation = load(conn, actor, id)?;
    let lots: Vec<(DbUuid, i32, i32)> = stock_lots::table
        .filter(stock_lots::donation_id.eq(DbUuid(id)))
        .select((
            stock_lots::id,
            stock_lots::quantity_received,
            stock_lots::quantity_left,
        ))
        .load(conn)?;
    let draws: Vec<(DbUuid, i32)> = stock_draws::table
        .filter(in_ids(
            stock_draws::lot_id,
            lots.iter().map(|l| l.0).collect::<Vec<_>>(),
        ))
        .filter(stock_draws::returned.eq(false))
        .select((stock_draws::allocation_id, stock_draws::quantity))
        .load(conn)?;
    let given: Vec<(DbUuid, DbUuid, Option<DbUuid>)> = allocations::table
        .filter(in_ids(
            allocations::id,
            draws.iter().map(|d| d.0).collect::<Vec<_>>(),
        ))
        .filter(allocations::status.ne("cancelled"))
        .select((
            allocations::id,
            allocations::benefit_type_id,
            allocations::household_id,
        ))
        .load(conn)?;
    let homes: Vec<(DbUuid, Option<String>)> = households::table
        .filter(in_ids(
            households::id,
            given.iter().filter_map(|g| g.2).collect::<Vec<_>>(),
        ))
        .select((households::id, households::admin_dong_code))
        .load(conn)?;
    let names = super::reports::dong_names(conn, &donation.district_code)?;
    let mut report = DonorReport {
        donation_id: id,
        received: lots.iter().map(|l| i64::from(l.1)).sum(),
        left: lots.iter().map(|l| i64::from(l.2)).sum(),
        ..DonorReport::default()
    };
    for (allocation, benefit_type, household) in &given {
        let units: i64 = draws
            .iter()
            .filter(|d| d.0 == *allocation)
            .map(|d| i64::from(d.1))
            .sum();
        report.given += units;
        let dong = household
            .and_then(|h| homes.iter().find(|x| x.0 == h))
            .and_then(|x| x.1.clone())
            .unwrap_or_else(|| "unknown".into());
        match report.by_dong.iter_mut().find(|r| r.0 == dong) {
            Some(r) => {
                r.2 += 1;
                r.3 += units;
            }
            None => {
                let name = names.get(&dong).cloned();
                report.by_dong.push((dong, name, 1, units));
            }
        }
        match report
            .by_benefit_type
            .iter_mut()
            .find(|r| r.0 == benefit_type.0)
        {
            Some(r) => {
                r.1 += 1;
                r.2 += units;
            }
            None => report.by_benefit_type.push((benefit_type.0, 1, units)),
        }
    }
    report.by_dong.sort();
    report.by_benefit_type.sort();
    Ok(report)
}

/// Donors' identifiers (sealed like RRNs) re-sealed under the current key.
pub(crate) fn rotate_donor_identifiers(
    conn: &mut DbConn,
    keys: &PersonKeys,
    report: &mut crate::rotation::RotationReport,
) -> RepoResult<()> {
    let rows: Vec<(DbUuid, Option<String>)> = donations::table
        .filter(donations::donor_id_cipher.is_not_null())
        .select((donations::id, donations::donor_id_cipher))
        .load(conn)?;
    crate::uow::system(conn, "key_rotation", |conn| -> RepoResult<()> {
        for (id, cipher) in rows {
            let Some(cipher) = cipher else { continue };
            if keys.is_current(&cipher) {
                report.already_current += 1;
                continue;
            }
            let Some(plain) = keys.open(&cipher) else {
                report.unreadable += 1;
                continue;
            };
            diesel::update(donations::table.find(id))
                .set(donations::donor_id_cipher.eq(Some(keys.seal(&plain))))
                .execute(conn)?;
            report.rotated += 1;
        }
        Ok(())
    })
}
