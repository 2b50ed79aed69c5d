//! The organizations taking part in a case: added and removed by the lead or a district
//! coordinator.

use super::*;
use crate::lists::in_ids;
use crate::schema::users;

/// Participants of a visible case.
pub fn participants(
    conn: &mut DbConn,
    actor: &Actor,
    id: Uuid,
) -> RepoResult<Vec<rules::Participant>> {
    Ok(load_visible(conn, actor, id)?.participants)
}

/// Adds an organization to a case (lead or district coordinator). The lead changes only by a
/// meeting decision.
pub fn add_participant(
    tx: &mut Tx<'_>,
    id: Uuid,
    org_id: Uuid,
    role: ParticipantRole,
) -> RepoResult<Vec<rules::Participant>> {
    let actor = tx.actor();
    if role == ParticipantRole::Lead {
        return Err(DomainError::invalid(
            "role",
            "not_allowed",
            "the lead changes only by a meeting decision",
        )
        .into());
    }
    let current = load(tx.conn(), id)?;
    authz::manage_participants(actor, &current.facts())?;
    let org = orgs::load_for_case(
        tx.conn(),
        &current.case.district_code,
        org_id,
        "organization_id",
    )?;
    if current.participants.iter().any(|p| p.org_id == org.id) {
        return Err(RepoError::conflict(
            "already_participant",
            "this organization already takes part in the case",
        ));
    }
    take_in(tx, &current, org.id, role, None)?;
    participants_of(tx.conn(), id)
}

/// An organization joins the case in `role` (asked for by the caller's rule: a participant
/// added, a co-visitor, an accepted service referral named by `referral_id`), recorded as a
/// participant change.
pub(crate) fn take_in(
    tx: &mut Tx<'_>,
    case: &CaseDetail,
    org: Uuid,
    role: ParticipantRole,
    referral_id: Option<Uuid>,
) -> RepoResult<()> {
    let actor = tx.actor();
    add_participant_row(tx.conn(), actor, case.case.id, org, role)?;
    tx.record(
        DomainEvent::ParticipantChanged {
            case_id: case.case.id,
            org_id: org,
            role: Some(role.as_str()),
            referral_id,
        },
        Some(case.case.person_id),
    )?;
    Ok(())
}

/// Removes a non-lead organization and ends its workers' assignments on the case.
pub fn remove_participant(tx: &mut Tx<'_>, id: Uuid, org_id: Uuid) -> RepoResult<()> {
    let actor = tx.actor();
    let current = load(tx.conn(), id)?;
    authz::manage_participants(actor, &current.facts())?;
    if current.case.lead_org_id == org_id {
        return Err(RepoError::conflict(
            "lead_cannot_leave",
            "the lead organization cannot be removed; change the lead by a meeting decision",
        ));
    }
    let n = diesel::delete(case_participants::table.find((DbUuid(id), DbUuid(org_id))))
        .execute(tx.conn())?;
    if n == 0 {
        return Err(RepoError::NotFound);
    }
    diesel::update(
        case_assignments::table
            .filter(case_assignments::case_id.eq(DbUuid(id)))
            .filter(case_assignments::org_id.eq(DbUuid(org_id)))
            .filter(case_assignments::ended_at.is_null()),
    )
    .set(case_assignments::ended_at.eq(Some(to_db(crate::now()))))
    .execute(tx.conn())?;
    tx.record(
        DomainEvent::ParticipantChanged {
            case_id: id,
            org_id,
            role: None,
            referral_id: None,
        },
        Some(current.case.person_id),
    )?;
    Ok(())
}

/// Writes an assignment row (no checks).
pub(crate) fn insert_assignment(
    conn: &mut DbConn,
    actor: &Actor,
    case_id: Uuid,
    user_id: Uuid,
    org_id: Uuid,
    role: AssignmentRole,
) -> RepoResult<Uuid> {
    let id = Uuid::now_v7();
    diesel::insert_into(case_assignments::table)
        .values((
            case_assignments::id.eq(DbUuid(id)),
            case_assignments::case_id.eq(DbUuid(case_id)),
            case_assignments::user_id.eq(DbUuid(user_id)),
            case_assignments::org_id.eq(DbUuid(org_id)),
            case_assignments::role.eq(role.as_str()),
            case_assignments::assigned_at.eq(to_db(crate::now())),
            case_assignments::assigned_by.eq(DbUuid(actor.user_id)),
        ))
        .execute(conn)?;
    Ok(id)
}

/// What moved a case's lead: a meeting's decision or an accepted referral.
#[derive(Debug, Clone, Copy)]
pub(crate) enum LeadCause {
    Meeting(Uuid),
    Referral(Uuid),
}

/// Moves the lead of `case` to `new_lead` (the old lead stays a co-manager) and records it.
/// Decided by the row: the lead moves only from the lead the caller read, so two moves at
/// once cannot both win (409 `lead_changed`).
pub(crate) fn move_lead(
    tx: &mut Tx<'_>,
    case: &CaseDetail,
    new_lead: Uuid,
    cause: LeadCause,
) -> RepoResult<()> {
    let c = &case.case;
    if new_lead == c.lead_org_id {
        return Ok(());
    }
    let moved = diesel::update(
        cases::table
            .find(DbUuid(c.id))
            .filter(cases::lead_org_id.eq(DbUuid(c.lead_org_id))),
    )
    .set(cases::lead_org_id.eq(DbUuid(new_lead)))
    .execute(tx.conn())?;
    crate::guard::claimed(
        moved,
        "lead_changed",
        "the case's lead changed since it was read; reload it",
    )?;
    diesel::update(case_participants::table.find((DbUuid(c.id), DbUuid(c.lead_org_id))))
        .set(case_participants::role.eq(ParticipantRole::CoManager.as_str()))
        .execute(tx.conn())?;
    if case.participants.iter().any(|p| p.org_id == new_lead) {
        diesel::update(case_participants::table.find((DbUuid(c.id), DbUuid(new_lead))))
            .set(case_participants::role.eq(ParticipantRole::Lead.as_str()))
            .execute(tx.conn())?;
    } else {
        let actor = tx.actor();
        add_participant_row(tx.conn(), actor, c.id, new_lead, ParticipantRole::Lead)?;
    }
    let (meeting_id, referral_id) = match cause {
        LeadCause::Meeting(m) => (Some(m), None),
        LeadCause::Referral(r) => (None, Some(r)),
    };
    tx.record(
        DomainEvent::LeadChanged {
            case_id: c.id,
            from_org_id: c.lead_org_id,
            to_org_id: new_lead,
            meeting_id,
            referral_id,
        },
        Some(c.person_id),
    )?;
    Ok(())
}

/// Co-visitors of a joint home visit (1+1 가정방문): active workers of organizations of the
/// case's district. The field visits together first and refers after, so a co-visitor's
/// organization that does not take part yet joins the case as a `visitor` participant,
/// recorded like any participant change — brought in by the lead or a district coordinator, as
/// any participant is. Workers the caller may not know of (inactive, another district's) do not
/// exist for this case (`co_visitor_user_ids`).
pub(crate) fn join_co_visitors(
    tx: &mut Tx<'_>,
    case: &CaseDetail,
    visitors: &[Uuid],
) -> RepoResult<()> {
    if visitors.is_empty() {
        return Ok(());
    }
    let orgs: Vec<DbUuid> = users::table
        .filter(in_ids(
            users::id,
            visitors.iter().copied().map(DbUuid).collect::<Vec<_>>(),
        ))
        .filter(users::active.eq(true))
        .select(users::org_id)
        .load(tx.conn())?;
    if orgs.len() != visitors.len() {
        return Err(DomainError::unknown("co_visitor_user_ids").into());
    }
    let participants = case.facts().participant_orgs;
    let mut joining: Vec<Uuid> = orgs
        .iter()
        .map(|o| o.0)
        .filter(|o| !participants.contains(o))
        .collect();
    joining.sort();
    joining.dedup();
    for org in &joining {
        orgs::load_for_case(
            tx.conn(),
            &case.case.district_code,
            *org,
            "co_visitor_user_ids",
        )?;
    }
    if !joining.is_empty() {
        tx.authorize(authz::manage_participants(tx.actor(), &case.facts()))?;
    }
    for org in joining {
        take_in(tx, case, org, ParticipantRole::Visitor, None)?;
    }
    Ok(())
}
