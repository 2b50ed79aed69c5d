//! Identity without a resident registration number: who might be the same person. Names are
//! compared as Korean writes them — NFC, without spaces and honorifics (씨, 님), Hangul taken
//! apart into its letters (jamo) so that 김영수 and 김영숙 are one letter apart — and with birth
//! dates (exact, or day and month swapped), phones, addresses and the birth-date part of a
//! partial RRN. A pair gets a score with the reasons behind it.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use crate::person::Sex;

/// What the comparison needs of a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    pub name: String,
    pub birth_date: NaiveDate,
    pub sex: Option<Sex>,
    pub phone: Option<String>,
    /// The household's address if the person lives in one, else the person's.
    pub address: Option<String>,
    /// The first six digits of an RRN (YYMMDD), when only part of it is known.
    pub rrn_birth: Option<String>,
}

/// A name as compared: NFC, without whitespace, invisible formatting and a trailing 씨 or 님,
/// Latin letters folded.
pub fn normalize_name(name: &str) -> String {
    let mut s: String = name
        .nfc()
        .filter(|c| !c.is_whitespace() && !crate::text::is_invisible(*c))
        .flat_map(char::to_lowercase)
        .collect();
    for honorific in ["씨", "님"] {
        if s.chars().count() > 2 {
            if let Some(stripped) = s.strip_suffix(honorific) {
                s = stripped.to_owned();
            }
        }
    }
    s
}

/// The letters of a name: each Hangul syllable taken apart into its initial, medial and (if
/// any) final jamo; other characters as they are.
pub fn jamo(name: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(name.len() * 3);
    for c in name.chars() {
        let code = c as u32;
        if (0xAC00..=0xD7A3).contains(&code) {
            let i = code - 0xAC00;
            let (l, v, t) = (i / 588, (i % 588) / 28, i % 28);
            out.extend(char::from_u32(0x1100 + l));
            out.extend(char::from_u32(0x1161 + v));
            if t > 0 {
                out.extend(char::from_u32(0x11A7 + t));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The initial consonant (or first character) of a normalized name: the blocking key of a scan.
pub fn initial(normalized: &str) -> char {
    jamo(normalized).first().copied().unwrap_or(' ')
}

/// Levenshtein distance between two letter sequences.
pub fn edit_distance(a: &[char], b: &[char]) -> usize {
    if a.is_empty() {
        return b.len();
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Digits of a phone number, if there are enough to mean something.
pub fn phone_digits(phone: &str) -> Option<String> {
    let d: String = phone.chars().filter(char::is_ascii_digit).collect();
    (d.len() >= 9).then_some(d)
}

/// An address as compared: NFC, without whitespace and punctuation, lowercase.
pub fn normalize_address(address: &str) -> Option<String> {
    let s: String = address
        .nfc()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    (s.chars().count() >= 5).then_some(s)
}

/// Whether two dates are the same day with day and month swapped (2001-03-04 / 2001-04-03).
pub fn swapped(a: NaiveDate, b: NaiveDate) -> bool {
    a != b && a.year() == b.year() && a.month() == b.day() && a.day() == b.month()
}

/// Why two persons might be the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    SameNameAndBirthDate,
    SimilarNameSameBirthDate,
    SameNameSwappedBirthDate,
    SimilarNameSwappedBirthDate,
    SameNameSameBirthYear,
    SamePhone,
    SameHouseholdAddress,
    RrnBirthDateMatches,
    DifferentSex,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SameNameAndBirthDate => "same_name_and_birth_date",
            Self::SimilarNameSameBirthDate => "similar_name_same_birth_date",
            Self::SameNameSwappedBirthDate => "same_name_swapped_birth_date",
            Self::SimilarNameSwappedBirthDate => "similar_name_swapped_birth_date",
            Self::SameNameSameBirthYear => "same_name_same_birth_year",
            Self::SamePhone => "same_phone",
            Self::SameHouseholdAddress => "same_household_address",
            Self::RrnBirthDateMatches => "rrn_birth_date_matches",
            Self::DifferentSex => "different_sex",
        }
    }
}

/// A pair's score (0–100) and its reasons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub score: u8,
    pub reasons: Vec<Reason>,
}

/// From this score on a pair is a possible duplicate (shown at registration, queued).
pub const POSSIBLE: u8 = 60;
/// From this score on a pair is a strong candidate (the allocation check warns, imports hold
/// the row back).
pub const STRONG: u8 = 80;

/// A fingerprint prepared for many comparisons.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub name: String,
    pub letters: Vec<char>,
    pub birth_date: NaiveDate,
    pub sex: Option<Sex>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub rrn_birth: Option<String>,
}

impl Prepared {
    pub fn new(f: &Fingerprint) -> Self {
        let name = normalize_name(&f.name);
        Prepared {
            letters: jamo(&name),
            name,
            birth_date: f.birth_date,
            sex: f.sex,
            phone: f.phone.as_deref().and_then(phone_digits),
            address: f.address.as_deref().and_then(normalize_address),
            rrn_birth: f.rrn_birth.clone(),
        }
    }
}

/// Whether two different names are one or two letters apart (for names of at least two
/// syllables' worth of letters).
fn similar_names(a: &Prepared, b: &Prepared) -> bool {
    let longest = a.letters.len().max(b.letters.len());
    let allowed = if longest >= 8 { 2 } else { 1 };
    longest >= 4
        && a.letters.len().abs_diff(b.letters.len()) <= allowed
        && edit_distance(&a.letters, &b.letters) <= allowed
}

fn rrn_birth_of(d: NaiveDate) -> String {
    d.format("%y%m%d").to_string()
}

/// Scores a pair; symmetric by construction.
pub fn score(a: &Prepared, b: &Prepared) -> Match {
    let mut reasons = Vec::new();
    let mut score: i32 = 0;
    let same = a.name == b.name;
    let same_day = a.birth_date == b.birth_date;
    let swap = swapped(a.birth_date, b.birth_date);
    // A similar name counts only with the same or a swapped birth date: the edit distance is
    // computed only then (most pairs of a scan's block are neither).
    let similar = !same && (same_day || swap) && similar_names(a, b);
    let same_year = a.birth_date.year() == b.birth_date.year();
    if same && same_day {
        reasons.push(Reason::SameNameAndBirthDate);
        score += 85;
    } else if similar && same_day {
        reasons.push(Reason::SimilarNameSameBirthDate);
        score += 65;
    } else if same && swap {
        reasons.push(Reason::SameNameSwappedBirthDate);
        score += 65;
    } else if similar && swap {
        reasons.push(Reason::SimilarNameSwappedBirthDate);
        score += 45;
    } else if same && same_year {
        reasons.push(Reason::SameNameSameBirthYear);
        score += 35;
    }
    if a.phone.is_some() && a.phone == b.phone {
        reasons.push(Reason::SamePhone);
        score += 25;
    }
    if a.address.is_some() && a.address == b.address && (same || similar) {
        reasons.push(Reason::SameHouseholdAddress);
        score += 15;
    }
    let rrn_hit = |x: &Prepared, y: &Prepared| {
        x.rrn_birth
            .as_ref()
            .is_some_and(|r| *r == rrn_birth_of(y.birth_date))
    };
    if (same || similar) && (rrn_hit(a, b) || rrn_hit(b, a)) {
        reasons.push(Reason::RrnBirthDateMatches);
        score += 10;
    }
    if let (Some(x), Some(y)) = (a.sex, b.sex) {
        if x != y {
            reasons.push(Reason::DifferentSex);
            score -= 40;
        }
    }
    Match {
        score: score.clamp(0, 100) as u8,
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fp(name: &str, birth: &str) -> Prepared {
        Prepared::new(&Fingerprint {
            name: name.into(),
            birth_date: birth.parse().unwrap(),
            sex: None,
            phone: None,
            address: None,
            rrn_birth: None,
        })
    }

    #[test]
    fn names_are_compared_as_written() {
        assert_eq!(normalize_name(" 김 영수 씨"), "김영수");
        assert_eq!(normalize_name("김영수님"), "김영수");
        assert_eq!(normalize_name("John  SMITH"), "johnsmith");
        // NFD input (as some phones send it) equals NFC.
        let nfd: String = "김영수".nfd().collect();
        assert_eq!(normalize_name(&nfd), "김영수");
        // A two-syllable name ending in 님 keeps it.
        assert_eq!(normalize_name("이님"), "이님");
        // Invisible formatting (stored before names refused it) does not hide a duplicate.
        assert_eq!(normalize_name("김\u{200B}영\u{202E}수"), "김영수");
    }

    #[test]
    fn a_single_syllable_typo_is_one_letter() {
        assert_eq!(edit_distance(&jamo("김영수"), &jamo("김영숙")), 1);
        assert_eq!(edit_distance(&jamo("김영수"), &jamo("김용수")), 1);
        assert!(edit_distance(&jamo("김영수"), &jamo("박철민")) > 2);
    }

    #[test]
    fn typical_pairs_score_as_a_caseworker_would_expect() {
        let a = fp("김영수", "1950-03-04");
        let m = score(&a, &fp("김영수 씨", "1950-03-04"));
        assert!(m.score >= STRONG, "{m:?}");
        assert_eq!(m.reasons, [Reason::SameNameAndBirthDate]);
        let m = score(&a, &fp("김영숙", "1950-03-04"));
        assert!(m.score >= POSSIBLE && m.score < STRONG, "{m:?}");
        assert_eq!(m.reasons, [Reason::SimilarNameSameBirthDate]);
        let m = score(&a, &fp("김영수", "1950-04-03"));
        assert_eq!(m.reasons, [Reason::SameNameSwappedBirthDate]);
        assert!(score(&a, &fp("박철민", "1950-03-04")).score < POSSIBLE);
        assert!(score(&a, &fp("김영수", "1951-03-04")).score < POSSIBLE);
        // The same phone makes a similar name strong; a different sex weakens a match.
        let mut b = fp("김영숙", "1950-03-04");
        let mut a2 = a.clone();
        a2.phone = phone_digits("010-1234-5678");
        b.phone = phone_digits("01012345678");
        assert!(score(&a2, &b).score >= STRONG);
        a2.sex = Some(Sex::Male);
        b.sex = Some(Sex::Female);
        assert!(score(&a2, &b).reasons.contains(&Reason::DifferentSex));
        // A partial RRN's birth date.
        let mut c = fp("김영수", "1950-04-03");
        c.rrn_birth = Some("500304".into());
        assert!(score(&a, &c).reasons.contains(&Reason::RrnBirthDateMatches));
    }

    fn hangul_name() -> impl Strategy<Value = String> {
        proptest::collection::vec(0xAC00u32..=0xD7A3, 2..4)
            .prop_map(|v| v.into_iter().filter_map(char::from_u32).collect())
    }

    fn date() -> impl Strategy<Value = NaiveDate> {
        (1930i32..2020, 1u32..=12, 1u32..=28)
            .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    proptest! {
        /// The score and its reasons do not depend on the order of the pair.
        #[test]
        fn scoring_is_symmetric(a in hangul_name(), b in hangul_name(), da in date(), db in date(), pa in proptest::option::of("010[0-9]{8}"), pb in proptest::option::of("010[0-9]{8}")) {
            let mut x = fp(&a, &da.to_string());
            let mut y = fp(&b, &db.to_string());
            x.phone = pa.as_deref().and_then(phone_digits);
            y.phone = pb.as_deref().and_then(phone_digits);
            prop_assert_eq!(score(&x, &y), score(&y, &x));
        }

        /// Changing the final consonant of one syllable (or adding one) is one letter.
        #[test]
        fn one_final_consonant_is_one_letter(name in hangul_name(), at in 0usize..3, t in 1u32..28) {
            let chars: Vec<char> = name.chars().collect();
            let at = at % chars.len();
            let code = chars[at] as u32 - 0xAC00;
            let changed = char::from_u32(0xAC00 + code - code % 28 + if code % 28 == t { (t % 27) + 1 } else { t }).unwrap();
            let mut other = chars.clone();
            other[at] = changed;
            let other: String = other.into_iter().collect();
            prop_assert_eq!(edit_distance(&jamo(&name), &jamo(&other)), 1);
        }

        /// Day and month swapped are recognized both ways, and only for real swaps.
        #[test]
        fn swapped_dates_are_found(y in 1930i32..2020, m in 1u32..=12, d in 1u32..=12) {
            let a = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            let b = NaiveDate::from_ymd_opt(y, d, m).unwrap();
            prop_assert_eq!(swapped(a, b), m != d);
            prop_assert_eq!(swapped(a, b), swapped(b, a));
            prop_assert!(!swapped(a, a));
        }
    }
}
