//! Notifications, the staff directory and the worklist.

use chrono::{DateTime, NaiveDate, Utc};
use hamkke_persistence::repo::work::{
    Notification, StaffEntry, WorkAccessLost, WorkCase, WorkDeclined, WorkDue, WorkItem,
    WorkMeeting, WorkOverride, WorkReferral, Worklist,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::cases::{CaseTypeDto, RiskLevelDto, StatusDto};
use super::common::{data_names, data_refs, named_each, CaseShown, FromNamed, Refers};
use super::persons::PersonDto;
use super::users::RoleDto;
use hamkke_persistence::repo::names::{Names, Wanted};
use hamkke_persistence::repo::visits::Visit;

/// Something that happened that concerns the reader.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationView {
    pub id: Uuid,
    /// The domain event, e.g. `referral.sent`.
    pub event_type: String,
    pub event_id: Uuid,
    /// In Korean, or English with `Accept-Language: en`.
    pub title: String,
    /// Ids of what it is about (fetch what you may see).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// The case number (사례번호) of the case `data.case_id` names, if any.
    pub case_no: Option<String>,
    /// The organizations and workers `data` refers to, with their names.
    pub names: Vec<super::common::NamedRef>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// A notification's case, from its data.
fn case_of(n: &Notification) -> Option<Uuid> {
    n.data
        .get("case_id")
        .and_then(|v| v.as_str())
        .and_then(|s| Uuid::parse_str(s).ok())
}

impl Refers for Notification {
    fn refers(&self, w: &mut Wanted) {
        let (orgs, users) = data_refs(&self.data, self.event_type == "case.lead_changed");
        w.orgs(orgs.into_iter().map(Some))
            .users(users.into_iter().map(Some));
        if let Some(case) = case_of(self) {
            w.case(case);
        }
    }
}

impl NotificationView {
    pub fn new(n: Notification, english: bool, names: &Names) -> Self {
        Self {
            id: n.id,
            case_no: case_of(&n).and_then(|c| names.case(c).map(|c| c.case_no.clone())),
            names: data_names(&n.data, n.event_type == "case.lead_changed", names),
            event_type: n.event_type,
            event_id: n.event_id,
            title: if english { n.title_en } else { n.title_ko },
            data: n.data,
            created_at: n.created_at,
            read_at: n.read_at,
        }
    }
}

/// A page of notifications, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationPage {
    pub items: Vec<NotificationView>,
    /// Pass as `cursor` for older ones; null on the last page.
    pub next_cursor: Option<String>,
}

/// Filters of `GET /notifications`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// Only those not read yet.
    pub unread: Option<bool>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    #[param(pattern = "^[A-Za-z0-9_-]{21}[AQgw]$")]
    pub cursor: Option<String>,
}

/// How many were marked read.
#[derive(Debug, Serialize, ToSchema)]
pub struct MarkedRead {
    pub marked: usize,
}

/// A colleague in the staff directory: no login data.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffView {
    pub user_id: Uuid,
    pub display_name: String,
    pub org_id: Uuid,
    pub org_name: String,
    pub role: RoleDto,
    pub work_phone: Option<String>,
    pub work_email: Option<String>,
}

impl From<StaffEntry> for StaffView {
    fn from(s: StaffEntry) -> Self {
        Self {
            user_id: s.user_id,
            display_name: s.display_name,
            org_id: s.org_id,
            org_name: s.org_name,
            role: s.role.into(),
            work_phone: s.work_phone,
            work_email: s.work_email,
        }
    }
}

crate::page_of!(StaffPage, StaffView, "A page of the staff directory.");

/// Filters of `GET /directory`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DirectoryQuery {
    /// Only this organization's staff.
    pub org_id: Option<Uuid>,
    /// Part of the display name.
    #[param(max_length = 50)]
    pub q: Option<String>,
    pub role: Option<RoleDto>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    #[param(pattern = "^[A-Za-z0-9_-]{21}[AQgw]$")]
    pub cursor: Option<String>,
}

/// One of my active cases, with the person as I may see them (full or masked).
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkCaseView {
    pub case_id: Uuid,
    pub case_no: String,
    pub status: StatusDto,
    pub case_type: CaseTypeDto,
    pub risk_level: RiskLevelDto,
    pub lead_org_id: Uuid,
    /// The lead organization's name.
    pub lead_org_name: String,
    pub person: PersonDto,
}

impl FromNamed<WorkCase> for WorkCaseView {
    fn named(w: WorkCase, n: &Names) -> Self {
        Self {
            lead_org_name: n.org(w.case.lead_org_id),
            case_id: w.case.id,
            case_no: w.case.case_no,
            status: w.case.status.into(),
            case_type: w.case.case_type.into(),
            risk_level: w.case.risk_level.into(),
            lead_org_id: w.case.lead_org_id,
            person: PersonDto::named(w.person, n),
        }
    }
}

/// An open action item of mine due within a week, or overdue.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkItemView {
    pub id: Uuid,
    pub case_id: Uuid,
    /// The case number (사례번호).
    pub case_no: Option<String>,
    /// The case's person as I may see them (masked unless I see their details).
    pub person_name: Option<String>,
    pub person_name_masked: bool,
    pub meeting_id: Uuid,
    pub description: String,
    pub due_on: NaiveDate,
    pub overdue: bool,
}

impl FromNamed<WorkItem> for WorkItemView {
    fn named(i: WorkItem, n: &Names) -> Self {
        let case = CaseShown::of(n, i.case_id);
        Self {
            id: i.id,
            case_id: i.case_id,
            case_no: case.case_no,
            person_name: case.person.name,
            person_name_masked: case.person.masked,
            meeting_id: i.meeting_id,
            description: i.description,
            due_on: i.due_on,
            overdue: i.overdue,
        }
    }
}

/// A referral to my organization awaiting its answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkReferralView {
    pub id: Uuid,
    pub case_id: Uuid,
    /// The case number (사례번호).
    pub case_no: Option<String>,
    /// The case's person as I may see them (masked unless I see their details).
    pub person_name: Option<String>,
    pub person_name_masked: bool,
    pub from_org_id: Uuid,
    /// The referring organization's name.
    pub from_org_name: String,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

impl FromNamed<WorkReferral> for WorkReferralView {
    fn named(r: WorkReferral, n: &Names) -> Self {
        let case = CaseShown::of(n, r.case_id);
        Self {
            id: r.id,
            case_id: r.case_id,
            case_no: case.case_no,
            person_name: case.person.name,
            person_name_masked: case.person.masked,
            from_org_name: n.org(r.from_org_id),
            from_org_id: r.from_org_id,
            reason: r.reason,
            created_at: r.created_at,
        }
    }
}

/// A referral my organization sent that the receiver declined within the last 14 days: the
/// case goes on with us.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkDeclinedView {
    pub id: Uuid,
    pub case_id: Uuid,
    /// The case number (사례번호) as workers name it.
    pub case_no: String,
    pub to_org_id: Uuid,
    /// The organization that declined.
    pub to_org_name: String,
    /// Why we referred.
    pub reason: String,
    /// Why the receiver declined.
    pub declined_reason: Option<String>,
    pub declined_at: DateTime<Utc>,
}

/// A case of which my organization no longer sees the person's details since a consent was
/// withdrawn (the last 14 days): the case goes on, the person shows masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkAccessLostView {
    pub case_id: Uuid,
    /// The case number (사례번호) as workers name it.
    pub case_no: String,
    pub since: DateTime<Utc>,
}

impl From<WorkAccessLost> for WorkAccessLostView {
    fn from(l: WorkAccessLost) -> Self {
        Self {
            case_id: l.case_id,
            case_no: l.case_no,
            since: l.since,
        }
    }
}

impl From<WorkDeclined> for WorkDeclinedView {
    fn from(r: WorkDeclined) -> Self {
        Self {
            id: r.id,
            case_id: r.case_id,
            case_no: r.case_no,
            to_org_id: r.to_org_id,
            to_org_name: r.to_org_name,
            reason: r.reason,
            declined_reason: r.declined_reason,
            declined_at: r.declined_at,
        }
    }
}

/// A meeting I attend within 14 days.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkMeetingView {
    pub id: Uuid,
    pub title: String,
    pub kind: String,
    pub scheduled_at: DateTime<Utc>,
    pub host_org_id: Uuid,
    /// The host organization's name.
    pub host_org_name: String,
}

impl FromNamed<WorkMeeting> for WorkMeetingView {
    fn named(m: WorkMeeting, n: &Names) -> Self {
        Self {
            host_org_name: n.org(m.host_org_id),
            id: m.id,
            title: m.title,
            kind: m.kind,
            scheduled_at: m.scheduled_at,
            host_org_id: m.host_org_id,
        }
    }
}

/// An override awaiting my approval (coordinators).
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkOverrideView {
    pub allocation_id: Uuid,
    pub provider_org_id: Uuid,
    /// The providing organization's name.
    pub provider_org_name: String,
    pub granted_on: NaiveDate,
    pub override_reason: Option<String>,
}

impl FromNamed<WorkOverride> for WorkOverrideView {
    fn named(o: WorkOverride, n: &Names) -> Self {
        Self {
            provider_org_name: n.org(o.provider_org_id),
            allocation_id: o.allocation_id,
            provider_org_id: o.provider_org_id,
            granted_on: o.granted_on,
            override_reason: o.override_reason,
        }
    }
}

/// A planned joint home visit (1+1 가정방문).
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitView {
    pub id: Uuid,
    pub case_id: Uuid,
    /// The case number (사례번호).
    pub case_no: Option<String>,
    /// The case's person as I may see them (masked unless I see their details).
    pub person_name: Option<String>,
    pub person_name_masked: bool,
    pub org_id: Uuid,
    /// The planning organization's name.
    pub org_name: String,
    pub created_by: Uuid,
    /// The planning worker's name.
    pub created_by_name: String,
    pub scheduled_at: DateTime<Utc>,
    pub purpose: String,
    pub co_visitor_user_ids: Vec<Uuid>,
    /// The co-visitors' names, in the order of `co_visitor_user_ids`.
    pub co_visitor_names: Vec<String>,
    /// `planned` or `completed`.
    pub status: String,
    /// The home-visit note recorded on completion.
    pub note_id: Option<Uuid>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl Refers for Visit {
    fn refers(&self, w: &mut Wanted) {
        w.case(self.case_id)
            .org(self.org_id)
            .user(self.created_by)
            .users(self.co_visitor_user_ids.iter().copied().map(Some));
    }
}

impl FromNamed<Visit> for VisitView {
    fn named(v: Visit, n: &Names) -> Self {
        let case = CaseShown::of(n, v.case_id);
        Self {
            id: v.id,
            case_id: v.case_id,
            case_no: case.case_no,
            person_name: case.person.name,
            person_name_masked: case.person.masked,
            org_id: v.org_id,
            org_name: n.org(v.org_id),
            created_by: v.created_by,
            created_by_name: n.user(v.created_by),
            scheduled_at: v.scheduled_at,
            purpose: v.purpose,
            co_visitor_names: v.co_visitor_user_ids.iter().map(|u| n.user(*u)).collect(),
            co_visitor_user_ids: v.co_visitor_user_ids,
            status: v.status,
            note_id: v.note_id,
            completed_at: v.completed_at,
        }
    }
}

/// Plans a joint home visit.
#[derive(Debug, Deserialize, validator::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateVisitRequest {
    /// When (UTC).
    pub scheduled_at: DateTime<Utc>,
    /// Workers of participant organizations who come along (find them in the directory).
    #[validate(length(min = 1, max = 10, message = "1 to 10 co-visitors"))]
    #[schema(min_items = 1, max_items = 10)]
    pub co_visitor_user_ids: Vec<Uuid>,
    /// Why the visit is made.
    #[validate(length(min = 1, max = 1000, message = "must be 1 to 1000 characters"))]
    #[schema(min_length = 1, max_length = 1000)]
    pub purpose: String,
}

/// Completes a visit with what happened.
#[derive(Debug, Deserialize, validator::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteVisitRequest {
    /// What was seen and done; recorded as the home-visit note.
    #[validate(length(min = 1, max = 10000, message = "must be 1 to 10000 characters"))]
    #[schema(min_length = 1, max_length = 10000)]
    pub note: String,
}

/// How many of each.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorklistCounts {
    pub cases: usize,
    pub reviews_due: usize,
    pub overdue_reviews: usize,
    pub assessments_due: usize,
    pub overdue_assessments: usize,
    pub action_items: usize,
    pub overdue_action_items: usize,
    pub incoming_referrals: usize,
    pub declined_referrals: usize,
    pub access_lost: usize,
    pub meetings: usize,
    pub overrides: usize,
    pub visits: usize,
    pub returned_nominations: usize,
    pub consents_awaiting_form: usize,
}

/// A case of mine with a review or first assessment due.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkDueView {
    pub case_id: Uuid,
    pub case_no: String,
    pub due_on: NaiveDate,
    pub overdue: bool,
}

impl From<WorkDue> for WorkDueView {
    fn from(d: WorkDue) -> Self {
        Self {
            case_id: d.case_id,
            case_no: d.case_no,
            due_on: d.due_on,
            overdue: d.overdue,
        }
    }
}

/// Everything for the start of a working day, in one call.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorklistView {
    pub counts: WorklistCounts,
    pub cases: Vec<WorkCaseView>,
    /// My open cases whose plan review (점검) is due within 7 days or overdue.
    pub reviews_due: Vec<WorkDueView>,
    /// My cases in intake or assessment whose first assessment (사정) is due within 7 days or
    /// overdue (`HAMKKE_FIRST_ASSESSMENT_DAYS` after intake).
    pub assessments_due: Vec<WorkDueView>,
    pub action_items: Vec<WorkItemView>,
    pub incoming_referrals: Vec<WorkReferralView>,
    pub declined_referrals: Vec<WorkDeclinedView>,
    /// Cases whose person's details my organization lost by a withdrawn consent.
    pub access_lost: Vec<WorkAccessLostView>,
    pub meetings: Vec<WorkMeetingView>,
    pub overrides: Vec<WorkOverrideView>,
    pub visits: Vec<VisitView>,
    /// My campaign nominations returned within 14 days (with the reason) and not nominated
    /// again.
    pub returned_nominations: Vec<crate::dto::campaigns::NominationView>,
    /// Consents my organization recorded for itself that give no access until their signed
    /// form is attached (`POST /attachments`, subject `consent`, kind `consent_form`).
    pub consents_awaiting_form: Vec<crate::dto::persons::ConsentView>,
}

impl Refers for Worklist {
    fn refers(&self, w: &mut Wanted) {
        w.orgs(self.cases.iter().map(|c| Some(c.case.lead_org_id)));
        for c in &self.cases {
            c.person.refers(w);
        }
        for i in &self.action_items {
            w.case(i.case_id);
        }
        for r in &self.incoming_referrals {
            w.case(r.case_id).org(r.from_org_id);
        }
        w.orgs(self.meetings.iter().map(|m| Some(m.host_org_id)))
            .orgs(self.overrides.iter().map(|o| Some(o.provider_org_id)));
        self.visits.refers(w);
        self.returned_nominations.refers(w);
        self.consents_awaiting_form.refers(w);
    }
}

impl FromNamed<Worklist> for WorklistView {
    fn named(w: Worklist, n: &Names) -> Self {
        Self {
            counts: WorklistCounts {
                cases: w.cases.len(),
                reviews_due: w.reviews_due.len(),
                overdue_reviews: w.reviews_due.iter().filter(|d| d.overdue).count(),
                assessments_due: w.assessments_due.len(),
                overdue_assessments: w.assessments_due.iter().filter(|d| d.overdue).count(),
                action_items: w.action_items.len(),
                overdue_action_items: w.action_items.iter().filter(|i| i.overdue).count(),
                incoming_referrals: w.incoming_referrals.len(),
                declined_referrals: w.declined_referrals.len(),
                access_lost: w.access_lost.len(),
                meetings: w.meetings.len(),
                overrides: w.overrides.len(),
                visits: w.visits.len(),
                returned_nominations: w.returned_nominations.len(),
                consents_awaiting_form: w.consents_awaiting_form.len(),
            },
            cases: named_each(w.cases, n),
            reviews_due: w.reviews_due.into_iter().map(Into::into).collect(),
            assessments_due: w.assessments_due.into_iter().map(Into::into).collect(),
            action_items: named_each(w.action_items, n),
            incoming_referrals: named_each(w.incoming_referrals, n),
            declined_referrals: w.declined_referrals.into_iter().map(Into::into).collect(),
            access_lost: w.access_lost.into_iter().map(Into::into).collect(),
            meetings: named_each(w.meetings, n),
            overrides: named_each(w.overrides, n),
            visits: named_each(w.visits, n),
            returned_nominations: named_each(w.returned_nominations, n),
            consents_awaiting_form: named_each(w.consents_awaiting_form, n),
        }
    }
}
