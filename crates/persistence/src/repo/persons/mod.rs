//! Persons (clients): registration with RRN protection, search, redacted and full views.

use chrono::NaiveDate;
use diesel::prelude::*;
use hamkke_domain::authz::{self, Actor};
use hamkke_domain::event::{Change, Record, RecordChange};
use hamkke_domain::person::{Flag, NewPerson, Person, PersonPatch, PersonView, Rrn};
use serde_json::json;
use uuid::Uuid;

use super::access;
use super::page::{Page, PageRequest};
use super::rows::PersonRow;
use crate::audit::{self, AuditAction, AuditCtx, AuditEntry};
use crate::conn::DbConn;
use crate::crypto::PersonKeys;
use crate::error::{RepoError, RepoResult};
use crate::lists::in_texts;
pub use crate::rotation::RotationReport;
use crate::schema::persons;
use crate::scope;
use crate::types::{to_db, DbUuid};
use crate::uow::{Rx, Tx};

fn flags_text(flags: &[Flag]) -> String {
    let mut f: Vec<Flag> = flags.to_vec();
    f.sort();
    f.dedup();
    f.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(",")
}

/// Loads a person without any permission check.
pub(crate) fn load(conn: &mut DbConn, id: Uuid) -> RepoResult<Person> {
    persons::table
        .find(DbUuid(id))
        .select(PersonRow::as_select())
        .first(conn)?
        .try_into()
}

/// The person an allocation names, as its check needs it.
pub(crate) struct Recipient {
    pub person: Person,
    /// The ids of everyone in its household (the person included; none without a household),
    /// when asked for.
    pub members: Option<Vec<Uuid>>,
    /// Whether it has an open strong duplicate pair (`identity::has_strong_pair`).
    pub paired: bool,
}

/// A person with, when `household`, the ids of its household's members, and whether it has an
/// open strong duplicate pair scoring at least `strong` — in one statement.
pub(crate) fn load_recipient(
    conn: &mut DbConn,
    id: Uuid,
    household: bool,
    strong: u8,
) -> RepoResult<Recipient> {
    let members = diesel::alias!(persons as members);
    let paired = || crate::rendered::Rendered(super::identity::has_strong_pair(i32::from(strong)));
    // (every check runs this: on the backend's own connection, so the selection is built for
    // each)
    macro_rules! household {
        () => {
            persons::table
                .left_join(
                    members.on(members
                        .field(persons::household_id)
                        .eq(persons::household_id)),
                )
                .filter(persons::id.eq(DbUuid(id)))
                .select((
                    PersonRow::as_select(),
                    paired(),
                    members.field(persons::id).nullable(),
                ))
        };
    }
    macro_rules! alone {
        () => {
            persons::table
                .filter(persons::id.eq(DbUuid(id)))
                .select((PersonRow::as_select(), paired()))
        };
    }
    if !household {
        let (row, paired): (PersonRow, bool) = crate::native!(conn, |c| alone!().first(c))?;
        return Ok(Recipient {
            person: row.try_into()?,
            members: None,
            paired,
        });
    }
    let rows: Vec<(PersonRow, bool, Option<DbUuid>)> =
        crate::native!(conn, |c| household!().load(c))?;
    let mut rows = rows.into_iter();
    let Some((row, paired, first)) = rows.next() else {
        return Err(RepoError::NotFound);
    };
    let person: Person = row.try_into()?;
    let ids = first
        .into_iter()
        .chain(rows.filter_map(|(_, _, m)| m))
        .map(|m| m.0)
        .collect();
    Ok(Recipient {
        members: person.household_id.map(|_| ids),
        person,
        paired,
    })
}

fn find_by_rrn(conn: &mut DbConn, keys: &PersonKeys, rrn: &Rrn) -> RepoResult<Option<Uuid>> {
    Ok(persons::table
        .filter(in_texts(persons::rrn_hmac, keys.lookup_hashes(rrn)))
        .select(persons::id)
        .first::<DbUuid>(conn)
        .optional()?
        .map(|d| d.0))
}

/// The registration that holds this RRN: its id and, when it is of another district, only
/// that district (no name, nothing else).
fn already_registered(conn: &mut DbConn, id: Uuid) -> RepoResult<RepoError> {
    let district: String = persons::table
        .find(DbUuid(id))
        .select(persons::district_code)
        .first(conn)?;
    Ok(RepoError::Conflict {
        code: "person_already_registered",
        detail: "a person with this resident registration number is already registered".into(),
        extensions: Some(json!({ "person_id": id, "district_code": district })),
    })
}

fn audit_view(conn: &mut DbConn, ctx: &AuditCtx, view: &PersonView) -> RepoResult<()> {
    let (id, redacted) = match view {
        PersonView::Full(p) => (p.id, false),
        PersonView::Redacted { id, .. } => (*id, true),
    };
    let mut entry = AuditEntry::new(AuditAction::View, "person", Some(id.to_string()))
        .with_details(json!({ "redacted": redacted }));
    entry.person_id = Some(id);
    audit::record(conn, ctx, entry)
}

/// Registers a person. An RRN that is already registered answers `person_already_registered`
/// with the existing person's id, and nothing is written. Without an RRN, the persons of the
/// district who may be the same are returned (queued for review by `app::persons::register`);
/// with `refuse` they answer 409 `possible_duplicate_person` instead, and nothing is written.
pub(crate) fn create(
    tx: &mut Tx<'_>,
    keys: &PersonKeys,
    new: NewPerson,
    refuse: bool,
) -> RepoResult<(PersonView, Vec<super::identity::Candidate>)> {
    let actor = tx.actor();
    tx.authorize(authz::register_person(actor))?;
    // Registrations of one name and birth date wait for each other, so each sees the other as
    // a possible duplicate.
    crate::guard::lock_identity(tx.conn(), &actor.district_code, &new.name, new.birth_date)?;
    insert(tx, keys, &new, refuse)
}

/// What registering the person of an import row came to.
#[derive(Debug)]
pub enum ImportRegistration {
    /// Registered now.
    Registered(Uuid),
    /// Registered meanwhile by another import of the same list: the one person of the district
    /// with this name and birth date.
    Existing(Uuid),
    /// Held back: persons of the district strongly like this one.
    PossibleDuplicate(Vec<super::identity::Candidate>),
}

/// Registers the person of an import row (`register_missing`) unless the district already
/// has them: decided under the identity lock, so concurrent imports of one list register each
/// new person once. A person registered now comes with the persons of the district who may be
/// the same (queued for review by `app::persons::register_for_import`).
pub(crate) fn register_for_import(
    tx: &mut Tx<'_>,
    keys: &PersonKeys,
    new: NewPerson,
    strong: u8,
) -> RepoResult<(ImportRegistration, Vec<super::identity::Candidate>)> {
    let actor = tx.actor();
    tx.authorize(authz::register_person(actor))?;
    let conn = tx.conn();
    crate::guard::lock_identity(conn, &actor.district_code, &new.name, new.birth_date)?;
    if new.rrn.is_none() {
        if let [one] = ids_by_name_and_birth(conn, actor, &new.name, new.birth_date)?[..] {
            return Ok((ImportRegistration::Existing(one), Vec::new()));
        }
        let strong = super::identity::strong_candidates_for(conn, actor, &new, strong)?;
        if !strong.is_empty() {
            return Ok((ImportRegistration::PossibleDuplicate(strong), Vec::new()));
        }
    }
    let (view, found) = insert(tx, keys, &new, false)?;
    Ok((ImportRegistration::Registered(view.id()), found))
}

/// Writes a new person in the caller's unit of work (see `create`).
fn insert(
    tx: &mut Tx<'_>,
    keys: &PersonKeys,
    new: &NewPerson,
    refuse: bool,
) -> RepoResult<(PersonView, Vec<super::identity::Candidate>)> {
    let (conn, actor, _) = tx.parts();
    if let Some(h) = new.household_id {
        super::households::load_usable(conn, actor, h, "household_id")?;
    }
    let (cipher, hmac, masked) = match &new.rrn {
        Some(rrn) => {
            if let Some(existing) = find_by_rrn(conn, keys, rrn)? {
                return Err(already_registered(conn, existing)?);
            }
            (
                Some(keys.encrypt(rrn)),
                Some(keys.lookup_hash(rrn)),
                Some(rrn.masked()),
            )
        }
        None => (None, None, None),
    };
    let now = to_db(crate::now());
    let id = Uuid::now_v7();
    // In a savepoint when there is a number: two registrations of one number at once, the
    // unique index lets one through, and the other answers like a registration of a known
    // number (read after the savepoint, in the same unit of work).
    let write = |conn: &mut DbConn| {
        diesel::insert_into(persons::table)
            .values((
                persons::id.eq(DbUuid(id)),
                persons::name.eq(&new.name),
                persons::birth_date.eq(new.birth_date),
                persons::sex.eq(new.sex.map(|s| s.as_str())),
                persons::rrn_cipher.eq(cipher),
                persons::rrn_hmac.eq(hmac),
                persons::rrn_masked.eq(masked),
                persons::phone.eq(&new.phone),
                persons::address.eq(&new.address),
                persons::household_id.eq(new.household_id.map(DbUuid)),
                persons::flags.eq(flags_text(&new.flags)),
                persons::registered_by_org_id.eq(DbUuid(actor.org_id)),
                persons::district_code.eq(&actor.district_code),
                persons::allocation_seq.eq(0i64),
                persons::version.eq(1),
                persons::created_at.eq(now),
                persons::updated_at.eq(now),
            ))
            .execute(conn)
    };
    match &new.rrn {
        None => write(conn).map(drop)?,
        Some(rrn) => match conn.transaction(write) {
            Ok(_) => {}
            Err(e) if RepoError::is_unique_violation(&e) => match find_by_rrn(conn, keys, rrn)? {
                Some(existing) => return Err(already_registered(conn, existing)?),
                None => return Err(e.into()),
            },
            Err(e) => return Err(e.into()),
        },
    }
    let person = load(conn, id)?;
    let mut found = Vec::new();
    if new.rrn.is_none() {
        let f = super::identity::fingerprint(conn, &person)?;
        found = super::identity::candidates(conn, &actor.district_code, &f, Some(id))?;
        if refuse && !found.is_empty() {
            return Err(RepoError::Conflict {
                code: "possible_duplicate_person",
                detail: "persons of the district may be the same person; check them, or register without on_possible_duplicate=refuse".into(),
                extensions: Some(json!({ "possible_duplicates": candidates_json(&found) })),
            });
        }
    }
    let details = if found.is_empty() {
        json!({})
    } else {
        json!({ "possible_duplicates": found.len() })
    };
    tx.record(
        RecordChange::new(Record::Person, Change::Created, id)
            .details(details)
            .into(),
        Some(id),
    )?;
    Ok((PersonView::Full(person), found))
}

/// Candidates as problem members: ids, score, reasons, masked name, birth year, registrar.
pub fn candidates_json(found: &[super::identity::Candidate]) -> serde_json::Value {
    serde_json::Value::Array(
        found
            .iter()
            .map(|c| {
                json!({
                    "person_id": c.person_id,
                    "score": c.score,
                    "reasons": c.reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
                    "masked_name": c.masked_name,
                    "birth_year": c.birth_year,
                    "registered_by_org_id": c.registered_by_org_id,
                    "registered_by_org_name": c.registered_by_org_name,
                })
            })
            .collect(),
    )
}

/// A person read: the person, or the survivor a merged record now redirects to.
#[derive(Debug, Clone)]
pub enum Found {
    Person(Box<PersonView>),
    MergedInto(Uuid),
}

/// What the actor may see of one person; the read is audited. A merged record answers with its
/// survivor, for callers who may reach it.
pub fn get(rx: &mut Rx<'_>, id: Uuid) -> RepoResult<Found> {
    let (conn, actor, ctx) = rx.parts();
    // The person, the record it was merged into if any, and what the actor may see of it, in
    // one statement (a snapshot of its own: no transaction).
    let found: Option<(PersonRow, Option<DbUuid>, access::Facts)> =
        crate::native!(conn, |c| persons::table
            .find(DbUuid(id))
            .select((
                PersonRow::as_select(),
                persons::merged_into,
                access::fact_columns(actor),
            ))
            .first(c)
            .optional())?;
    let (row, merged, facts) = found.ok_or(RepoError::NotFound)?;
    if let Some(survivor) = merged {
        let p = load(conn, survivor.0)?;
        authz::reach_person(actor, &p.district_code)?;
        return Ok(Found::MergedInto(survivor.0));
    }
    let person: Person = row.try_into()?;
    authz::reach_person(actor, &person.district_code)?;
    let key = access::key_of(&person);
    let rights =
        std::collections::HashMap::from([(person.id, access::access_of(actor, &key, facts))]);
    let view = access::views_with(conn, actor, vec![person], &rights)?
        .pop()
        .ok_or(RepoError::NotFound)?;
    audit_view(conn, ctx, &view)?;
    Ok(Found::Person(Box::new(view)))
}

/// Search filters: a name prefix or an exact RRN (`q`), and/or a birth date.
#[derive(Debug, Clone, Default)]
pub struct PersonSearch {
    pub q: Option<String>,
    pub birth_date: Option<NaiveDate>,
}

/// What a search found: persons of the caller's district it may find, and for an exact RRN
/// registered in another district, only the id and that district.
#[derive(Debug, Clone)]
pub struct SearchResult {
    pub page: Page<PersonView>,
    pub elsewhere: Vec<(Uuid, String)>,
}

fn like_prefix(q: &str) -> String {
    let mut out = String::with_capacity(q.len() + 1);
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Searches persons of the caller's district; each result is full or redacted as the actor
/// may see it, and a person it may only see redacted is found only by exact RRN or by exact
/// full name with birth date (`authz::may_find`), so a prefix never unmasks a name. An RRN
/// of another district answers only where it is registered. The search is audited (its
/// filters are not: they may be personal data).
pub fn search(
    rx: &mut Rx<'_>,
    keys: &PersonKeys,
    s: &PersonSearch,
    page: PageRequest,
) -> RepoResult<SearchResult> {
    rx.consistent(|rx| {
        let actor = rx.actor();
        let ctx = rx.ctx();
        // The register this search covers (`authz::person_scope`); an exact RRN is looked up
        // everywhere, and answers only the district when it is registered elsewhere.
        let authz::DistrictScope::District(district) = authz::person_scope(actor) else {
            return Err(hamkke_domain::DomainError::only(
                hamkke_domain::Who::Caseworker,
                "no person register to search",
            )
            .into());
        };
        let text = s.q.as_deref().map(str::trim).filter(|t| !t.is_empty());
        let rrn = text.and_then(|t| Rrn::parse(t).ok());
        let mut q = persons::table
            .select(PersonRow::as_select())
            .filter(persons::merged_into.is_null())
            .order(persons::id.asc())
            .limit(page.limit + 1)
            .into_boxed();
        // `authz::may_find` in SQL, before the page's LIMIT (a page is never short for the people
        // the caller may not find): an exact RRN finds anyone (and answers only the district when
        // the person is registered elsewhere); the exact full name with the birth date finds its
        // person of the district; otherwise only those whose details the caller sees.
        match (&rrn, text) {
            (Some(rrn), _) => q = q.filter(in_texts(persons::rrn_hmac, keys.lookup_hashes(rrn))),
            (None, Some(text)) => {
                q = q
                    .filter(scope::person_register(actor))
                    .filter(persons::name.like(like_prefix(text)).escape('\\'));
                q = if s.birth_date.is_some() {
                    q.filter(scope::person_details(actor).or(persons::name.eq(text.to_owned())))
                } else {
                    q.filter(scope::person_details(actor))
                };
            }
            (None, None) => q = q.filter(scope::person_details(actor)),
        }
        if let Some(d) = s.birth_date {
            q = q.filter(persons::birth_date.eq(d));
        }
        if let Some(after) = page.after {
            q = q.filter(persons::id.gt(DbUuid(after)));
        }
        let people = q
            .load(rx.conn())?
            .into_iter()
            .map(Person::try_from)
            .collect::<RepoResult<Vec<_>>>()?;
        let scanned = Page::from_overfetch(people, page.limit, |p| p.id);
        let (here, elsewhere): (Vec<Person>, Vec<Person>) = scanned
            .items
            .into_iter()
            .partition(|p| p.district_code == district);
        let exact: std::collections::HashSet<Uuid> = here
            .iter()
            .filter(|p| {
                rrn.is_some()
                    || (text == Some(p.name.as_str()) && s.birth_date == Some(p.birth_date))
            })
            .map(|p| p.id)
            .collect();
        let facts = access::access_for(
            rx.conn(),
            actor,
            &here.iter().map(access::key_of).collect::<Vec<_>>(),
        )?;
        let findable: Vec<Person> = here
            .into_iter()
            .filter(|p| {
                facts
                    .get(&p.id)
                    .is_some_and(|a| authz::may_find(a, exact.contains(&p.id)))
            })
            .collect();
        let items = access::views_with(rx.conn(), actor, findable, &facts)?;
        let full = items
            .iter()
            .filter(|v| matches!(v, PersonView::Full(_)))
            .count();
        audit::record(
            rx.conn(),
            ctx,
            AuditEntry::new(AuditAction::View, "person_search", None).with_details(
                json!({ "results": items.len(), "full_views": full, "elsewhere": elsewhere.len() }),
            ),
        )?;
        Ok(SearchResult {
            page: Page {
                items,
                next_after: scanned.next_after,
            },
            elsewhere: elsewhere
                .into_iter()
                .map(|p| (p.id, p.district_code))
                .collect(),
        })
    })
}

/// Changes a person's record (details rights needed).
pub fn update(
    tx: &mut Tx<'_>,
    id: Uuid,
    expected_version: i32,
    patch: PersonPatch,
) -> RepoResult<PersonView> {
    let actor = tx.actor();
    let current = load(tx.conn(), id)?;
    authz::reach_person(actor, &current.district_code)?;
    let facts = access::access_for(tx.conn(), actor, &[access::key_of(&current)])?;
    let access = facts.get(&id).ok_or(RepoError::NotFound)?;
    authz::update_person(actor, access)?;
    crate::guard::lock_persons(tx.conn(), actor, &[id])?;
    let moves = patch.household_id.filter(|h| *h != current.household_id);
    if let Some(target) = moves {
        authz::move_household(actor, access)?;
        if let Some(h) = target {
            super::households::load_usable(tx.conn(), actor, h, "household_id")?;
        }
    }
    crate::update_versioned!(
        tx.conn(),
        persons,
        id,
        expected_version,
        (
            persons::name.eq(patch.name.clone().unwrap_or(current.name.clone())),
            persons::sex.eq(patch.sex.unwrap_or(current.sex).map(|s| s.as_str())),
            persons::phone.eq(patch.phone.clone().unwrap_or(current.phone.clone())),
            persons::address.eq(patch.address.clone().unwrap_or(current.address.clone())),
            persons::household_id.eq(patch
                .household_id
                .unwrap_or(current.household_id)
                .map(DbUuid)),
            persons::flags.eq(flags_text(patch.flags.as_deref().unwrap_or(&current.flags))),
        )
    )?;
    let details = match moves {
        Some(to) => json!({ "household_moved": { "from": current.household_id, "to": to } }),
        None => json!({}),
    };
    tx.record(
        RecordChange::new(Record::Person, Change::Updated, id)
            .details(details)
            .into(),
        Some(id),
    )?;
    Ok(PersonView::Full(load(tx.conn(), id)?))
}

/// The person's access facts for the actor (for rules outside this module).
pub fn access_facts(
    conn: &mut DbConn,
    actor: &Actor,
    id: Uuid,
) -> RepoResult<(Person, authz::PersonAccess)> {
    let person = load(conn, id)?;
    let facts = access::access_for(conn, actor, &[access::key_of(&person)])?;
    let access = facts.get(&id).cloned().unwrap_or_default();
    Ok((person, access))
}

/// The person registered with this RRN, by its keyed hash.
/// Up to two persons of the actor's district with exactly this name and birth date (two mean
/// the match is ambiguous). For imports of lists without RRNs.
pub fn ids_by_name_and_birth(
    conn: &mut DbConn,
    actor: &Actor,
    name: &str,
    birth_date: chrono::NaiveDate,
) -> RepoResult<Vec<Uuid>> {
    let authz::DistrictScope::District(district) = authz::person_scope(actor) else {
        return Ok(Vec::new());
    };
    Ok(persons::table
        .filter(persons::district_code.eq(district))
        .filter(persons::name.eq(name))
        .filter(persons::birth_date.eq(birth_date))
        .select(persons::id)
        .limit(2)
        .load::<DbUuid>(conn)?
        .into_iter()
        .map(|i| i.0)
        .collect())
}

pub fn id_by_rrn(conn: &mut DbConn, keys: &PersonKeys, rrn: &Rrn) -> RepoResult<Option<Uuid>> {
    find_by_rrn(conn, keys, rrn)
}

/// Who viewed or changed a person's data and when, oldest first.
pub fn access_log(
    conn: &mut DbConn,
    actor: &Actor,
    id: Uuid,
    after_id: Option<i64>,
    limit: i64,
) -> RepoResult<Vec<crate::audit::AuditRecord>> {
    use crate::schema::cases;
    let person = load(conn, id)?;
    let leads: bool = diesel::select(diesel::dsl::exists(
        crate::schema::case_members::table
            .filter(crate::schema::case_members::person_id.eq(DbUuid(id)))
            .filter(
                crate::schema::case_members::case_id.eq_any(
                    cases::table
                        .filter(scope::led_cases(actor))
                        .select(cases::id),
                ),
            ),
    ))
    .get_result(conn)?;
    authz::read_person_access_log(
        actor,
        &person.district_code,
        leads,
        person.registered_by_org_id == actor.org_id,
    )?;
    let merged_person_ids = tombstones_of(conn, id)?;
    crate::audit::list(
        conn,
        &crate::audit::AuditFilter {
            person_id: Some(id),
            merged_person_ids,
            after_id,
            limit,
            ..Default::default()
        },
    )
}

/// The audit event of a person's access log shown (on the primary, after its reads).
pub fn record_access_log_view(tx: &mut Tx<'_>, id: Uuid) -> RepoResult<()> {
    let ctx = tx.ctx();
    let mut entry = AuditEntry::new(AuditAction::View, "person_access_log", Some(id.to_string()));
    entry.person_id = Some(id);
    audit::record(tx.conn(), ctx, entry)
}

/// Re-encrypts every stored RRN and recomputes its lookup hash under the current keys, in
/// short transactions of `batch` rows, so the server keeps serving throughout. Safe to stop
/// and run again.
pub fn rotate_keys(
    conn: &mut DbConn,
    keys: &PersonKeys,
    batch: i64,
    mut progress: impl FnMut(&RotationReport),
) -> RepoResult<RotationReport> {
    let mut report = RotationReport::default();
    let mut after: Option<DbUuid> = None;
    loop {
        let mut q = persons::table
            .filter(
                persons::rrn_cipher
                    .is_not_null()
                    .or(persons::rrn_hmac.is_not_null()),
            )
            .order(persons::id.asc())
            .limit(batch)
            .select((persons::id, persons::rrn_cipher, persons::rrn_hmac))
            .into_boxed();
        if let Some(a) = after {
            q = q.filter(persons::id.gt(a));
        }
        let rows: Vec<(DbUuid, Option<String>, Option<String>)> = q.load(conn)?;
        let Some(last) = rows.last() else { break };
        after = Some(last.0);
        crate::uow::system(conn, "key_rotation", |conn| -> RepoResult<()> {
            for (id, cipher, hmac) in &rows {
                let Some(cipher) = cipher else {
                    report.lookup_only += 1;
                    continue;
                };
                let Some(rrn) = keys.decrypt(cipher) else {
                    report.unreadable += 1;
                    continue;
                };
                let hash = keys.lookup_hash(&rrn);
                if keys.is_current(cipher) && hmac.as_deref() == Some(hash.as_str()) {
                    report.already_current += 1;
                    continue;
                }
                diesel::update(persons::table.find(*id))
                    .set((
                        persons::rrn_cipher.eq(Some(keys.encrypt(&rrn))),
                        persons::rrn_hmac.eq(Some(hash)),
                    ))
                    .execute(conn)?;
                report.rotated += 1;
            }
            Ok(())
        })?;
        progress(&report);
    }
    Ok(report)
}

mod moves;

pub(crate) use moves::*;
