//! Organizations: the public and private bodies that share cases.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::DomainError;

/// What kind of body an organization is; the sector follows from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// 구청 — district office (희망복지지원단 coordinators sit here).
    DistrictOffice,
    /// 동 주민센터 — dong community centre.
    DongCenter,
    /// 사회복지관 — community welfare centre.
    WelfareCenter,
    /// Health centre, volunteer centre and other partners.
    PartnerAgency,
    /// The built-in organization that holds system administrators.
    System,
}

/// Public bodies and private (civil) ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    Public,
    Private,
}

impl OrgKind {
    pub const ALL: [OrgKind; 5] = [
        Self::DistrictOffice,
        Self::DongCenter,
        Self::WelfareCenter,
        Self::PartnerAgency,
        Self::System,
    ];

    pub fn sector(self) -> Sector {
        match self {
            Self::DistrictOffice | Self::DongCenter | Self::System => Sector::Public,
            Self::WelfareCenter | Self::PartnerAgency => Sector::Private,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::DistrictOffice => "district_office",
            Self::DongCenter => "dong_center",
            Self::WelfareCenter => "welfare_center",
            Self::PartnerAgency => "partner_agency",
            Self::System => "system",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A 시군구 code: five digits, e.g. `11440` (Mapo-gu).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct DistrictCode(String);

impl DistrictCode {
    /// The district of the built-in system organization.
    pub const SYSTEM: &'static str = "00000";

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        if raw.len() == 5 && raw.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(DomainError::invalid(
                "district_code",
                "invalid_format",
                "must be a five-digit 시군구 code such as 11440",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The facts about an existing organization that structural rules need.
#[derive(Debug, Clone)]
pub struct OrgFacts {
    pub id: Uuid,
    pub kind: OrgKind,
    pub district_code: String,
}

/// Checks the parent and hub links of an organization: a dong centre belongs to a district
/// office of its own district and may lean on one welfare centre of that district (거점복지관);
/// no other kind has links.
pub fn check_links(
    kind: OrgKind,
    district: &DistrictCode,
    parent: Option<&OrgFacts>,
    hub: Option<&OrgFacts>,
) -> Result<(), DomainError> {
    let mut errors = Vec::new();
    match kind {
        OrgKind::DongCenter => {
            match parent {
                None => errors.push(crate::FieldViolation::new(
                    "parent_id",
                    "required",
                    "a dong centre needs its district office as parent",
                )),
                Some(p) if p.kind != OrgKind::DistrictOffice => {
                    errors.push(crate::FieldViolation::new(
                        "parent_id",
                        "invalid_reference",
                        "the parent must be a district office",
                    ))
                }
                Some(p) if p.district_code != district.as_str() => {
                    errors.push(crate::FieldViolation::new(
                        "parent_id",
                        "invalid_reference",
                        "the parent must be in the same district",
                    ))
                }
                Some(_) => {}
            }
            if let Some(h) = hub {
                if h.kind != OrgKind::WelfareCenter || h.district_code != district.as_str() {
                    errors.push(crate::FieldViolation::new(
                        "hub_org_id",
                        "invalid_reference",
                        "the hub must be a welfare centre of the same district",
                    ));
                }
            }
        }
        _ => {
            if parent.is_some() {
                errors.push(crate::FieldViolation::new(
                    "parent_id",
                    "not_allowed",
                    "only dong centres have a parent organization",
                ));
            }
            if hub.is_some() {
                errors.push(crate::FieldViolation::new(
                    "hub_org_id",
                    "not_allowed",
                    "only dong centres have a hub welfare centre",
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(DomainError::Invalid(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(kind: OrgKind, district: &str) -> OrgFacts {
        OrgFacts {
            id: Uuid::now_v7(),
            kind,
            district_code: district.into(),
        }
    }

    #[test]
    fn sector_follows_kind() {
        assert_eq!(OrgKind::DongCenter.sector(), Sector::Public);
        assert_eq!(OrgKind::WelfareCenter.sector(), Sector::Private);
        assert_eq!(OrgKind::PartnerAgency.sector(), Sector::Private);
    }

    #[test]
    fn district_code_is_five_digits() {
        assert!(DistrictCode::parse("11440").is_ok());
        for bad in ["1144", "114400", "1144a", ""] {
            assert!(DistrictCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dong_center_needs_a_district_office_of_its_district() {
        let d = DistrictCode::parse("11440").unwrap(); // allow: test
        let office = facts(OrgKind::DistrictOffice, "11440");
        let other = facts(OrgKind::DistrictOffice, "11110");
        let hub = facts(OrgKind::WelfareCenter, "11440");
        assert!(check_links(OrgKind::DongCenter, &d, Some(&office), Some(&hub)).is_ok());
        assert!(check_links(OrgKind::DongCenter, &d, None, None).is_err());
        assert!(check_links(OrgKind::DongCenter, &d, Some(&other), None).is_err());
        assert!(check_links(OrgKind::DongCenter, &d, Some(&office), Some(&office)).is_err());
        assert!(check_links(OrgKind::WelfareCenter, &d, Some(&office), None).is_err());
    }
}

/// An organization as the rest of the system sees it.
#[derive(Debug, Clone)]
pub struct Organization {
    pub id: Uuid,
    pub name: String,
    pub kind: OrgKind,
    pub district_code: String,
    pub parent_id: Option<Uuid>,
    pub hub_org_id: Option<Uuid>,
    /// The administrative dong (행정동 코드) a dong centre serves.
    pub admin_dong_code: Option<String>,
    /// 고유번호 or 사업자등록번호, printed on donation receipts.
    pub registration_no: Option<String>,
    pub active: bool,
    pub version: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl Organization {
    pub fn facts(&self) -> OrgFacts {
        OrgFacts {
            id: self.id,
            kind: self.kind,
            district_code: self.district_code.clone(),
        }
    }
}

/// A validated request to create an organization.
#[derive(Debug, Clone)]
pub struct NewOrganization {
    pub name: String,
    pub kind: OrgKind,
    pub district_code: DistrictCode,
    pub parent_id: Option<Uuid>,
    pub hub_org_id: Option<Uuid>,
    pub admin_dong_code: Option<String>,
}

/// A validated change to an organization; `Some(None)` clears a link.
#[derive(Debug, Clone, Default)]
pub struct OrganizationPatch {
    pub name: Option<String>,
    pub parent_id: Option<Option<Uuid>>,
    pub hub_org_id: Option<Option<Uuid>>,
    pub admin_dong_code: Option<Option<String>>,
    pub registration_no: Option<Option<String>>,
    pub active: Option<bool>,
}

/// Checks an administrative dong code (행정동 코드): ten digits, and only a dong centre serves
/// a dong.
pub fn check_admin_dong_code(kind: OrgKind, code: Option<&str>) -> Result<(), DomainError> {
    let Some(code) = code else {
        return Ok(());
    };
    if kind != OrgKind::DongCenter {
        return Err(DomainError::invalid(
            "admin_dong_code",
            "not_allowed",
            "only a dong centre serves an administrative dong",
        ));
    }
    if code.len() != 10 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DomainError::invalid(
            "admin_dong_code",
            "invalid_format",
            "must be 10 digits",
        ));
    }
    Ok(())
}
