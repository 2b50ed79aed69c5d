//! Possible duplicate persons (동일인 의심): candidates at registration, a review queue for
//! district coordinators filled by registrations and scans, merge and dismissal.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use hamkke_domain::authz::Actor;
use hamkke_domain::event::{Change, Record, RecordChange};
use hamkke_domain::identity::{self as rules, Fingerprint, Prepared, Reason};
use hamkke_domain::person::{mask_name, Person};
use hamkke_domain::user::Role;
use hamkke_domain::DomainError;
use serde_json::json;
use uuid::Uuid;

use super::page::{Page, PageRequest};
use crate::audit::{self, AuditAction, AuditEntry};
use crate::conn::DbConn;
use crate::error::{RepoError, RepoResult};
use crate::lists::in_ids;
use crate::schema::{households, person_duplicates, persons};
use crate::types::{from_db, to_db, DbUuid};
use crate::uow::{Rx, Tx};

/// A person who may be the same as another, as any worker of the district may see them.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub person_id: Uuid,
    pub score: u8,
    pub reasons: Vec<Reason>,
    pub masked_name: String,
    pub birth_year: i32,
    pub registered_by_org_id: Uuid,
    /// The registering organization's name, so a worker knows whom to ask.
    pub registered_by_org_name: String,
}

type Row = (
    DbUuid,
    String,
    NaiveDate,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    DbUuid,
    bool,
);

/// The living (not merged) persons of a district born in one year, prepared for comparison.
fn year_block(conn: &mut DbConn, district: &str, year: i32) -> RepoResult<Vec<Prepped>> {
    let from = NaiveDate::from_ymd_opt(year, 1, 1).ok_or(RepoError::NotFound)?;
    let to = NaiveDate::from_ymd_opt(year, 12, 31).ok_or(RepoError::NotFound)?;
    let rows: Vec<Row> = persons::table
        .left_join(households::table)
        .filter(persons::district_code.eq(district))
        .filter(persons::merged_into.is_null())
        .filter(persons::birth_date.between(from, to))
        .select((
            persons::id,
            persons::name,
            persons::birth_date,
            persons::sex,
            persons::phone,
            persons::address,
            households::address.nullable(),
            persons::registered_by_org_id,
            persons::rrn_hmac.is_not_null(),
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(prepare).collect())
}

/// A prepared person: id, fingerprint, name, registering organization, whether an RRN is known.
type Prepped = (Uuid, Prepared, String, Uuid, bool);

fn prepare(r: Row) -> Prepped {
    let (id, name, birth, sex, phone, address, household_address, org, has_rrn) = r;
    let f = Fingerprint {
        name: name.clone(),
        birth_date: birth,
        sex: sex.as_deref().and_then(hamkke_domain::person::Sex::parse),
        phone,
        address: household_address.or(address),
        rrn_birth: None,
    };
    (id.0, Prepared::new(&f), name, org.0, has_rrn)
}

/// The fingerprint of a stored person (with the household's address).
pub(crate) fn fingerprint(conn: &mut DbConn, p: &Person) -> RepoResult<Fingerprint> {
    let household_address: Option<String> = match p.household_id {
        None => None,
        Some(h) => households::table
            .find(DbUuid(h))
            .select(households::address)
            .first(conn)
            .optional()?,
    };
    Ok(Fingerprint {
        name: p.name.clone(),
        birth_date: p.birth_date,
        sex: p.sex,
        phone: p.phone.clone(),
        address: household_address.or_else(|| p.address.clone()),
        rrn_birth: None,
    })
}

/// Up to ten persons of the district (other than `except`) who may be the same as `f`,
/// strongest first.
pub(crate) fn candidates(
    conn: &mut DbConn,
    district: &str,
    f: &Fingerprint,
    except: Option<Uuid>,
) -> RepoResult<Vec<Candidate>> {
    let me = Prepared::new(f);
    let mut out: Vec<Candidate> = year_block(conn, district, f.birth_date.year())?
        .into_iter()
        .filter(|(id, ..)| Some(*id) != except)
        .filter_map(|(id, other, name, org, _)| {
            let m = rules::score(&me, &other);
            (m.score >= rules::POSSIBLE).then(|| Candidate {
                person_id: id,
                score: m.score,
                reasons: m.reasons,
                masked_name: mask_name(&name),
                birth_year: other.birth_date.year(),
                registered_by_org_id: org,
                registered_by_org_name: String::new(),
            })
        })
        .collect();
    out.sort_by(|a, b| b.score.cmp(&a.score).then(a.person_id.cmp(&b.person_id)));
    out.truncate(10);
    let orgs: Vec<DbUuid> = out.iter().map(|c| DbUuid(c.registered_by_org_id)).collect();
    let names: HashMap<Uuid, String> = crate::schema::organizations::table
        .filter(in_ids(crate::schema::organizations::id, orgs))
        .select((
            crate::schema::organizations::id,
            crate::schema::organizations::name,
        ))
        .load::<(DbUuid, String)>(conn)?
        .into_iter()
        .map(|(id, name)| (id.0, name))
        .collect();
    for c in &mut out {
        c.registered_by_org_name = names
            .get(&c.registered_by_org_id)
            .cloned()
            .unwrap_or_default();
    }
    Ok(out)
}

fn reasons_text(reasons: &[Reason]) -> String {
    reasons
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// A person registered now, queued for review with each person of the district who may be the
/// same (`found` by the registration).
pub(crate) fn queue_registration(
    conn: &mut DbConn,
    district: &str,
    person_id: Uuid,
    found: &[Candidate],
) -> RepoResult<()> {
    let today = crate::today();
    for c in found {
        let m = rules::Match {
            score: c.score,
            reasons: c.reasons.clone(),
        };
        let pair = (person_id, c.person_id);
        queue_pair(conn, district, pair, &m, "registration", today)?;
    }
    Ok(())
}

/// Queues a pair (in id order) unless it is queued already; a dismissal that has expired
/// opens the pair again. Returns whether the pair is open now.
pub(crate) fn queue_pair(
    conn: &mut DbConn,
    district: &str,
    (a, b): (Uuid, Uuid),
    m: &rules::Match,
    found_by: &str,
    today: NaiveDate,
) -> RepoResult<bool> {
    let (score, reasons) = (m.score, &m.reasons);
    let (a, b) = if a < b { (a, b) } else { (b, a) };
    let existing: Option<(DbUuid, String, Option<NaiveDate>)> = person_duplicates::table
        .filter(person_duplicates::person_a.eq(DbUuid(a)))
        .filter(person_duplicates::person_b.eq(DbUuid(b)))
        .select((
            person_duplicates::id,
            person_duplicates::status,
            person_duplicates::dismissed_until,
        ))
        .first(conn)
        .optional()?;
    let now = to_db(crate::now());
    match existing {
        Some((id, status, until)) => {
            let expired = status == "dismissed" && until.is_some_and(|u| u < today);
            if expired {
                diesel::update(person_duplicates::table.find(id))
                    .set((
                        person_duplicates::status.eq("open"),
                        person_duplicates::score.eq(i32::from(score)),
                        person_duplicates::reasons.eq(reasons_text(reasons)),
                        person_duplicates::updated_at.eq(now),
                    ))
                    .execute(conn)?;
            }
            Ok(status == "open" || expired)
        }
        None => {
            // In a savepoint: a scan or a registration elsewhere may queue the same pair at
            // the same moment, and the unique pair index lets one through.
            let inserted = conn.transaction(|c| {
                diesel::insert_into(person_duplicates::table)
                    .values((
                        person_duplicates::id.eq(DbUuid(Uuid::now_v7())),
                        person_duplicates::district_code.eq(district),
                        person_duplicates::person_a.eq(DbUuid(a)),
                        person_duplicates::person_b.eq(DbUuid(b)),
                        person_duplicates::score.eq(i32::from(score)),
                        person_duplicates::reasons.eq(reasons_text(reasons)),
                        person_duplicates::status.eq("open"),
                        person_duplicates::found_by.eq(found_by),
                        person_duplicates::created_at.eq(now),
                        person_duplicates::updated_at.eq(now),
                    ))
                    .execute(c)
            });
            match inserted {
                Ok(_) => Ok(true),
                Err(e) if RepoError::is_unique_violation(&e) => Ok(true),
                Err(e) => Err(e.into()),
            }
        }
    }
}

/// Whether the statement's `persons` row has an open strong pair (scoring at least `strong`):
/// a column of it, so that a check learns in the person's own round trip whether
/// [`strong_partners`] has anything to find — almost never.
/// (Its concrete type, so that it can be selected beside a join.)
#[diesel::dsl::auto_type]
pub(crate) fn has_strong_pair(strong: i32) -> _ {
    diesel::dsl::exists(
        person_duplicates::table
            .filter(
                person_duplicates::person_a
                    .eq(persons::id)
                    .or(person_duplicates::person_b.eq(persons::id)),
            )
            .filter(person_duplicates::status.eq("open"))
            .filter(person_duplicates::score.ge(strong))
            .select(person_duplicates::person_a),
    )
}

/// The persons each of these is an open, strong candidate pair with (scoring at least `strong`,
/// `HAMKKE_DUPLICATE_STRONG_SCORE`).
pub(crate) fn strong_partners(
    conn: &mut DbConn,
    person_ids: &[Uuid],
    strong: u8,
) -> RepoResult<Vec<(Uuid, Uuid)>> {
    let mut out = Vec::new();
    for p in person_ids {
        let query = person_duplicates::table
            .filter(
                person_duplicates::person_a
                    .eq(DbUuid(*p))
                    .or(person_duplicates::person_b.eq(DbUuid(*p))),
            )
            .filter(person_duplicates::status.eq("open"))
            .filter(person_duplicates::score.ge(i32::from(strong)))
            .select((person_duplicates::person_a, person_duplicates::person_b));
        // (every check runs this: on the backend's own connection)
        let rows: Vec<(DbUuid, DbUuid)> = crate::native!(&mut *conn, |c| query.load(c))?;
        for (a, b) in rows {
            let other = if a.0 == *p { b.0 } else { a.0 };
            out.push((*p, other));
        }
    }
    Ok(out)
}

/// A person's open strong pairs, for a coordinator reviewing an override: (pair, the other
/// person, score).
pub(crate) fn strong_pairs_of(
    conn: &mut DbConn,
    person_id: Uuid,
    strong: u8,
) -> RepoResult<Vec<(Uuid, Uuid, u8)>> {
    let rows: Vec<(DbUuid, DbUuid, DbUuid, i32)> = person_duplicates::table
        .filter(
            person_duplicates::person_a
                .eq(DbUuid(person_id))
                .or(person_duplicates::person_b.eq(DbUuid(person_id))),
        )
        .filter(person_duplicates::status.eq("open"))
        .filter(person_duplicates::score.ge(i32::from(strong)))
        .order(person_duplicates::id.asc())
        .select((
            person_duplicates::id,
            person_duplicates::person_a,
            person_duplicates::person_b,
            person_duplicates::score,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, a, b, score)| {
            let other = if a.0 == person_id { b.0 } else { a.0 };
            (id.0, other, u8::try_from(score).unwrap_or(100))
        })
        .collect())
}

/// A queued pair.
#[derive(Debug, Clone)]
pub struct Pair {
    pub id: Uuid,
    pub district_code: String,
    pub person_a: Candidate,
    pub person_b: Candidate,
    pub score: u8,
    pub reasons: Vec<String>,
    pub status: String,
    pub found_by: String,
    pub dismiss_reason: Option<String>,
    pub dismissed_until: Option<NaiveDate>,
    pub survivor_id: Option<Uuid>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = person_duplicates)]
struct PairRow {
    id: DbUuid,
    district_code: String,
    person_a: DbUuid,
    person_b: DbUuid,
    score: i32,
    reasons: String,
    status: String,
    found_by: String,
    dismiss_reason: Option<String>,
    dismissed_until: Option<NaiveDate>,
    survivor_id: Option<DbUuid>,
    created_at: NaiveDateTime,
}

/// The persons of some pairs as the queue shows them (masked), with their registering
/// organizations' names: one query for all of them.
fn sides(conn: &mut DbConn, rows: &[PairRow]) -> RepoResult<HashMap<Uuid, Candidate>> {
    use crate::schema::organizations;
    let ids: Vec<DbUuid> = rows.iter().flat_map(|r| [r.person_a, r.person_b]).collect();
    let found: Vec<(DbUuid, String, NaiveDate, DbUuid, String)> = persons::table
        .inner_join(organizations::table.on(organizations::id.eq(persons::registered_by_org_id)))
        .filter(in_ids(persons::id, ids))
        .select((
            persons::id,
            persons::name,
            persons::birth_date,
            persons::registered_by_org_id,
            organizations::name,
        ))
        .load(conn)?;
    Ok(found
        .into_iter()
        .map(|(id, name, birth, org, org_name)| {
            (
                id.0,
                Candidate {
                    person_id: id.0,
                    score: 0,
                    reasons: Vec::new(),
                    masked_name: mask_name(&name),
                    birth_year: birth.year(),
                    registered_by_org_id: org.0,
                    registered_by_org_name: org_name,
                },
            )
        })
        .collect())
}

/// The queue's pairs, their persons loaded together.
fn pairs(conn: &mut DbConn, rows: Vec<PairRow>) -> RepoResult<Vec<Pair>> {
    let people = sides(conn, &rows)?;
    rows.into_iter()
        .map(|r| {
            let side = |id: DbUuid| people.get(&id.0).cloned().ok_or(RepoError::NotFound);
            Ok(Pair {
                id: r.id.0,
                person_a: side(r.person_a)?,
                person_b: side(r.person_b)?,
                district_code: r.district_code,
                score: u8::try_from(r.score).unwrap_or(0),
                reasons: r
                    .reasons
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
                status: r.status,
                found_by: r.found_by,
                dismiss_reason: r.dismiss_reason,
                dismissed_until: r.dismissed_until,
                survivor_id: r.survivor_id.map(|s| s.0),
                created_at: from_db(r.created_at),
            })
        })
        .collect()
}

fn pair(conn: &mut DbConn, r: PairRow) -> RepoResult<Pair> {
    pairs(conn, vec![r])?.pop().ok_or(RepoError::NotFound)
}

/// Reviewing duplicates is for the district's coordinators (auditors may read the queue).
fn reviewer(actor: &Actor, district: &str, write: bool) -> RepoResult<()> {
    if actor.district_code != district {
        return Err(DomainError::hidden("another district's review queue").into());
    }
    let ok = actor.role == Role::Coordinator || (!write && actor.role == Role::Auditor);
    if ok {
        Ok(())
    } else {
        Err(DomainError::only(
            hamkke_domain::Who::Coordinator,
            "possible duplicates are reviewed by the district's coordinators",
        )
        .into())
    }
}

/// The district's queue, by status (default open), oldest first; audited once.
pub fn list(
    rx: &mut Rx<'_>,
    district: Option<String>,
    status: Option<String>,
    page: PageRequest,
) -> RepoResult<Page<Pair>> {
    rx.consistent(|rx| {
        let actor = rx.actor();
        let ctx = rx.ctx();
        let district = district.unwrap_or_else(|| actor.district_code.clone());
        reviewer(actor, &district, false)?;
        let mut q = person_duplicates::table
            .filter(person_duplicates::district_code.eq(&district))
            .filter(person_duplicates::status.eq(status.unwrap_or_else(|| "open".into())))
            .order(person_duplicates::id.asc())
            .limit(page.limit + 1)
            .select(PairRow::as_select())
            .into_boxed();
        if let Some(after) = page.after {
            q = q.filter(person_duplicates::id.gt(DbUuid(after)));
        }
        let rows: Vec<PairRow> = q.load(rx.conn())?;
        let items = pairs(rx.conn(), rows)?;
        let page = Page::from_overfetch(items, page.limit, |p| p.id);
        audit::record(
            rx.conn(),
            ctx,
            AuditEntry::new(AuditAction::View, "person_duplicate_list", None)
                .with_details(json!({ "results": page.items.len() })),
        )?;
        Ok(page)
    })
}

fn load_pair(conn: &mut DbConn, actor: &Actor, id: Uuid, write: bool) -> RepoResult<PairRow> {
    let r: PairRow = person_duplicates::table
        .find(DbUuid(id))
        .select(PairRow::as_select())
        .first(conn)?;
    reviewer(actor, &r.district_code, write)?;
    if r.status != "open" {
        return Err(RepoError::conflict(
            "already_decided",
            "this pair has been merged or dismissed",
        ));
    }
    Ok(r)
}

/// "Not the same person": the pair leaves the queue, until `until` if given.
pub fn dismiss(
    tx: &mut Tx<'_>,
    id: Uuid,
    reason: String,
    until: Option<NaiveDate>,
) -> RepoResult<Pair> {
    let actor = tx.actor();
    let r = load_pair(tx.conn(), actor, id, true)?;
    let now = to_db(crate::now());
    let dismissed = diesel::update(
        person_duplicates::table
            .find(DbUuid(id))
            .filter(person_duplicates::status.eq("open")),
    )
    .set((
        person_duplicates::status.eq("dismissed"),
        person_duplicates::dismiss_reason.eq(Some(&reason)),
        person_duplicates::dismissed_until.eq(until),
        person_duplicates::decided_by.eq(Some(DbUuid(actor.user_id))),
        person_duplicates::decided_at.eq(Some(now)),
        person_duplicates::updated_at.eq(now),
    ))
    .execute(tx.conn())?;
    crate::guard::claimed(
        dismissed,
        "already_decided",
        "this pair has been merged or dismissed",
    )?;
    tx.record(
        RecordChange::new(Record::PersonDuplicate, Change::Updated, id)
            .details(json!({ "status": "dismissed", "person_a": r.person_a.0, "person_b": r.person_b.0, "until": until }))
            .into(),
        None,
    )?;
    let row = person_duplicates::table
        .find(DbUuid(id))
        .select(PairRow::as_select())
        .first(tx.conn())?;
    pair(tx.conn(), row)
}

/// The two records of an open pair the actor may merge.
pub(crate) fn pair_to_merge(
    conn: &mut DbConn,
    actor: &Actor,
    id: Uuid,
) -> RepoResult<(Uuid, Uuid)> {
    let r = load_pair(conn, actor, id, true)?;
    Ok((r.person_a.0, r.person_b.0))
}

/// Claims an open pair for its merge: of two merges of it, one wins (409 for the other).
pub(crate) fn claim_for_merge(conn: &mut DbConn, id: Uuid) -> RepoResult<()> {
    let claimed = diesel::update(
        person_duplicates::table
            .find(DbUuid(id))
            .filter(person_duplicates::status.eq("open")),
    )
    .set(person_duplicates::status.eq("merged"))
    .execute(conn)?;
    crate::guard::claimed(
        claimed,
        "already_merged",
        "this pair has been merged or dismissed meanwhile",
    )
}

/// A merged pair decided, with its survivor, and the pair as it now is.
pub(crate) fn close_merged(
    conn: &mut DbConn,
    actor: &Actor,
    id: Uuid,
    survivor: Uuid,
) -> RepoResult<Pair> {
    let now = to_db(crate::now());
    diesel::update(person_duplicates::table.find(DbUuid(id)))
        .set((
            person_duplicates::status.eq("merged"),
            person_duplicates::survivor_id.eq(Some(DbUuid(survivor))),
            person_duplicates::decided_by.eq(Some(DbUuid(actor.user_id))),
            person_duplicates::decided_at.eq(Some(now)),
            person_duplicates::updated_at.eq(now),
        ))
        .execute(conn)?;
    let row = person_duplicates::table
        .find(DbUuid(id))
        .select(PairRow::as_select())
        .first(conn)?;
    pair(conn, row)
}

/// Strong candidates (score ≥ 80) of the actor's district for a person about to be registered.
pub fn strong_candidates_for(
    conn: &mut DbConn,
    actor: &Actor,
    new: &hamkke_domain::person::NewPerson,
    strong: u8,
) -> RepoResult<Vec<Candidate>> {
    let household_address: Option<String> = match new.household_id {
        None => None,
        Some(h) => households::table
            .find(DbUuid(h))
            .select(households::address)
            .first(conn)
            .optional()?,
    };
    let f = Fingerprint {
        name: new.name.clone(),
        birth_date: new.birth_date,
        sex: new.sex,
        phone: new.phone.clone(),
        address: household_address.or_else(|| new.address.clone()),
        rrn_birth: None,
    };
    Ok(candidates(conn, &actor.district_code, &f, None)?
        .into_iter()
        .filter(|c| c.score >= strong)
        .collect())
}

/// The open pairs of these records closed, with the reason (a merge or a transfer made them
/// undecidable).
pub(crate) fn dismiss_open_pairs_of(
    conn: &mut DbConn,
    ids: &[Uuid],
    reason: &'static str,
) -> RepoResult<()> {
    let ids: Vec<DbUuid> = ids.iter().copied().map(DbUuid).collect();
    diesel::update(
        person_duplicates::table
            .filter(person_duplicates::status.eq("open"))
            .filter(
                in_ids(person_duplicates::person_a, ids.clone())
                    .or(in_ids(person_duplicates::person_b, ids)),
            ),
    )
    .set((
        person_duplicates::status.eq("dismissed"),
        person_duplicates::dismiss_reason.eq(Some(reason)),
        person_duplicates::updated_at.eq(to_db(crate::now())),
    ))
    .execute(conn)?;
    Ok(())
}

mod scan;

pub use scan::*;
