//! What the workflows of `app` ask of cases: the organizations of some cases, a type or a
//! version set by a meeting's decision, whether a transfer would leave an open case behind,
//! and a merge's move of a person's cases.

use super::*;
use crate::lists::{in_ids, not_in_texts};

/// Organizations taking part in the given cases.
pub(crate) fn orgs_of_cases(conn: &mut DbConn, case_ids: &[Uuid]) -> RepoResult<Vec<Uuid>> {
    Ok(case_participants::table
        .filter(in_ids(
            case_participants::case_id,
            case_ids.iter().copied().map(DbUuid).collect::<Vec<_>>(),
        ))
        .select(case_participants::org_id)
        .distinct()
        .load::<DbUuid>(conn)?
        .into_iter()
        .map(|o| o.0)
        .collect())
}

/// A case's type, as a meeting's decision sets it.
pub(crate) fn set_type(conn: &mut DbConn, id: Uuid, t: CaseType) -> RepoResult<()> {
    diesel::update(cases::table.find(DbUuid(id)))
        .set(cases::case_type.eq(t.as_str()))
        .execute(conn)?;
    Ok(())
}

/// A case changed by something that leaves its status as it is: its version moves on.
pub(crate) fn touch(conn: &mut DbConn, id: Uuid) -> RepoResult<()> {
    diesel::update(cases::table.find(DbUuid(id)))
        .set((
            cases::version.eq(cases::version + 1),
            cases::updated_at.eq(to_db(crate::now())),
        ))
        .execute(conn)?;
    Ok(())
}

/// Whether any of these persons is a member of an open case (their own, or a household's).
pub(crate) fn open_for_any(conn: &mut DbConn, person_ids: &[Uuid]) -> RepoResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        case_members::table
            .inner_join(cases::table)
            .filter(in_ids(
                case_members::person_id,
                person_ids.iter().copied().map(DbUuid).collect::<Vec<_>>(),
            ))
            .filter(not_in_texts(
                cases::status,
                crate::repo::access::closed_statuses(),
            )),
    ))
    .get_result(conn)?)
}

/// A merge (`app::merge`): the merged record's cases, and its memberships of cases (a case
/// both were members of keeps the survivor once), now belong to the survivor. Returns how
/// many cases and memberships moved.
pub(crate) fn reassign_person(
    conn: &mut DbConn,
    from: Uuid,
    to: Uuid,
) -> RepoResult<(usize, usize)> {
    let (from, to) = (DbUuid(from), DbUuid(to));
    let cases = diesel::update(cases::table.filter(cases::person_id.eq(from)))
        .set(cases::person_id.eq(to))
        .execute(conn)?;
    let both: Vec<DbUuid> = case_members::table
        .filter(case_members::person_id.eq(to))
        .select(case_members::case_id)
        .load(conn)?;
    diesel::delete(
        case_members::table
            .filter(case_members::person_id.eq(from))
            .filter(in_ids(case_members::case_id, both)),
    )
    .execute(conn)?;
    let members = diesel::update(case_members::table.filter(case_members::person_id.eq(from)))
        .set(case_members::person_id.eq(to))
        .execute(conn)?;
    Ok((cases, members))
}
