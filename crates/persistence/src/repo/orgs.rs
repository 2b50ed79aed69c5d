//! Organizations.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hamkke_domain::authz::{self, Actor, OrgChange, OrgScope};
use hamkke_domain::event::{Change, Record, RecordChange};
use hamkke_domain::org::{
    check_links, DistrictCode, NewOrganization, OrgFacts, OrgKind, Organization, OrganizationPatch,
};
use hamkke_domain::DomainError;
use serde_json::json;
use uuid::Uuid;

use super::page::{Page, PageRequest};
use crate::conn::DbConn;
use crate::error::{corrupt, RepoError, RepoResult};
use crate::schema::organizations;
use crate::scope;
use crate::types::{from_db, to_db, DbUuid};
use crate::uow::Tx;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = organizations)]
pub(crate) struct OrgRow {
    id: DbUuid,
    name: String,
    kind: String,
    district_code: String,
    parent_id: Option<DbUuid>,
    hub_org_id: Option<DbUuid>,
    active: bool,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    admin_dong_code: Option<String>,
    registration_no: Option<String>,
}

impl TryFrom<OrgRow> for Organization {
    type Error = RepoError;
    fn try_from(r: OrgRow) -> RepoResult<Self> {
        let kind = OrgKind::parse(&r.kind).ok_or_else(|| corrupt("organizations.kind"))?;
        Ok(Organization {
            id: r.id.0,
            name: r.name,
            kind,
            district_code: r.district_code,
            parent_id: r.parent_id.map(Into::into),
            hub_org_id: r.hub_org_id.map(Into::into),
            admin_dong_code: r.admin_dong_code,
            registration_no: r.registration_no,
            active: r.active,
            version: r.version,
            created_at: from_db(r.created_at),
            updated_at: from_db(r.updated_at),
        })
    }
}

/// Loads an organization without any permission check (for internal use and rules).
pub(crate) fn load(conn: &mut DbConn, id: Uuid) -> RepoResult<Organization> {
    organizations::table
        .find(DbUuid(id))
        .select(OrgRow::as_select())
        .first(conn)?
        .try_into()
}

/// An organization named in a request (`field`) to take a role in a case of
/// `case_district`: an active operational organization of that district, else the request
/// answers as if it did not exist.
pub(crate) fn load_for_case(
    conn: &mut DbConn,
    case_district: &str,
    id: Uuid,
    field: &str,
) -> RepoResult<Organization> {
    match load(conn, id) {
        Ok(o) if authz::case_org(case_district, &o.facts(), o.active) => Ok(o),
        Ok(_) | Err(RepoError::NotFound) => Err(DomainError::unknown(field).into()),
        Err(e) => Err(e),
    }
}

/// A parent or hub named in a request: one the caller may not know of (another district's)
/// answers exactly like one that does not exist, 404 with the field.
fn load_link(
    conn: &mut DbConn,
    scope: &OrgScope,
    field: &str,
    id: Option<Uuid>,
) -> RepoResult<Option<OrgFacts>> {
    let Some(id) = id else { return Ok(None) };
    match load(conn, id) {
        Ok(o) if scope.covers(&o.district_code) => Ok(Some(o.facts())),
        Ok(_) | Err(RepoError::NotFound) => Err(DomainError::unknown(field).into()),
        Err(e) => Err(e),
    }
}

/// Inserts an organization with no permission check: for the CLI's bootstrap and seeding.
pub fn insert_unchecked(conn: &mut DbConn, new: &NewOrganization) -> RepoResult<Organization> {
    let parent = load_link(conn, &OrgScope::All, "parent_id", new.parent_id)?;
    let hub = load_link(conn, &OrgScope::All, "hub_org_id", new.hub_org_id)?;
    check_links(new.kind, &new.district_code, parent.as_ref(), hub.as_ref())?;
    hamkke_domain::org::check_admin_dong_code(new.kind, new.admin_dong_code.as_deref())?;
    let now = to_db(hamkke_domain::now());
    let row = OrgRow {
        id: Uuid::now_v7().into(),
        name: new.name.clone(),
        kind: new.kind.as_str().to_owned(),
        district_code: new.district_code.as_str().to_owned(),
        parent_id: new.parent_id.map(Into::into),
        hub_org_id: new.hub_org_id.map(Into::into),
        active: true,
        version: 1,
        created_at: now,
        updated_at: now,
        admin_dong_code: new.admin_dong_code.clone(),
        registration_no: None,
    };
    diesel::insert_into(organizations::table)
        .values(&row)
        .execute(conn)?;
    row.try_into()
}

/// The built-in organization that holds system administrators, created on first use.
pub fn system_org(conn: &mut DbConn) -> RepoResult<Organization> {
    let found: Option<OrgRow> = organizations::table
        .filter(organizations::kind.eq(OrgKind::System.as_str()))
        .select(OrgRow::as_select())
        .first(conn)
        .optional()?;
    match found {
        Some(row) => row.try_into(),
        None => insert_unchecked(
            conn,
            &NewOrganization {
                name: "hamkke system".into(),
                kind: OrgKind::System,
                district_code: DistrictCode::parse(DistrictCode::SYSTEM)?,
                parent_id: None,
                hub_org_id: None,
                admin_dong_code: None,
            },
        ),
    }
}

/// Creates an organization: system administrators; a district's coordinators its dong centres
/// and partner organizations, linked only to organizations of their district.
pub fn create(tx: &mut Tx<'_>, new: NewOrganization) -> RepoResult<Organization> {
    let actor = tx.actor();
    authz::create_org(
        actor,
        &OrgFacts {
            id: Uuid::nil(),
            kind: new.kind,
            district_code: new.district_code.as_str().to_owned(),
        },
    )?;
    if new.kind == OrgKind::System {
        return Err(DomainError::invalid(
            "kind",
            "invalid_value",
            "the system organization is built in",
        )
        .into());
    }
    let scope = authz::org_scope(actor);
    load_link(tx.conn(), &scope, "parent_id", new.parent_id)?;
    load_link(tx.conn(), &scope, "hub_org_id", new.hub_org_id)?;
    let org = insert_unchecked(tx.conn(), &new)?;
    tx.record(
        RecordChange::new(Record::Organization, Change::Created, org.id)
            .details(json!({ "kind": org.kind.as_str(), "district_code": org.district_code }))
            .into(),
        None,
    )?;
    Ok(org)
}

/// One organization the actor may see.
pub fn get(conn: &mut DbConn, actor: &Actor, id: Uuid) -> RepoResult<Organization> {
    let org = load(conn, id)?;
    authz::view_org(actor, &org.facts())?;
    Ok(org)
}

/// Filters of the organization listing.
#[derive(Debug, Clone, Default)]
pub struct OrgFilter {
    pub district_code: Option<String>,
    pub kind: Option<OrgKind>,
    pub sort: super::page::Sort,
}

/// The organizations the actor may see, by id.
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    filter: &OrgFilter,
    page: PageRequest,
) -> RepoResult<Page<Organization>> {
    let mut q = organizations::table
        .select(OrgRow::as_select())
        .filter(organizations::kind.ne(OrgKind::System.as_str()))
        .limit(page.limit + 1)
        .into_boxed();
    q = match filter.sort {
        super::page::Sort::Created => q.order(organizations::id.asc()),
        super::page::Sort::Name => q.order((organizations::name.asc(), organizations::id.asc())),
    };
    q = q.filter(scope::organizations(actor));
    if let Some(d) = &filter.district_code {
        q = q.filter(organizations::district_code.eq(d.clone()));
    }
    if let Some(k) = filter.kind {
        q = q.filter(organizations::kind.eq(k.as_str()));
    }
    if let Some(after) = page.after {
        let after = DbUuid(after);
        q = match filter.sort {
            super::page::Sort::Created => q.filter(organizations::id.gt(after)),
            super::page::Sort::Name => {
                // The cursor's own name; one the caller may not see starts past nothing.
                let name: Option<String> = organizations::table
                    .filter(organizations::id.eq(after))
                    .filter(scope::organizations(actor))
                    .select(organizations::name)
                    .first(conn)
                    .optional()?;
                let name = name.unwrap_or_default();
                q.filter(
                    organizations::name.gt(name.clone()).or(organizations::name
                        .eq(name)
                        .and(organizations::id.gt(after))),
                )
            }
        };
    }
    let rows = q.load(conn)?;
    let items = rows
        .into_iter()
        .map(Organization::try_from)
        .collect::<RepoResult<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, page.limit, |o| o.id))
}

/// Applies a change when `expected_version` is still current; says whether it deactivated the
/// organization (the workflow `app::access::update_org` then ends its members' sessions).
pub fn update(
    tx: &mut Tx<'_>,
    id: Uuid,
    expected_version: i32,
    patch: OrganizationPatch,
) -> RepoResult<(Organization, bool)> {
    let actor = tx.actor();
    let current = load(tx.conn(), id)?;
    let change = OrgChange {
        links: patch.parent_id.is_some()
            || patch.hub_org_id.is_some()
            || patch.admin_dong_code.is_some()
            || patch.active.is_some(),
    };
    authz::update_org(actor, &current.facts(), &change)?;
    let parent_id = patch.parent_id.unwrap_or(current.parent_id);
    let hub_org_id = patch.hub_org_id.unwrap_or(current.hub_org_id);
    let admin_dong_code = patch
        .admin_dong_code
        .clone()
        .unwrap_or(current.admin_dong_code.clone());
    hamkke_domain::org::check_admin_dong_code(current.kind, admin_dong_code.as_deref())?;
    if let Some(Some(no)) = &patch.registration_no {
        let b = no.as_bytes();
        let shaped = b.len() == 12
            && b[3] == b'-'
            && b[6] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 3 || i == 6 || c.is_ascii_digit());
        if !shaped {
            return Err(
                DomainError::invalid("registration_no", "invalid_format", "NNN-NN-NNNNN").into(),
            );
        }
    }
    let scope = authz::org_scope(actor);
    let parent = load_link(tx.conn(), &scope, "parent_id", parent_id)?;
    let hub = load_link(tx.conn(), &scope, "hub_org_id", hub_org_id)?;
    check_links(
        current.kind,
        &DistrictCode::parse(&current.district_code)?,
        parent.as_ref(),
        hub.as_ref(),
    )?;
    crate::update_versioned!(
        tx.conn(),
        organizations,
        id,
        expected_version,
        (
            organizations::name.eq(patch.name.clone().unwrap_or(current.name.clone())),
            organizations::parent_id.eq(parent_id.map(DbUuid)),
            organizations::hub_org_id.eq(hub_org_id.map(DbUuid)),
            organizations::admin_dong_code.eq(admin_dong_code),
            organizations::registration_no.eq(patch
                .registration_no
                .clone()
                .unwrap_or(current.registration_no.clone())),
            organizations::active.eq(patch.active.unwrap_or(current.active)),
        )
    )?;
    let deactivated = patch.active == Some(false) && current.active;
    let fields: Vec<&str> = [
        patch.name.as_ref().map(|_| "name"),
        patch.parent_id.map(|_| "parent_id"),
        patch.hub_org_id.map(|_| "hub_org_id"),
        patch.admin_dong_code.as_ref().map(|_| "admin_dong_code"),
        patch.registration_no.as_ref().map(|_| "registration_no"),
        patch.active.map(|_| "active"),
    ]
    .into_iter()
    .flatten()
    .collect();
    tx.record(
        RecordChange::new(Record::Organization, Change::Updated, id)
            .details(json!({ "fields": fields }))
            .into(),
        None,
    )?;
    Ok((load(tx.conn(), id)?, deactivated))
}

/// Active organizations of the actor's district by name as lists write it: exactly, else
/// ignoring spaces and a parenthesized suffix (`마포 복지관(본관)` is `마포복지관`); at most two.
pub fn ids_by_loose_name(conn: &mut DbConn, actor: &Actor, name: &str) -> RepoResult<Vec<Uuid>> {
    let exact = ids_by_name(conn, actor, name)?;
    if !exact.is_empty() {
        return Ok(exact);
    }
    fn loose(s: &str) -> String {
        let s = s.trim();
        let s = match s.rfind('(') {
            Some(i) if i > 0 && s.ends_with(')') => &s[..i],
            _ => s,
        };
        s.chars().filter(|c| !c.is_whitespace()).collect()
    }
    let want = loose(name);
    let all: Vec<(DbUuid, String)> = organizations::table
        .filter(scope::district_organizations(actor))
        .filter(organizations::active.eq(true))
        .select((organizations::id, organizations::name))
        .load(conn)?;
    Ok(all
        .into_iter()
        .filter(|(_, n)| loose(n) == want)
        .map(|(id, _)| id.0)
        .take(2)
        .collect())
}

/// Active organizations of the actor's district by exact name (at most two).
pub fn ids_by_name(conn: &mut DbConn, actor: &Actor, name: &str) -> RepoResult<Vec<Uuid>> {
    Ok(organizations::table
        .filter(scope::district_organizations(actor))
        .filter(organizations::active.eq(true))
        .filter(organizations::name.eq(name))
        .select(organizations::id)
        .limit(2)
        .load::<DbUuid>(conn)?
        .into_iter()
        .map(|i| i.0)
        .collect())
}
