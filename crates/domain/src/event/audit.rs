//! The audit event of an event.

use serde_json::{json, Value};
use uuid::Uuid;

use super::{AuditKind, DomainEvent};

impl DomainEvent {
    /// The audit event: action, resource type and id, and details (no personal data).
    pub fn audit(&self) -> (AuditKind, &'static str, Uuid, Value) {
        match self {
            Self::ReferralSent { referral_id, .. } => {
                (AuditKind::Create, "referral", *referral_id, json!({}))
            }
            Self::ReferralAnswered {
                referral_id,
                status,
                ..
            } => (
                AuditKind::Update,
                "referral",
                *referral_id,
                json!({ "status": status }),
            ),
            Self::CaseOpened { case_id, .. } => (AuditKind::Create, "case", *case_id, json!({})),
            Self::ParticipantChanged {
                case_id,
                org_id,
                role,
                ..
            } => (
                AuditKind::Update,
                "case",
                *case_id,
                match role {
                    Some(_) => json!({ "participant_added": org_id }),
                    None => json!({ "participant_removed": org_id }),
                },
            ),
            Self::CaseAssigned {
                case_id, user_id, ..
            } => (
                AuditKind::Update,
                "case",
                *case_id,
                json!({ "assigned": user_id }),
            ),
            Self::CaseStatusChanged { case_id, to, .. } => (
                AuditKind::Update,
                "case",
                *case_id,
                json!({ "status": to.as_str() }),
            ),
            Self::MeetingScheduled {
                meeting_id, kind, ..
            } => (
                AuditKind::Create,
                "meeting",
                *meeting_id,
                json!({ "kind": kind }),
            ),
            Self::MeetingFinalized {
                meeting_id,
                decisions,
                ..
            } => (
                AuditKind::Update,
                "meeting",
                *meeting_id,
                json!({ "status": "held", "decisions": decisions }),
            ),
            Self::ActionItemAssigned {
                action_item_id,
                assignee_user_id,
                ..
            } => (
                AuditKind::Create,
                "action_item",
                *action_item_id,
                json!({ "assignee_user_id": assignee_user_id }),
            ),
            Self::AllocationRecorded {
                allocation_id,
                resource_id,
                status,
                ..
            } => (
                AuditKind::Create,
                "allocation",
                *allocation_id,
                json!({ "outcome": status, "resource_id": resource_id }),
            ),
            Self::PasswordReset { user_id, .. } => (
                AuditKind::Update,
                "user",
                *user_id,
                json!({ "password_reset": true }),
            ),
            Self::WebhookDisabled {
                subscription_id, ..
            } => (
                AuditKind::Update,
                "webhook",
                *subscription_id,
                json!({ "active": false, "reason": "deliveries_failed" }),
            ),
            Self::ConsentSelfRecorded { consent_id, .. } => (
                AuditKind::Create,
                "consent",
                *consent_id,
                json!({ "self_recorded": true }),
            ),
            Self::ConsentRevoked { consent_id, .. } => (
                AuditKind::Update,
                "consent",
                *consent_id,
                json!({ "revoked": true }),
            ),
            Self::OverrideRequested { allocation_id, .. } => (
                AuditKind::Update,
                "allocation",
                *allocation_id,
                json!({ "override": "requested" }),
            ),
            Self::OverrideDecided {
                allocation_id,
                approved,
                ..
            } => (
                AuditKind::Update,
                "allocation",
                *allocation_id,
                json!({ "status": if *approved { "approved" } else { "rejected" } }),
            ),
            Self::VisitPlanned { visit_id, .. } => {
                (AuditKind::Create, "visit", *visit_id, json!({}))
            }
            Self::HandoverCompleted {
                from_user_id,
                to_user_id,
                moved,
                ..
            } => (
                AuditKind::Update,
                "user",
                *from_user_id,
                json!({ "handover_to": to_user_id, "moved": moved }),
            ),
            Self::AssessmentRecorded { assessment_id, .. } => {
                (AuditKind::Create, "assessment", *assessment_id, json!({}))
            }
            Self::PlanRecorded {
                plan_id, revision, ..
            } => (
                AuditKind::Create,
                "service_plan",
                *plan_id,
                json!({ "revision": revision }),
            ),
            Self::PlanReviewed { review_id, .. } => {
                (AuditKind::Create, "plan_review", *review_id, json!({}))
            }
            Self::CaseMemberChanged {
                case_id,
                person_id,
                added,
            } => (
                AuditKind::Update,
                "case",
                *case_id,
                if *added {
                    json!({ "member_added": person_id })
                } else {
                    json!({ "member_removed": person_id })
                },
            ),
            Self::AgendaRequested {
                request_id,
                meeting_id,
                ..
            } => (
                AuditKind::Create,
                "agenda_request",
                *request_id,
                json!({ "meeting_id": meeting_id }),
            ),
            Self::AgendaRequestAnswered {
                request_id,
                accepted,
                ..
            } => (
                AuditKind::Update,
                "agenda_request",
                *request_id,
                json!({ "status": if *accepted { "accepted" } else { "declined" } }),
            ),
            Self::CaseUpdated {
                case_id, fields, ..
            } => (
                AuditKind::Update,
                "case",
                *case_id,
                json!({ "fields": fields }),
            ),
            Self::NoteAdded {
                case_id, note_id, ..
            } => (
                AuditKind::Create,
                "case",
                *case_id,
                json!({ "note_id": note_id }),
            ),
            Self::ActionItemCompleted { action_item_id, .. } => (
                AuditKind::Update,
                "action_item",
                *action_item_id,
                json!({ "completed": true }),
            ),
            Self::LeadChanged {
                case_id,
                to_org_id,
                meeting_id,
                referral_id,
                ..
            } => (
                AuditKind::Update,
                "case",
                *case_id,
                json!({ "lead_org_id": to_org_id, "meeting_id": meeting_id, "referral_id": referral_id }),
            ),
            Self::AgendaChanged {
                case_id,
                meeting_id,
                added,
                ..
            } => (
                AuditKind::Update,
                "case",
                *case_id,
                if *added {
                    json!({ "agenda_added": meeting_id })
                } else {
                    json!({ "agenda_removed": meeting_id })
                },
            ),
            Self::MeetingCancelled { meeting_id, .. } => (
                AuditKind::Update,
                "meeting",
                *meeting_id,
                json!({ "status": "cancelled" }),
            ),
            Self::DecisionApplied {
                case_id,
                meeting_id,
                decision,
                ..
            } => (
                AuditKind::Update,
                "case",
                *case_id,
                json!({ "meeting_id": meeting_id, "decision": decision }),
            ),
            Self::CaseHandedOver {
                case_id,
                to_user_id,
                ..
            } => (
                AuditKind::Update,
                "case",
                *case_id,
                json!({ "handover_to": to_user_id }),
            ),
            Self::ReferralWaiting {
                referral_id, days, ..
            } => (
                AuditKind::Update,
                "referral",
                *referral_id,
                json!({ "reminded_after_days": days }),
            ),
            Self::AccessLost {
                consent_id, org_id, ..
            } => (
                AuditKind::Update,
                "consent",
                *consent_id,
                json!({ "access_lost_by": org_id }),
            ),
            Self::FollowUpEnded { case_id, .. } => (
                AuditKind::Update,
                "case",
                *case_id,
                json!({ "status": "closed", "follow_up_ended": true }),
            ),
            Self::MeetingChanged {
                meeting_id,
                details,
                ..
            } => (AuditKind::Update, "meeting", *meeting_id, details.clone()),
            Self::AllocationStatusChanged {
                allocation_id,
                status,
                ..
            } => (
                AuditKind::Update,
                "allocation",
                *allocation_id,
                json!({ "status": status }),
            ),
            Self::Record(r) => r.audit(),
            Self::RunCompleted(r) => r.audit(),
        }
    }
}
