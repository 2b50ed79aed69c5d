//! Text that may be stored: no NUL or other control characters (tab, line feed and carriage
//! return excepted), which PostgreSQL refuses and which mean nothing in a name or a note.

/// Whether `c` is a control character text must not carry.
pub fn is_forbidden(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{2028}' | '\u{2029}')
}

/// Whether `s` holds a character text must not carry.
pub fn has_forbidden(s: &str) -> bool {
    s.chars().any(is_forbidden)
}

/// Whether `c` is invisible formatting a name must not carry: bidirectional controls (which can
/// make `김철수` display as something else) and zero-width characters (which make two equal-looking
/// names differ).
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
    )
}

/// Whether a name holds a forbidden or invisible character.
pub fn is_unfit_name(s: &str) -> bool {
    s.chars().any(|c| is_forbidden(c) || is_invisible(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_refuse_bidi_controls_and_zero_width_characters() {
        for bad in [
            "김\u{202E}수철",
            "김\u{200B}철수",
            "\u{FEFF}김철수",
            "김철\u{2066}수",
            "a\u{00AD}b",
        ] {
            assert!(is_unfit_name(bad), "{bad:?}");
        }
        assert!(!is_unfit_name("김철수"));
        assert!(!is_unfit_name("Kim Chul-su"));
    }

    #[test]
    fn control_characters_are_refused_but_layout_is_kept() {
        assert!(has_forbidden("김\u{0}철수"));
        assert!(has_forbidden("a\u{1b}[31m"));
        assert!(has_forbidden("\u{7f}"));
        assert!(has_forbidden("\u{85}"));
        assert!(!has_forbidden("첫 줄\n둘째 줄\t탭\r"));
        assert!(!has_forbidden("김철수"));
    }
}

/// `word` followed by the Korean particle its last sound takes: `after_consonant` (은, 이, 을,
/// 과, 으로) after a final consonant, else `after_vowel` (는, 가, 를, 와, 로) — and 로 after a
/// final ㄹ. A trailing parenthetical does not count (`난방유(묶음 포함)` takes 는); digits are
/// read as Korean numbers; a word whose sound cannot be told (Latin letters) gets both forms,
/// `은(는)`.
pub fn josa(word: &str, after_consonant: &str, after_vowel: &str) -> String {
    let base = match word.trim_end().strip_suffix(')') {
        Some(inner) => inner.rfind('(').map_or(word, |i| &word[..i]),
        None => word,
    };
    // The final consonant (jongseong) of the last sound: Some(0) for none.
    let last = base.trim_end().chars().last();
    let jong = match last {
        Some(c @ '가'..='힣') => Some((c as u32 - '가' as u32) % 28),
        // 영 일 이 삼 사 오 육 칠 팔 구: with or without a final consonant; ㄹ is 8.
        Some(d @ '0'..='9') => Some(match d {
            '0' | '3' | '6' => 1,
            '1' | '7' | '8' => 8,
            _ => 0,
        }),
        _ => None,
    };
    let particle = match jong {
        // 로 after ㄹ, as after a vowel.
        Some(8) if after_consonant == "으로" => after_vowel.to_owned(),
        Some(0) => after_vowel.to_owned(),
        Some(_) => after_consonant.to_owned(),
        None => format!("{after_consonant}({after_vowel})"),
    };
    format!("{word}{particle}")
}

#[cfg(test)]
mod josa_tests {
    use super::josa;

    #[test]
    fn particles_follow_the_last_sound() {
        assert_eq!(josa("난방유", "은", "는"), "난방유는");
        assert_eq!(josa("김장김치", "은", "는"), "김장김치는");
        assert_eq!(josa("연탄", "은", "는"), "연탄은");
        assert_eq!(josa("쌀", "이", "가"), "쌀이");
        assert_eq!(josa("도시락", "을", "를"), "도시락을");
        assert_eq!(josa("의료비", "과", "와"), "의료비와");
        assert_eq!(josa("연탄", "과", "와"), "연탄과");
        assert_eq!(josa("서울", "으로", "로"), "서울로");
        assert_eq!(josa("부산", "으로", "로"), "부산으로");
        assert_eq!(josa("난방유(묶음 포함)", "은", "는"), "난방유(묶음 포함)는");
        assert_eq!(josa("10", "은", "는"), "10은");
        assert_eq!(josa("2", "은", "는"), "2는");
        assert_eq!(josa("LPG", "은", "는"), "LPG은(는)");
    }
}
