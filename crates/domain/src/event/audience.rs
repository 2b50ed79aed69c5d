//! Who is told of an event.

use super::{Audience, DomainEvent};

impl DomainEvent {
    /// Who is told (the acting user never is).
    pub fn audience(&self) -> Vec<Audience> {
        match self {
            Self::ReferralSent { to_org_id, .. } => vec![Audience::OrgStaff(*to_org_id)],
            Self::ReferralAnswered {
                from_org_id,
                to_org_id,
                status,
                ..
            } => match *status {
                "completed" => vec![
                    Audience::OrgStaff(*from_org_id),
                    Audience::OrgStaff(*to_org_id),
                ],
                _ => vec![Audience::OrgStaff(*from_org_id)],
            },
            Self::CaseOpened { .. } => Vec::new(),
            Self::ParticipantChanged {
                org_id,
                referral_id: None,
                ..
            } => vec![Audience::OrgStaff(*org_id)],
            Self::ParticipantChanged { .. } => Vec::new(),
            Self::CaseAssigned { user_id, .. } => vec![Audience::User(*user_id)],
            Self::CaseStatusChanged { .. } => Vec::new(),
            Self::MeetingScheduled {
                invitee_user_ids, ..
            } => invitee_user_ids
                .iter()
                .map(|u| Audience::User(*u))
                .collect(),
            Self::MeetingFinalized {
                invitee_user_ids,
                partner_org_ids,
                ..
            } => invitee_user_ids
                .iter()
                .map(|u| Audience::User(*u))
                .chain(partner_org_ids.iter().map(|o| Audience::OrgStaff(*o)))
                .collect(),
            Self::ActionItemAssigned {
                assignee_user_id, ..
            } => vec![Audience::User(*assignee_user_id)],
            Self::AllocationRecorded { .. } => Vec::new(),
            Self::OverrideRequested { district_code, .. } => {
                vec![Audience::Coordinators(district_code.clone())]
            }
            Self::PasswordReset { org_id, .. } => vec![Audience::OrgAdmins(*org_id)],
            Self::WebhookDisabled { org_id, .. } => vec![Audience::OrgAdmins(*org_id)],
            Self::ConsentSelfRecorded {
                registered_by_org_id,
                district_code,
                ..
            } => vec![
                Audience::OrgStaff(*registered_by_org_id),
                Audience::Coordinators(district_code.clone()),
            ],
            Self::ConsentRevoked {
                recorded_by_org_id, ..
            } => vec![Audience::OrgStaff(*recorded_by_org_id)],
            Self::OverrideDecided { requested_by, .. } => vec![Audience::User(*requested_by)],
            Self::VisitPlanned {
                co_visitor_user_ids,
                ..
            } => co_visitor_user_ids
                .iter()
                .map(|u| Audience::User(*u))
                .collect(),
            Self::HandoverCompleted {
                to_user_id,
                partner_org_ids,
                ..
            } => std::iter::once(Audience::User(*to_user_id))
                .chain(partner_org_ids.iter().map(|o| Audience::OrgStaff(*o)))
                .collect(),
            Self::AssessmentRecorded { .. }
            | Self::PlanReviewed { .. }
            | Self::CaseMemberChanged { .. } => Vec::new(),
            Self::PlanRecorded {
                provider_org_ids,
                responsible_user_ids,
                ..
            } => provider_org_ids
                .iter()
                .map(|o| Audience::OrgStaff(*o))
                .chain(responsible_user_ids.iter().map(|u| Audience::User(*u)))
                .collect(),
            Self::AgendaRequested { host_org_id, .. } => vec![Audience::OrgStaff(*host_org_id)],
            Self::AgendaRequestAnswered { from_org_id, .. } => {
                vec![Audience::OrgStaff(*from_org_id)]
            }
            Self::CaseUpdated { .. }
            | Self::NoteAdded { .. }
            | Self::ActionItemCompleted { .. }
            | Self::AgendaChanged { .. }
            | Self::DecisionApplied { .. }
            | Self::CaseHandedOver { .. } => Vec::new(),
            // The new lead learns that the case is now its own.
            Self::LeadChanged { to_org_id, .. } => vec![Audience::OrgStaff(*to_org_id)],
            Self::MeetingCancelled {
                invitee_user_ids, ..
            } => invitee_user_ids
                .iter()
                .map(|u| Audience::User(*u))
                .collect(),
            // Both ends: the receiver owes an answer, the sender may call or refer elsewhere.
            Self::ReferralWaiting {
                from_org_id,
                to_org_id,
                ..
            } => vec![
                Audience::OrgStaff(*to_org_id),
                Audience::OrgStaff(*from_org_id),
            ],
            Self::AccessLost { org_id, .. } => vec![Audience::OrgStaff(*org_id)],
            // The lead learns that the follow-up is over and the case closed.
            Self::FollowUpEnded { lead_org_id, .. } => vec![Audience::OrgStaff(*lead_org_id)],
            Self::MeetingChanged {
                invitee_user_ids, ..
            } => invitee_user_ids
                .iter()
                .map(|u| Audience::User(*u))
                .collect(),
            Self::AllocationStatusChanged { .. } => Vec::new(),
            Self::Record(r) => r.audience.clone(),
            Self::RunCompleted(_) => Vec::new(),
        }
    }
}
