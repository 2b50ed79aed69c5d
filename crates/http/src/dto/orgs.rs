//! Organization bodies.

use chrono::{DateTime, Utc};
use hamkke_domain::org::{
    DistrictCode, NewOrganization, OrgKind, Organization, OrganizationPatch, Sector,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::common::double_option;
use crate::error::ApiError;

/// Kind of organization. `system` is built in and cannot be created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgKindDto {
    DistrictOffice,
    DongCenter,
    WelfareCenter,
    PartnerAgency,
    System,
}

impl From<OrgKindDto> for OrgKind {
    fn from(k: OrgKindDto) -> Self {
        match k {
            OrgKindDto::DistrictOffice => Self::DistrictOffice,
            OrgKindDto::DongCenter => Self::DongCenter,
            OrgKindDto::WelfareCenter => Self::WelfareCenter,
            OrgKindDto::PartnerAgency => Self::PartnerAgency,
            OrgKindDto::System => Self::System,
        }
    }
}

impl From<OrgKind> for OrgKindDto {
    fn from(k: OrgKind) -> Self {
        match k {
            OrgKind::DistrictOffice => Self::DistrictOffice,
            OrgKind::DongCenter => Self::DongCenter,
            OrgKind::WelfareCenter => Self::WelfareCenter,
            OrgKind::PartnerAgency => Self::PartnerAgency,
            OrgKind::System => Self::System,
        }
    }
}

/// Public (공공) or private (민간) sector; follows from the kind.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SectorDto {
    Public,
    Private,
}

impl From<Sector> for SectorDto {
    fn from(s: Sector) -> Self {
        match s {
            Sector::Public => Self::Public,
            Sector::Private => Self::Private,
        }
    }
}

/// Creates an organization.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganizationRequest {
    #[validate(
        length(min = 1, max = 200, message = "must be 1 to 200 characters"),
        custom(function = "crate::dto::common::plain_name")
    )]
    /// The organization's name.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// The kind of organization (구청, 행정복지센터, 사회복지관, 협력기관).
    pub kind: OrgKindDto,
    /// 시군구 code, five digits.
    #[schema(pattern = "^[0-9]{5}$", example = "11440")]
    pub district_code: String,
    /// The district office a dong centre belongs to (required for dong centres).
    pub parent_id: Option<Uuid>,
    /// The hub welfare centre (거점복지관) of a dong centre.
    pub hub_org_id: Option<Uuid>,
    /// The administrative dong (행정동 코드, 10 digits) a dong centre serves: reports name a
    /// household's dong of residence by it.
    #[schema(pattern = "^[0-9]{10}$", example = "1144056500")]
    pub admin_dong_code: Option<String>,
}

impl TryFrom<CreateOrganizationRequest> for NewOrganization {
    type Error = ApiError;
    fn try_from(r: CreateOrganizationRequest) -> Result<Self, ApiError> {
        Ok(NewOrganization {
            name: r.name.trim().to_owned(),
            kind: r.kind.into(),
            district_code: DistrictCode::parse(&r.district_code)?,
            parent_id: r.parent_id,
            hub_org_id: r.hub_org_id,
            admin_dong_code: r.admin_dong_code,
        })
    }
}

/// Changes an organization; absent fields stay, `null` clears a link.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrganizationRequest {
    #[validate(
        length(min = 1, max = 200, message = "must be 1 to 200 characters"),
        custom(function = "crate::dto::common::plain_name")
    )]
    /// The organization's name.
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// The organization it belongs to.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub parent_id: Option<Option<Uuid>>,
    /// For a dong centre: its hub welfare centre (거점복지관).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub hub_org_id: Option<Option<Uuid>>,
    /// A dong centre's administrative dong (10 digits); `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]{10}$")]
    pub admin_dong_code: Option<Option<String>>,
    /// 고유번호 or 사업자등록번호 (`NNN-NN-NNNNN`), printed on donation receipts; `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]{3}-[0-9]{2}-[0-9]{5}$")]
    pub registration_no: Option<Option<String>>,
    /// Whether it is in use.
    pub active: Option<bool>,
}

impl From<UpdateOrganizationRequest> for OrganizationPatch {
    fn from(r: UpdateOrganizationRequest) -> Self {
        OrganizationPatch {
            name: r.name.map(|n| n.trim().to_owned()),
            parent_id: r.parent_id,
            hub_org_id: r.hub_org_id,
            admin_dong_code: r.admin_dong_code,
            registration_no: r.registration_no,
            active: r.active,
        }
    }
}

/// An organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationView {
    pub id: Uuid,
    pub name: String,
    pub kind: OrgKindDto,
    pub sector: SectorDto,
    pub district_code: String,
    pub parent_id: Option<Uuid>,
    pub hub_org_id: Option<Uuid>,
    /// The administrative dong a dong centre serves.
    pub admin_dong_code: Option<String>,
    /// 고유번호 or 사업자등록번호.
    pub registration_no: Option<String>,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Organization> for OrganizationView {
    fn from(o: Organization) -> Self {
        Self {
            id: o.id,
            name: o.name,
            kind: o.kind.into(),
            sector: o.kind.sector().into(),
            district_code: o.district_code,
            parent_id: o.parent_id,
            hub_org_id: o.hub_org_id,
            admin_dong_code: o.admin_dong_code,
            registration_no: o.registration_no,
            active: o.active,
            version: o.version,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

crate::page_of!(
    OrganizationPage,
    OrganizationView,
    "A page of organizations."
);

/// Filters of `GET /organizations`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListOrganizationsQuery {
    /// Only this district (system administrators; others see their own district).
    #[param(pattern = "^[0-9]{5}$")]
    pub district_code: Option<String>,
    pub kind: Option<OrgKindDto>,
    /// `created` (the default: oldest first) or `name` (가나다순).
    pub sort: Option<super::users::SortDto>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// Cursor from the previous page's `next_cursor`.
    #[param(pattern = "^[A-Za-z0-9_-]{21}[AQgw]$")]
    pub cursor: Option<String>,
}

/// A dong centre's case awaiting a meeting, without person data.
#[derive(Debug, Serialize, ToSchema)]
pub struct HubCaseView {
    pub case_id: Uuid,
    pub case_no: String,
    pub risk_level: crate::dto::cases::RiskLevelDto,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// A referral from a dong centre to its hub, still open.
#[derive(Debug, Serialize, ToSchema)]
pub struct HubReferralView {
    pub referral_id: Uuid,
    pub case_id: Uuid,
    /// The case number (사례번호).
    pub case_no: Option<String>,
    pub status: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// An open action item on a dong centre's case.
#[derive(Debug, Serialize, ToSchema)]
pub struct HubItemView {
    pub action_item_id: Uuid,
    pub case_id: Uuid,
    /// The case number (사례번호).
    pub case_no: Option<String>,
    pub due_on: chrono::NaiveDate,
    pub overdue: bool,
}

/// One dong centre served by the hub, with counts and (up to 100 each) the rows.
#[derive(Debug, Serialize, ToSchema)]
pub struct HubDongView {
    pub organization_id: Uuid,
    pub name: String,
    pub awaiting_meeting_count: usize,
    pub referrals_to_hub_count: usize,
    pub open_action_items_count: usize,
    pub overdue_action_items_count: usize,
    pub awaiting_meeting: Vec<HubCaseView>,
    pub referrals_to_hub: Vec<HubReferralView>,
    pub open_action_items: Vec<HubItemView>,
}

/// The dong centres a hub welfare centre serves.
#[derive(Debug, Serialize, ToSchema)]
pub struct HubOverview {
    pub dong_centres: Vec<HubDongView>,
}

impl crate::dto::common::Refers for hamkke_persistence::repo::agenda::HubDong {
    fn refers(&self, w: &mut hamkke_persistence::repo::names::Wanted) {
        for r in &self.referrals_to_hub {
            w.case(r.case_id);
        }
        for i in &self.open_action_items {
            w.case(i.case_id);
        }
    }
}

impl crate::dto::common::FromNamed<Vec<hamkke_persistence::repo::agenda::HubDong>> for HubOverview {
    fn named(
        dongs: Vec<hamkke_persistence::repo::agenda::HubDong>,
        n: &hamkke_persistence::repo::names::Names,
    ) -> Self {
        let case_no = |id| n.case(id).map(|c| c.case_no.clone());
        Self {
            dong_centres: dongs
                .into_iter()
                .map(|d| HubDongView {
                    organization_id: d.org_id,
                    name: d.name,
                    awaiting_meeting_count: d.awaiting_meeting.len(),
                    referrals_to_hub_count: d.referrals_to_hub.len(),
                    open_action_items_count: d.open_action_items.len(),
                    overdue_action_items_count: d
                        .open_action_items
                        .iter()
                        .filter(|i| i.overdue)
                        .count(),
                    awaiting_meeting: d
                        .awaiting_meeting
                        .into_iter()
                        .map(|c| HubCaseView {
                            case_id: c.case_id,
                            case_no: c.case_no,
                            risk_level: c.risk_level.into(),
                            updated_at: c.updated_at,
                        })
                        .collect(),
                    referrals_to_hub: d
                        .referrals_to_hub
                        .into_iter()
                        .map(|r| HubReferralView {
                            referral_id: r.referral_id,
                            case_no: case_no(r.case_id),
                            case_id: r.case_id,
                            status: r.status,
                            created_at: r.created_at,
                        })
                        .collect(),
                    open_action_items: d
                        .open_action_items
                        .into_iter()
                        .map(|i| HubItemView {
                            action_item_id: i.action_item_id,
                            case_no: case_no(i.case_id),
                            case_id: i.case_id,
                            due_on: i.due_on,
                            overdue: i.overdue,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}
