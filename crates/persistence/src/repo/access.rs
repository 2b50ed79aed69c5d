//! The facts behind "may this organization see this person's details?", loaded in batches so
//! a search of 200 people costs one statement for them, not eight hundred — or none of its
//! own, where the persons' read takes them as columns ([`fact_columns`]).

use std::collections::HashMap;

use diesel::expression::{is_aggregate, ValidGrouping};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{QueryFragment, QueryId};
use diesel::sql_types::Bool;
use diesel::sqlite::Sqlite;
use hamkke_domain::authz::{self, Actor, PersonAccess};
use hamkke_domain::case::Status;
use hamkke_domain::consent::ConsentScope;
use hamkke_domain::person::{mask_name, Person, PersonView};
use uuid::Uuid;

use crate::conn::DbConn;
use crate::error::RepoResult;
use crate::lists::{in_ids, not_in_texts};
use crate::rendered::Rendered;
use crate::schema::{
    case_members, case_participants, cases, consent_organizations, consents, persons,
};
use crate::types::{to_db, DbUuid};

/// Who a person is, for access decisions: id, registering organization, district.
pub type PersonKey = (Uuid, Uuid, String);

/// The access key of a person.
pub fn key_of(p: &Person) -> PersonKey {
    (p.id, p.registered_by_org_id, p.district_code.clone())
}

/// Access facts for each person (by id, with who registered them and their district), in one
/// statement: the persons of the actor's district by id, with [`fact_columns`].
pub fn access_for(
    conn: &mut DbConn,
    actor: &Actor,
    people: &[PersonKey],
) -> RepoResult<HashMap<Uuid, PersonAccess>> {
    let person_ids: Vec<Uuid> = people
        .iter()
        .filter(|(_, _, d)| *d == actor.district_code)
        .map(|(p, _, _)| *p)
        .collect();
    let facts: HashMap<Uuid, Facts> = if person_ids.is_empty() {
        HashMap::new()
    } else {
        let rows: Vec<(DbUuid, Facts)> = crate::native!(conn, |c| persons::table
            .filter(in_ids(persons::id, person_ids.iter().copied()))
            .select((persons::id, fact_columns(actor)))
            .load(c))?;
        rows.into_iter().map(|(id, f)| (id.0, f)).collect()
    };
    Ok(people
        .iter()
        .map(|key| {
            let found = facts.get(&key.0).copied().unwrap_or_default();
            (key.0, access_of(actor, key, found))
        })
        .collect())
}

/// What [`fact_columns`] read of one person: a live consent naming the actor's organization,
/// one for case participants covering it, a case of the person's it takes part in, an open
/// one it leads.
pub type Facts = (bool, bool, bool, bool);

/// A person's access facts from its key and the [`Facts`] its row was read with. Nothing
/// counts across the district wall.
pub fn access_of(
    actor: &Actor,
    (_, registered_by, district): &PersonKey,
    facts: Facts,
) -> PersonAccess {
    if *district != actor.district_code {
        return PersonAccess::default();
    }
    let (consent_names_org, consent_for_participants, participates_in_a_case, leads_open_case) =
        facts;
    PersonAccess {
        in_district: true,
        leads_open_case,
        registered_by_own_org: *registered_by == actor.org_id,
        consent_names_org,
        consent_for_participants,
        participates_in_a_case,
    }
}

/// A column of [`fact_columns`]: a condition on the statement's `persons` row, selectable
/// beside its own columns on either backend.
pub trait FactColumn:
    Expression<SqlType = Bool>
    + SelectableExpression<persons::table>
    + ValidGrouping<(), IsAggregate = is_aggregate::Never>
    + QueryFragment<Pg>
    + QueryFragment<Sqlite>
    + QueryId
    + Send
    + 'static
{
}

impl<T> FactColumn for T where
    T: Expression<SqlType = Bool>
        + SelectableExpression<persons::table>
        + ValidGrouping<(), IsAggregate = is_aggregate::Never>
        + QueryFragment<Pg>
        + QueryFragment<Sqlite>
        + QueryId
        + Send
        + 'static
{
}

/// The [`Facts`] of the statement's `persons` row, as four columns of it (correlated `EXISTS`
/// subqueries on the person's id), so that a read of persons learns what the actor may see of
/// them in the same round trip. [`Rendered`]: built without diesel walking each subquery
/// again for every tuple around it.
pub fn fact_columns(
    actor: &Actor,
) -> Rendered<(
    Rendered<impl FactColumn>,
    Rendered<impl FactColumn>,
    Rendered<impl FactColumn>,
    Rendered<impl FactColumn>,
)> {
    let now = to_db(crate::now());
    let org = DbUuid(actor.org_id);
    // Both kinds of consent that can name the actor's organization: one naming organizations,
    // and one for case participants, which covers the organizations that took part when it
    // was recorded (listed with it): joining a case later, by a referral say, does not widen it.
    let consent = |scope: ConsentScope| {
        diesel::dsl::exists(
            consents::table
                .inner_join(consent_organizations::table)
                .filter(consents::person_id.eq(persons::id))
                .filter(consents::scope.eq(scope.as_str()))
                .filter(consent_organizations::org_id.eq(org))
                .filter(consents::withdrawn_at.is_null())
                .filter(consents::expires_at.gt(now))
                .filter(
                    consents::self_recorded
                        .eq(false)
                        .or(consents::form_attached_at.is_not_null()),
                )
                .select(consents::person_id),
        )
    };
    // A household case counts for each of its members; the lead is a participant of its own
    // cases.
    let its_cases = || {
        case_members::table
            .inner_join(cases::table.inner_join(case_participants::table))
            .filter(case_members::person_id.eq(persons::id))
            .filter(case_participants::org_id.eq(org))
    };
    Rendered((
        Rendered(consent(ConsentScope::Organizations)),
        Rendered(consent(ConsentScope::CaseParticipants)),
        Rendered(diesel::dsl::exists(
            its_cases().select(case_members::person_id),
        )),
        Rendered(diesel::dsl::exists(
            its_cases()
                .filter(cases::lead_org_id.eq(org))
                .filter(not_in_texts(cases::status, closed_statuses()))
                .select(case_members::person_id),
        )),
    ))
}

/// Statuses of cases that are no longer open.
pub(crate) fn closed_statuses() -> Vec<&'static str> {
    Status::ALL
        .iter()
        .filter(|s| !s.is_open())
        .map(|s| s.as_str())
        .collect()
}

/// Lead organizations of each person's open cases.
pub fn open_case_leads(
    conn: &mut DbConn,
    person_ids: &[Uuid],
) -> RepoResult<HashMap<Uuid, Vec<Uuid>>> {
    let closed = closed_statuses();
    let rows: Vec<(DbUuid, DbUuid)> = crate::native!(conn, |c| case_members::table
        .inner_join(cases::table)
        .filter(in_ids(case_members::person_id, person_ids.iter().copied()))
        .filter(not_in_texts(cases::status, closed))
        .select((case_members::person_id, cases::lead_org_id))
        .load(c))?;
    let mut out: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (p, lead) in rows {
        let leads = out.entry(p.0).or_default();
        if !leads.contains(&lead.0) {
            leads.push(lead.0);
        }
    }
    Ok(out)
}

/// What the actor may see of each person, in the given order.
pub fn views(conn: &mut DbConn, actor: &Actor, people: Vec<Person>) -> RepoResult<Vec<PersonView>> {
    let keys: Vec<PersonKey> = people.iter().map(key_of).collect();
    let access = access_for(conn, actor, &keys)?;
    views_with(conn, actor, people, &access)
}

/// Like `views`, with the access facts already loaded (a search filters by them first).
pub fn views_with(
    conn: &mut DbConn,
    actor: &Actor,
    people: Vec<Person>,
    access: &HashMap<Uuid, PersonAccess>,
) -> RepoResult<Vec<PersonView>> {
    let redacted: Vec<Uuid> = people
        .iter()
        .filter(|p| !access.get(&p.id).is_some_and(authz::person_details))
        .map(|p| p.id)
        .collect();
    let leads = if redacted.is_empty() {
        HashMap::new()
    } else {
        open_case_leads(conn, &redacted)?
    };
    Ok(people
        .into_iter()
        // Persons of other districts never get a view, not even a redacted one.
        .filter(|p| p.district_code == actor.district_code)
        .map(|p| {
            if access.get(&p.id).is_some_and(authz::person_details) {
                PersonView::Full(p)
            } else {
                use chrono::Datelike;
                PersonView::Redacted {
                    id: p.id,
                    name_masked: mask_name(&p.name),
                    birth_year: p.birth_date.year(),
                    registered_by_org_id: p.registered_by_org_id,
                    district_code: p.district_code,
                    open_case_lead_org_ids: leads.get(&p.id).cloned().unwrap_or_default(),
                }
            }
        })
        .collect())
}
