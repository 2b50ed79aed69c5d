//! A campaign nomination approved (캠페인 추천 승인): its allocation is recorded in the ledger —
//! the duplicate check again, under the locks, its goods drawn from stock — and only then is
//! the nomination approved with it.

use uuid::Uuid;

use crate::error::{RepoError, RepoResult};
use crate::repo::allocations::Outcome;
use crate::repo::campaigns::{self, Approved};
use crate::uow::Tx;

/// Approves a nomination (a coordinator of the district): its allocation is recorded for the
/// resource's provider (or the nominating organization) to deliver, and the nominating
/// organization is told. A gift since the nomination that the policy counts leaves everything
/// as it was (`Approved::Duplicate`).
pub fn approve(tx: &mut Tx<'_>, id: Uuid, strong: u8) -> RepoResult<Approved> {
    let approval = campaigns::approval(tx, id)?;
    let allocation_id = match super::allocations::record(tx, &approval.allocation, strong)? {
        Outcome::Approved { entry, .. } => entry.allocation.id,
        Outcome::Blocked(check) => return Ok(Approved::Duplicate(check)),
        Outcome::PendingOverride { .. } => {
            return Err(RepoError::conflict(
                "duplicate_benefit",
                "the allocation would need an override",
            ))
        }
    };
    Ok(Approved::Made(campaigns::approved(
        tx,
        &approval,
        allocation_id,
    )?))
}
