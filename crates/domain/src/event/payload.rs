//! What client apps receive of an event.

use serde_json::{json, Value};

use super::DomainEvent;

impl DomainEvent {
    /// What client apps receive (ids only; the receiver fetches what it may see).
    pub fn payload(&self) -> Value {
        match self {
            Self::ReferralSent {
                referral_id,
                case_id,
                from_org_id,
                to_org_id,
            }
            | Self::ReferralAnswered {
                referral_id,
                case_id,
                from_org_id,
                to_org_id,
                ..
            } => {
                json!({ "referral_id": referral_id, "case_id": case_id, "from_org_id": from_org_id, "to_org_id": to_org_id })
            }
            Self::CaseOpened {
                case_id,
                lead_org_id,
                ..
            } => json!({ "case_id": case_id, "lead_org_id": lead_org_id }),
            Self::ParticipantChanged {
                case_id,
                org_id,
                role,
                ..
            } => json!({ "case_id": case_id, "organization_id": org_id, "role": role }),
            Self::CaseAssigned {
                case_id,
                user_id,
                role,
            } => json!({ "case_id": case_id, "user_id": user_id, "role": role }),
            Self::CaseStatusChanged {
                case_id, from, to, ..
            } => {
                json!({ "case_id": case_id, "from": from.as_str(), "to": to.as_str() })
            }
            Self::MeetingScheduled {
                meeting_id,
                host_org_id,
                scheduled_at,
                ..
            } => {
                json!({ "meeting_id": meeting_id, "host_org_id": host_org_id, "scheduled_at": scheduled_at })
            }
            Self::MeetingFinalized {
                meeting_id,
                host_org_id,
                decisions,
                ..
            } => {
                json!({ "meeting_id": meeting_id, "host_org_id": host_org_id, "decisions": decisions })
            }
            Self::ActionItemAssigned {
                action_item_id,
                meeting_id,
                case_id,
                assignee_user_id,
                due_on,
                ..
            } => {
                json!({ "action_item_id": action_item_id, "meeting_id": meeting_id, "case_id": case_id, "assignee_user_id": assignee_user_id, "due_on": due_on })
            }
            Self::AllocationRecorded {
                allocation_id,
                case_id,
                resource_id,
                provider_org_id,
                status,
                granted_on,
                ..
            } => {
                json!({ "allocation_id": allocation_id, "case_id": case_id, "resource_id": resource_id, "provider_org_id": provider_org_id, "status": status, "granted_on": granted_on })
            }
            Self::OverrideRequested { allocation_id, .. } => {
                json!({ "allocation_id": allocation_id })
            }
            Self::PasswordReset { user_id, .. } => json!({ "user_id": user_id }),
            Self::WebhookDisabled {
                subscription_id, ..
            } => json!({ "subscription_id": subscription_id }),
            Self::ConsentSelfRecorded {
                consent_id,
                person_id,
                recorded_by_org_id,
                ..
            } => {
                json!({ "consent_id": consent_id, "person_id": person_id, "recorded_by_org_id": recorded_by_org_id })
            }
            Self::ConsentRevoked {
                consent_id,
                person_id,
                ..
            } => json!({ "consent_id": consent_id, "person_id": person_id }),
            Self::OverrideDecided {
                allocation_id,
                approved,
                ..
            } => json!({ "allocation_id": allocation_id, "approved": approved }),
            Self::VisitPlanned {
                visit_id,
                case_id,
                scheduled_at,
                co_visitor_user_ids,
            } => {
                json!({ "visit_id": visit_id, "case_id": case_id, "scheduled_at": scheduled_at, "co_visitor_user_ids": co_visitor_user_ids })
            }
            Self::HandoverCompleted {
                from_user_id,
                to_user_id,
                successor_org_id,
                moved,
                ..
            } => {
                json!({ "from_user_id": from_user_id, "to_user_id": to_user_id, "successor_org_id": successor_org_id, "moved": moved })
            }
            Self::AssessmentRecorded {
                assessment_id,
                case_id,
                assessed_on,
                risk_level,
            } => {
                json!({ "assessment_id": assessment_id, "case_id": case_id, "assessed_on": assessed_on, "risk_level": risk_level })
            }
            Self::PlanRecorded {
                plan_id,
                case_id,
                revision,
                ..
            } => json!({ "plan_id": plan_id, "case_id": case_id, "revision": revision }),
            Self::PlanReviewed {
                review_id,
                plan_id,
                case_id,
                reviewed_on,
                next_review_on,
            } => {
                json!({ "review_id": review_id, "plan_id": plan_id, "case_id": case_id, "reviewed_on": reviewed_on, "next_review_on": next_review_on })
            }
            Self::CaseMemberChanged {
                case_id,
                person_id,
                added,
            } => json!({ "case_id": case_id, "person_id": person_id, "added": added }),
            Self::AgendaRequested {
                request_id,
                meeting_id,
                case_id,
                host_org_id,
            } => {
                json!({ "agenda_request_id": request_id, "meeting_id": meeting_id, "case_id": case_id, "host_org_id": host_org_id })
            }
            Self::AgendaRequestAnswered {
                request_id,
                meeting_id,
                case_id,
                from_org_id,
                accepted,
            } => {
                json!({ "agenda_request_id": request_id, "meeting_id": meeting_id, "case_id": case_id, "from_org_id": from_org_id, "accepted": accepted })
            }
            Self::CaseUpdated {
                case_id, fields, ..
            } => json!({ "case_id": case_id, "fields": fields }),
            // (an organization's own note is told to no other: its outbox row goes to the
            // writing organization alone)
            Self::NoteAdded {
                case_id, note_id, ..
            } => json!({ "case_id": case_id, "note_id": note_id }),
            Self::ActionItemCompleted {
                action_item_id,
                case_id,
            } => json!({ "action_item_id": action_item_id, "case_id": case_id }),
            Self::LeadChanged {
                case_id,
                from_org_id,
                to_org_id,
                meeting_id,
                referral_id,
            } => {
                json!({ "case_id": case_id, "from_org_id": from_org_id, "to_org_id": to_org_id, "meeting_id": meeting_id, "referral_id": referral_id })
            }
            Self::AgendaChanged {
                case_id,
                meeting_id,
                added,
                ..
            } => json!({ "case_id": case_id, "meeting_id": meeting_id, "added": added }),
            Self::MeetingCancelled {
                meeting_id,
                host_org_id,
                ..
            } => json!({ "meeting_id": meeting_id, "host_org_id": host_org_id }),
            Self::DecisionApplied {
                case_id,
                meeting_id,
                decision,
                ..
            } => json!({ "case_id": case_id, "meeting_id": meeting_id, "decision": decision }),
            Self::CaseHandedOver {
                case_id,
                from_user_id,
                to_user_id,
                ..
            } => {
                json!({ "case_id": case_id, "from_user_id": from_user_id, "to_user_id": to_user_id })
            }
            Self::ReferralWaiting {
                referral_id,
                case_id,
                from_org_id,
                to_org_id,
                days,
            } => {
                json!({ "referral_id": referral_id, "case_id": case_id, "from_org_id": from_org_id, "to_org_id": to_org_id, "days": days })
            }
            Self::AccessLost {
                consent_id,
                person_id,
                org_id,
                cases,
            } => {
                json!({ "consent_id": consent_id, "person_id": person_id, "org_id": org_id, "case_ids": cases.iter().map(|(c, _)| c).collect::<Vec<_>>() })
            }
            Self::FollowUpEnded {
                case_id,
                lead_org_id,
            } => json!({ "case_id": case_id, "lead_org_id": lead_org_id }),
            Self::MeetingChanged {
                meeting_id,
                host_org_id,
                ..
            } => json!({ "meeting_id": meeting_id, "host_org_id": host_org_id }),
            Self::AllocationStatusChanged {
                allocation_id,
                case_id,
                provider_org_id,
                status,
            } => {
                json!({ "allocation_id": allocation_id, "case_id": case_id, "provider_org_id": provider_org_id, "status": status })
            }
            Self::Record(r) => r.payload(),
            Self::RunCompleted(r) => r.payload(),
        }
    }
}
