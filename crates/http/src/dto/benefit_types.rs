//! The district's benefit-type catalogue: types, their duplicate policies and their groups.

use chrono::{DateTime, Utc};
use hamkke_domain::benefit::BenefitType;
use hamkke_persistence::repo::benefit_types::{BenefitTypePatch, NewBenefitType};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::allocations::{CategoryDto, PolicyDto};
use crate::error::ApiError;

/// Adds a benefit type to the district's catalogue (district coordinators).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBenefitTypeRequest {
    /// Stable short code, unique in the district: `a-z`, `0-9`, `_` (e.g. `kimjang_kimchi`).
    /// The standard list uses the same codes in every district.
    #[schema(min_length = 2, max_length = 64, pattern = "^[a-z][a-z0-9_]{1,63}$")]
    pub code: String,
    #[validate(
        length(min = 1, max = 100, message = "must be 1 to 100 characters"),
        custom(function = "crate::dto::common::plain_name")
    )]
    /// The Korean name (shown first).
    #[schema(min_length = 1, max_length = 100)]
    pub name_ko: String,
    #[validate(
        length(min = 1, max = 100, message = "must be 1 to 100 characters"),
        custom(function = "crate::dto::common::plain_name")
    )]
    /// The English name.
    #[schema(min_length = 1, max_length = 100)]
    pub name_en: String,
    /// Its category (난방, 식품, 긴급생계, …); a `category` policy counts every type of it together.
    pub category: CategoryDto,
    /// What the benefit is, for the catalogue.
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub description: Option<String>,
    /// Types limited together share a group (e.g. `winter_heating` on 연말 난방유 and 연탄): a
    /// check of a grouped type counts the claims of every type of its group under the checked
    /// type's policy.
    #[schema(min_length = 2, max_length = 40, pattern = "^[a-z][a-z0-9_]{1,39}$")]
    pub group: Option<String>,
    /// How many of it a person or household may receive in a window, and what happens beyond.
    #[validate(nested)]
    pub duplicate_policy: PolicyDto,
}

fn code_checks(code: Option<&str>, group: Option<&str>) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if let Some(c) = code {
        errors.extend(hamkke_domain::benefit::check_code("code", c, 64).err());
    }
    if let Some(g) = group {
        errors.extend(hamkke_domain::benefit::check_code("group", g, 40).err());
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(hamkke_domain::DomainError::Invalid(errors).into())
    }
}

impl TryFrom<CreateBenefitTypeRequest> for NewBenefitType {
    type Error = ApiError;
    fn try_from(r: CreateBenefitTypeRequest) -> Result<Self, ApiError> {
        code_checks(Some(&r.code), r.group.as_deref())?;
        let amount_unit = r
            .duplicate_policy
            .amount_unit
            .clone()
            .unwrap_or_else(|| "원".into());
        Ok(NewBenefitType {
            code: r.code,
            name_ko: r.name_ko.trim().to_owned(),
            name_en: r.name_en.trim().to_owned(),
            category: r.category.into(),
            description: r.description,
            group: r.group,
            policy: r.duplicate_policy.try_into()?,
            amount_unit,
        })
    }
}

/// Changes a benefit type. Needs `If-Match`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateBenefitTypeRequest {
    #[validate(
        length(min = 1, max = 100, message = "must be 1 to 100 characters"),
        custom(function = "crate::dto::common::plain_name")
    )]
    /// The Korean name.
    #[schema(min_length = 1, max_length = 100)]
    pub name_ko: Option<String>,
    #[validate(
        length(min = 1, max = 100, message = "must be 1 to 100 characters"),
        custom(function = "crate::dto::common::plain_name")
    )]
    /// The English name.
    #[schema(min_length = 1, max_length = 100)]
    pub name_en: Option<String>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "crate::dto::common::double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 2000)]
    pub description: Option<Option<String>>,
    /// `null` takes the type out of its group.
    #[serde(default, deserialize_with = "crate::dto::common::double_option")]
    #[schema(value_type = Option<String>, min_length = 2, max_length = 40, pattern = "^[a-z][a-z0-9_]{1,39}$")]
    pub group: Option<Option<String>>,
    /// The new policy; applies to every later check.
    #[validate(nested)]
    pub duplicate_policy: Option<PolicyDto>,
    /// Inactive types stay in the ledger but cannot be given.
    pub active: Option<bool>,
}

impl TryFrom<UpdateBenefitTypeRequest> for BenefitTypePatch {
    type Error = ApiError;
    fn try_from(r: UpdateBenefitTypeRequest) -> Result<Self, ApiError> {
        code_checks(None, r.group.as_ref().and_then(|g| g.as_deref()))?;
        if let Some(Some(d)) = &r.description {
            if d.trim().is_empty() || d.chars().count() > 2000 {
                return Err(ApiError::field(
                    "description",
                    "length",
                    "must be 1 to 2000 characters",
                ));
            }
        }
        let amount_unit = r
            .duplicate_policy
            .as_ref()
            .and_then(|p| p.amount_unit.clone());
        Ok(BenefitTypePatch {
            name_ko: r.name_ko.map(|n| n.trim().to_owned()),
            name_en: r.name_en.map(|n| n.trim().to_owned()),
            description: r.description,
            group: r.group,
            policy: r.duplicate_policy.map(TryInto::try_into).transpose()?,
            amount_unit,
            active: r.active,
        })
    }
}

/// A benefit type of the district's catalogue, with the duplicate policy every organization's
/// resources for it share.
#[derive(Debug, Serialize, ToSchema)]
pub struct BenefitTypeView {
    pub id: Uuid,
    pub district_code: String,
    pub code: String,
    pub name_ko: String,
    pub name_en: String,
    pub category: CategoryDto,
    pub description: Option<String>,
    pub group: Option<String>,
    pub duplicate_policy: PolicyDto,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The other benefit types of its group, each with its policy: what is counted together
    /// with this one. Empty without a group.
    pub group_members: Vec<GroupMemberView>,
    /// On adding or changing a grouped type: how each rule of the group now counts, in words —
    /// e.g. that an electric blanket in `winter_heating` now blocks heating oil.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_effects: Option<GroupEffects>,
}

/// Another benefit type of the same group.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupMemberView {
    pub id: Uuid,
    pub code: String,
    pub name_ko: String,
    pub name_en: String,
    pub active: bool,
    pub duplicate_policy: PolicyDto,
}

/// The rules of a group after a change, one sentence per member (the changed type first).
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupEffects {
    pub ko: Vec<String>,
    pub en: Vec<String>,
}

impl BenefitTypeView {
    /// The view with the other members of its group, taken from `members` (the types of every
    /// group a page shows).
    pub fn with_group(t: BenefitType, members: &[BenefitType]) -> Self {
        let others: Vec<GroupMemberView> = match &t.group {
            None => Vec::new(),
            Some(g) => members
                .iter()
                .filter(|m| m.group.as_ref() == Some(g) && m.id != t.id)
                .map(|m| GroupMemberView {
                    id: m.id,
                    code: m.code.clone(),
                    name_ko: m.name_ko.clone(),
                    name_en: m.name_en.clone(),
                    active: m.active,
                    duplicate_policy: PolicyDto::shown(m.policy, m.amount_unit.clone()),
                })
                .collect(),
        };
        let mut v = BenefitTypeView::from(t);
        v.group_members = others;
        v
    }

    /// The view after a change, with how the group's rules now count (when grouped).
    pub fn with_effects(t: BenefitType, members: &[BenefitType]) -> Self {
        let effects = t.group.as_ref().map(|g| {
            let mut group: Vec<&BenefitType> = vec![&t];
            group.extend(
                members
                    .iter()
                    .filter(|m| m.group.as_ref() == Some(g) && m.id != t.id && m.active),
            );
            let rule = |m: &BenefitType, korean: bool| {
                use hamkke_domain::allocation::{describe, Exceeded, RuleLabel};
                let others: Vec<(&str, &str)> = group
                    .iter()
                    .filter(|o| o.id != m.id)
                    .map(|o| (o.name_ko.as_str(), o.name_en.as_str()))
                    .collect();
                let label = RuleLabel {
                    name_ko: &m.name_ko,
                    name_en: &m.name_en,
                    group: m.group.as_deref(),
                    amount_unit: &m.amount_unit,
                    counted_with: &others,
                };
                let exceeded = match (m.policy.max_count, m.policy.max_amount) {
                    (Some(limit), _) => Exceeded::Count { limit },
                    (None, Some(limit)) => Exceeded::Amount {
                        limit,
                        total: limit,
                    },
                    (None, None) => Exceeded::Count { limit: 0 },
                };
                describe(&m.policy, exceeded, korean, label)
            };
            GroupEffects {
                ko: group.iter().map(|m| rule(m, true)).collect(),
                en: group.iter().map(|m| rule(m, false)).collect(),
            }
        });
        let mut v = BenefitTypeView::with_group(t, members);
        v.group_effects = effects;
        v
    }
}

impl From<BenefitType> for BenefitTypeView {
    fn from(t: BenefitType) -> Self {
        Self {
            id: t.id,
            district_code: t.district_code,
            code: t.code,
            name_ko: t.name_ko,
            name_en: t.name_en,
            category: t.category.into(),
            description: t.description,
            group: t.group,
            duplicate_policy: PolicyDto::shown(t.policy, t.amount_unit),
            active: t.active,
            version: t.version,
            created_at: t.created_at,
            updated_at: t.updated_at,
            group_members: Vec::new(),
            group_effects: None,
        }
    }
}

crate::page_of!(BenefitTypePage, BenefitTypeView, "A page of benefit types.");

/// Filters of `GET /benefit-types`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListBenefitTypesQuery {
    pub category: Option<CategoryDto>,
    #[param(pattern = "^[a-z][a-z0-9_]{1,39}$")]
    pub group: Option<String>,
    pub active: Option<bool>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    #[param(pattern = "^[A-Za-z0-9_-]{21}[AQgw]$")]
    pub cursor: Option<String>,
}
