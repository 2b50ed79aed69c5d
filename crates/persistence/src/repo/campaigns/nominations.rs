//! Nominations (대상자 추천): made within the organization's quota beside the duplicate
//! check, approved into the ledger or returned with a reason, withdrawn by their organization.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use hamkke_domain::allocation::{Action, Subject};
use hamkke_domain::authz::{self, Actor};
use hamkke_domain::event::{Audience, Change, Record, RecordChange};
use hamkke_domain::DomainError;
use serde_json::json;
use uuid::Uuid;

use super::super::allocations::{self, Check, NewAllocation};
use super::super::page::{Page, PageRequest};
use super::{invalid, CampaignRow};
use crate::conn::DbConn;
use crate::error::{RepoError, RepoResult};
use crate::lists::{in_ids, in_texts};
use crate::schema::{campaign_benefit_types, campaign_nominations, campaign_quotas, campaigns};
use crate::scope;
use crate::types::{from_db, to_db, DbUuid};
use crate::uow::Tx;

/// A nomination.
#[derive(Debug, Clone)]
pub struct Nomination {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub org_id: Uuid,
    pub person_id: Uuid,
    pub household_id: Option<Uuid>,
    pub benefit_type_id: Uuid,
    pub resource_id: Uuid,
    pub amount: Option<i64>,
    pub quantity: Option<i32>,
    pub note: Option<String>,
    /// `nominated`, `approved`, `returned` or `withdrawn`.
    pub status: String,
    pub return_reason: Option<String>,
    pub allocation_id: Option<Uuid>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub version: i32,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = campaign_nominations)]
struct NominationRow {
    id: DbUuid,
    campaign_id: DbUuid,
    org_id: DbUuid,
    person_id: DbUuid,
    household_id: Option<DbUuid>,
    counts_household: bool,
    benefit_type_id: DbUuid,
    resource_id: DbUuid,
    amount: Option<i64>,
    quantity: Option<i32>,
    note: Option<String>,
    status: String,
    return_reason: Option<String>,
    allocation_id: Option<DbUuid>,
    created_by: DbUuid,
    created_at: NaiveDateTime,
    decided_by: Option<DbUuid>,
    decided_at: Option<NaiveDateTime>,
    version: i32,
}

impl From<NominationRow> for Nomination {
    fn from(r: NominationRow) -> Self {
        Nomination {
            id: r.id.0,
            campaign_id: r.campaign_id.0,
            org_id: r.org_id.0,
            person_id: r.person_id.0,
            household_id: r.household_id.map(|h| h.0),
            benefit_type_id: r.benefit_type_id.0,
            resource_id: r.resource_id.0,
            amount: r.amount,
            quantity: r.quantity,
            note: r.note,
            status: r.status,
            return_reason: r.return_reason,
            allocation_id: r.allocation_id.map(|a| a.0),
            created_by: r.created_by.0,
            created_at: from_db(r.created_at),
            decided_by: r.decided_by.map(|u| u.0),
            decided_at: r.decided_at.map(from_db),
            version: r.version,
        }
    }
}

/// A person to nominate: the resource that will give (of a benefit type of the campaign; its
/// provider delivers), and the amount or quantity.
#[derive(Debug, Clone)]
pub struct NewNomination {
    pub person_id: Uuid,
    pub resource_id: Uuid,
    pub amount: Option<i64>,
    pub quantity: Option<i32>,
    pub note: Option<String>,
}

/// How a nomination ended.
#[derive(Debug, Clone)]
pub enum Nominated {
    Made(Nomination),
    /// The ledger already holds what the policy allows: nothing was nominated.
    Duplicate(Check),
}

/// Nominates a person for a campaign within the caller's organization's quota. In one unit of
/// work: the person (and household) locked, the duplicate check against the ledger, the
/// campaign's other nominations (one open nomination of a person per benefit type — a unique
/// index — and, for household policies, one per household), and the quota taken by a
/// conditional update (none left: 409 `quota_exhausted`).
pub fn nominate(
    tx: &mut Tx<'_>,
    campaign_id: Uuid,
    new: NewNomination,
    strong: u8,
) -> RepoResult<Nominated> {
    let actor = tx.actor();
    let campaign = visible(tx, campaign_id)?;
    let holds_quota = holds_quota(tx.conn(), campaign_id, actor.org_id)?;
    tx.authorize(authz::nominate(actor, &campaign.district_code, holds_quota))?;
    open_for_nominations(&campaign)?;
    let (resource, benefit) = allocations::usable_resource(tx.conn(), actor, new.resource_id)?;
    let in_campaign: i64 = campaign_benefit_types::table
        .filter(campaign_benefit_types::campaign_id.eq(DbUuid(campaign_id)))
        .filter(campaign_benefit_types::benefit_type_id.eq(DbUuid(benefit.id)))
        .count()
        .get_result(tx.conn())?;
    if in_campaign == 0 {
        return Err(invalid(
            "resource_id",
            "not_in_campaign",
            "the resource gives a benefit type the campaign does not",
        ));
    }
    // The person first, then the household: the order every path takes.
    crate::guard::lock_persons(tx.conn(), actor, &[new.person_id]).map_err(|e| match e {
        RepoError::NotFound => DomainError::unknown("person_id").into(),
        e => e,
    })?;
    let household = super::super::persons::load(tx.conn(), new.person_id)?.household_id;
    crate::guard::lock_household(tx.conn(), household)?;
    let check = allocations::check_unaudited(
        tx.conn(),
        actor,
        &NewAllocation {
            resource_id: resource.id,
            provider_org_id: None,
            person_id: new.person_id,
            case_id: None,
            amount: new.amount,
            quantity: new.quantity,
            granted_on: crate::today(),
            note: None,
            override_reason: None,
            import_key: None,
            campaign_id: Some(campaign_id),
        },
        strong,
    )?;
    if !check.allowed && check.action == Action::Block {
        return Ok(Nominated::Duplicate(check));
    }
    let household_open: i64 = match household {
        Some(h) => campaign_nominations::table
            .filter(campaign_nominations::campaign_id.eq(DbUuid(campaign_id)))
            .filter(campaign_nominations::household_id.eq(DbUuid(h)))
            .filter(in_texts(
                campaign_nominations::status,
                ["nominated", "approved"],
            ))
            .filter(campaign_nominations::benefit_type_id.eq(DbUuid(benefit.id)))
            .count()
            .get_result(tx.conn())?,
        None => 0,
    };
    if household_open > 0 && benefit.policy.subject == Subject::Household {
        return Err(RepoError::conflict(
            "already_nominated",
            "this benefit counts per household and a member of the household is nominated already",
        ));
    }
    // Said before the quota is taken, so a list imported again reads "already nominated"
    // rather than "quota used up" (under the person's lock; the partial unique index
    // below is what enforces it).
    let person_open: i64 = campaign_nominations::table
        .filter(campaign_nominations::campaign_id.eq(DbUuid(campaign_id)))
        .filter(campaign_nominations::person_id.eq(DbUuid(new.person_id)))
        .filter(campaign_nominations::benefit_type_id.eq(DbUuid(benefit.id)))
        .filter(in_texts(
            campaign_nominations::status,
            ["nominated", "approved"],
        ))
        .count()
        .get_result(tx.conn())?;
    if person_open > 0 {
        return Err(already_nominated());
    }
    let counts_household = household.is_none() || {
        let any_open: i64 = campaign_nominations::table
            .filter(campaign_nominations::campaign_id.eq(DbUuid(campaign_id)))
            .filter(campaign_nominations::household_id.eq(household.map(DbUuid)))
            .filter(in_texts(
                campaign_nominations::status,
                ["nominated", "approved"],
            ))
            .count()
            .get_result(tx.conn())?;
        any_open == 0
    };
    take_quota(tx, campaign_id, counts_household, new.amount)?;
    let id = Uuid::now_v7();
    let inserted = diesel::insert_into(campaign_nominations::table)
        .values((
            campaign_nominations::id.eq(DbUuid(id)),
            campaign_nominations::campaign_id.eq(DbUuid(campaign_id)),
            campaign_nominations::org_id.eq(DbUuid(actor.org_id)),
            campaign_nominations::person_id.eq(DbUuid(new.person_id)),
            campaign_nominations::household_id.eq(household.map(DbUuid)),
            campaign_nominations::counts_household.eq(counts_household),
            campaign_nominations::benefit_type_id.eq(DbUuid(benefit.id)),
            campaign_nominations::resource_id.eq(DbUuid(resource.id)),
            campaign_nominations::amount.eq(new.amount),
            campaign_nominations::quantity.eq(new.quantity),
            campaign_nominations::note.eq(&new.note),
            campaign_nominations::status.eq("nominated"),
            campaign_nominations::created_by.eq(DbUuid(actor.user_id)),
            campaign_nominations::created_at.eq(to_db(crate::now())),
        ))
        .execute(tx.conn());
    match inserted {
        Err(e) if RepoError::is_unique_violation(&e) => return Err(already_nominated()),
        other => other?,
    };
    tx.record(
        RecordChange::new(Record::Nomination, Change::Created, id)
            .details(json!({ "campaign_id": campaign_id, "benefit_type": benefit.code }))
            .into(),
        Some(new.person_id),
    )?;
    Ok(Nominated::Made(load_nomination(tx.conn(), id)?))
}

fn already_nominated() -> RepoError {
    RepoError::conflict(
        "already_nominated",
        "the person is nominated for this benefit in the campaign already",
    )
}

/// Takes one person (and a household, and the amount) from the caller's organization's quota,
/// or refuses: one conditional statement, so two officials taking the last place at once
/// leave exactly one nominated.
fn take_quota(
    tx: &mut Tx<'_>,
    campaign_id: Uuid,
    counts_household: bool,
    amount: Option<i64>,
) -> RepoResult<()> {
    use campaign_quotas as q;
    let households = i32::from(counts_household);
    let amount = amount.unwrap_or(0);
    let org = tx.actor().org_id;
    let taken = diesel::update(
        q::table
            .filter(q::campaign_id.eq(DbUuid(campaign_id)))
            .filter(q::org_id.eq(DbUuid(org)))
            .filter(
                q::max_persons
                    .is_null()
                    .or(q::max_persons.ge((q::nominated_persons + 1).nullable())),
            )
            .filter(
                q::max_households
                    .is_null()
                    .or(q::max_households.ge((q::nominated_households + households).nullable())),
            )
            .filter(
                q::max_amount
                    .is_null()
                    .or(q::max_amount.ge((q::nominated_amount + amount).nullable())),
            ),
    )
    .set((
        q::nominated_persons.eq(q::nominated_persons + 1),
        q::nominated_households.eq(q::nominated_households + households),
        q::nominated_amount.eq(q::nominated_amount + amount),
    ))
    .execute(tx.conn());
    // The table's checks hold the counters within the quota too: a violation is the same 409.
    let taken = match taken {
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::CheckViolation,
            _,
        )) => 0,
        other => other?,
    };
    crate::guard::claimed(
        taken,
        "quota_exhausted",
        "the organization's quota in this campaign is used up (households, persons or amount)",
    )
}

impl NominationRow {
    /// What it took from the quota.
    fn taken(&self) -> super::quotas::Taken {
        super::quotas::Taken {
            id: self.id,
            campaign_id: self.campaign_id,
            org_id: self.org_id,
            person_id: self.person_id,
            counts_household: self.counts_household,
            amount: self.amount,
        }
    }
}

fn holds_quota(conn: &mut DbConn, campaign_id: Uuid, org_id: Uuid) -> RepoResult<bool> {
    let n: i64 = campaign_quotas::table
        .filter(campaign_quotas::campaign_id.eq(DbUuid(campaign_id)))
        .filter(campaign_quotas::org_id.eq(DbUuid(org_id)))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The campaign, if the caller may see it (else 404).
fn visible(tx: &mut Tx<'_>, campaign_id: Uuid) -> RepoResult<CampaignRow> {
    let actor = tx.actor();
    Ok(campaigns::table
        .filter(scope::campaigns(actor))
        .filter(campaigns::id.eq(DbUuid(campaign_id)))
        .select(CampaignRow::as_select())
        .first(tx.conn())?)
}

fn open_for_nominations(c: &CampaignRow) -> RepoResult<()> {
    if c.status != "open" || crate::today() > c.ends_on {
        return Err(RepoError::conflict(
            "campaign_closed",
            "the campaign takes no more nominations",
        ));
    }
    Ok(())
}

fn load_nomination(conn: &mut DbConn, id: Uuid) -> RepoResult<Nomination> {
    Ok(load_nomination_row(conn, id)?.into())
}

fn load_nomination_row(conn: &mut DbConn, id: Uuid) -> RepoResult<NominationRow> {
    Ok(campaign_nominations::table
        .find(DbUuid(id))
        .select(NominationRow::as_select())
        .first(conn)?)
}

/// A nomination the caller may see (`scope::nominations`), else 404.
fn visible_nomination(tx: &mut Tx<'_>, id: Uuid) -> RepoResult<NominationRow> {
    let actor = tx.actor();
    Ok(campaign_nominations::table
        .filter(scope::nominations(actor))
        .filter(campaign_nominations::id.eq(DbUuid(id)))
        .select(NominationRow::as_select())
        .first(tx.conn())?)
}

/// Marks an open nomination decided (`status`), or refuses: of two decisions, the second
/// finds it decided.
fn claim(tx: &mut Tx<'_>, id: Uuid, status: &str, reason: Option<&str>) -> RepoResult<()> {
    use campaign_nominations as n;
    let user = tx.actor().user_id;
    let claimed = diesel::update(
        n::table
            .filter(n::id.eq(DbUuid(id)))
            .filter(n::status.eq("nominated")),
    )
    .set((
        n::status.eq(status),
        n::return_reason.eq(reason),
        n::decided_by.eq(Some(DbUuid(user))),
        n::decided_at.eq(Some(to_db(crate::now()))),
        n::version.eq(n::version + 1),
    ))
    .execute(tx.conn())?;
    crate::guard::claimed(
        claimed,
        "nomination_decided",
        "this nomination has been decided or withdrawn meanwhile",
    )
}

/// How an approval ended.
#[derive(Debug, Clone)]
pub enum Approved {
    /// Approved: the allocation it made, approved in the ledger for the provider to deliver.
    Made(Nomination),
    /// The ledger holds what the policy allows now (a gift since the nomination): nothing
    /// changed; return the nomination, or wait.
    Duplicate(Check),
}

/// A nomination a coordinator of the district is approving, with the allocation it asks the
/// ledger for: the resource's provider (or the nominating organization) gives it, for the
/// campaign (`app::campaigns::approve`).
pub struct Approval {
    nomination: NominationRow,
    pub allocation: NewAllocation,
}

/// The nomination to approve, if the caller runs its campaign and it is still nominated.
pub fn approval(tx: &mut Tx<'_>, id: Uuid) -> RepoResult<Approval> {
    let actor = tx.actor();
    let n = visible_nomination(tx, id)?;
    let campaign = visible(tx, n.campaign_id.0)?;
    tx.authorize(authz::run_campaign(actor, &campaign.district_code))?;
    if n.status != "nominated" {
        return Err(RepoError::conflict(
            "nomination_decided",
            "this nomination has been decided or withdrawn",
        ));
    }
    let provider = super::super::resources::load(tx.conn(), n.resource_id.0)?
        .provider_org_id
        .unwrap_or(n.org_id.0);
    let allocation = NewAllocation {
        resource_id: n.resource_id.0,
        provider_org_id: Some(provider),
        person_id: n.person_id.0,
        case_id: None,
        amount: n.amount,
        quantity: n.quantity,
        granted_on: crate::today(),
        note: Some(format!("{} (캠페인)", campaign.name)),
        override_reason: None,
        import_key: None,
        campaign_id: Some(n.campaign_id.0),
    };
    Ok(Approval {
        nomination: n,
        allocation,
    })
}

/// The nomination approved with the allocation the ledger recorded for it; the nominating
/// organization is told. Of two approvals at once, the second is refused.
pub fn approved(tx: &mut Tx<'_>, a: &Approval, allocation_id: Uuid) -> RepoResult<Nomination> {
    let n = &a.nomination;
    let id = n.id.0;
    claim(tx, id, "approved", None)?;
    diesel::update(campaign_nominations::table.find(DbUuid(id)))
        .set(campaign_nominations::allocation_id.eq(Some(DbUuid(allocation_id))))
        .execute(tx.conn())?;
    tx.record(
        RecordChange::new(Record::Nomination, Change::Updated, id)
            .details(json!({ "decision": "approved", "allocation_id": allocation_id }))
            .telling(vec![Audience::OrgStaff(n.org_id.0)])
            .into(),
        Some(n.person_id.0),
    )?;
    load_nomination(tx.conn(), id)
}

/// Returns a nomination to its organization with the reason (a coordinator of the district):
/// its place goes back to the quota and the nominator is told; a returned person may be
/// nominated again.
pub fn return_nomination(tx: &mut Tx<'_>, id: Uuid, reason: &str) -> RepoResult<Nomination> {
    let actor = tx.actor();
    let n = visible_nomination(tx, id)?;
    let campaign = visible(tx, n.campaign_id.0)?;
    tx.authorize(authz::run_campaign(actor, &campaign.district_code))?;
    claim(tx, id, "returned", Some(reason))?;
    super::quotas::give_back(tx, &n.taken())?;
    tx.record(
        RecordChange::new(Record::Nomination, Change::Updated, id)
            .details(json!({ "decision": "returned" }))
            .telling(vec![Audience::User(n.created_by.0)])
            .into(),
        Some(n.person_id.0),
    )?;
    load_nomination(tx.conn(), id)
}

/// Withdraws an open nomination (its organization's workers): the place goes back to the
/// quota.
pub fn withdraw(tx: &mut Tx<'_>, id: Uuid) -> RepoResult<Nomination> {
    let actor = tx.actor();
    let n = visible_nomination(tx, id)?;
    let campaign = visible(tx, n.campaign_id.0)?;
    let holds = holds_quota(tx.conn(), n.campaign_id.0, actor.org_id)?;
    tx.authorize(authz::nominate(actor, &campaign.district_code, holds))?;
    if n.org_id.0 != actor.org_id {
        return Err(RepoError::NotFound);
    }
    claim(tx, id, "withdrawn", None)?;
    super::quotas::give_back(tx, &n.taken())?;
    tx.record(
        RecordChange::new(Record::Nomination, Change::Removed, id)
            .details(json!({ "campaign_id": n.campaign_id.0 }))
            .into(),
        Some(n.person_id.0),
    )?;
    load_nomination(tx.conn(), id)
}

/// Filters of a campaign's nominations.
#[derive(Debug, Clone, Default)]
pub struct NominationFilter {
    pub status: Option<String>,
    pub org_id: Option<Uuid>,
}

/// A campaign's nominations the caller may see (`scope::nominations`), oldest first.
pub fn nominations(
    conn: &mut DbConn,
    actor: &Actor,
    campaign_id: Uuid,
    filter: NominationFilter,
    page: PageRequest,
) -> RepoResult<Page<Nomination>> {
    // The campaign itself must be visible (404 otherwise, as for any object).
    super::load(conn, actor, campaign_id)?;
    let mut q = campaign_nominations::table
        .filter(scope::nominations(actor))
        .filter(campaign_nominations::campaign_id.eq(DbUuid(campaign_id)))
        .select(NominationRow::as_select())
        .order(campaign_nominations::id.asc())
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(s) = filter.status {
        q = q.filter(campaign_nominations::status.eq(s));
    }
    if let Some(o) = filter.org_id {
        q = q.filter(campaign_nominations::org_id.eq(DbUuid(o)));
    }
    if let Some(after) = page.after {
        q = q.filter(campaign_nominations::id.gt(DbUuid(after)));
    }
    let items: Vec<Nomination> = q.load(conn)?.into_iter().map(Nomination::from).collect();
    Ok(Page::from_overfetch(items, page.limit, |n| n.id))
}

/// One nomination the caller may see.
pub fn get_nomination(conn: &mut DbConn, actor: &Actor, id: Uuid) -> RepoResult<Nomination> {
    Ok(campaign_nominations::table
        .filter(scope::nominations(actor))
        .filter(campaign_nominations::id.eq(DbUuid(id)))
        .select(NominationRow::as_select())
        .first::<NominationRow>(conn)?
        .into())
}

/// Nominations of the actor's returned since `since` and not nominated again: for the
/// nominator's worklist, with the reason.
pub fn returned_to(
    conn: &mut DbConn,
    actor: &Actor,
    since: DateTime<Utc>,
    limit: i64,
) -> RepoResult<Vec<Nomination>> {
    let returned: Vec<Nomination> = campaign_nominations::table
        .filter(scope::nominations(actor))
        .filter(campaign_nominations::created_by.eq(DbUuid(actor.user_id)))
        .filter(campaign_nominations::status.eq("returned"))
        .filter(campaign_nominations::decided_at.ge(to_db(since)))
        .order(campaign_nominations::id.asc())
        .limit(limit)
        .select(NominationRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Nomination::from)
        .collect();
    if returned.is_empty() {
        return Ok(returned);
    }
    let again: Vec<(DbUuid, DbUuid, DbUuid)> = campaign_nominations::table
        .filter(in_ids(
            campaign_nominations::person_id,
            returned
                .iter()
                .map(|n| DbUuid(n.person_id))
                .collect::<Vec<_>>(),
        ))
        .filter(in_texts(
            campaign_nominations::status,
            ["nominated", "approved"],
        ))
        .select((
            campaign_nominations::campaign_id,
            campaign_nominations::person_id,
            campaign_nominations::benefit_type_id,
        ))
        .load(conn)?;
    Ok(returned
        .into_iter()
        .filter(|n| {
            !again.iter().any(|(c, p, t)| {
                c.0 == n.campaign_id && p.0 == n.person_id && t.0 == n.benefit_type_id
            })
        })
        .collect())
}
