//! A distribution's `Requires-Python` as the `markers` pipenv writes in Pipfile.lock:
//! `pipenv.utils.markers.marker_from_specifier` (called by the resolver's
//! `resolve_constraints`), whose output pipenv stores with single quotes.
//!
//! pipenv's conversion, step by step (each is pipenv's behaviour, odd or not):
//!
//! 1. A text that does not start with an operator is `==` it (`any`, `<any>` and `*` give no
//!    marker); `===…` with more than three `=` becomes `==`.
//! 2. Each comma-separated clause loses a trailing `.*` and then any trailing `*`
//!    (`!=3.0.*` -> `!=3.0`), and must then be a valid PEP 440 specifier.
//! 3. `>V` becomes `>=V'` and `<=V` becomes `<V'` where `V'` is V's major with its minor plus
//!    one (`>3.8` -> `>=3.9`, `<=3.8.1` -> `<3.9`), unless that minor passes the last one
//!    pipenv knows for the major (1.7, 2.7, 3.11, 4.0): then the clause stays as it was.
//! 4. Clauses are grouped by operator and by whether the version has more than two parts;
//!    within a group `>`/`>=` keep the lowest version, `<`/`<=` the highest, several `==`
//!    become one `in` (written as a parenthesized `or` of `==`), each `!=` stays its own
//!    clause; `~=` and `===` keep all versions joined by `, `.
//! 5. The clauses are ordered by their version's numeric parts and written
//!    `python_version OP 'V'` (`python_full_version` when V has three numeric parts) joined by
//!    ` and `; an `or` group that is the whole marker loses its parentheses (packaging's
//!    `str(Marker)`).

use std::str::FromStr as _;

/// pipenv's `MAX_VERSIONS`: the last minor version it knows of each major.
const MAX_MINOR: [(u64, u64); 4] = [(1, 7), (2, 7), (3, 11), (4, 0)];

/// The operators of `packaging.specifiers.Specifier`, longest first.
const OPERATORS: [&str; 8] = ["===", "~=", "==", "!=", "<=", ">=", "<", ">"];

/// A version as pipenv's `_tuplize_version` splits it: major and minor as integers, the
/// rest as text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Part {
    Int(u64),
    Text(String),
}

fn tuplize(version: &str) -> Option<Vec<Part>> {
    let mut out = Vec::new();
    for (i, part) in version.split('.').enumerate() {
        if part == "*" {
            break;
        }
        if i < 2 {
            // Python's int(): digits (a leading `+`, surrounding spaces and `_` between
            // digits never survive packaging's validation of the version).
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            out.push(Part::Int(part.parse().ok()?));
        } else {
            out.push(Part::Text(part.to_string()));
        }
    }
    Some(out)
}

fn format_version(parts: &[Part]) -> String {
    parts
        .iter()
        .map(|p| match p {
            Part::Int(i) => i.to_string(),
            Part::Text(t) => t.clone(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// pipenv's `_version_sort_key`: the numeric parts of the first comma-separated version,
/// then the text; non-numeric versions after all numeric ones.
fn sort_key(value: &str) -> (u8, Vec<u128>, String) {
    let first = value.split(',').next().unwrap_or("").trim();
    let parts: Option<Vec<u128>> = first
        .split('.')
        .map(|p| {
            let p = p.trim();
            if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) {
                p.parse().ok()
            } else {
                None
            }
        })
        .collect();
    match parts {
        Some(p) => (0, p, value.to_string()),
        None => (1, Vec::new(), value.to_string()),
    }
}

/// The lock `markers` pipenv writes for a distribution whose `Requires-Python` is
/// `requires_python`: `>=3.8` -> `python_version >= '3.8'`, `!=3.0.*,>=2.7` ->
/// `python_version >= '2.7' and python_version != '3.0'`.
///
/// `Ok(None)` when pipenv writes no marker (`*`, `any`, an empty text).
///
/// # Errors
///
/// The reason, when pipenv itself fails on the text (an invalid specifier, a version whose
/// major or minor is not a number: `>=3.8rc1`, `~=3`); pipenv's resolver then stops.
pub fn requires_python_marker(requires_python: &str) -> Result<Option<String>, String> {
    let mut spec = requires_python.to_string();
    if !OPERATORS.iter().any(|op| spec.starts_with(op)) {
        if matches!(spec.trim().to_lowercase().as_str(), "any" | "<any>" | "*") {
            return Ok(None);
        }
        spec = format!("=={spec}");
    } else if spec.starts_with("==") && spec.matches('=').count() > 3 {
        spec = format!("=={}", spec.trim_start_matches('='));
    }
    if spec.is_empty() {
        return Ok(None);
    }

    // normalize_specifier_set: trailing `.*` / `*` off each clause, then packaging parses.
    let mut specs: Vec<(String, String)> = Vec::new(); // (operator, version)
    for clause in spec.split(',') {
        let mut clause = clause.trim();
        if let Some(c) = clause.strip_suffix(".*") {
            clause = c;
        }
        let clause = clause.trim_end_matches('*').trim();
        if clause.is_empty() {
            // packaging's SpecifierSet skips empty clauses.
            continue;
        }
        den_dist::VersionSpecifier::from_str(clause)
            .map_err(|e| format!("invalid specifier {clause:?}: {e}"))?;
        let op = OPERATORS
            .iter()
            .find(|op| clause.starts_with(**op))
            .ok_or_else(|| format!("invalid specifier {clause:?}"))?;
        let version = clause[op.len()..].trim().to_string();
        let (op, version) = format_pyspec(op, &version)?;
        // A set of Specifiers: an equal (operator, version) pair counts once.
        if !specs.contains(&(op.clone(), version.clone())) {
            specs.push((op, version));
        }
    }

    // cleanup_pyspecs(joiner="or")
    let mut flattened: Vec<((String, bool), Vec<Part>)> = Vec::new();
    for (op, version) in &specs {
        let parts = tuplize(version).ok_or_else(|| {
            format!("version {version:?} has a major or minor that is not a number")
        })?;
        flattened.push(((op.clone(), parts.len() > 2), parts));
    }
    flattened.sort();
    let mut results: Vec<((String, String), String)> = Vec::new();
    let mut insert = |key: (String, String), value: String| {
        if let Some(slot) = results.iter_mut().find(|(k, _)| *k == key) {
            slot.1 = value;
        } else {
            results.push((key, value));
        }
    };
    let mut i = 0;
    while i < flattened.len() {
        let key = flattened[i].0.clone();
        let mut versions: Vec<Vec<Part>> = Vec::new();
        while i < flattened.len() && flattened[i].0 == key {
            if !versions.contains(&flattened[i].1) {
                versions.push(flattened[i].1.clone());
            }
            i += 1;
        }
        versions.sort();
        let (op, micro) = key;
        let value = match op.as_str() {
            ">" | ">=" => format_version(&versions[0]),
            "<" | "<=" => format_version(&versions[versions.len() - 1]),
            _ => {
                let mut texts: Vec<String> = versions.iter().map(|v| format_version(v)).collect();
                texts.sort_by_key(|t| sort_key(t));
                texts.join(", ")
            }
        };
        if op == "!=" {
            for v in &versions {
                let v = format_version(v);
                insert((op.clone(), v.clone()), v);
            }
            continue;
        }
        let op = if op == "==" && versions.len() > 1 {
            "in".to_string()
        } else {
            op
        };
        insert((op, micro.to_string()), value);
    }
    let mut clauses: Vec<(String, String)> =
        results.into_iter().map(|((op, _), v)| (op, v)).collect();
    clauses.sort_by_key(|(_, v)| sort_key(v));
    let mut text = clauses
        .iter()
        .map(|(op, v)| format_clause(op, v))
        .collect::<Vec<_>>()
        .join(" and ");
    // `str(Marker(...))` drops the parentheses of a group that is the whole marker.
    if clauses.len() == 1 && clauses[0].0 == "in" {
        text = text[1..text.len() - 1].to_string();
    }
    Ok(Some(text.replace('"', "'")))
}

/// pipenv's `format_pyversion`.
fn format_clause(op: &str, value: &str) -> String {
    if op == "in" {
        let parts: Vec<String> = value
            .split(',')
            .map(|v| format_clause("==", v.trim()))
            .collect();
        return format!("({})", parts.join(" or "));
    }
    let variable = if has_micro(value) {
        "python_full_version"
    } else {
        "python_version"
    };
    format!("{variable} {op} '{value}'")
}

/// `re.search(r"\d+\.\d+\.\d+", value)`.
fn has_micro(value: &str) -> bool {
    let b = value.as_bytes();
    (0..b.len()).any(|start| {
        let mut i = start;
        for group in 0..3 {
            let s = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == s {
                return false;
            }
            if group < 2 {
                if b.get(i) != Some(&b'.') {
                    return false;
                }
                i += 1;
            }
        }
        true
    })
}

/// pipenv's `_format_pyspec`: `>V` -> `>=` next minor, `<=V` -> `<` next minor, within
/// the known minors.
fn format_pyspec(op: &str, version: &str) -> Result<(String, String), String> {
    let version = version.trim_end();
    let new_op = match op {
        ">" => ">=",
        "<=" => "<",
        _ => return Ok((op.to_string(), version.to_string())),
    };
    if version.starts_with('*') {
        return Ok((op.to_string(), version.to_string()));
    }
    let parts = tuplize(version)
        .ok_or_else(|| format!("version {version:?} has a major or minor that is not a number"))?;
    let major = match parts.first() {
        Some(Part::Int(m)) => *m,
        _ => return Err(format!("version {version:?} has no major")),
    };
    let next_minor = match parts.get(1) {
        Some(Part::Int(m)) => m + 1,
        _ => 1,
    };
    match MAX_MINOR.iter().find(|(m, _)| *m == major) {
        Some((_, max)) if next_minor <= *max => {
            Ok((new_op.to_string(), format!("{major}.{next_minor}")))
        }
        _ => Ok((op.to_string(), version.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::requires_python_marker as m;

    #[test]
    fn common_forms() {
        assert_eq!(m(">=3.8").unwrap().unwrap(), "python_version >= '3.8'");
        assert_eq!(
            m("!=3.0.*,>=2.7").unwrap().unwrap(),
            "python_version >= '2.7' and python_version != '3.0'"
        );
        assert_eq!(
            m(">=3.8.1").unwrap().unwrap(),
            "python_full_version >= '3.8.1'"
        );
        assert_eq!(m(">3.8").unwrap().unwrap(), "python_version >= '3.9'");
        assert_eq!(m("*").unwrap(), None);
        assert!(m("~=3").is_err());
    }
}

/// A parsed marker as `packaging` holds it: a list of items, `and`/`or` and nested lists
/// (one per parenthesized group).
#[derive(Debug)]
enum Node {
    /// `lhs op rhs`, each already serialized (`python_version`, `<`, `"3.9"`).
    Item(String, String, String),
    Bool(&'static str),
    List(Vec<Node>),
}

/// `packaging`'s marker tokenizer and recursive-descent parser, enough to re-serialize.
struct MarkerParser<'a> {
    text: &'a str,
    pos: usize,
}

const MARKER_VARIABLES: [&str; 16] = [
    "python_version",
    "python_full_version",
    "os_name",
    "os.name",
    "sys_platform",
    "sys.platform",
    "platform_release",
    "platform_system",
    "platform_version",
    "platform.version",
    "platform_machine",
    "platform.machine",
    "platform_python_implementation",
    "platform.python_implementation",
    "python_implementation",
    "implementation_name",
];

impl MarkerParser<'_> {
    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn ws(&mut self) {
        let n = self.rest().len() - self.rest().trim_start_matches([' ', '\t']).len();
        self.pos += n;
    }

    /// A word at the position ending at a word boundary (`\bword\b`).
    fn word(&self, word: &str) -> bool {
        let rest = self.rest();
        let before_ok = self.text[..self.pos]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        before_ok
            && rest.starts_with(word)
            && rest[word.len()..]
                .chars()
                .next()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
    }

    fn marker(&mut self) -> Option<Vec<Node>> {
        let mut out = vec![self.atom()?];
        loop {
            let op = if self.word("or") {
                "or"
            } else if self.word("and") {
                "and"
            } else {
                return Some(out);
            };
            self.pos += op.len();
            out.push(Node::Bool(op));
            out.push(self.atom()?);
        }
    }

    fn atom(&mut self) -> Option<Node> {
        self.ws();
        let node = if self.rest().starts_with('(') {
            self.pos += 1;
            self.ws();
            let inner = self.marker()?;
            self.ws();
            if !self.rest().starts_with(')') {
                return None;
            }
            self.pos += 1;
            Node::List(inner)
        } else {
            self.item()?
        };
        self.ws();
        Some(node)
    }

    fn item(&mut self) -> Option<Node> {
        self.ws();
        let lhs = self.var()?;
        self.ws();
        let op = self.op()?;
        self.ws();
        let rhs = self.var()?;
        self.ws();
        Some(Node::Item(lhs, op, rhs))
    }

    fn var(&mut self) -> Option<String> {
        let extra_words = [
            "extras",
            "extra",
            "implementation_version",
            "dependency_groups",
        ];
        if let Some(v) = MARKER_VARIABLES
            .iter()
            .chain(extra_words.iter())
            .filter(|v| self.word(v))
            .max_by_key(|v| v.len())
        {
            self.pos += v.len();
            let v = v.replace('.', "_");
            return Some(if v == "python_implementation" {
                "platform_python_implementation".into()
            } else {
                v
            });
        }
        let quote = self
            .rest()
            .chars()
            .next()
            .filter(|c| *c == '\'' || *c == '"')?;
        let end = self.rest()[1..].find(quote)?;
        let value = &self.rest()[1..1 + end];
        // Python's `ast.literal_eval` would interpret escapes; den does not guess.
        if value.contains('\\') {
            return None;
        }
        let value = format!("\"{value}\"");
        self.pos += end + 2;
        Some(value)
    }

    fn op(&mut self) -> Option<String> {
        if self.word("in") {
            self.pos += 2;
            return Some("in".into());
        }
        if self.word("not") {
            self.pos += 3;
            let before = self.pos;
            self.ws();
            if self.pos == before || !self.word("in") {
                return None;
            }
            self.pos += 2;
            return Some("not in".into());
        }
        let op = ["===", "==", "~=", "!=", "<=", ">=", "<", ">"]
            .into_iter()
            .find(|op| self.rest().starts_with(op))?;
        self.pos += op.len();
        Some(op.into())
    }
}

/// `str(packaging.markers.Marker(text))`: variables and operators spaced by one blank,
/// values in double quotes, legacy names (`os.name`, `python_implementation`) renamed,
/// top-level `extra` values PEP 503-normalized, and parentheses as packaging's
/// `_format_marker` writes them (a group holding a single item or group loses them). `None`
/// when packaging would reject the text.
pub(crate) fn normalize_marker(text: &str) -> Option<String> {
    let mut parser = MarkerParser { text, pos: 0 };
    let mut nodes = parser.marker()?;
    if parser.pos != text.len() {
        return None;
    }
    for node in &mut nodes {
        if let Node::Item(lhs, _, rhs) = node {
            if lhs == "extra" && rhs.starts_with('"') {
                *rhs = format!(
                    "\"{}\"",
                    crate::hash::canonicalize_name(&rhs[1..rhs.len() - 1])
                );
            } else if rhs == "extra" && lhs.starts_with('"') {
                *lhs = format!(
                    "\"{}\"",
                    crate::hash::canonicalize_name(&lhs[1..lhs.len() - 1])
                );
            }
        }
    }
    Some(format_marker(&Node::List(nodes), true))
}

fn format_marker(node: &Node, first: bool) -> String {
    match node {
        Node::List(items) if items.len() == 1 && !matches!(items[0], Node::Bool(_)) => {
            format_marker(&items[0], true)
        }
        Node::List(items) => {
            let inner: Vec<String> = items.iter().map(|n| format_marker(n, false)).collect();
            if first {
                inner.join(" ")
            } else {
                format!("({})", inner.join(" "))
            }
        }
        Node::Item(l, o, r) => format!("{l} {o} {r}"),
        Node::Bool(b) => (*b).to_string(),
    }
}

#[cfg(test)]
mod normalize_tests {
    use super::normalize_marker as n;

    #[test]
    fn like_packaging() {
        assert_eq!(
            n("python_version<'3.9'").unwrap(),
            "python_version < \"3.9\""
        );
        assert_eq!(n("((os.name=='nt'))").unwrap(), "os_name == \"nt\"");
        assert_eq!(
            n("a_b and (sys_platform == 'x' or extra == 'Foo_Bar')"),
            None
        );
        assert_eq!(
            n("python_version>'3' and (sys_platform == 'x' or extra == 'Foo_Bar')").unwrap(),
            "python_version > \"3\" and (sys_platform == \"x\" or extra == \"Foo_Bar\")"
        );
        assert_eq!(n("extra == 'Foo_Bar'").unwrap(), "extra == \"foo-bar\"");
        assert_eq!(n("x == 'a'"), None);
        assert_eq!(n("'a' not  in os_name").unwrap(), "\"a\" not in os_name");
    }
}
