//! A note written on a case (상담·방문 기록): the organizations of the day's co-visitors join the
//! case first — the field visits together, then refers —, then the note is written.

use hamkke_domain::authz;
use hamkke_domain::case::{NewNote, Note};
use uuid::Uuid;

use crate::error::RepoResult;
use crate::repo::{cases, notes};
use crate::uow::Tx;

/// Writes a note on a case the actor works on. Co-visitors of a joint visit (1+1) must be
/// active workers of organizations of the case's district; an organization of theirs that does
/// not yet take part joins the case as a `visitor`.
pub fn write(tx: &mut Tx<'_>, case_id: Uuid, new: NewNote) -> RepoResult<Note> {
    notes::check_occurred_at(&new)?;
    let case = cases::load(tx.conn(), case_id)?;
    tx.authorize(authz::work_on_case(tx.actor(), &case.facts()))?;
    cases::join_co_visitors(tx, &case, &notes::co_visitors(&new.co_visitor_user_ids))?;
    notes::insert(tx, &case, new)
}
