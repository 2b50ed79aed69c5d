//! The district's benefit-type catalogue (급여·서비스 유형). The duplicate policy lives on the
//! benefit type, so every organization's 김장김치 counts against the same limit whatever each
//! named its resource; types that must be limited together share a `group`.

use uuid::Uuid;

use crate::allocation::{Action, Category, DuplicatePolicy, MonthDay, Scope, Subject, Window};
use crate::{DomainError, FieldViolation};

/// A benefit type of a district's catalogue.
#[derive(Debug, Clone)]
pub struct BenefitType {
    pub id: Uuid,
    pub district_code: String,
    /// Stable short code, e.g. `kimjang_kimchi`; the standard list uses the same codes in
    /// every district, so a person who moved in brings their history with them.
    pub code: String,
    pub name_ko: String,
    pub name_en: String,
    pub category: Category,
    pub description: Option<String>,
    /// Types limited together (e.g. `winter_heating` on 연말 난방유 and 연탄).
    pub group: Option<String>,
    pub policy: DuplicatePolicy,
    /// The unit of amounts (`원` unless said otherwise).
    pub amount_unit: String,
    pub active: bool,
    pub version: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// Checks a code or group: lower-case ASCII letters, digits and `_`, starting with a letter.
pub fn check_code(field: &str, value: &str, max: usize) -> Result<(), FieldViolation> {
    let ok = (2..=max).contains(&value.len())
        && value.starts_with(|c: char| c.is_ascii_lowercase())
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(FieldViolation::new(
            field,
            "invalid_format",
            format!("2 to {max} characters: a-z, 0-9 and _, starting with a letter"),
        ))
    }
}

/// New policies count by benefit type (and group); `scope: category` is what migrated rules
/// may keep, never what a coordinator sets now.
pub fn check_new_policy(policy: &DuplicatePolicy) -> Result<(), DomainError> {
    if policy.scope == Scope::Category {
        return Err(DomainError::invalid(
            "duplicate_policy.scope",
            "replaced",
            "scope `category` is replaced by groups: give the benefit types that must be limited together the same `group`",
        ));
    }
    Ok(())
}

/// One entry of the standard list shipped with the product.
#[derive(Debug, Clone, Copy)]
pub struct Standard {
    pub code: &'static str,
    pub name_ko: &'static str,
    pub name_en: &'static str,
    pub category: Category,
    pub group: Option<&'static str>,
    pub description: &'static str,
    pub subject: Subject,
    pub window: Window,
    pub max_count: Option<u32>,
    pub max_amount: Option<i64>,
    pub action: Action,
}

impl Standard {
    pub fn policy(&self) -> DuplicatePolicy {
        DuplicatePolicy {
            subject: self.subject,
            scope: Scope::BenefitType,
            window: self.window,
            max_count: self.max_count,
            max_amount: self.max_amount,
            action: self.action,
        }
    }
}

const fn md(month: u32, day: u32) -> MonthDay {
    MonthDay { month, day }
}

/// Winter (11-01 to 03-31, across New Year): heating support is given once per household.
const WINTER: Window = Window::Season {
    start: md(11, 1),
    end: md(3, 31),
};

/// The standard benefit types with default policies: `block` where the field's rule is one per
/// household per season (heating, kimchi) or a statutory limit applies (긴급복지지원법: livelihood
/// support up to six months, medical support twice, each within two years), `warn` where
/// repeats are normal and only worth a look (side dishes, meal boxes, rice, holiday gifts,
/// utility bills).
pub fn standard() -> &'static [Standard] {
    use Action::{Block, Warn};
    use Subject::{Household, Person};
    const LIST: &[Standard] = &[
        Standard {
            code: "heating_oil",
            name_ko: "연말 난방유",
            name_en: "Year-end heating oil",
            category: Category::Heating,
            group: Some("winter_heating"),
            description: "겨울철 난방유 지원 (세대당 한 겨울 1회, 연탄과 합산) · heating oil, once per household per winter, counted with briquettes",
            subject: Household,
            window: WINTER,
            max_count: Some(1),
            max_amount: None,
            action: Block,
        },
        Standard {
            code: "briquettes",
            name_ko: "연탄",
            name_en: "Coal briquettes",
            category: Category::Heating,
            group: Some("winter_heating"),
            description: "겨울철 연탄 지원 (난방유와 합산) · briquettes, counted with heating oil",
            subject: Household,
            window: WINTER,
            max_count: Some(1),
            max_amount: None,
            action: Block,
        },
        Standard {
            code: "kimjang_kimchi",
            name_ko: "김장김치",
            name_en: "Kimjang kimchi",
            category: Category::Food,
            group: None,
            description: "김장철 김치 나눔 (세대당 한 철 1회) · kimchi of the kimjang season, once per household",
            subject: Household,
            window: Window::Season {
                start: md(10, 1),
                end: md(2, 28),
            },
            max_count: Some(1),
            max_amount: None,
            action: Block,
        },
        Standard {
            code: "holiday_gift",
            name_ko: "명절 선물",
            name_en: "Holiday gift (Seollal, Chuseok)",
            category: Category::Goods,
            group: None,
            description: "설·추석 명절 선물 (같은 명절에 두 번이면 경고) · a second gift for the same holiday is flagged",
            subject: Household,
            window: Window::Days(45),
            max_count: Some(1),
            max_amount: None,
            action: Warn,
        },
        Standard {
            code: "rice",
            name_ko: "쌀",
            name_en: "Rice",
            category: Category::Food,
            group: None,
            description: "쌀 지원 (한 달에 두 번이면 경고) · rice, flagged when given twice in a month",
            subject: Household,
            window: Window::Days(30),
            max_count: Some(1),
            max_amount: None,
            action: Warn,
        },
        Standard {
            code: "side_dishes",
            name_ko: "밑반찬 정기지원",
            name_en: "Regular side dishes",
            category: Category::Food,
            group: None,
            description: "주 1회 밑반찬 배달 (같은 주 두 번이면 경고) · weekly side dishes, flagged when twice in a week",
            subject: Household,
            window: Window::Days(7),
            max_count: Some(1),
            max_amount: None,
            action: Warn,
        },
        Standard {
            code: "meal_box",
            name_ko: "도시락",
            name_en: "Meal boxes",
            category: Category::Food,
            group: None,
            description: "도시락 배달 (같은 날 두 번이면 경고) · meal boxes, flagged when twice a day",
            subject: Person,
            window: Window::Days(1),
            max_count: Some(1),
            max_amount: None,
            action: Warn,
        },
        Standard {
            code: "emergency_livelihood",
            name_ko: "긴급생계지원",
            name_en: "Emergency livelihood support",
            category: Category::EmergencyLiving,
            group: None,
            description: "긴급복지지원법 생계지원: 월 단위 최대 6회, 2년 이내 · statutory livelihood support, up to six months within two years",
            subject: Household,
            window: Window::Days(730),
            max_count: Some(6),
            max_amount: None,
            action: Block,
        },
        Standard {
            code: "emergency_medical",
            name_ko: "긴급의료지원",
            name_en: "Emergency medical support",
            category: Category::Medical,
            group: None,
            description: "긴급복지지원법 의료지원: 2년 이내 2회, 합계 600만원 · statutory medical support, twice and 6,000,000 won within two years",
            subject: Person,
            window: Window::Days(730),
            max_count: Some(2),
            max_amount: Some(6_000_000),
            action: Block,
        },
        Standard {
            code: "utility_bills",
            name_ko: "공과금 지원",
            name_en: "Utility bill support",
            category: Category::Cash,
            group: None,
            description: "전기·가스·수도 요금 지원 (석 달에 두 번이면 경고) · utility bills, flagged when twice in three months",
            subject: Household,
            window: Window::Days(90),
            max_count: Some(1),
            max_amount: None,
            action: Warn,
        },
        Standard {
            code: "housing_repair",
            name_ko: "주거환경개선",
            name_en: "Housing repair",
            category: Category::HousingRepair,
            group: None,
            description: "집수리·도배·장판 (세대당 1년 1회) · repairs, once per household per year",
            subject: Household,
            window: Window::Days(365),
            max_count: Some(1),
            max_amount: None,
            action: Block,
        },
    ];
    LIST
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_list_is_coherent() {
        let list = standard();
        let mut codes: Vec<&str> = list.iter().map(|s| s.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), list.len(), "codes are unique");
        for s in list {
            assert!(check_code("code", s.code, 64).is_ok(), "{}", s.code);
            if let Some(g) = s.group {
                assert!(check_code("group", g, 40).is_ok(), "{g}");
            }
            let p = s.policy();
            // Every standard policy round-trips through its stored form.
            assert_eq!(
                DuplicatePolicy::from_json(&p.to_json()),
                Some(p),
                "{}",
                s.code
            );
            assert!(check_new_policy(&p).is_ok());
        }
        for name in [
            "연말 난방유",
            "연탄",
            "김장김치",
            "명절 선물",
            "쌀",
            "밑반찬 정기지원",
            "도시락",
            "긴급생계지원",
            "긴급의료지원",
            "공과금 지원",
        ] {
            assert!(list.iter().any(|s| s.name_ko == name), "{name}");
        }
    }

    #[test]
    fn codes_are_checked() {
        assert!(check_code("code", "kimjang_kimchi", 64).is_ok());
        for bad in ["", "a", "Kimchi", "1abc", "김치", "a-b", "a b"] {
            assert!(check_code("code", bad, 64).is_err(), "{bad}");
        }
        assert!(check_code("group", &"a".repeat(41), 40).is_err());
    }
}
