//! Transfers between districts (전입): the only way a person — with their household — moves
//! from one district's wall to another's. The receiving district's coordinator asks; the
//! owning district's coordinator approves or declines.

use hamkke_domain::authz;
use hamkke_domain::event::{Change, Record, RecordChange};
use hamkke_domain::org::Sector;
use hamkke_domain::person::Transfer;
use hamkke_domain::DomainError;
use serde_json::json;
use uuid::Uuid;

use crate::error::{RepoError, RepoResult};
use crate::repo::{cases, households, identity, orgs, persons, transfers};
use crate::uow::Tx;

/// Asks for a person of another district to move into the actor's (a coordinator of the
/// receiving district; the person's id is what an exact RRN search answers), naming the
/// receiving organization: an active public organization (the dong centre of the new address,
/// or the district office) of the receiving district.
pub fn request(
    tx: &mut Tx<'_>,
    person_id: Uuid,
    to_district: &str,
    to_org: Uuid,
    reason: &str,
) -> RepoResult<Transfer> {
    // Who may ask is decided before the person is looked up, so a refusal tells nothing
    // about which ids exist.
    authz::request_transfer(tx.actor(), to_district)?;
    let receiver = orgs::load_for_case(tx.conn(), to_district, to_org, "to_organization_id")?;
    if receiver.kind.sector() != Sector::Public {
        return Err(DomainError::invalid(
            "to_organization_id",
            "not_allowed",
            "a person is received by a public organization: the dong centre of the new address (or the district office)",
        )
        .into());
    }
    let person = persons::load(tx.conn(), person_id)?;
    authz::transfer_destination(&person.district_code, to_district)?;
    // The person's lock, then the request: none for a record merged meanwhile.
    let locked = crate::guard::lock_persons_any(tx.conn(), &[person_id])?;
    if locked.iter().any(|p| p.merged_into.is_some()) {
        return Err(RepoError::NotFound);
    }
    transfers::open_request(tx, &person, to_district, to_org, reason)
}

/// Approves (moving the person, their household and its members) or declines a transfer: a
/// coordinator of the owning district. A person with an open case moves only after the case
/// is closed or referred, so no case is left behind a wall its workers cannot see through.
pub fn decide(
    tx: &mut Tx<'_>,
    id: Uuid,
    approve: bool,
    note: Option<String>,
) -> RepoResult<Transfer> {
    let actor = tx.actor();
    let tr = transfers::waiting(tx.conn(), actor, id)?;
    let stale = || {
        RepoError::conflict(
            "transfer_stale",
            "the person no longer belongs to the district this transfer moves them from",
        )
    };
    let person = persons::load(tx.conn(), tr.person_id)?;
    if person.district_code != tr.from_district_code {
        return Err(stale());
    }
    let mut moved = vec![person.id];
    if approve {
        if let Some(h) = person.household_id {
            moved = persons::household_member_ids(tx.conn(), h)?;
        }
        // The lock a case opening takes: once held, no case can open on anyone who moves
        // until this transfer is decided, and the check below sees every case opened before.
        let locked = crate::guard::lock_persons_any(tx.conn(), &moved)?;
        if let Some((p, survivor)) = locked.iter().find_map(|p| p.merged_into.map(|s| (p.id, s))) {
            return Err(crate::guard::merged_into(p, survivor));
        }
        if locked
            .iter()
            .any(|p| p.district_code != tr.from_district_code)
        {
            return Err(stale());
        }
        if cases::open_for_any(tx.conn(), &moved)? {
            return Err(RepoError::conflict(
                "transfer_open_case",
                "the person or a household member has an open case in this district: its lead closes it, or refers it, before the transfer is approved",
            ));
        }
        // The receiving organization registers them from now on (transfers asked before
        // receivers were named leave the registering organization as it was).
        if let Some(h) = person.household_id {
            households::move_to_district(tx.conn(), h, &tr.to_district_code, tr.to_org_id)?;
        }
        persons::move_to_district(tx.conn(), &moved, &tr.to_district_code, tr.to_org_id)?;
        // A possible-duplicate pair across the new wall cannot be merged by either side.
        identity::dismiss_open_pairs_of(tx.conn(), &moved, "moved to another district")?;
    }
    let persons_moved = if approve { moved.len() } else { 0 };
    let tr = transfers::record_decision(tx, id, approve, note, persons_moved)?;
    if approve {
        // Household members who moved along are recorded each, so their access logs show it.
        for p in moved.iter().filter(|p| **p != tr.person_id) {
            tx.record(
                RecordChange::new(Record::Person, Change::Updated, *p)
                    .details(json!({ "moved_with_transfer": tr.id, "to": tr.to_district_code }))
                    .into(),
                Some(*p),
            )?;
        }
    }
    Ok(tr)
}
