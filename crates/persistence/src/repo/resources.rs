//! The resource catalogue: what each provider gives (unit, funding), each resource naming the
//! benefit type whose duplicate policy it falls under.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hamkke_domain::allocation::{Category, Funding, Resource};
use hamkke_domain::authz::{self, Actor};
use hamkke_domain::event::{Change, Record, RecordChange};
use hamkke_domain::DomainError;
use serde_json::json;
use uuid::Uuid;

use super::benefit_types;
use super::orgs;
use super::page::{Page, PageRequest};
use crate::conn::DbConn;
use crate::error::corrupt;
use crate::error::{RepoError, RepoResult};
use crate::schema::{allocations, resources};
use crate::scope;
use crate::types::{from_db, to_db, DbUuid};
use crate::uow::Tx;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = resources)]
pub(crate) struct ResourceRow {
    id: DbUuid,
    name: String,
    category: String,
    funding: String,
    unit: String,
    provider_org_id: Option<DbUuid>,
    district_code: String,
    benefit_type_id: DbUuid,
    created_by_org_id: DbUuid,
    active: bool,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TryFrom<ResourceRow> for Resource {
    type Error = RepoError;
    fn try_from(r: ResourceRow) -> RepoResult<Self> {
        Ok(Resource {
            id: r.id.0,
            name: r.name,
            category: Category::parse(&r.category).ok_or_else(|| corrupt("resources.category"))?,
            funding: Funding::parse(&r.funding).ok_or_else(|| corrupt("resources.funding"))?,
            unit: r.unit,
            provider_org_id: r.provider_org_id.map(|p| p.0),
            district_code: r.district_code,
            benefit_type_id: r.benefit_type_id.0,
            created_by_org_id: r.created_by_org_id.0,
            active: r.active,
            version: r.version,
            created_at: from_db(r.created_at),
            updated_at: from_db(r.updated_at),
        })
    }
}

/// A validated resource.
#[derive(Debug, Clone)]
pub struct NewResource {
    pub name: String,
    pub benefit_type_id: Uuid,
    pub funding: Funding,
    pub unit: String,
    pub provider_org_id: Option<Uuid>,
}

/// A validated change.
#[derive(Debug, Clone, Default)]
pub struct ResourcePatch {
    pub name: Option<String>,
    pub unit: Option<String>,
    pub benefit_type_id: Option<Uuid>,
    pub active: Option<bool>,
}

pub(crate) fn load(conn: &mut DbConn, id: Uuid) -> RepoResult<Resource> {
    resources::table
        .find(DbUuid(id))
        .select(ResourceRow::as_select())
        .first(conn)?
        .try_into()
}

/// A resource and its benefit type, in one statement (the duplicate check's hot path), or from
/// the catalogue cache when the request saw the version it was cached under (`crate::catalogue`).
pub(crate) fn load_with_type(
    conn: &mut DbConn,
    id: Uuid,
) -> RepoResult<(Resource, hamkke_domain::benefit::BenefitType)> {
    use super::benefit_types::BenefitTypeRow;
    use crate::schema::benefit_types;
    if let Some(cached) = crate::catalogue::get(id) {
        return Ok(cached);
    }
    let (r, t): (ResourceRow, BenefitTypeRow) = resources::table
        .inner_join(benefit_types::table)
        .filter(resources::id.eq(DbUuid(id)))
        .select((ResourceRow::as_select(), BenefitTypeRow::as_select()))
        .first(conn)?;
    let loaded = (r.try_into()?, t.try_into()?);
    crate::catalogue::put(id, &loaded);
    Ok(loaded)
}

/// A resource of the actor's district.
pub(crate) fn load_visible(conn: &mut DbConn, actor: &Actor, id: Uuid) -> RepoResult<Resource> {
    let r = load(conn, id)?;
    authz::view_ledger(actor, &r.district_code)?;
    Ok(r)
}

/// The provider a resource names: the creating organization itself, or (named by a district
/// coordinator) an active organization of the district. Who may name it is decided first, so a
/// refusal tells nothing about which ids exist.
fn check_provider(conn: &mut DbConn, actor: &Actor, id: Option<Uuid>) -> RepoResult<()> {
    if let Some(p) = id {
        authz::record_for_provider(actor, p)?;
        match orgs::load(conn, p) {
            Ok(o) if o.district_code == actor.district_code && o.active => {}
            Ok(_) | Err(RepoError::NotFound) => {
                return Err(DomainError::unknown("provider_org_id").into())
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

pub fn create(tx: &mut Tx<'_>, new: NewResource) -> RepoResult<Resource> {
    let actor = tx.actor();
    authz::allocate(actor)?;
    check_provider(tx.conn(), actor, new.provider_org_id)?;
    let benefit =
        benefit_types::load_usable(tx.conn(), actor, new.benefit_type_id, "benefit_type_id")?;
    let id = Uuid::now_v7();
    let now = to_db(crate::now());
    diesel::insert_into(resources::table)
        .values((
            resources::id.eq(DbUuid(id)),
            resources::name.eq(&new.name),
            resources::category.eq(benefit.category.as_str()),
            resources::funding.eq(new.funding.as_str()),
            resources::unit.eq(&new.unit),
            resources::provider_org_id.eq(new.provider_org_id.map(DbUuid)),
            resources::district_code.eq(&actor.district_code),
            resources::benefit_type_id.eq(DbUuid(benefit.id)),
            resources::created_by_org_id.eq(DbUuid(actor.org_id)),
            resources::active.eq(true),
            resources::version.eq(1),
            resources::created_at.eq(now),
            resources::updated_at.eq(now),
        ))
        .execute(tx.conn())?;
    tx.record(
        RecordChange::new(Record::Resource, Change::Created, id).into(),
        None,
    )?;
    load(tx.conn(), id)
}

pub fn get(conn: &mut DbConn, actor: &Actor, id: Uuid) -> RepoResult<Resource> {
    load_visible(conn, actor, id)
}

/// The district's resources, optionally of one category.
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    category: Option<Category>,
    page: PageRequest,
) -> RepoResult<Page<Resource>> {
    let mut q = resources::table
        .filter(scope::resources(actor))
        .select(ResourceRow::as_select())
        .order(resources::id.asc())
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(c) = category {
        q = q.filter(resources::category.eq(c.as_str()));
    }
    if let Some(after) = page.after {
        q = q.filter(resources::id.gt(DbUuid(after)));
    }
    let items = q
        .load(conn)?
        .into_iter()
        .map(Resource::try_from)
        .collect::<RepoResult<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, page.limit, |r| r.id))
}

pub fn update(
    tx: &mut Tx<'_>,
    id: Uuid,
    expected_version: i32,
    patch: ResourcePatch,
) -> RepoResult<Resource> {
    let actor = tx.actor();
    let current = load_visible(tx.conn(), actor, id)?;
    authz::update_resource(actor, current.created_by_org_id, &current.district_code)?;
    // A resource moved to another benefit type takes its category; once it has given, it
    // cannot change what it is (relabelling would hide earlier gifts from the duplicate
    // check): the update below is conditional on it having no allocations.
    let (benefit_type_id, category) = match patch.benefit_type_id {
        Some(t) => {
            let b = benefit_types::load_usable(tx.conn(), actor, t, "benefit_type_id")?;
            (b.id, b.category)
        }
        None => (current.benefit_type_id, current.category),
    };
    let relabel = benefit_type_id != current.benefit_type_id;
    let updated = crate::update_versioned!(
        tx.conn(),
        resources,
        id,
        expected_version,
        filter resources::benefit_type_id.eq(DbUuid(benefit_type_id)).or(
            diesel::dsl::not(diesel::dsl::exists(
                allocations::table.filter(allocations::resource_id.eq(DbUuid(id))),
            )),
        ),
        (
            resources::name.eq(patch.name.unwrap_or(current.name)),
            resources::unit.eq(patch.unit.unwrap_or(current.unit)),
            resources::benefit_type_id.eq(DbUuid(benefit_type_id)),
            resources::category.eq(category.as_str()),
            resources::active.eq(patch.active.unwrap_or(current.active)),
        )
    )?;
    if updated == 0 && relabel && load(tx.conn(), id)?.version == expected_version {
        return Err(RepoError::conflict(
            "resource_has_given",
            "a resource that has given cannot change its benefit type; create a new resource",
        ));
    }
    crate::guard::versioned(updated)?;
    tx.record(
        RecordChange::new(Record::Resource, Change::Updated, id)
            .details(json!({ "benefit_type_id": benefit_type_id }))
            .into(),
        None,
    )?;
    load(tx.conn(), id)
}

/// Active resources of the actor's district by exact name (at most two: two are ambiguous).
pub fn ids_by_name(conn: &mut DbConn, actor: &Actor, name: &str) -> RepoResult<Vec<Uuid>> {
    Ok(resources::table
        .filter(scope::resources(actor))
        .filter(resources::active.eq(true))
        .filter(resources::name.eq(name))
        .select(resources::id)
        .limit(2)
        .load::<DbUuid>(conn)?
        .into_iter()
        .map(|i| i.0)
        .collect())
}

/// The active resources of a benefit type (given by id, code or Korean name) in the actor's
/// district, as `(resource id, provider or creating organization)`.
pub fn of_benefit_type(
    conn: &mut DbConn,
    actor: &Actor,
    type_ref: &str,
) -> RepoResult<Vec<(Uuid, Uuid)>> {
    use crate::schema::benefit_types;
    let mut q = resources::table
        .inner_join(benefit_types::table)
        .filter(scope::resources(actor))
        .filter(resources::active.eq(true))
        .select((
            resources::id,
            resources::provider_org_id,
            resources::created_by_org_id,
        ))
        .into_boxed();
    q = match Uuid::parse_str(type_ref) {
        Ok(id) => q.filter(benefit_types::id.eq(DbUuid(id))),
        Err(_) => q.filter(
            benefit_types::code
                .eq(type_ref.to_owned())
                .or(benefit_types::name_ko.eq(type_ref.to_owned())),
        ),
    };
    Ok(q.load::<(DbUuid, Option<DbUuid>, DbUuid)>(conn)?
        .into_iter()
        .map(|(r, p, c)| (r.0, p.map_or(c.0, |p| p.0)))
        .collect())
}
