//! A meeting's own rows as its decisions are taken and applied: the decision per agenda case,
//! the attendance, the action items and the meeting held. What a decision does to its case is
//! `app::meetings`'s.

use super::*;

/// Stores (or replaces) the decision for one agenda case (the caller has checked it), moves
/// the meeting's version on and answers the meeting as the caller now sees it.
pub(crate) fn store_decision(
    tx: &mut Tx<'_>,
    id: Uuid,
    d: &DecisionRecord,
) -> RepoResult<MeetingDetail> {
    let actor = tx.actor();
    diesel::delete(meeting_decisions::table.find((DbUuid(id), DbUuid(d.case_id))))
        .execute(tx.conn())?;
    diesel::insert_into(meeting_decisions::table)
        .values((
            meeting_decisions::meeting_id.eq(DbUuid(id)),
            meeting_decisions::case_id.eq(DbUuid(d.case_id)),
            meeting_decisions::decision.eq(d.decision.as_str()),
            meeting_decisions::lead_org_id.eq(d.lead_org_id.map(DbUuid)),
            meeting_decisions::refer_to_org_id.eq(d.refer_to_org_id.map(DbUuid)),
            meeting_decisions::case_type.eq(d.case_type.map(|t| t.as_str())),
            meeting_decisions::closing_reason.eq(d.closing_reason.map(|c| c.as_str())),
            meeting_decisions::notes.eq(&d.notes),
            meeting_decisions::action_items
                .eq(serde_json::to_string(&d.action_items).unwrap_or_else(|_| "[]".into())),
            meeting_decisions::decided_by.eq(DbUuid(actor.user_id)),
            meeting_decisions::updated_at.eq(to_db(crate::now())),
        ))
        .execute(tx.conn())?;
    changed(
        tx,
        id,
        json!({ "decision": d.decision.as_str(), "case_id": d.case_id }),
    )
}

/// The attendance the chair records at the finalize (every user invited, checked by the
/// caller), and the chair who finalizes as present.
pub(crate) fn record_attendance(
    conn: &mut DbConn,
    id: Uuid,
    attendance: &[(Uuid, bool)],
    chair: Uuid,
) -> RepoResult<()> {
    for (user, attended) in attendance {
        set_attendance(conn, id, *user, *attended)?;
    }
    diesel::update(
        meeting_participants::table
            .filter(meeting_participants::meeting_id.eq(DbUuid(id)))
            .filter(meeting_participants::user_id.eq(DbUuid(chair)))
            .filter(meeting_participants::attended.is_null()),
    )
    .set(meeting_participants::attended.eq(Some(true)))
    .execute(conn)?;
    Ok(())
}

/// An action item (조치사항) a decision assigns, told to its assignee.
pub(crate) fn assign_action_item(
    tx: &mut Tx<'_>,
    id: Uuid,
    case: &hamkke_domain::case::Case,
    item: &hamkke_domain::meeting::ActionItemSpec,
) -> RepoResult<()> {
    let item_id = Uuid::now_v7();
    diesel::insert_into(action_items::table)
        .values((
            action_items::id.eq(DbUuid(item_id)),
            action_items::meeting_id.eq(DbUuid(id)),
            action_items::case_id.eq(DbUuid(case.id)),
            action_items::assignee_user_id.eq(DbUuid(item.assignee_user_id)),
            action_items::description.eq(&item.description),
            action_items::due_on.eq(item.due_on),
            action_items::created_at.eq(to_db(crate::now())),
        ))
        .execute(tx.conn())?;
    tx.record(
        DomainEvent::ActionItemAssigned {
            action_item_id: item_id,
            meeting_id: id,
            case_id: case.id,
            assignee_user_id: item.assignee_user_id,
            description: item.description.clone(),
            due_on: item.due_on,
        },
        Some(case.person_id),
    )?;
    Ok(())
}

/// The meeting held, with its minutes, and frozen.
pub(crate) fn mark_held(conn: &mut DbConn, id: Uuid, minutes: &str, chair: Uuid) -> RepoResult<()> {
    diesel::update(meetings::table.find(DbUuid(id)))
        .set((
            meetings::status.eq(MeetingStatus::Held.as_str()),
            meetings::minutes.eq(Some(minutes)),
            meetings::finalized_at.eq(Some(to_db(crate::now()))),
            meetings::finalized_by.eq(Some(DbUuid(chair))),
        ))
        .execute(conn)?;
    bump(conn, id)
}

/// The meeting as the caller now sees it.
pub(crate) fn detail_of(conn: &mut DbConn, actor: &Actor, id: Uuid) -> RepoResult<MeetingDetail> {
    let m = load_meeting(conn, id)?;
    detail(conn, actor, m)
}
