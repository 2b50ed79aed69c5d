//! Resources, allocations and the duplicate check.

use chrono::{DateTime, NaiveDate, Utc};
use hamkke_domain::allocation::{
    Action, AllocationStatus, Category, DuplicatePolicy, Funding, PolicyInput, Resource, Scope,
    Subject,
};
use hamkke_persistence::repo::allocations::{Check, ConflictInfo, LedgerEntry, NewAllocation};
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
    /// Same resource, or any resource of the category.
    ScopeDto => Scope { Resource, Category }
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

/// A duplicate policy.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyDto {
    pub subject: SubjectDto,
    pub scope: ScopeDto,
    pub window: WindowDto,
    /// At most this many allocations (including the new one) in the window.
    pub max_count: Option<i64>,
    /// At most this total amount (including the new one) in the window.
    pub max_amount: Option<i64>,
    pub action: ActionDto,
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

impl From<DuplicatePolicy> for PolicyDto {
    fn from(p: DuplicatePolicy) -> Self {
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
            action: p.action.into(),
        }
    }
}

/// Adds a resource to the district's catalogue.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateResourceRequest {
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub category: CategoryDto,
    pub funding: FundingDto,
    /// e.g. `드럼` (drum), `원` (won), `kg`.
    #[validate(length(min = 1, max = 30, message = "must be 1 to 30 characters"))]
    #[schema(min_length = 1, max_length = 30)]
    pub unit: String,
    pub provider_org_id: Option<Uuid>,
    pub duplicate_policy: PolicyDto,
}

impl TryFrom<CreateResourceRequest> for NewResource {
    type Error = ApiError;
    fn try_from(r: CreateResourceRequest) -> Result<Self, ApiError> {
        Ok(NewResource {
            name: r.name.trim().to_owned(),
            category: r.category.into(),
            funding: r.funding.into(),
            unit: r.unit,
            provider_org_id: r.provider_org_id,
            policy: r.duplicate_policy.try_into()?,
        })
    }
}

/// Changes a resource.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateResourceRequest {
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[validate(length(min = 1, max = 30, message = "must be 1 to 30 characters"))]
    #[schema(min_length = 1, max_length = 30)]
    pub unit: Option<String>,
    pub duplicate_policy: Option<PolicyDto>,
    pub active: Option<bool>,
}

impl TryFrom<UpdateResourceRequest> for ResourcePatch {
    type Error = ApiError;
    fn try_from(r: UpdateResourceRequest) -> Result<Self, ApiError> {
        Ok(ResourcePatch {
            name: r.name.map(|n| n.trim().to_owned()),
            unit: r.unit,
            policy: r.duplicate_policy.map(TryInto::try_into).transpose()?,
            active: r.active,
        })
    }
}

/// A resource.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResourceView {
    pub id: Uuid,
    pub name: String,
    pub category: CategoryDto,
    pub funding: FundingDto,
    pub unit: String,
    pub provider_org_id: Option<Uuid>,
    pub district_code: String,
    pub duplicate_policy: PolicyDto,
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
            category: r.category.into(),
            funding: r.funding.into(),
            unit: r.unit,
            provider_org_id: r.provider_org_id,
            district_code: r.district_code,
            duplicate_policy: r.policy.into(),
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
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// Records (or checks) an allocation.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAllocationRequest {
    pub resource_id: Uuid,
    pub person_id: Uuid,
    pub case_id: Option<Uuid>,
    /// In won.
    #[validate(range(min = 0, max = 1_000_000_000, message = "must be 0 to 1,000,000,000"))]
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub amount: Option<i64>,
    #[validate(range(min = 0, max = 1_000_000, message = "must be 0 to 1,000,000"))]
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub quantity: Option<i32>,
    pub granted_on: NaiveDate,
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
            person_id: r.person_id,
            case_id: r.case_id,
            amount: r.amount,
            quantity: r.quantity,
            granted_on: r.granted_on,
            note: r.note,
            override_reason: r.override_request.map(|o| o.reason),
            import_key: None,
        })
    }
}

/// An earlier allocation that conflicts (no person data).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConflictView {
    pub allocation_id: Uuid,
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
    pub conflicts: Vec<ConflictView>,
    /// The rule that fired, in the language of `Accept-Language` (Korean by default).
    pub rule: Option<String>,
}

/// Whether the caller prefers English over Korean.
pub fn wants_english(req: &actix_web::HttpRequest) -> bool {
    req.headers()
        .get(actix_web::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("en"))
}

impl CheckView {
    pub fn new(c: Check, english: bool) -> Self {
        Self {
            allowed: c.allowed,
            action: c.action.into(),
            conflicts: c.conflicts.into_iter().map(Into::into).collect(),
            rule: c.rule.map(|r| if english { r.en } else { r.ko }),
        }
    }
}

/// A ledger entry. Who received it (`person_id`, `case_id`) and the provider's `note` are
/// shown only to the providing organization and organizations with a right to the person's
/// details; the rest of the district sees the minimal form.
#[derive(Debug, Serialize, ToSchema)]
pub struct AllocationView {
    pub id: Uuid,
    pub resource_id: Uuid,
    pub resource_name: String,
    pub category: CategoryDto,
    pub provider_org_id: Uuid,
    pub household_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub case_id: Option<Uuid>,
    pub amount: Option<i64>,
    pub quantity: Option<i32>,
    pub granted_on: NaiveDate,
    pub status: AllocationStatusDto,
    pub note: Option<String>,
    pub override_reason: Option<String>,
    pub approved_by: Option<Uuid>,
    pub cancel_reason: Option<String>,
    /// On creation under a `warn` policy (or of a `pending_override`): the conflicts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warnings: Option<Vec<ConflictView>>,
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
    pub conflicts: Vec<ConflictView>,
    pub rule_ko: Option<String>,
    pub rule_en: Option<String>,
    /// e.g. `김*수`.
    pub name_masked: String,
    pub birth_year: i32,
}

impl From<LedgerEntry> for AllocationView {
    fn from(e: LedgerEntry) -> Self {
        let a = e.allocation;
        Self {
            id: a.id,
            resource_id: a.resource_id,
            resource_name: e.resource_name,
            category: a.category.into(),
            provider_org_id: a.provider_org_id,
            household_id: a.household_id,
            person_id: e.details.then_some(a.person_id),
            case_id: if e.details { a.case_id } else { None },
            amount: a.amount,
            quantity: a.quantity,
            granted_on: a.granted_on,
            status: a.status.into(),
            note: if e.details { a.note } else { None },
            override_reason: a.override_reason,
            approved_by: a.approved_by,
            cancel_reason: a.cancel_reason,
            warnings: None,
            review: e.review.map(|r| OverrideReviewView {
                conflicts: r.conflicts.into_iter().map(Into::into).collect(),
                rule_ko: r.rule.as_ref().map(|x| x.ko.clone()),
                rule_en: r.rule.map(|x| x.en),
                name_masked: r.name_masked,
                birth_year: r.birth_year,
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
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}
