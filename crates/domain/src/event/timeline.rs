//! The case timeline entry of an event.

use serde_json::{json, Value};
use uuid::Uuid;

use super::{DomainEvent, TimelineEntry};

impl DomainEvent {
    /// The case timeline entry, for events that happen to a case.
    pub fn timeline(&self) -> Vec<TimelineEntry> {
        let entry = |case_id: Uuid, kind: &str, data: Value| {
            vec![TimelineEntry {
                case_id,
                kind: kind.to_owned(),
                data,
                only_org_id: None,
            }]
        };
        match self {
            Self::ReferralSent {
                referral_id,
                case_id,
                to_org_id,
                ..
            } => entry(
                *case_id,
                "referral_sent",
                json!({ "referral_id": referral_id, "to_org_id": to_org_id }),
            ),
            Self::ReferralAnswered {
                referral_id,
                case_id,
                status,
                ..
            } => entry(
                *case_id,
                &format!("referral_{status}"),
                json!({ "referral_id": referral_id }),
            ),
            Self::CaseOpened {
                case_id, case_no, ..
            } => entry(
                *case_id,
                "case_opened",
                json!({ "case_no": case_no, "status": "discovered" }),
            ),
            Self::ParticipantChanged {
                case_id,
                org_id,
                role: Some(role),
                referral_id,
            } => entry(
                *case_id,
                "participant_added",
                match referral_id {
                    Some(r) => {
                        json!({ "organization_id": org_id, "role": role, "referral_id": r })
                    }
                    None => json!({ "organization_id": org_id, "role": role }),
                },
            ),
            Self::ParticipantChanged {
                case_id,
                org_id,
                role: None,
                ..
            } => entry(
                *case_id,
                "participant_removed",
                json!({ "organization_id": org_id }),
            ),
            Self::CaseAssigned {
                case_id,
                user_id,
                role,
            } => entry(
                *case_id,
                "assignment_added",
                json!({ "user_id": user_id, "role": role }),
            ),
            Self::CaseStatusChanged {
                case_id,
                from,
                to,
                reason,
                closing_reason,
            } => entry(
                *case_id,
                "status_changed",
                json!({ "from": from.as_str(), "to": to.as_str(), "reason": reason, "closing_reason": closing_reason.map(|c| c.as_str()) }),
            ),
            Self::ActionItemAssigned {
                action_item_id,
                meeting_id,
                case_id,
                assignee_user_id,
                description,
                due_on,
            } => entry(
                *case_id,
                "action_item",
                json!({ "action_item_id": action_item_id, "meeting_id": meeting_id, "assignee_user_id": assignee_user_id, "description": description, "due_on": due_on }),
            ),
            Self::AllocationRecorded {
                allocation_id,
                case_id: Some(case_id),
                resource_id,
                resource_name,
                status,
                granted_on,
                ..
            } => entry(
                *case_id,
                "allocation_recorded",
                json!({ "allocation_id": allocation_id, "resource_id": resource_id, "resource_name": resource_name, "status": status, "granted_on": granted_on }),
            ),
            Self::VisitPlanned {
                visit_id,
                case_id,
                scheduled_at,
                co_visitor_user_ids,
            } => entry(
                *case_id,
                "visit_planned",
                json!({ "visit_id": visit_id, "scheduled_at": scheduled_at, "co_visitor_user_ids": co_visitor_user_ids }),
            ),
            Self::AssessmentRecorded {
                assessment_id,
                case_id,
                assessed_on,
                risk_level,
            } => entry(
                *case_id,
                "assessment_recorded",
                json!({ "assessment_id": assessment_id, "assessed_on": assessed_on, "risk_level": risk_level }),
            ),
            Self::PlanRecorded {
                plan_id,
                case_id,
                revision,
                ..
            } => entry(
                *case_id,
                "plan_recorded",
                json!({ "plan_id": plan_id, "revision": revision }),
            ),
            Self::PlanReviewed {
                review_id,
                plan_id,
                case_id,
                reviewed_on,
                next_review_on,
            } => entry(
                *case_id,
                "plan_reviewed",
                json!({ "review_id": review_id, "plan_id": plan_id, "reviewed_on": reviewed_on, "next_review_on": next_review_on }),
            ),
            Self::CaseMemberChanged {
                case_id,
                person_id,
                added,
            } => entry(
                *case_id,
                if *added {
                    "member_added"
                } else {
                    "member_removed"
                },
                json!({ "person_id": person_id }),
            ),
            Self::AgendaRequested {
                request_id,
                meeting_id,
                case_id,
                ..
            } => entry(
                *case_id,
                "agenda_requested",
                json!({ "agenda_request_id": request_id, "meeting_id": meeting_id }),
            ),
            Self::AgendaRequestAnswered {
                request_id,
                meeting_id,
                case_id,
                accepted,
                ..
            } => entry(
                *case_id,
                if *accepted {
                    "agenda_request_accepted"
                } else {
                    "agenda_request_declined"
                },
                json!({ "agenda_request_id": request_id, "meeting_id": meeting_id }),
            ),
            Self::CaseUpdated {
                case_id,
                fields,
                risk_level,
            } => entry(
                *case_id,
                "case_updated",
                json!({ "fields": fields, "risk_level": risk_level }),
            ),
            Self::NoteAdded {
                case_id,
                note_id,
                kind,
                co_visitor_user_ids,
                only_org_id,
            } => vec![TimelineEntry {
                case_id: *case_id,
                kind: "note_added".into(),
                data: json!({ "note_id": note_id, "kind": kind, "joint_visit": !co_visitor_user_ids.is_empty(), "co_visitor_user_ids": co_visitor_user_ids }),
                only_org_id: *only_org_id,
            }],
            Self::ActionItemCompleted {
                action_item_id,
                case_id,
            } => entry(
                *case_id,
                "action_item_completed",
                json!({ "action_item_id": action_item_id }),
            ),
            Self::LeadChanged {
                case_id,
                from_org_id,
                to_org_id,
                meeting_id,
                referral_id,
            } => entry(
                *case_id,
                "lead_changed",
                json!({ "from": from_org_id, "to": to_org_id, "meeting_id": meeting_id, "referral_id": referral_id }),
            ),
            Self::AgendaChanged {
                case_id,
                meeting_id,
                meeting_kind,
                scheduled_at,
                added,
            } => entry(
                *case_id,
                if *added {
                    "meeting_agenda"
                } else {
                    "meeting_agenda_removed"
                },
                json!({ "meeting_id": meeting_id, "kind": meeting_kind, "scheduled_at": scheduled_at }),
            ),
            Self::MeetingCancelled {
                meeting_id,
                case_ids,
                ..
            } => case_ids
                .iter()
                .flat_map(|c| entry(*c, "meeting_cancelled", json!({ "meeting_id": meeting_id })))
                .collect(),
            Self::DecisionApplied {
                case_id,
                meeting_id,
                meeting_kind,
                decision,
                notes,
                recommendation,
            } => entry(
                *case_id,
                "meeting_decision",
                json!({ "meeting_id": meeting_id, "meeting_kind": meeting_kind, "decision": decision, "notes": notes, "recommendation": recommendation }),
            ),
            Self::CaseHandedOver {
                case_id,
                from_user_id,
                to_user_id,
                successor_name,
                note,
            } => entry(
                *case_id,
                "handover",
                json!({ "from_user_id": from_user_id, "to_user_id": to_user_id, "successor_name": successor_name, "note": note }),
            ),
            Self::ReferralWaiting {
                referral_id,
                case_id,
                days,
                ..
            } => entry(
                *case_id,
                "referral_waiting",
                json!({ "referral_id": referral_id, "days": days }),
            ),
            Self::FollowUpEnded { case_id, .. } => entry(
                *case_id,
                "follow_up_ended",
                json!({ "from": "follow_up", "to": "closed" }),
            ),
            _ => Vec::new(),
        }
    }
}
