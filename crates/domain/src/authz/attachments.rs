//! Attachments: seen by those who may see what they belong to, added by those who act on it.

use super::*;

/// What decides access to an attachment: the facts of its subject.
#[derive(Debug, Clone)]
pub enum AttachmentSubject {
    /// A ledger entry: the providing organization and the recipient's access facts.
    Allocation {
        provider_org: Uuid,
        district_code: String,
        recipient: PersonAccess,
    },
    /// A consent: who recorded it, who registered the person, and the person's access facts.
    Consent {
        recorded_by_org: Uuid,
        registered_by_org: Uuid,
        district_code: String,
        person: PersonAccess,
    },
    /// A case.
    Case(CaseFacts),
}

/// Whether the reader sees who received an allocation: the providing organization (it handed
/// it over), or an organization with rights to the recipient's details.
pub fn sees_recipient(actor: &Actor, provider_org: Uuid, recipient: &PersonAccess) -> bool {
    provider_org == actor.org_id || person_details(recipient)
}

/// Seeing (listing, downloading) an attachment: whoever may see its subject in full — the
/// recipient of an allocation, the person of a consent (or its reviewers), the case.
pub fn see_attachment(actor: &Actor, subject: &AttachmentSubject) -> Rule {
    match subject {
        AttachmentSubject::Allocation {
            provider_org,
            district_code,
            recipient,
        } => {
            view_ledger(actor, district_code)?;
            allow_if(
                sees_recipient(actor, *provider_org, recipient),
                DomainError::only(
                    crate::Who::ConsentedOrg,
                    "the proof of a delivery is for the provider and those who may see the recipient",
                ),
            )
        }
        AttachmentSubject::Consent {
            registered_by_org,
            district_code,
            person,
            ..
        } => {
            if !person.in_district {
                return Err(DomainError::hidden("consent of another district"));
            }
            if person_details(person) {
                return Ok(());
            }
            review_consent(actor, *registered_by_org, district_code)
        }
        AttachmentSubject::Case(case) => view_case(actor, case),
    }
}

/// Adding an attachment: the providing organization to its allocation (the proof of its
/// delivery), the recording or registering organization to a consent (the signed form), a
/// working participant to a case.
pub fn attach(actor: &Actor, subject: &AttachmentSubject) -> Rule {
    match subject {
        AttachmentSubject::Allocation {
            provider_org,
            district_code,
            ..
        } => {
            view_ledger(actor, district_code)?;
            handle_allocation(actor, *provider_org, district_code, false)
        }
        AttachmentSubject::Consent {
            recorded_by_org,
            registered_by_org,
            person,
            ..
        } => {
            if !person.in_district {
                return Err(DomainError::hidden("consent of another district"));
            }
            allow_if(
                (actor.org_id == *recorded_by_org || actor.org_id == *registered_by_org)
                    && works_cases(actor),
                DomainError::only(
                    crate::Who::RegisteringOrgOrLead,
                    "only the organization that recorded the consent (or registered the person) adds its form",
                ),
            )
        }
        AttachmentSubject::Case(case) => work_on_case(actor, case),
    }
}
