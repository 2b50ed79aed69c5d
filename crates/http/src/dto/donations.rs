//! Donations (후원·기탁) and stock (재고).

use chrono::{DateTime, NaiveDate, Utc};
use hamkke_persistence::repo::donations::Donation;
use hamkke_persistence::repo::names::{Names, Wanted};
use hamkke_persistence::repo::stock::{Designation, Lot};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::common::{FromNamed, Refers};
use super::persons::FlagDto;

/// Who gave.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DonorKindDto {
    /// 개인.
    Person,
    /// 법인·단체.
    Company,
}

/// What a gift may be spent on (지정기탁).
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DesignationDto {
    /// Not designated.
    None,
    /// Through one organization of the district (a dong centre: its residents).
    Organization,
    /// Through one campaign's approved nominations.
    Campaign,
    /// To persons with one flag (e.g. `elderly_living_alone`, 독거노인).
    Group,
}

/// Records a donation received by the caller's organization: cash (`amount`), or goods
/// (`resource_id`, `quantity`, `expires_on` for food) that become stock of one of its
/// resources.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDonationRequest {
    /// A person (개인) or a company (법인·단체).
    pub donor_kind: DonorKindDto,
    /// The donor's name, as on the receipt.
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[schema(min_length = 1, max_length = 200)]
    pub donor_name: String,
    /// A phone number or address to reach the donor.
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    #[schema(min_length = 1, max_length = 300)]
    pub donor_contact: Option<String>,
    /// For a tax receipt only: a person's resident registration number (`YYMMDD-GNNNNNN`) or a
    /// company's business number (`NNN-NN-NNNNN`). Stored sealed; shown back only masked.
    #[validate(length(min = 10, max = 14, message = "must be 10 to 14 characters"))]
    #[schema(min_length = 10, max_length = 14)]
    pub donor_identifier: Option<String>,
    /// Cash in won.
    #[validate(range(min = 1, max = 10_000_000_000i64, message = "must be 1 to 10^10"))]
    #[schema(minimum = 1, maximum = 10_000_000_000i64)]
    pub amount: Option<i64>,
    /// Goods: the receiving organization's resource they become stock of.
    pub resource_id: Option<Uuid>,
    /// Goods: how many units.
    #[validate(range(min = 1, max = 1_000_000, message = "must be 1 to 1000000"))]
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub quantity: Option<i32>,
    /// Goods: the last day they may be given (food).
    pub expires_on: Option<NaiveDate>,
    /// Goods: their value in won, as the receipt states it (시가).
    #[validate(range(min = 0, max = 10_000_000_000i64, message = "must be 0 to 10^10"))]
    #[schema(minimum = 0, maximum = 10_000_000_000i64)]
    pub value: Option<i64>,
    /// Not designated when absent.
    pub designation: Option<DesignationDto>,
    /// For `designation: organization`.
    pub designated_organization_id: Option<Uuid>,
    /// For `designation: campaign`.
    pub designated_campaign_id: Option<Uuid>,
    /// For `designation: group`.
    pub designated_group: Option<FlagDto>,
    /// The day it was received (Korean date).
    pub received_on: NaiveDate,
}

/// A designation as shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct DesignationView {
    pub kind: DesignationDto,
    pub organization_id: Option<Uuid>,
    pub organization_name: Option<String>,
    pub campaign_id: Option<Uuid>,
    pub group: Option<FlagDto>,
}

impl DesignationView {
    fn of(d: &Designation, n: &Names) -> Self {
        let (kind, org, campaign, group) = match d {
            Designation::None => (DesignationDto::None, None, None, None),
            Designation::Org(o) => (DesignationDto::Organization, Some(*o), None, None),
            Designation::Campaign(c) => (DesignationDto::Campaign, None, Some(*c), None),
            Designation::Group(f) => (DesignationDto::Group, None, None, Some((*f).into())),
        };
        Self {
            kind,
            organization_name: org.map(|o| n.org(o)),
            organization_id: org,
            campaign_id: campaign,
            group,
        }
    }
}

/// A donation.
#[derive(Debug, Serialize, ToSchema)]
pub struct DonationView {
    pub id: Uuid,
    pub received_by_org_id: Uuid,
    pub received_by_org_name: String,
    pub donor_kind: String,
    pub donor_name: String,
    pub donor_contact: Option<String>,
    /// `900101-1******` or `123-45-*****`: the full number is never shown.
    pub donor_identifier_masked: Option<String>,
    /// `cash` or `goods`.
    pub kind: String,
    pub amount: Option<i64>,
    pub resource_id: Option<Uuid>,
    pub quantity: Option<i32>,
    pub expires_on: Option<NaiveDate>,
    pub designation: DesignationView,
    pub received_on: NaiveDate,
    pub created_by: Uuid,
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
}

fn designation_refers(d: &Designation, w: &mut Wanted) {
    if let Designation::Org(o) = d {
        w.org(*o);
    }
}

impl Refers for Donation {
    fn refers(&self, w: &mut Wanted) {
        w.org(self.received_by_org_id).user(self.created_by);
        designation_refers(&self.designation, w);
    }
}

impl FromNamed<Donation> for DonationView {
    fn named(d: Donation, n: &Names) -> Self {
        Self {
            id: d.id,
            received_by_org_name: n.org(d.received_by_org_id),
            received_by_org_id: d.received_by_org_id,
            donor_kind: d.donor_kind,
            donor_name: d.donor_name,
            donor_contact: d.donor_contact,
            donor_identifier_masked: d.donor_identifier_masked,
            kind: d.kind,
            amount: d.amount,
            resource_id: d.resource_id,
            quantity: d.quantity,
            expires_on: d.expires_on,
            designation: DesignationView::of(&d.designation, n),
            received_on: d.received_on,
            created_by_name: n.user(d.created_by),
            created_by: d.created_by,
            created_at: d.created_at,
        }
    }
}

crate::page_of!(DonationPage, DonationView, "A page of donations.");

/// A lot of a resource's stock.
#[derive(Debug, Serialize, ToSchema)]
pub struct LotView {
    pub id: Uuid,
    pub donation_id: Uuid,
    pub expires_on: Option<NaiveDate>,
    pub designation: DesignationView,
    pub quantity_received: i32,
    pub quantity_left: i32,
    pub created_at: DateTime<Utc>,
}

/// A resource's stock: what is left in all, and by lot (earliest expiry first).
#[derive(Debug, Serialize, ToSchema)]
pub struct StockView {
    pub resource_id: Uuid,
    pub quantity_left: i64,
    /// What is left of lots past their expiry (not given any more).
    pub quantity_expired: i64,
    pub lots: Vec<LotView>,
}

/// The stock of a resource, as of `today`.
pub struct Stock {
    pub resource_id: Uuid,
    pub lots: Vec<Lot>,
    pub today: NaiveDate,
}

impl Refers for Stock {
    fn refers(&self, w: &mut Wanted) {
        for l in &self.lots {
            designation_refers(&l.designation, w);
        }
    }
}

impl FromNamed<Stock> for StockView {
    fn named(s: Stock, n: &Names) -> Self {
        let expired = |l: &Lot| l.expires_on.is_some_and(|e| e < s.today);
        Self {
            resource_id: s.resource_id,
            quantity_left: s
                .lots
                .iter()
                .filter(|l| !expired(l))
                .map(|l| i64::from(l.quantity_left))
                .sum(),
            quantity_expired: s
                .lots
                .iter()
                .filter(|l| expired(l))
                .map(|l| i64::from(l.quantity_left))
                .sum(),
            lots: s
                .lots
                .iter()
                .map(|l| LotView {
                    id: l.id,
                    donation_id: l.donation_id,
                    expires_on: l.expires_on,
                    designation: DesignationView::of(&l.designation, n),
                    quantity_received: l.quantity_received,
                    quantity_left: l.quantity_left,
                    created_at: l.created_at,
                })
                .collect(),
        }
    }
}

/// Allocations and units under one key of a donor's report.
#[derive(Debug, Serialize, ToSchema)]
pub struct GivenView {
    /// The dong's administrative code (`unknown` when the household has none) or the benefit
    /// type's id.
    pub key: String,
    /// The dong centre's or benefit type's name (Korean).
    pub name: String,
    pub allocations: i64,
    pub units: i64,
}

/// Where a donation's goods went, with no person data: by the recipients' dong of residence
/// and by benefit type.
#[derive(Debug, Serialize, ToSchema)]
pub struct DonorReportView {
    pub donation_id: Uuid,
    pub units_received: i64,
    pub units_given: i64,
    pub units_left: i64,
    pub by_dong: Vec<GivenView>,
    pub by_benefit_type: Vec<GivenView>,
}

impl Refers for hamkke_persistence::repo::donations::DonorReport {
    fn refers(&self, w: &mut Wanted) {
        for (t, _, _) in &self.by_benefit_type {
            w.benefit_type(*t);
        }
    }
}

impl FromNamed<hamkke_persistence::repo::donations::DonorReport> for DonorReportView {
    fn named(r: hamkke_persistence::repo::donations::DonorReport, n: &Names) -> Self {
        Self {
            donation_id: r.donation_id,
            units_received: r.received,
            units_given: r.given,
            units_left: r.left,
            by_dong: r
                .by_dong
                .into_iter()
                .map(|(code, name, allocations, units)| GivenView {
                    name: name.unwrap_or_else(|| "미상".into()),
                    key: code,
                    allocations,
                    units,
                })
                .collect(),
            by_benefit_type: r
                .by_benefit_type
                .into_iter()
                .map(|(t, allocations, units)| GivenView {
                    key: t.to_string(),
                    name: n.benefit_type(t).0,
                    allocations,
                    units,
                })
                .collect(),
        }
    }
}

/// A donation receipt (기부금 영수증) as issued.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptView {
    pub id: Uuid,
    pub donation_id: Uuid,
    /// `{year}-{serial:04}`: per organization and year of issue, without gaps.
    pub number: String,
    pub year: i32,
    pub serial: i32,
    pub issued_at: DateTime<Utc>,
    /// Whether this answer reissued it (재발급).
    pub reissued: bool,
    /// How many times it was issued again.
    pub reissues: i32,
    pub last_issued_at: DateTime<Utc>,
}

impl ReceiptView {
    pub fn new(r: hamkke_persistence::repo::receipts::Receipt, reissued: bool) -> Self {
        Self {
            number: r.number(),
            id: r.id,
            donation_id: r.donation_id,
            year: r.year,
            serial: r.serial,
            issued_at: r.issued_at,
            reissued,
            reissues: r.reissues,
            last_issued_at: r.last_issued_at,
        }
    }
}
