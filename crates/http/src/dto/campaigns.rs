//! Winter campaigns (연말연시 집중 지원): campaigns with quotas and progress, and nominations.

use chrono::{DateTime, NaiveDate, Utc};
use hamkke_persistence::repo::campaigns::{Campaign, Nomination, Quota};
use hamkke_persistence::repo::names::{Names, Wanted};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::common::{FromNamed, PersonShown, Refers};

/// Starts a campaign (district coordinators).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCampaignRequest {
    /// The campaign's name (e.g. `2026 희망온돌 따뜻한 겨울나기`).
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// First day (Korean date).
    pub starts_on: NaiveDate,
    /// Last day (Korean date); nominations close after it.
    pub ends_on: NaiveDate,
    /// The total budget in won.
    #[validate(range(min = 0, max = 1_000_000_000_000i64, message = "must be 0 to 10^12"))]
    #[schema(minimum = 0, maximum = 1_000_000_000_000i64)]
    pub budget: Option<i64>,
    /// The benefit types it gives (active ones of the district).
    #[validate(length(min = 1, max = 20, message = "1 to 20 benefit types"))]
    #[schema(min_items = 1, max_items = 20)]
    pub benefit_type_ids: Vec<Uuid>,
    /// Per organization that nominates (dong centres, partners): its quota.
    #[validate(length(min = 1, max = 200, message = "1 to 200 quotas"), nested)]
    #[schema(min_items = 1, max_items = 200)]
    pub quotas: Vec<QuotaInput>,
}

/// An organization's quota: households and/or persons and/or an amount; a missing limit is
/// no limit of that kind.
#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuotaInput {
    /// An active organization of the district.
    pub organization_id: Uuid,
    /// At most this many households (세대).
    #[validate(range(min = 0, max = 1_000_000, message = "must be 0 to 1000000"))]
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub households: Option<i32>,
    /// At most this many persons.
    #[validate(range(min = 0, max = 1_000_000, message = "must be 0 to 1000000"))]
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub persons: Option<i32>,
    /// At most this amount in won.
    #[validate(range(min = 0, max = 1_000_000_000_000i64, message = "must be 0 to 10^12"))]
    #[schema(minimum = 0, maximum = 1_000_000_000_000i64)]
    pub amount: Option<i64>,
}

/// An organization's quota and its progress.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuotaView {
    pub organization_id: Uuid,
    pub organization_name: String,
    pub households: Option<i32>,
    pub persons: Option<i32>,
    pub amount: Option<i64>,
    /// Open and approved nominations (returned and withdrawn ones gave their place back).
    pub nominated_households: i32,
    pub nominated_persons: i32,
    pub nominated_amount: i64,
    pub approved: i64,
    pub delivered: i64,
    /// Deliveries with a recorded proof (signature, photo or 대리수령).
    pub delivered_with_proof: i64,
    /// Delivered of what is to be delivered (approved, not cancelled), 0–1; null before any
    /// approval.
    pub delivery_rate: Option<f64>,
    /// Deliveries with proof of all deliveries, 0–1; null before any delivery.
    pub proof_rate: Option<f64>,
    /// Won given by the allocations of approved nominations (not cancelled).
    pub amount_spent: i64,
    /// Places left: persons, households and won (null where there is no limit).
    pub persons_left: Option<i32>,
    pub households_left: Option<i32>,
    pub amount_left: Option<i64>,
}

/// A campaign with the quotas the caller may see (all for coordinators and auditors, its
/// own for an organization with a quota).
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignView {
    pub id: Uuid,
    pub district_code: String,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub budget: Option<i64>,
    /// `open` or `closed`.
    pub status: String,
    pub created_by: Uuid,
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
    pub version: i32,
    pub benefit_type_ids: Vec<Uuid>,
    /// The benefit types' Korean names, in the order of `benefit_type_ids`.
    pub benefit_type_names: Vec<String>,
    pub quotas: Vec<QuotaView>,
}

impl Refers for Campaign {
    fn refers(&self, w: &mut Wanted) {
        w.user(self.created_by)
            .orgs(self.quotas.iter().map(|q| Some(q.org_id)));
        for t in &self.benefit_type_ids {
            w.benefit_type(*t);
        }
    }
}

fn left<T: std::ops::Sub<Output = T> + Copy>(max: Option<T>, used: T) -> Option<T> {
    max.map(|m| m - used)
}

/// `part / whole`, rounded to 0.001; None when `whole` is 0.
fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 / whole as f64 * 1000.0).round() / 1000.0)
}

fn quota_view(q: Quota, n: &Names) -> QuotaView {
    QuotaView {
        organization_name: n.org(q.org_id),
        organization_id: q.org_id,
        persons_left: left(q.max_persons, q.nominated_persons),
        households_left: left(q.max_households, q.nominated_households),
        amount_left: left(q.max_amount, q.nominated_amount),
        households: q.max_households,
        persons: q.max_persons,
        amount: q.max_amount,
        nominated_households: q.nominated_households,
        nominated_persons: q.nominated_persons,
        nominated_amount: q.nominated_amount,
        approved: q.approved,
        delivered: q.delivered,
        delivered_with_proof: q.delivered_with_proof,
        delivery_rate: rate(q.delivered, q.to_deliver),
        proof_rate: rate(q.delivered_with_proof, q.delivered),
        amount_spent: q.amount_spent,
    }
}

impl FromNamed<Campaign> for CampaignView {
    fn named(c: Campaign, n: &Names) -> Self {
        Self {
            id: c.id,
            district_code: c.district_code,
            name: c.name,
            starts_on: c.starts_on,
            ends_on: c.ends_on,
            budget: c.budget,
            status: c.status,
            created_by_name: n.user(c.created_by),
            created_by: c.created_by,
            created_at: c.created_at,
            version: c.version,
            benefit_type_names: c
                .benefit_type_ids
                .iter()
                .map(|t| n.benefit_type(*t).0)
                .collect(),
            benefit_type_ids: c.benefit_type_ids,
            quotas: c.quotas.into_iter().map(|q| quota_view(q, n)).collect(),
        }
    }
}

crate::page_of!(CampaignPage, CampaignView, "A page of campaigns.");

/// Nominates a person for a campaign (대상자 추천).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateNominationRequest {
    /// A registered person of the district.
    pub person_id: Uuid,
    /// The resource that will give it: of a benefit type of the campaign; its provider (or the
    /// nominating organization) delivers.
    pub resource_id: Uuid,
    /// In won.
    #[validate(range(min = 0, max = 1_000_000_000, message = "must be 0 to 1000000000"))]
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub amount: Option<i64>,
    /// How many units, for goods.
    #[validate(range(min = 0, max = 1_000_000, message = "must be 0 to 1000000"))]
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub quantity: Option<i32>,
    /// Why this person (for the coordinator; no more personal data than the campaign needs).
    #[validate(length(min = 1, max = 1000, message = "must be 1 to 1000 characters"))]
    #[schema(min_length = 1, max_length = 1000)]
    pub note: Option<String>,
}

/// Returns a nomination to its organization, with the reason.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnNominationRequest {
    /// Why (the nominator reads it).
    #[validate(length(min = 1, max = 1000, message = "must be 1 to 1000 characters"))]
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
}

/// A nomination, with the person as the caller may see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct NominationView {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub organization_id: Uuid,
    pub organization_name: String,
    pub person_id: Uuid,
    /// Full to those who see the person's details, else masked (`김*수`).
    pub person_name: Option<String>,
    pub person_birth_year: Option<i32>,
    pub person_name_masked: bool,
    pub household_id: Option<Uuid>,
    pub benefit_type_id: Uuid,
    pub benefit_type_name_ko: String,
    pub benefit_type_name_en: String,
    pub resource_id: Uuid,
    pub amount: Option<i64>,
    pub quantity: Option<i32>,
    pub note: Option<String>,
    /// `nominated`, `approved`, `returned`, `withdrawn` or `cancelled` (its allocation was
    /// cancelled after approval; the place went back to the quota).
    pub status: String,
    pub return_reason: Option<String>,
    /// The allocation an approval recorded (the provider delivers it).
    pub allocation_id: Option<Uuid>,
    pub created_by: Uuid,
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
    pub decided_by: Option<Uuid>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub version: i32,
}

impl Refers for Nomination {
    fn refers(&self, w: &mut Wanted) {
        w.org(self.org_id)
            .person(self.person_id)
            .benefit_type(self.benefit_type_id)
            .user(self.created_by)
            .users([self.decided_by]);
    }
}

impl FromNamed<Nomination> for NominationView {
    fn named(x: Nomination, n: &Names) -> Self {
        let person = PersonShown::of(n, x.person_id);
        let (benefit_type_name_ko, benefit_type_name_en) = n.benefit_type(x.benefit_type_id);
        Self {
            id: x.id,
            campaign_id: x.campaign_id,
            organization_name: n.org(x.org_id),
            organization_id: x.org_id,
            person_id: x.person_id,
            person_name: person.name,
            person_birth_year: person.birth_year,
            person_name_masked: person.masked,
            household_id: x.household_id,
            benefit_type_id: x.benefit_type_id,
            benefit_type_name_ko,
            benefit_type_name_en,
            resource_id: x.resource_id,
            amount: x.amount,
            quantity: x.quantity,
            note: x.note,
            status: x.status,
            return_reason: x.return_reason,
            allocation_id: x.allocation_id,
            created_by_name: n.user(x.created_by),
            created_by: x.created_by,
            created_at: x.created_at,
            decided_by_name: x.decided_by.map(|u| n.user(u)),
            decided_by: x.decided_by,
            decided_at: x.decided_at,
            version: x.version,
        }
    }
}

crate::page_of!(NominationPage, NominationView, "A page of nominations.");

/// A nomination's state.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NominationStatusDto {
    Nominated,
    Approved,
    Returned,
    Withdrawn,
    /// Approved, then its allocation was cancelled: the place went back to the quota.
    Cancelled,
}

impl NominationStatusDto {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Nominated => "nominated",
            Self::Approved => "approved",
            Self::Returned => "returned",
            Self::Withdrawn => "withdrawn",
            Self::Cancelled => "cancelled",
        }
    }
}

/// Filters and page of `GET /campaigns/{id}/nominations`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListNominationsQuery {
    pub status: Option<NominationStatusDto>,
    /// One nominating organization's (coordinators and auditors; others see only their own).
    pub organization_id: Option<Uuid>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    #[param(pattern = "^[A-Za-z0-9_-]{21}[AQgw]$")]
    pub cursor: Option<String>,
}

/// Page of `GET /campaigns`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListCampaignsQuery {
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    #[param(pattern = "^[A-Za-z0-9_-]{21}[AQgw]$")]
    pub cursor: Option<String>,
}
