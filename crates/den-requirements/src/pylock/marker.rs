//! Markers as a lock file reads them (PEP 751 "packages.marker"): besides PEP 508's variables,
//! `extras` and `dependency_groups` are the sets of extras and dependency groups being
//! installed, tested with `'name' in extras` or `'name' not in dependency_groups` (names
//! compared normalized, as `packaging` compares them in its `lock_file` context). pipenv writes
//! `('dev' in dependency_groups) and (python_version >= '3.8')`.
//!
//! Each such test is decided here, against the sets given, and replaced by a constant PEP 508
//! comparison; what is left is PEP 508 and parsed as any marker.

use std::collections::BTreeSet;

use den_dist::{MarkerTree, Pep508ParseError};

/// A comparison that is always true: every Python version is at least 0.
const TRUE: &str = "python_full_version >= '0'";
/// A comparison that is always false.
const FALSE: &str = "python_full_version < '0'";

/// The set variables a lock file's markers may test.
const SETS: &[&str] = &["extras", "dependency_groups"];

/// `text` read in a lock file's context, `extras` and `groups` (normalized names) being the
/// extras and dependency groups installed.
///
/// Errors: the marker is not PEP 508 once the set tests are decided (the parser's message).
pub(super) fn lock_marker(
    text: &str,
    extras: &BTreeSet<String>,
    groups: &BTreeSet<String>,
) -> Result<MarkerTree, Pep508ParseError> {
    den_dist::parse_marker(&decided(text, extras, groups))
}

/// A token of a marker: its byte range and what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A quoted string; the range includes the quotes.
    Text,
    /// A name or keyword (`python_version`, `in`, `not`, `extras`).
    Word,
    /// Anything else (operators, parentheses), a character at a time.
    Other,
}

/// The tokens of `text`; an unclosed string runs to the end (the parser reports it).
fn tokens(text: &str) -> Vec<(usize, usize, Kind)> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        if c == '\'' || c == '"' {
            let mut end = text.len();
            for (i, next) in chars.by_ref() {
                if next == c {
                    end = i + 1;
                    break;
                }
            }
            out.push((start, end, Kind::Text));
        } else if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
            let mut end = start + c.len_utf8();
            while let Some(&(i, next)) = chars.peek() {
                if next.is_ascii_alphanumeric() || next == '_' || next == '.' {
                    chars.next();
                    end = i + next.len_utf8();
                } else {
                    break;
                }
            }
            out.push((start, end, Kind::Word));
        } else {
            out.push((start, start + c.len_utf8(), Kind::Other));
        }
    }
    out
}

/// `text` with each `'name' in|not in extras|dependency_groups` replaced by [`TRUE`] or
/// [`FALSE`].
fn decided(text: &str, extras: &BTreeSet<String>, groups: &BTreeSet<String>) -> String {
    let tokens = tokens(text);
    let word = |i: usize, expected: &[&str]| {
        tokens
            .get(i)
            .filter(|(_, _, kind)| *kind == Kind::Word)
            .map(|(start, end, _)| &text[*start..*end])
            .filter(|found| expected.contains(found))
    };
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < tokens.len() {
        let (start, end, kind) = tokens[i];
        if kind == Kind::Text && end - start >= 2 {
            let negated = word(i + 1, &["not"]).is_some();
            let at = if negated { i + 2 } else { i + 1 };
            if word(at, &["in"]).is_some()
                && let Some(set) = word(at + 1, SETS)
            {
                let name = crate::groups::normalize(&text[start + 1..end - 1]);
                let members = if set == "extras" { extras } else { groups };
                let holds = members.contains(&name) != negated;
                out.push_str(&text[copied..start]);
                out.push_str(if holds { TRUE } else { FALSE });
                copied = tokens[at + 1].1;
                i = at + 2;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn set_tests_are_decided_and_the_rest_kept() {
        let dev = set(&["dev"]);
        let none = set(&[]);
        assert_eq!(
            decided(
                "('dev' in dependency_groups) and (python_version >= '3.8')",
                &none,
                &dev
            ),
            format!("({TRUE}) and (python_version >= '3.8')")
        );
        assert_eq!(
            decided(
                "\"Dev\" not in dependency_groups or 'x' in extras",
                &none,
                &dev
            ),
            format!("{FALSE} or {FALSE}")
        );
        assert_eq!(decided("extra == 'in'", &none, &dev), "extra == 'in'");
    }

    #[test]
    fn lock_markers_evaluate_with_the_sets_given() {
        let environment = den_python::TargetPython::cpython_on("3.12", "x86_64-unknown-linux-gnu")
            .unwrap()
            .markers;
        for (text, extras, groups, expected) in [
            ("'dev' in dependency_groups", &[][..], &["dev"][..], true),
            ("'dev' in dependency_groups", &[], &["default"], false),
            (
                "(python_version >= '3') or ('dev' in dependency_groups)",
                &[],
                &[],
                true,
            ),
            (
                "'Fast_Lane' in extras and python_version < '3'",
                &["fast-lane"],
                &[],
                false,
            ),
            ("'fast.lane' in extras", &["fast-lane"], &[], true),
            ("'test' not in dependency_groups", &[], &["test"], false),
        ] {
            let tree = lock_marker(text, &set(extras), &set(groups)).unwrap();
            assert_eq!(tree.evaluate(&environment, &[]), expected, "{text}");
        }
        assert!(lock_marker("'dev' in", &set(&[]), &set(&[])).is_err());
        assert!(lock_marker("'dev", &set(&[]), &set(&[])).is_err());
    }
}
