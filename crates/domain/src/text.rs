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

#[cfg(test)]
mod tests {
    use super::*;

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
