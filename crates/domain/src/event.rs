//! Domain events: what happened, as one typed value. The unit of work turns each into its
//! timeline entry, audit event, notifications and outbox row, written together in the
//! transaction of the change — a new feature adds an event type, not five writes.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::case::{ClosingReason, Status};

/// Who is told of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// One user.
    User(Uuid),
    /// The active staff of an organization (but the actor).
    OrgStaff(Uuid),
    /// The active coordinators of a district (but the actor).
    Coordinators(String),
    /// The active admins of an organization (but the actor).
    OrgAdmins(Uuid),
}

/// What an event records in the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditKind {
    Create,
    Update,
}

/// Something that happened to shared work.
#[derive(Debug, Clone, PartialEq)]
pub enum DomainEvent {
    ReferralSent {
        referral_id: Uuid,
        case_id: Uuid,
        from_org_id: Uuid,
        to_org_id: Uuid,
    },
    ReferralAnswered {
        referral_id: Uuid,
        case_id: Uuid,
        from_org_id: Uuid,
        to_org_id: Uuid,
        /// `accepted`, `declined` or `completed`.
        status: &'static str,
    },
    CaseOpened {
        case_id: Uuid,
        case_no: String,
        lead_org_id: Uuid,
    },
    ParticipantChanged {
        case_id: Uuid,
        org_id: Uuid,
        /// The participant role when added; `None` when removed.
        role: Option<&'static str>,
    },
    CaseAssigned {
        case_id: Uuid,
        user_id: Uuid,
        role: &'static str,
    },
    CaseStatusChanged {
        case_id: Uuid,
        from: Status,
        to: Status,
        reason: Option<String>,
        /// Why the case closed, on a move to `closed`.
        closing_reason: Option<ClosingReason>,
    },
    MeetingScheduled {
        meeting_id: Uuid,
        host_org_id: Uuid,
        kind: &'static str,
        scheduled_at: DateTime<Utc>,
        invitee_user_ids: Vec<Uuid>,
    },
    MeetingFinalized {
        meeting_id: Uuid,
        host_org_id: Uuid,
        decisions: usize,
        invitee_user_ids: Vec<Uuid>,
        /// Organizations of the decided cases (after the decisions), told of the outcome.
        partner_org_ids: Vec<Uuid>,
    },
    ActionItemAssigned {
        action_item_id: Uuid,
        meeting_id: Uuid,
        case_id: Uuid,
        assignee_user_id: Uuid,
        description: String,
        due_on: NaiveDate,
    },
    AllocationRecorded {
        allocation_id: Uuid,
        case_id: Option<Uuid>,
        resource_id: Uuid,
        resource_name: String,
        provider_org_id: Uuid,
        status: &'static str,
        granted_on: NaiveDate,
    },
    OverrideRequested {
        allocation_id: Uuid,
        district_code: String,
    },
    /// A consent recorded by an organization that gave it access it did not have: for the
    /// registering organization's and the district coordinators' review.
    ConsentSelfRecorded {
        consent_id: Uuid,
        person_id: Uuid,
        recorded_by_org_id: Uuid,
        registered_by_org_id: Uuid,
        district_code: String,
    },
    /// A user's password set by someone else (temporary until the user changes it).
    PasswordReset { user_id: Uuid, org_id: Uuid },
    /// A self-recorded consent revoked by its reviewer.
    ConsentRevoked {
        consent_id: Uuid,
        person_id: Uuid,
        recorded_by_org_id: Uuid,
    },
    OverrideDecided {
        allocation_id: Uuid,
        approved: bool,
        requested_by: Uuid,
    },
    VisitPlanned {
        visit_id: Uuid,
        case_id: Uuid,
        scheduled_at: DateTime<Utc>,
        co_visitor_user_ids: Vec<Uuid>,
    },
    HandoverCompleted {
        from_user_id: Uuid,
        to_user_id: Uuid,
        successor_name: String,
        successor_org_id: Uuid,
        moved: usize,
        partner_org_ids: Vec<Uuid>,
    },
    AssessmentRecorded {
        assessment_id: Uuid,
        case_id: Uuid,
        assessed_on: NaiveDate,
        risk_level: &'static str,
    },
    PlanRecorded {
        plan_id: Uuid,
        case_id: Uuid,
        revision: i32,
        /// Provider organizations and responsible users the plan names (besides the actor's).
        provider_org_ids: Vec<Uuid>,
        responsible_user_ids: Vec<Uuid>,
    },
    PlanReviewed {
        review_id: Uuid,
        plan_id: Uuid,
        case_id: Uuid,
        reviewed_on: NaiveDate,
        next_review_on: Option<NaiveDate>,
    },
    CaseMemberChanged {
        case_id: Uuid,
        person_id: Uuid,
        added: bool,
    },
    AgendaRequested {
        request_id: Uuid,
        meeting_id: Uuid,
        case_id: Uuid,
        host_org_id: Uuid,
    },
    AgendaRequestAnswered {
        request_id: Uuid,
        meeting_id: Uuid,
        case_id: Uuid,
        from_org_id: Uuid,
        accepted: bool,
    },
}

/// A timeline entry: the case, its kind and its data.
pub struct TimelineEntry {
    pub case_id: Uuid,
    pub kind: String,
    pub data: Value,
}

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
        }
    }

    /// Every event type a client app may subscribe to.
    pub const TYPES: [&'static str; 28] = [
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
    ];

    /// The case timeline entry, for events that happen to a case.
    pub fn timeline(&self) -> Option<TimelineEntry> {
        let entry = |case_id: Uuid, kind: &str, data: Value| {
            Some(TimelineEntry {
                case_id,
                kind: kind.to_owned(),
                data,
            })
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
            } => entry(
                *case_id,
                "participant_added",
                json!({ "organization_id": org_id, "role": role }),
            ),
            Self::ParticipantChanged {
                case_id,
                org_id,
                role: None,
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
            _ => None,
        }
    }

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
        }
    }

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
            Self::ParticipantChanged { org_id, .. } => vec![Audience::OrgStaff(*org_id)],
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
        }
    }

    /// The notification title, in Korean or English. Names only what every recipient may
    /// already see (no person data): a successor's name and organization are staff data.
    pub fn title(&self, korean: bool) -> String {
        let t = |ko: &str, en: &str| if korean { ko.to_owned() } else { en.to_owned() };
        match self {
            Self::ReferralSent { .. } => t("새 의뢰가 도착했습니다", "A referral arrived"),
            Self::ReferralAnswered { status, .. } => match *status {
                "accepted" => t("의뢰가 수락되었습니다", "A referral was accepted"),
                "declined" => t("의뢰가 거절되었습니다", "A referral was declined"),
                _ => t("의뢰가 완료되었습니다", "A referral was completed"),
            },
            Self::CaseOpened { .. } => t("사례가 열렸습니다", "A case was opened"),
            Self::ParticipantChanged { role: Some(_), .. } => t(
                "기관이 사례에 참여하게 되었습니다",
                "Your organization now takes part in a case",
            ),
            Self::ParticipantChanged { role: None, .. } => t(
                "기관이 사례에서 빠졌습니다",
                "Your organization no longer takes part in a case",
            ),
            Self::CaseAssigned { .. } => t("사례가 배정되었습니다", "A case was assigned to you"),
            Self::CaseStatusChanged { .. } => {
                t("사례 상태가 바뀌었습니다", "A case changed status")
            }
            Self::MeetingScheduled { scheduled_at, .. } => {
                // Korea Standard Time (UTC+9, no daylight saving).
                let at = (*scheduled_at + chrono::Duration::hours(9)).format("%Y-%m-%d %H:%M");
                if korean {
                    format!("회의에 초대되었습니다 ({at})")
                } else {
                    format!("You are invited to a meeting ({at} KST)")
                }
            }
            Self::MeetingFinalized { .. } => t(
                "회의 결과가 확정되었습니다",
                "A meeting's decisions were finalized",
            ),
            Self::ActionItemAssigned { due_on, .. } => {
                if korean {
                    format!("조치 사항이 배정되었습니다 (기한 {due_on})")
                } else {
                    format!("An action item was assigned to you (due {due_on})")
                }
            }
            Self::AllocationRecorded { .. } => {
                t("지원이 기록되었습니다", "An allocation was recorded")
            }
            Self::VisitPlanned { scheduled_at, .. } => {
                let at = (*scheduled_at + chrono::Duration::hours(9)).format("%Y-%m-%d %H:%M");
                if korean {
                    format!("공동 가정방문이 예정되었습니다 ({at})")
                } else {
                    format!("A joint home visit is planned ({at} KST)")
                }
            }
            Self::PasswordReset { .. } => t(
                "직원의 비밀번호가 다른 사람에 의해 재설정되었습니다(임시 비밀번호)",
                "A staff member's password was reset by someone else (temporary password)",
            ),
            Self::ConsentSelfRecorded { .. } => t(
                "다른 기관이 스스로 열람 권한을 주는 정보제공동의를 기록했습니다. 검토해 주세요",
                "Another organization recorded a consent giving itself access; please review it",
            ),
            Self::ConsentRevoked { .. } => t(
                "기록한 정보제공동의가 검토 후 철회되었습니다",
                "A consent your organization recorded was revoked on review",
            ),
            Self::OverrideRequested { .. } => t(
                "중복지원 예외 승인 요청이 있습니다",
                "An override awaits approval",
            ),
            Self::OverrideDecided { approved, .. } => {
                if *approved {
                    t(
                        "예외 승인 요청이 승인되었습니다",
                        "Your override was approved",
                    )
                } else {
                    t(
                        "예외 승인 요청이 반려되었습니다",
                        "Your override was rejected",
                    )
                }
            }
            Self::HandoverCompleted {
                successor_name,
                moved,
                ..
            } => {
                if korean {
                    format!("담당자가 바뀌었습니다: 후임 {successor_name} ({moved}건)")
                } else {
                    format!("Handover: {successor_name} now handles {moved} item(s)")
                }
            }
            Self::AssessmentRecorded { .. } => {
                t("사정 기록이 추가되었습니다", "An assessment was recorded")
            }
            Self::PlanRecorded { .. } => t(
                "서비스 계획에 기관 또는 담당자로 지정되었습니다",
                "A service plan names you or your organization",
            ),
            Self::PlanReviewed { .. } => t(
                "서비스 계획 점검이 기록되었습니다",
                "A plan review was recorded",
            ),
            Self::CaseMemberChanged { added: true, .. } => t(
                "가구원이 사례에 추가되었습니다",
                "A member was added to a case",
            ),
            Self::CaseMemberChanged { added: false, .. } => t(
                "가구원이 사례에서 빠졌습니다",
                "A member was removed from a case",
            ),
            Self::AgendaRequested { .. } => t(
                "회의 안건 상정 요청이 있습니다",
                "A case was proposed for your meeting",
            ),
            Self::AgendaRequestAnswered { accepted: true, .. } => t(
                "안건 상정 요청이 받아들여졌습니다",
                "Your agenda request was accepted",
            ),
            Self::AgendaRequestAnswered {
                accepted: false, ..
            } => t(
                "안건 상정 요청이 거절되었습니다",
                "Your agenda request was declined",
            ),
        }
    }

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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_names_a_subscribable_type_and_carries_no_text_of_persons() {
        let id = Uuid::now_v7();
        let events = [
            DomainEvent::ReferralSent {
                referral_id: id,
                case_id: id,
                from_org_id: id,
                to_org_id: id,
            },
            DomainEvent::OverrideRequested {
                allocation_id: id,
                district_code: "11440".into(),
            },
            DomainEvent::ConsentSelfRecorded {
                consent_id: id,
                person_id: id,
                recorded_by_org_id: id,
                registered_by_org_id: id,
                district_code: "11440".into(),
            },
            DomainEvent::ConsentRevoked {
                consent_id: id,
                person_id: id,
                recorded_by_org_id: id,
            },
            DomainEvent::PasswordReset {
                user_id: id,
                org_id: id,
            },
            DomainEvent::HandoverCompleted {
                from_user_id: id,
                to_user_id: id,
                successor_name: "김후임".into(),
                successor_org_id: id,
                moved: 3,
                partner_org_ids: vec![id],
            },
        ];
        for e in &events {
            assert!(DomainEvent::TYPES.contains(&e.type_name()));
            assert!(!e.payload().to_string().contains("김"));
            assert!(!e.title(true).is_empty() && !e.title(false).is_empty());
        }
    }
}
