//! The PEP 751 `pylock.toml` pipenv writes beside `Pipfile.lock` when the Pipfile says
//! `[pipenv] use_pylock = true` (`PylockFile.from_lockfile` and `PylockFile.write` in
//! `pipenv/utils/pylock.py`), byte for byte but for its `generation_date`.
//!
//! What pipenv puts in it, from the lock alone:
//! - `lock-version = "1.0"`, `environments = []`, `requires-python` (`>=X` from the lock's
//!   `python_version`, else `==X` from `python_full_version`), `extras = []`,
//!   `dependency-groups` (the groups develop packages belong to: `["dev"]` unless
//!   `pipenv pylock --generate --dev-groups` names others), `default-groups = ["default"]`,
//!   `created-by = "pipenv"`;
//! - one `[[packages]]` per entry of `default`, then of `develop` (custom categories are
//!   left out), each in the lock's order. A `develop` entry equal to the `default` one but
//!   for its markers is folded into it, the default marker widened to
//!   `(default) or (develop)`; other `develop` entries get the marker
//!   `'dev' in dependency_groups` (one such clause per group, joined by `or`), joined to
//!   their own as `(dev) and (markers)`;
//! - `version` without `==`; a `git`/`hg`/`svn`/`bzr` entry as `vcs` (`commit-id` from
//!   `ref`), a `file` or an archive `path` as `archive` (with its hashes), another `path` as
//!   `directory` (`editable`, `subdirectory`);
//! - for an index package, `index` (its source's URL with one trailing `/`; the first
//!   source's, else PyPI's, when the entry names none) and the files of the index page whose
//!   published SHA-256 is one of the entry's hashes: every such wheel as `wheels`, the first
//!   other file (by name) as `sdist`; hashes no file matches stay in
//!   `[packages.tool.pipenv] hashes`;
//! - `[tool.pipenv]`: `generated_from = "Pipfile.lock"` and the time it was written.
//!
//! The text is laid out as tomlkit lays it out (strings in double quotes with its escapes,
//! wheels one per line as inline tables, sub-tables after a package's keys), with pipenv's
//! extra blank line before each `[[packages]]`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::{LockedPackage, Lockfile};

/// The dependency group pipenv gives `develop` packages unless told others.
pub const PYLOCK_DEV_GROUP: &str = "dev";

/// The index a lock without sources installs from.
const PYPI_SIMPLE: &str = "https://pypi.org/simple/";

/// File name endings pipenv accepts as a wheel or an sdist on an index page.
const PAGE_SUFFIXES: &[&str] = &[".whl", ".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz"];

/// File name endings that make a `path` entry an archive rather than a directory.
const ARCHIVE_SUFFIXES: &[&str] = &[
    ".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar",
];

/// Version control systems a lock entry can name, as its key.
const VCS_KEYS: &[&str] = &["git", "hg", "svn", "bzr"];

/// One file of a project's index page, as pipenv matches a lock's hashes against it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexPageFile {
    /// The file name as the page gives it (`six-1.17.0-py2.py3-none-any.whl`).
    pub filename: String,
    /// Its URL, absolute, without credentials or fragment.
    pub url: String,
    /// The SHA-256 the page publishes for it, lowercase hex; `None` when it publishes none.
    pub sha256: Option<String>,
}

/// Where pipenv writes the lock: `pylock.toml` in the project directory `dir`, or
/// `pylock.<name>.toml` with `[pipenv] pylock_name = "<name>"`.
pub fn pylock_path(dir: &Path, pylock_name: Option<&str>) -> PathBuf {
    match pylock_name {
        Some(name) => dir.join(format!("pylock.{name}.toml")),
        None => dir.join("pylock.toml"),
    }
}

/// The PEP 751 lock file pipenv reads in the project directory `dir` (`find_pylock_file` in
/// `pipenv/utils/pylock.py`): `pylock.toml`, else a `pylock.*.toml` (the first by name; pipenv
/// takes the first its directory listing gives). `None` when there is neither.
pub fn find_pylock(dir: &Path) -> Option<PathBuf> {
    let plain = dir.join("pylock.toml");
    if plain.exists() {
        return Some(plain);
    }
    let mut named: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|entry| entry.ok())
        .filter(|entry| {
            entry.file_name().to_str().is_some_and(|name| {
                name.len() >= "pylock..toml".len()
                    && name.starts_with("pylock.")
                    && name.ends_with(".toml")
            })
        })
        .map(|entry| entry.path())
        .collect();
    named.sort();
    named.into_iter().next()
}

/// `now` as pipenv writes `generation_date` (Python's
/// `datetime.now(timezone.utc).isoformat()`): `2026-12-06T20:02:53.730012+00:00`, the
/// microseconds left out when zero.
pub fn generation_date(now: SystemTime) -> String {
    let time = time::OffsetDateTime::from(now);
    let mut text = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        time.year(),
        u8::from(time.month()),
        time.day(),
        time.hour(),
        time.minute(),
        time.second()
    );
    if time.microsecond() != 0 {
        let _ = write!(text, ".{:06}", time.microsecond());
    }
    text.push_str("+00:00");
    text
}

/// The names of the `default` and `develop` entries of `lock` whose hashes pipenv looks up on
/// their index's page (entries from an index with a SHA-256 hash): the pages
/// [`pylock_toml`] needs.
pub fn index_page_packages(lock: &Lockfile) -> BTreeSet<String> {
    ["default", "develop"]
        .iter()
        .filter_map(|category| lock.category(category))
        .flatten()
        .filter(|(_, entry)| direct_source(entry).is_none())
        .filter(|(_, entry)| {
            entry
                .hashes
                .iter()
                .flatten()
                .any(|h| h.starts_with("sha256:"))
        })
        .map(|(name, _)| name.clone())
        .collect()
}

/// `pylock.toml` made from `lock` as pipenv 2026.10 makes it, `pages` giving the index page
/// files of each package [`index_page_packages`] names (a package missing from it matches no
/// file, as when pipenv cannot read the page), `dev_groups` the dependency groups of the
/// `develop` packages (`[PYLOCK_DEV_GROUP]` as pipenv's lock writes it), `generation_date`
/// the time written (ISO 8601, as Python's `datetime.isoformat`).
pub fn pylock_toml(
    lock: &Lockfile,
    pages: &HashMap<String, Vec<IndexPageFile>>,
    dev_groups: &[String],
    generation_date: &str,
) -> String {
    let meta = lock.meta.as_ref();
    let requires = meta.and_then(|m| m.requires.as_ref());
    let text_of = |value: &serde_json::Value| match value {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let requires_python = requires.and_then(|r| {
        r.get("python_version")
            .map(|v| format!(">={}", text_of(v)))
            .or_else(|| {
                r.get("python_full_version")
                    .map(|v| format!("=={}", text_of(v)))
            })
    });
    let sources: Vec<(&str, &str)> = meta
        .and_then(|m| m.sources.as_ref())
        .into_iter()
        .flatten()
        .map(|source| {
            let field = |key: &str| source.get(key).and_then(|v| v.as_str()).unwrap_or("");
            (field("name"), field("url"))
        })
        .collect();
    let slashed = |url: &str| format!("{}/", url.trim_end_matches('/'));
    let index_urls: HashMap<&str, String> = sources
        .iter()
        .filter(|(name, url)| !name.is_empty() && !url.is_empty())
        .map(|(name, url)| (*name, slashed(url)))
        .collect();
    let default_index = sources
        .first()
        .filter(|(_, url)| !url.is_empty())
        .map_or_else(|| PYPI_SIMPLE.to_string(), |(_, url)| slashed(url));
    let dev_marker = dev_groups
        .iter()
        .map(|group| format!("'{group}' in dependency_groups"))
        .collect::<Vec<_>>()
        .join(" or ");

    let empty = BTreeMap::new();
    let default = lock.category("default").unwrap_or(&empty);
    let mut packages: Vec<Package> = Vec::new();
    let mut default_positions: HashMap<&str, usize> = HashMap::new();
    for (section, entries) in [
        ("default", default),
        ("develop", lock.category("develop").unwrap_or(&empty)),
    ] {
        let develop = section == "develop";
        for (name, entry) in entries {
            if develop
                && let Some(default_entry) = default.get(name)
                && same_but_markers(default_entry, entry)
            {
                if let Some(marker) = widened_marker(
                    default_entry.markers.as_deref(),
                    entry.markers.as_deref(),
                    &dev_marker,
                ) {
                    packages[default_positions[name.as_str()]].marker = Some(marker);
                }
                continue;
            }
            let mut package = Package {
                name: name.clone(),
                version: entry
                    .version
                    .as_deref()
                    .filter(|v| *v != "*")
                    .map(|v| v.strip_prefix("==").unwrap_or(v).to_string()),
                marker: match (&entry.markers, develop) {
                    (Some(markers), true) if !markers.contains("dependency_groups") => {
                        Some(format!("({dev_marker}) and ({markers})"))
                    }
                    (Some(markers), _) => Some(markers.clone()),
                    (None, true) => Some(dev_marker.clone()),
                    (None, false) => None,
                },
                ..Package::default()
            };
            match direct_source(entry) {
                Some(tables) => package.tables = tables,
                None => {
                    let index = entry
                        .index
                        .as_deref()
                        .and_then(|name| index_urls.get(name).cloned())
                        .unwrap_or_else(|| default_index.clone());
                    package.index = Some(index);
                    let hashes = entry.hashes.as_deref().unwrap_or_default();
                    if !hashes.is_empty() {
                        let files =
                            matching_files(pages.get(name).map_or(&[][..], Vec::as_slice), hashes);
                        let (wheels, others): (Vec<_>, Vec<_>) = files
                            .into_iter()
                            .partition(|f| f.filename.ends_with(".whl"));
                        package.wheels = wheels;
                        package.sdist = others.into_iter().next();
                        let matched: BTreeSet<String> = package
                            .wheels
                            .iter()
                            .chain(&package.sdist)
                            .filter_map(|f| f.sha256.as_ref().map(|d| format!("sha256:{d}")))
                            .collect();
                        let unmatched: Vec<String> = hashes
                            .iter()
                            .filter(|h| !matched.contains(*h))
                            .cloned()
                            .collect::<BTreeSet<_>>()
                            .into_iter()
                            .collect();
                        if !unmatched.is_empty() {
                            package.tables.push((
                                "tool.pipenv".into(),
                                vec![("hashes".into(), Value::Array(unmatched))],
                            ));
                        }
                    }
                }
            }
            if !develop {
                default_positions.insert(name, packages.len());
            }
            packages.push(package);
        }
    }

    let mut out = String::new();
    let mut line = |key: &str, value: Value| {
        let _ = writeln!(out, "{key} = {}", value.render());
    };
    line("lock-version", Value::Str("1.0".into()));
    line("environments", Value::Array(Vec::new()));
    if let Some(requires_python) = requires_python {
        line("requires-python", Value::Str(requires_python));
    }
    line("extras", Value::Array(Vec::new()));
    line("dependency-groups", Value::Array(dev_groups.to_vec()));
    line("default-groups", Value::Array(vec!["default".into()]));
    line("created-by", Value::Str("pipenv".into()));
    for (position, package) in packages.iter().enumerate() {
        // tomlkit puts a blank line between the entries of an array of tables; pipenv adds
        // one before each.
        out.push_str(if position == 0 { "\n" } else { "\n\n" });
        out.push_str("[[packages]]\n");
        package.render(&mut out);
    }
    out.push_str("\n[tool.pipenv]\n");
    let _ = writeln!(
        out,
        "generated_from = {}",
        Value::Str("Pipfile.lock".into()).render()
    );
    let _ = writeln!(
        out,
        "generation_date = {}",
        Value::Str(generation_date.into()).render()
    );
    out
}

/// A package of the lock being written.
#[derive(Debug, Default)]
struct Package {
    name: String,
    version: Option<String>,
    marker: Option<String>,
    index: Option<String>,
    wheels: Vec<IndexPageFile>,
    sdist: Option<IndexPageFile>,
    /// Sub-tables, written after the keys.
    tables: Vec<SubTable>,
}

impl Package {
    fn render(&self, out: &mut String) {
        let mut key = |key: &str, value: Value| {
            let _ = writeln!(out, "{key} = {}", value.render());
        };
        key("name", Value::Str(self.name.clone()));
        for (name, field) in [
            ("version", &self.version),
            ("marker", &self.marker),
            ("index", &self.index),
        ] {
            if let Some(text) = field {
                key(name, Value::Str(text.clone()));
            }
        }
        if !self.wheels.is_empty() {
            out.push_str("wheels = [\n");
            for wheel in &self.wheels {
                let _ = writeln!(out, "    {},", file_table(wheel));
            }
            out.push_str("]\n");
        }
        if let Some(sdist) = &self.sdist {
            let _ = writeln!(out, "sdist = {}", file_table(sdist));
        }
        for (path, keys) in &self.tables {
            let _ = writeln!(out, "\n[packages.{path}]");
            for (name, value) in keys {
                let _ = writeln!(out, "{name} = {}", value.render());
            }
        }
    }
}

/// A page file as the inline table pipenv writes: `{name = ..., url = ..., hashes = {...}}`.
fn file_table(file: &IndexPageFile) -> String {
    let mut text = format!(
        "{{name = {}, url = {}",
        Value::Str(file.filename.clone()).render(),
        Value::Str(file.url.clone()).render()
    );
    if let Some(digest) = &file.sha256 {
        let _ = write!(
            text,
            ", hashes = {{sha256 = {}}}",
            Value::Str(digest.clone()).render()
        );
    }
    text.push('}');
    text
}

/// A sub-table of a package: its dotted path below `packages` (`archive.hashes`) and its
/// keys in order.
type SubTable = (String, Vec<(String, Value)>);

/// A TOML value pipenv writes.
#[derive(Debug, Clone)]
enum Value {
    Str(String),
    Bool(bool),
    Array(Vec<String>),
}

impl Value {
    /// The value as tomlkit writes it.
    fn render(&self) -> String {
        match self {
            Value::Str(text) => basic_string(text),
            Value::Bool(value) => value.to_string(),
            Value::Array(items) => {
                let items: Vec<String> = items.iter().map(|item| basic_string(item)).collect();
                format!("[{}]", items.join(", "))
            }
        }
    }
}

/// `text` as a TOML basic string with tomlkit's escapes: `\b \t \n \f \r \e \" \\`, other
/// control characters as `\uXXXX` (lowercase hex); everything else as it is.
fn basic_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\e"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether two entries pin the same thing, markers aside (pipenv's
/// `_same_locked_package`).
fn same_but_markers(a: &LockedPackage, b: &LockedPackage) -> bool {
    let strip = |entry: &LockedPackage| LockedPackage {
        markers: None,
        ..entry.clone()
    };
    strip(a) == strip(b)
}

/// The default entry's marker widened to also cover the develop install it absorbs, or
/// `None` when it already does (no default marker, or the same one).
fn widened_marker(
    default: Option<&str>,
    develop: Option<&str>,
    dev_marker: &str,
) -> Option<String> {
    let default = default.filter(|m| !m.is_empty())?;
    if develop == Some(default) {
        return None;
    }
    let condition = match develop.filter(|m| !m.is_empty()) {
        None => dev_marker.to_string(),
        Some(markers) if markers.contains("dependency_groups") => markers.to_string(),
        Some(markers) => format!("({dev_marker}) and ({markers})"),
    };
    Some(format!("({default}) or ({condition})"))
}

/// The files of a page whose published SHA-256 is among `hashes` (`sha256:<hex>` entries),
/// each digest once, wheels and sdists only, sorted by name.
fn matching_files(page: &[IndexPageFile], hashes: &[String]) -> Vec<IndexPageFile> {
    let wanted: BTreeSet<String> = hashes
        .iter()
        .filter_map(|h| h.strip_prefix("sha256:"))
        .map(str::to_ascii_lowercase)
        .collect();
    let mut seen = BTreeSet::new();
    let mut files: Vec<IndexPageFile> = page
        .iter()
        .filter_map(|file| {
            let digest = file.sha256.as_deref()?.to_ascii_lowercase();
            (wanted.contains(&digest)
                && PAGE_SUFFIXES.iter().any(|s| file.filename.ends_with(s))
                && seen.insert(digest.clone()))
            .then(|| IndexPageFile {
                sha256: Some(digest),
                ..file.clone()
            })
        })
        .collect();
    files.sort_by(|a, b| a.filename.cmp(&b.filename));
    files
}

/// The PEP 751 source of a path, file or VCS entry as sub-tables (`vcs`, `archive` with
/// `archive.hashes`, `directory`); `None` for an index package.
fn direct_source(entry: &LockedPackage) -> Option<Vec<SubTable>> {
    let vcs_url = |key: &str| match key {
        "git" => entry.git.clone(),
        other => entry
            .other
            .get(other)
            .and_then(|v| v.as_str())
            .map(str::to_string),
    };
    let non_empty = |field: &Option<String>| field.clone().filter(|text| !text.is_empty());
    if let Some((kind, url)) = VCS_KEYS.iter().find_map(|key| Some((*key, vcs_url(key)?))) {
        let mut keys = vec![
            ("type".to_string(), Value::Str(kind.into())),
            ("url".to_string(), Value::Str(url)),
        ];
        if let Some(commit) = non_empty(&entry.git_ref) {
            keys.push(("commit-id".into(), Value::Str(commit)));
        }
        if let Some(subdirectory) = non_empty(&entry.subdirectory) {
            keys.push(("subdirectory".into(), Value::Str(subdirectory)));
        }
        return Some(vec![("vcs".into(), keys)]);
    }
    if entry.path.is_none() && entry.file.is_none() {
        return None;
    }
    let location = non_empty(&entry.path).or_else(|| entry.file.clone())?;
    let lowered = location.to_lowercase();
    if entry.file.is_some() || ARCHIVE_SUFFIXES.iter().any(|s| lowered.ends_with(s)) {
        let key = if entry.path.is_some() { "path" } else { "url" };
        let mut tables = vec![(
            "archive".to_string(),
            vec![(key.to_string(), Value::Str(location))],
        )];
        let mut hashes: Vec<(String, Value)> = Vec::new();
        for hash in entry.hashes.iter().flatten() {
            let Some((algorithm, digest)) = hash.split_once(':').filter(|(_, d)| !d.is_empty())
            else {
                continue;
            };
            match hashes.iter_mut().find(|(known, _)| known == algorithm) {
                Some((_, value)) => *value = Value::Str(digest.into()),
                None => hashes.push((algorithm.into(), Value::Str(digest.into()))),
            }
        }
        if !hashes.is_empty() {
            tables.push(("archive.hashes".into(), hashes));
        }
        return Some(tables);
    }
    let mut keys = vec![("path".to_string(), Value::Str(location))];
    if entry.editable == Some(true) {
        keys.push(("editable".into(), Value::Bool(true)));
    }
    if let Some(subdirectory) = non_empty(&entry.subdirectory) {
        keys.push(("subdirectory".into(), Value::Str(subdirectory)));
    }
    Some(vec![("directory".into(), keys)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_read_is_pylock_toml_else_the_first_named_one() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(find_pylock(dir.path()), None);
        for name in ["pylock.toml.bak", "pylock-x.toml", "pylock.toml.d"] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        assert_eq!(find_pylock(dir.path()), None);
        for name in ["pylock.b.toml", "pylock.a.toml"] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        assert_eq!(
            find_pylock(dir.path()),
            Some(dir.path().join("pylock.a.toml"))
        );
        std::fs::write(dir.path().join("pylock.toml"), "").unwrap();
        assert_eq!(
            find_pylock(dir.path()),
            Some(dir.path().join("pylock.toml"))
        );
    }

    /// A file of an index page.
    fn file(filename: &str, url: &str, sha256: Option<&str>) -> IndexPageFile {
        IndexPageFile {
            filename: filename.into(),
            url: url.into(),
            sha256: sha256.map(str::to_string),
        }
    }

    /// PyPI's pages (2026-12) for the fixtures' packages, as pipenv read them, with files
    /// that must match nothing: another release, a file without a published hash, one
    /// with a suffix pipenv does not take, and a second link to a file already matched.
    fn pages() -> HashMap<String, Vec<IndexPageFile>> {
        let hosted = "https://files.pythonhosted.org/packages";
        let mut pages = HashMap::new();
        pages.insert(
            "click".to_string(),
            vec![
                file("click-8.5.0.tar.gz", &format!("{hosted}/00/click-8.5.0.tar.gz"), Some("11")),
                file(
                    "click-8.5.1.tar.gz",
                    &format!("{hosted}/45/37/edbf1b0707709013c0cf2e8317e03d97ed29bf4cac709fe328904ae92a38/click-8.5.1.tar.gz"),
                    Some("9bbfada76703fd1d784b83eea012e3e8c6a001a876543ef104fa56aaaeb072b4"),
                ),
                file(
                    "click-8.5.1-py3-none-any.whl",
                    &format!("{hosted}/31/7d/164b7ffc8624fe9efb4221bf9af485d5c1e41b9ae118045d2b6dc5457d8b/click-8.5.1-py3-none-any.whl"),
                    Some("8BB5376D2006950386F8C6427613334A2ACADC5F559CB80E638D00B4DF957E37"),
                ),
                file("click-8.5.1.egg", &format!("{hosted}/00/click-8.5.1.egg"), Some("8bb5376d2006950386f8c6427613334a2acadc5f559cb80e638d00b4df957e37")),
            ],
        );
        pages.insert(
            "six".to_string(),
            vec![
                file(
                    "six-1.17.0-py2.py3-none-any.whl",
                    &format!("{hosted}/b7/ce/149a00dd41f10bc29e5921b496af8b574d8413afcd5e30dfa0ed46c2cc5e/six-1.17.0-py2.py3-none-any.whl"),
                    Some("4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274"),
                ),
                file("six-1.17.0.zip", &format!("{hosted}/00/six-1.17.0.zip"), None),
                file(
                    "six-1.17.0.tar.gz",
                    &format!("{hosted}/94/e7/b2c673351809dca68a0e064b6af791aa332cf192da575fd474ed7d6f16a2/six-1.17.0.tar.gz"),
                    Some("ff70335d468e7eb6ec65b95b99d3a2836546063f63acc5171de367e834932a81"),
                ),
                file(
                    "six-1.17.0-copy.tar.gz",
                    &format!("{hosted}/99/six-1.17.0-copy.tar.gz"),
                    Some("ff70335d468e7eb6ec65b95b99d3a2836546063f63acc5171de367e834932a81"),
                ),
            ],
        );
        pages.insert(
            "iniconfig".to_string(),
            vec![
                file(
                    "iniconfig-2.3.1.tar.gz",
                    &format!("{hosted}/01/e1/2069291243c926a2ff1cd706c7f3eeb9b62144bf60f77c9fb9ff2fb26bd3/iniconfig-2.3.1.tar.gz"),
                    Some("67f4b9c50da0dedf52af349e7749a80a9057a5031199791b906c3bb3ae878960"),
                ),
                file(
                    "iniconfig-2.3.1-py3-none-any.whl",
                    &format!("{hosted}/56/43/4ca9e49d27a1fcf6bece6f6aec0ea46bb9112489b93d4b688fb415457bdb/iniconfig-2.3.1-py3-none-any.whl"),
                    Some("9121e2c1fdb355232495be3194c8dfe87ccc2d5dee45947b78e68f499790d7a7"),
                ),
            ],
        );
        pages
    }

    /// Fixtures made by pipenv 2026.10.3: `pipenv lock` of a Pipfile with `use_pylock`
    /// (simple), and `pipenv pylock --generate` from a lock written by hand with every kind
    /// of entry: VCS, archive URL and path, editable directory, a hash no file has, a source
    /// the lock does not list, `*`, develop entries folded into default ones or not.
    #[test]
    fn pylock_is_what_pipenv_writes_from_the_same_lock() {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pylock");
        for (lock_name, expected_name, date) in [
            (
                "simple.Pipfile.lock",
                "simple.pylock.toml",
                "2026-12-06T20:02:53.730012+00:00",
            ),
            (
                "Pipfile.lock",
                "pylock.toml",
                "2026-12-06T20:20:37.882113+00:00",
            ),
        ] {
            let lock_path = data.join(lock_name);
            let lock =
                Lockfile::from_slice(&lock_path, &std::fs::read(&lock_path).unwrap()).unwrap();
            let expected = std::fs::read_to_string(data.join(expected_name)).unwrap();
            let dev = [PYLOCK_DEV_GROUP.to_string()];
            assert_eq!(
                pylock_toml(&lock, &pages(), &dev, date),
                expected,
                "{lock_name}"
            );
        }
    }

    #[test]
    fn only_index_entries_with_sha256_hashes_need_their_page() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pylock/Pipfile.lock");
        let lock = Lockfile::from_slice(&path, &std::fs::read(&path).unwrap()).unwrap();
        let names: Vec<String> = index_page_packages(&lock).into_iter().collect();
        assert_eq!(names, ["click", "iniconfig", "six"]);
    }

    #[test]
    fn without_sources_or_pages_the_lock_names_pypi_and_keeps_every_hash() {
        let lock = Lockfile::from_slice(
            Path::new("Pipfile.lock"),
            br#"{"_meta": {"requires": {}}, "default": {"a": {"version": "==1.0", "hashes": ["sha256:ab", "sha256:0a"], "markers": "a\\b\u0001"}}, "develop": {}}"#,
        )
        .unwrap();
        let dev = [PYLOCK_DEV_GROUP.to_string()];
        let text = pylock_toml(&lock, &HashMap::new(), &dev, "2026-01-01T00:00:00+00:00");
        let expected = "lock-version = \"1.0\"\nenvironments = []\nextras = []\n\
            dependency-groups = [\"dev\"]\ndefault-groups = [\"default\"]\ncreated-by = \"pipenv\"\n\n\
            [[packages]]\nname = \"a\"\nversion = \"1.0\"\nmarker = \"a\\\\b\\u0001\"\n\
            index = \"https://pypi.org/simple/\"\n\n[packages.tool.pipenv]\n\
            hashes = [\"sha256:0a\", \"sha256:ab\"]\n\n[tool.pipenv]\n\
            generated_from = \"Pipfile.lock\"\ngeneration_date = \"2026-01-01T00:00:00+00:00\"\n";
        assert_eq!(text, expected);
    }

    /// `pipenv pylock --generate --dev-groups "dev, test"` (pipenv 2026.10.3) of a lock whose
    /// develop section shares six with the default one and adds pytest.
    #[test]
    fn develop_packages_go_to_every_group_named() {
        let lock = Lockfile::from_slice(
            Path::new("Pipfile.lock"),
            br#"{"_meta": {"requires": {"python_version": "3.11"}, "sources": [{"name": "local", "url": "http://127.0.0.1:8765/simple", "verify_ssl": false}]},
            "default": {"six": {"hashes": ["sha256:aa"], "index": "local", "version": "==1.17.0", "markers": "python_version >= '3.7'"}},
            "develop": {"pytest": {"hashes": ["sha256:bb"], "version": "==8.0"}, "six": {"hashes": ["sha256:aa"], "index": "local", "version": "==1.17.0"}}}"#,
        )
        .unwrap();
        let files = |name: &str, url: &str, sha256: &str| file(name, url, Some(sha256));
        let pages = HashMap::from([(
            "six".to_string(),
            vec![
                files(
                    "six-1.17.0-py2.py3-none-any.whl",
                    "http://127.0.0.1:8765/files/six-1.17.0-py2.py3-none-any.whl",
                    "aa",
                ),
                files(
                    "six-1.17.0.tar.gz",
                    "http://127.0.0.1:8765/files/six-1.17.0.tar.gz",
                    "cc",
                ),
            ],
        )]);
        let groups = ["dev".to_string(), "test".to_string()];
        let text = pylock_toml(&lock, &pages, &groups, "2026-12-06T23:46:13.955388+00:00");
        let expected = r#"lock-version = "1.0"
environments = []
requires-python = ">=3.11"
extras = []
dependency-groups = ["dev", "test"]
default-groups = ["default"]
created-by = "pipenv"

[[packages]]
name = "six"
version = "1.17.0"
marker = "(python_version >= '3.7') or ('dev' in dependency_groups or 'test' in dependency_groups)"
index = "http://127.0.0.1:8765/simple/"
wheels = [
    {name = "six-1.17.0-py2.py3-none-any.whl", url = "http://127.0.0.1:8765/files/six-1.17.0-py2.py3-none-any.whl", hashes = {sha256 = "aa"}},
]


[[packages]]
name = "pytest"
version = "8.0"
marker = "'dev' in dependency_groups or 'test' in dependency_groups"
index = "http://127.0.0.1:8765/simple/"

[packages.tool.pipenv]
hashes = ["sha256:bb"]

[tool.pipenv]
generated_from = "Pipfile.lock"
generation_date = "2026-12-06T23:46:13.955388+00:00"
"#;
        assert_eq!(text, expected);
    }

    #[test]
    fn generation_date_is_pythons_isoformat_in_utc() {
        let at = |secs: u64, micros: u64| {
            generation_date(
                SystemTime::UNIX_EPOCH
                    + std::time::Duration::from_secs(secs)
                    + std::time::Duration::from_micros(micros),
            )
        };
        assert_eq!(
            at(1_796_000_000, 730_012),
            "2026-11-30T00:53:20.730012+00:00"
        );
        assert_eq!(at(0, 0), "1970-01-01T00:00:00+00:00");
    }

    #[test]
    fn pylock_name_picks_the_file() {
        let dir = Path::new("/p");
        assert_eq!(pylock_path(dir, None), Path::new("/p/pylock.toml"));
        assert_eq!(
            pylock_path(dir, Some("dev")),
            Path::new("/p/pylock.dev.toml")
        );
    }
}
