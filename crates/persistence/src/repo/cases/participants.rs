//! The organizations taking part in a case: added and removed by the lead or a district
//! coordinator.

use super::*;

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
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &AuditCtx,
    id: Uuid,
    org_id: Uuid,
    role: ParticipantRole,
) -> RepoResult<Vec<rules::Participant>> {
    if role == ParticipantRole::Lead {
        return Err(DomainError::invalid(
            "role",
            "not_allowed",
            "the lead changes only by a meeting decision",
        )
        .into());
    }
    uow::run(conn, actor, ctx, |tx| {
        let conn = tx.conn();
        let current = load(conn, id)?;
        authz::manage_participants(actor, &current.facts())?;
        let org =
            orgs::load_for_case(conn, &current.case.district_code, org_id, "organization_id")?;
        if current.participants.iter().any(|p| p.org_id == org.id) {
            return Err(RepoError::conflict(
                "already_participant",
                "this organization already takes part in the case",
            ));
        }
        add_participant_row(conn, actor, id, org.id, role)?;
        Tx::on(conn, actor, ctx).record(
            DomainEvent::ParticipantChanged {
                case_id: id,
                org_id: org.id,
                role: Some(role.as_str()),
                referral_id: None,
            },
            Some(current.case.person_id),
        )?;
        participants_of(conn, id)
    })
}

/// Removes a non-lead organization and ends its workers' assignments on the case.
pub fn remove_participant(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &AuditCtx,
    id: Uuid,
    org_id: Uuid,
) -> RepoResult<()> {
    uow::run(conn, actor, ctx, |tx| {
        let conn = tx.conn();
        let current = load(conn, id)?;
        authz::manage_participants(actor, &current.facts())?;
        if current.case.lead_org_id == org_id {
            return Err(RepoError::conflict(
                "lead_cannot_leave",
                "the lead organization cannot be removed; change the lead by a meeting decision",
            ));
        }
        let n = diesel::delete(case_participants::table.find((DbUuid(id), DbUuid(org_id))))
            .execute(conn)?;
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
        .execute(conn)?;
        Tx::on(conn, actor, ctx).record(
            DomainEvent::ParticipantChanged {
                case_id: id,
                org_id,
                role: None,
                referral_id: None,
            },
            Some(current.case.person_id),
        )?;
        Ok(())
    })
}
