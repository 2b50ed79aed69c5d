//! The dotted names of events, as client apps subscribe to them.

use super::DomainEvent;

impl DomainEvent {
    /// The dotted name client apps subscribe to (`referral.sent`, …).
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::ReferralSent { .. } => "referral.sent",
            Self::ReferralAnswered { status, .. } => match *status {
                "accepted" => "referral.accepted",
                "declined" => "referral.declined",
                _ => "referral.completed",
            },
            Self::CaseOpened { .. } => "case.opened",
            Self::ParticipantChanged { role: Some(_), .. } => "case.participant_added",
            Self::ParticipantChanged { role: None, .. } => "case.participant_removed",
            Self::CaseAssigned { .. } => "case.assigned",
            Self::CaseStatusChanged { .. } => "case.status_changed",
            Self::MeetingScheduled { .. } => "meeting.scheduled",
            Self::MeetingFinalized { .. } => "meeting.finalized",
            Self::ActionItemAssigned { .. } => "action_item.assigned",
            Self::AllocationRecorded { .. } => "allocation.recorded",
            Self::PasswordReset { .. } => "user.password_reset",
            Self::WebhookDisabled { .. } => "webhook.disabled",
            Self::ConsentSelfRecorded { .. } => "consent.self_recorded",
            Self::ConsentRevoked { .. } => "consent.revoked",
            Self::OverrideRequested { .. } => "allocation.override_requested",
            Self::OverrideDecided { .. } => "allocation.override_decided",
            Self::HandoverCompleted { .. } => "handover.completed",
            Self::VisitPlanned { .. } => "visit.planned",
            Self::AssessmentRecorded { .. } => "case.assessed",
            Self::PlanRecorded { .. } => "case.plan_recorded",
            Self::PlanReviewed { .. } => "case.plan_reviewed",
            Self::CaseMemberChanged { added: true, .. } => "case.member_added",
            Self::CaseMemberChanged { added: false, .. } => "case.member_removed",
            Self::AgendaRequested { .. } => "meeting.agenda_requested",
            Self::AgendaRequestAnswered { accepted: true, .. } => "meeting.agenda_request_accepted",
            Self::AgendaRequestAnswered {
                accepted: false, ..
            } => "meeting.agenda_request_declined",
            Self::CaseUpdated { .. } => "case.updated",
            Self::NoteAdded { .. } => "case.note_added",
            Self::ActionItemCompleted { .. } => "action_item.completed",
            Self::LeadChanged { .. } => "case.lead_changed",
            Self::AgendaChanged { added: true, .. } => "meeting.agenda_added",
            Self::AgendaChanged { added: false, .. } => "meeting.agenda_removed",
            Self::MeetingCancelled { .. } => "meeting.cancelled",
            Self::DecisionApplied { .. } => "case.decision_applied",
            Self::CaseHandedOver { .. } => "case.handed_over",
            Self::FollowUpEnded { .. } => "case.follow_up_ended",
            Self::AccessLost { .. } => "consent.access_lost",
            Self::ReferralWaiting { .. } => "referral.waiting",
            Self::MeetingChanged { .. } => "meeting.updated",
            Self::AllocationStatusChanged { status, .. } => match *status {
                "delivered" => "allocation.delivered",
                "cancelled" => "allocation.cancelled",
                _ => "allocation.status_changed",
            },
            Self::Record(r) => r.type_name(),
            Self::RunCompleted(r) => r.type_name(),
        }
    }

    /// Every event type a client app may subscribe to.
    pub fn types() -> Vec<&'static str> {
        Self::WORK_TYPES
            .into_iter()
            .chain(super::RecordChange::types())
            .collect()
    }

    /// Whether webhook subscriptions receive this event.
    pub fn delivered_to_webhooks(&self) -> bool {
        match self {
            Self::Record(r) => r.delivered_to_webhooks(),
            // (a subscription is never told of itself, nor of the subscriptions beside it; a
            // run's records are their own events)
            Self::WebhookDisabled { .. } | Self::RunCompleted(_) => false,
            _ => true,
        }
    }

    /// Whether a client app may subscribe to this name.
    pub fn is_type(name: &str) -> bool {
        Self::types().contains(&name)
    }

    /// The event types of shared work (cases, meetings, referrals, allocations, staff).
    const WORK_TYPES: [&'static str; 44] = [
        "case.opened",
        "case.participant_added",
        "case.participant_removed",
        "visit.planned",
        "referral.sent",
        "referral.accepted",
        "referral.declined",
        "referral.completed",
        "case.assigned",
        "case.status_changed",
        "meeting.scheduled",
        "meeting.finalized",
        "action_item.assigned",
        "allocation.recorded",
        "allocation.override_requested",
        "consent.self_recorded",
        "consent.revoked",
        "user.password_reset",
        "allocation.override_decided",
        "handover.completed",
        "case.assessed",
        "case.plan_recorded",
        "case.plan_reviewed",
        "case.member_added",
        "case.member_removed",
        "meeting.agenda_requested",
        "meeting.agenda_request_accepted",
        "meeting.agenda_request_declined",
        "case.updated",
        "case.note_added",
        "action_item.completed",
        "case.lead_changed",
        "meeting.agenda_added",
        "meeting.agenda_removed",
        "meeting.cancelled",
        "case.decision_applied",
        "case.handed_over",
        "case.follow_up_ended",
        "meeting.updated",
        "allocation.delivered",
        "allocation.cancelled",
        "allocation.status_changed",
        "referral.waiting",
        "consent.access_lost",
    ];
}
