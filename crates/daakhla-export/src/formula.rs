//! The one rule that keeps typed text from running as a spreadsheet formula (CSV injection):
//! a name typed on a phone as `=HYPERLINK(...)` must reach a coordinator's spreadsheet as a
//! name. CSV writes such text after an apostrophe, as OWASP recommends (`csv`); XLSX cells are
//! always strings, never formulas, and such cells also carry the sheet's own quote prefix
//! (`xlsx`), so editing one in Excel keeps it text. Text cells only: numbers (`Cell::Number`)
//! are written as numbers, negative or not.

/// Whether a spreadsheet could read `text` as a formula: it starts with `=`, `+`, `-`, `@`, a
/// tab or a carriage return, or with one of the four signs after leading spaces (which some
/// readers trim), or with their full-width forms (which some readers fold to ASCII).
pub(crate) fn is_formula_like(text: &str) -> bool {
    if text.starts_with(['\t', '\r']) {
        return true;
    }
    let first = text.trim_start().chars().next();
    matches!(
        first,
        Some('=' | '+' | '-' | '@' | '\u{ff1d}' | '\u{ff0b}' | '\u{ff0d}' | '\u{ff20}')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_starting_a_formula_is_caught() {
        for typed in [
            "=HYPERLINK(\"http://evil.example\",\"x\")",
            "@SUM(1)",
            "+1+1",
            "-2+3",
            "\t=1",
            "\r=1",
            "  =1+1",
            "\u{a0}@SUM(1)",
            "＝1+1",
            "＋1",
            "－1",
            "＠SUM(1)",
            "=محمد اسلم",
        ] {
            assert!(is_formula_like(typed), "{typed:?}");
        }
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        for typed in [
            "Sana",
            "ثنا",
            "Muhammad Aslam",
            "03001234567",
            "17-A",
            "a=b",
            "Near the well, big tree",
            "'quoted already",
            "",
            "   ",
        ] {
            assert!(!is_formula_like(typed), "{typed:?}");
        }
    }
}
