//! Workers assigned to cases, and each case's part of a transferred worker's handover
//! (인사발령; the handover itself is `app::handover`'s).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hamkke_domain::authz::{self, Actor};
use hamkke_domain::case::{Assignment, AssignmentRole};
use hamkke_domain::DomainError;
use uuid::Uuid;

use crate::conn::DbConn;
use crate::error::corrupt;
use crate::error::{RepoError, RepoResult};
use crate::repo::cases;
use crate::schema::{case_assignments, organizations, users};
use crate::types::{from_db, to_db, DbUuid};
use crate::uow::Tx;
use hamkke_domain::event::DomainEvent;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = case_assignments)]
struct AssignmentRow {
    id: DbUuid,
    case_id: DbUuid,
    user_id: DbUuid,
    org_id: DbUuid,
    role: String,
    assigned_at: NaiveDateTime,
    ended_at: Option<NaiveDateTime>,
}

impl TryFrom<AssignmentRow> for Assignment {
    type Error = RepoError;
    fn try_from(r: AssignmentRow) -> RepoResult<Self> {
        Ok(Assignment {
            id: r.id.0,
            case_id: r.case_id.0,
            user_id: r.user_id.0,
            org_id: r.org_id.0,
            role: AssignmentRole::parse(&r.role).ok_or_else(|| corrupt("case_assignments.role"))?,
            assigned_at: from_db(r.assigned_at),
            ended_at: r.ended_at.map(from_db),
        })
    }
}

/// Whose assignments a query asks for.
enum Of {
    Case(Uuid),
    User(Uuid),
}

/// The assignments of a case or of a worker, oldest first; `current` leaves out ended ones.
fn select(conn: &mut DbConn, of: Of, current: bool) -> RepoResult<Vec<Assignment>> {
    let q = case_assignments::table
        .order(case_assignments::id.asc())
        .select(AssignmentRow::as_select())
        .into_boxed();
    let q = match of {
        Of::Case(id) => q.filter(case_assignments::case_id.eq(DbUuid(id))),
        Of::User(id) => q.filter(case_assignments::user_id.eq(DbUuid(id))),
    };
    let q = if current {
        q.filter(case_assignments::ended_at.is_null())
    } else {
        q
    };
    q.load(conn)?
        .into_iter()
        .map(Assignment::try_from)
        .collect()
}

fn active(conn: &mut DbConn, case_id: Uuid) -> RepoResult<Vec<Assignment>> {
    select(conn, Of::Case(case_id), true)
}

/// All assignments of a visible case, current and ended.
pub fn list(conn: &mut DbConn, actor: &Actor, case_id: Uuid) -> RepoResult<Vec<Assignment>> {
    cases::load_visible(conn, actor, case_id)?;
    select(conn, Of::Case(case_id), false)
}

/// Assigns a worker of a participant organization. Participants assign their own workers; the
/// lead organization and district coordinators may assign anyone's. A new primary demotes the
/// organization's previous primary to secondary.
pub fn assign(
    tx: &mut Tx<'_>,
    case_id: Uuid,
    user_id: Uuid,
    role: AssignmentRole,
) -> RepoResult<Vec<Assignment>> {
    let actor = tx.actor();
    // Assignments of one case are decided one at a time (then checked against the
    // constraints: one active assignment per worker, one primary per organization).
    crate::guard::lock_case(tx.conn(), case_id)?;
    let detail = cases::load(tx.conn(), case_id)?;
    let facts = detail.facts();
    let is_coordinator = actor.role == hamkke_domain::user::Role::Coordinator
        && actor.district_code == facts.district_code;
    if is_coordinator {
        authz::view_case(actor, &facts)?;
    } else {
        authz::work_on_case(actor, &facts)?;
    }
    let user: Option<(DbUuid, bool, String)> = users::table
        .inner_join(organizations::table)
        .filter(users::id.eq(DbUuid(user_id)))
        .select((users::org_id, users::active, organizations::district_code))
        .first(tx.conn())
        .optional()?;
    // A user of another district does not exist for this case.
    let Some((user_org, true, _)) = user.filter(|u| u.2 == facts.district_code) else {
        return Err(DomainError::unknown("user_id").into());
    };
    if !facts.participant_orgs.contains(&user_org.0) {
        return Err(DomainError::invalid(
            "user_id",
            "not_participant",
            "the user's organization does not take part in the case",
        )
        .into());
    }
    if user_org.0 != actor.org_id && facts.lead_org_id != actor.org_id && !is_coordinator {
        return Err(DomainError::only(
            hamkke_domain::Who::OrgAdminOrCoordinator,
            "participants assign only their own workers",
        )
        .into());
    }
    let current = active(tx.conn(), case_id)?;
    if current.iter().any(|a| a.user_id == user_id) {
        return Err(RepoError::conflict(
            "already_assigned",
            "the user is already assigned to this case",
        ));
    }
    if role == AssignmentRole::Primary {
        for a in current
            .iter()
            .filter(|a| a.org_id == user_org.0 && a.role == AssignmentRole::Primary)
        {
            diesel::update(case_assignments::table.find(DbUuid(a.id)))
                .set(case_assignments::role.eq(AssignmentRole::Secondary.as_str()))
                .execute(tx.conn())?;
        }
    }
    cases::insert_assignment(tx.conn(), actor, case_id, user_id, user_org.0, role)?;
    tx.record(
        DomainEvent::CaseAssigned {
            case_id,
            user_id,
            role: role.as_str(),
        },
        Some(detail.case.person_id),
    )?;
    active(tx.conn(), case_id)
}

/// The active assignments of a worker.
pub(crate) fn active_of_user(conn: &mut DbConn, user_id: Uuid) -> RepoResult<Vec<Assignment>> {
    select(conn, Of::User(user_id), true)
}

/// Ends an assignment and gives its case to the successor in the same role (a successor
/// already on the case keeps its assignment, made primary if the ended one was), with the
/// note on the case's timeline.
pub(crate) fn hand_over(
    tx: &mut Tx<'_>,
    a: &Assignment,
    successor_id: Uuid,
    successor_name: &str,
    note: &str,
) -> RepoResult<()> {
    let actor = tx.actor();
    diesel::update(case_assignments::table.find(DbUuid(a.id)))
        .set(case_assignments::ended_at.eq(Some(to_db(crate::now()))))
        .execute(tx.conn())?;
    let successors = || {
        case_assignments::table
            .filter(case_assignments::case_id.eq(DbUuid(a.case_id)))
            .filter(case_assignments::user_id.eq(DbUuid(successor_id)))
            .filter(case_assignments::ended_at.is_null())
    };
    let successor_already: bool =
        diesel::select(diesel::dsl::exists(successors())).get_result(tx.conn())?;
    if successor_already {
        if a.role == AssignmentRole::Primary {
            diesel::update(successors())
                .set(case_assignments::role.eq(AssignmentRole::Primary.as_str()))
                .execute(tx.conn())?;
        }
    } else {
        cases::insert_assignment(tx.conn(), actor, a.case_id, successor_id, a.org_id, a.role)?;
    }
    tx.record(
        DomainEvent::CaseHandedOver {
            case_id: a.case_id,
            from_user_id: a.user_id,
            to_user_id: successor_id,
            successor_name: successor_name.to_owned(),
            note: Some(note.to_owned()),
        },
        None,
    )?;
    Ok(())
}

/// What a handover moved to the successor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HandoverReport {
    pub assignments: usize,
    pub action_items: usize,
    pub meetings: usize,
}
