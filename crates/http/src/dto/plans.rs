//! Assessments (사정), service plans (서비스 계획) and reviews (점검).

use super::common::{named_each, FromNamed, Refers};
use hamkke_persistence::repo::names::{Names, Wanted};
use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use hamkke_domain::plan::{
    AssessmentDomain, DomainScore, Goal, GoalProgress, GoalStatus, NewAssessment, NewPlan,
    NewReview, PlanStatus, PlannedService, Review,
};
use hamkke_persistence::repo::cases::LatestAssessment;
use hamkke_persistence::repo::plans::PlanDetail;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::cases::RiskLevelDto;
use super::persons::mirror_enum;

/// One of the ten life domains (생활 영역) of 통합사례관리: the one vocabulary of a case's
/// needs, assessments and plan goals. Deprecated input aliases, accepted in this version
/// only: `social_relations` (→ `social`), `living_environment` (→ `housing`), `legal_rights`
/// (→ `rights_advocacy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssessmentDomainDto {
    Safety,
    Health,
    DailyLiving,
    Family,
    #[serde(alias = "social_relations")]
    Social,
    Economy,
    Education,
    Employment,
    #[serde(alias = "living_environment")]
    Housing,
    #[serde(alias = "legal_rights")]
    RightsAdvocacy,
}

impl From<AssessmentDomainDto> for AssessmentDomain {
    fn from(v: AssessmentDomainDto) -> Self {
        match v {
            AssessmentDomainDto::Safety => Self::Safety,
            AssessmentDomainDto::Health => Self::Health,
            AssessmentDomainDto::DailyLiving => Self::DailyLiving,
            AssessmentDomainDto::Family => Self::Family,
            AssessmentDomainDto::Social => Self::Social,
            AssessmentDomainDto::Economy => Self::Economy,
            AssessmentDomainDto::Education => Self::Education,
            AssessmentDomainDto::Employment => Self::Employment,
            AssessmentDomainDto::Housing => Self::Housing,
            AssessmentDomainDto::RightsAdvocacy => Self::RightsAdvocacy,
        }
    }
}

impl From<AssessmentDomain> for AssessmentDomainDto {
    fn from(v: AssessmentDomain) -> Self {
        match v {
            AssessmentDomain::Safety => Self::Safety,
            AssessmentDomain::Health => Self::Health,
            AssessmentDomain::DailyLiving => Self::DailyLiving,
            AssessmentDomain::Family => Self::Family,
            AssessmentDomain::Social => Self::Social,
            AssessmentDomain::Economy => Self::Economy,
            AssessmentDomain::Education => Self::Education,
            AssessmentDomain::Employment => Self::Employment,
            AssessmentDomain::Housing => Self::Housing,
            AssessmentDomain::RightsAdvocacy => Self::RightsAdvocacy,
        }
    }
}
mirror_enum!(
    /// How far a goal has come.
    GoalStatusDto => GoalStatus { NotStarted, InProgress, Achieved, Dropped }
);
mirror_enum!(
    /// Whether a plan revision is in force.
    PlanStatusDto => PlanStatus { Active, Superseded }
);

/// One domain's score.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DomainScoreDto {
    /// 0 (no need) to 5 (severe).
    #[validate(range(min = 0, max = 5, message = "must be 0 to 5"))]
    #[schema(minimum = 0, maximum = 5)]
    pub score: u8,
    /// What the score rests on.
    #[validate(length(min = 1, max = 1000, message = "must be 1 to 1000 characters"))]
    #[schema(min_length = 1, max_length = 1000)]
    pub note: Option<String>,
}

/// The scored domains; a domain left out was not assessed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessmentDomainsDto {
    /// 안전 (safety).
    #[validate(nested)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub safety: Option<DomainScoreDto>,
    /// 건강 (health).
    #[validate(nested)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<DomainScoreDto>,
    /// 일상생활 (daily living).
    #[validate(nested)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daily_living: Option<DomainScoreDto>,
    /// 가족 (family).
    #[validate(nested)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<DomainScoreDto>,
    /// 사회적 관계 (social relations).
    #[validate(nested)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub social: Option<DomainScoreDto>,
    /// 경제 (economy).
    #[validate(nested)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub economy: Option<DomainScoreDto>,
    /// 교육 (education).
    #[validate(nested)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub education: Option<DomainScoreDto>,
    /// 고용 (employment).
    #[validate(nested)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employment: Option<DomainScoreDto>,
    /// 주거 (housing).
    #[validate(nested)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub housing: Option<DomainScoreDto>,
    /// 권익보장 (rights and advocacy).
    #[validate(nested)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rights_advocacy: Option<DomainScoreDto>,
}

impl AssessmentDomainsDto {
    fn slots(&mut self) -> [(AssessmentDomain, &mut Option<DomainScoreDto>); 10] {
        use AssessmentDomain as D;
        [
            (D::Safety, &mut self.safety),
            (D::Health, &mut self.health),
            (D::DailyLiving, &mut self.daily_living),
            (D::Family, &mut self.family),
            (D::Social, &mut self.social),
            (D::Economy, &mut self.economy),
            (D::Education, &mut self.education),
            (D::Employment, &mut self.employment),
            (D::Housing, &mut self.housing),
            (D::RightsAdvocacy, &mut self.rights_advocacy),
        ]
    }

    fn into_map(mut self) -> BTreeMap<AssessmentDomain, DomainScore> {
        self.slots()
            .into_iter()
            .filter_map(|(d, s)| {
                s.take().map(|s| {
                    (
                        d,
                        DomainScore {
                            score: s.score,
                            note: s.note,
                        },
                    )
                })
            })
            .collect()
    }

    fn from_map(map: BTreeMap<AssessmentDomain, DomainScore>) -> Self {
        let mut out = Self::default();
        for (d, slot) in out.slots() {
            *slot = map.get(&d).map(|s| DomainScoreDto {
                score: s.score,
                note: s.note.clone(),
            });
        }
        out
    }
}

/// A dated assessment of a case (or of one household member).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAssessmentRequest {
    /// The day of the assessment (Korean date).
    pub assessed_on: NaiveDate,
    /// On a household case: the member it concerns.
    pub person_id: Option<Uuid>,
    /// Scores by life domain (0 = no need … 5 = severe), each with a note.
    #[validate(nested)]
    pub domains: AssessmentDomainsDto,
    /// The case's risk level after this assessment.
    pub risk_level: RiskLevelDto,
    /// The assessment in words.
    #[validate(length(min = 1, max = 4000, message = "must be 1 to 4000 characters"))]
    #[schema(min_length = 1, max_length = 4000)]
    pub summary: String,
}

impl From<CreateAssessmentRequest> for NewAssessment {
    fn from(r: CreateAssessmentRequest) -> Self {
        NewAssessment {
            person_id: r.person_id,
            assessed_on: r.assessed_on,
            domains: r.domains.into_map(),
            risk_level: r.risk_level.into(),
            summary: r.summary.trim().to_owned(),
        }
    }
}

/// An assessment, with its change since the previous one of the same person: per domain
/// scored in both, latest minus previous (negative: the need eased).
#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub person_id: Option<Uuid>,
    pub assessed_on: NaiveDate,
    pub assessor_user_id: Uuid,
    /// The assessor's name.
    pub assessor_name: String,
    pub assessor_org_id: Uuid,
    /// The assessor's organization's name.
    pub assessor_org_name: String,
    pub domains: AssessmentDomainsDto,
    pub risk_level: RiskLevelDto,
    pub summary: String,
    pub created_at: DateTime<Utc>,
    /// The date of the previous assessment, if any.
    pub previous_assessed_on: Option<NaiveDate>,
    /// Per domain scored in both (keys as in `domains`): the score change since the previous
    /// assessment.
    pub change: BTreeMap<String, i8>,
}

impl From<LatestAssessment> for AssessmentView {
    fn from(l: LatestAssessment) -> Self {
        let a = l.assessment;
        Self {
            id: a.id,
            case_id: a.case_id,
            person_id: a.person_id,
            assessed_on: a.assessed_on,
            assessor_user_id: a.assessor_user_id,
            assessor_name: String::new(),
            assessor_org_id: a.assessor_org_id,
            assessor_org_name: String::new(),
            domains: AssessmentDomainsDto::from_map(a.domains),
            risk_level: a.risk_level.into(),
            summary: a.summary,
            created_at: a.created_at,
            previous_assessed_on: l.previous_on,
            change: l
                .change
                .into_iter()
                .map(|(d, c)| (d.as_str().to_owned(), c))
                .collect(),
        }
    }
}

impl Refers for LatestAssessment {
    fn refers(&self, w: &mut Wanted) {
        w.org(self.assessment.assessor_org_id)
            .user(self.assessment.assessor_user_id);
    }
}

impl FromNamed<LatestAssessment> for AssessmentView {
    fn named(l: LatestAssessment, n: &Names) -> Self {
        let mut v = AssessmentView::from(l);
        v.assessor_name = n.user(v.assessor_user_id);
        v.assessor_org_name = n.org(v.assessor_org_id);
        v
    }
}

/// A case's assessments, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentList {
    pub items: Vec<AssessmentView>,
}

/// A goal of a plan.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoalInput {
    /// The goal in words.
    #[validate(length(min = 1, max = 1000, message = "must be 1 to 1000 characters"))]
    #[schema(min_length = 1, max_length = 1000)]
    pub text: String,
    /// The life domain it serves.
    pub domain: Option<AssessmentDomainDto>,
    /// By when (Korean date).
    pub target_on: Option<NaiveDate>,
}

/// A service a plan arranges: a benefit type of the district or a service in words.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlannedServiceDto {
    /// The benefit type, when the service is one of the catalogue.
    pub benefit_type_id: Option<Uuid>,
    /// The service in words.
    #[validate(length(min = 1, max = 500, message = "must be 1 to 500 characters"))]
    #[schema(min_length = 1, max_length = 500)]
    pub description: Option<String>,
    /// An organization of the case's district.
    pub provider_org_id: Uuid,
    /// A worker of an organization taking part in the case.
    pub responsible_user_id: Option<Uuid>,
    /// How often, in words (e.g. 주 1회, 매월).
    #[validate(length(min = 1, max = 100, message = "must be 1 to 100 characters"))]
    #[schema(min_length = 1, max_length = 100)]
    pub frequency: String,
    /// First day (Korean date).
    pub starts_on: NaiveDate,
    /// Last day (Korean date).
    pub ends_on: Option<NaiveDate>,
}

impl From<PlannedServiceDto> for PlannedService {
    fn from(s: PlannedServiceDto) -> Self {
        PlannedService {
            benefit_type_id: s.benefit_type_id,
            description: s.description,
            provider_org_id: s.provider_org_id,
            responsible_user_id: s.responsible_user_id,
            frequency: s.frequency,
            starts_on: s.starts_on,
            ends_on: s.ends_on,
        }
    }
}

impl From<PlannedService> for PlannedServiceDto {
    fn from(s: PlannedService) -> Self {
        PlannedServiceDto {
            benefit_type_id: s.benefit_type_id,
            description: s.description,
            provider_org_id: s.provider_org_id,
            responsible_user_id: s.responsible_user_id,
            frequency: s.frequency,
            starts_on: s.starts_on,
            ends_on: s.ends_on,
        }
    }
}

/// A service a plan arranges, with the names of its provider and responsible worker.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlannedServiceView {
    pub benefit_type_id: Option<Uuid>,
    pub description: Option<String>,
    pub provider_org_id: Uuid,
    /// The providing organization's name.
    pub provider_org_name: String,
    pub responsible_user_id: Option<Uuid>,
    /// The responsible worker's name.
    pub responsible_user_name: Option<String>,
    pub frequency: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
}

impl FromNamed<PlannedService> for PlannedServiceView {
    fn named(s: PlannedService, n: &Names) -> Self {
        Self {
            benefit_type_id: s.benefit_type_id,
            description: s.description,
            provider_org_name: n.org(s.provider_org_id),
            provider_org_id: s.provider_org_id,
            responsible_user_name: n.user_opt(s.responsible_user_id),
            responsible_user_id: s.responsible_user_id,
            frequency: s.frequency,
            starts_on: s.starts_on,
            ends_on: s.ends_on,
        }
    }
}

/// The next revision of a case's service plan.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePlanRequest {
    /// The plan in a few sentences.
    #[validate(length(min = 1, max = 4000, message = "must be 1 to 4000 characters"))]
    #[schema(min_length = 1, max_length = 4000)]
    pub summary: Option<String>,
    /// First day of the plan (Korean date).
    pub starts_on: NaiveDate,
    /// Last day of the plan (Korean date).
    pub ends_on: Option<NaiveDate>,
    /// The plan's goals.
    #[validate(length(min = 1, max = 20, message = "1 to 20 goals"), nested)]
    #[schema(min_items = 1, max_items = 20)]
    pub goals: Vec<GoalInput>,
    /// The services planned.
    #[validate(length(max = 30, message = "at most 30 services"), nested)]
    #[schema(max_items = 30)]
    pub services: Option<Vec<PlannedServiceDto>>,
    /// The first review (점검); default three months after `starts_on`.
    pub next_review_on: Option<NaiveDate>,
}

impl From<CreatePlanRequest> for NewPlan {
    fn from(r: CreatePlanRequest) -> Self {
        NewPlan {
            summary: r.summary,
            starts_on: r.starts_on,
            ends_on: r.ends_on,
            goals: r
                .goals
                .into_iter()
                .map(|g| Goal {
                    id: Uuid::nil(),
                    text: g.text.trim().to_owned(),
                    domain: g.domain.map(Into::into),
                    target_on: g.target_on,
                })
                .collect(),
            services: r
                .services
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            next_review_on: r.next_review_on,
        }
    }
}

/// A goal as written.
#[derive(Debug, Serialize, ToSchema)]
pub struct GoalView {
    pub id: Uuid,
    pub text: String,
    pub domain: Option<AssessmentDomainDto>,
    pub target_on: Option<NaiveDate>,
}

/// One goal's progress at a review.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoalProgressDto {
    /// A goal of the plan.
    pub goal_id: Uuid,
    /// `not_started`, `in_progress`, `achieved` or `dropped`.
    pub status: GoalStatusDto,
    /// What happened.
    #[validate(length(min = 1, max = 1000, message = "must be 1 to 1000 characters"))]
    #[schema(min_length = 1, max_length = 1000)]
    pub note: Option<String>,
}

/// A review (점검) of the active plan.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReviewRequest {
    /// The day of the review (Korean date).
    pub reviewed_on: NaiveDate,
    /// Progress of each goal of the plan.
    #[validate(length(max = 20, message = "at most 20 goals"), nested)]
    #[schema(max_items = 20)]
    pub goal_progress: Vec<GoalProgressDto>,
    /// The review in words.
    #[validate(length(min = 1, max = 4000, message = "must be 1 to 4000 characters"))]
    #[schema(min_length = 1, max_length = 4000)]
    pub summary: Option<String>,
    /// The next review; default three months after `reviewed_on`.
    pub next_review_on: Option<NaiveDate>,
}

impl From<CreateReviewRequest> for NewReview {
    fn from(r: CreateReviewRequest) -> Self {
        NewReview {
            reviewed_on: r.reviewed_on,
            goal_progress: r
                .goal_progress
                .into_iter()
                .map(|g| GoalProgress {
                    goal_id: g.goal_id,
                    status: g.status.into(),
                    note: g.note,
                })
                .collect(),
            summary: r.summary,
            next_review_on: r.next_review_on,
        }
    }
}

/// A review as written.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewView {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub case_id: Uuid,
    pub reviewed_on: NaiveDate,
    pub reviewer_user_id: Uuid,
    /// The reviewer's name.
    pub reviewer_name: String,
    pub reviewer_org_id: Uuid,
    /// The reviewer's organization's name.
    pub reviewer_org_name: String,
    pub goal_progress: Vec<GoalProgressDto>,
    pub summary: Option<String>,
    pub next_review_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

impl Refers for Review {
    fn refers(&self, w: &mut Wanted) {
        w.user(self.reviewer_user_id).org(self.reviewer_org_id);
    }
}

impl FromNamed<Review> for ReviewView {
    fn named(r: Review, n: &Names) -> Self {
        Self {
            id: r.id,
            plan_id: r.plan_id,
            case_id: r.case_id,
            reviewed_on: r.reviewed_on,
            reviewer_name: n.user(r.reviewer_user_id),
            reviewer_user_id: r.reviewer_user_id,
            reviewer_org_name: n.org(r.reviewer_org_id),
            reviewer_org_id: r.reviewer_org_id,
            goal_progress: r
                .goal_progress
                .into_iter()
                .map(|g| GoalProgressDto {
                    goal_id: g.goal_id,
                    status: g.status.into(),
                    note: g.note,
                })
                .collect(),
            summary: r.summary,
            next_review_on: r.next_review_on,
            created_at: r.created_at,
        }
    }
}

/// A plan revision with its reviews.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub revision: i32,
    pub status: PlanStatusDto,
    pub summary: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub goals: Vec<GoalView>,
    pub services: Vec<PlannedServiceView>,
    pub next_review_on: Option<NaiveDate>,
    pub created_by: Uuid,
    /// The name of the worker who wrote the plan.
    pub created_by_name: String,
    pub created_by_org_id: Uuid,
    /// That worker's organization's name.
    pub created_by_org_name: String,
    pub created_at: DateTime<Utc>,
    /// Reviews of this revision, oldest first.
    pub reviews: Vec<ReviewView>,
}

impl Refers for PlanDetail {
    fn refers(&self, w: &mut Wanted) {
        let p = &self.plan;
        w.user(p.created_by).org(p.created_by_org_id);
        for s in &p.services {
            w.org(s.provider_org_id).users([s.responsible_user_id]);
        }
        self.reviews.refers(w);
    }
}

impl FromNamed<PlanDetail> for PlanView {
    fn named(d: PlanDetail, n: &Names) -> Self {
        let p = d.plan;
        Self {
            id: p.id,
            case_id: p.case_id,
            revision: p.revision,
            status: p.status.into(),
            summary: p.summary,
            starts_on: p.starts_on,
            ends_on: p.ends_on,
            goals: p
                .goals
                .into_iter()
                .map(|g| GoalView {
                    id: g.id,
                    text: g.text,
                    domain: g.domain.map(Into::into),
                    target_on: g.target_on,
                })
                .collect(),
            services: named_each(p.services, n),
            next_review_on: p.next_review_on,
            created_by_name: n.user(p.created_by),
            created_by: p.created_by,
            created_by_org_name: n.org(p.created_by_org_id),
            created_by_org_id: p.created_by_org_id,
            created_at: p.created_at,
            reviews: named_each(d.reviews, n),
        }
    }
}

/// A case's plan revisions, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanList {
    pub items: Vec<PlanView>,
}
