//! What pipenv's commands do with the two files beyond reading and writing them: the lock
//! entries of a Pipfile table, the requirements.txt line of a lock entry
//! (`pipenv requirements`, and what `pipenv sync` hands to pip), the package a `pipenv
//! install ARG` adds, the commands a `[scripts]` entry runs, and `.env` files.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use serde_json::{Map, Value};
use toml_edit::Item;

use crate::markers::normalize_marker;
use crate::{
    LockMeta, LockedPackage, Lockfile, MARKER_KEYS, PackageSpec, PackageTable, Pipfile,
    PipfileError, Script,
};

impl Pipfile {
    /// An empty lock for this Pipfile (`default` and `develop` categories, no packages) with
    /// the `_meta` pipenv writes: the Pipfile's hash, `pipfile-spec` 6, `requires` (the
    /// `[requires]` table's values as written) and its sources.
    ///
    /// Errors: those of [`Pipfile::hash`] and [`Pipfile::sources`].
    pub fn new_lockfile(&self) -> Result<Lockfile, PipfileError> {
        let mut requires = Map::new();
        if let Some(Item::Table(table)) = self.document().get("requires") {
            for (key, item) in table.iter() {
                let value = match item.as_value() {
                    Some(toml_edit::Value::String(s)) => Value::from(s.value().as_str()),
                    Some(toml_edit::Value::Boolean(b)) => Value::from(*b.value()),
                    Some(toml_edit::Value::Integer(i)) => Value::from(*i.value()),
                    Some(toml_edit::Value::Float(f)) => Value::from(*f.value()),
                    _ => continue,
                };
                requires.insert(key.to_string(), value);
            }
        }
        Ok(Lockfile::new(LockMeta::new(
            &self.hash()?,
            requires,
            &self.sources()?,
        )))
    }
}

impl PackageTable {
    /// The markers pipenv's resolver gets for a Pipfile table (pipenv's `translate_markers`
    /// in `pipenv/utils/dependencies.py`): its `markers` (unless they test `extra`) and each
    /// marker key but `os_name` (`sys_platform = "== 'linux'"` -> `sys_platform == "linux"`),
    /// each normalized as packaging writes a marker, de-duplicated, sorted, joined with
    /// `and`, normalized again, with single quotes. `None` when there are none (or packaging
    /// would reject them).
    pub fn resolver_markers(&self) -> Option<String> {
        let mut set: Vec<String> = Vec::new();
        if let Some(markers) = self.markers.as_deref().filter(|m| !m.trim().is_empty()) {
            let normalized = normalize_marker(markers)?;
            if !normalized.contains("extra") {
                set.push(normalized);
            }
        }
        for (key, value) in &self.marker_keys {
            if key != "os_name" && MARKER_KEYS.contains(&key.as_str()) {
                set.push(normalize_marker(&format!("{key} {value}"))?);
            }
        }
        if set.is_empty() {
            return None;
        }
        set.sort();
        set.dedup();
        Some(normalize_marker(&set.join(" and "))?.replace('"', "'"))
    }

    /// pipenv's `_get_pipfile_markers` (`pipenv/utils/resolver.py`), the marker its resolver
    /// folds onto the package of a listed table and along its dependencies: the table's
    /// `sys_platform`, `markers` and `platform_machine`, those given, as written, each in
    /// parentheses, joined with ` and ` (`(sys_platform == 'linux') and (os_name ==
    /// 'posix')`, neither normalized nor sorted). `None` when the table has none of them.
    fn folded_markers(&self) -> Option<String> {
        let key = |name: &str| {
            self.marker_keys
                .iter()
                .find(|(key, value)| key == name && !value.is_empty())
                .map(|(key, value)| format!("{key} {value}"))
        };
        let folded: Vec<String> = [
            key("sys_platform"),
            self.markers.clone().filter(|m| !m.is_empty()),
            key("platform_machine"),
        ]
        .into_iter()
        .flatten()
        .map(|marker| format!("({marker})"))
        .collect();
        (!folded.is_empty()).then(|| folded.join(" and "))
    }

    /// The lock `markers` of a dependency this table brings in (that the Pipfile does not
    /// list): its `folded_markers` as packaging writes them, in single quotes
    /// (`sys_platform == 'linux' and os_name == 'posix'`); `None` without them or when they
    /// test `extra`, and then the dependency takes its own Requires-Python or requirement
    /// marker.
    pub fn dependency_lock_markers(&self) -> Option<String> {
        let normalized = normalize_marker(&self.folded_markers()?)?;
        (!normalized.contains("extra")).then(|| normalized.replace('"', "'"))
    }

    /// The lock `markers` of this table, listed as `key`, once resolved to a release whose
    /// Requires-Python reads as `requires_python` (its `python_version` clauses), as pipenv
    /// writes them. A `markers` key makes them [`PackageTable::resolver_markers`] (pipenv's
    /// `get_locked_dep` puts the Pipfile's keys over the resolved entry; an empty one leaves
    /// none). Otherwise they are built as pipenv's resolver and lock build them:
    ///
    /// 1. the resolved requirement's: `folded_markers`, else
    ///    `requires_python`, else the resolver markers, as packaging writes them;
    /// 2. AND-ed with the resolver markers when `key` is its own `pep423_name` (pipenv looks
    ///    its markers up by the name as written under the lock name: `packaging`,
    ///    `zope.interface` are found, `Six`, `more_itertools` are not), and then with an
    ///    `os_name` key's marker, each as `(A) and (B)` unless the text already holds it;
    /// 3. normalized (none when they test `extra`), then joined with the table's marker
    ///    keys but `os_name`, each normalized, de-duplicated and sorted, and normalized
    ///    again, in single quotes.
    ///
    /// So `packaging = {version = "*", sys_platform = "== 'linux'"}` locks as `sys_platform
    /// == 'linux' and sys_platform == 'linux' and sys_platform == 'linux'`, while under the
    /// key `Packaging` the clause is there once.
    pub fn resolved_lock_markers(
        &self,
        key: &str,
        requires_python: Option<String>,
    ) -> Option<String> {
        if let Some(markers) = &self.markers {
            return self
                .resolver_markers()
                .filter(|_| !markers.trim().is_empty());
        }
        let resolver = self.resolver_markers();
        let mut merged = match self.folded_markers() {
            Some(folded) => Some(folded),
            None => requires_python
                .or_else(|| resolver.clone())
                .and_then(|marker| normalize_marker(&marker)),
        };
        if crate::pep423_name(key) == key
            && let Some(resolver) = &resolver
        {
            merge_marker(&mut merged, normalize_marker(resolver)?);
        }
        if let Some((_, value)) = self.marker_keys.iter().find(|(key, _)| key == "os_name") {
            merge_marker(&mut merged, format!("os_name {value}"));
        }
        let resolved = normalize_marker(&merged?)?;
        if resolved.contains("extra") {
            return None;
        }
        let mut set = vec![resolved];
        for (key, value) in &self.marker_keys {
            if key != "os_name" && MARKER_KEYS.contains(&key.as_str()) {
                set.push(normalize_marker(&format!("{key} {value}"))?);
            }
        }
        set.sort();
        set.dedup();
        Some(normalize_marker(&set.join(" and "))?.replace('"', "'"))
    }

    /// Whether this table has an `os_name` key.
    pub fn has_os_name(&self) -> bool {
        self.marker_keys.iter().any(|(key, _)| key == "os_name")
    }

    /// The keys a lock entry takes over from this table as pipenv's `get_locked_dep` does
    /// (everything but `version` and `ref`): `extras` (sorted), `index`, `editable`, `path`
    /// or `file`, the VCS URL and `subdirectory`. Markers are
    /// [`PackageTable::resolved_lock_markers`].
    pub fn locked_base(&self) -> LockedPackage {
        let mut extras = self.extras.clone();
        extras.sort();
        LockedPackage {
            extras: (!extras.is_empty()).then_some(extras),
            index: self.index.clone(),
            editable: self.editable.then_some(true),
            path: self.path.clone(),
            file: if self.path.is_none() {
                self.file.clone()
            } else {
                None
            },
            git: self.vcs.as_ref().map(|(_, url)| url.clone()),
            subdirectory: self.subdirectory.clone(),
            ..LockedPackage::default()
        }
    }
}

impl PackageTable {
    /// The `version` pipenv's lock gives this table when its resolver did not pin it: the
    /// version as written with `==` before it unless it starts with `==` (`1.0` -> `==1.0`;
    /// pipenv's slip turns `>=1.0` into `==>=1.0` as well); `None` without a version or for
    /// `*`, whose lock entry keeps the version of the entry it starts from.
    pub fn unresolved_lock_version(&self) -> Option<String> {
        let version = self.version.as_deref().filter(|v| !v.is_empty())?;
        let version = if version.starts_with("==") {
            version.to_string()
        } else {
            format!("=={version}")
        };
        (version != "==*").then_some(version)
    }

    /// pipenv's lock entry for this table when its lock markers
    /// ([`PackageTable::resolver_markers`], the marker pipenv's resolver gets) are false where
    /// the lock is made: pipenv's resolver skips the package and its dependencies
    /// (`check_if_package_req_skipped` in `pipenv/utils/resolver.py`) and locks the table
    /// itself (`clean_resolved_dep` in `pipenv/utils/dependencies.py`):
    ///
    /// - `markers`: the lock markers, only when the table has a non-empty `markers` key (a
    ///   lone `sys_platform` key locks without markers);
    /// - `version`: [`PackageTable::unresolved_lock_version`], else `current`'s version;
    /// - `hashes` as given (pipenv finds them for a `==` pin only), `index`, `extras`
    ///   (sorted), `editable` when `written` has the key (even `false`), `path`, `file`,
    ///   the VCS URL and `subdirectory` (no `ref`: den does not look the repository up),
    ///   `no_binary`, `pip_args`;
    /// - when the table's own `markers` are false here (`own_markers_false`) and there is a
    ///   `current` entry, that entry updated with the keys above instead: pipenv keeps the
    ///   previous lock's entry, or on a first lock the Pipfile table as written, with all
    ///   its keys (`sys_platform`, `platform_machine`, ...).
    ///
    /// `written` is the table as written ([`Pipfile::written_tables`]), `current` the entry
    /// pipenv starts from: the previous lock's, else `written`.
    pub fn skipped_lock_entry(
        &self,
        written: &LockedPackage,
        current: Option<&LockedPackage>,
        own_markers_false: bool,
        hashes: Vec<String>,
    ) -> LockedPackage {
        let has_markers = self
            .markers
            .as_deref()
            .is_some_and(|m| !m.trim().is_empty());
        let direct = written.is_direct();
        let mut other = BTreeMap::new();
        if written.other.get("no_binary").is_some_and(truthy) {
            other.insert("no_binary".to_string(), Value::Bool(true));
        }
        if let Some(args) = written.other.get("pip_args").filter(|a| truthy(a)) {
            other.insert("pip_args".to_string(), args.clone());
        }
        let entry = LockedPackage {
            version: if direct {
                None
            } else {
                self.unresolved_lock_version()
                    .or_else(|| current.and_then(|c| c.version.clone()))
            },
            hashes: (!hashes.is_empty()).then_some(hashes),
            markers: if has_markers {
                self.resolver_markers()
            } else {
                None
            },
            editable: written.editable,
            other,
            ..self.locked_base()
        };
        match current {
            Some(current) if has_markers && own_markers_false => {
                let mut merged = current.clone();
                merged.update(entry);
                merged
            }
            _ => entry,
        }
    }
}

/// pipenv's `_merge_markers`: `marker` becomes the entry's markers, or is AND-ed after them as
/// `(A) and (B)` unless their text already holds it.
fn merge_marker(markers: &mut Option<String>, marker: String) {
    match markers {
        None => *markers = Some(marker),
        Some(current) if !current.contains(&marker) => {
            *current = format!("({current}) and ({marker})");
        }
        Some(_) => {}
    }
}

/// Python's truth value of a JSON value.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

impl Pipfile {
    /// The table entries of `category` (its Pipfile name) as written, keyed by name as
    /// written, each read as a lock entry: what pipenv's first lock starts from (plette's
    /// `Lockfile.with_meta_from` copies the Pipfile's categories; `pipenv lock` then drops
    /// the string entries). Entries whose keys do not read as a lock entry's (a `version`
    /// that is not a string...) are left out.
    pub fn written_tables(&self, category: &str) -> BTreeMap<String, LockedPackage> {
        let tables: Vec<(String, toml_edit::InlineTable)> = match self.document().get(category) {
            Some(Item::Table(table)) => table
                .iter()
                .filter_map(|(name, item)| {
                    let table = match item {
                        Item::Value(toml_edit::Value::InlineTable(t)) => t.clone(),
                        Item::Table(t) => t.clone().into_inline_table(),
                        _ => return None,
                    };
                    Some((name.to_string(), table))
                })
                .collect(),
            Some(Item::Value(toml_edit::Value::InlineTable(table))) => table
                .iter()
                .filter_map(|(name, value)| match value {
                    toml_edit::Value::InlineTable(t) => Some((name.to_string(), t.clone())),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        tables
            .into_iter()
            .filter_map(|(name, table)| {
                let value = json_of(&toml_edit::Value::InlineTable(table))?;
                Some((name, serde_json::from_value(value).ok()?))
            })
            .collect()
    }
}

/// A TOML value as JSON; `None` for a date or time, or a float JSON cannot hold.
fn json_of(value: &toml_edit::Value) -> Option<Value> {
    Some(match value {
        toml_edit::Value::String(s) => Value::from(s.value().as_str()),
        toml_edit::Value::Integer(i) => Value::from(*i.value()),
        toml_edit::Value::Float(f) => Value::Number(serde_json::Number::from_f64(*f.value())?),
        toml_edit::Value::Boolean(b) => Value::from(*b.value()),
        toml_edit::Value::Datetime(_) => return None,
        toml_edit::Value::Array(a) => Value::Array(a.iter().map(json_of).collect::<Option<_>>()?),
        toml_edit::Value::InlineTable(t) => Value::Object(
            t.iter()
                .map(|(k, v)| Some((k.to_string(), json_of(v)?)))
                .collect::<Option<_>>()?,
        ),
    })
}

/// The lock `markers` pipenv writes from a requirement's marker (a dependency without a
/// Requires-Python that only some requirement's marker brings in: `pexpect; sys_platform !=
/// "win32"`): as packaging writes it, in single quotes; `None` for a marker that tests
/// `extra` (pipenv's `translate_markers` drops those) or that packaging would reject.
pub fn requirement_lock_marker(marker: &str) -> Option<String> {
    let normalized = normalize_marker(marker)?;
    (!normalized.contains("extra")).then(|| normalized.replace('"', "'"))
}

/// The marker of a requirements-file requirement as pipenv writes it into the Pipfile for
/// `pipenv install -r` (`str(package.markers)`): the text after the first `;` of the
/// requirement part of the logical line `line` (the words before the first option, which
/// starts with `-`), as packaging writes a marker. `None` without one, or when packaging
/// would reject it.
pub fn requirements_line_marker(line: &str) -> Option<String> {
    let requirement: Vec<&str> = line
        .split_whitespace()
        .take_while(|word| !word.starts_with('-'))
        .collect();
    let requirement = requirement.join(" ");
    let (_, marker) = requirement.split_once(';')?;
    normalize_marker(marker.trim())
}

/// The files pipenv reads a local project's name from (`RELEVANT_PROJECT_FILES`): a
/// directory entry whose name ends with one of these.
const PROJECT_NAME_FILES: [&str; 5] = [
    "METADATA",
    "PKG-INFO",
    "setup.py",
    "setup.cfg",
    "pyproject.toml",
];

/// The name of the project in directory `dir` as pipenv finds it for `pipenv install -e
/// PATH` (`find_package_name_from_directory`): the directory's files, then its
/// `.egg-info`/`.dist-info` directories' `METADATA` and `PKG-INFO`, each in name order,
/// the first that names it: `Name:` of `METADATA`/`PKG-INFO`, the `name = "..."` literal
/// of `setup.py`'s `setup(...)` call (pipenv also follows a variable holding a string;
/// den does not), `[metadata] name` of `setup.cfg`, `[project] name` (else
/// `[tool.poetry] name`) of `pyproject.toml`. The name as written there; `None` when none
/// says it.
pub fn project_name_in(dir: &Path) -> Option<String> {
    let mut entries: Vec<(bool, String, std::path::PathBuf)> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let name = entry.file_name().to_string_lossy().into_owned();
            Some((entry.path().is_dir(), name, entry.path()))
        })
        .collect();
    entries.sort();
    for (is_dir, name, path) in entries {
        if !is_dir {
            if PROJECT_NAME_FILES.iter().any(|f| name.ends_with(f))
                && let Some(found) = project_name_from_file(&name, &path)
            {
                return Some(found);
            }
        } else if name.ends_with(".egg-info") || name.ends_with(".dist-info") {
            for file in ["METADATA", "PKG-INFO"] {
                if let Some(found) = project_name_from_file(file, &path.join(file)) {
                    return Some(found);
                }
            }
        }
    }
    None
}

/// The project name the file `path` (called `file_name`) gives, read as
/// [`project_name_in`] reads it.
fn project_name_from_file(file_name: &str, path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let found = match file_name {
        "METADATA" | "PKG-INFO" => text
            .lines()
            .take_while(|line| !line.is_empty())
            .find_map(|line| line.strip_prefix("Name:"))
            .map(|name| name.trim().to_string()),
        "setup.py" => setup_py_name(&text),
        "setup.cfg" => {
            let mut in_metadata = false;
            text.lines().find_map(|line| {
                let line = line.trim();
                if line.starts_with('[') {
                    in_metadata = line == "[metadata]";
                    return None;
                }
                let (key, value) = line.split_once(['=', ':'])?;
                (in_metadata && key.trim() == "name").then(|| value.trim().to_string())
            })
        }
        "pyproject.toml" => {
            let doc: toml_edit::DocumentMut = text.parse().ok()?;
            let name = |table: Option<&Item>| table?.get("name")?.as_str().map(str::to_string);
            name(doc.get("project"))
                .or_else(|| name(doc.get("tool").and_then(|tool| tool.get("poetry"))))
        }
        _ => None,
    };
    found.filter(|name| !name.is_empty())
}

/// The string literal given as `name=` in a `setup.py`'s text (the first `name` keyword
/// followed by a quoted string).
fn setup_py_name(text: &str) -> Option<String> {
    let call = &text[text.find("setup(")?..];
    let mut rest = call;
    while let Some(at) = rest.find("name") {
        let before = rest[..at].chars().next_back();
        let after = rest[at + 4..].trim_start();
        rest = &rest[at + 4..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let Some(value) = after.strip_prefix('=') else {
            continue;
        };
        let value = value.trim_start();
        let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let body = &value[1..];
        return body.find(quote).map(|end| body[..end].to_string());
    }
    None
}

/// A version specifier set as packaging's `str(SpecifierSet(text))` writes it, which is how
/// pipenv writes one into the Pipfile: each comma-separated specifier without spaces,
/// de-duplicated, sorted as strings, joined with `,` (`>=3, <5` -> `<5,>=3`).
pub fn specifier_set_text(text: &str) -> String {
    let specifiers: BTreeSet<String> = text
        .split(',')
        .map(|s| s.split_whitespace().collect::<String>())
        .filter(|s| !s.is_empty())
        .collect();
    specifiers.into_iter().collect::<Vec<_>>().join(",")
}

impl PackageSpec {
    /// The package `pipenv install ARG` adds: `requests` -> `requests = "*"`,
    /// `requests>=2` -> `">=2"` (several specifiers as [`specifier_set_text`] writes them), `requests[socks]==2.1` -> `{extras = ["socks"],
    /// version = "==2.1"}`, with `index` (`-i NAME`) as a table key. Returns the name as
    /// written and the entry.
    ///
    /// Errors: not a package name followed by optional extras and specifiers.
    pub fn from_install_arg(
        arg: &str,
        index: Option<&str>,
    ) -> Result<(String, PackageSpec), String> {
        let arg = arg.trim();
        let end = arg
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
            .unwrap_or(arg.len());
        let (name, mut rest) = arg.split_at(end);
        if name.is_empty() {
            return Err(format!("`{arg}` does not start with a package name"));
        }
        let mut extras = Vec::new();
        if let Some(inner) = rest.strip_prefix('[') {
            let close = inner
                .find(']')
                .ok_or_else(|| format!("`{arg}`: an extra list without its `]`"))?;
            extras = inner[..close]
                .split(',')
                .map(|e| e.trim().to_string())
                .filter(|e| !e.is_empty())
                .collect();
            rest = &inner[close + 1..];
        }
        let version = rest.trim();
        if !version.is_empty()
            && !["==", ">=", "<=", "~=", "!=", ">", "<", "==="]
                .iter()
                .any(|op| version.starts_with(op))
        {
            return Err(format!(
                "`{arg}`: expected a version specifier such as `>=2` after the name"
            ));
        }
        let version = if version.is_empty() {
            "*".to_string()
        } else {
            specifier_set_text(version)
        };
        let spec = if extras.is_empty() && index.is_none() {
            PackageSpec::Version(version)
        } else {
            PackageSpec::Table(PackageTable {
                version: Some(version),
                extras,
                index: index.map(str::to_string),
                ..PackageTable::default()
            })
        };
        Ok((name.to_string(), spec))
    }

    /// The lock entry of this Pipfile entry, listed as `key`, once resolved to a release
    /// whose Requires-Python reads as `requires_python`, before its version, hashes and
    /// extras: a string entry's markers are `requires_python` and its index `default_source`,
    /// but only when `key`'s PEP 503 name is its `pep423_name` (pipenv looks the index up by
    /// one under the other: `jaraco.functools = "*"` locks without one); a table's are
    /// [`PackageTable::resolved_lock_markers`] and [`PackageTable::locked_base`].
    pub fn resolved_lock_entry(
        &self,
        key: &str,
        requires_python: Option<String>,
        default_source: &str,
    ) -> LockedPackage {
        match self {
            PackageSpec::Version(_) => LockedPackage {
                markers: requires_python,
                index: (crate::hash::canonicalize_name(key) == crate::pep423_name(key))
                    .then(|| default_source.to_string()),
                ..LockedPackage::default()
            },
            PackageSpec::Table(table) => LockedPackage {
                markers: table.resolved_lock_markers(key, requires_python),
                ..table.locked_base()
            },
        }
    }

    /// The version this entry sets, as pipenv's `get_version` reads it for messages: the
    /// string (a table's `version`) trimmed, without a leading `(` or trailing `)`; empty
    /// for `*` or a table without a version.
    pub fn pipfile_version(&self) -> &str {
        let version = match self {
            PackageSpec::Version(version) => version.as_str(),
            PackageSpec::Table(table) => table.version.as_deref().unwrap_or(""),
        };
        if version == "*" {
            return "";
        }
        version.trim().trim_start_matches('(').trim_end_matches(')')
    }

    /// The lock markers of a dependency this entry brings in: a table's
    /// [`PackageTable::dependency_lock_markers`]; a string entry gives none.
    pub fn dependency_lock_markers(&self) -> Option<String> {
        match self {
            PackageSpec::Version(_) => None,
            PackageSpec::Table(table) => table.dependency_lock_markers(),
        }
    }

    /// The markers pipenv's resolver gets for this entry: a table's
    /// [`PackageTable::resolver_markers`]; a string entry has none.
    pub fn resolver_markers(&self) -> Option<String> {
        match self {
            PackageSpec::Version(_) => None,
            PackageSpec::Table(table) => table.resolver_markers(),
        }
    }

    /// This entry as pipenv's resolver reads it (`translate_markers` drops the `os_name`
    /// key before the requirement line is made).
    pub fn for_resolver(&self) -> PackageSpec {
        match self {
            PackageSpec::Table(table) if table.has_os_name() => {
                let mut table = table.clone();
                table.marker_keys.retain(|(key, _)| key != "os_name");
                PackageSpec::Table(table)
            }
            other => other.clone(),
        }
    }

    /// Whether pip installs this entry from a path in editable mode.
    pub fn is_editable(&self) -> bool {
        matches!(self, PackageSpec::Table(t) if t.editable)
    }
}

impl LockedPackage {
    /// Whether the entry is a path, file or VCS reference rather than a version from an index.
    pub fn is_direct(&self) -> bool {
        self.path.is_some() || self.file.is_some() || self.git.is_some()
    }

    /// The requirements.txt line for this entry of project `name`, as pipenv's
    /// `requirement_from_lockfile` (`pipenv/utils/dependencies.py`) writes it:
    /// `name[extras]==1.0; markers --hash=sha256:...`, `-e path` or `path; markers` for path
    /// and file entries, `name[extras] @ git+URL@ref#subdirectory=...` (or `-e git+URL@ref#egg=name`
    /// when editable) for VCS ones.
    pub fn requirement_line(&self, name: &str, hashes: bool, markers: bool) -> String {
        let markers = match (&self.markers, markers) {
            (Some(m), true) if !m.is_empty() => format!("; {m}"),
            _ => String::new(),
        };
        let extras = match &self.extras {
            Some(extras) => format!("[{}]", extras.join(",")),
            None => String::new(),
        };
        if let Some(url) = &self.git {
            let git_ref = self.git_ref.as_deref().unwrap_or("");
            let vcs = if url.starts_with("git+") { "" } else { "git+" };
            let reference = if git_ref.is_empty() || url.contains(&format!("@{git_ref}")) {
                String::new()
            } else {
                format!("@{git_ref}")
            };
            if self.editable == Some(true) || url.contains("file://") {
                let egg = if url.contains("#egg=") {
                    String::new()
                } else {
                    format!("#egg={name}")
                };
                let mut line = format!("-e {vcs}{url}{reference}{egg}");
                if let Some(sub) = &self.subdirectory {
                    line.push_str(&format!("&subdirectory={sub}"));
                }
                return line + &extras;
            }
            let mut line = format!("{name}{extras} @ {vcs}{url}{reference}");
            if let Some(sub) = &self.subdirectory {
                line.push_str(&format!("#subdirectory={sub}"));
            }
            return line;
        }
        if let Some(path) = self.path.as_ref().or(self.file.as_ref()) {
            let editable = if self.editable == Some(true) {
                "-e "
            } else {
                ""
            };
            let markers = if markers.is_empty() {
                String::new()
            } else {
                format!(" {markers}")
            };
            return format!("{editable}{path}{markers}");
        }
        let version = self.version.as_deref().filter(|v| *v != "*").unwrap_or("");
        let hashes = match (&self.hashes, hashes) {
            (Some(list), true) if !list.is_empty() => format!(" --hash={}", list.join(" --hash=")),
            _ => String::new(),
        };
        format!("{name}{extras}{version}{markers}{hashes}")
    }
}

impl LockedPackage {
    /// Python's `dict.update` of this entry with `newer`: each key `newer` has replaces
    /// this entry's, the others stay.
    pub fn update(&mut self, newer: LockedPackage) {
        fn take<T>(slot: &mut Option<T>, newer: Option<T>) {
            if newer.is_some() {
                *slot = newer;
            }
        }
        take(&mut self.version, newer.version);
        take(&mut self.hashes, newer.hashes);
        take(&mut self.markers, newer.markers);
        take(&mut self.index, newer.index);
        take(&mut self.extras, newer.extras);
        take(&mut self.editable, newer.editable);
        take(&mut self.path, newer.path);
        take(&mut self.file, newer.file);
        take(&mut self.git, newer.git);
        take(&mut self.git_ref, newer.git_ref);
        take(&mut self.subdirectory, newer.subdirectory);
        self.other.extend(newer.other);
    }
}

impl Lockfile {
    /// The entries of category `name` (`default`, `develop`, a custom one), if the lock has it.
    pub fn category(&self, name: &str) -> Option<&BTreeMap<String, LockedPackage>> {
        self.categories.get(name)
    }

    /// Replaces (or adds) category `name`.
    pub fn set_category(&mut self, name: &str, entries: BTreeMap<String, LockedPackage>) {
        self.categories.insert(name.to_string(), entries);
    }

    /// pipenv's `overwrite_with_default` (`pipenv/routines/lock.py`): in every other
    /// category, a package the `default` category also has takes default's entry, but for
    /// the packages `keep_own` names, whose entries stay as they are (den's: a dependency
    /// default has only for another platform keeps the markers another category gives it).
    pub fn overwrite_with_default(&mut self, keep_own: &BTreeSet<String>) {
        let Some(default) = self.categories.get("default").cloned() else {
            return;
        };
        for (name, entries) in &mut self.categories {
            if name == "default" {
                continue;
            }
            for (package, entry) in entries.iter_mut() {
                if let Some(chosen) = default.get(package)
                    && !keep_own.contains(package)
                {
                    *entry = chosen.clone();
                }
            }
        }
    }

    /// `_meta.hash.sha256`, or the empty text when the lock has none.
    pub fn pipfile_hash(&self) -> &str {
        self.meta
            .as_ref()
            .and_then(|meta| meta.sha256())
            .unwrap_or("")
    }

    /// The sources of `_meta` (`url` of each), in order.
    pub fn source_urls(&self) -> Vec<String> {
        self.meta
            .as_ref()
            .and_then(|meta| meta.sources.as_ref())
            .into_iter()
            .flatten()
            .filter_map(|source| source.get("url")?.as_str().map(str::to_string))
            .collect()
    }

    /// `pipenv requirements`' text for `categories` (lock names), in pipenv's order: the
    /// sources as `-i URL` / `--extra-index-url URL` lines (with `index`), then one
    /// [`LockedPackage::requirement_line`] per package, a package of a later category
    /// replacing the earlier entry of the same name in its place (Python's `dict.update`).
    pub fn requirements(
        &self,
        categories: &[String],
        hashes: bool,
        markers: bool,
        index: bool,
    ) -> String {
        let mut text = String::new();
        if index {
            for (position, url) in self.source_urls().iter().enumerate() {
                let option = if position == 0 {
                    "-i"
                } else {
                    "--extra-index-url"
                };
                text.push_str(&format!("{option} {}\n", brace_vars(url)));
            }
        }
        let mut chosen: Vec<(&String, &LockedPackage)> = Vec::new();
        for category in categories {
            for (name, entry) in self.category(category).into_iter().flatten() {
                match chosen.iter_mut().find(|(n, _)| *n == name) {
                    Some(slot) => slot.1 = entry,
                    None => chosen.push((name, entry)),
                }
            }
        }
        for (name, entry) in chosen {
            text.push_str(&entry.requirement_line(name, hashes, markers));
            text.push('\n');
        }
        text
    }
}

/// `$VAR` written as `${VAR}` (pipenv's `_brace_env_vars`: pip expands only the braced form).
fn brace_vars(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let mut chars = url.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        out.push(c);
        if c != '$' {
            continue;
        }
        let starts_name = chars
            .peek()
            .is_some_and(|(_, n)| n.is_ascii_alphabetic() || *n == '_');
        if !starts_name {
            continue;
        }
        out.push('{');
        while let Some((_, n)) = chars.peek().copied() {
            if n.is_ascii_alphanumeric() || n == '_' {
                out.push(n);
                chars.next();
            } else {
                break;
            }
        }
        out.push('}');
    }
    out
}

impl Script {
    /// The commands the script runs, each as its words (POSIX shell splitting, as pipenv's
    /// `Script.parse`): a string is one command; `{call = "pkg.mod:func('arg')"}` is
    /// `python -c "import pkg.mod as _m; _m.func('arg')"` (`()` added when the function has
    /// none); a list runs its commands in order.
    ///
    /// Errors: a command that cannot be split (an unclosed quote) or is empty.
    pub fn commands(&self) -> Result<Vec<Vec<String>>, String> {
        let split = |text: &str| {
            shlex::split(text)
                .filter(|words| !words.is_empty())
                .ok_or_else(|| format!("cannot split the script command `{text}`"))
        };
        match self {
            Script::Command(text) => Ok(vec![split(text)?]),
            Script::Call(call) => {
                let (module, function) = call.split_once(':').unwrap_or((call, ""));
                let function = if function.contains('(') {
                    function.to_string()
                } else {
                    format!("{function}()")
                };
                Ok(vec![vec![
                    "python".into(),
                    "-c".into(),
                    format!("import {module} as _m; _m.{function}"),
                ]])
            }
            Script::Sequence(items) => items.iter().map(|item| split(item)).collect(),
        }
    }
}

impl Script {
    /// What Python's `len()` gives for the Pipfile's value, which `pipenv scripts` sizes its
    /// second column by: a string's characters, a table's keys (1), a list's items.
    pub fn python_len(&self) -> usize {
        match self {
            Script::Command(text) => text.chars().count(),
            Script::Call(_) => 1,
            Script::Sequence(items) => items.len(),
        }
    }
}

impl fmt::Display for Script {
    /// As `pipenv scripts` shows the Pipfile's value (Python's `str` of what it parsed): the
    /// string itself, `{'call': 'pkg.mod:func'}`, `['cmd one', 'cmd two']`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Script::Command(text) => f.write_str(text),
            Script::Call(call) => write!(f, "{{'call': {}}}", den_dist::python_repr(call)),
            Script::Sequence(items) => {
                let items: Vec<String> = items.iter().map(|i| den_dist::python_repr(i)).collect();
                write!(f, "[{}]", items.join(", "))
            }
        }
    }
}

/// The variables of a `.env` file as pipenv loads them (python-dotenv's format): `KEY=VALUE`
/// lines, optionally `export KEY=VALUE`; `#` comment lines and blank lines skipped; values in
/// single quotes taken literally, in double quotes with `\n`, `\t`, `\"`, `\\` escapes; an
/// unquoted value ends at ` #`; `${VAR}` in unquoted and double-quoted values expanded from
/// the variables above it and the environment. A missing file gives none.
///
/// Errors: the file exists but cannot be read.
pub fn read_dotenv(path: &Path) -> Result<Vec<(String, String)>, den_dist::IoError> {
    use den_dist::IoResultExt as _;
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).at("read", path),
    };
    let mut vars: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim().to_string();
        if key.is_empty() {
            continue;
        }
        let value = value.trim();
        let lookup = |name: &str, vars: &[(String, String)]| {
            vars.iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .or_else(|| std::env::var(name).ok())
                .unwrap_or_default()
        };
        let value = if let Some(inner) = value.strip_prefix('\'') {
            inner.split('\'').next().unwrap_or("").to_string()
        } else if let Some(inner) = value.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => match chars.next() {
                        Some('n') => out.push('\n'),
                        Some('t') => out.push('\t'),
                        Some(other) => out.push(other),
                        None => {}
                    },
                    c => out.push(c),
                }
            }
            expand(&out, |name| lookup(name, &vars))
        } else {
            let raw = value.split(" #").next().unwrap_or("").trim_end();
            expand(raw, |name| lookup(name, &vars))
        };
        vars.push((key, value));
    }
    Ok(vars)
}

/// `text` with each `${NAME}` replaced by `lookup(NAME)` (python-dotenv expands only the
/// braced form).
fn expand(text: &str, lookup: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        let Some(end) = rest[at + 2..].find('}') else {
            break;
        };
        out.push_str(&rest[..at]);
        let name = &rest[at + 2..at + 2 + end];
        let name = name.split(":-").next().unwrap_or(name);
        out.push_str(&lookup(name));
        rest = &rest[at + 3 + end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lock entries pipenv 2026.10 wrote on Linux, first lock, for tables whose markers
    /// are false there (observed against a loopback index).
    #[test]
    fn skipped_tables_lock_as_pipenv_locks_them() {
        let skipped = |table: &str, false_here: bool, hashes: &[&str]| {
            let text = format!("[packages]\nfoo = {table}\n");
            let pipfile = Pipfile::parse(Path::new("Pipfile"), &text).unwrap();
            let (_, PackageSpec::Table(spec)) = pipfile.packages("packages").unwrap().remove(0)
            else {
                panic!("a table");
            };
            let written = pipfile.written_tables("packages").remove("foo").unwrap();
            let hashes = hashes.iter().map(ToString::to_string).collect();
            let entry = spec.skipped_lock_entry(&written, Some(&written), false_here, hashes);
            serde_json::to_string(&entry).unwrap()
        };
        // A lone `sys_platform` key: no markers, not even the key.
        assert_eq!(
            skipped(
                r#"{version = "*", sys_platform = "== 'win32'"}"#,
                false,
                &[]
            ),
            r#"{"version":"*"}"#
        );
        assert_eq!(
            skipped(
                r#"{version = "==306", sys_platform = "== 'win32'"}"#,
                false,
                &["sha256:a"]
            ),
            r#"{"version":"==306","hashes":["sha256:a"]}"#
        );
        // `markers`: normalized, in single quotes; the table's other keys kept.
        assert_eq!(
            skipped(
                r#"{version = "*", markers = "sys_platform == \"win32\" or platform_system == \"Windows\""}"#,
                true,
                &[]
            ),
            r#"{"version":"*","markers":"sys_platform == 'win32' or platform_system == 'Windows'"}"#
        );
        assert_eq!(
            skipped(
                r#"{version = "==1.1", platform_machine = "== 'arm64'", markers = "sys_platform == \"darwin\""}"#,
                true,
                &["sha256:b"]
            ),
            r#"{"version":"==1.1","hashes":["sha256:b"],"markers":"platform_machine == 'arm64' and sys_platform == 'darwin'","platform_machine":"== 'arm64'"}"#
        );
        assert_eq!(
            skipped(
                r#"{version = "*", extras = ["y", "x"], markers = "python_version < '3'", editable = false, index = "local"}"#,
                true,
                &[]
            ),
            r#"{"version":"*","markers":"python_version < '3'","index":"local","extras":["x","y"],"editable":false}"#
        );
        // Versions as pipenv rewrites them, its `==>=` slip included.
        assert_eq!(
            skipped(
                r#"{version = "1.0", markers = "os_name == 'nt'"}"#,
                true,
                &[]
            ),
            r#"{"version":"==1.0","markers":"os_name == 'nt'"}"#
        );
        assert_eq!(
            skipped(
                r#"{version = ">=1.0", markers = "os_name == 'nt'"}"#,
                true,
                &[]
            ),
            r#"{"version":"==>=1.0","markers":"os_name == 'nt'"}"#
        );
    }

    #[test]
    fn update_replaces_the_keys_the_newer_entry_has() {
        let mut entry: LockedPackage =
            serde_json::from_str(r#"{"version": "==1", "index": "a", "os_name": "== 'nt'"}"#)
                .unwrap();
        entry
            .update(serde_json::from_str(r#"{"version": "==2", "hashes": ["sha256:c"]}"#).unwrap());
        assert_eq!(
            serde_json::to_string(&entry).unwrap(),
            r#"{"version":"==2","hashes":["sha256:c"],"index":"a","os_name":"== 'nt'"}"#
        );
    }

    #[test]
    fn install_arguments_become_pipfile_entries() {
        let spec = |arg: &str| PackageSpec::from_install_arg(arg, None).unwrap();
        assert_eq!(
            spec("requests"),
            ("requests".into(), PackageSpec::Version("*".into()))
        );
        assert_eq!(
            spec("Django>=4, <5").1,
            PackageSpec::Version("<5,>=4".into())
        );
        assert_eq!(specifier_set_text(" >= 1.0 ,!=1.5,>=1.0"), "!=1.5,>=1.0");
        assert_eq!(
            requirements_line_marker("a>=1;python_version>='3.8' --hash=sha256:00").as_deref(),
            Some("python_version >= \"3.8\"")
        );
        assert_eq!(requirements_line_marker("a>=1 --hash=sha256:00"), None);
        let (name, PackageSpec::Table(table)) = spec("requests[socks]==2.1") else {
            panic!("a table");
        };
        assert_eq!(name, "requests");
        assert_eq!(table.extras, ["socks"]);
        assert_eq!(table.version.as_deref(), Some("==2.1"));
        assert!(PackageSpec::from_install_arg("requests 2", None).is_err());
        assert!(PackageSpec::from_install_arg(">=1", None).is_err());
    }

    #[test]
    fn local_projects_are_named_as_pipenv_names_them() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        assert_eq!(project_name_in(dir.path()), None);
        write(
            "setup.py",
            "from setuptools import setup\nsetup(version='1', name = 'From_Setup')\n",
        );
        assert_eq!(project_name_in(dir.path()).as_deref(), Some("From_Setup"));
        write(
            "setup.cfg",
            "[options]\nname = no\n[metadata]\nname = from-cfg\n",
        );
        assert_eq!(project_name_in(dir.path()).as_deref(), Some("from-cfg"));
        write("pyproject.toml", "[tool.poetry]\nname = \"Poetry.Name\"\n");
        assert_eq!(project_name_in(dir.path()).as_deref(), Some("Poetry.Name"));
        write(
            "PKG-INFO",
            "Metadata-Version: 2.1\nName: From-Pkg-Info\n\nName: body\n",
        );
        assert_eq!(
            project_name_in(dir.path()).as_deref(),
            Some("From-Pkg-Info")
        );
    }

    #[test]
    fn lock_lines_are_pipenvs() {
        let entry = LockedPackage {
            version: Some("==1.0".into()),
            hashes: Some(vec!["sha256:aa".into(), "sha256:bb".into()]),
            markers: Some("python_version >= '3.8'".into()),
            extras: Some(vec!["fast".into()]),
            ..LockedPackage::default()
        };
        assert_eq!(
            entry.requirement_line("pkg", true, true),
            "pkg[fast]==1.0; python_version >= '3.8' --hash=sha256:aa --hash=sha256:bb"
        );
        assert_eq!(
            entry.requirement_line("pkg", false, false),
            "pkg[fast]==1.0"
        );
        let path = LockedPackage {
            path: Some("./lib".into()),
            editable: Some(true),
            ..LockedPackage::default()
        };
        assert_eq!(path.requirement_line("lib", true, true), "-e ./lib");
        assert_eq!(
            brace_vars("https://$USER:${PASS}@host/$X_1/"),
            "https://${USER}:${PASS}@host/${X_1}/"
        );
    }

    #[test]
    fn table_markers_are_translated() {
        let table = PackageTable {
            markers: Some("os_name=='posix'".into()),
            marker_keys: vec![
                ("sys_platform".into(), "== 'linux'".into()),
                ("os_name".into(), "== 'nt'".into()),
            ],
            ..PackageTable::default()
        };
        assert_eq!(
            table.resolver_markers().as_deref(),
            Some("os_name == 'posix' and sys_platform == 'linux'")
        );
        assert_eq!(
            table.resolved_lock_markers("pkg", None).as_deref(),
            Some("os_name == 'posix' and sys_platform == 'linux'")
        );
        // A dependency takes the keys pipenv's resolver folds, as written and in its order.
        assert_eq!(
            table.dependency_lock_markers().as_deref(),
            Some("sys_platform == 'linux' and os_name == 'posix'")
        );
        let os_name_only = PackageTable {
            marker_keys: vec![("os_name".into(), "== 'posix'".into())],
            ..PackageTable::default()
        };
        assert_eq!(os_name_only.resolver_markers(), None);
        assert_eq!(os_name_only.dependency_lock_markers(), None);
        assert_eq!(
            os_name_only.resolved_lock_markers("pkg", None).as_deref(),
            Some("os_name == 'posix'")
        );
        assert_eq!(
            os_name_only
                .resolved_lock_markers(
                    "pkg",
                    Some("python_version >= '3.8' and python_version != '3.9'".into())
                )
                .as_deref(),
            Some("(python_version >= '3.8' and python_version != '3.9') and os_name == 'posix'")
        );
        // A marker key true here: pipenv's lock repeats it when the key is its own
        // pep423_name, as the real pipenv 2026.10.3 writes it.
        let linux = PackageTable {
            marker_keys: vec![("sys_platform".into(), "== 'linux'".into())],
            ..PackageTable::default()
        };
        assert_eq!(
            linux.resolved_lock_markers("packaging", None).as_deref(),
            Some("sys_platform == 'linux' and sys_platform == 'linux' and sys_platform == 'linux'")
        );
        assert_eq!(
            linux
                .resolved_lock_markers("more_itertools", None)
                .as_deref(),
            Some("sys_platform == 'linux'")
        );
        assert_eq!(
            PackageTable::default().resolved_lock_markers("pkg", None),
            None
        );
        assert_eq!(
            requirement_lock_marker("sys_platform != \"win32\" and sys_platform != 'emscripten'")
                .as_deref(),
            Some("sys_platform != 'win32' and sys_platform != 'emscripten'")
        );
        assert_eq!(requirement_lock_marker("extra == 'x'"), None);
    }

    #[test]
    fn scripts_run_as_pipenv_runs_them() {
        assert_eq!(
            Script::Call("pkg.mod:main".into()).commands().unwrap(),
            [["python", "-c", "import pkg.mod as _m; _m.main()"]]
        );
        assert_eq!(
            Script::Sequence(vec!["a 'b c'".into(), "d".into()])
                .commands()
                .unwrap(),
            [vec!["a", "b c"], vec!["d"]]
        );
        assert_eq!(Script::Call("m:f".into()).to_string(), "{'call': 'm:f'}");
        assert_eq!(
            Script::Sequence(vec!["a 'b'".into(), "c\\d".into()]).to_string(),
            "[\"a 'b'\", 'c\\\\d']"
        );
    }

    #[test]
    fn dotenv_files_load_as_python_dotenv_loads_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(
            &path,
            "# comment\nexport A=1\nB = 'x ${A}'\nC=\"line\\nnext ${A}\"\nD=plain # note\nE=${A}${B}\n",
        )
        .unwrap();
        let vars = read_dotenv(&path).unwrap();
        let get = |k: &str| vars.iter().find(|(key, _)| key == k).unwrap().1.clone();
        assert_eq!(get("A"), "1");
        assert_eq!(get("B"), "x ${A}");
        assert_eq!(get("C"), "line\nnext 1");
        assert_eq!(get("D"), "plain");
        assert_eq!(get("E"), "1x ${A}");
        assert!(read_dotenv(&dir.path().join("missing")).unwrap().is_empty());
    }
}
