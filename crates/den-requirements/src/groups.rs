//! PEP 735 dependency groups: the `[dependency-groups]` table of a pyproject.toml, read as
//! pip's `--group [path:]name` reads it (`packaging.dependency_groups`): group names compared
//! normalized (PEP 503), each group a list of PEP 508 requirement strings and
//! `{include-group = "name"}` tables, includes followed depth first, a cycle an error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use toml::Value;

use crate::RequirementsError;

/// How deep includes may nest: far beyond real projects, well within the stack.
const MAX_INCLUDE_DEPTH: usize = 256;

/// A `--group` value split as pip splits it (`[path:]name`, at the last `:`): the file
/// (`pyproject.toml` in the working directory when none is given) and the group's name.
pub(crate) fn split_group_argument(value: &str) -> (PathBuf, String) {
    match value.rsplit_once(':') {
        Some((path, name)) => (PathBuf::from(path), name.to_string()),
        None => (PathBuf::from("pyproject.toml"), value.to_string()),
    }
}

/// The requirements of dependency group `group` of the pyproject.toml at `path`, includes
/// resolved, in order (as written; a requirement included twice is listed twice, as pip
/// lists it).
///
/// Errors: [`RequirementsError::DependencyGroup`] naming the file and what is wrong: it cannot
/// be read or is not TOML, has no `[dependency-groups]` table, two groups share a normalized
/// name, the group (or one it includes) is missing, an item is neither a valid requirement
/// string nor an `{include-group = "..."}` table, or the includes form a cycle.
pub fn dependency_group(path: &Path, group: &str) -> Result<Vec<String>, RequirementsError> {
    let text = std::fs::read_to_string(path).map_err(|e| RequirementsError::DependencyGroup {
        path: path.to_path_buf(),
        message: format!("cannot be read: {e}"),
    })?;
    dependency_group_in(&text, path, group)
}

/// As [`dependency_group`], for the pyproject.toml text `text` read from `path`.
///
/// Errors: as [`dependency_group`].
pub fn dependency_group_in(
    text: &str,
    path: &Path,
    group: &str,
) -> Result<Vec<String>, RequirementsError> {
    let fail = |message: String| RequirementsError::DependencyGroup {
        path: path.to_path_buf(),
        message,
    };
    let document: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| fail(format!("is not valid TOML: {}", e.message())))?;
    let table = match document.get("dependency-groups") {
        Some(Value::Table(table)) => table,
        Some(_) => return Err(fail("[dependency-groups] is not a table".into())),
        None => {
            return Err(fail(format!(
                "has no [dependency-groups] table, so `--group {group}` cannot be read from it"
            )));
        }
    };
    let mut groups: BTreeMap<String, (&str, &Value)> = BTreeMap::new();
    for (name, value) in table {
        if let Some((earlier, _)) = groups.insert(normalize(name), (name, value)) {
            return Err(fail(format!(
                "[dependency-groups] names `{earlier}` and `{name}` are the same group"
            )));
        }
    }
    let mut out = Vec::new();
    expand(&groups, &normalize(group), &mut Vec::new(), &mut out).map_err(fail)?;
    Ok(out)
}

/// Appends the requirements of group `name` (normalized) to `out`, `path` being the groups
/// being expanded (for cycles).
fn expand(
    groups: &BTreeMap<String, (&str, &Value)>,
    name: &str,
    path: &mut Vec<String>,
    out: &mut Vec<String>,
) -> Result<(), String> {
    if path.len() >= MAX_INCLUDE_DEPTH {
        return Err(format!(
            "dependency group `{}` nests includes deeper than {MAX_INCLUDE_DEPTH}",
            path[0]
        ));
    }
    if path.iter().any(|seen| seen == name) {
        return Err(format!(
            "dependency group `{}` includes itself: {} -> {name}",
            path[0],
            path.join(" -> ")
        ));
    }
    let Some((written, value)) = groups.get(name) else {
        let known: Vec<&str> = groups.values().map(|(written, _)| *written).collect();
        return Err(format!(
            "has no dependency group `{name}` (its groups: {})",
            known.join(", ")
        ));
    };
    let Value::Array(items) = value else {
        return Err(format!(
            "dependency group `{written}` is not a list of requirements"
        ));
    };
    path.push(name.to_string());
    for item in items {
        match item {
            Value::String(text) => {
                den_dist::parse_requirement(text).map_err(|e| {
                    format!(
                        "dependency group `{written}`: invalid requirement `{}`: {}",
                        den_dist::escape_controls(text),
                        e.message()
                    )
                })?;
                out.push(text.clone());
            }
            Value::Table(table) => match (table.get("include-group"), table.len()) {
                (Some(Value::String(included)), 1) => {
                    expand(groups, &normalize(included), path, out)?;
                }
                _ => {
                    return Err(format!(
                        "dependency group `{written}`: `{item}` is not an {{include-group = \"NAME\"}} table"
                    ));
                }
            },
            other => {
                return Err(format!(
                    "dependency group `{written}`: `{other}` is neither a requirement string nor an include-group table"
                ));
            }
        }
    }
    path.pop();
    Ok(())
}

/// PEP 503's normalized form of a name: lowercase, each run of `-`, `_`, `.` one `-`.
pub(crate) fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut separator = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            separator = true;
        } else {
            if separator && !out.is_empty() {
                out.push('-');
            }
            separator = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pyproject.toml");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn groups_expand_their_includes_in_order() {
        let (_dir, path) = with(
            "[dependency-groups]\nTest = [\"pytest>=8\", {include-group = \"lint_tools\"}, \"coverage\"]\n\
             lint-tools = [\"ruff\", {include-group = \"typing\"}]\ntyping = [\"mypy; python_version >= '3.9'\"]\n",
        );
        assert_eq!(
            dependency_group(&path, "test").unwrap(),
            [
                "pytest>=8",
                "ruff",
                "mypy; python_version >= '3.9'",
                "coverage"
            ]
        );
        assert_eq!(dependency_group(&path, "LINT.TOOLS").unwrap().len(), 2);
    }

    #[test]
    fn bad_groups_are_named() {
        for (text, group, expected) in [
            (
                "[project]\nname = \"x\"\n",
                "dev",
                "has no [dependency-groups] table",
            ),
            (
                "[dependency-groups]\na = [\"x\"]\n",
                "dev",
                "has no dependency group `dev` (its groups: a)",
            ),
            (
                "[dependency-groups]\na = [{include-group = \"b\"}]\nb = [{include-group = \"A\"}]\n",
                "a",
                "includes itself: a -> b -> a",
            ),
            ("[dependency-groups]\na = \"x\"\n", "a", "is not a list"),
            (
                "[dependency-groups]\na = [\"x >=\"]\n",
                "a",
                "invalid requirement `x >=`",
            ),
            (
                "[dependency-groups]\na = [{include = \"b\"}]\n",
                "a",
                "is not an {include-group",
            ),
            (
                "[dependency-groups]\na_b = []\nA-B = []\n",
                "a-b",
                "are the same group",
            ),
            ("[dependency-groups\n", "a", "is not valid TOML"),
        ] {
            let (_dir, path) = with(text);
            let message = dependency_group(&path, group).unwrap_err().to_string();
            assert!(message.contains(expected), "{text}: {message}");
            assert!(message.contains("pyproject.toml"), "{message}");
        }
    }

    #[test]
    fn group_arguments_split_at_the_last_colon() {
        assert_eq!(
            split_group_argument("dev"),
            (PathBuf::from("pyproject.toml"), "dev".to_string())
        );
        assert_eq!(
            split_group_argument("C:/p/pyproject.toml:test"),
            (PathBuf::from("C:/p/pyproject.toml"), "test".to_string())
        );
    }
}
