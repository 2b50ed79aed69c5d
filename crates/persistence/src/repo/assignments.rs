//! Workers assigned to cases, and the handover of a transferred worker's cases (인사발령).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hamkke_domain::authz::{self, Actor, UserFacts};
use hamkke_domain::case::{Assignment, AssignmentRole};
use hamkke_domain::DomainError;
use uuid::Uuid;

use super::cases;
use crate::conn::DbConn;
use crate::error::corrupt;
use crate::error::{RepoError, RepoResult};
use crate::schema::{
    action_items, case_assignments, case_participants, meeting_participants, meetings,
    organizations, users,
};
use crate::types::{from_db, to_db, DbUuid};
use crate::uow::Tx;
use hamkke_domain::event::DomainEvent;
use hamkke_domain::meeting::MeetingStatus;

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

fn active(conn: &mut DbConn, case_id: Uuid) -> RepoResult<Vec<Assignment>> {
    case_assignments::table
        .filter(case_assignments::case_id.eq(DbUuid(case_id)))
        .filter(case_assignments::ended_at.is_null())
        .order(case_assignments::id.asc())
        .select(AssignmentRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Assignment::try_from)
        .collect()
}

/// All assignments of a visible case, current and ended.
pub fn list(conn: &mut DbConn, actor: &Actor, case_id: Uuid) -> RepoResult<Vec<Assignment>> {
    cases::load_visible(conn, actor, case_id)?;
    case_assignments::table
        .filter(case_assignments::case_id.eq(DbUuid(case_id)))
        .order(case_assignments::id.asc())
        .select(AssignmentRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Assignment::try_from)
        .collect()
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

/// Moves every active assignment of `user_id` to `successor_id` in one transaction, with the
/// note on each case's timeline. Returns how many moved.
pub fn handover(
    tx: &mut Tx<'_>,
    user_id: Uuid,
    successor_id: Uuid,
    note: &str,
) -> RepoResult<HandoverReport> {
    let actor = tx.actor();
    let load = |conn: &mut DbConn, id: Uuid| -> RepoResult<Option<(UserFacts, bool)>> {
        let row: Option<(DbUuid, String, String, bool, String)> = users::table
            .inner_join(organizations::table)
            .filter(users::id.eq(DbUuid(id)))
            .select((
                users::org_id,
                users::role,
                organizations::district_code,
                users::active,
                organizations::kind,
            ))
            .first(conn)
            .optional()?;
        row.map(|(org, role, district, active, kind)| {
            Ok((
                UserFacts {
                    id,
                    org_id: org.0,
                    org_kind: hamkke_domain::org::OrgKind::parse(&kind)
                        .ok_or_else(|| corrupt("organizations.kind"))?,
                    role: hamkke_domain::user::Role::parse(&role)
                        .ok_or_else(|| corrupt("users.role"))?,
                    district_code: district,
                },
                active,
            ))
        })
        .transpose()
    };
    let (from, _) = load(tx.conn(), user_id)?.ok_or(RepoError::NotFound)?;
    authz::handover(actor, &from)?;
    let successor = load(tx.conn(), successor_id)?;
    let ok = matches!(&successor, Some((s, true)) if s.org_id == from.org_id && s.id != from.id);
    if !ok {
        // Not another active user of the same organization: nothing the caller may use.
        return Err(DomainError::unknown("successor_user_id").into());
    }
    let moving: Vec<Assignment> = case_assignments::table
        .filter(case_assignments::user_id.eq(DbUuid(user_id)))
        .filter(case_assignments::ended_at.is_null())
        .select(AssignmentRow::as_select())
        .load(tx.conn())?
        .into_iter()
        .map(Assignment::try_from)
        .collect::<RepoResult<_>>()?;
    let successor_name: String = users::table
        .find(DbUuid(successor_id))
        .select(users::display_name)
        .first(tx.conn())?;
    let now = to_db(crate::now());
    for a in &moving {
        diesel::update(case_assignments::table.find(DbUuid(a.id)))
            .set(case_assignments::ended_at.eq(Some(now)))
            .execute(tx.conn())?;
        let successor_already: bool = diesel::select(diesel::dsl::exists(
            case_assignments::table
                .filter(case_assignments::case_id.eq(DbUuid(a.case_id)))
                .filter(case_assignments::user_id.eq(DbUuid(successor_id)))
                .filter(case_assignments::ended_at.is_null()),
        ))
        .get_result(tx.conn())?;
        if successor_already {
            if a.role == AssignmentRole::Primary {
                diesel::update(
                    case_assignments::table
                        .filter(case_assignments::case_id.eq(DbUuid(a.case_id)))
                        .filter(case_assignments::user_id.eq(DbUuid(successor_id)))
                        .filter(case_assignments::ended_at.is_null()),
                )
                .set(case_assignments::role.eq(AssignmentRole::Primary.as_str()))
                .execute(tx.conn())?;
            }
        } else {
            cases::insert_assignment(tx.conn(), actor, a.case_id, successor_id, a.org_id, a.role)?;
        }
        tx.record(
            DomainEvent::CaseHandedOver {
                case_id: a.case_id,
                from_user_id: user_id,
                to_user_id: successor_id,
                successor_name: successor_name.clone(),
                note: Some(note.to_owned()),
            },
            None,
        )?;
    }
    // Open action items and invitations to meetings still to come go along.
    let items = diesel::update(
        action_items::table
            .filter(action_items::assignee_user_id.eq(DbUuid(user_id)))
            .filter(action_items::completed_at.is_null()),
    )
    .set(action_items::assignee_user_id.eq(DbUuid(successor_id)))
    .execute(tx.conn())?;
    let upcoming: Vec<DbUuid> = meetings::table
        .filter(meetings::status.eq(MeetingStatus::Scheduled.as_str()))
        .filter(meetings::scheduled_at.gt(now))
        .select(meetings::id)
        .load(tx.conn())?;
    let invited_already: Vec<DbUuid> = meeting_participants::table
        .filter(meeting_participants::user_id.eq(DbUuid(successor_id)))
        .select(meeting_participants::meeting_id)
        .load(tx.conn())?;
    let meetings_moved = diesel::update(
        meeting_participants::table
            .filter(meeting_participants::user_id.eq(DbUuid(user_id)))
            .filter(meeting_participants::meeting_id.eq_any(upcoming))
            .filter(meeting_participants::meeting_id.ne_all(invited_already)),
    )
    .set(meeting_participants::user_id.eq(Some(DbUuid(successor_id))))
    .execute(tx.conn())?;
    // Partner organizations of the cases hear who took over.
    let case_ids: Vec<DbUuid> = moving.iter().map(|a| DbUuid(a.case_id)).collect();
    let mut partners: Vec<Uuid> = case_participants::table
        .filter(case_participants::case_id.eq_any(case_ids))
        .filter(case_participants::org_id.ne(DbUuid(from.org_id)))
        .select(case_participants::org_id)
        .load::<DbUuid>(tx.conn())?
        .into_iter()
        .map(|o| o.0)
        .collect();
    partners.sort();
    partners.dedup();
    let moved = moving.len() + items + meetings_moved;
    tx.record(
        DomainEvent::HandoverCompleted {
            from_user_id: user_id,
            to_user_id: successor_id,
            successor_name,
            successor_org_id: from.org_id,
            moved,
            partner_org_ids: partners,
        },
        None,
    )?;
    Ok(HandoverReport {
        assignments: moving.len(),
        action_items: items,
        meetings: meetings_moved,
    })
}

/// What a handover moved to the successor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HandoverReport {
    pub assignments: usize,
    pub action_items: usize,
    pub meetings: usize,
}
