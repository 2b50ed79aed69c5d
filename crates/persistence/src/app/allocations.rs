//! An allocation recorded — with its goods drawn from stock — and cancelled — by its provider
//! or a coordinator, or an override rejected —: the goods go back to their lots, and an
//! approved campaign nomination that made it is cancelled with it and its place goes back to
//! the quota (the ledger reaches into neither stock nor campaigns for it).

use uuid::Uuid;

use crate::error::RepoResult;
use crate::repo::allocations::{self, LedgerEntry, NewAllocation, Outcome};
use crate::repo::campaigns::quotas;
use crate::repo::stock;
use crate::uow::Tx;

/// Records an allocation under its resource's policy (`allocations::create`: approved,
/// pending an override, or blocked, decided under the subject's locks); goods of a resource
/// with stock are drawn in the same unit of work, or nothing is recorded (409 `out_of_stock`).
pub fn record(tx: &mut Tx<'_>, new: &NewAllocation, strong: u8) -> RepoResult<Outcome> {
    let outcome = allocations::create(tx, new, strong)?;
    if let Outcome::Approved { entry, .. } | Outcome::PendingOverride { entry, .. } = &outcome {
        let a = &entry.allocation;
        stock::draw(
            tx.conn(),
            &stock::Draw {
                allocation_id: a.id,
                resource_id: a.resource_id,
                person_id: a.person_id,
                quantity: new.quantity.unwrap_or(1),
                provider_org_id: a.provider_org_id,
                campaign_id: new.campaign_id,
                granted_on: new.granted_on,
            },
        )?;
    }
    Ok(outcome)
}

/// The providing organization or a district coordinator cancels; it stops counting at once.
pub fn cancel(tx: &mut Tx<'_>, id: Uuid, reason: &str) -> RepoResult<LedgerEntry> {
    let entry = allocations::cancel(tx, id, reason)?;
    stock::put_back(tx.conn(), id)?;
    quotas::allocation_cancelled(tx, id, reason)?;
    Ok(entry)
}

/// A coordinator of the district (not the requester) rejects an override: the allocation is
/// cancelled with the reason, and the requester is told.
pub fn reject(tx: &mut Tx<'_>, id: Uuid, reason: &str) -> RepoResult<LedgerEntry> {
    let entry = allocations::reject(tx, id, reason)?;
    stock::put_back(tx.conn(), id)?;
    quotas::allocation_cancelled(tx, id, reason)?;
    Ok(entry)
}
