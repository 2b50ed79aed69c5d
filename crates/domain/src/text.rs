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
