//! Resources, allocations and the duplicate check.

use super::common::{FromNamed, PersonShown, Refers};
use chrono::{DateTime, NaiveDate, Utc};
use hamkke_domain::allocation::{
    Action, AllocationStatus, Category, DuplicatePolicy, Funding, PolicyInput, Resource, Scope,
    Subject,
};
use hamkke_persistence::repo::allocations::{Check, ConflictInfo, LedgerEntry, NewAllocation};
use hamkke_persistence::repo::names::{Names, Wanted};
use hamkke_persistence::repo::resources::{NewResource, ResourcePatch};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::persons::mirror_enum;
use crate::error::ApiError;

mirror_enum!(
    /// Resource category.
    CategoryDto => Category { Heating, Food, EmergencyLiving, HousingRepair, Rent, Medical, Education, Goods, Service, Cash }
);
mirror_enum!(
    /// Public money or private donation.
    FundingDto => Funding { Public, PrivateDonation }
);
mirror_enum!(
    /// Whom a policy counts against.
    SubjectDto => Subject { Person, Household }
);
mirror_enum!(
    /// What counts: the same benefit type or its group (`benefit_type`, the only scope of new
    /// policies); `category` only on policies moved from a resource by the benefit-type
    /// migration.
    ScopeDto => Scope { BenefitType, Category }
);
mirror_enum!(
    /// Refuse, or record with warnings.
    ActionDto => Action { Block, Warn }
);
mirror_enum!(
    /// Where an allocation stands.
    AllocationStatusDto => AllocationStatus { Planned, Approved, Delivered, Cancelled, PendingOverride }
);

/// The period within which earlier allocations count.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum WindowDto {
    /// Allocations less than `days` days apart.
    Days { days: i64 },
    /// The same season, `MM-DD` to `MM-DD` inclusive; may span New Year (`11-01` to `03-31`).
    Season { start: String, end: String },
}

/// A benefit type's duplicate policy: how often (or how much of) the benefit a person or a
/// household may receive in a window, from every organization of the district together.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyDto {
    /// Counted per `person` or per `household`.
    pub subject: SubjectDto,
    /// `benefit_type` when left out.
    #[serde(default = "default_scope")]
    pub scope: ScopeDto,
    /// The period that counts.
    pub window: WindowDto,
    /// At most this many allocations (including the new one) in the window.
    pub max_count: Option<i64>,
    /// At most this total amount (including the new one) in the window, in `amount_unit`.
    pub max_amount: Option<i64>,
    /// The unit of amounts (`원` when left out).
    #[validate(length(min = 1, max = 10, message = "must be 1 to 10 characters"))]
    #[schema(min_length = 1, max_length = 10)]
    pub amount_unit: Option<String>,
    /// `block` (refuse; a coordinator may approve an override) or `warn` (record with warnings).
    pub action: ActionDto,
}

fn default_scope() -> ScopeDto {
    ScopeDto::BenefitType
}

impl TryFrom<PolicyDto> for DuplicatePolicy {
    type Error = ApiError;
    fn try_from(p: PolicyDto) -> Result<Self, ApiError> {
        let (kind, days, start, end) = match p.window {
            WindowDto::Days { days } => ("days", Some(days), None, None),
            WindowDto::Season { start, end } => ("season", None, Some(start), Some(end)),
        };
        Ok(DuplicatePolicy::parse(PolicyInput {
            subject: p.subject.into(),
            scope: p.scope.into(),
            window_kind: kind.into(),
            days,
            start,
            end,
            max_count: p.max_count,
            max_amount: p.max_amount,
            action: p.action.into(),
        })?)
    }
}

impl PolicyDto {
    pub(crate) fn shown(p: DuplicatePolicy, amount_unit: String) -> Self {
        use hamkke_domain::allocation::Window;
        Self {
            subject: p.subject.into(),
            scope: p.scope.into(),
            window: match p.window {
                Window::Days(d) => WindowDto::Days { days: i64::from(d) },
                Window::Season { start, end } => WindowDto::Season {
                    start: start.format(),
                    end: end.format(),
                },
            },
            max_count: p.max_count.map(i64::from),
            max_amount: p.max_amount,
            amount_unit: Some(amount_unit),
            action: p.action.into(),
        }
    }
}

/// Adds a resource to the district's catalogue: what a provider gives, under which benefit
/// type (whose duplicate policy it then falls under).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateResourceRequest {
    #[validate(
        length(min = 1, max = 200, message = "must be 1 to 200 characters"),
        custom(function = "crate::dto::common::plain_name")
    )]
    /// The resource's name (e.g. a programme or a donated good).
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// An active benefit type of the district (`GET /benefit-types`).
    pub benefit_type_id: Uuid,
    /// 공공 (public) or 민간 후원 (private donation) funding.
    pub funding: FundingDto,
    /// e.g. `드럼` (drum), `원` (won), `kg`.
    #[validate(length(min = 1, max = 30, message = "must be 1 to 30 characters"))]
    #[schema(min_length = 1, max_length = 30)]
    pub unit: String,
    /// Who gives it (an organization of the district); allocations of the resource name it as
    /// their provider. Left out: the recording organization.
    pub provider_org_id: Option<Uuid>,
}

impl From<CreateResourceRequest> for NewResource {
    fn from(r: CreateResourceRequest) -> Self {
        NewResource {
            name: r.name.trim().to_owned(),
            benefit_type_id: r.benefit_type_id,
            funding: r.funding.into(),
            unit: r.unit,
            provider_org_id: r.provider_org_id,
        }
    }
}

/// Changes a resource.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateResourceRequest {
    #[validate(
        length(min = 1, max = 200, message = "must be 1 to 200 characters"),
        custom(function = "crate::dto::common::plain_name")
    )]
    /// The resource's name.
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// The unit its quantity counts (개, kg, 회, …).
    #[validate(length(min = 1, max = 30, message = "must be 1 to 30 characters"))]
    #[schema(min_length = 1, max_length = 30)]
    pub unit: Option<String>,
    /// Moves the resource to another benefit type; what it gave before keeps its type.
    pub benefit_type_id: Option<Uuid>,
    /// Whether it may still be given.
    pub active: Option<bool>,
}

impl From<UpdateResourceRequest> for ResourcePatch {
    fn from(r: UpdateResourceRequest) -> Self {
        ResourcePatch {
            name: r.name.map(|n| n.trim().to_owned()),
            unit: r.unit,
            benefit_type_id: r.benefit_type_id,
            active: r.active,
        }
    }
}

/// A resource.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResourceView {
    pub id: Uuid,
    pub name: String,
    pub benefit_type_id: Uuid,
    /// The benefit type's category.
    pub category: CategoryDto,
    pub funding: FundingDto,
    pub unit: String,
    pub provider_org_id: Option<Uuid>,
    pub district_code: String,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Resource> for ResourceView {
    fn from(r: Resource) -> Self {
        Self {
            id: r.id,
            name: r.name,
            benefit_type_id: r.benefit_type_id,
            category: r.category.into(),
            funding: r.funding.into(),
            unit: r.unit,
            provider_org_id: r.provider_org_id,
            district_code: r.district_code,
            active: r.active,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

crate::page_of!(ResourcePage, ResourceView, "A page of resources.");

/// Filters of `GET /resources`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListResourcesQuery {
    pub category: Option<CategoryDto>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    #[param(pattern = "^[A-Za-z0-9_-]{21}[AQgw]$")]
    pub cursor: Option<String>,
}

/// Asks to override a duplicate block.
#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OverrideRequest {
    /// Why the allocation is needed despite the duplicate.
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// Records (or checks) an allocation.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAllocationRequest {
    /// The resource given (its benefit type decides the duplicate policy).
    pub resource_id: Uuid,
    /// Records on behalf of another organization of the district (district coordinators):
    /// it is the provider in the ledger and the reports. Left out: the resource's provider,
    /// or the recording organization.
    pub provider_org_id: Option<Uuid>,
    /// The recipient.
    pub person_id: Uuid,
    /// The case it is given under, if any.
    pub case_id: Option<Uuid>,
    /// In won.
    #[validate(range(min = 0, max = 1_000_000_000, message = "must be 0 to 1,000,000,000"))]
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub amount: Option<i64>,
    /// How many units, for goods and services.
    #[validate(range(min = 0, max = 1_000_000, message = "must be 0 to 1,000,000"))]
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub quantity: Option<i32>,
    /// The day it is given (Korean date).
    pub granted_on: NaiveDate,
    /// A note for the ledger (no personal data beyond what the case needs).
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub note: Option<String>,
    /// With a reason, a blocked allocation is recorded as `pending_override` for a district
    /// coordinator to approve.
    #[serde(rename = "override")]
    pub override_request: Option<OverrideRequest>,
}

impl TryFrom<CreateAllocationRequest> for NewAllocation {
    type Error = ApiError;
    fn try_from(r: CreateAllocationRequest) -> Result<Self, ApiError> {
        // Checked here rather than by `validate(nested)`, which would name the field by its
        // Rust name instead of `override`.
        if let Some(o) = &r.override_request {
            if o.reason.trim().is_empty() || o.reason.chars().count() > 2000 {
                return Err(ApiError::field(
                    "override.reason",
                    "length",
                    "must be 1 to 2000 characters",
                ));
            }
        }
        Ok(NewAllocation {
            resource_id: r.resource_id,
            provider_org_id: r.provider_org_id,
            person_id: r.person_id,
            case_id: r.case_id,
            amount: r.amount,
            quantity: r.quantity,
            granted_on: r.granted_on,
            note: r.note,
            override_reason: r.override_request.map(|o| o.reason),
            import_key: None,
            campaign_id: None,
        })
    }
}

/// An earlier allocation that conflicts (no person data).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConflictView {
    pub allocation_id: Uuid,
    /// The benefit type it was given as (the same as the request's, or of its group).
    pub benefit_type_id: Uuid,
    pub benefit_type_code: String,
    pub benefit_type_name_ko: String,
    pub benefit_type_name_en: String,
    pub resource_id: Uuid,
    pub resource_name: String,
    pub category: CategoryDto,
    pub provider_org_id: Uuid,
    pub provider_org_name: String,
    pub granted_on: NaiveDate,
    pub amount: Option<i64>,
    pub quantity: Option<i32>,
    /// Counted as the same person's, or another household member's.
    pub subject: SubjectDto,
}

impl From<ConflictInfo> for ConflictView {
    fn from(c: ConflictInfo) -> Self {
        Self {
            allocation_id: c.allocation_id,
            benefit_type_id: c.benefit_type_id,
            benefit_type_code: c.benefit_type_code,
            benefit_type_name_ko: c.benefit_type_name_ko,
            benefit_type_name_en: c.benefit_type_name_en,
            resource_id: c.resource_id,
            resource_name: c.resource_name,
            category: c.category.into(),
            provider_org_id: c.provider_org_id,
            provider_org_name: c.provider_org_name,
            granted_on: c.granted_on,
            amount: c.amount,
            quantity: c.quantity,
            subject: c.subject.into(),
        }
    }
}

/// The policy's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckView {
    pub allowed: bool,
    pub action: ActionDto,
    /// The most recent 20 conflicts, oldest first.
    pub conflicts: Vec<ConflictView>,
    /// How many conflicts there are in all.
    pub conflicts_total: usize,
    /// The rule that fired, in the language of `Accept-Language` (Korean by default).
    pub rule: Option<String>,
    /// Claims of the same benefit type by persons who are strong, unreviewed candidates for
    /// being this person (masked): they also count under the policy until a coordinator reviews
    /// the pair, so a `block` benefit given to either record is not given again; the most
    /// recent 20.
    pub possible_duplicate_claims: Vec<CandidateClaimView>,
    /// How many such claims there are in all.
    pub possible_duplicate_claims_total: usize,
}

/// A claim of a person who may be the same as the one asked about.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateClaimView {
    pub person_id: Uuid,
    /// e.g. `김*수`.
    pub masked_name: String,
    pub birth_year: i32,
    pub allocation_id: Uuid,
    pub benefit_type_code: String,
    pub granted_on: NaiveDate,
}

impl From<hamkke_persistence::repo::allocations::CandidateClaim> for CandidateClaimView {
    fn from(c: hamkke_persistence::repo::allocations::CandidateClaim) -> Self {
        Self {
            person_id: c.person_id,
            masked_name: c.masked_name,
            birth_year: c.birth_year,
            allocation_id: c.allocation_id,
            benefit_type_code: c.benefit_type_code,
            granted_on: c.granted_on,
        }
    }
}

/// Whether the caller prefers English over Korean.
pub fn wants_english(req: &actix_web::HttpRequest) -> bool {
    crate::i18n::request_lang(req) == crate::i18n::Lang::En
}

impl CheckView {
    pub fn new(c: Check, english: bool) -> Self {
        Self {
            allowed: c.allowed,
            action: c.action.into(),
            conflicts: c.conflicts.into_iter().map(Into::into).collect(),
            conflicts_total: c.conflicts_total,
            rule: c.rule.map(|r| if english { r.en } else { r.ko }),
            possible_duplicate_claims: c
                .possible_duplicate_claims
                .into_iter()
                .map(Into::into)
                .collect(),
            possible_duplicate_claims_total: c.possible_duplicate_claims_total,
        }
    }
}

/// A ledger entry. Who received it (`person_id`, `household_id`, `case_id`) and the free text
/// (`note`, `override_reason`, `cancel_reason`) are shown only to the providing organization
/// and organizations with a right to the person's details (the reasons also to the district's
/// coordinators, who decide overrides and cancellations); the rest of the district sees the
/// minimal form.
#[derive(Debug, Serialize, ToSchema)]
pub struct AllocationView {
    pub id: Uuid,
    pub resource_id: Uuid,
    pub benefit_type_id: Uuid,
    pub resource_name: String,
    /// The benefit type's names.
    pub benefit_type_name_ko: String,
    pub benefit_type_name_en: String,
    pub category: CategoryDto,
    pub provider_org_id: Uuid,
    /// The providing organization's name.
    pub provider_org_name: String,
    pub household_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    /// The recipient's name, with `person_id` (to those who see the person's details).
    pub person_name: Option<String>,
    pub case_id: Option<Uuid>,
    pub amount: Option<i64>,
    pub quantity: Option<i32>,
    pub granted_on: NaiveDate,
    pub status: AllocationStatusDto,
    pub note: Option<String>,
    pub override_reason: Option<String>,
    pub approved_by: Option<Uuid>,
    /// The approving coordinator's name.
    pub approved_by_name: Option<String>,
    pub cancel_reason: Option<String>,
    /// Once delivered: when, by whom, and how receipt was shown.
    pub delivery: Option<super::attachments::AllocationDeliveryView>,
    /// On creation under a `warn` policy (or of a `pending_override`): the conflicts, the
    /// most recent 20.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warnings: Option<Vec<ConflictView>>,
    /// On creation: how many conflicts there are in all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warnings_total: Option<usize>,
    /// On creation: claims of the same benefit type by strong, unreviewed duplicate
    /// candidates of the person (counted under the policy too), the most recent 20.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub possible_duplicate_claims: Option<Vec<CandidateClaimView>>,
    /// On creation: how many such claims there are in all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub possible_duplicate_claims_total: Option<usize>,
    /// For a district coordinator deciding a `pending_override`: what it would overrule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<OverrideReviewView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What an override would overrule, for the coordinator who decides it: the conflicting
/// allocations (provider, resource, date, amount), the rule, and who it is for (masked).
#[derive(Debug, Serialize, ToSchema)]
pub struct OverrideReviewView {
    /// The most recent 20 conflicts.
    pub conflicts: Vec<ConflictView>,
    pub conflicts_total: usize,
    pub rule_ko: Option<String>,
    pub rule_en: Option<String>,
    /// e.g. `김*수`.
    pub name_masked: String,
    pub birth_year: i32,
    /// Open strong duplicate pairs of the person (another record that may be the same person,
    /// counted as one until the pair is reviewed at `/person-duplicates`): what may have fired
    /// the rule. Dismissing the pair there ends it.
    pub duplicate_pairs: Vec<ReviewPairView>,
    /// The claims of those other records (masked; the most recent 20).
    pub possible_duplicate_claims: Vec<CandidateClaimView>,
}

/// Another record of the person in an override review, masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewPairView {
    pub pair_id: Uuid,
    pub person_id: Uuid,
    /// e.g. `김*수`.
    pub name_masked: String,
    pub birth_year: i32,
    /// 60–100; strong from `HAMKKE_DUPLICATE_STRONG_SCORE` (default 80).
    pub score: u8,
}

impl Refers for LedgerEntry {
    fn refers(&self, w: &mut Wanted) {
        let a = &self.allocation;
        w.benefit_type(a.benefit_type_id)
            .org(a.provider_org_id)
            .users([
                a.approved_by,
                a.delivery.as_ref().and_then(|d| d.delivered_by),
            ]);
        if self.details {
            w.person(a.person_id);
        }
    }
}

impl FromNamed<LedgerEntry> for AllocationView {
    fn named(e: LedgerEntry, n: &Names) -> Self {
        let a = e.allocation;
        let (benefit_type_name_ko, benefit_type_name_en) = n.benefit_type(a.benefit_type_id);
        Self {
            id: a.id,
            resource_id: a.resource_id,
            benefit_type_id: a.benefit_type_id,
            resource_name: e.resource_name,
            benefit_type_name_ko,
            benefit_type_name_en,
            category: a.category.into(),
            provider_org_name: n.org(a.provider_org_id),
            provider_org_id: a.provider_org_id,
            household_id: if e.details { a.household_id } else { None },
            person_name: if e.details {
                PersonShown::of(n, a.person_id).name
            } else {
                None
            },
            person_id: e.details.then_some(a.person_id),
            case_id: if e.details { a.case_id } else { None },
            amount: a.amount,
            quantity: a.quantity,
            granted_on: a.granted_on,
            status: a.status.into(),
            note: if e.details { a.note } else { None },
            override_reason: if e.details || e.decides {
                a.override_reason
            } else {
                None
            },
            approved_by_name: n.user_opt(a.approved_by),
            approved_by: a.approved_by,
            cancel_reason: if e.details || e.decides {
                a.cancel_reason
            } else {
                None
            },
            delivery: a
                .delivery
                .map(|d| super::attachments::AllocationDeliveryView::of(d, e.details, n)),
            warnings: None,
            warnings_total: None,
            possible_duplicate_claims: None,
            possible_duplicate_claims_total: None,
            review: e.review.map(|r| OverrideReviewView {
                conflicts: r.conflicts.into_iter().map(Into::into).collect(),
                conflicts_total: r.conflicts_total,
                rule_ko: r.rule.as_ref().map(|x| x.ko.clone()),
                rule_en: r.rule.map(|x| x.en),
                name_masked: r.name_masked,
                birth_year: r.birth_year,
                duplicate_pairs: r
                    .duplicate_pairs
                    .into_iter()
                    .map(|p| ReviewPairView {
                        pair_id: p.pair_id,
                        person_id: p.person_id,
                        name_masked: p.name_masked,
                        birth_year: p.birth_year,
                        score: p.score,
                    })
                    .collect(),
                possible_duplicate_claims: r
                    .possible_duplicate_claims
                    .into_iter()
                    .map(Into::into)
                    .collect(),
            }),
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

crate::page_of!(
    AllocationPage,
    AllocationView,
    "A page of the district's ledger."
);

/// Filters of `GET /allocations`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListAllocationsQuery {
    pub person_id: Option<Uuid>,
    pub household_id: Option<Uuid>,
    pub resource_id: Option<Uuid>,
    pub benefit_type_id: Option<Uuid>,
    pub category: Option<CategoryDto>,
    pub provider_org_id: Option<Uuid>,
    pub status: Option<AllocationStatusDto>,
    /// Granted on or after.
    pub from: Option<NaiveDate>,
    /// Granted on or before.
    pub to: Option<NaiveDate>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    #[param(pattern = "^[A-Za-z0-9_-]{21}[AQgw]$")]
    pub cursor: Option<String>,
}

/// Cancels an allocation.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelAllocationRequest {
    /// Why it is cancelled (kept in the audit trail).
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}
