//! An allocation cancelled — by its provider or a coordinator, or an override rejected — with
//! the campaign's part: an approved nomination that made it is cancelled with it and its place
//! goes back to the quota (the ledger does not reach into the campaigns for it).

use uuid::Uuid;

use crate::error::RepoResult;
use crate::repo::allocations::{self, LedgerEntry};
use crate::repo::campaigns::quotas;
use crate::uow::Tx;

/// The providing organization or a district coordinator cancels; it stops counting at once.
pub fn cancel(tx: &mut Tx<'_>, id: Uuid, reason: &str) -> RepoResult<LedgerEntry> {
    let entry = allocations::cancel(tx, id, reason)?;
    quotas::allocation_cancelled(tx, id, reason)?;
    Ok(entry)
}

/// A coordinator of the district (not the requester) rejects an override: the allocation is
/// cancelled with the reason, and the requester is told.
pub fn reject(tx: &mut Tx<'_>, id: Uuid, reason: &str) -> RepoResult<LedgerEntry> {
    let entry = allocations::reject(tx, id, reason)?;
    quotas::allocation_cancelled(tx, id, reason)?;
    Ok(entry)
}
