//! People in need (clients), their resident registration numbers and households.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

use crate::{DomainError, FieldViolation};

/// 주민등록번호 — resident registration number. Parsed once at the edge; never displayed,
/// logged or put in an error: only `masked()` leaves this type, and the digits go to storage
/// only through `digits()` for encryption and keyed hashing.
#[derive(Clone, PartialEq, Eq)]
pub struct Rrn {
    digits: String,
    /// False when the last digit is not the legacy checksum (numbers issued from October 2020
    /// carry none, so this is only a warning).
    pub checksum_ok: bool,
}

impl Rrn {
    /// Accepts `YYMMDD-GNNNNNN` or 13 digits: a real birth date, and a century/sex digit.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let invalid = |message: &str| DomainError::invalid("rrn", "invalid_rrn", message);
        let compact: String = match raw.trim() {
            s if s.len() == 14 && s.as_bytes()[6] == b'-' => format!("{}{}", &s[..6], &s[7..]),
            s => s.to_owned(),
        };
        if compact.len() != 13 || !compact.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid("must be 13 digits, optionally as YYMMDD-GNNNNNN"));
        }
        let d: Vec<u32> = compact.bytes().map(|b| u32::from(b - b'0')).collect();
        let century = match d[6] {
            9 | 0 => 1800,
            1 | 2 | 5 | 6 => 1900,
            3 | 4 | 7 | 8 => 2000,
            _ => {
                return Err(invalid(
                    "the seventh digit is not a valid century/sex digit",
                ))
            }
        };
        let year = century + (d[0] * 10 + d[1]) as i32;
        let (month, day) = (d[2] * 10 + d[3], d[4] * 10 + d[5]);
        if NaiveDate::from_ymd_opt(year, month, day).is_none() {
            return Err(invalid("the first six digits are not a real birth date"));
        }
        let weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];
        let sum: u32 = d.iter().zip(weights).map(|(a, w)| a * w).sum();
        let checksum_ok = (11 - sum % 11) % 10 == d[12];
        Ok(Self {
            digits: compact,
            checksum_ok,
        })
    }

    /// The birth date the number encodes.
    pub fn birth_date(&self) -> Option<NaiveDate> {
        let d = self.digits.as_bytes();
        let n = |i: usize| u32::from(d[i] - b'0');
        let century = match n(6) {
            9 | 0 => 1800,
            1 | 2 | 5 | 6 => 1900,
            _ => 2000,
        };
        NaiveDate::from_ymd_opt(
            century + (n(0) * 10 + n(1)) as i32,
            n(2) * 10 + n(3),
            n(4) * 10 + n(5),
        )
    }

    /// `900101-1******`: birth date and century/sex digit only.
    pub fn masked(&self) -> String {
        format!("{}-{}******", &self.digits[..6], &self.digits[6..7])
    }

    /// The 13 digits, for encryption and keyed hashing only.
    pub fn digits(&self) -> &str {
        &self.digits
    }
}

impl fmt::Debug for Rrn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Rrn(***)")
    }
}

/// A name with all but the first and last characters masked: `김민수` → `김*수`, `이솔` → `이*`.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".into(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// Sex as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
    Other,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Male => "male",
            Self::Female => "female",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Male, Self::Female, Self::Other]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// Vulnerability flags that make a person a priority for outreach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    SinglePersonHousehold,
    ElderlyLivingAlone,
    Disability,
    SingleParent,
    ChildHeaded,
    GrandparentHeaded,
    Multicultural,
    NorthKoreanDefector,
    LowIncome,
    Homeless,
    SocialIsolation,
}

impl Flag {
    pub const ALL: [Flag; 11] = [
        Self::SinglePersonHousehold,
        Self::ElderlyLivingAlone,
        Self::Disability,
        Self::SingleParent,
        Self::ChildHeaded,
        Self::GrandparentHeaded,
        Self::Multicultural,
        Self::NorthKoreanDefector,
        Self::LowIncome,
        Self::Homeless,
        Self::SocialIsolation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SinglePersonHousehold => "single_person_household",
            Self::ElderlyLivingAlone => "elderly_living_alone",
            Self::Disability => "disability",
            Self::SingleParent => "single_parent",
            Self::ChildHeaded => "child_headed",
            Self::GrandparentHeaded => "grandparent_headed",
            Self::Multicultural => "multicultural",
            Self::NorthKoreanDefector => "north_korean_defector",
            Self::LowIncome => "low_income",
            Self::Homeless => "homeless",
            Self::SocialIsolation => "social_isolation",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// Checks a birth date is plausible: not in the future, not before 1880.
pub fn check_birth_date(date: NaiveDate, today: NaiveDate) -> Result<(), DomainError> {
    if date > today || date.year() < 1880 {
        Err(DomainError::invalid(
            "birth_date",
            "out_of_range",
            "must be a past date after 1880",
        ))
    } else {
        Ok(())
    }
}

/// Checks that an RRN agrees with the stated birth date.
pub fn check_rrn_matches(rrn: &Rrn, birth_date: NaiveDate) -> Result<(), DomainError> {
    if rrn.birth_date() == Some(birth_date) {
        Ok(())
    } else {
        Err(DomainError::Invalid(vec![FieldViolation::new(
            "rrn",
            "birth_date_mismatch",
            "the number's birth date differs from birth_date",
        )]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_and_masks() {
        let r = Rrn::parse("900101-1234568").unwrap(); // allow: test
        assert_eq!(r.masked(), "900101-1******");
        assert_eq!(r.birth_date(), NaiveDate::from_ymd_opt(1990, 1, 1));
        assert_eq!(format!("{r:?}"), "Rrn(***)");
        assert!(Rrn::parse("9001011234568").is_ok());
        let r = Rrn::parse("050301-4000000").unwrap(); // allow: test
        assert_eq!(r.birth_date(), NaiveDate::from_ymd_opt(2005, 3, 1));
    }

    #[test]
    fn rejects_impossible_numbers() {
        for bad in [
            "900101-123456",
            "900230-1234567",
            "901301-1234567",
            "abcdef-1234567",
            "900101_1234567",
            "",
        ] {
            assert!(Rrn::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn checksum_is_only_a_warning() {
        // 900101-1234567: weights give check digit 8, so 7 is "wrong" but still accepted.
        assert!(!Rrn::parse("900101-1234567").unwrap().checksum_ok); // allow: test
        assert!(Rrn::parse("900101-1234568").unwrap().checksum_ok); // allow: test
    }

    #[test]
    fn errors_never_carry_the_number() {
        let e = Rrn::parse("900230-1234567").unwrap_err();
        assert!(!format!("{e:?} {e}").contains("1234567"));
    }

    #[test]
    fn masks_names() {
        assert_eq!(mask_name("김민수"), "김*수");
        assert_eq!(mask_name("남궁민수"), "남**수");
        assert_eq!(mask_name("이솔"), "이*");
        assert_eq!(mask_name("X"), "*");
    }

    proptest! {
        #[test]
        fn every_valid_date_and_digit_parses(y in 0u32..100, m in 1u32..13, d in 1u32..29, g in 1u32..9, rest in 0u32..1_000_000) {
            let raw = format!("{y:02}{m:02}{d:02}-{g}{rest:06}");
            let r = Rrn::parse(&raw).unwrap(); // allow: test
            prop_assert_eq!(r.masked(), format!("{y:02}{m:02}{d:02}-{g}******"));
        }
    }
}

/// A household (세대): the unit that several benefits are counted against.
#[derive(Debug, Clone)]
pub struct Household {
    pub id: uuid::Uuid,
    pub address: String,
    pub admin_dong_code: Option<String>,
    pub registered_by_org_id: uuid::Uuid,
    /// The district the household belongs to (moves only by an approved transfer).
    pub district_code: String,
    pub version: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// A person as stored, without the RRN itself (only its mask).
#[derive(Debug, Clone)]
pub struct Person {
    pub id: uuid::Uuid,
    pub name: String,
    pub birth_date: NaiveDate,
    pub sex: Option<Sex>,
    pub rrn_masked: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub household_id: Option<uuid::Uuid>,
    pub flags: Vec<Flag>,
    pub registered_by_org_id: uuid::Uuid,
    /// The district the person belongs to (moves only by an approved transfer, 전입).
    pub district_code: String,
    pub version: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// What an organization may see of a person.
#[derive(Debug, Clone)]
pub enum PersonView {
    /// Full details: the organization has a right to them.
    Full(Person),
    /// Enough to avoid duplicates, not enough to profile.
    Redacted {
        id: uuid::Uuid,
        name_masked: String,
        birth_year: i32,
        registered_by_org_id: uuid::Uuid,
        district_code: String,
        /// Lead organizations of the person's open cases.
        open_case_lead_org_ids: Vec<uuid::Uuid>,
    },
}

impl PersonView {
    /// The person's id, whatever the viewer may see.
    pub fn id(&self) -> uuid::Uuid {
        match self {
            PersonView::Full(p) => p.id,
            PersonView::Redacted { id, .. } => *id,
        }
    }
}

/// A validated registration.
#[derive(Debug, Clone)]
pub struct NewPerson {
    pub name: String,
    pub birth_date: NaiveDate,
    pub sex: Option<Sex>,
    pub rrn: Option<Rrn>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub household_id: Option<uuid::Uuid>,
    pub flags: Vec<Flag>,
}

/// A validated change; `Some(None)` clears a field.
#[derive(Debug, Clone, Default)]
pub struct PersonPatch {
    pub name: Option<String>,
    pub sex: Option<Option<Sex>>,
    pub phone: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub household_id: Option<Option<uuid::Uuid>>,
    pub flags: Option<Vec<Flag>>,
}

crate::str_enum!(
    /// Where a transfer between districts (전입) stands.
    TransferStatus {
        Requested = "requested",
        Approved = "approved",
        Declined = "declined",
    }
);

/// A request to move a person (and their household) into another district.
#[derive(Debug, Clone)]
pub struct Transfer {
    pub id: uuid::Uuid,
    pub person_id: uuid::Uuid,
    pub from_district_code: String,
    pub to_district_code: String,
    /// The receiving organization (the dong centre of the new address): the person's and
    /// household's registering organization once approved. None on transfers asked before
    /// receivers were named.
    pub to_org_id: Option<uuid::Uuid>,
    pub reason: String,
    pub status: TransferStatus,
    pub requested_by: uuid::Uuid,
    pub requested_by_org_id: uuid::Uuid,
    pub decided_by: Option<uuid::Uuid>,
    pub decision_note: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
}
