//! Households (세대).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hamkke_domain::authz::{self, Actor};
use hamkke_domain::event::{Change, Record, RecordChange};
use hamkke_domain::person::{Household, PersonView};
use hamkke_domain::DomainError;
use serde_json::json;
use uuid::Uuid;

use super::access;
use super::page::{Page, PageRequest};
use super::rows::PersonRow;
use crate::audit::{self, AuditAction, AuditEntry};
use crate::conn::DbConn;
use crate::error::{RepoError, RepoResult};
use crate::schema::{households, persons};
use crate::scope;
use crate::types::{from_db, to_db, DbUuid};
use crate::uow::{Rx, Tx};
use hamkke_domain::person::Person;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = households)]
struct HouseholdRow {
    id: DbUuid,
    address: String,
    admin_dong_code: Option<String>,
    registered_by_org_id: DbUuid,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    district_code: String,
}

impl From<HouseholdRow> for Household {
    fn from(r: HouseholdRow) -> Self {
        Household {
            id: r.id.0,
            address: r.address,
            admin_dong_code: r.admin_dong_code,
            registered_by_org_id: r.registered_by_org_id.0,
            district_code: r.district_code,
            version: r.version,
            created_at: from_db(r.created_at),
            updated_at: from_db(r.updated_at),
        }
    }
}

/// A validated household.
#[derive(Debug, Clone)]
pub struct NewHousehold {
    pub address: String,
    pub admin_dong_code: Option<String>,
}

/// A validated change; `Some(None)` clears the dong code.
#[derive(Debug, Clone, Default)]
pub struct HouseholdPatch {
    pub address: Option<String>,
    pub admin_dong_code: Option<Option<String>>,
}

fn load(conn: &mut DbConn, id: Uuid) -> RepoResult<Household> {
    Ok(households::table
        .find(DbUuid(id))
        .select(HouseholdRow::as_select())
        .first(conn)?
        .into())
}

/// A household is visible to the organization that registered it and to organizations that
/// may see the details of one of its members; to others it does not exist.
fn visible(
    household: &Household,
    actor: &Actor,
    members: &[PersonView],
) -> Result<(), DomainError> {
    authz::reach_person(actor, &household.district_code)?;
    let sees_member = members.iter().any(|m| matches!(m, PersonView::Full(_)));
    if household.registered_by_org_id == actor.org_id || sees_member {
        Ok(())
    } else {
        Err(DomainError::hidden(
            "household not shared with the caller's organization",
        ))
    }
}

/// A household named in a request (`field`): it must exist and be visible to the actor, else
/// the request answers as if it did not exist.
pub(crate) fn load_usable(
    conn: &mut DbConn,
    actor: &Actor,
    id: Uuid,
    field: &str,
) -> RepoResult<Household> {
    let household = match load(conn, id) {
        Ok(h) => h,
        Err(RepoError::NotFound) => return Err(DomainError::unknown(field).into()),
        Err(e) => return Err(e),
    };
    if authz::reach_person(actor, &household.district_code).is_err() {
        return Err(DomainError::unknown(field).into());
    }
    let members = members(conn, actor, id)?;
    visible(&household, actor, &members).map_err(|_| DomainError::unknown(field))?;
    Ok(household)
}

/// Registers a household in the actor's district.
pub fn create(tx: &mut Tx<'_>, new: NewHousehold) -> RepoResult<(Household, Vec<PersonView>)> {
    let actor = tx.actor();
    authz::register_person(actor)?;
    let id = Uuid::now_v7();
    let now = to_db(crate::now());
    diesel::insert_into(households::table)
        .values((
            households::id.eq(DbUuid(id)),
            households::address.eq(&new.address),
            households::admin_dong_code.eq(&new.admin_dong_code),
            households::registered_by_org_id.eq(DbUuid(actor.org_id)),
            households::district_code.eq(&actor.district_code),
            households::allocation_seq.eq(0i64),
            households::version.eq(1),
            households::created_at.eq(now),
            households::updated_at.eq(now),
        ))
        .execute(tx.conn())?;
    tx.record(
        RecordChange::new(Record::Household, Change::Created, id).into(),
        None,
    )?;
    Ok((load(tx.conn(), id)?, Vec::new()))
}

/// One household with its members as the actor may see them; the read is audited.
pub fn get(rx: &mut Rx<'_>, id: Uuid) -> RepoResult<(Household, Vec<PersonView>)> {
    rx.consistent(|rx| {
        let actor = rx.actor();
        let ctx = rx.ctx();
        let household = load(rx.conn(), id)?;
        let members = members(rx.conn(), actor, id)?;
        visible(&household, actor, &members)?;
        audit::record(
            rx.conn(),
            ctx,
            AuditEntry::new(AuditAction::View, "household", Some(id.to_string()))
                .with_details(json!({ "members": members.len() })),
        )?;
        Ok((household, members))
    })
}

/// Households the actor's organization registered.
pub fn list(conn: &mut DbConn, actor: &Actor, page: PageRequest) -> RepoResult<Page<Household>> {
    let mut q = households::table
        .filter(scope::households(actor))
        .select(HouseholdRow::as_select())
        .order(households::id.asc())
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(after) = page.after {
        q = q.filter(households::id.gt(DbUuid(after)));
    }
    let items: Vec<Household> = q.load(conn)?.into_iter().map(Into::into).collect();
    Ok(Page::from_overfetch(items, page.limit, |h| h.id))
}

pub fn update(
    tx: &mut Tx<'_>,
    id: Uuid,
    expected_version: i32,
    patch: HouseholdPatch,
) -> RepoResult<(Household, Vec<PersonView>)> {
    let actor = tx.actor();
    let current = load(tx.conn(), id)?;
    let members = members(tx.conn(), actor, id)?;
    visible(&current, actor, &members)?;
    authz::register_person(actor)?;
    crate::update_versioned!(
        tx.conn(),
        households,
        id,
        expected_version,
        (
            households::address.eq(patch.address.unwrap_or(current.address)),
            households::admin_dong_code
                .eq(patch.admin_dong_code.unwrap_or(current.admin_dong_code)),
        )
    )?;
    tx.record(
        RecordChange::new(Record::Household, Change::Updated, id).into(),
        None,
    )?;
    Ok((load(tx.conn(), id)?, members))
}

/// Members of a household, as the actor may see them.
pub fn members(
    conn: &mut DbConn,
    actor: &Actor,
    household_id: Uuid,
) -> RepoResult<Vec<PersonView>> {
    let people = persons::table
        .filter(persons::household_id.eq(DbUuid(household_id)))
        .order(persons::id.asc())
        .select(PersonRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Person::try_from)
        .collect::<RepoResult<Vec<_>>>()?;
    access::views(conn, actor, people)
}

/// Moves a household behind another district's wall (a transfer approved); `registered_by`
/// (the receiving organization) registers it from now on, when named.
pub(crate) fn move_to_district(
    conn: &mut DbConn,
    id: Uuid,
    district: &str,
    registered_by: Option<Uuid>,
) -> RepoResult<()> {
    diesel::update(households::table.find(DbUuid(id)))
        .set(households::district_code.eq(district))
        .execute(conn)?;
    if let Some(o) = registered_by {
        diesel::update(households::table.find(DbUuid(id)))
            .set(households::registered_by_org_id.eq(DbUuid(o)))
            .execute(conn)?;
    }
    Ok(())
}
