//! A joint home visit (1+1 가정방문) planned — the co-visitors' organizations join the case
//! first — and completed: the visit is claimed as completed, the day's home-visit note is
//! written on its case with the co-visitors, and the visit links it.

use hamkke_domain::authz;
use hamkke_domain::case::{NewNote, Note, NoteKind, Visibility};
use uuid::Uuid;

use crate::error::RepoResult;
use crate::repo::visits::{self, NewVisit, Visit};
use crate::repo::{cases, notes};
use crate::uow::Tx;

/// Plans a joint visit on a case the actor works on. Co-visitors are active workers of
/// organizations of the case's district; one whose organization does not yet take part joins
/// the case as a `visitor` participant (recorded like any participant change) — brought in by
/// the lead or a district coordinator, as any participant is. Workers the caller may not know
/// of (inactive, another district's) do not exist for this case.
pub fn plan(tx: &mut Tx<'_>, case_id: Uuid, new: NewVisit) -> RepoResult<Visit> {
    let case = cases::load(tx.conn(), case_id)?;
    tx.authorize(authz::work_on_case(tx.actor(), &case.facts()))?;
    cases::join_co_visitors(tx, &case, &notes::co_visitors(&new.co_visitor_user_ids))?;
    visits::insert(tx, &case, new)
}

/// Completes a planned visit (its organization's workers or a co-visitor): of two completions,
/// the second is refused before anything is written.
pub fn complete(tx: &mut Tx<'_>, id: Uuid, note: String) -> RepoResult<(Visit, Note)> {
    let (visit, case) = visits::claim_completion(tx, id)?;
    let me = tx.actor().user_id;
    let co_visitors: Vec<Uuid> = std::iter::once(visit.created_by)
        .chain(visit.co_visitor_user_ids.iter().copied())
        .filter(|u| *u != me)
        .collect();
    cases::join_co_visitors(tx, &case, &notes::co_visitors(&co_visitors))?;
    let written = notes::insert(
        tx,
        &case,
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
