//! A referral accepted (의뢰 수락): the receiver takes the case's lead (a `lead` referral, while
//! the organization that sent it still leads and the case is worked on) or joins the case as a
//! service provider (a `service` referral); then the answer goes on the case's timeline.

use hamkke_domain::case::ParticipantRole;
use hamkke_domain::meeting::{ReferralKind, ReferralStatus};
use uuid::Uuid;

use crate::error::{RepoError, RepoResult};
use crate::repo::cases::{self, LeadCause};
use crate::repo::referrals::{self, ReferralDetail};
use crate::uow::Tx;

/// The receiver accepts: a `service` referral makes it a service-providing participant of the
/// case; a `lead` referral makes it the case's lead (the sender stays a co-manager).
pub fn accept(tx: &mut Tx<'_>, id: Uuid) -> RepoResult<ReferralDetail> {
    let to = ReferralStatus::Accepted;
    let r = referrals::claim_answer(tx, id, to, None)?;
    let case = cases::load(tx.conn(), r.case_id)?;
    if r.kind == ReferralKind::Lead {
        // The receiver takes over the lead from the organization that asked it to, while the
        // case is worked on; otherwise it can only decline.
        if case.case.lead_org_id != r.from_org_id || !case.case.status.counts_as_open() {
            return Err(RepoError::conflict(
                "referral_outdated",
                "the case's lead or status changed since this referral was sent; decline it, and the lead may send a new one",
            ));
        }
        cases::move_lead(tx, &case, r.to_org_id, LeadCause::Referral(id))?;
    } else if !case.participants.iter().any(|p| p.org_id == r.to_org_id) {
        let role = ParticipantRole::ServiceProvider;
        cases::take_in(tx, &case, r.to_org_id, role, Some(id))?;
    }
    referrals::record_answer(tx, &r, to)
}
