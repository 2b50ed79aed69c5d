//! Stock (재고): goods donated to an organization become lots of one of its resources; an
//! allocation of the resource draws its quantity from the lots it may use — earliest expiry
//! first, designated lots only as designated — in the allocation's own transaction, each draw
//! a conditional update; what no lot can give refuses the allocation (409 `out_of_stock`).
//! A cancelled allocation puts what it drew back.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use hamkke_domain::person::Flag;
use uuid::Uuid;

use crate::conn::DbConn;
use crate::error::{RepoError, RepoResult};
use crate::schema::{stock_draws, stock_lots};
use crate::types::{from_db, to_db, DbUuid};

/// What a lot may be given to (지정기탁).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Designation {
    None,
    /// Through this organization (a dong centre: its residents).
    Org(Uuid),
    /// Through this campaign's approved nominations.
    Campaign(Uuid),
    /// To persons with this flag (e.g. `elderly_living_alone`, 독거노인).
    Group(Flag),
}

impl Designation {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Org(_) => "org",
            Self::Campaign(_) => "campaign",
            Self::Group(_) => "group",
        }
    }

    fn columns(&self) -> (Option<DbUuid>, Option<DbUuid>, Option<&'static str>) {
        match self {
            Self::None => (None, None, None),
            Self::Org(o) => (Some(DbUuid(*o)), None, None),
            Self::Campaign(c) => (None, Some(DbUuid(*c)), None),
            Self::Group(f) => (None, None, Some(f.as_str())),
        }
    }

    pub(crate) fn from_columns(
        kind: &str,
        org: Option<Uuid>,
        campaign: Option<Uuid>,
        group: Option<&str>,
    ) -> Self {
        match (kind, org, campaign, group.and_then(Flag::parse)) {
            ("org", Some(o), _, _) => Self::Org(o),
            ("campaign", _, Some(c), _) => Self::Campaign(c),
            ("group", _, _, Some(f)) => Self::Group(f),
            _ => Self::None,
        }
    }
}

/// A lot of a resource's stock.
#[derive(Debug, Clone)]
pub struct Lot {
    pub id: Uuid,
    pub resource_id: Uuid,
    pub donation_id: Uuid,
    pub expires_on: Option<NaiveDate>,
    pub designation: Designation,
    pub quantity_received: i32,
    pub quantity_left: i32,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = stock_lots)]
struct LotRow {
    id: DbUuid,
    resource_id: DbUuid,
    donation_id: DbUuid,
    expires_on: Option<NaiveDate>,
    designation: String,
    designated_org_id: Option<DbUuid>,
    designated_campaign_id: Option<DbUuid>,
    designated_group: Option<String>,
    quantity_received: i32,
    quantity_left: i32,
    created_at: NaiveDateTime,
}

impl From<LotRow> for Lot {
    fn from(r: LotRow) -> Self {
        Lot {
            id: r.id.0,
            resource_id: r.resource_id.0,
            donation_id: r.donation_id.0,
            expires_on: r.expires_on,
            designation: Designation::from_columns(
                &r.designation,
                r.designated_org_id.map(|o| o.0),
                r.designated_campaign_id.map(|c| c.0),
                r.designated_group.as_deref(),
            ),
            quantity_received: r.quantity_received,
            quantity_left: r.quantity_left,
            created_at: from_db(r.created_at),
        }
    }
}

/// Adds a donation's goods to a resource's stock.
pub(crate) fn add_lot(
    conn: &mut DbConn,
    resource_id: Uuid,
    donation_id: Uuid,
    expires_on: Option<NaiveDate>,
    designation: &Designation,
    quantity: i32,
) -> RepoResult<Uuid> {
    let id = Uuid::now_v7();
    let (org, campaign, group) = designation.columns();
    diesel::insert_into(stock_lots::table)
        .values((
            stock_lots::id.eq(DbUuid(id)),
            stock_lots::resource_id.eq(DbUuid(resource_id)),
            stock_lots::donation_id.eq(DbUuid(donation_id)),
            stock_lots::expires_on.eq(expires_on),
            stock_lots::designation.eq(designation.kind()),
            stock_lots::designated_org_id.eq(org),
            stock_lots::designated_campaign_id.eq(campaign),
            stock_lots::designated_group.eq(group),
            stock_lots::quantity_received.eq(quantity),
            stock_lots::quantity_left.eq(quantity),
            stock_lots::created_at.eq(to_db(crate::now())),
        ))
        .execute(conn)?;
    Ok(id)
}

/// A resource's lots, earliest expiry first (those without one last).
pub(crate) fn lots(conn: &mut DbConn, resource_id: Uuid) -> RepoResult<Vec<Lot>> {
    Ok(stock_lots::table
        .filter(stock_lots::resource_id.eq(DbUuid(resource_id)))
        .order((
            stock_lots::expires_on.is_null().asc(),
            stock_lots::expires_on.asc(),
            stock_lots::id.asc(),
        ))
        .select(LotRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Lot::from)
        .collect())
}

/// What an allocation draws.
pub(crate) struct Draw {
    pub allocation_id: Uuid,
    pub resource_id: Uuid,
    pub person_id: Uuid,
    pub quantity: i32,
    pub provider_org_id: Uuid,
    pub campaign_id: Option<Uuid>,
    pub granted_on: NaiveDate,
}

/// Draws an allocation's quantity from the lots it may use, or refuses (409 `out_of_stock`:
/// the transaction rolls back). A resource that never had stock is not counted.
pub(crate) fn draw(conn: &mut DbConn, d: &Draw) -> RepoResult<()> {
    let all = lots(conn, d.resource_id)?;
    if all.is_empty() || d.quantity <= 0 {
        return Ok(());
    }
    let flags = super::persons::load(conn, d.person_id)?.flags;
    let usable = |l: &Lot| {
        l.quantity_left > 0
            && l.expires_on.is_none_or(|e| e >= d.granted_on)
            && match &l.designation {
                Designation::None => true,
                Designation::Org(o) => *o == d.provider_org_id,
                Designation::Campaign(c) => Some(*c) == d.campaign_id,
                Designation::Group(f) => flags.contains(f),
            }
    };
    let mut remaining = d.quantity;
    for lot in all.iter().filter(|l| usable(l)) {
        let mut take = remaining.min(lot.quantity_left);
        while take > 0 {
            let taken = diesel::update(
                stock_lots::table
                    .find(DbUuid(lot.id))
                    .filter(stock_lots::quantity_left.ge(take)),
            )
            .set(stock_lots::quantity_left.eq(stock_lots::quantity_left - take))
            .execute(conn)?;
            if taken == 1 {
                diesel::insert_into(stock_draws::table)
                    .values((
                        stock_draws::allocation_id.eq(DbUuid(d.allocation_id)),
                        stock_draws::lot_id.eq(DbUuid(lot.id)),
                        stock_draws::quantity.eq(take),
                    ))
                    .execute(conn)?;
                remaining -= take;
                break;
            }
            // Another allocation drew from it meanwhile: take what is left now.
            let left: i32 = stock_lots::table
                .find(DbUuid(lot.id))
                .select(stock_lots::quantity_left)
                .first(conn)?;
            take = remaining.min(left);
        }
        if remaining == 0 {
            return Ok(());
        }
    }
    Err(RepoError::conflict(
        "out_of_stock",
        "the resource's stock this allocation may use (unexpired, designated for it or not designated) is not enough",
    ))
}

/// Puts back what a cancelled allocation drew (once).
pub(crate) fn put_back(conn: &mut DbConn, allocation_id: Uuid) -> RepoResult<()> {
    let draws: Vec<(DbUuid, i32)> = stock_draws::table
        .filter(stock_draws::allocation_id.eq(DbUuid(allocation_id)))
        .filter(stock_draws::returned.eq(false))
        .select((stock_draws::lot_id, stock_draws::quantity))
        .load(conn)?;
    for (lot, quantity) in draws {
        let marked = diesel::update(
            stock_draws::table
                .filter(stock_draws::allocation_id.eq(DbUuid(allocation_id)))
                .filter(stock_draws::lot_id.eq(lot))
                .filter(stock_draws::returned.eq(false)),
        )
        .set(stock_draws::returned.eq(true))
        .execute(conn)?;
        if marked == 1 {
            diesel::update(stock_lots::table.find(lot))
                .set(stock_lots::quantity_left.eq(stock_lots::quantity_left + quantity))
                .execute(conn)?;
        }
    }
    Ok(())
}
