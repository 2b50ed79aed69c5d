//! What a screen shows beside an id: organizations' and users' names, and a person's name as
//! far as the caller may see it (the full name where it sees the person's details, else the
//! masked name and birth year). A page asks for all its names at once, so naming costs a fixed
//! number of statements (at most five) whatever the page's length — never one per row.
//! Organizations' and users' names come from the server's catalogue cache while the
//! catalogue version the request saw is the one they were cached under (a rename moves it).

use std::collections::{HashMap, HashSet};

use chrono::Datelike;
use diesel::prelude::*;
use hamkke_domain::authz::{self, Actor};
use hamkke_domain::person::mask_name;
use uuid::Uuid;

use super::access::{access_of, fact_columns, Facts};
use crate::catalogue::{self, Named};
use crate::conn::DbConn;
use crate::error::RepoResult;
use crate::lists::in_ids;
use crate::schema::{benefit_types, cases, organizations, persons, users};
use crate::scope;
use crate::types::DbUuid;

/// The ids a page refers to, collected before their names are loaded.
#[derive(Debug, Default)]
pub struct Wanted {
    cases: HashSet<Uuid>,
    benefit_types: HashSet<Uuid>,
    orgs: HashSet<Uuid>,
    users: HashSet<Uuid>,
    persons: HashSet<Uuid>,
}

impl Wanted {
    /// A case: its number and its person's name.
    pub fn case(&mut self, id: Uuid) -> &mut Self {
        self.cases.insert(id);
        self
    }

    /// A benefit type: its Korean and English names.
    pub fn benefit_type(&mut self, id: Uuid) -> &mut Self {
        self.benefit_types.insert(id);
        self
    }

    pub fn org(&mut self, id: Uuid) -> &mut Self {
        self.orgs.insert(id);
        self
    }

    pub fn user(&mut self, id: Uuid) -> &mut Self {
        self.users.insert(id);
        self
    }

    pub fn person(&mut self, id: Uuid) -> &mut Self {
        self.persons.insert(id);
        self
    }

    /// Each of `ids` that is set.
    pub fn orgs(&mut self, ids: impl IntoIterator<Item = Option<Uuid>>) -> &mut Self {
        self.orgs.extend(ids.into_iter().flatten());
        self
    }

    pub fn users(&mut self, ids: impl IntoIterator<Item = Option<Uuid>>) -> &mut Self {
        self.users.extend(ids.into_iter().flatten());
        self
    }

    pub fn persons(&mut self, ids: impl IntoIterator<Item = Option<Uuid>>) -> &mut Self {
        self.persons.extend(ids.into_iter().flatten());
        self
    }

    /// Loads every name asked for: one statement for cases, one for organizations and one for
    /// users (none for the names the catalogue cache holds), and one for persons with their
    /// access facts (`access::fact_columns`).
    pub fn load(mut self, conn: &mut DbConn, actor: &Actor) -> RepoResult<Names> {
        let mut names = Names::default();
        if !self.cases.is_empty() {
            let rows: Vec<(DbUuid, String, DbUuid)> = crate::native!(conn, |c| cases::table
                .filter(in_ids(cases::id, self.cases.iter().copied()))
                .filter(scope::case_register(actor))
                .select((cases::id, cases::case_no, cases::person_id))
                .load(c))?;
            for (id, case_no, person) in rows {
                self.persons.insert(person.0);
                names.cases.insert(
                    id.0,
                    CaseRef {
                        case_no,
                        person_id: person.0,
                    },
                );
            }
        }
        if !self.benefit_types.is_empty() {
            let rows: Vec<(DbUuid, String, String)> =
                crate::native!(conn, |c| benefit_types::table
                    .filter(in_ids(
                        benefit_types::id,
                        self.benefit_types.iter().copied()
                    ))
                    .select((
                        benefit_types::id,
                        benefit_types::name_ko,
                        benefit_types::name_en,
                    ))
                    .load(c))?;
            names.benefit_types = rows
                .into_iter()
                .map(|(id, ko, en)| (id.0, (ko, en)))
                .collect();
        }
        names.orgs = cached_names(Named::Organization, &self.orgs, |ids| {
            crate::native!(conn, |c| organizations::table
                .filter(in_ids(organizations::id, ids))
                .select((organizations::id, organizations::name))
                .load(c))
        })?;
        names.users = cached_names(Named::User, &self.users, |ids| {
            crate::native!(conn, |c| users::table
                .filter(in_ids(users::id, ids))
                .select((users::id, users::display_name))
                .load(c))
        })?;
        if !self.persons.is_empty() {
            // The persons with what the caller may see of them, in one statement.
            type Row = (DbUuid, String, chrono::NaiveDate, DbUuid, String, Facts);
            let rows: Vec<Row> = crate::native!(conn, |c| persons::table
                .filter(in_ids(persons::id, self.persons.iter().copied()))
                // Never across the district wall, whatever the page refers to.
                .filter(scope::person_register(actor))
                .select((
                    persons::id,
                    persons::name,
                    persons::birth_date,
                    persons::registered_by_org_id,
                    persons::district_code,
                    fact_columns(actor),
                ))
                .load(c))?;
            names.persons = rows
                .into_iter()
                .map(|(id, name, birth, by, district, facts)| {
                    let access = access_of(actor, &(id.0, by.0, district), facts);
                    let full = authz::person_details(&access);
                    let shown = PersonName {
                        name: if full { name } else { mask_name(&name) },
                        birth_year: birth.year(),
                        masked: !full,
                    };
                    (id.0, shown)
                })
                .collect();
        }
        Ok(names)
    }
}

/// The names of `ids` from the catalogue cache, the rest read by `read` (one statement, none when
/// all are cached) and cached under the version the request saw.
fn cached_names(
    kind: Named,
    ids: &HashSet<Uuid>,
    read: impl FnOnce(Vec<DbUuid>) -> QueryResult<Vec<(DbUuid, String)>>,
) -> RepoResult<HashMap<Uuid, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let (mut names, missing) = catalogue::names(kind, ids.iter().copied());
    if !missing.is_empty() {
        let read: HashMap<Uuid, String> = read(missing.into_iter().map(DbUuid).collect())?
            .into_iter()
            .map(|(id, n)| (id.0, n))
            .collect();
        catalogue::put_names(kind, &read);
        names.extend(read);
    }
    Ok(names)
}

/// A person's name as the caller may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName {
    /// The full name, or the masked one (`김*수`).
    pub name: String,
    pub birth_year: i32,
    /// Whether `name` is masked (the caller does not see the person's details).
    pub masked: bool,
}

/// A case as a list names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRef {
    /// `YYYY-<district>-NNNNNN`.
    pub case_no: String,
    pub person_id: Uuid,
}

/// The names a page refers to.
#[derive(Debug, Default)]
pub struct Names {
    cases: HashMap<Uuid, CaseRef>,
    benefit_types: HashMap<Uuid, (String, String)>,
    orgs: HashMap<Uuid, String>,
    users: HashMap<Uuid, String>,
    persons: HashMap<Uuid, PersonName>,
}

impl Names {
    /// A case's number and person; `None` for a case of another district.
    pub fn case(&self, id: Uuid) -> Option<&CaseRef> {
        self.cases.get(&id)
    }

    /// A benefit type's Korean and English names (empty for an id that was not asked for).
    pub fn benefit_type(&self, id: Uuid) -> (String, String) {
        self.benefit_types.get(&id).cloned().unwrap_or_default()
    }

    /// An organization's name (empty for an id that was not asked for).
    pub fn org(&self, id: Uuid) -> String {
        self.orgs.get(&id).cloned().unwrap_or_default()
    }

    pub fn org_opt(&self, id: Option<Uuid>) -> Option<String> {
        id.map(|id| self.org(id))
    }

    /// A user's display name.
    pub fn user(&self, id: Uuid) -> String {
        self.users.get(&id).cloned().unwrap_or_default()
    }

    pub fn user_opt(&self, id: Option<Uuid>) -> Option<String> {
        id.map(|id| self.user(id))
    }

    /// A person's name as the caller may see it; `None` for a person it may not know of.
    pub fn person(&self, id: Uuid) -> Option<&PersonName> {
        self.persons.get(&id)
    }
}
