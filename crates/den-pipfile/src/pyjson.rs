//! Python's `json.dumps` over a small value model, so den writes the bytes pipenv writes: keys
//! sorted by code point (`sort_keys=True`), everything outside ` `..`~` escaped as lower-case `\uXXXX` (DEL too) (surrogate
//! pairs above the BMP, `ensure_ascii=True`), floats as Python's `repr` (`1e+16`, `1e-05`,
//! `Infinity`, `NaN`), and either the compact separators `(",", ":")` (the Pipfile hash) or
//! `indent=4` with `(",", ": ")` (Pipfile.lock).

use std::fmt::Write as _;

/// A JSON value as Python's `json` module sees it. Objects keep one entry per key; the
/// writer sorts them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PyValue {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    List(Vec<PyValue>),
    Dict(Vec<(String, PyValue)>),
}

impl PyValue {
    /// A dict from entries where a later key replaces an earlier equal one (Python's dict
    /// literal semantics).
    pub(crate) fn dict(entries: impl IntoIterator<Item = (String, PyValue)>) -> PyValue {
        let mut out: Vec<(String, PyValue)> = Vec::new();
        for (k, v) in entries {
            if let Some(slot) = out.iter_mut().find(|(key, _)| *key == k) {
                slot.1 = v;
            } else {
                out.push((k, v));
            }
        }
        PyValue::Dict(out)
    }

    /// The value of a `serde_json` value (numbers as int when they are integers).
    pub(crate) fn from_json(value: &serde_json::Value) -> PyValue {
        match value {
            serde_json::Value::Null => PyValue::Null,
            serde_json::Value::Bool(b) => PyValue::Bool(*b),
            serde_json::Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    PyValue::Int(i128::from(i))
                } else if let Some(u) = n.as_u64() {
                    PyValue::Int(i128::from(u))
                } else {
                    PyValue::Float(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            serde_json::Value::String(s) => PyValue::Str(s.clone()),
            serde_json::Value::Array(a) => {
                PyValue::List(a.iter().map(PyValue::from_json).collect())
            }
            serde_json::Value::Object(o) => {
                PyValue::dict(o.iter().map(|(k, v)| (k.clone(), PyValue::from_json(v))))
            }
        }
    }
}

/// `json.dumps(value, sort_keys=True, separators=(",", ":"))`.
pub(crate) fn dumps_compact(value: &PyValue) -> String {
    let mut out = String::new();
    write_value(&mut out, value, None, 0);
    out
}

/// `json.dumps(value, indent=4, separators=(",", ": "), sort_keys=True)`: no trailing newline.
pub(crate) fn dumps_indented(value: &PyValue) -> String {
    let mut out = String::new();
    write_value(&mut out, value, Some(4), 0);
    out
}

fn newline_indent(out: &mut String, indent: usize, level: usize) {
    out.push('\n');
    for _ in 0..indent * level {
        out.push(' ');
    }
}

fn write_value(out: &mut String, value: &PyValue, indent: Option<usize>, level: usize) {
    match value {
        PyValue::Null => out.push_str("null"),
        PyValue::Bool(true) => out.push_str("true"),
        PyValue::Bool(false) => out.push_str("false"),
        PyValue::Int(i) => {
            let _ = write!(out, "{i}");
        }
        PyValue::Float(f) => out.push_str(&float_repr(*f)),
        PyValue::Str(s) => write_string(out, s),
        PyValue::List(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if let Some(n) = indent {
                    newline_indent(out, n, level + 1);
                }
                write_value(out, item, indent, level + 1);
            }
            if let Some(n) = indent {
                newline_indent(out, n, level);
            }
            out.push(']');
        }
        PyValue::Dict(entries) => {
            if entries.is_empty() {
                out.push_str("{}");
                return;
            }
            let mut sorted: Vec<&(String, PyValue)> = entries.iter().collect();
            // Python compares str by code point; UTF-8 byte order is the same order.
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            out.push('{');
            for (i, (key, item)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if let Some(n) = indent {
                    newline_indent(out, n, level + 1);
                }
                write_string(out, key);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                write_value(out, item, indent, level + 1);
            }
            if let Some(n) = indent {
                newline_indent(out, n, level);
            }
            out.push('}');
        }
    }
}

/// A string as Python's `json` writes it with `ensure_ascii=True`.
fn write_string(out: &mut String, s: &str) {
    den_dist::write_python_string(s, out);
}

/// Python's `float.__repr__` (as `json` uses it): the shortest digits that round-trip, in
/// fixed notation when the decimal exponent is in `-4..16`, else `d.ddde+XX`.
pub(crate) fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    // Rust's `{:e}` gives the shortest round-trip digits: `-1.2345e-7`, `1e16`.
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let mut out = String::from(sign);
    if (-4..16).contains(&exp) {
        let point = exp + 1; // digits before the decimal point
        if point <= 0 {
            out.push_str("0.");
            for _ in 0..-point {
                out.push('0');
            }
            out.push_str(&digits);
        } else {
            let point = point as usize;
            if digits.len() <= point {
                out.push_str(&digits);
                for _ in digits.len()..point {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                out.push_str(&digits[..point]);
                out.push('.');
                out.push_str(&digits[point..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_read_as_python_repr() {
        for (f, want) in [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (123456789012345.6, "123456789012345.6"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (-2.5e-7, "-2.5e-07"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1e300, "1e+300"),
            (f64::INFINITY, "Infinity"),
        ] {
            assert_eq!(float_repr(f), want, "{f}");
        }
    }

    #[test]
    fn strings_escape_as_ensure_ascii() {
        let mut s = String::new();
        write_string(&mut s, "a\"\\\n\u{1}é😀\u{7f}");
        assert_eq!(s, "\"a\\\"\\\\\\n\\u0001\\u00e9\\ud83d\\ude00\\u007f\"");
    }

    #[test]
    fn indented_output_matches_python_layout() {
        let v = PyValue::dict([
            (
                "b".into(),
                PyValue::List(vec![PyValue::Int(1), PyValue::dict([])]),
            ),
            ("a".into(), PyValue::List(vec![])),
        ]);
        assert_eq!(
            dumps_indented(&v),
            "{\n    \"a\": [],\n    \"b\": [\n        1,\n        {}\n    ]\n}"
        );
        assert_eq!(dumps_compact(&v), r#"{"a":[],"b":[1,{}]}"#);
    }
}
