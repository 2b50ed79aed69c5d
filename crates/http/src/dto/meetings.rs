//! Meetings, decisions, action items and referrals.

use chrono::{DateTime, NaiveDate, Utc};
use hamkke_domain::case::Case;
use hamkke_domain::meeting::{
    ActionItem, ActionItemSpec, AgendaItem, Decision, DecisionRecord, Meeting, MeetingKind,
    MeetingParticipant, MeetingStatus, ReferralKind, ReferralStatus,
};
use hamkke_persistence::repo::meetings::{MeetingDetail, MeetingPatch, NewMeeting};
use hamkke_persistence::repo::referrals::{NewReferral, ReferralDetail};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::cases::{CaseTypeDto, RiskLevelDto, StatusDto};
use super::common::{double_option, named_each, CaseShown, FromNamed, PersonShown, Refers};
use super::persons::mirror_enum;
use hamkke_persistence::repo::names::{Names, Wanted};

mirror_enum!(
    /// 사정회의 (assessment), 통합사례회의 (integrated case conference) or 솔루션회의 (solution meeting).
    MeetingKindDto => MeetingKind { Assessment, IntegratedConference, Solution }
);
mirror_enum!(
    /// Scheduled until finalized (held) or cancelled.
    MeetingStatusDto => MeetingStatus { Scheduled, Held, Cancelled }
);
mirror_enum!(
    /// What the meeting decides for a case.
    DecisionDto => Decision { SelectIntegrated, SimpleLinkage, Continue, Close, Refer, Defer, ChangeLead, ChangeType, ToMonitoring }
);
mirror_enum!(
    /// What a referral asks of its receiver: `service` — to take part with a named service
    /// (서비스 연계; accepting makes it a service-providing participant); `lead` — to take over
    /// the case (사례 이관; accepting makes it the lead, the sender stays a co-manager). Only the
    /// lead asks for `lead`; a meeting's `refer` decision sends a `lead` referral.
    ReferralKindDto => ReferralKind { Service, Lead }
);
mirror_enum!(
    /// Where a referral stands.
    ReferralStatusDto => ReferralStatus { Sent, Accepted, Declined, Completed }
);

/// A guest from outside the system.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternalParticipant {
    #[validate(
        length(min = 1, max = 100, message = "must be 1 to 100 characters"),
        custom(function = "crate::dto::common::plain_name")
    )]
    /// Full name.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// The guest's organization (`organization_name` is accepted too).
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[schema(min_length = 1, max_length = 200)]
    #[serde(alias = "organization_name")]
    pub organization: String,
    /// What the guest is there as (e.g. 통장, 정신건강복지센터 상담사).
    #[validate(length(min = 1, max = 100, message = "must be 1 to 100 characters"))]
    #[schema(min_length = 1, max_length = 100)]
    pub role: Option<String>,
}

/// Calls a meeting hosted by the caller's organization.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMeetingRequest {
    /// 사정회의 (assessment), 통합사례회의 (integrated conference) or 솔루션회의 (solution).
    pub kind: MeetingKindDto,
    /// The meeting's name, as on the minutes.
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// When it starts (UTC).
    pub scheduled_at: DateTime<Utc>,
    /// Where it is held.
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[schema(min_length = 1, max_length = 200)]
    pub location: Option<String>,
    /// Users invited (they are notified).
    #[validate(length(max = 50, message = "at most 50 participants"))]
    #[schema(max_items = 50)]
    pub participant_user_ids: Option<Vec<Uuid>>,
    /// Guests from outside the system (name, organization, role).
    #[validate(length(max = 50, message = "at most 50 guests"), nested)]
    #[schema(max_items = 50)]
    pub external_participants: Option<Vec<ExternalParticipant>>,
    /// Cases to put on the agenda.
    #[validate(length(max = 100, message = "at most 100 cases"))]
    #[schema(max_items = 100)]
    pub case_ids: Option<Vec<Uuid>>,
}

impl From<CreateMeetingRequest> for NewMeeting {
    fn from(r: CreateMeetingRequest) -> Self {
        let mut cases = r.case_ids.unwrap_or_default();
        cases.dedup();
        NewMeeting {
            kind: r.kind.into(),
            title: r.title.trim().to_owned(),
            scheduled_at: r.scheduled_at,
            location: r.location,
            participant_user_ids: r.participant_user_ids.unwrap_or_default(),
            external_participants: r
                .external_participants
                .unwrap_or_default()
                .into_iter()
                .map(|e| (e.name, e.organization, e.role))
                .collect(),
            case_ids: cases,
        }
    }
}

/// Changes a scheduled meeting.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMeetingRequest {
    /// The meeting's name.
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    /// When it starts (UTC).
    pub scheduled_at: Option<DateTime<Utc>>,
    /// Where it is held.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub location: Option<Option<String>>,
}

impl From<UpdateMeetingRequest> for MeetingPatch {
    fn from(r: UpdateMeetingRequest) -> Self {
        MeetingPatch {
            title: r.title.map(|t| t.trim().to_owned()),
            scheduled_at: r.scheduled_at,
            location: r.location,
        }
    }
}

/// Puts a case on the agenda.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgendaRequest {
    /// A case the host may see.
    pub case_id: Uuid,
}

/// Records attendance.
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceRequest {
    /// A participant of the meeting.
    pub user_id: Uuid,
    /// Whether they attended.
    pub attended: bool,
}

/// A task given by a decision.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionItemInput {
    /// The worker who is to do it (a user of an organization at the meeting).
    pub assignee_user_id: Uuid,
    /// What is to be done.
    #[validate(length(min = 1, max = 500, message = "must be 1 to 500 characters"))]
    #[schema(min_length = 1, max_length = 500)]
    pub description: String,
    /// By when (Korean date).
    pub due_on: NaiveDate,
}

/// The decision for one agenda case; replaces an earlier one until the meeting is finalized.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// An agenda case.
    pub case_id: Uuid,
    /// What the meeting decided for the case.
    pub decision: DecisionDto,
    /// For `change_lead` (required) and `select_integrated`: the organization of the case's
    /// district that leads from now on (default: the current lead).
    pub lead_org_id: Option<Uuid>,
    /// For `refer` (required): the organization of the district the case is referred to;
    /// finalizing sends the referral.
    pub refer_to_org_id: Option<Uuid>,
    /// For `change_type` (required): the new case type.
    pub case_type: Option<super::cases::CaseTypeDto>,
    /// For `close` (required): why the case closes; the decision's notes are its evaluation.
    pub closing_reason: Option<super::cases::ClosingReasonDto>,
    /// The discussion, for the minutes.
    #[validate(length(min = 1, max = 4000, message = "must be 1 to 4000 characters"))]
    #[schema(min_length = 1, max_length = 4000)]
    pub notes: Option<String>,
    /// Tasks that follow, created when the meeting is finalized.
    #[validate(length(max = 20, message = "at most 20 action items"), nested)]
    #[schema(max_items = 20)]
    pub action_items: Option<Vec<ActionItemInput>>,
}

impl From<DecisionRequest> for DecisionRecord {
    fn from(r: DecisionRequest) -> Self {
        DecisionRecord {
            case_id: r.case_id,
            decision: r.decision.into(),
            lead_org_id: r.lead_org_id,
            refer_to_org_id: r.refer_to_org_id,
            case_type: r.case_type.map(Into::into),
            closing_reason: r.closing_reason.map(Into::into),
            notes: r.notes,
            action_items: r
                .action_items
                .unwrap_or_default()
                .into_iter()
                .map(|a| ActionItemSpec {
                    assignee_user_id: a.assignee_user_id,
                    description: a.description,
                    due_on: a.due_on,
                })
                .collect(),
        }
    }
}

/// Finalizes the meeting: applies every decision and freezes the minutes.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinalizeRequest {
    /// The record of the meeting (회의록): required.
    #[validate(length(min = 1, max = 20000, message = "must be 1 to 20000 characters"))]
    #[schema(min_length = 1, max_length = 20000)]
    pub minutes: String,
    /// Attendance to record at the same time.
    #[validate(length(max = 50, message = "at most 50 entries"))]
    #[schema(max_items = 50)]
    pub attendance: Option<Vec<AttendanceRequest>>,
}

/// Someone at a meeting.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingParticipantView {
    pub user_id: Option<Uuid>,
    /// The worker's name (members of the district).
    pub user_name: Option<String>,
    pub organization_id: Option<Uuid>,
    /// The organization's name.
    pub organization_name: Option<String>,
    pub external_name: Option<String>,
    pub external_organization: Option<String>,
    pub external_role: Option<String>,
    pub attended: Option<bool>,
}

impl FromNamed<MeetingParticipant> for MeetingParticipantView {
    fn named(p: MeetingParticipant, n: &Names) -> Self {
        Self {
            user_name: n.user_opt(p.user_id),
            user_id: p.user_id,
            organization_name: n.org_opt(p.org_id),
            organization_id: p.org_id,
            external_name: p.external_name,
            external_organization: p.external_organization,
            external_role: p.external_role,
            attended: p.attended,
        }
    }
}

/// What a meeting shows of an agenda case: no person data, ever.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseSummary {
    pub case_no: String,
    pub status: StatusDto,
    pub case_type: CaseTypeDto,
    pub risk_level: RiskLevelDto,
    pub lead_org_id: Uuid,
    /// The lead organization's name.
    pub lead_org_name: String,
    pub summary: String,
}

impl FromNamed<Case> for CaseSummary {
    fn named(c: Case, n: &Names) -> Self {
        Self {
            lead_org_name: n.org(c.lead_org_id),
            case_no: c.case_no,
            status: c.status.into(),
            case_type: c.case_type.into(),
            risk_level: c.risk_level.into(),
            lead_org_id: c.lead_org_id,
            summary: c.summary,
        }
    }
}

/// A decision as recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    pub decision: DecisionDto,
    pub lead_org_id: Option<Uuid>,
    /// The new lead's name (`change_lead`).
    pub lead_org_name: Option<String>,
    pub refer_to_org_id: Option<Uuid>,
    /// The name of the organization referred to (`refer`).
    pub refer_to_org_name: Option<String>,
    pub case_type: Option<super::cases::CaseTypeDto>,
    pub closing_reason: Option<super::cases::ClosingReasonDto>,
    pub notes: Option<String>,
    pub action_items: Vec<DecidedActionItemView>,
}

/// An action item a decision sets.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecidedActionItemView {
    pub assignee_user_id: Uuid,
    /// The assignee's name.
    pub assignee_name: String,
    pub description: String,
    pub due_on: NaiveDate,
}

/// A case on the agenda.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgendaItemView {
    pub case_id: Uuid,
    /// Shown to those who may see the case, and to the meeting's organizations while it is scheduled.
    pub case: Option<CaseSummary>,
    pub decision: Option<DecisionView>,
}

impl FromNamed<AgendaItem> for AgendaItemView {
    fn named(a: AgendaItem, n: &Names) -> Self {
        Self {
            case_id: a.case_id,
            case: a.summary.map(|c| CaseSummary::named(c, n)),
            decision: a.decision.map(|d| DecisionView {
                decision: d.decision.into(),
                lead_org_name: n.org_opt(d.lead_org_id),
                lead_org_id: d.lead_org_id,
                refer_to_org_name: n.org_opt(d.refer_to_org_id),
                refer_to_org_id: d.refer_to_org_id,
                case_type: d.case_type.map(Into::into),
                closing_reason: d.closing_reason.map(Into::into),
                notes: d.notes,
                action_items: d
                    .action_items
                    .into_iter()
                    .map(|i| DecidedActionItemView {
                        assignee_name: n.user(i.assignee_user_id),
                        assignee_user_id: i.assignee_user_id,
                        description: i.description,
                        due_on: i.due_on,
                    })
                    .collect(),
            }),
        }
    }
}

/// A meeting.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingView {
    pub id: Uuid,
    pub kind: MeetingKindDto,
    pub title: String,
    pub scheduled_at: DateTime<Utc>,
    pub location: Option<String>,
    pub host_org_id: Uuid,
    /// The host organization's name.
    pub host_org_name: String,
    pub district_code: String,
    pub status: MeetingStatusDto,
    pub minutes: Option<String>,
    pub finalized_at: Option<DateTime<Utc>>,
    /// Present on single-meeting responses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participants: Option<Vec<MeetingParticipantView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agenda: Option<Vec<AgendaItemView>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl FromNamed<Meeting> for MeetingView {
    fn named(m: Meeting, n: &Names) -> Self {
        Self {
            host_org_name: n.org(m.host_org_id),
            id: m.id,
            kind: m.kind.into(),
            title: m.title,
            scheduled_at: m.scheduled_at,
            location: m.location,
            host_org_id: m.host_org_id,
            district_code: m.district_code,
            status: m.status.into(),
            minutes: m.minutes,
            finalized_at: m.finalized_at,
            participants: None,
            agenda: None,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

impl Refers for Meeting {
    fn refers(&self, w: &mut Wanted) {
        w.org(self.host_org_id);
    }
}

impl Refers for MeetingDetail {
    fn refers(&self, w: &mut Wanted) {
        self.meeting.refers(w);
        for p in &self.participants {
            w.orgs([p.org_id]).users([p.user_id]);
        }
        for a in &self.agenda {
            if let Some(c) = &a.summary {
                w.org(c.lead_org_id);
            }
            if let Some(d) = &a.decision {
                w.orgs([d.lead_org_id, d.refer_to_org_id])
                    .users(d.action_items.iter().map(|i| Some(i.assignee_user_id)));
            }
        }
    }
}

impl FromNamed<MeetingDetail> for MeetingView {
    fn named(d: MeetingDetail, n: &Names) -> Self {
        let mut v = MeetingView::named(d.meeting, n);
        v.participants = Some(named_each(d.participants, n));
        v.agenda = Some(named_each(d.agenda, n));
        v
    }
}

crate::page_of!(MeetingPage, MeetingView, "A page of meetings.");

/// Filters of `GET /meetings`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListMeetingsQuery {
    /// Scheduled at or after.
    pub from: Option<DateTime<Utc>>,
    /// Scheduled before.
    pub to: Option<DateTime<Utc>>,
    pub kind: Option<MeetingKindDto>,
    pub status: Option<MeetingStatusDto>,
    pub case_id: Option<Uuid>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    #[param(pattern = "^[A-Za-z0-9_-]{21}[AQgw]$")]
    pub cursor: Option<String>,
}

/// A task from a finalized meeting.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionItemView {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub case_id: Uuid,
    /// The case number (사례번호).
    pub case_no: Option<String>,
    /// The case's person as the caller may see them (masked unless it sees their details).
    pub person_name: Option<String>,
    pub person_name_masked: bool,
    pub assignee_user_id: Uuid,
    /// The assignee's name.
    pub assignee_name: String,
    pub description: String,
    pub due_on: NaiveDate,
    pub completed_at: Option<DateTime<Utc>>,
}

impl Refers for ActionItem {
    fn refers(&self, w: &mut Wanted) {
        w.case(self.case_id).user(self.assignee_user_id);
    }
}

impl FromNamed<ActionItem> for ActionItemView {
    fn named(a: ActionItem, n: &Names) -> Self {
        let case = CaseShown::of(n, a.case_id);
        Self {
            id: a.id,
            meeting_id: a.meeting_id,
            case_id: a.case_id,
            case_no: case.case_no,
            person_name: case.person.name,
            person_name_masked: case.person.masked,
            assignee_name: n.user(a.assignee_user_id),
            assignee_user_id: a.assignee_user_id,
            description: a.description,
            due_on: a.due_on,
            completed_at: a.completed_at,
        }
    }
}

crate::page_of!(ActionItemPage, ActionItemView, "A page of action items.");

/// Filters of `GET /action-items`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListActionItemsQuery {
    /// `me` (default) or a user id the caller may see.
    #[param(
        pattern = "^(me|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
    )]
    pub assignee: Option<String>,
    /// Only open (true) or only completed (false) items.
    pub open: Option<bool>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    #[param(pattern = "^[A-Za-z0-9_-]{21}[AQgw]$")]
    pub cursor: Option<String>,
}

/// Refers a case to another organization.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReferralRequest {
    /// A case the caller works on.
    pub case_id: Uuid,
    /// The receiving organization of the case's district; or `to_hub`.
    pub to_organization_id: Option<Uuid>,
    /// `true`: to the hub welfare centre (거점복지관) of the caller's dong centre, instead of
    /// `to_organization_id`.
    pub to_hub: Option<bool>,
    /// `service` (default) or `lead`.
    pub kind: Option<ReferralKindDto>,
    /// Why the case is referred.
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
    /// What the receiver is asked to provide.
    #[validate(length(max = 20, message = "at most 20 services"))]
    #[schema(max_items = 20)]
    pub requested_services: Option<Vec<String>>,
}

impl From<CreateReferralRequest> for NewReferral {
    fn from(r: CreateReferralRequest) -> Self {
        NewReferral {
            case_id: r.case_id,
            to_org_id: r.to_organization_id.unwrap_or_default(),
            kind: r.kind.map(Into::into).unwrap_or(ReferralKind::Service),
            reason: r.reason,
            requested_services: r.requested_services.unwrap_or_default(),
        }
    }
}

/// Declines a referral.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclineRequest {
    /// Why it is declined.
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// Completes an accepted referral.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteReferralRequest {
    /// What the referral achieved.
    #[validate(length(min = 1, max = 4000, message = "must be 1 to 4000 characters"))]
    #[schema(min_length = 1, max_length = 4000)]
    pub outcome: String,
}

/// A referral with the summary of its case.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub case: CaseSummary,
    /// The case's person as the caller may see them (masked unless it sees their details).
    pub person_name: Option<String>,
    pub person_name_masked: bool,
    pub from_org_id: Uuid,
    /// The referring organization's name.
    pub from_org_name: String,
    pub to_org_id: Uuid,
    /// The receiving organization's name.
    pub to_org_name: String,
    pub kind: ReferralKindDto,
    pub reason: String,
    pub requested_services: Vec<String>,
    pub status: ReferralStatusDto,
    /// The decline reason.
    pub response_note: Option<String>,
    pub outcome: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Refers for ReferralDetail {
    fn refers(&self, w: &mut Wanted) {
        w.org(self.referral.from_org_id)
            .org(self.referral.to_org_id)
            .org(self.case.lead_org_id)
            .person(self.case.person_id);
    }
}

impl FromNamed<ReferralDetail> for ReferralView {
    fn named(d: ReferralDetail, n: &Names) -> Self {
        let r = d.referral;
        let person = PersonShown::of(n, d.case.person_id);
        Self {
            id: r.id,
            case_id: r.case_id,
            case: CaseSummary::named(d.case, n),
            person_name: person.name,
            person_name_masked: person.masked,
            from_org_name: n.org(r.from_org_id),
            from_org_id: r.from_org_id,
            to_org_name: n.org(r.to_org_id),
            to_org_id: r.to_org_id,
            kind: r.kind.into(),
            reason: r.reason,
            requested_services: r.requested_services,
            status: r.status.into(),
            response_note: r.response_note,
            outcome: r.outcome,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

crate::page_of!(ReferralPage, ReferralView, "A page of referrals.");

/// Which referrals to list.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DirectionDto {
    Incoming,
    Outgoing,
}

/// Filters of `GET /referrals`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListReferralsQuery {
    pub direction: Option<DirectionDto>,
    pub status: Option<ReferralStatusDto>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    #[param(pattern = "^[A-Za-z0-9_-]{21}[AQgw]$")]
    pub cursor: Option<String>,
}

mirror_enum!(
    /// Where a proposal of a case for a meeting stands.
    AgendaRequestStatusDto => hamkke_domain::meeting::AgendaRequestStatus { Pending, Accepted, Declined }
);

/// Proposes a case the caller's organization works on for a meeting it takes part in.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposeAgendaRequest {
    /// A case the caller's organization works on.
    pub case_id: Uuid,
    /// Why it should be discussed.
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub note: Option<String>,
}

/// A proposal of a case for a meeting (안건 상정 요청).
#[derive(Debug, Serialize, ToSchema)]
pub struct AgendaRequestView {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub case_id: Uuid,
    /// The case number (사례번호).
    pub case_no: Option<String>,
    pub from_org_id: Uuid,
    /// The proposing organization's name.
    pub from_org_name: String,
    pub requested_by: Uuid,
    /// The proposing worker's name.
    pub requested_by_name: String,
    pub note: Option<String>,
    pub status: AgendaRequestStatusDto,
    pub decline_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
}

impl Refers for hamkke_domain::meeting::AgendaRequest {
    fn refers(&self, w: &mut Wanted) {
        w.case(self.case_id)
            .org(self.from_org_id)
            .user(self.requested_by);
    }
}

impl FromNamed<hamkke_domain::meeting::AgendaRequest> for AgendaRequestView {
    fn named(r: hamkke_domain::meeting::AgendaRequest, n: &Names) -> Self {
        Self {
            id: r.id,
            meeting_id: r.meeting_id,
            case_id: r.case_id,
            case_no: CaseShown::of(n, r.case_id).case_no,
            from_org_id: r.from_org_id,
            from_org_name: n.org(r.from_org_id),
            requested_by: r.requested_by,
            requested_by_name: n.user(r.requested_by),
            note: r.note,
            status: r.status.into(),
            decline_reason: r.decline_reason,
            created_at: r.created_at,
            answered_at: r.answered_at,
        }
    }
}

/// Proposals for a meeting.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgendaRequestList {
    pub items: Vec<AgendaRequestView>,
}
