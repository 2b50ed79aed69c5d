//! Stored rows that more than one repository reads, with their mapping to domain values.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use hamkke_domain::person::{Flag, Person, Sex};

use crate::error::{corrupt, RepoError, RepoResult};
use crate::schema::persons;
use crate::types::{from_db, DbUuid};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = persons)]
pub(crate) struct PersonRow {
    id: DbUuid,
    name: String,
    birth_date: NaiveDate,
    sex: Option<String>,
    rrn_masked: Option<String>,
    phone: Option<String>,
    address: Option<String>,
    household_id: Option<DbUuid>,
    flags: String,
    registered_by_org_id: DbUuid,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    district_code: String,
}

impl TryFrom<PersonRow> for Person {
    type Error = RepoError;
    fn try_from(r: PersonRow) -> RepoResult<Self> {
        let flags = r
            .flags
            .split(',')
            .filter(|f| !f.is_empty())
            .map(|f| Flag::parse(f).ok_or_else(|| corrupt("persons.flags")))
            .collect::<RepoResult<Vec<_>>>()?;
        Ok(Person {
            id: r.id.0,
            name: r.name,
            birth_date: r.birth_date,
            sex: r
                .sex
                .as_deref()
                .map(|s| Sex::parse(s).ok_or_else(|| corrupt("persons.sex")))
                .transpose()?,
            rrn_masked: r.rrn_masked,
            phone: r.phone,
            address: r.address,
            household_id: r.household_id.map(Into::into),
            flags,
            registered_by_org_id: r.registered_by_org_id.0,
            district_code: r.district_code,
            version: r.version,
            created_at: from_db(r.created_at),
            updated_at: from_db(r.updated_at),
        })
    }
}
