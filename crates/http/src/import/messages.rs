//! The import's row messages in Korean (the default) and English: a report reads in the
//! caller's language (`Accept-Language`), like problem documents.

use super::ImportReport;

/// Every row message of the import, English as written in the code, and its Korean.
pub(super) const MESSAGES: &[(&str, &str)] = &[
    (
        "a person with this number is already registered",
        "이 주민등록번호로 이미 등록된 사람이 있습니다",
    ),
    (
        "ambiguous: several match; use the id",
        "여러 개가 일치합니다. id로 지정하세요",
    ),
    (
        "ambiguous: several persons have this name and birth date; give person_id or rrn",
        "이름과 생년월일이 같은 사람이 여럿입니다. person_id나 주민등록번호를 적어 주세요",
    ),
    ("at most 100 characters", "100자 이하여야 합니다"),
    ("at most 200 characters", "200자 이하여야 합니다"),
    ("at most 2000 characters", "2000자 이하여야 합니다"),
    (
        "contains bidirectional controls or zero-width characters (invalid_characters)",
        "보이지 않는 제어 문자가 들어 있습니다 (invalid_characters)",
    ),
    (
        "contains control characters (invalid_characters)",
        "제어 문자가 들어 있습니다 (invalid_characters)",
    ),
    (
        "does not exist or is not visible to you",
        "없거나 볼 수 없는 대상입니다",
    ),
    (
        "give person_id, rrn, or name and birth_date",
        "person_id, 주민등록번호, 또는 성명과 생년월일을 적어 주세요",
    ),
    ("lookup failed", "조회하지 못했습니다"),
    (
        "must be a date (YYYY-MM-DD)",
        "날짜여야 합니다 (예: 2026-11-20, 2026.11.20, 2026년 11월 20일)",
    ),
    (
        "must be a whole number of won, 0 to 1,000,000,000",
        "0원에서 1,000,000,000원 사이의 정수여야 합니다",
    ),
    (
        "must be a whole number, 0 to 1,000,000",
        "0에서 1,000,000 사이의 정수여야 합니다",
    ),
    (
        "no person is registered with this number",
        "이 주민등록번호로 등록된 사람이 없습니다",
    ),
    (
        "no registered person matches; register the person or import with register_missing=true",
        "일치하는 등록 대상자가 없습니다. 먼저 등록하거나 register_missing=true로 가져오세요",
    ),
    (
        "no resource of this benefit type: add one, or name the resource (자원)",
        "이 급여유형의 자원이 없습니다. 자원을 추가하거나 자원 열에 이름을 적어 주세요",
    ),
    ("not a valid id", "올바른 id가 아닙니다"),
    (
        "not a valid resident registration number",
        "올바른 주민등록번호가 아닙니다",
    ),
    ("not plausible", "있을 수 없는 값입니다"),
    ("out of range", "허용 범위를 벗어났습니다"),
    ("required", "필수 항목입니다"),
    (
        "several resources of this benefit type: name the resource (자원)",
        "이 급여유형의 자원이 여럿입니다. 자원 열에 이름을 적어 주세요",
    ),
    (
        "the line is not valid CSV",
        "CSV 형식이 올바르지 않은 줄입니다",
    ),
    (
        "the row could not be read; retry it",
        "이 행을 읽지 못했습니다. 다시 시도하세요",
    ),
    (
        "the row could not be recorded; retry it",
        "이 행을 기록하지 못했습니다. 다시 시도하세요",
    ),
    (
        "too many lookups by resident registration number; retry later or use person_id",
        "주민등록번호 조회가 너무 많습니다. 잠시 뒤 다시 하거나 person_id를 쓰세요",
    ),
    ("total row (합계)", "합계 행이라 건너뛰었습니다"),
];

fn korean(en: &str) -> Option<&'static str> {
    MESSAGES.iter().find(|(e, _)| *e == en).map(|(_, ko)| *ko)
}

impl ImportReport {
    /// Puts the row messages into Korean (a message from elsewhere, e.g. a domain rule's, keeps
    /// its English wording).
    pub fn in_korean(&mut self) {
        for e in &mut self.errors {
            if let Some(ko) = korean(&e.message) {
                e.message = ko.to_owned();
            }
        }
        for o in &mut self.outcomes {
            if let Some(ko) = korean(&o.detail) {
                o.detail = ko.to_owned();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every message literal the import writes for a row has its Korean.
    #[test]
    fn every_row_message_reads_in_korean() {
        let sources = [include_str!("mod.rs"), include_str!("table.rs")];
        let literal = regex_lite_free_scan(&sources);
        assert!(literal.len() >= 20, "{literal:?}");
        for m in literal {
            assert!(korean(&m).is_some(), "no Korean for {m:?}");
        }
        for (en, ko) in MESSAGES {
            assert!(ko.chars().any(|c| ('가'..='힣').contains(&c)), "{en}");
        }
    }

    /// The string literals that follow `err(FIELD, `, `row_error(FIELD, ` or `message: ` in
    /// the sources (a small scan, no regex crate).
    fn regex_lite_free_scan(sources: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        for src in sources {
            let flat: String = src.split_whitespace().collect::<Vec<_>>().join(" ");
            for marker in ["err(", "row_error(", "message: \""] {
                for (i, _) in flat.match_indices(marker) {
                    // `err(`, not `map_err(`
                    let before = flat[..i].chars().last().unwrap_or(' ');
                    if before.is_alphanumeric() || before == '_' {
                        continue;
                    }
                    let rest = &flat[i + marker.len()..];
                    let rest = if marker.ends_with('"') {
                        rest
                    } else {
                        // skip the field argument
                        let Some(comma) = rest.find(", ") else {
                            continue;
                        };
                        let after = &rest[comma + 2..];
                        let Some(r) = after.strip_prefix('"') else {
                            continue;
                        };
                        r
                    };
                    if let Some(end) = rest.find('"') {
                        out.push(rest[..end].to_owned());
                    }
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }
}
