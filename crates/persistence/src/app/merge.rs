//! Two records of one person made one (the coordinator's identity review): the merged
//! record's cases, memberships, consents, notes, assessments, allocations and transfers move
//! to the survivor, each by its own repository, in one unit of work.

use hamkke_domain::event::{Change, Record, RecordChange};
use hamkke_domain::DomainError;
use serde_json::json;
use uuid::Uuid;

use crate::error::{RepoError, RepoResult};
use crate::repo::identity::{self, Pair};
use crate::repo::{allocations, cases, consents, notes, persons, plans, transfers};
use crate::uow::Tx;

/// What a merge moved.
#[derive(Debug, Clone, Default)]
pub struct Moved {
    pub cases: usize,
    pub case_members: usize,
    pub consents: usize,
    pub notes: usize,
    pub assessments: usize,
    pub allocations: usize,
    pub transfers: usize,
    pub household: bool,
    pub rrn: bool,
}

/// Merges the pair into `survivor`: cases, household membership, consents, notes,
/// assessments, allocations and transfers of the other move to it in one transaction; the
/// other stays as a tombstone that redirects to the survivor; an RRN only the merged record
/// has moves with it (two different RRNs: refused). The access log of the survivor includes
/// the merged record's (audit events are never rewritten). Audited with both ids.
pub fn merge(tx: &mut Tx<'_>, id: Uuid, survivor: Uuid) -> RepoResult<(Pair, Moved)> {
    let actor = tx.actor();
    let (a, b) = identity::pair_to_merge(tx.conn(), actor, id)?;
    let merged = if a == survivor {
        b
    } else if b == survivor {
        a
    } else {
        return Err(DomainError::invalid(
            "survivor_id",
            "not_in_pair",
            "the survivor is one of the pair",
        )
        .into());
    };
    // Both records locked in the one order every path takes — with the records merged into
    // the merged one before, whose tombstones will lead to the survivor — then checked
    // again: of two merges that touch the same records (opposite survivors, or a circle of
    // pairs) the second finds one of them merged and changes nothing. A transfer since the
    // pair was found closes it: both must be of the caller's district now.
    let earlier = persons::tombstones_of(tx.conn(), merged)?;
    let mut ids = vec![survivor, merged];
    ids.extend(&earlier);
    let locked = crate::guard::lock_persons_any(tx.conn(), &ids)?;
    let pair_locked: Vec<_> = locked
        .iter()
        .filter(|p| p.id == survivor || p.id == merged)
        .collect();
    if pair_locked.len() != 2 {
        return Err(RepoError::NotFound);
    }
    // A record merged into the merged one while this waited for its lock is not locked here:
    // re-pointing it now could wait, out of order, on a transaction that waits for us. The
    // unit runs again (`write_retrying`), taking it in order.
    if persons::tombstones_of(tx.conn(), merged)?
        .iter()
        .any(|t| !earlier.contains(t))
    {
        return Err(RepoError::concurrent_change());
    }
    let locked = pair_locked;
    if locked.iter().any(|p| p.merged_into.is_some()) {
        return Err(RepoError::conflict(
            "already_merged",
            "one of these records has been merged meanwhile; reload the queue",
        ));
    }
    if locked
        .iter()
        .any(|p| p.district_code != actor.district_code)
    {
        return Err(RepoError::conflict(
            "pair_closed",
            "one of these records has moved to another district; the pair is closed",
        ));
    }
    identity::claim_for_merge(tx.conn(), id)?;
    let (rrn, household) = persons::absorb_identity(tx.conn(), survivor, merged)?;
    let conn = tx.conn();
    let (cases, case_members) = cases::reassign_person(conn, merged, survivor)?;
    let moved = Moved {
        cases,
        case_members,
        consents: consents::reassign_person(conn, merged, survivor)?,
        notes: notes::reassign_person(conn, merged, survivor)?,
        assessments: plans::reassign_person(conn, merged, survivor)?,
        allocations: allocations::reassign_person(conn, merged, survivor)?,
        transfers: transfers::reassign_person(conn, merged, survivor)?,
        household,
        rrn,
    };
    persons::tombstone(conn, merged, survivor)?;
    let pair = identity::close_merged(conn, actor, id, survivor)?;
    // Other pairs of the merged record are void.
    identity::dismiss_open_pairs_of(conn, &[merged], "merged into another record")?;
    // The pair is decided (`person_duplicate.merged`); the survivor changed; the merged
    // record is gone into it (`person.merged`).
    tx.record(
        RecordChange::new(Record::PersonDuplicate, Change::Removed, id)
            .details(json!({ "status": "merged", "survivor": survivor, "merged": merged }))
            .into(),
        None,
    )?;
    for (p, role, change) in [
        (survivor, "survivor", Change::Updated),
        (merged, "merged", Change::Removed),
    ] {
        tx.record(
            RecordChange::new(Record::Person, change, p)
                .details(json!({ "merge": id, "role": role, "survivor": survivor, "merged": merged,
                        "cases": moved.cases, "allocations": moved.allocations, "consents": moved.consents }))
                .into(),
            Some(p),
        )?;
    }
    Ok((pair, moved))
}
