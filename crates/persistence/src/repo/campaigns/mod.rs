//! Winter campaigns (연말연시 집중 지원): a district's coordinators start a campaign with the
//! benefit types it gives, a budget and a quota per organization; organizations nominate their
//! people (대상자 추천) within their quota — the quota taken by a conditional update in the
//! nomination's transaction, beside the duplicate check — and the coordinators approve
//! nominations into allocations of the shared ledger, or return them with a reason.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use hamkke_domain::authz::{self, Actor};
use hamkke_domain::event::{Audience, Change, Record, RecordChange};
use hamkke_domain::DomainError;
use serde_json::json;
use uuid::Uuid;

use super::page::{Page, PageRequest};
use crate::conn::DbConn;
use crate::error::{RepoError, RepoResult};
use crate::lists::in_ids;
use crate::schema::{
    allocations as allocations_t, benefit_types, campaign_benefit_types, campaign_nominations,
    campaign_quotas, campaigns, organizations,
};
use crate::scope;
use crate::types::{from_db, to_db, DbUuid};
use crate::uow::Tx;

/// A campaign to start.
#[derive(Debug, Clone)]
pub struct NewCampaign {
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub budget: Option<i64>,
    pub benefit_type_ids: Vec<Uuid>,
    pub quotas: Vec<NewQuota>,
}

/// An organization's quota: households and/or persons and/or an amount (KRW); `None` is no
/// limit of that kind.
#[derive(Debug, Clone)]
pub struct NewQuota {
    pub org_id: Uuid,
    pub max_households: Option<i32>,
    pub max_persons: Option<i32>,
    pub max_amount: Option<i64>,
}

/// An approved nomination's campaign, organization, and its allocation's status, amount and
/// proof.
type ApprovedRow = (DbUuid, DbUuid, Option<String>, Option<i64>, Option<String>);

/// An organization's quota and its progress.
#[derive(Debug, Clone, Default)]
pub struct Quota {
    pub org_id: Uuid,
    pub max_households: Option<i32>,
    pub max_persons: Option<i32>,
    pub max_amount: Option<i64>,
    /// Open and approved nominations (returned and withdrawn ones give their place back).
    pub nominated_households: i32,
    pub nominated_persons: i32,
    pub nominated_amount: i64,
    pub approved: i64,
    /// Approved nominations whose allocation stands (not cancelled): what is to be delivered.
    pub to_deliver: i64,
    pub delivered: i64,
    /// Deliveries that recorded a proof (signature, photo or 대리수령).
    pub delivered_with_proof: i64,
    /// The amounts of the allocations approved nominations made (not cancelled).
    pub amount_spent: i64,
}

/// A campaign with the quotas the caller may see (all for those who oversee the district,
/// its own for an organization with a quota).
#[derive(Debug, Clone)]
pub struct Campaign {
    pub id: Uuid,
    pub district_code: String,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub budget: Option<i64>,
    /// `open` or `closed`.
    pub status: String,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub version: i32,
    pub benefit_type_ids: Vec<Uuid>,
    pub quotas: Vec<Quota>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = campaigns)]
pub(super) struct CampaignRow {
    id: DbUuid,
    district_code: String,
    name: String,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    budget: Option<i64>,
    status: String,
    created_by: DbUuid,
    created_at: NaiveDateTime,
    version: i32,
}

pub(super) fn invalid(field: &'static str, code: &'static str, detail: &'static str) -> RepoError {
    DomainError::invalid(field, code, detail).into()
}

/// Starts a campaign of the caller's district (its coordinators): the benefit types it gives
/// (active ones of the district) and a quota for each organization that nominates (active
/// organizations of the district, each once). The organizations' staff are told.
pub fn create(tx: &mut Tx<'_>, new: NewCampaign) -> RepoResult<Campaign> {
    let actor = tx.actor();
    tx.authorize(authz::run_campaign(actor, &actor.district_code))?;
    let district = actor.district_code.clone();
    let mut types = new.benefit_type_ids.clone();
    types.sort();
    types.dedup();
    let known: i64 = benefit_types::table
        .filter(in_ids(benefit_types::id, types.iter().copied().map(DbUuid)))
        .filter(benefit_types::district_code.eq(&district))
        .filter(benefit_types::active.eq(true))
        .count()
        .get_result(tx.conn())?;
    if known != types.len() as i64 {
        return Err(DomainError::unknown("benefit_type_ids").into());
    }
    let mut orgs: Vec<Uuid> = new.quotas.iter().map(|q| q.org_id).collect();
    orgs.sort();
    orgs.dedup();
    if orgs.len() != new.quotas.len() {
        return Err(invalid("quotas", "duplicate", "one quota per organization"));
    }
    let found: i64 = organizations::table
        .filter(in_ids(organizations::id, orgs.iter().copied().map(DbUuid)))
        .filter(organizations::district_code.eq(&district))
        .filter(organizations::active.eq(true))
        .count()
        .get_result(tx.conn())?;
    if found != orgs.len() as i64 {
        return Err(DomainError::unknown("quotas.organization_id").into());
    }
    let id = Uuid::now_v7();
    let now = to_db(crate::now());
    diesel::insert_into(campaigns::table)
        .values((
            campaigns::id.eq(DbUuid(id)),
            campaigns::district_code.eq(&district),
            campaigns::name.eq(&new.name),
            campaigns::starts_on.eq(new.starts_on),
            campaigns::ends_on.eq(new.ends_on),
            campaigns::budget.eq(new.budget),
            campaigns::status.eq("open"),
            campaigns::created_by.eq(DbUuid(actor.user_id)),
            campaigns::created_at.eq(now),
            campaigns::updated_at.eq(now),
        ))
        .execute(tx.conn())?;
    for t in &types {
        diesel::insert_into(campaign_benefit_types::table)
            .values((
                campaign_benefit_types::campaign_id.eq(DbUuid(id)),
                campaign_benefit_types::benefit_type_id.eq(DbUuid(*t)),
            ))
            .execute(tx.conn())?;
    }
    for q in &new.quotas {
        diesel::insert_into(campaign_quotas::table)
            .values((
                campaign_quotas::campaign_id.eq(DbUuid(id)),
                campaign_quotas::org_id.eq(DbUuid(q.org_id)),
                campaign_quotas::max_households.eq(q.max_households),
                campaign_quotas::max_persons.eq(q.max_persons),
                campaign_quotas::max_amount.eq(q.max_amount),
            ))
            .execute(tx.conn())?;
    }
    tx.record(
        RecordChange::new(Record::Campaign, Change::Created, id)
            .details(json!({ "benefit_types": types.len(), "quotas": orgs.len() }))
            .telling(orgs.iter().map(|o| Audience::OrgStaff(*o)).collect())
            .into(),
        None,
    )?;
    load(tx.conn(), actor, id)
}

/// Closes a campaign to new nominations (`open: false`) or opens it again (`open: true`, not
/// after its last day): a coordinator of the district, by a conditional update of its status
/// (the second of two closes answers 409 `campaign_status`). Open nominations stay to be
/// decided; the quota holders are told.
pub fn set_open(tx: &mut Tx<'_>, id: Uuid, open: bool) -> RepoResult<Campaign> {
    let actor = tx.actor();
    let c = load(tx.conn(), actor, id)?;
    tx.authorize(authz::run_campaign(actor, &c.district_code))?;
    let (from, to) = if open {
        ("closed", "open")
    } else {
        ("open", "closed")
    };
    if open && crate::today() > c.ends_on {
        return Err(RepoError::conflict(
            "campaign_ended",
            "the campaign's period is over; start a new campaign",
        ));
    }
    let moved = diesel::update(
        campaigns::table
            .filter(campaigns::id.eq(DbUuid(id)))
            .filter(campaigns::status.eq(from)),
    )
    .set((
        campaigns::status.eq(to),
        campaigns::updated_at.eq(to_db(crate::now())),
        campaigns::version.eq(campaigns::version + 1),
    ))
    .execute(tx.conn())?;
    crate::guard::claimed(
        moved,
        "campaign_status",
        &format!("the campaign is {to} already"),
    )?;
    tx.record(
        RecordChange::new(Record::Campaign, Change::Updated, id)
            .details(json!({ "status": to }))
            .telling(
                c.quotas
                    .iter()
                    .map(|q| Audience::OrgStaff(q.org_id))
                    .collect(),
            )
            .into(),
        None,
    )?;
    load(tx.conn(), actor, id)
}

/// The caller's campaigns (`scope::campaigns`), newest first.
pub fn list(conn: &mut DbConn, actor: &Actor, page: PageRequest) -> RepoResult<Page<Campaign>> {
    let mut q = campaigns::table
        .filter(scope::campaigns(actor))
        .select(CampaignRow::as_select())
        .order(campaigns::id.desc())
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(after) = page.after {
        q = q.filter(campaigns::id.lt(DbUuid(after)));
    }
    let rows = q.load(conn)?;
    let loaded = with_details(conn, actor, rows)?;
    Ok(Page::from_overfetch(loaded, page.limit, |c| c.id))
}

/// One campaign, through the same scope as the list.
pub fn load(conn: &mut DbConn, actor: &Actor, id: Uuid) -> RepoResult<Campaign> {
    let row: CampaignRow = campaigns::table
        .filter(scope::campaigns(actor))
        .filter(campaigns::id.eq(DbUuid(id)))
        .select(CampaignRow::as_select())
        .first(conn)?;
    with_details(conn, actor, vec![row])?
        .pop()
        .ok_or(RepoError::NotFound)
}

/// The campaigns' benefit types and the quotas the caller may see with their progress: a
/// fixed number of statements for the whole page.
fn with_details(
    conn: &mut DbConn,
    actor: &Actor,
    rows: Vec<CampaignRow>,
) -> RepoResult<Vec<Campaign>> {
    let ids: Vec<DbUuid> = rows.iter().map(|r| r.id).collect();
    let types: Vec<(DbUuid, DbUuid)> = campaign_benefit_types::table
        .filter(in_ids(campaign_benefit_types::campaign_id, ids.clone()))
        .select((
            campaign_benefit_types::campaign_id,
            campaign_benefit_types::benefit_type_id,
        ))
        .order((
            campaign_benefit_types::campaign_id,
            campaign_benefit_types::benefit_type_id,
        ))
        .load(conn)?;
    type QuotaRow = (
        DbUuid,
        DbUuid,
        Option<i32>,
        Option<i32>,
        Option<i64>,
        i32,
        i32,
        i64,
    );
    let mut q = campaign_quotas::table
        .filter(in_ids(campaign_quotas::campaign_id, ids.clone()))
        .select((
            campaign_quotas::campaign_id,
            campaign_quotas::org_id,
            campaign_quotas::max_households,
            campaign_quotas::max_persons,
            campaign_quotas::max_amount,
            campaign_quotas::nominated_households,
            campaign_quotas::nominated_persons,
            campaign_quotas::nominated_amount,
        ))
        .order((campaign_quotas::campaign_id, campaign_quotas::org_id))
        .into_boxed();
    if let Some(own) = scope::own_quotas(actor) {
        q = q.filter(own);
    }
    let quotas: Vec<QuotaRow> = q.load(conn)?;
    // Approved nominations per campaign and organization, with their allocations' state.
    let approved: Vec<ApprovedRow> = campaign_nominations::table
        .left_join(
            allocations_t::table.on(allocations_t::id
                .nullable()
                .eq(campaign_nominations::allocation_id)),
        )
        .filter(in_ids(campaign_nominations::campaign_id, ids))
        .filter(campaign_nominations::status.eq("approved"))
        .select((
            campaign_nominations::campaign_id,
            campaign_nominations::org_id,
            allocations_t::status.nullable(),
            allocations_t::amount.nullable(),
            allocations_t::proof_kind.nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let id = r.id;
            Campaign {
                id: r.id.0,
                district_code: r.district_code,
                name: r.name,
                starts_on: r.starts_on,
                ends_on: r.ends_on,
                budget: r.budget,
                status: r.status,
                created_by: r.created_by.0,
                created_at: from_db(r.created_at),
                version: r.version,
                benefit_type_ids: types
                    .iter()
                    .filter(|(c, _)| *c == id)
                    .map(|(_, t)| t.0)
                    .collect(),
                quotas: quotas
                    .iter()
                    .filter(|q| q.0 == id)
                    .map(|q| {
                        let mine = approved.iter().filter(|a| a.0 == id && a.1 == q.1);
                        let mut quota = Quota {
                            org_id: q.1 .0,
                            max_households: q.2,
                            max_persons: q.3,
                            max_amount: q.4,
                            nominated_households: q.5,
                            nominated_persons: q.6,
                            nominated_amount: q.7,
                            ..Quota::default()
                        };
                        for (_, _, status, amount, proof) in mine {
                            let status = status.as_deref().unwrap_or("cancelled");
                            quota.approved += 1;
                            if status == "delivered" {
                                quota.delivered += 1;
                                quota.delivered_with_proof += i64::from(proof.is_some());
                            }
                            if status != "cancelled" {
                                quota.to_deliver += 1;
                                quota.amount_spent += amount.unwrap_or(0);
                            }
                        }
                        quota
                    })
                    .collect(),
            }
        })
        .collect())
}

mod nominations;
pub use nominations::*;
pub(crate) mod quotas;
mod report;
pub use report::*;
