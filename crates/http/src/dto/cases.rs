//! Cases, participants, assignments, notes, timeline and handover.

use chrono::{DateTime, NaiveDate, Utc};
use hamkke_domain::case::{
    Assignment, AssignmentRole, Case, CasePatch, CaseType, ClosingReason, Need, NewCase, NewNote,
    Note, NoteKind, Participant, ParticipantRole, RiskLevel, Source, Status, TimelineEntry,
    Visibility,
};
use hamkke_persistence::repo::cases::CaseDetail;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::common::{FromNamed, PersonShown, Refers};
use super::persons::mirror_enum;
use hamkke_persistence::repo::names::{Names, Wanted};

mirror_enum!(
    /// Where a case stands.
    StatusDto => Status { Discovered, Intake, Assessing, AwaitingMeeting, InService, Monitoring, Closed, FollowUp, Reopened, Rejected, ReferredOut }
);
mirror_enum!(
    /// How intensively a case is managed.
    CaseTypeDto => CaseType { Integrated, SimpleLinkage, Emergency, General }
);
mirror_enum!(
    /// Urgency.
    RiskLevelDto => RiskLevel { Crisis, High, Moderate, General }
);
mirror_enum!(
    /// How the case was found.
    SourceDto => Source { Outreach, Referral, SelfRequest, Hotline, PublicData, NeighborReport }
);
mirror_enum!(
    /// Why a case closed: 목표 달성, 대상자 거부, 전출, 사망, 타 기관 이관, 연락두절, 기타.
    ClosingReasonDto => ClosingReason { GoalAchieved, Refused, MovedOut, Deceased, Transferred, LostContact, Other }
);
mirror_enum!(
    /// An organization's role on a case; `visitor`: joined by a joint home visit with one of its
    /// workers (works on the case, sees the person as far as the consent allows).
    ParticipantRoleDto => ParticipantRole { Lead, CoManager, ServiceProvider, Visitor, Observer }
);
mirror_enum!(
    /// A worker's role on a case.
    AssignmentRoleDto => AssignmentRole { Primary, Secondary }
);
mirror_enum!(
    /// What a note records.
    NoteKindDto => NoteKind { Counseling, HomeVisit, Phone, Service, Monitoring, Other }
);
mirror_enum!(
    /// Who may read a note.
    VisibilityDto => Visibility { Participants, OwnOrg }
);

/// One assessed need.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedDto {
    /// The life domain.
    pub domain: super::plans::AssessmentDomainDto,
    /// 0 (none) to 5 (severe).
    #[validate(range(min = 0, max = 5, message = "must be 0 to 5"))]
    #[schema(minimum = 0, maximum = 5)]
    pub score: u8,
    /// The need in words.
    #[validate(length(min = 1, max = 1000, message = "must be 1 to 1000 characters"))]
    #[schema(min_length = 1, max_length = 1000)]
    pub note: Option<String>,
}

impl From<NeedDto> for Need {
    fn from(n: NeedDto) -> Self {
        Need {
            domain: n.domain.into(),
            score: n.score,
            note: n.note,
        }
    }
}

impl From<Need> for NeedDto {
    fn from(n: Need) -> Self {
        NeedDto {
            domain: n.domain.into(),
            score: n.score,
            note: n.note,
        }
    }
}

/// Opens a case; the caller's organization leads it.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCaseRequest {
    /// The person the case is for; on a household case its primary person
    /// (`primary_person_id` is accepted too).
    #[serde(alias = "primary_person_id")]
    pub person_id: Uuid,
    /// A household case (가구 단위 사례): the household of `person_id`.
    pub household_id: Option<Uuid>,
    /// The members of a household case (default: everyone registered in the household).
    #[validate(length(max = 30, message = "at most 30 members"))]
    #[schema(max_items = 30)]
    pub member_person_ids: Option<Vec<Uuid>>,
    /// The kind of case (통합사례관리, 단순연계, 긴급, 일반).
    pub case_type: CaseTypeDto,
    /// The case's 위기도 (risk level).
    pub risk_level: RiskLevelDto,
    /// How the case was found (발굴 경로).
    pub source: SourceDto,
    /// The situation in a few sentences.
    #[validate(length(min = 1, max = 4000, message = "must be 1 to 4000 characters"))]
    #[schema(min_length = 1, max_length = 4000)]
    pub summary: String,
    /// Needs by life domain.
    #[validate(length(max = 10, message = "at most one per domain"), nested)]
    #[schema(max_items = 10)]
    pub needs: Option<Vec<NeedDto>>,
}

impl From<CreateCaseRequest> for NewCase {
    fn from(r: CreateCaseRequest) -> Self {
        NewCase {
            person_id: r.person_id,
            household: r
                .household_id
                .map(|h| (h, r.member_person_ids.unwrap_or_default())),
            case_type: r.case_type.into(),
            risk_level: r.risk_level.into(),
            source: r.source.into(),
            summary: r.summary.trim().to_owned(),
            needs: r
                .needs
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
        }
    }
}

/// Changes summary, risk level or needs.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCaseRequest {
    /// The situation in a few sentences.
    #[validate(length(min = 1, max = 4000, message = "must be 1 to 4000 characters"))]
    #[schema(min_length = 1, max_length = 4000)]
    pub summary: Option<String>,
    /// The case's 위기도 (risk level).
    pub risk_level: Option<RiskLevelDto>,
    /// Needs by life domain (replaces the list).
    #[validate(length(max = 10, message = "at most one per domain"), nested)]
    #[schema(max_items = 10)]
    pub needs: Option<Vec<NeedDto>>,
}

impl From<UpdateCaseRequest> for CasePatch {
    fn from(r: UpdateCaseRequest) -> Self {
        CasePatch {
            summary: r.summary.map(|s| s.trim().to_owned()),
            risk_level: r.risk_level.map(Into::into),
            needs: r.needs.map(|n| n.into_iter().map(Into::into).collect()),
        }
    }
}

/// An organization on a case.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantView {
    pub organization_id: Uuid,
    /// The organization's name.
    pub organization_name: String,
    pub role: ParticipantRoleDto,
    pub added_at: DateTime<Utc>,
}

impl From<Participant> for ParticipantView {
    fn from(p: Participant) -> Self {
        Self {
            organization_id: p.org_id,
            organization_name: String::new(),
            role: p.role.into(),
            added_at: p.added_at,
        }
    }
}

/// A case.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    pub id: Uuid,
    /// `YYYY-<district>-NNNNNN`.
    pub case_no: String,
    pub person_id: Uuid,
    /// The person's name as the caller may see it: the full name where it sees the person's
    /// details, else masked (`김*수`, with `person_name_masked`).
    pub person_name: Option<String>,
    pub person_birth_year: Option<i32>,
    pub person_name_masked: bool,
    pub lead_org_id: Uuid,
    /// The lead organization's name.
    pub lead_org_name: String,
    pub district_code: String,
    pub case_type: CaseTypeDto,
    pub risk_level: RiskLevelDto,
    pub source: SourceDto,
    pub status: StatusDto,
    pub summary: String,
    pub needs: Vec<NeedDto>,
    /// Present on single-case responses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participants: Option<Vec<ParticipantView>>,
    pub version: i32,
    pub created_by: Uuid,
    /// The name of the worker who opened the case.
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Set on a household case (가구 단위 사례); `person_id` is then its primary person.
    pub household_id: Option<Uuid>,
    /// When the case was taken in (접수).
    pub intake_on: Option<NaiveDate>,
    /// When the service plan is next reviewed (점검); `GET /cases?review_due=true` lists the
    /// cases whose date has come.
    pub next_review_on: Option<NaiveDate>,
    /// How the case closed, once closed.
    pub closing: Option<ClosingView>,
    /// The end of follow-up (사후관리) and its check dates, during follow-up.
    pub follow_up_until: Option<NaiveDate>,
    pub follow_up_checks: Vec<NaiveDate>,
    /// The latest assessment and its change since the previous one (single-case answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest_assessment: Option<super::plans::AssessmentView>,
}

/// How a case closed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClosingView {
    pub closing_reason: ClosingReasonDto,
    /// The reason in words (required for `other`).
    pub reason: Option<String>,
    pub evaluation: String,
    pub closed_on: Option<NaiveDate>,
}

impl From<Case> for CaseView {
    fn from(c: Case) -> Self {
        Self {
            id: c.id,
            case_no: c.case_no,
            person_id: c.person_id,
            person_name: None,
            person_birth_year: None,
            person_name_masked: true,
            lead_org_id: c.lead_org_id,
            lead_org_name: String::new(),
            district_code: c.district_code,
            case_type: c.case_type.into(),
            risk_level: c.risk_level.into(),
            source: c.source.into(),
            status: c.status.into(),
            summary: c.summary,
            needs: c.needs.into_iter().map(Into::into).collect(),
            participants: None,
            version: c.version,
            created_by: c.created_by,
            created_by_name: String::new(),
            created_at: c.created_at,
            updated_at: c.updated_at,
            household_id: c.household_id,
            intake_on: c.intake_on,
            next_review_on: c.next_review_on,
            closing: c.closing.map(|k| ClosingView {
                closing_reason: k.reason.into(),
                reason: k.note,
                evaluation: k.evaluation,
                closed_on: c.closed_on,
            }),
            follow_up_until: c.follow_up_until,
            follow_up_checks: c.follow_up_checks,
            latest_assessment: None,
        }
    }
}

impl From<CaseDetail> for CaseView {
    fn from(d: CaseDetail) -> Self {
        let mut v = CaseView::from(d.case);
        v.participants = Some(d.participants.into_iter().map(Into::into).collect());
        v.latest_assessment = d.assessment.map(Into::into);
        v
    }
}

impl Refers for Case {
    fn refers(&self, w: &mut Wanted) {
        w.org(self.lead_org_id)
            .user(self.created_by)
            .person(self.person_id);
    }
}

impl Refers for CaseDetail {
    fn refers(&self, w: &mut Wanted) {
        self.case.refers(w);
        w.orgs(self.participants.iter().map(|p| Some(p.org_id)));
        if let Some(a) = &self.assessment {
            w.org(a.assessment.assessor_org_id)
                .user(a.assessment.assessor_user_id);
        }
    }
}

impl FromNamed<Case> for CaseView {
    fn named(c: Case, n: &Names) -> Self {
        let person = PersonShown::of(n, c.person_id);
        let lead_org_name = n.org(c.lead_org_id);
        let created_by_name = n.user(c.created_by);
        let mut v = CaseView::from(c);
        v.person_name = person.name;
        v.person_birth_year = person.birth_year;
        v.person_name_masked = person.masked;
        v.lead_org_name = lead_org_name;
        v.created_by_name = created_by_name;
        v
    }
}

impl FromNamed<CaseDetail> for CaseView {
    fn named(d: CaseDetail, n: &Names) -> Self {
        let mut v = CaseView::named(d.case, n);
        v.participants = Some(
            d.participants
                .into_iter()
                .map(|p| ParticipantView::named(p, n))
                .collect(),
        );
        v.latest_assessment = d
            .assessment
            .map(|a| super::plans::AssessmentView::named(a, n));
        v
    }
}

impl FromNamed<Participant> for ParticipantView {
    fn named(p: Participant, n: &Names) -> Self {
        let organization_name = n.org(p.org_id);
        let mut v = ParticipantView::from(p);
        v.organization_name = organization_name;
        v
    }
}

crate::page_of!(CasePage, CaseView, "A page of cases.");

/// Filters of `GET /cases`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListCasesQuery {
    pub status: Option<StatusDto>,
    pub risk_level: Option<RiskLevelDto>,
    pub case_type: Option<CaseTypeDto>,
    pub lead_org_id: Option<Uuid>,
    /// `me` or a user id: cases with an active assignment of that user.
    #[param(
        pattern = "^(me|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
    )]
    pub assigned_to: Option<String>,
    pub person_id: Option<Uuid>,
    /// A case number or its prefix.
    #[param(max_length = 40)]
    pub q: Option<String>,
    /// `true`: only cases whose plan review (점검) date is today or past.
    pub review_due: Option<bool>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    #[param(pattern = "^[A-Za-z0-9_-]{21}[AQgw]$")]
    pub cursor: Option<String>,
}

/// Moves a case to another status.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    /// The status to move to.
    pub to: StatusDto,
    /// Why; for `closing_reason: other` the reason in words (required then).
    #[validate(length(min = 1, max = 1000, message = "must be 1 to 1000 characters"))]
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: Option<String>,
    /// Required to close (`to: closed`, or `to: follow_up` from an open case, which closes it
    /// on the way).
    pub closing_reason: Option<ClosingReasonDto>,
    /// A short evaluation of the case at closing; required with `closing_reason`.
    #[validate(length(min = 1, max = 4000, message = "must be 1 to 4000 characters"))]
    #[schema(min_length = 1, max_length = 4000)]
    pub evaluation: Option<String>,
    /// For `to: follow_up`: when follow-up (사후관리) ends by itself (default: three months
    /// from today; at most a year).
    pub follow_up_until: Option<NaiveDate>,
}

impl TransitionRequest {
    /// The change it asks for; `closing_reason` and `evaluation` come together.
    pub fn change(
        self,
    ) -> Result<(Status, hamkke_persistence::repo::cases::StatusChange), crate::error::ApiError>
    {
        use hamkke_domain::case::Closing;
        let closing = match (self.closing_reason, self.evaluation) {
            (None, None) => None,
            (Some(r), Some(e)) => Some(Closing {
                reason: r.into(),
                note: self.reason.clone(),
                evaluation: e.trim().to_owned(),
            }),
            (Some(_), None) => {
                return Err(crate::error::ApiError::field(
                    "evaluation",
                    "required",
                    "closing needs a short evaluation",
                ))
            }
            (None, Some(_)) => {
                return Err(crate::error::ApiError::field(
                    "closing_reason",
                    "required",
                    "an evaluation goes with a closing_reason",
                ))
            }
        };
        Ok((
            self.to.into(),
            hamkke_persistence::repo::cases::StatusChange {
                reason: self.reason,
                closing,
                follow_up_until: self.follow_up_until,
            },
        ))
    }
}

/// Adds a household member to a household case.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMemberRequest {
    /// A member of the case's household.
    pub person_id: Uuid,
}

/// The people a case is for, primary first.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberList {
    pub person_ids: Vec<Uuid>,
    /// The same people with their names as the caller may see them.
    pub members: Vec<MemberView>,
}

/// A person of a case, named as far as the caller may see.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    pub person_id: Uuid,
    /// The full name, or the masked one (`김*수`) when the caller does not see the person's
    /// details.
    pub name: Option<String>,
    pub birth_year: Option<i32>,
    pub name_masked: bool,
}

impl MemberList {
    pub fn named(person_ids: Vec<Uuid>, n: &Names) -> Self {
        let members = person_ids
            .iter()
            .map(|&person_id| {
                let shown = PersonShown::of(n, person_id);
                MemberView {
                    person_id,
                    name: shown.name,
                    birth_year: shown.birth_year,
                    name_masked: shown.masked,
                }
            })
            .collect();
        Self {
            person_ids,
            members,
        }
    }
}

/// The ids of a case's people, for their names.
pub struct PersonIds(pub Vec<Uuid>);

impl Refers for PersonIds {
    fn refers(&self, w: &mut Wanted) {
        w.persons(self.0.iter().copied().map(Some));
    }
}

/// Adds an organization to a case.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddParticipantRequest {
    /// An organization of the district (or sharing a case with it).
    pub organization_id: Uuid,
    /// Not `lead`: the lead changes only by a meeting decision.
    pub role: ParticipantRoleDto,
}

/// The organizations on a case.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantList {
    pub items: Vec<ParticipantView>,
}

/// Assigns a worker.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    /// A worker of a participant organization.
    pub user_id: Uuid,
    /// `primary` (주담당) or `secondary` (부담당).
    pub role: AssignmentRoleDto,
}

/// A worker's assignment.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentView {
    pub id: Uuid,
    pub user_id: Uuid,
    /// The worker's name.
    pub user_name: String,
    pub organization_id: Uuid,
    /// The worker's organization's name.
    pub organization_name: String,
    pub role: AssignmentRoleDto,
    pub assigned_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

impl Refers for Assignment {
    fn refers(&self, w: &mut Wanted) {
        w.user(self.user_id).org(self.org_id);
    }
}

impl Refers for Participant {
    fn refers(&self, w: &mut Wanted) {
        w.org(self.org_id);
    }
}

impl FromNamed<Assignment> for AssignmentView {
    fn named(a: Assignment, n: &Names) -> Self {
        Self {
            id: a.id,
            user_id: a.user_id,
            user_name: n.user(a.user_id),
            organization_id: a.org_id,
            organization_name: n.org(a.org_id),
            role: a.role.into(),
            assigned_at: a.assigned_at,
            ended_at: a.ended_at,
        }
    }
}

/// Assignments of a case.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentList {
    pub items: Vec<AssignmentView>,
}

/// Writes a note; a joint home visit (1+1) lists its co-visitors.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateNoteRequest {
    /// The kind of note (상담, 가정방문, 전화, 서비스, 모니터링, 기타).
    pub kind: NoteKindDto,
    /// When it happened (UTC); now when absent.
    pub occurred_at: DateTime<Utc>,
    /// The note.
    #[validate(length(min = 1, max = 10000, message = "must be 1 to 10000 characters"))]
    #[schema(min_length = 1, max_length = 10000)]
    pub body: String,
    /// For a joint home visit: the other workers who went.
    #[validate(length(max = 10, message = "at most 10 co-visitors"))]
    #[schema(max_items = 10)]
    pub co_visitor_user_ids: Option<Vec<Uuid>>,
    /// `participants` (every organization on the case) or `own_org`.
    pub visibility: VisibilityDto,
    /// On a household case: the member the note concerns.
    pub person_id: Option<Uuid>,
}

impl From<CreateNoteRequest> for NewNote {
    fn from(r: CreateNoteRequest) -> Self {
        NewNote {
            kind: r.kind.into(),
            occurred_at: r.occurred_at,
            body: r.body,
            co_visitor_user_ids: r.co_visitor_user_ids.unwrap_or_default(),
            visibility: r.visibility.into(),
            person_id: r.person_id,
        }
    }
}

/// A note.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoteView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub organization_id: Uuid,
    /// The author's organization's name.
    pub organization_name: String,
    pub author_id: Uuid,
    /// The author's name.
    pub author_name: String,
    pub kind: NoteKindDto,
    pub occurred_at: DateTime<Utc>,
    pub body: String,
    pub co_visitor_user_ids: Vec<Uuid>,
    /// The co-visitors' names, in the order of `co_visitor_user_ids`.
    pub co_visitor_names: Vec<String>,
    pub visibility: VisibilityDto,
    pub created_at: DateTime<Utc>,
    pub person_id: Option<Uuid>,
    /// The member's name as the caller may see it (with `person_id`).
    pub person_name: Option<String>,
}

impl Refers for Note {
    fn refers(&self, w: &mut Wanted) {
        w.org(self.org_id)
            .user(self.author_id)
            .users(self.co_visitor_user_ids.iter().copied().map(Some))
            .persons([self.person_id]);
    }
}

impl FromNamed<Note> for NoteView {
    fn named(n: Note, names: &Names) -> Self {
        Self {
            id: n.id,
            case_id: n.case_id,
            organization_id: n.org_id,
            organization_name: names.org(n.org_id),
            author_id: n.author_id,
            author_name: names.user(n.author_id),
            kind: n.kind.into(),
            occurred_at: n.occurred_at,
            body: n.body,
            co_visitor_names: n
                .co_visitor_user_ids
                .iter()
                .map(|u| names.user(*u))
                .collect(),
            co_visitor_user_ids: n.co_visitor_user_ids,
            visibility: n.visibility.into(),
            created_at: n.created_at,
            person_name: n.person_id.and_then(|p| PersonShown::of(names, p).name),
            person_id: n.person_id,
        }
    }
}

crate::page_of!(NotePage, NoteView, "A page of notes.");

/// One timeline entry: `case_opened`, `status_changed`, `case_updated`, `participant_added`,
/// `participant_removed`, `assignment_added`, `note_added`, `handover`, `allocation_recorded`, …
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineEntryView {
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub kind: String,
    pub actor_user_id: Option<Uuid>,
    /// The actor's name.
    pub actor_user_name: Option<String>,
    pub actor_org_id: Option<Uuid>,
    /// The actor's organization's name.
    pub actor_org_name: Option<String>,
    /// What happened, by kind (e.g. `from`/`to` of a status change).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// The organizations and workers `data` refers to, with their names (e.g. the old and new
    /// lead of `lead_changed`).
    pub names: Vec<super::common::NamedRef>,
}

/// The organizations and users an entry's data names.
fn data_refs(e: &TimelineEntry) -> (Vec<Uuid>, Vec<Uuid>) {
    super::common::data_refs(&e.data, e.kind == "lead_changed")
}

impl Refers for TimelineEntry {
    fn refers(&self, w: &mut Wanted) {
        let (orgs, users) = data_refs(self);
        w.orgs([self.actor_org_id])
            .users([self.actor_user_id])
            .orgs(orgs.into_iter().map(Some))
            .users(users.into_iter().map(Some));
    }
}

impl FromNamed<TimelineEntry> for TimelineEntryView {
    fn named(e: TimelineEntry, n: &Names) -> Self {
        Self {
            id: e.id,
            occurred_at: e.occurred_at,
            names: super::common::data_names(&e.data, e.kind == "lead_changed", n),
            kind: e.kind,
            actor_user_name: n.user_opt(e.actor_user_id),
            actor_user_id: e.actor_user_id,
            actor_org_name: n.org_opt(e.actor_org_id),
            actor_org_id: e.actor_org_id,
            data: e.data,
        }
    }
}

crate::page_of!(
    TimelinePage,
    TimelineEntryView,
    "A page of a case's timeline, oldest first."
);

/// Paging of sub-collections.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    #[param(pattern = "^[A-Za-z0-9_-]{21}[AQgw]$")]
    pub cursor: Option<String>,
}

/// Hands a transferred worker's cases to a successor (인사발령).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoverRequest {
    /// A worker of the same organization.
    pub successor_user_id: Uuid,
    /// The note written on each case handed over.
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub note: String,
}

/// How many assignments moved.
#[derive(Debug, Serialize, ToSchema)]
pub struct HandoverResult {
    /// Case assignments that moved to the successor.
    pub moved_assignments: usize,
    /// Open action items that moved to the successor.
    pub moved_action_items: usize,
    /// Invitations to meetings still to come that moved to the successor.
    pub moved_meetings: usize,
}
