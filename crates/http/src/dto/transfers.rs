//! Transfers between districts (전입).

use super::common::{FromNamed, Refers};
use chrono::{DateTime, Utc};
use hamkke_persistence::repo::names::{Names, Wanted};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

/// Asks for a person registered in another district to move into the caller's (전입).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTransferRequest {
    /// The receiving district: the caller's own (5-digit 시군구 code).
    #[validate(length(equal = 5, message = "must be 5 digits"))]
    #[schema(pattern = "^[0-9]{5}$")]
    pub to_district_code: String,
    /// The receiving organization: the dong centre of the new address (or the district
    /// office) — an active public organization of the receiving district. It becomes the
    /// person's and household's registering organization when the transfer is approved.
    pub to_organization_id: Uuid,
    /// Why the person moves (전입).
    #[validate(length(min = 1, max = 1000, message = "must be 1 to 1000 characters"))]
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
}

/// Approves or declines a transfer.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideTransferRequest {
    /// A note for the other district.
    #[validate(length(min = 1, max = 1000, message = "must be 1 to 1000 characters"))]
    #[schema(min_length = 1, max_length = 1000)]
    pub note: Option<String>,
}

/// Where a transfer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransferStatusDto {
    Requested,
    Approved,
    Declined,
}

impl From<hamkke_domain::person::TransferStatus> for TransferStatusDto {
    fn from(s: hamkke_domain::person::TransferStatus) -> Self {
        use hamkke_domain::person::TransferStatus as S;
        match s {
            S::Requested => Self::Requested,
            S::Approved => Self::Approved,
            S::Declined => Self::Declined,
        }
    }
}

impl From<TransferStatusDto> for hamkke_domain::person::TransferStatus {
    fn from(s: TransferStatusDto) -> Self {
        match s {
            TransferStatusDto::Requested => Self::Requested,
            TransferStatusDto::Approved => Self::Approved,
            TransferStatusDto::Declined => Self::Declined,
        }
    }
}

/// A transfer between districts (전입).
#[derive(Debug, Serialize, ToSchema)]
pub struct TransferView {
    pub id: Uuid,
    pub person_id: Uuid,
    pub from_district_code: String,
    pub to_district_code: String,
    /// The receiving organization (none on transfers asked before receivers were named).
    pub to_organization_id: Option<Uuid>,
    /// The receiving organization's name.
    pub to_organization_name: Option<String>,
    pub reason: String,
    pub status: TransferStatusDto,
    pub requested_by: Uuid,
    /// The requesting worker's name.
    pub requested_by_name: String,
    pub requested_by_org_id: Uuid,
    /// The requesting organization's name.
    pub requested_by_org_name: String,
    pub decided_by: Option<Uuid>,
    /// The deciding worker's name.
    pub decided_by_name: Option<String>,
    pub decision_note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

impl Refers for hamkke_domain::person::Transfer {
    fn refers(&self, w: &mut Wanted) {
        w.orgs([self.to_org_id, Some(self.requested_by_org_id)])
            .users([Some(self.requested_by), self.decided_by]);
    }
}

impl FromNamed<hamkke_domain::person::Transfer> for TransferView {
    fn named(t: hamkke_domain::person::Transfer, n: &Names) -> Self {
        Self {
            to_organization_name: n.org_opt(t.to_org_id),
            requested_by_name: n.user(t.requested_by),
            requested_by_org_name: n.org(t.requested_by_org_id),
            decided_by_name: n.user_opt(t.decided_by),
            id: t.id,
            person_id: t.person_id,
            from_district_code: t.from_district_code,
            to_district_code: t.to_district_code,
            to_organization_id: t.to_org_id,
            reason: t.reason,
            status: t.status.into(),
            requested_by: t.requested_by,
            requested_by_org_id: t.requested_by_org_id,
            decided_by: t.decided_by,
            decision_note: t.decision_note,
            created_at: t.created_at,
            decided_at: t.decided_at,
        }
    }
}

crate::page_of!(TransferPage, TransferView, "A page of transfers.");

/// Filters of `GET /person-transfers`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TransferQuery {
    pub status: Option<TransferStatusDto>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    #[param(pattern = "^[A-Za-z0-9_-]{21}[AQgw]$")]
    pub cursor: Option<String>,
}
