//! Domain events: what happened, as one typed value. The unit of work turns each into its
//! timeline entry, audit event, notifications and outbox row, written together in the
//! transaction of the change — a new feature adds an event type, not five writes.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
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
    Delete,
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
        /// The referral whose acceptance added it (its sender was told of the acceptance).
        referral_id: Option<Uuid>,
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
    PasswordReset {
        user_id: Uuid,
        org_id: Uuid,
    },
    /// A webhook subscription the server disabled after its deliveries failed for the whole
    /// retry period: its organization's admins are told (never delivered to webhooks).
    WebhookDisabled {
        subscription_id: Uuid,
        org_id: Uuid,
    },
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
    /// A case's summary, risk level or needs changed.
    CaseUpdated {
        case_id: Uuid,
        fields: Vec<&'static str>,
        risk_level: Option<&'static str>,
    },
    /// A note (a call, a visit, counselling) was added to a case; `only_org_id` keeps it to
    /// the writing organization.
    NoteAdded {
        case_id: Uuid,
        note_id: Uuid,
        kind: &'static str,
        co_visitor_user_ids: Vec<Uuid>,
        only_org_id: Option<Uuid>,
    },
    ActionItemCompleted {
        action_item_id: Uuid,
        case_id: Uuid,
    },
    /// The lead of a case moved to another organization: by a meeting's decision, or by the
    /// receiver accepting a referral that asked it to lead.
    LeadChanged {
        case_id: Uuid,
        from_org_id: Uuid,
        to_org_id: Uuid,
        meeting_id: Option<Uuid>,
        referral_id: Option<Uuid>,
    },
    /// A case was put on, or taken off, a meeting's agenda.
    AgendaChanged {
        case_id: Uuid,
        meeting_id: Uuid,
        meeting_kind: &'static str,
        scheduled_at: DateTime<Utc>,
        added: bool,
    },
    MeetingCancelled {
        meeting_id: Uuid,
        host_org_id: Uuid,
        /// The cases of its agenda, each told on its timeline.
        case_ids: Vec<Uuid>,
        invitee_user_ids: Vec<Uuid>,
    },
    /// A meeting's decision on a case, as applied to it at finalization.
    DecisionApplied {
        case_id: Uuid,
        meeting_id: Uuid,
        meeting_kind: &'static str,
        decision: &'static str,
        notes: Option<String>,
        /// A recommendation to the lead (the host does not lead the case).
        recommendation: bool,
    },
    /// A departing worker's case went to a successor.
    CaseHandedOver {
        case_id: Uuid,
        from_user_id: Uuid,
        to_user_id: Uuid,
        successor_name: String,
        note: Option<String>,
    },
    /// A scheduled meeting changed (its time, place or title, attendance, agenda); when its
    /// time or place moved, the invitees are told.
    MeetingChanged {
        meeting_id: Uuid,
        host_org_id: Uuid,
        details: Value,
        invitee_user_ids: Vec<Uuid>,
    },
    /// An allocation was delivered or cancelled (not by an override decision).
    AllocationStatusChanged {
        allocation_id: Uuid,
        case_id: Option<Uuid>,
        provider_org_id: Uuid,
        status: &'static str,
    },
    /// A referral has waited `days` for its answer (a reminder to both ends, every
    /// `HAMKKE_REFERRAL_REMIND_DAYS` while it waits).
    ReferralWaiting {
        referral_id: Uuid,
        case_id: Uuid,
        from_org_id: Uuid,
        to_org_id: Uuid,
        days: i64,
    },
    /// A withdrawn consent took away an organization's sight of a person's details: its
    /// workers are told, with the cases it takes part in.
    AccessLost {
        consent_id: Uuid,
        person_id: Uuid,
        org_id: Uuid,
        /// The organization's cases of the person: id and case number.
        cases: Vec<(Uuid, String)>,
    },
    /// A follow-up period (사후관리) ended by itself: the case closed.
    FollowUpEnded {
        case_id: Uuid,
        lead_org_id: Uuid,
    },
    /// A record of the register, the directory, the catalogue or an integration changed.
    Record(RecordChange),
    /// A run over many records ended (an import, retention, a key rotation): told to no one,
    /// never delivered to webhooks.
    RunCompleted(RunCompleted),
}

/// A timeline entry: the case, its kind and its data, and the one organization it is kept
/// for (`None`: every participant).
pub struct TimelineEntry {
    pub case_id: Uuid,
    pub kind: String,
    pub data: Value,
    pub only_org_id: Option<Uuid>,
}

mod audience;
mod audit;
mod names;
mod payload;
mod record;
mod run;
mod timeline;
mod title;

pub use record::{Change, Record, RecordChange};
pub use run::{Run, RunCompleted};

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
            assert!(DomainEvent::is_type(e.type_name()));
            assert!(!e.payload().to_string().contains("김"));
            assert!(!e.title(true).is_empty() && !e.title(false).is_empty());
        }
    }

    #[test]
    fn a_run_is_audited_under_its_own_id_and_told_to_no_one() {
        for (run, name, action, resource) in [
            (
                Run::AllocationImport,
                "allocation_import.completed",
                AuditKind::Create,
                "allocation_import",
            ),
            (
                Run::Retention,
                "retention.completed",
                AuditKind::Delete,
                "retention",
            ),
            (
                Run::KeyRotation,
                "person_keys.rotated",
                AuditKind::Update,
                "person_keys",
            ),
        ] {
            let r = RunCompleted::new(run, serde_json::json!({ "rows": 3 }));
            let id = r.id;
            let e = DomainEvent::from(r);
            assert_eq!(e.type_name(), name);
            assert_eq!(
                e.audit(),
                (action, resource, id, serde_json::json!({ "rows": 3 }))
            );
            assert_eq!(e.payload(), serde_json::json!({ "run_id": id }));
            assert!(e.audience().is_empty() && e.timeline().is_empty());
            assert!(!e.delivered_to_webhooks() && !DomainEvent::is_type(name));
        }
    }
}
