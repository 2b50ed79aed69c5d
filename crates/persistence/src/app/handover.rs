//! The handover of a transferred worker's work (인사발령): its cases, open action items and
//! invitations to meetings still to come go to a successor of the same organization, in one
//! unit of work.

use hamkke_domain::authz;
use hamkke_domain::DomainError;
use uuid::Uuid;

use crate::error::{RepoError, RepoResult};
use crate::repo::assignments::{self, HandoverReport};
use crate::repo::{cases, meetings, users};
use crate::uow::Tx;
use hamkke_domain::event::DomainEvent;

/// Moves every active assignment of `user_id` to `successor_id`, with the note on each case's
/// timeline, and its open action items and upcoming invitations. Returns how many moved.
pub fn handover(
    tx: &mut Tx<'_>,
    user_id: Uuid,
    successor_id: Uuid,
    note: &str,
) -> RepoResult<HandoverReport> {
    let actor = tx.actor();
    let (user, org) = users::load(tx.conn(), user_id)?;
    let from = users::facts(&user, org);
    authz::handover(actor, &from)?;
    let successor = match users::load(tx.conn(), successor_id) {
        Ok((s, _)) => Some(s),
        Err(RepoError::NotFound) => None,
        Err(e) => return Err(e),
    };
    let Some(successor) =
        successor.filter(|s| s.active && s.org_id == from.org_id && s.id != from.id)
    else {
        // Not another active user of the same organization: nothing the caller may use.
        return Err(DomainError::unknown("successor_user_id").into());
    };
    let moving = assignments::active_of_user(tx.conn(), user_id)?;
    for a in &moving {
        assignments::hand_over(tx, a, successor_id, &successor.display_name, note)?;
    }
    let (items, invitations) = meetings::hand_over(tx.conn(), user_id, successor_id)?;
    // Partner organizations of the cases hear who took over.
    let case_ids: Vec<Uuid> = moving.iter().map(|a| a.case_id).collect();
    let partners: Vec<Uuid> = cases::orgs_of_cases(tx.conn(), &case_ids)?
        .into_iter()
        .filter(|o| *o != from.org_id)
        .collect();
    tx.record(
        DomainEvent::HandoverCompleted {
            from_user_id: user_id,
            to_user_id: successor_id,
            successor_name: successor.display_name,
            successor_org_id: from.org_id,
            moved: moving.len() + items + invitations,
            partner_org_ids: partners,
        },
        None,
    )?;
    Ok(HandoverReport {
        assignments: moving.len(),
        action_items: items,
        meetings: invitations,
    })
}
