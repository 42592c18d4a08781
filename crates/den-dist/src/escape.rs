//! Making untrusted text safe to print: control characters shown as escapes.

use std::borrow::Cow;

/// Whether `c` is escaped by [`escape_controls`]: a C0/C1 control character (`\t`, `\n`, ESC,
/// ...) or a Unicode bidirectional override or isolate (U+202A..U+202E, U+2066..U+2069), which
/// would reorder the rest of a terminal line.
fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `c` as [`escape_controls`] writes it: `\t`, `\n`, `\r`, or `\u{1b}` (Rust's escape
/// syntax) for characters that need escaping, else `c` itself.
pub(crate) fn escaped_char(c: char) -> Cow<'static, str> {
    match c {
        '\t' => Cow::Borrowed("\\t"),
        '\n' => Cow::Borrowed("\\n"),
        '\r' => Cow::Borrowed("\\r"),
        c if needs_escape(c) => Cow::Owned(format!("\\u{{{:x}}}", c as u32)),
        c => Cow::Owned(c.to_string()),
    }
}

/// `text` with every control character (C0 and C1: tab, newline, ESC, ...) and every Unicode
/// bidirectional override or isolate replaced by an escape (`\t`, `\n`, `\r`, `\u{1b}`,
/// `\u{202e}`), so quoting untrusted text (a requirement from a wheel's metadata, a line of a
/// requirements file) in a message cannot move the cursor, recolour or reorder the terminal.
/// Everything else, non-ASCII letters included, is kept as it is; a backslash is not doubled.
/// Returns `text` borrowed when nothing needs escaping. Pure; never fails.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        out.push_str(&escaped_char(c));
    }
    Cow::Owned(out)
}

/// Python's `repr` of a string: single quotes unless it holds `'` and no `"`, backslashes,
/// the quote and control characters escaped (pip prints values so: `pip config list`,
/// pipenv's `scripts`). Pure; never fails.
pub fn python_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::from(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_escapes() {
        assert_eq!(
            escape_controls("a\tb\nc\r\u{1b}[31m"),
            "a\\tb\\nc\\r\\u{1b}[31m"
        );
        assert_eq!(escape_controls("x\u{202e}y\u{85}"), "x\\u{202e}y\\u{85}");
    }

    #[test]
    fn printable_text_is_borrowed() {
        assert!(matches!(
            escape_controls("foo-\u{e9} \\ 'x'"),
            Cow::Borrowed(_)
        ));
    }
}
