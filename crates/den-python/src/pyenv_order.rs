//! The two orders pyenv puts version names in, so den lists and picks exactly as it does:
//! `pyenv versions` lists `$PYENV_ROOT/versions/*` through GNU `sort --version-sort`
//! ([`version_sort`]), and `pyenv latest` picks the first name of
//! `sort -t. -k1,1r -k2,2nr -k3,3nr -k4,4nr` over a key made from each name
//! ([`latest_order`]). Both end ties with a byte comparison of the whole line, as GNU sort's
//! last-resort comparison does. Pure functions; the byte order is the C locale's.

use std::cmp::Ordering;

/// GNU `sort --version-sort` of two lines: gnulib's `filevercmp` (file suffixes
/// `(\.[A-Za-z~][A-Za-z0-9~]*)*$` compared last, Debian's version comparison on the rest),
/// then the bytes.
pub fn version_sort(a: &str, b: &str) -> Ordering {
    filevercmp(a.as_bytes(), b.as_bytes()).then_with(|| a.cmp(b))
}

/// gnulib's `filevercmp`: empty names first, then `.`, `..` and other dot names, then the
/// rest by [`verrevcmp`] without suffixes, and with them when that ties.
fn filevercmp(a: &[u8], b: &[u8]) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        _ => {}
    }
    match (a[0] == b'.', b[0] == b'.') {
        (true, true) => {
            for special in [&b"."[..], b".."] {
                match (a == special, b == special) {
                    (true, true) => return Ordering::Equal,
                    (true, false) => return Ordering::Less,
                    (false, true) => return Ordering::Greater,
                    _ => {}
                }
            }
        }
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        _ => {}
    }
    let (a_prefix, b_prefix) = (suffix_start(a), suffix_start(b));
    let first = verrevcmp(&a[..a_prefix], &b[..b_prefix]);
    if first != Ordering::Equal || (a_prefix == a.len() && b_prefix == b.len()) {
        first
    } else {
        verrevcmp(a, b)
    }
}

/// Where a name's file suffix (`.tar.gz`, `.dev`) starts: the length of the name without
/// its trailing run of `.` + letter-or-`~` + alphanumerics-or-`~` groups.
fn suffix_start(s: &[u8]) -> usize {
    let mut prefix = 0;
    let mut i = 0;
    while i < s.len() {
        i += 1;
        prefix = i;
        while i + 1 < s.len()
            && s[i] == b'.'
            && (s[i + 1].is_ascii_alphabetic() || s[i + 1] == b'~')
        {
            i += 2;
            while i < s.len() && (s[i].is_ascii_alphanumeric() || s[i] == b'~') {
                i += 1;
            }
        }
    }
    prefix
}

/// The weight of a non-digit byte in Debian's comparison: `~` before the end of the text,
/// letters next, other bytes after letters.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        Some(c) => i32::from(c) + 256,
    }
}

/// Debian's version comparison (`verrevcmp`): alternating runs of non-digits (by [`order`])
/// and digits (by value, leading zeros ignored).
fn verrevcmp(a: &[u8], b: &[u8]) -> Ordering {
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let (x, y) = (order(a.get(i).copied()), order(b.get(j).copied()));
            if x != y {
                return x.cmp(&y);
            }
            i += 1;
            j += 1;
        }
        while i < a.len() && a[i] == b'0' {
            i += 1;
        }
        while j < b.len() && b[j] == b'0' {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while i < a.len() && j < b.len() && a[i].is_ascii_digit() && b[j].is_ascii_digit() {
            if first_diff == Ordering::Equal {
                first_diff = a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
        if i < a.len() && a[i].is_ascii_digit() {
            return Ordering::Greater;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

/// `pyenv latest`'s order, best first: the key is the name with its first `-` made a `.`
/// when the name starts with letters and digits followed by `-` (`miniconda3-4.7` ->
/// `miniconda3.4.7..`), else the name plus `...`; keys are compared on their first
/// `.`-separated field as text, descending, then fields 2 to 4 as numbers (their leading
/// digits), descending, then whole lines (`key|name`) ascending.
pub(crate) fn latest_order(a: &str, b: &str) -> Ordering {
    let (ka, kb) = (latest_key(a), latest_key(b));
    let (fa, fb): (Vec<&str>, Vec<&str>) = (ka.split('.').collect(), kb.split('.').collect());
    fn field<'a>(fields: &[&'a str], n: usize) -> &'a str {
        fields.get(n).copied().unwrap_or("")
    }
    field(&fb, 0)
        .as_bytes()
        .cmp(field(&fa, 0).as_bytes())
        .then_with(|| {
            (1..4)
                .map(|n| leading_number(field(&fb, n)).cmp(&leading_number(field(&fa, n))))
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        })
        .then_with(|| format!("{ka}|{a}").cmp(&format!("{kb}|{b}")))
}

/// The sort key [`latest_order`] compares.
fn latest_key(name: &str) -> String {
    let dash = name
        .find('-')
        .filter(|&at| at > 0 && name[..at].bytes().all(|c| c.is_ascii_alphanumeric()));
    match dash {
        Some(at) => format!("{}.{}..", &name[..at], &name[at + 1..]),
        None => format!("{name}..."),
    }
}

/// The value `sort -n` reads from a field: its leading digits (leading zeros dropped, so
/// longer means bigger), none being zero. Returned as (digit count, digits) for comparing
/// numbers of any length.
fn leading_number(field: &str) -> (usize, &str) {
    let digits = field.len() - field.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let number = field[..digits].trim_start_matches('0');
    (number.len(), number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(names: &[&str], cmp: fn(&str, &str) -> Ordering) -> Vec<String> {
        let mut names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        names.sort_by(|a, b| cmp(a, b));
        names
    }

    #[test]
    fn version_sort_matches_gnu_sort() {
        // Each expectation is what `sort --version-sort` (GNU coreutils 9) prints.
        assert_eq!(
            sorted(
                &[
                    "3.10.0",
                    "3.9.1",
                    "2.7.18",
                    "3.10.0rc1",
                    "pypy3.10-7.3.13",
                    "3.9.10",
                    "3.13.0t"
                ],
                version_sort
            ),
            [
                "2.7.18",
                "3.9.1",
                "3.9.10",
                "3.10.0",
                "3.10.0rc1",
                "3.13.0t",
                "pypy3.10-7.3.13"
            ]
        );
        assert_eq!(
            sorted(
                &["a~b", "a", "a.tar.gz", "a1", ".hidden", "..", "."],
                version_sort
            ),
            [".", "..", ".hidden", "a~b", "a", "a.tar.gz", "a1"]
        );
        assert_eq!(
            sorted(&["3.10.0", "3.10.0rc1", "3.10", "3.10.dev"], version_sort),
            ["3.10", "3.10.dev", "3.10.0", "3.10.0rc1"]
        );
    }

    #[test]
    fn latest_prefers_newest_numbers_then_names() {
        assert_eq!(
            sorted(&["2.7.18", "3.5.6", "3.10.8", "3.10.6"], latest_order)[0],
            "3.10.8"
        );
        assert_eq!(
            sorted(&["3.13.2t", "3.13.5t", "3.12.9t"], latest_order)[0],
            "3.13.5t"
        );
        assert_eq!(
            sorted(&["miniconda3-4.7.12", "miniconda3-23.1.0"], latest_order)[0],
            "miniconda3-23.1.0"
        );
        assert_eq!(latest_key("pypy3.10-7.3.13"), "pypy3.10-7.3.13...");
        assert_eq!(leading_number("0010rc1"), (2, "10"));
        assert_eq!(leading_number(""), (0, ""));
    }
}
