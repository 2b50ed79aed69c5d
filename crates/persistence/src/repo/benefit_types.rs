//! The district benefit-type catalogue, each type with the duplicate policy every
//! organization's resources for it share.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hamkke_domain::allocation::{Category, DuplicatePolicy};
use hamkke_domain::authz::{self, Actor};
use hamkke_domain::benefit::{self, BenefitType};
use hamkke_domain::event::{Change, Record, RecordChange};
use hamkke_domain::DomainError;
use serde_json::json;
use uuid::Uuid;

use super::page::{Page, PageRequest};
use crate::audit::AuditCtx;
use crate::conn::DbConn;
use crate::error::corrupt;
use crate::error::{RepoError, RepoResult};
use crate::lists::in_texts;
use crate::schema::benefit_types;
use crate::scope;
use crate::types::{from_db, to_db, DbUuid};
use crate::uow::Tx;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = benefit_types)]
pub(crate) struct BenefitTypeRow {
    id: DbUuid,
    district_code: String,
    code: String,
    name_ko: String,
    name_en: String,
    category: String,
    description: Option<String>,
    type_group: Option<String>,
    duplicate_policy: String,
    amount_unit: String,
    active: bool,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TryFrom<BenefitTypeRow> for BenefitType {
    type Error = RepoError;
    fn try_from(r: BenefitTypeRow) -> RepoResult<Self> {
        let policy = serde_json::from_str(&r.duplicate_policy)
            .ok()
            .and_then(|v| DuplicatePolicy::from_json(&v))
            .ok_or_else(|| corrupt("benefit_types.duplicate_policy"))?;
        Ok(BenefitType {
            id: r.id.0,
            district_code: r.district_code,
            code: r.code,
            name_ko: r.name_ko,
            name_en: r.name_en,
            category: Category::parse(&r.category)
                .ok_or_else(|| corrupt("benefit_types.category"))?,
            description: r.description,
            group: r.type_group,
            policy,
            amount_unit: r.amount_unit,
            active: r.active,
            version: r.version,
            created_at: from_db(r.created_at),
            updated_at: from_db(r.updated_at),
        })
    }
}

/// A validated new benefit type.
#[derive(Debug, Clone)]
pub struct NewBenefitType {
    pub code: String,
    pub name_ko: String,
    pub name_en: String,
    pub category: Category,
    pub description: Option<String>,
    pub group: Option<String>,
    pub policy: DuplicatePolicy,
    pub amount_unit: String,
}

/// A validated change; `group: Some(None)` removes the type from its group.
#[derive(Debug, Clone, Default)]
pub struct BenefitTypePatch {
    pub name_ko: Option<String>,
    pub name_en: Option<String>,
    pub description: Option<Option<String>>,
    pub group: Option<Option<String>>,
    pub policy: Option<DuplicatePolicy>,
    pub amount_unit: Option<String>,
    pub active: Option<bool>,
}

pub(crate) fn load(conn: &mut DbConn, id: Uuid) -> RepoResult<BenefitType> {
    benefit_types::table
        .find(DbUuid(id))
        .select(BenefitTypeRow::as_select())
        .first(conn)?
        .try_into()
}

/// A benefit type of the actor's district (others do not exist for it).
pub(crate) fn load_visible(conn: &mut DbConn, actor: &Actor, id: Uuid) -> RepoResult<BenefitType> {
    let t = load(conn, id)?;
    authz::view_ledger(actor, &t.district_code)?;
    Ok(t)
}

/// An active benefit type of the actor's district named in a body: unknown, hidden and
/// retired ones are all `invalid_reference` on `field`.
pub(crate) fn load_usable(
    conn: &mut DbConn,
    actor: &Actor,
    id: Uuid,
    field: &str,
) -> RepoResult<BenefitType> {
    match load_visible(conn, actor, id) {
        Ok(t) if t.active => Ok(t),
        Ok(_) | Err(RepoError::NotFound) | Err(RepoError::Domain(_)) => {
            Err(DomainError::unknown(field).into())
        }
        Err(e) => Err(e),
    }
}

fn code_taken(conn: &mut DbConn, district: &str, code: &str) -> RepoResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        benefit_types::table
            .filter(benefit_types::district_code.eq(district))
            .filter(benefit_types::code.eq(code)),
    ))
    .get_result(conn)?)
}

/// Inserts a type for `district` without checking the caller (seeding, migrations' heirs).
fn insert(
    conn: &mut DbConn,
    district: &str,
    created_by: Option<Uuid>,
    new: &NewBenefitType,
) -> RepoResult<Uuid> {
    if code_taken(conn, district, &new.code)? {
        return Err(RepoError::conflict(
            "benefit_type_code_taken",
            "the district already has a benefit type with this code",
        ));
    }
    let id = Uuid::now_v7();
    let now = to_db(crate::now());
    diesel::insert_into(benefit_types::table)
        .values((
            benefit_types::id.eq(DbUuid(id)),
            benefit_types::district_code.eq(district),
            benefit_types::code.eq(&new.code),
            benefit_types::name_ko.eq(&new.name_ko),
            benefit_types::name_en.eq(&new.name_en),
            benefit_types::category.eq(new.category.as_str()),
            benefit_types::description.eq(&new.description),
            benefit_types::type_group.eq(&new.group),
            benefit_types::duplicate_policy.eq(new.policy.to_json().to_string()),
            benefit_types::amount_unit.eq(&new.amount_unit),
            benefit_types::active.eq(true),
            benefit_types::created_by_org_id.eq(created_by.map(DbUuid)),
            benefit_types::version.eq(1),
            benefit_types::created_at.eq(now),
            benefit_types::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}

pub fn create(tx: &mut Tx<'_>, new: NewBenefitType) -> RepoResult<BenefitType> {
    let actor = tx.actor();
    authz::keep_benefit_types(actor, &actor.district_code)?;
    benefit::check_new_policy(&new.policy)?;
    let id = insert(tx.conn(), &actor.district_code, Some(actor.org_id), &new)?;
    tx.record(
        RecordChange::new(Record::BenefitType, Change::Created, id)
            .details(json!({ "code": new.code, "group": new.group }))
            .into(),
        None,
    )?;
    load(tx.conn(), id)
}

pub fn get(conn: &mut DbConn, actor: &Actor, id: Uuid) -> RepoResult<BenefitType> {
    load_visible(conn, actor, id)
}

/// Filters of the catalogue.
#[derive(Debug, Clone, Default)]
pub struct BenefitTypeFilter {
    pub category: Option<Category>,
    pub group: Option<String>,
    pub active: Option<bool>,
}

/// The district's benefit types, by code.
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    f: &BenefitTypeFilter,
    page: PageRequest,
) -> RepoResult<Page<BenefitType>> {
    let mut q = benefit_types::table
        .filter(scope::benefit_types(actor))
        .select(BenefitTypeRow::as_select())
        .order(benefit_types::id.asc())
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(c) = f.category {
        q = q.filter(benefit_types::category.eq(c.as_str()));
    }
    if let Some(g) = &f.group {
        q = q.filter(benefit_types::type_group.eq(g.clone()));
    }
    if let Some(a) = f.active {
        q = q.filter(benefit_types::active.eq(a));
    }
    if let Some(after) = page.after {
        q = q.filter(benefit_types::id.gt(DbUuid(after)));
    }
    let items = q
        .load(conn)?
        .into_iter()
        .map(BenefitType::try_from)
        .collect::<RepoResult<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, page.limit, |t| t.id))
}

/// The benefit types of the actor's district in any of `groups`, in one statement (the
/// members of the groups a page of the catalogue shows).
pub fn group_members(
    conn: &mut DbConn,
    actor: &Actor,
    groups: &[String],
) -> RepoResult<Vec<BenefitType>> {
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    benefit_types::table
        .filter(scope::benefit_types(actor))
        .filter(in_texts(benefit_types::type_group, groups.to_vec()))
        .order((benefit_types::type_group.asc(), benefit_types::id.asc()))
        .select(BenefitTypeRow::as_select())
        .load(conn)?
        .into_iter()
        .map(BenefitType::try_from)
        .collect()
}

pub fn update(
    tx: &mut Tx<'_>,
    id: Uuid,
    expected_version: i32,
    patch: BenefitTypePatch,
) -> RepoResult<BenefitType> {
    let actor = tx.actor();
    let current = load_visible(tx.conn(), actor, id)?;
    authz::keep_benefit_types(actor, &current.district_code)?;
    if let Some(p) = &patch.policy {
        benefit::check_new_policy(p)?;
    }
    let policy = patch.policy.unwrap_or(current.policy);
    let group = patch.group.clone().unwrap_or(current.group);
    crate::update_versioned!(
        tx.conn(),
        benefit_types,
        id,
        expected_version,
        (
            benefit_types::name_ko.eq(patch.name_ko.unwrap_or(current.name_ko)),
            benefit_types::name_en.eq(patch.name_en.unwrap_or(current.name_en)),
            benefit_types::description.eq(patch.description.unwrap_or(current.description)),
            benefit_types::type_group.eq(&group),
            benefit_types::duplicate_policy.eq(policy.to_json().to_string()),
            benefit_types::amount_unit.eq(patch.amount_unit.unwrap_or(current.amount_unit)),
            benefit_types::active.eq(patch.active.unwrap_or(current.active)),
        )
    )?;
    tx.record(
        RecordChange::new(Record::BenefitType, Change::Updated, id)
            .details(json!({ "policy": policy.to_json(), "group": group }))
            .into(),
        None,
    )?;
    load(tx.conn(), id)
}

/// Adds a type to a district without an acting user (bootstrap and tests); the code must be
/// new in the district.
pub fn insert_unchecked(
    conn: &mut DbConn,
    district: &str,
    new: &NewBenefitType,
) -> RepoResult<BenefitType> {
    let id = insert(conn, district, None, new)?;
    load(conn, id)
}

/// What seeding the standard list did.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct SeedReport {
    pub added: usize,
    pub already_there: usize,
}

/// Loads the standard list into a district: types whose code the district already has are
/// left as the district keeps them (seeding again adds nothing).
pub fn seed_standard(conn: &mut DbConn, ctx: &AuditCtx, district: &str) -> RepoResult<SeedReport> {
    crate::uow::system(conn, "benefit_type_seed", |conn| {
        let mut report = SeedReport::default();
        for s in benefit::standard() {
            if code_taken(conn, district, s.code)? {
                report.already_there += 1;
                continue;
            }
            let new = NewBenefitType {
                code: s.code.into(),
                name_ko: s.name_ko.into(),
                name_en: s.name_en.into(),
                category: s.category,
                description: Some(s.description.into()),
                group: s.group.map(Into::into),
                policy: s.policy(),
                amount_unit: "원".into(),
            };
            let id = insert(conn, district, None, &new)?;
            // Each type seeded is a type created, as one added by a coordinator is.
            crate::uow::system_event(
                conn,
                ctx,
                district,
                RecordChange::new(Record::BenefitType, Change::Created, id)
                    .details(json!({ "code": new.code, "group": new.group, "seeded": true }))
                    .into(),
                None,
            )?;
            report.added += 1;
        }
        Ok(report)
    })
}
