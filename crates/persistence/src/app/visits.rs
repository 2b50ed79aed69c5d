//! A joint home visit completed (1+1 가정방문): the visit is claimed as completed, the day's
//! home-visit note is written on its case with the co-visitors, and the visit links it.

use hamkke_domain::case::{NewNote, Note, NoteKind, Visibility};
use uuid::Uuid;

use crate::error::RepoResult;
use crate::repo::notes;
use crate::repo::visits::{self, Visit};
use crate::uow::Tx;

/// Completes a planned visit (its organization's workers or a co-visitor): of two completions,
/// the second is refused before anything is written.
pub fn complete(tx: &mut Tx<'_>, id: Uuid, note: String) -> RepoResult<(Visit, Note)> {
    let visit = visits::claim_completion(tx, id)?;
    let me = tx.actor().user_id;
    let co_visitors: Vec<Uuid> = std::iter::once(visit.created_by)
        .chain(visit.co_visitor_user_ids.iter().copied())
        .filter(|u| *u != me)
        .collect();
    let written = notes::insert(
        tx,
        visit.case_id,
        NewNote {
            kind: NoteKind::HomeVisit,
            occurred_at: crate::now(),
            body: note,
            co_visitor_user_ids: co_visitors,
            visibility: Visibility::Participants,
            person_id: None,
        },
    )?;
    Ok((visits::link_note(tx, id, written.id)?, written))
}
