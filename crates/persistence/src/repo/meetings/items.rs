//! Action items (조치사항) a finalized meeting assigned: listed for their assignee, completed
//! by it or the host.

use super::*;
use crate::lists::{in_ids, not_in_ids};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = action_items)]
pub(super) struct ActionItemRow {
    id: DbUuid,
    meeting_id: DbUuid,
    case_id: DbUuid,
    assignee_user_id: DbUuid,
    description: String,
    due_on: NaiveDate,
    completed_at: Option<NaiveDateTime>,
}

impl From<ActionItemRow> for ActionItem {
    fn from(r: ActionItemRow) -> Self {
        ActionItem {
            id: r.id.0,
            meeting_id: r.meeting_id.0,
            case_id: r.case_id.0,
            assignee_user_id: r.assignee_user_id.0,
            description: r.description,
            due_on: r.due_on,
            completed_at: r.completed_at.map(from_db),
        }
    }
}

/// Action items of an assignee the actor may see (itself, or a user it may view).
pub fn action_items(
    conn: &mut DbConn,
    actor: &Actor,
    assignee: Uuid,
    open: Option<bool>,
    page: PageRequest,
) -> RepoResult<Page<ActionItem>> {
    if assignee != actor.user_id {
        crate::repo::users::get(conn, actor, assignee)?;
    }
    let mut q = action_items::table
        .filter(action_items::assignee_user_id.eq(DbUuid(assignee)))
        .order(action_items::id.asc())
        .limit(page.limit + 1)
        .select(ActionItemRow::as_select())
        .into_boxed();
    match open {
        Some(true) => q = q.filter(action_items::completed_at.is_null()),
        Some(false) => q = q.filter(action_items::completed_at.is_not_null()),
        None => {}
    }
    if let Some(after) = page.after {
        q = q.filter(action_items::id.gt(DbUuid(after)));
    }
    let items: Vec<ActionItem> = q.load(conn)?.into_iter().map(Into::into).collect();
    Ok(Page::from_overfetch(items, page.limit, |a| a.id))
}

/// Marks an action item done (its assignee, or a worker of the meeting's host).
pub fn complete_action_item(tx: &mut Tx<'_>, id: Uuid) -> RepoResult<ActionItem> {
    let actor = tx.actor();
    let item: ActionItem = action_items::table
        .find(DbUuid(id))
        .select(ActionItemRow::as_select())
        .first(tx.conn())?
        .into();
    if item.assignee_user_id != actor.user_id {
        let meeting = load_meeting(tx.conn(), item.meeting_id)?;
        let participants = participants_of(tx.conn(), meeting.id)?;
        authz::chair_meeting(actor, &facts(&meeting, &participants)).map_err(|e| match e {
            DomainError::Forbidden { reason, .. } => DomainError::Forbidden {
                reason,
                hide: true,
                who: None,
            },
            other => other,
        })?;
    }
    if item.completed_at.is_some() {
        return Err(RepoError::conflict(
            "already_completed",
            "this action item is already completed",
        ));
    }
    diesel::update(action_items::table.find(DbUuid(id)))
        .set((
            action_items::completed_at.eq(Some(to_db(crate::now()))),
            action_items::completed_by.eq(Some(DbUuid(actor.user_id))),
        ))
        .execute(tx.conn())?;
    tx.record(
        DomainEvent::ActionItemCompleted {
            action_item_id: id,
            case_id: item.case_id,
        },
        None,
    )?;
    Ok(action_items::table
        .find(DbUuid(id))
        .select(ActionItemRow::as_select())
        .first(tx.conn())?
        .into())
}

/// A handover (인사발령): the worker's open action items, and its invitations to meetings
/// still to come (but those the successor has already), go to the successor. Returns how many
/// of each moved.
pub(crate) fn hand_over(
    conn: &mut DbConn,
    user_id: Uuid,
    successor_id: Uuid,
) -> RepoResult<(usize, usize)> {
    let items = diesel::update(
        action_items::table
            .filter(action_items::assignee_user_id.eq(DbUuid(user_id)))
            .filter(action_items::completed_at.is_null()),
    )
    .set(action_items::assignee_user_id.eq(DbUuid(successor_id)))
    .execute(conn)?;
    let upcoming: Vec<DbUuid> = meetings::table
        .filter(meetings::status.eq(MeetingStatus::Scheduled.as_str()))
        .filter(meetings::scheduled_at.gt(to_db(crate::now())))
        .select(meetings::id)
        .load(conn)?;
    let invited_already: Vec<DbUuid> = meeting_participants::table
        .filter(meeting_participants::user_id.eq(DbUuid(successor_id)))
        .select(meeting_participants::meeting_id)
        .load(conn)?;
    let invitations = diesel::update(
        meeting_participants::table
            .filter(meeting_participants::user_id.eq(DbUuid(user_id)))
            .filter(in_ids(meeting_participants::meeting_id, upcoming))
            .filter(not_in_ids(
                meeting_participants::meeting_id,
                invited_already,
            )),
    )
    .set(meeting_participants::user_id.eq(Some(DbUuid(successor_id))))
    .execute(conn)?;
    Ok((items, invitations))
}
