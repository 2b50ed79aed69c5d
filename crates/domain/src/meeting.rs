//! Meetings that decide: 사정회의 (assessment meeting, dong-chaired, selects cases for integrated
//! management), 통합사례회의 (integrated case conference) and 솔루션회의 (solution meeting) —
//! and referrals between organizations.

use crate::case::{CaseType, Status};
use crate::str_enum;

str_enum!(
    /// Which meeting.
    MeetingKind {
        Assessment = "assessment",
        IntegratedConference = "integrated_conference",
        Solution = "solution",
    }
);

str_enum!(
    /// A meeting's life: scheduled until finalized (held) or cancelled.
    MeetingStatus {
        Scheduled = "scheduled",
        Held = "held",
        Cancelled = "cancelled",
    }
);

str_enum!(
    /// What a meeting decides for one case on its agenda.
    Decision {
        SelectIntegrated = "select_integrated",
        SimpleLinkage = "simple_linkage",
        Continue = "continue",
        Close = "close",
        Refer = "refer",
        Defer = "defer",
        ChangeLead = "change_lead",
        ChangeType = "change_type",
        ToMonitoring = "to_monitoring",
    }
);

/// What applying a decision does to a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effect {
    pub status: Option<Status>,
    pub case_type: Option<CaseType>,
    /// Whether the decision's lead organization takes over the lead.
    pub changes_lead: bool,
}

impl Decision {
    /// Decisions that change nothing on the case (`continue`, `defer`): on a case the meeting's
    /// host does not lead they are a recommendation to its lead.
    pub fn is_recommendation(self) -> bool {
        matches!(self, Self::Continue | Self::Defer)
    }

    pub fn effect(self) -> Effect {
        let (status, case_type, changes_lead) = match self {
            Self::SelectIntegrated => (Some(Status::InService), Some(CaseType::Integrated), true),
            Self::SimpleLinkage => (
                Some(Status::InService),
                Some(CaseType::SimpleLinkage),
                false,
            ),
            Self::Close => (Some(Status::Closed), None, false),
            // The case stays with its lead until the receiver answers (the referral, asking it
            // to take over the lead, is sent at finalize); accepting it moves the lead.
            Self::Refer => (None, None, false),
            Self::ToMonitoring => (Some(Status::Monitoring), None, false),
            Self::ChangeLead => (None, None, true),
            // The new type is the decision record's.
            Self::Continue | Self::Defer | Self::ChangeType => (None, None, false),
        };
        Effect {
            status,
            case_type,
            changes_lead,
        }
    }

    /// Whether the decision can be applied to a case in `current`: a status change the status
    /// machine allows; a new lead or type only while the case is worked on (not after closing).
    pub fn applies_to(self, current: Status) -> bool {
        match self {
            Self::ChangeLead | Self::ChangeType | Self::Refer => current.counts_as_open(),
            _ => self
                .effect()
                .status
                .is_none_or(|to| current.can_move_to(to)),
        }
    }
}

str_enum!(
    /// A referral's life.
    ReferralStatus {
        Sent = "sent",
        Accepted = "accepted",
        Declined = "declined",
        Completed = "completed",
    }
);

str_enum!(
    /// What a referral asks of its receiver: to take part with a named service (서비스 연계),
    /// or to take over the lead of the case (사례 이관).
    ReferralKind {
        Service = "service",
        Lead = "lead",
    }
);

impl ReferralStatus {
    pub fn can_move_to(self, to: ReferralStatus) -> bool {
        matches!(
            (self, to),
            (Self::Sent, Self::Accepted)
                | (Self::Sent, Self::Declined)
                | (Self::Accepted, Self::Completed)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decisions_map_to_the_documented_effects() {
        assert_eq!(
            Decision::SelectIntegrated.effect().status,
            Some(Status::InService)
        );
        assert_eq!(
            Decision::SelectIntegrated.effect().case_type,
            Some(CaseType::Integrated)
        );
        assert!(Decision::SelectIntegrated.effect().changes_lead);
        assert_eq!(Decision::Close.effect().status, Some(Status::Closed));
        assert_eq!(Decision::Refer.effect().status, None);
        assert!(!Decision::Refer.applies_to(Status::Closed));
        assert_eq!(Decision::Defer.effect().status, None);
        assert!(Decision::ChangeLead.effect().changes_lead);
        assert!(Decision::ChangeLead.applies_to(Status::InService));
        assert!(Decision::ChangeLead.applies_to(Status::Monitoring));
        assert!(!Decision::ChangeLead.applies_to(Status::Closed));
        assert!(Decision::ToMonitoring.applies_to(Status::InService));
        assert!(!Decision::ToMonitoring.applies_to(Status::Assessing));
    }

    #[test]
    fn referrals_move_forward_only() {
        assert!(ReferralStatus::Sent.can_move_to(ReferralStatus::Accepted));
        assert!(!ReferralStatus::Declined.can_move_to(ReferralStatus::Accepted));
        assert!(!ReferralStatus::Sent.can_move_to(ReferralStatus::Completed));
    }

    proptest! {
        /// `continue` and `defer` always apply; a new lead, type or referral only to a case being
        /// worked on; a status-changing decision applies exactly when
        /// the status machine allows its target.
        #[test]
        fn applicability_follows_the_status_machine(d in proptest::sample::select(Decision::ALL.to_vec()), s in proptest::sample::select(Status::ALL.to_vec())) {
            match d.effect().status {
                None if matches!(d, Decision::ChangeLead | Decision::ChangeType | Decision::Refer) => prop_assert_eq!(d.applies_to(s), s.counts_as_open()),
                None => prop_assert!(d.applies_to(s)),
                Some(to) => prop_assert_eq!(d.applies_to(s), s.can_move_to(to)),
            }
        }
    }
}

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

/// A meeting.
#[derive(Debug, Clone)]
pub struct Meeting {
    pub id: Uuid,
    pub kind: MeetingKind,
    pub title: String,
    pub scheduled_at: DateTime<Utc>,
    pub location: Option<String>,
    pub host_org_id: Uuid,
    pub district_code: String,
    pub status: MeetingStatus,
    pub minutes: Option<String>,
    pub finalized_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Someone at the meeting: a user of an organization, or an external guest.
#[derive(Debug, Clone)]
pub struct MeetingParticipant {
    pub user_id: Option<Uuid>,
    pub org_id: Option<Uuid>,
    pub external_name: Option<String>,
    pub external_organization: Option<String>,
    pub external_role: Option<String>,
    pub attended: Option<bool>,
}

/// A task a decision gives someone.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ActionItemSpec {
    pub assignee_user_id: Uuid,
    pub description: String,
    pub due_on: NaiveDate,
}

/// The decision recorded for one agenda case.
#[derive(Debug, Clone)]
pub struct DecisionRecord {
    pub case_id: Uuid,
    pub decision: Decision,
    pub lead_org_id: Option<Uuid>,
    /// For `refer`: the organization the case is referred to (finalizing sends the referral).
    pub refer_to_org_id: Option<Uuid>,
    /// For `change_type`: the new case type.
    pub case_type: Option<CaseType>,
    /// For `close`: why.
    pub closing_reason: Option<crate::case::ClosingReason>,
    pub notes: Option<String>,
    pub action_items: Vec<ActionItemSpec>,
}

/// A case on the agenda, with what the viewer may see of it.
#[derive(Debug, Clone)]
pub struct AgendaItem {
    pub case_id: Uuid,
    /// The case's summary facts, while the viewer may see them.
    pub summary: Option<crate::case::Case>,
    pub decision: Option<DecisionRecord>,
}

/// An action item created by a finalized meeting.
#[derive(Debug, Clone)]
pub struct ActionItem {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub case_id: Uuid,
    pub assignee_user_id: Uuid,
    pub description: String,
    pub due_on: NaiveDate,
    pub completed_at: Option<DateTime<Utc>>,
}

/// A referral of a case from one organization to another.
#[derive(Debug, Clone)]
pub struct Referral {
    pub id: Uuid,
    pub case_id: Uuid,
    pub from_org_id: Uuid,
    pub to_org_id: Uuid,
    pub kind: ReferralKind,
    pub reason: String,
    pub requested_services: Vec<String>,
    pub status: ReferralStatus,
    pub response_note: Option<String>,
    pub outcome: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

str_enum!(
    /// Where a proposal of a case for a meeting stands.
    AgendaRequestStatus {
        Pending = "pending",
        Accepted = "accepted",
        Declined = "declined",
    }
);

/// A participant organization's proposal of a case for another organization's meeting.
#[derive(Debug, Clone)]
pub struct AgendaRequest {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub case_id: Uuid,
    pub from_org_id: Uuid,
    pub requested_by: Uuid,
    pub note: Option<String>,
    pub status: AgendaRequestStatus,
    pub decline_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
}
