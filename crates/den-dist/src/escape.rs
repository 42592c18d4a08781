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

/// `value` as Python's `json.dumps(value)` writes it with its defaults (what pip prints for
/// `--format json`): `", "` between items, `": "` after keys, keys in the value's order, and
/// every non-ASCII character escaped as `\uXXXX` (UTF-16 code units, `ensure_ascii`). Object
/// keys come sorted (serde_json's map), where Python keeps the order they were inserted in.
pub fn python_json(value: &serde_json::Value) -> String {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
    serde::Serialize::serialize(value, &mut serializer)
        .expect("serializing a JSON value into memory cannot fail");
    String::from_utf8(out).expect("the output is ASCII")
}

/// A JSON object with `fields` in the order given, as Python's `json.dumps` writes a dict
/// built in that order ([`python_json`] for each key and value).
pub fn python_json_object(fields: &[(&str, serde_json::Value)]) -> String {
    let fields: Vec<String> = fields
        .iter()
        .map(|(key, value)| {
            let key = python_json(&serde_json::Value::String((*key).to_string()));
            format!("{key}: {}", python_json(value))
        })
        .collect();
    format!("{{{}}}", fields.join(", "))
}

/// serde_json's formatter with Python's `json.dumps` defaults.
struct PythonFormatter;

impl serde_json::ser::Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.begin_array_value(writer, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
    ) -> std::io::Result<()> {
        writer.write_all(b": ")
    }

    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        for c in fragment.chars() {
            if c.is_ascii() {
                writer.write_all(&[c as u8])?;
            } else {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod python_json_tests {
    use super::*;

    #[test]
    fn writes_what_json_dumps_writes() {
        let value = serde_json::json!([{"name": "café", "n": 1, "e": []}, "🐍", {}]);
        assert_eq!(
            python_json(&value),
            r#"[{"e": [], "n": 1, "name": "caf\u00e9"}, "\ud83d\udc0d", {}]"#
        );
        let object = python_json_object(&[("z", 1.into()), ("a", "é".into())]);
        assert_eq!(object, r#"{"z": 1, "a": "\u00e9"}"#);
    }
}
