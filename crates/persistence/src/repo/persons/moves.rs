//! A person's record as whole-record workflows move it: to another district with their
//! household (`app::transfers`), or into another record of the same person (`app::merge`).

use super::*;
use crate::lists::in_ids;

/// Everyone registered in a household.
pub(crate) fn household_member_ids(conn: &mut DbConn, household: Uuid) -> RepoResult<Vec<Uuid>> {
    Ok(persons::table
        .filter(persons::household_id.eq(DbUuid(household)))
        .select(persons::id)
        .load::<DbUuid>(conn)?
        .into_iter()
        .map(|p| p.0)
        .collect())
}

/// Moves these persons behind another district's wall; `registered_by` (the receiving
/// organization) registers them from now on, when named.
pub(crate) fn move_to_district(
    conn: &mut DbConn,
    ids: &[Uuid],
    district: &str,
    registered_by: Option<Uuid>,
) -> RepoResult<()> {
    let moving = || {
        persons::table.filter(in_ids(
            persons::id,
            ids.iter().copied().map(DbUuid).collect::<Vec<_>>(),
        ))
    };
    diesel::update(moving())
        .set((
            persons::district_code.eq(district),
            persons::version.eq(persons::version + 1),
            persons::updated_at.eq(to_db(crate::now())),
        ))
        .execute(conn)?;
    if let Some(o) = registered_by {
        diesel::update(moving())
            .set(persons::registered_by_org_id.eq(DbUuid(o)))
            .execute(conn)?;
    }
    Ok(())
}

/// The merged record's identity taken into the survivor's (both locked by the caller): an
/// RRN only the merged record holds moves with it (two different RRNs: 409, not the same
/// person), and its household if the survivor has none. Both records' versions move on.
/// Returns whether the RRN and the household moved.
pub(crate) fn absorb_identity(
    conn: &mut DbConn,
    survivor: Uuid,
    merged: Uuid,
) -> RepoResult<(bool, bool)> {
    type Identity = (
        DbUuid,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<DbUuid>,
    );
    let both = [DbUuid(survivor), DbUuid(merged)];
    let rrns: Vec<Identity> = persons::table
        .filter(in_ids(persons::id, both))
        .select((
            persons::id,
            persons::rrn_hmac,
            persons::rrn_cipher,
            persons::rrn_masked,
            persons::household_id,
        ))
        .load(conn)?;
    diesel::update(persons::table.filter(in_ids(persons::id, both)))
        .set(persons::version.eq(persons::version + 1))
        .execute(conn)?;
    let get = |x: Uuid| rrns.iter().find(|r| r.0 .0 == x).cloned();
    let (Some(s), Some(m)) = (get(survivor), get(merged)) else {
        return Err(RepoError::NotFound);
    };
    let mut rrn = false;
    match (&s.1, &m.1) {
        (Some(a), Some(b)) if a != b => return Err(RepoError::conflict(
            "different_rrns",
            "both records hold a resident registration number and they differ: not the same person",
        )),
        (None, Some(_)) => {
            diesel::update(persons::table.find(DbUuid(merged)))
                .set((
                    persons::rrn_hmac.eq(None::<String>),
                    persons::rrn_cipher.eq(None::<String>),
                    persons::rrn_masked.eq(None::<String>),
                ))
                .execute(conn)?;
            diesel::update(persons::table.find(DbUuid(survivor)))
                .set((
                    persons::rrn_hmac.eq(&m.1),
                    persons::rrn_cipher.eq(&m.2),
                    persons::rrn_masked.eq(&m.3),
                ))
                .execute(conn)?;
            rrn = true;
        }
        _ => {}
    }
    let household = s.4.is_none() && m.4.is_some();
    if household {
        diesel::update(persons::table.find(DbUuid(survivor)))
            .set(persons::household_id.eq(m.4))
            .execute(conn)?;
    }
    Ok((rrn, household))
}

/// The records merged into this one (its tombstones).
pub(crate) fn tombstones_of(conn: &mut DbConn, id: Uuid) -> RepoResult<Vec<Uuid>> {
    Ok(persons::table
        .filter(persons::merged_into.eq(Some(DbUuid(id))))
        .select(persons::id)
        .load::<DbUuid>(conn)?
        .into_iter()
        .map(|p| p.0)
        .collect())
}

/// The merged record left as a tombstone that leads to the survivor; earlier tombstones of it
/// now lead to the survivor directly (the caller holds their locks: `app::merge`).
pub(crate) fn tombstone(conn: &mut DbConn, merged: Uuid, survivor: Uuid) -> RepoResult<()> {
    let (from, to) = (DbUuid(merged), DbUuid(survivor));
    diesel::update(persons::table.find(from))
        .set((
            persons::merged_into.eq(Some(to)),
            persons::updated_at.eq(to_db(crate::now())),
        ))
        .execute(conn)?;
    diesel::update(persons::table.filter(persons::merged_into.eq(from)))
        .set(persons::merged_into.eq(Some(to)))
        .execute(conn)?;
    Ok(())
}
