//! The `Pipfile`: read (kept as a `toml_edit` document so edits keep comments and order),
//! typed accessors, pipenv's edits and pipenv's writer.
//!
//! pipenv's writer (`Pipfile.write_toml` in `pipenv/utils/pipfile.py`) turns every outline
//! table inside a package category (`[packages.django]`) into an inline table at its key,
//! then `cleanup_toml` (`pipenv/utils/toml.py`): runs of blank lines become one, a blank
//! line goes before every line starting with `[`, trailing blank lines go and the text ends
//! with one newline; lines end in the style of the file read.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use den_dist::IoResultExt as _;
use toml_edit::{DocumentMut, InlineTable, Item, Table, Value};

use crate::{PipfileError, Source};

/// Top-level tables that are not package categories (pipenv's `NON_CATEGORY_SECTIONS`).
/// Note that `pipfile` is not among them, though the hash leaves it out.
pub const NON_CATEGORY_SECTIONS: [&str; 5] =
    ["build-system", "pipenv", "requires", "scripts", "source"];

/// The marker short-hands a package table may hold (`sys_platform = "== 'linux'"`), in the
/// order of pipenv's `PipenvMarkers` fields.
pub const MARKER_KEYS: [&str; 11] = [
    "os_name",
    "sys_platform",
    "platform_machine",
    "platform_python_implementation",
    "platform_release",
    "platform_system",
    "platform_version",
    "python_version",
    "python_full_version",
    "implementation_name",
    "implementation_version",
];

/// The keys plette accepts in a package table besides [`MARKER_KEYS`] (its
/// `KNOWN_PACKAGE_KEYS`; the hash's validation uses them too).
pub(crate) const OTHER_KEYS: [&str; 19] = [
    "git",
    "svn",
    "hg",
    "bzr",
    "ref",
    "subdirectory",
    "name",
    "version",
    "extras",
    "editable",
    "markers",
    "os_markers",
    "hashes",
    "index",
    "no_binary",
    "pip_args",
    "skip_resolver",
    "path",
    "file",
];
/// A package category: its Pipfile table and its name in the lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// The Pipfile table: `packages`, `dev-packages`, or a custom name.
    pub name: String,
    /// The lock's key: `default`, `develop`, or the same custom name.
    pub lock_name: String,
}

impl Category {
    /// The category the Pipfile table `name` is, with its lock name: `packages` is
    /// `default`, `dev-packages` `develop`, any other keeps its name (pipenv's
    /// `get_lockfile_section_using_pipfile_category`).
    pub fn named(name: &str) -> Self {
        let lock_name = match name {
            "packages" => "default",
            "dev-packages" => "develop",
            other => other,
        };
        Category {
            name: name.to_string(),
            lock_name: lock_name.to_string(),
        }
    }
}

/// A version-control system a package table can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vcs {
    /// `git = "https://..."`.
    Git,
    /// `hg = ...`.
    Hg,
    /// `svn = ...`.
    Svn,
    /// `bzr = ...`.
    Bzr,
}

impl Vcs {
    /// The key and URL scheme prefix: `git`, `hg`, `svn`, `bzr`.
    pub fn as_str(self) -> &'static str {
        match self {
            Vcs::Git => "git",
            Vcs::Hg => "hg",
            Vcs::Svn => "svn",
            Vcs::Bzr => "bzr",
        }
    }
}

/// A package entry: `requests = "*"` or `requests = {version = ">=2", extras = ["socks"]}`.
// A Pipfile holds tens of entries, read once: the size of the table variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackageSpec {
    /// A version specifier: `*`, `==1.2`, `>=1,<2` (a bare `1.2` means `==1.2` to pipenv).
    Version(String),
    /// A table.
    Table(PackageTable),
}

/// The keys of a package table den reads; pipenv's other known keys (`hashes`, `pip_args`,
/// `no_binary`, `skip_resolver`, `os_markers`, `name`) are accepted and left in the document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackageTable {
    /// `version`.
    pub version: Option<String>,
    /// `extras`.
    pub extras: Vec<String>,
    /// `markers`: PEP 508 markers.
    pub markers: Option<String>,
    /// The marker short-hands present ([`MARKER_KEYS`]), key and value as written
    /// (`("sys_platform", "== 'linux'")`).
    pub marker_keys: Vec<(String, String)>,
    /// `index`: a source name.
    pub index: Option<String>,
    /// `editable`.
    pub editable: bool,
    /// `path`.
    pub path: Option<String>,
    /// `file`.
    pub file: Option<String>,
    /// `git`/`hg`/`svn`/`bzr` and its URL.
    pub vcs: Option<(Vcs, String)>,
    /// `ref`.
    pub git_ref: Option<String>,
    /// `subdirectory`.
    pub subdirectory: Option<String>,
}

impl PackageSpec {
    /// The line pipenv hands pip for this entry (`install_req_from_pipfile` and
    /// `handle_non_vcs_requirement` in `pipenv/utils/dependencies.py`):
    ///
    /// * a version: `name[extras]SPEC` (`*` and `==*` give no specifier, a bare version gets
    ///   `==`), then `;MARKERS` from the table's markers and marker keys as
    ///   `PipenvMarkers.from_pipfile` makes them: sorted, joined with ` and `, normalized as
    ///   `packaging` writes a marker (`python_version < "3.9"`), and none at all when a
    ///   `sys_platform` or `platform_machine` key is set (pipenv's slip) or they do not parse;
    /// * a VCS entry: `name[extras] @ vcs+URL@REF[extras]#subdirectory=...` (REF from `ref`,
    ///   else an `@ref` at the end of the URL's path, else empty, which pipenv writes as a
    ///   bare trailing `@`), `-e ` before it when editable;
    /// * a `path`/`file` entry: the path or URL (`name[extras] @ URL` for a URL with
    ///   extras, else `PATH[extras]`), `-e ` before it when editable. pipenv also makes a
    ///   local path relative to its working directory; den passes it as written.
    pub fn to_pip_line(&self, name: &str) -> String {
        let table = match self {
            PackageSpec::Version(v) => {
                if let Some(vcs) = [Vcs::Git, Vcs::Svn, Vcs::Hg, Vcs::Bzr]
                    .into_iter()
                    .find(|vcs| v.starts_with(&format!("{}+", vcs.as_str())))
                {
                    PackageTable {
                        vcs: Some((vcs, v.clone())),
                        ..PackageTable::default()
                    }
                } else {
                    PackageTable {
                        version: Some(v.clone()),
                        ..PackageTable::default()
                    }
                }
            }
            PackageSpec::Table(t) => t.clone(),
        };
        let extras = if table.extras.is_empty() {
            String::new()
        } else {
            format!("[{}]", table.extras.join(","))
        };
        if let Some((vcs, url)) = &table.vcs {
            let (url, fallback_ref) = split_vcs_ref(url);
            let git_ref = table.git_ref.clone().unwrap_or(fallback_ref);
            let mut req = format!("{url}@{git_ref}{extras}");
            if !req.starts_with(&format!("{}+", vcs.as_str())) {
                req = format!("{}+{req}", vcs.as_str());
            }
            let sub = table
                .subdirectory
                .as_deref()
                .filter(|s| !s.is_empty())
                .map_or_else(String::new, |s| format!("#subdirectory={s}"));
            let editable = if table.editable { "-e " } else { "" };
            return format!("{editable}{name}{extras} @ {req}{sub}");
        }
        if let Some(path) = table.path.as_ref().or(table.file.as_ref()) {
            let is_url = ["http:", "https:", "ftp:", "file:"]
                .iter()
                .any(|p| path.starts_with(p));
            let mut req = path.clone();
            if !extras.is_empty() {
                req = if is_url {
                    format!("{name}{extras} @ {req}")
                } else {
                    format!("{req}{extras}")
                };
            }
            if table.editable {
                req = format!("-e {req}");
            }
            return req;
        }
        let mut version = table.version.clone().unwrap_or_default();
        if version == "*" || version == "==*" {
            version.clear();
        } else if !version.is_empty()
            && ![">=", "<=", "~=", "!=", "==", ">", "<"]
                .iter()
                .any(|op| version.starts_with(op))
        {
            version = format!("=={version}");
        }
        let mut line = format!("{name}{extras}{version}");
        if let Some(markers) = pipenv_markers(&table) {
            line.push(';');
            line.push_str(&markers);
        }
        line
    }
}

/// pipenv's `PipenvMarkers.from_pipfile`: `KEY VALUE` for each marker short-hand (in
/// [`MARKER_KEYS`] order), `markers`, and (pipenv's slip) `sys_platform 'VALUE'` and
/// `platform_machine 'VALUE'` again when those keys are set, which never parses, so any
/// `sys_platform` or `platform_machine` key drops every marker; the strings deduplicated,
/// sorted, joined with ` and ` and normalized as `str(Marker(...))`.
fn pipenv_markers(table: &PackageTable) -> Option<String> {
    let get = |k: &str| {
        table
            .marker_keys
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    if get("sys_platform").is_some_and(|v| !v.is_empty())
        || get("platform_machine").is_some_and(|v| !v.is_empty())
    {
        return None;
    }
    let mut strings: Vec<String> = MARKER_KEYS
        .iter()
        .filter_map(|k| get(k).map(|v| format!("{k} {v}")))
        .collect();
    if let Some(m) = table.markers.as_ref().filter(|m| !m.is_empty()) {
        strings.push(m.clone());
    }
    if strings.is_empty() {
        return None;
    }
    strings.sort();
    strings.dedup();
    crate::markers::normalize_marker(&strings.join(" and "))
}

/// A URL as pipenv's `is_url_equal` compares it: scheme, host and path, without
/// credentials, query or fragment.
fn url_key(url: &str) -> String {
    let url = url.split(['?', '#']).next().unwrap_or(url);
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let rest =
                rest.split_once('@').map_or(
                    rest,
                    |(auth, after)| {
                        if auth.contains('/') { rest } else { after }
                    },
                );
            format!("{}://{rest}", scheme.to_lowercase())
        }
        None => url.to_string(),
    }
}

/// pipenv's `normalize_vcs_url`: an `@` in the URL's path splits off a ref at the last `@`.
fn split_vcs_ref(url: &str) -> (String, String) {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let path_start = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |i| after_scheme + i);
    if url[path_start..].contains('@')
        && let Some(at) = url.rfind('@')
    {
        return (url[..at].to_string(), url[at + 1..].to_string());
    }
    (url.to_string(), String::new())
}

/// `[requires]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requires {
    /// `python_version` (`"3.11"`).
    pub python_version: Option<String>,
    /// `python_full_version` (`"3.11.4"`).
    pub python_full_version: Option<String>,
}

/// A `[scripts]` entry, the three forms pipenv 2026.10 accepts (`Script.parse` in
/// `pipenv/cmdparse.py`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Script {
    /// `test = "pytest -x"`: a command line, shell-split (POSIX) when run.
    Command(String),
    /// `check = {call = "pkg.mod:func()"}`: pipenv runs
    /// `python -c "import pkg.mod as _m; _m.func()"` (`()` added when the text has no
    /// parentheses).
    Call(String),
    /// `lint = ["ruff check .", "ruff format --check ."]`: commands run in order, stopping
    /// at the first failure; extra arguments go to the last.
    Sequence(Vec<String>),
}

/// `[pipenv]` settings pipenv reads from the Pipfile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// `allow_prereleases`.
    pub allow_prereleases: bool,
    /// `sort_pipfile`: keep each edited category sorted by name.
    pub sort_pipfile: bool,
    /// `use_pylock`: write `pylock.toml` beside the lock.
    pub use_pylock: bool,
    /// `pylock_name`: the lock pipenv writes is `pylock.<name>.toml` instead.
    pub pylock_name: Option<String>,
    /// `disable_pip_input`.
    pub disable_pip_input: bool,
    /// `install_search_all_sources`.
    pub install_search_all_sources: bool,
    /// `venv_in_project`: `Some` when the Pipfile sets it.
    pub venv_in_project: Option<bool>,
}

/// A Pipfile held as a `toml_edit` document, with the path it belongs to and the newline
/// style it was read with.
#[derive(Debug, Clone)]
pub struct Pipfile {
    path: PathBuf,
    doc: DocumentMut,
    newline: &'static str,
}

impl Pipfile {
    /// Reads and parses `path` (UTF-8; a leading BOM is ignored, as pipenv reads with
    /// `utf-8-sig`).
    ///
    /// # Errors
    ///
    /// [`PipfileError::Io`] when it cannot be read, [`PipfileError::Toml`] (`file:line:column:
    /// what`) when it is not TOML.
    pub fn read(path: &Path) -> Result<Self, PipfileError> {
        let bytes = std::fs::read(path).at("read", path)?;
        let text = String::from_utf8_lossy(&bytes);
        Self::parse(path, &text)
    }

    /// Parses Pipfile text; `path` is where it belongs (named in errors, written by
    /// [`Pipfile::write`]).
    ///
    /// # Errors
    ///
    /// [`PipfileError::Toml`] when the text is not TOML.
    pub fn parse(path: &Path, text: &str) -> Result<Self, PipfileError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let newline = crate::newline_style(text);
        let doc = text
            .parse::<DocumentMut>()
            .map_err(|e| PipfileError::toml(path, text, &e))?;
        Ok(Pipfile {
            path: path.to_path_buf(),
            doc,
            newline,
        })
    }

    /// The Pipfile pipenv creates for a new project (`Project.create_pipfile`): PyPI as its
    /// one source (named `pypi`, its URL `mirror` when given: pipenv writes
    /// `PIPENV_PYPI_MIRROR` there), empty `[packages]` and `[dev-packages]`, and, when `python_version` (the
    /// environment's Python, e.g. `3.11.4`) is given, `[requires]` with `python_version` =
    /// its first two parts, plus `python_full_version` = all of it when `full` (pipenv adds
    /// that when a Python was asked for: `--python` or `PIPENV_PYTHON`) and it has three
    /// parts or more. (pipenv's code also looks for pip's extra indexes there, but reads
    /// the option's default, which is always empty.)
    pub fn new_default(
        path: &Path,
        mirror: Option<&str>,
        python_version: Option<&str>,
        full: bool,
    ) -> Self {
        let mut source = Source::pypi();
        if let Some(url) = mirror {
            source.url = url.to_string();
        }
        let mut text = format!(
            "[[source]]\nurl = {}\nverify_ssl = {}\nname = {}\n",
            Value::from(source.url.as_str()),
            source.verify_ssl,
            Value::from(source.name.as_str())
        );
        text.push_str("\n[packages]\n\n[dev-packages]\n");
        if let Some(version) = python_version {
            let short: Vec<&str> = version.split('.').take(2).collect();
            text.push_str(&format!(
                "\n[requires]\npython_version = {}\n",
                Value::from(short.join("."))
            ));
            if full && version.split('.').count() > 2 {
                text.push_str(&format!("python_full_version = {}\n", Value::from(version)));
            }
        }
        // The text is built from valid TOML pieces.
        let doc = text.parse::<DocumentMut>().unwrap_or_default();
        Pipfile {
            path: path.to_path_buf(),
            doc,
            newline: "\n",
        }
    }

    /// The path the Pipfile was read from (or will be written to).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The document, comments and order included.
    pub fn document(&self) -> &DocumentMut {
        &self.doc
    }

    /// The document to edit freely.
    pub fn document_mut(&mut self) -> &mut DocumentMut {
        &mut self.doc
    }

    fn shape(&self, table: &str, key: &str, expected: &str) -> PipfileError {
        PipfileError::Shape {
            path: self.path.clone(),
            table: table.to_string(),
            key: key.to_string(),
            expected: expected.to_string(),
        }
    }

    /// `[[source]]` entries; pipenv's default `pypi` source when there are none. An entry
    /// without `verify_ssl` takes whether its URL holds `https://` (pipenv's
    /// `Sources.populate_source`).
    ///
    /// # Errors
    ///
    /// [`PipfileError::Shape`] when an entry has no string `name` or `url`.
    pub fn sources(&self) -> Result<Vec<Source>, PipfileError> {
        let Some(item) = self.doc.get("source") else {
            return Ok(vec![Source::pypi()]);
        };
        let tables: Vec<Vec<(String, Value)>> = match item {
            Item::ArrayOfTables(a) => a.iter().map(table_entries).collect(),
            Item::Value(Value::Array(a)) => a
                .iter()
                .map(|v| match v {
                    Value::InlineTable(t) => {
                        Ok(t.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
                    }
                    _ => Err(self.shape("source", "", "an array of tables")),
                })
                .collect::<Result<_, _>>()?,
            _ => return Err(self.shape("source", "", "an array of tables ([[source]])")),
        };
        if tables.is_empty() {
            return Ok(vec![Source::pypi()]);
        }
        tables
            .into_iter()
            .enumerate()
            .map(|(i, entries)| {
                let get = |k: &str| entries.iter().find(|(key, _)| key == k).map(|(_, v)| v);
                let string = |k: &str| -> Result<String, PipfileError> {
                    get(k)
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .ok_or_else(|| self.shape("source", &format!("{i}.{k}"), "a string"))
                };
                let url = string("url")?;
                let verify_ssl = get("verify_ssl")
                    .and_then(Value::as_bool)
                    .unwrap_or_else(|| url.contains("https://"));
                Ok(Source {
                    name: string("name")?,
                    url,
                    verify_ssl,
                })
            })
            .collect()
    }

    /// The package categories as pipenv lists them (`get_package_categories`):
    /// `packages` and `dev-packages` first (present or not), then every other top-level key
    /// not in [`NON_CATEGORY_SECTIONS`], in file order.
    pub fn categories(&self) -> Vec<Category> {
        let mut out = vec![Category::named("packages"), Category::named("dev-packages")];
        for (key, _) in self.doc.iter() {
            if NON_CATEGORY_SECTIONS.contains(&key) || key == "packages" || key == "dev-packages" {
                continue;
            }
            out.push(Category::named(key));
        }
        out
    }

    /// The packages of `category` (its Pipfile table name), names as written, in file
    /// order; empty when the table is absent.
    ///
    /// # Errors
    ///
    /// [`PipfileError::Shape`] naming the table and key when the category is not a table or
    /// an entry is neither a string nor a table of the keys pipenv accepts, with values of
    /// the types pipenv expects.
    pub fn packages(&self, category: &str) -> Result<Vec<(String, PackageSpec)>, PipfileError> {
        let Some(item) = self.doc.get(category) else {
            return Ok(Vec::new());
        };
        let entries: Vec<(String, Value)> = match item {
            Item::Table(t) => {
                let mut out = Vec::new();
                for (k, v) in t.iter() {
                    match v {
                        Item::Value(v) => out.push((k.to_string(), v.clone())),
                        Item::Table(sub) => {
                            out.push((
                                k.to_string(),
                                Value::InlineTable(sub.clone().into_inline_table()),
                            ));
                        }
                        _ => {
                            return Err(self.shape(
                                category,
                                k,
                                "a version string such as \"*\" or a table",
                            ));
                        }
                    }
                }
                out
            }
            Item::Value(Value::InlineTable(t)) => {
                t.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
            }
            _ => return Err(self.shape(category, "", "a table of packages")),
        };
        entries
            .into_iter()
            .map(|(name, value)| {
                let spec = self.package_spec(category, &name, &value)?;
                Ok((name, spec))
            })
            .collect()
    }

    /// The source names pipenv's resolver takes from the other categories when it locks
    /// `category` (`Resolver.create`), keyed by `packaging`'s canonical name: for every
    /// category but `packages`, each table of another category that names an `index`, the
    /// first in [`Pipfile::categories`] order winning, unless `category` itself lists the
    /// name as a string or as a table with an `index`. pipenv's lock gives that index to a
    /// package of `category` whose `pep423_name` is such a key (not `zope.interface`, whose
    /// key is `zope-interface`), a dependency as well as a table of its own without one.
    ///
    /// # Errors
    ///
    /// As [`Pipfile::packages`], for any category.
    pub fn indexes_from_other_categories(
        &self,
        category: &str,
    ) -> Result<HashMap<String, String>, PipfileError> {
        let mut indexes = HashMap::new();
        if category == "packages" {
            return Ok(indexes);
        }
        let mut own = HashSet::new();
        for (name, spec) in self.packages(category)? {
            if !matches!(&spec, PackageSpec::Table(table) if table.index.is_none()) {
                own.insert(crate::hash::canonicalize_name(&name));
            }
        }
        for other in self.categories() {
            if other.name == category {
                continue;
            }
            for (name, spec) in self.packages(&other.name)? {
                let key = crate::hash::canonicalize_name(&name);
                if let PackageSpec::Table(PackageTable {
                    index: Some(index), ..
                }) = spec
                    && !own.contains(&key)
                {
                    indexes.entry(key).or_insert(index);
                }
            }
        }
        Ok(indexes)
    }

    fn package_spec(
        &self,
        category: &str,
        name: &str,
        value: &Value,
    ) -> Result<PackageSpec, PipfileError> {
        let table = match value {
            Value::String(s) => return Ok(PackageSpec::Version(s.value().clone())),
            Value::InlineTable(t) => t,
            _ => {
                return Err(self.shape(
                    category,
                    name,
                    &format!(
                        "a version string such as \"*\" or a table, found {}",
                        value.type_name()
                    ),
                ));
            }
        };
        let mut spec = PackageTable::default();
        for (key, v) in table.iter() {
            let at = format!("{name}.{key}");
            let string = || -> Result<String, PipfileError> {
                v.as_str().map(str::to_string).ok_or_else(|| {
                    self.shape(category, &at, &format!("a string, found {}", v.type_name()))
                })
            };
            match key {
                "version" => spec.version = Some(string()?),
                "markers" => spec.markers = Some(string()?),
                "index" => spec.index = Some(string()?),
                "path" => spec.path = Some(string()?),
                "file" => spec.file = Some(string()?),
                "ref" => spec.git_ref = Some(string()?),
                "subdirectory" => spec.subdirectory = Some(string()?),
                "git" => spec.vcs = Some((Vcs::Git, string()?)),
                "hg" => spec.vcs = Some((Vcs::Hg, string()?)),
                "svn" => spec.vcs = Some((Vcs::Svn, string()?)),
                "bzr" => spec.vcs = Some((Vcs::Bzr, string()?)),
                "editable" => {
                    spec.editable = v.as_bool().ok_or_else(|| {
                        self.shape(
                            category,
                            &at,
                            &format!("true or false, found {}", v.type_name()),
                        )
                    })?;
                }
                "extras" => {
                    let list = v.as_array().and_then(|a| {
                        a.iter()
                            .map(|e| e.as_str().map(str::to_string))
                            .collect::<Option<Vec<_>>>()
                    });
                    spec.extras = list.ok_or_else(|| {
                        self.shape(
                            category,
                            &at,
                            &format!("a list of strings, found {}", v.type_name()),
                        )
                    })?;
                }
                k if MARKER_KEYS.contains(&k) => spec.marker_keys.push((k.to_string(), string()?)),
                // pipenv's own placeholder entry key is accepted as well.
                k if OTHER_KEYS.contains(&k) || k == "__placeholder__" => {}
                _ => {
                    return Err(self.shape(
                        category,
                        &at,
                        "one of version, extras, editable, markers, ref, git, svn, hg, bzr, path, file, index, subdirectory, pip_args, hashes, no_binary, skip_resolver, and PEP 508 marker keys (an unknown option)",
                    ));
                }
            }
        }
        Ok(PackageSpec::Table(spec))
    }

    /// `[requires]`.
    pub fn requires(&self) -> Requires {
        let get = |k: &str| {
            self.doc
                .get("requires")
                .and_then(|r| r.get(k))
                .and_then(Item::as_str)
                .map(str::to_string)
        };
        Requires {
            python_version: get("python_version"),
            python_full_version: get("python_full_version"),
        }
    }

    /// The Python version pipenv requires (`required_python_version`): `python_full_version`,
    /// else `python_version`; `None` when neither or `"*"`.
    pub fn required_python_version(&self) -> Option<String> {
        let r = self.requires();
        r.python_full_version
            .filter(|v| !v.is_empty())
            .or(r.python_version)
            .filter(|v| v != "*")
    }

    /// `[scripts]`, in file order.
    ///
    /// # Errors
    ///
    /// [`PipfileError::Shape`] for an entry of another form: an inline table with another key
    /// than `call` (or more than one), a `call` without `module:function`, an empty string or
    /// list, a list item that is not a string.
    pub fn scripts(&self) -> Result<Vec<(String, Script)>, PipfileError> {
        let Some(Item::Table(table)) = self.doc.get("scripts") else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for (name, item) in table.iter() {
            let bad = |what: &str| self.shape("scripts", name, what);
            let script = match item.as_value() {
                Some(Value::String(s)) if !s.value().trim().is_empty() => {
                    Script::Command(s.value().clone())
                }
                Some(Value::InlineTable(t)) => {
                    let keys: Vec<&str> = t.iter().map(|(k, _)| k).collect();
                    if keys != ["call"] {
                        return Err(bad("{call = \"package.module:func()\"} (one key, `call`)"));
                    }
                    let call = t.get("call").and_then(Value::as_str).unwrap_or("");
                    match call.split_once(':') {
                        Some((m, f)) if !m.is_empty() && !f.is_empty() => {
                            Script::Call(call.to_string())
                        }
                        _ => {
                            return Err(bad(
                                "a callable like {call = \"package.module:func('arg')\"}",
                            ));
                        }
                    }
                }
                Some(Value::Array(a)) if !a.is_empty() => Script::Sequence(
                    a.iter()
                        .map(|v| {
                            v.as_str()
                                .filter(|s| !s.trim().is_empty())
                                .map(str::to_string)
                        })
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| bad("a list of non-empty command strings"))?,
                ),
                _ => {
                    return Err(bad(
                        "a command string, {call = \"pkg.mod:func()\"} or a list of commands",
                    ));
                }
            };
            out.push((name.to_string(), script));
        }
        Ok(out)
    }

    /// `[pipenv]` settings; a missing or non-boolean value counts as `false` (a missing or
    /// empty `pylock_name` as none).
    pub fn settings(&self) -> Settings {
        let setting = |k: &str| self.doc.get("pipenv").and_then(|t| t.get(k));
        let get = |k: &str| setting(k).and_then(Item::as_bool).unwrap_or(false);
        Settings {
            allow_prereleases: get("allow_prereleases"),
            sort_pipfile: get("sort_pipfile"),
            use_pylock: get("use_pylock"),
            pylock_name: setting("pylock_name")
                .and_then(Item::as_str)
                .filter(|name| !name.is_empty())
                .map(str::to_string),
            disable_pip_input: get("disable_pip_input"),
            install_search_all_sources: get("install_search_all_sources"),
            venv_in_project: setting("venv_in_project").and_then(Item::as_bool),
        }
    }

    /// Adds or replaces a package the way pipenv's `add_entry` does: the category table is
    /// created (at the end) when missing; every entry whose name equals pipenv's
    /// `pep423_name(name)` (lower-cased, `_` made `-`) ignoring case is removed, and the entry
    /// is added under that normalized name at the end of the table (a version string before
    /// any `[category.name]` sub-table, as tomlkit inserts a string) (so a replaced entry
    /// moves to the end and loses its comment, as in pipenv); with `sort_pipfile` the
    /// table is then sorted by key. A table spec is written inline in the key order of
    /// pipenv's `generate_entry`: `{extras = ["socks"], version = ">=2"}`; a path entry
    /// `extras, path|file, editable`; a VCS entry `editable, extras, ref, git, subdirectory`;
    /// then `index`, `markers` (and marker short-hands, which pipenv never writes itself).
    pub fn add_package(&mut self, category: &str, name: &str, spec: &PackageSpec) {
        let normalized = pep423_name(name);
        let sort = self.settings().sort_pipfile;
        let table = self.category_table(category);
        let doomed: Vec<String> = table
            .iter()
            .map(|(k, _)| k.to_string())
            .filter(|k| k.to_lowercase() == normalized.to_lowercase())
            .collect();
        for k in doomed {
            table.remove(&k);
        }
        table.insert(&normalized, Item::Value(spec_value(spec)));
        // tomlkit puts a new string before the table's first sub-table (`[packages.x]`); a
        // table spec is added as a table, so after them, and made inline when written.
        if matches!(spec, PackageSpec::Version(_)) {
            table.sort_values_by(|_, a, _, b| a.is_table().cmp(&b.is_table()));
        }
        if sort {
            table.sort_values();
        }
    }

    /// pipenv's `Settings.update`: sets `[pipenv] KEY = value` unless the table already has
    /// the key; whether it was set. A missing table is added at the end, after the missing
    /// categories pipenv's earlier writes of the Pipfile added.
    pub fn add_setting(&mut self, key: &str, value: bool) -> bool {
        if !matches!(self.doc.get("pipenv"), Some(Item::Table(_))) {
            add_missing_categories(&mut self.doc);
            self.doc.insert("pipenv", Item::Table(Table::new()));
        }
        let Some(table) = self.doc.get_mut("pipenv").and_then(Item::as_table_mut) else {
            return false;
        };
        if table.contains_key(key) {
            return false;
        }
        table.insert(key, toml_edit::value(value));
        true
    }

    /// The `[[source]]` `pipenv install -i INDEX` installs from, as pipenv's
    /// `add_index_to_pipfile` finds it: the source whose URL is `INDEX` (scheme, host and
    /// path compared, as `is_url_equal` does; pipenv's default `pypi` source counts when the
    /// Pipfile has none), else the one named `INDEX`; else, for a URL, a new `[[source]]`
    /// `{url, verify_ssl = true, name}` added after the others, named as pipenv's
    /// `src_name_from_url` names it (the host without its last dot-part, dots and colons
    /// removed: `https://download.example.org/simple` -> `downloadexample`; a `file:` URL by
    /// its last path segment). Returns the source's name. Where that name is taken pipenv
    /// adds a random `-N`; den the first free `-N`. pipenv also leaves `verify_ssl` false
    /// for a host pip's configuration trusts; den does not read pip's configuration here.
    ///
    /// Errors: `INDEX` is neither a source's URL or name nor a URL, or the sources cannot be
    /// read.
    pub fn index_source(&mut self, index: &str) -> Result<String, PipfileError> {
        let sources = self.sources()?;
        if let Some(found) = sources
            .iter()
            .find(|s| url_key(&s.url) == url_key(index))
            .or_else(|| sources.iter().find(|s| s.name == index))
        {
            return Ok(found.name.clone());
        }
        let Some((scheme, rest)) = index.split_once("://") else {
            return Err(self.not_an_index(index, &sources));
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (location, path) = rest.split_at(end);
        let base = if !location.is_empty() {
            location
                .rsplit_once('.')
                .map_or(location, |(before, _)| before)
                .to_string()
        } else if scheme == "file" && !path.is_empty() {
            let segment = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
            if segment.is_empty() { "local" } else { segment }.to_string()
        } else {
            return Err(self.not_an_index(index, &sources));
        };
        let base = base.replace(['.', ':'], "");
        let taken = |name: &str| sources.iter().any(|s| s.name == name);
        let name = if taken(&base) {
            (1..)
                .map(|n| format!("{base}-{n}"))
                .find(|name| !taken(name))
                .unwrap_or(base)
        } else {
            base
        };
        let mut source = Table::new();
        source.insert("url", toml_edit::value(index));
        source.insert("verify_ssl", toml_edit::value(true));
        source.insert("name", toml_edit::value(name.as_str()));
        match self.doc.get_mut("source") {
            Some(Item::ArrayOfTables(array)) => array.push(source),
            _ => {
                let mut array = toml_edit::ArrayOfTables::new();
                array.push(source);
                self.doc.insert("source", Item::ArrayOfTables(array));
            }
        }
        Ok(name)
    }

    /// The error for an `-i INDEX` that is neither a source nor a URL, naming the sources.
    fn not_an_index(&self, index: &str, sources: &[Source]) -> PipfileError {
        let names: Vec<String> = sources.iter().map(|s| format!("'{}'", s.name)).collect();
        self.shape(
            "source",
            index,
            &format!(
                "a [[source]] name or an index URL (the sources are: {})",
                names.join(", ")
            ),
        )
    }

    /// Removes the package whose PEP 503-normalized name is `name`'s from `category`
    /// (pipenv's `remove_package`, which compares `pep423_name`s); whether one was there.
    /// With `sort_pipfile` the table is then sorted by key.
    pub fn remove_package(&mut self, category: &str, name: &str) -> bool {
        let wanted = pep423_name(name);
        let sort = self.settings().sort_pipfile;
        let Some(table) = self.doc.get_mut(category).and_then(Item::as_table_like_mut) else {
            return false;
        };
        let Some(key) = table
            .iter()
            .map(|(k, _)| k.to_string())
            .find(|k| pep423_name(k) == wanted)
        else {
            return false;
        };
        table.remove(&key);
        if sort && let Some(t) = self.doc.get_mut(category).and_then(Item::as_table_mut) {
            t.sort_values();
        }
        true
    }

    fn category_table(&mut self, category: &str) -> &mut Table {
        let present = matches!(self.doc.get(category), Some(Item::Table(_)));
        if !present {
            let mut t = Table::new();
            // An inline category becomes a table of its entries.
            if let Some(Item::Value(Value::InlineTable(inline))) = self.doc.get(category) {
                t = inline.clone().into_table();
            }
            self.doc.insert(category, Item::Table(t));
        }
        match self.doc.get_mut(category) {
            Some(Item::Table(t)) => t,
            _ => unreachable!("inserted above"),
        }
    }

    /// The text pipenv's `write_toml` writes for this document: outline package tables
    /// made inline, `cleanup_toml`, one trailing newline, the file's newline style.
    pub fn render(&self) -> String {
        let mut doc = self.doc.clone();
        add_missing_categories(&mut doc);
        for category in self.categories() {
            if let Some(Item::Table(table)) = doc.get_mut(&category.name) {
                let keys: Vec<String> = table
                    .iter()
                    .filter(|(_, v)| v.is_table())
                    .map(|(k, _)| k.to_string())
                    .collect();
                for key in keys {
                    if let Some(Item::Table(sub)) = table.get_mut(&key) {
                        let mut inline = std::mem::take(sub).into_inline_table();
                        format_inline(&mut inline);
                        *table.get_mut(&key).expect("present") =
                            Item::Value(Value::InlineTable(inline));
                        if let Some(mut k) = table.key_mut(&key) {
                            k.leaf_decor_mut().clear();
                            k.dotted_decor_mut().clear();
                        }
                    }
                }
            }
        }
        let text = cleanup_toml(doc.to_string().trim_end());
        if self.newline == "\n" {
            text
        } else {
            text.replace('\n', self.newline)
        }
    }

    /// Writes [`Pipfile::render`] to [`Pipfile::path`] atomically (a temporary file in the
    /// same directory renamed over it).
    ///
    /// # Errors
    ///
    /// [`PipfileError::Io`] naming the file.
    pub fn write(&self) -> Result<(), PipfileError> {
        crate::write_atomic(&self.path, self.render().as_bytes())?;
        Ok(())
    }

    /// The `_meta.hash.sha256` of the Pipfile as [`Pipfile::render`] writes it.
    ///
    /// # Errors
    ///
    /// As [`crate::pipfile_hash`].
    pub fn hash(&self) -> Result<String, PipfileError> {
        crate::pipfile_hash(&self.render())
    }
}

/// Adds to `doc` a missing `[packages]` or `[dev-packages]`, empty, at the end: pipenv
/// writes every category back (the others are there by being categories).
fn add_missing_categories(doc: &mut DocumentMut) {
    for name in ["packages", "dev-packages"] {
        if doc.get(name).is_none() {
            doc.insert(name, Item::Table(Table::new()));
        }
    }
}

fn table_entries(t: &Table) -> Vec<(String, Value)> {
    t.iter()
        .filter_map(|(k, v)| v.as_value().map(|v| (k.to_string(), v.clone())))
        .collect()
}

/// pipenv's `pep423_name`: `name` lower-cased and each `_` made `-`, dots and runs kept
/// (`Jaraco_Context` -> `jaraco-context`, `zope.interface` stays), but with `_` kept when
/// the lower-cased name holds a VCS or URL scheme token (`git`, `svn`, `hg`, `bzr`,
/// `http://`...: `sphinx_git` stays). pipenv keys a Pipfile.lock entry by it and finds
/// Pipfile entries with it.
pub fn pep423_name(name: &str) -> String {
    const TOKENS: [&str; 9] = [
        "git", "svn", "hg", "bzr", "http://", "https://", "ftp://", "ftps://", "file://",
    ];
    let lower = name.to_lowercase();
    if TOKENS.iter().any(|token| lower.contains(token)) {
        lower
    } else {
        lower.replace('_', "-")
    }
}

/// tomlkit's inline-table layout: `{a = 1, b = "x"}`.
fn format_inline(t: &mut InlineTable) {
    let n = t.len();
    for (i, (mut key, value)) in t.iter_mut().enumerate() {
        key.leaf_decor_mut()
            .set_prefix(if i == 0 { "" } else { " " });
        key.leaf_decor_mut().set_suffix(" ");
        value.decor_mut().set_prefix(" ");
        value.decor_mut().set_suffix("");
        let _ = n;
    }
    t.set_trailing("");
    t.set_trailing_comma(false);
}

fn spec_value(spec: &PackageSpec) -> Value {
    match spec {
        PackageSpec::Version(v) => Value::from(v.as_str()),
        PackageSpec::Table(t) => {
            let mut parts: Vec<String> = Vec::new();
            let mut put = |k: &str, v: Value| {
                let key = toml_edit::Key::new(k).display_repr().into_owned();
                parts.push(format!("{key} = {}", v.to_string().trim()));
            };
            let extras = (!t.extras.is_empty()).then(|| {
                let items: Vec<String> = t
                    .extras
                    .iter()
                    .map(|e| basic_string(e.as_str()).to_string())
                    .collect();
                format!("[{}]", items.join(", "))
                    .parse::<Value>()
                    .unwrap_or_else(|_| Value::from(""))
            });
            // The key order of pipenv's `generate_entry`.
            if let Some((vcs, url)) = &t.vcs {
                if t.editable {
                    put("editable", Value::from(true));
                }
                if let Some(e) = extras {
                    put("extras", e);
                }
                if let Some(v) = &t.git_ref {
                    put("ref", basic_string(v.as_str()));
                }
                put(vcs.as_str(), basic_string(url.as_str()));
                if let Some(v) = &t.subdirectory {
                    put("subdirectory", basic_string(v.as_str()));
                }
            } else if t.path.is_some() || t.file.is_some() {
                if let Some(e) = extras {
                    put("extras", e);
                }
                if let Some(v) = &t.path {
                    put("path", basic_string(v.as_str()));
                }
                if let Some(v) = &t.file {
                    put("file", basic_string(v.as_str()));
                }
                if t.editable {
                    put("editable", Value::from(true));
                }
            } else {
                if let Some(e) = extras {
                    put("extras", e);
                }
                put("version", basic_string(t.version.as_deref().unwrap_or("*")));
            }
            if let Some(v) = &t.index {
                put("index", basic_string(v.as_str()));
            }
            if let Some(v) = &t.markers {
                put("markers", basic_string(v.as_str()));
            }
            for (k, v) in &t.marker_keys {
                put(k, basic_string(v.as_str()));
            }
            // Built from valid TOML pieces; parsing keeps the order and layout written.
            format!("{{{}}}", parts.join(", "))
                .parse::<Value>()
                .unwrap_or_else(|_| Value::InlineTable(InlineTable::new()))
        }
    }
}

/// `text` as a TOML basic string, as tomlkit writes a new string (toml_edit would choose a
/// literal string for text holding `"`): `\\` and `"` escaped, control characters as
/// `\\b`, `\\t`, `\\n`, `\\f`, `\\r` or `\\uXXXX`.
fn basic_string(text: &str) -> Value {
    let mut quoted = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\u{8}' => quoted.push_str("\\b"),
            '\t' => quoted.push_str("\\t"),
            '\n' => quoted.push_str("\\n"),
            '\u{c}' => quoted.push_str("\\f"),
            '\r' => quoted.push_str("\\r"),
            c if c.is_control() => quoted.push_str(&format!("\\u{:04x}", c as u32)),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted.parse().unwrap_or_else(|_| Value::from(text))
}

/// pipenv's `cleanup_toml`.
fn cleanup_toml(text: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let mut prev_blank = false;
    for (i, line) in text.split('\n').enumerate() {
        let blank = line.trim().is_empty();
        if blank && prev_blank {
            continue;
        }
        if line.starts_with('[') && i > 0 && !prev_blank {
            out.push("");
        }
        out.push(line);
        prev_blank = blank;
    }
    while out.last().is_some_and(|l| l.trim().is_empty()) {
        out.pop();
    }
    out.push("");
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Pipfile {
        Pipfile::parse(Path::new("Pipfile"), text).unwrap()
    }

    #[test]
    fn new_default_is_what_pipenv_writes() {
        let head = "[[source]]\nurl = \"https://pypi.org/simple\"\nverify_ssl = true\nname = \"pypi\"\n\n[packages]\n\n[dev-packages]\n";
        let p = Pipfile::new_default(Path::new("Pipfile"), None, Some("3.11.4"), false);
        assert_eq!(
            p.render(),
            format!("{head}\n[requires]\npython_version = \"3.11\"\n")
        );
        let p = Pipfile::new_default(Path::new("Pipfile"), None, Some("3.12.1"), true);
        assert_eq!(
            p.render(),
            format!(
                "{head}\n[requires]\npython_version = \"3.12\"\npython_full_version = \"3.12.1\"\n"
            )
        );
        let p = Pipfile::new_default(Path::new("Pipfile"), None, None, true);
        assert_eq!(p.render(), head);
        let p = Pipfile::new_default(Path::new("Pipfile"), Some("http://m/simple/"), None, true);
        assert_eq!(
            p.render(),
            head.replace("https://pypi.org/simple", "http://m/simple/")
        );
    }

    #[test]
    fn toml_errors_carry_line_and_column() {
        let err = Pipfile::parse(Path::new("x/Pipfile"), "[packages]\nrequests = \n").unwrap_err();
        assert!(err.to_string().starts_with("x/Pipfile:2:"), "{err}");
    }

    #[test]
    fn wrong_shapes_name_table_and_key() {
        let p = parse("[packages]\nrequests = 3\n[dev-packages]\nx = {extras = \"a\"}\n");
        let err = p.packages("packages").unwrap_err().to_string();
        assert_eq!(
            err,
            "Pipfile: [packages] requests: expected a version string such as \"*\" or a table, found integer"
        );
        let err = p.packages("dev-packages").unwrap_err().to_string();
        assert!(
            err.starts_with("Pipfile: [dev-packages] x.extras: expected a list of strings"),
            "{err}"
        );
    }

    #[test]
    fn categories_and_specs() {
        let p = parse(
            "[packages]\nrequests = {version = \">=2\", extras = [\"socks\"], sys_platform = \"== 'linux'\"}\n[pipenv]\nsort_pipfile = true\n[docs]\nsphinx = \"*\"\n",
        );
        let names: Vec<_> = p.categories().into_iter().map(|c| c.lock_name).collect();
        assert_eq!(names, ["default", "develop", "docs"]);
        let (name, spec) = p.packages("packages").unwrap().remove(0);
        // pipenv drops every marker when `sys_platform` is set (see `pipenv_markers`).
        assert_eq!(spec.to_pip_line(&name), "requests[socks]>=2");
        assert!(p.settings().sort_pipfile);
        assert_eq!(p.sources().unwrap(), vec![Source::pypi()]);
    }

    #[test]
    fn indexes_from_other_categories_follow_pipenvs_resolver() {
        let p = parse(
            "[docs]\nBeta_Lib = {version = \"*\"}\ngamma = \"*\"\ndelta = {version = \"*\", index = \"own\"}\n[packages]\nalpha = {version = \"*\", index = \"first\"}\ngamma = {version = \"*\", index = \"first\"}\n[dev-packages]\nalpha = {version = \"*\", index = \"second\"}\nbeta-lib = {version = \"*\", index = \"second\"}\ndelta = {version = \"*\", index = \"second\"}\n\"zope.interface\" = {version = \"*\", index = \"second\"}\n",
        );
        let docs = p.indexes_from_other_categories("docs").unwrap();
        let expected: HashMap<String, String> = [
            ("alpha", "first"),
            ("beta-lib", "second"),
            ("zope-interface", "second"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(docs, expected);
        assert!(
            p.indexes_from_other_categories("packages")
                .unwrap()
                .is_empty()
        );
        let dev = p.indexes_from_other_categories("dev-packages").unwrap();
        assert_eq!(dev.get("gamma").map(String::as_str), Some("first"));
        assert_eq!(dev.get("alpha"), None);
    }

    #[test]
    fn add_and_remove_like_pipenv() {
        let mut p = parse(
            "[[source]]\nurl = \"https://pypi.org/simple\"\nverify_ssl = true\nname = \"pypi\"\n\n[packages]\nRequests = \"*\"   # keep\nflask = \"*\"\n\n\n[packages.django]\nversion = \"*\"\n[dev-packages]\npytest = \"*\"\n",
        );
        p.add_package(
            "packages",
            "Requests",
            &PackageSpec::Table(PackageTable {
                version: Some(">=2".into()),
                extras: vec!["socks".into()],
                ..PackageTable::default()
            }),
        );
        assert_eq!(
            p.render(),
            "[[source]]\nurl = \"https://pypi.org/simple\"\nverify_ssl = true\nname = \"pypi\"\n\n[packages]\nflask = \"*\"\ndjango = {version = \"*\"}\nrequests = {extras = [\"socks\"], version = \">=2\"}\n\n[dev-packages]\npytest = \"*\"\n"
        );
        p.add_package("newcat", "zz_top", &PackageSpec::Version("==1.0".into()));
        assert!(
            p.render()
                .ends_with("pytest = \"*\"\n\n[newcat]\nzz-top = \"==1.0\"\n"),
            "{}",
            p.render()
        );
        // pipenv's pep423_name does not fold `.`.
        assert!(!p.remove_package("newcat", "ZZ.Top"));
        assert!(p.remove_package("newcat", "ZZ_Top"));
        assert_eq!(pep423_name("Jaraco_Context"), "jaraco-context");
        assert_eq!(pep423_name("Zope.Interface"), "zope.interface");
        assert_eq!(pep423_name("Sphinx_Git"), "sphinx_git");
    }

    #[test]
    fn cleanup_matches_pipenv() {
        assert_eq!(
            cleanup_toml("a = 1\n\n\n[b]\nc = 2\n[d]"),
            "a = 1\n\n[b]\nc = 2\n\n[d]\n"
        );
    }

    #[test]
    fn install_index_finds_or_adds_a_source_as_pipenv_does() {
        let mut p = Pipfile::parse(
            Path::new("Pipfile"),
            "[[source]]\nurl = \"https://pypi.org/simple\"\nverify_ssl = true\nname = \"pypi\"\n",
        )
        .unwrap();
        assert_eq!(
            p.index_source("https://user:pw@pypi.org/simple").unwrap(),
            "pypi"
        );
        assert_eq!(p.index_source("pypi").unwrap(), "pypi");
        assert!(p.index_source("nowhere").is_err());
        assert_eq!(
            p.index_source("https://download.example.org/simple")
                .unwrap(),
            "downloadexample"
        );
        assert_eq!(p.index_source("https://pypi.com/x").unwrap(), "pypi-1");
        assert_eq!(p.index_source("file:///srv/wheels/").unwrap(), "wheels");
        let sources = p.sources().unwrap();
        assert_eq!(sources.len(), 4);
        assert_eq!(sources[1].url, "https://download.example.org/simple");
        assert!(p.add_setting("allow_prereleases", true));
        assert!(!p.add_setting("allow_prereleases", false));
        assert!(p.settings().allow_prereleases);
    }
}
