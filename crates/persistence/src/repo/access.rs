//! The facts behind "may this organization see this person's details?", loaded in batches so
//! a search of 200 people costs four queries, not eight hundred.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use hamkke_domain::authz::{self, Actor, PersonAccess};
use hamkke_domain::case::Status;
use hamkke_domain::person::{mask_name, Person, PersonView};
use uuid::Uuid;

use crate::conn::DbConn;
use crate::error::RepoResult;
use crate::lists::{in_ids, in_texts, not_in_texts};
use crate::schema::{case_members, case_participants, cases, consent_organizations, consents};
use crate::types::{to_db, DbUuid};

/// Who a person is, for access decisions: id, registering organization, district.
pub type PersonKey = (Uuid, Uuid, String);

/// The access key of a person.
pub fn key_of(p: &Person) -> PersonKey {
    (p.id, p.registered_by_org_id, p.district_code.clone())
}

/// Access facts for each person (by id, with who registered them and their district).
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
    if person_ids.is_empty() {
        return Ok(people
            .iter()
            .map(|(p, _, _)| (*p, PersonAccess::default()))
            .collect());
    }
    let now = to_db(crate::now());
    let org = DbUuid(actor.org_id);
    // One statement for both kinds of consent that can name the actor's organization: one
    // naming organizations, and one for case participants, which covers the organizations
    // that took part when it was recorded (listed with it): joining a case later, by a
    // referral say, does not widen it.
    let consented: Vec<(DbUuid, String)> = crate::native!(conn, |c| consents::table
        .inner_join(consent_organizations::table)
        .filter(in_ids(consents::person_id, person_ids.iter().copied()))
        .filter(in_texts(
            consents::scope,
            ["organizations", "case_participants"]
        ))
        .filter(consent_organizations::org_id.eq(org))
        .filter(consents::withdrawn_at.is_null())
        .filter(consents::expires_at.gt(now))
        .filter(
            consents::self_recorded
                .eq(false)
                .or(consents::form_attached_at.is_not_null()),
        )
        .select((consents::person_id, consents::scope))
        .load(c))?;
    let consent_of = |scope: &str| -> HashSet<DbUuid> {
        consented
            .iter()
            .filter(|(_, s)| s == scope)
            .map(|(p, _)| *p)
            .collect()
    };
    let named = consent_of("organizations");
    let for_participants = consent_of("case_participants");
    // One query for both facts: the lead is a participant of its own cases. A household case
    // counts for each of its members.
    let mine: Vec<(DbUuid, DbUuid, String)> = case_members::table
        .inner_join(cases::table.inner_join(case_participants::table))
        .filter(in_ids(case_members::person_id, person_ids.iter().copied()))
        .filter(case_participants::org_id.eq(org))
        .select((case_members::person_id, cases::lead_org_id, cases::status))
        .load(conn)?;
    let closed = closed_statuses();
    let participating: HashSet<DbUuid> = mine.iter().map(|(p, _, _)| *p).collect();
    let leading: HashSet<DbUuid> = mine
        .iter()
        .filter(|(_, lead, status)| *lead == org && !closed.contains(&status.as_str()))
        .map(|(p, _, _)| *p)
        .collect();
    Ok(people
        .iter()
        .map(|(p, registered_by, district)| {
            let id = DbUuid(*p);
            if *district != actor.district_code {
                return (*p, PersonAccess::default());
            }
            (
                *p,
                PersonAccess {
                    in_district: true,
                    leads_open_case: leading.contains(&id),
                    registered_by_own_org: *registered_by == actor.org_id,
                    consent_names_org: named.contains(&id),
                    consent_for_participants: for_participants.contains(&id),
                    participates_in_a_case: participating.contains(&id),
                },
            )
        })
        .collect())
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
