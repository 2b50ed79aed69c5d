//! Rules that must hold under concurrency, enforced in one place: the person lock (taken in one
//! fixed order), the conditional update that decides a state change, and the versioned update.
//! A rule written as a `SELECT` followed by an `INSERT` lets several requests through on
//! PostgreSQL; these do not. docs/invariants.md lists which rule uses which.

use diesel::prelude::*;
use hamkke_domain::authz::Actor;
use serde_json::json;
use uuid::Uuid;

use crate::conn::DbConn;
use crate::error::{RepoError, RepoResult};
use crate::schema::persons;
use crate::types::DbUuid;

/// Serialises the registrations of one identity — a normalised name and birth date within a
/// district — until this transaction ends, so a registration (or an import registering a
/// missing person) sees one that ran at the same time. PostgreSQL: a transaction-scoped
/// advisory lock on the identity's hash; SQLite: its writers are serialised already (every
/// write transaction begins `IMMEDIATE`).
pub fn lock_identity(
    conn: &mut DbConn,
    district: &str,
    name: &str,
    birth_date: chrono::NaiveDate,
) -> RepoResult<()> {
    use sha2::{Digest, Sha256};
    if let DbConn::Pg(c) = conn {
        let name = hamkke_domain::identity::normalize_name(name);
        let digest = Sha256::digest(format!("identity|{district}|{name}|{birth_date}"));
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(i64::from_be_bytes(first))
            .execute(c)?;
    }
    Ok(())
}

/// Locks a case row until this transaction ends, so changes to what hangs off the case (its
/// assignments) are decided one after the other. Unknown ids are `NotFound`.
pub fn lock_case(conn: &mut DbConn, case_id: Uuid) -> RepoResult<()> {
    use crate::schema::cases;
    let rows = diesel::update(cases::table.find(DbUuid(case_id)))
        .set(cases::version.eq(cases::version))
        .execute(conn)?;
    if rows == 0 {
        return Err(RepoError::NotFound);
    }
    Ok(())
}

/// Locks an organization's row until this transaction ends, so decisions about its users
/// (the first accounts are activation codes) are taken one after the other.
pub fn lock_org(conn: &mut DbConn, org_id: Uuid) -> RepoResult<()> {
    use crate::schema::organizations;
    diesel::update(organizations::table.find(DbUuid(org_id)))
        .set(organizations::version.eq(organizations::version))
        .execute(conn)?;
    Ok(())
}

/// Locks a person's household (when it has one), after its persons — the fixed order — so
/// the claims of its members on one benefit are decided one giving after the other.
pub fn lock_household(conn: &mut DbConn, household_id: Option<Uuid>) -> RepoResult<()> {
    use crate::schema::households;
    if let Some(h) = household_id {
        diesel::update(households::table.find(DbUuid(h)))
            .set(households::allocation_seq.eq(households::allocation_seq + 1))
            .execute(conn)?;
    }
    Ok(())
}

/// A person row held by this transaction until it ends.
#[derive(Debug, Clone)]
pub struct Locked {
    pub id: Uuid,
    pub district_code: String,
    pub merged_into: Option<Uuid>,
}

/// Locks person rows in ascending id order — the one order every path takes (then their
/// household), so two transactions never wait on each other in a cycle. Returns the rows as
/// they are once locked: a check made after this sees every change committed before it.
/// Unknown ids are left out.
pub fn lock_persons_any(conn: &mut DbConn, ids: &[Uuid]) -> RepoResult<Vec<Locked>> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids.dedup();
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let row: Option<(String, Option<DbUuid>)> = diesel::update(persons::table.find(DbUuid(id)))
            .set(persons::allocation_seq.eq(persons::allocation_seq + 1))
            .returning((persons::district_code, persons::merged_into))
            .get_result(conn)
            .optional()?;
        if let Some((district_code, merged_into)) = row {
            out.push(Locked {
                id,
                district_code,
                merged_into: merged_into.map(|m| m.0),
            });
        }
    }
    Ok(out)
}

/// Locks persons a change of the caller's district is about to name (see `lock_persons_any`)
/// and checks them again as they are now: a person moved to another district meanwhile (an
/// approved transfer) is `NotFound`, like an unknown id; a merged record is read-only, and the
/// answer names its survivor (409 `merged_into`).
pub fn lock_persons(conn: &mut DbConn, actor: &Actor, ids: &[Uuid]) -> RepoResult<Vec<Locked>> {
    let locked = lock_persons_any(conn, ids)?;
    let mut wanted = ids.to_vec();
    wanted.sort();
    wanted.dedup();
    if locked.len() != wanted.len() {
        return Err(RepoError::NotFound);
    }
    for p in &locked {
        check_locked(actor, p)?;
    }
    Ok(locked)
}

/// What [`lock_persons`] checks of a locked person, for a caller that locked it together with
/// others (`lock_persons_any`): in the caller's district, not a merged record.
pub fn check_locked(actor: &Actor, p: &Locked) -> RepoResult<()> {
    if p.district_code != actor.district_code {
        return Err(RepoError::NotFound);
    }
    if let Some(survivor) = p.merged_into {
        return Err(merged_into(p.id, survivor));
    }
    Ok(())
}

/// The answer to a write that names a merged record.
pub fn merged_into(person_id: Uuid, survivor: Uuid) -> RepoError {
    RepoError::Conflict {
        code: "merged_into",
        detail: "this record was merged into another; it is read-only — use the survivor's id"
            .into(),
        extensions: Some(json!({ "person_id": person_id, "survivor_id": survivor })),
    }
}

/// The row count of an `UPDATE … WHERE version = <If-Match>`: nothing changed means another
/// request changed the row first — 412, and the caller writes nothing else.
pub fn versioned(rows: usize) -> RepoResult<()> {
    if rows == 1 {
        Ok(())
    } else {
        Err(RepoError::Stale)
    }
}

/// The row count of an `UPDATE … WHERE status = <expected>` that decides a state change: only
/// the request that changed the row goes on to its side effects; any other answers 409
/// `code` (e.g. `already_finalized`).
pub fn claimed(rows: usize, code: &'static str, detail: &str) -> RepoResult<()> {
    if rows == 1 {
        Ok(())
    } else {
        Err(RepoError::conflict(code, detail))
    }
}
