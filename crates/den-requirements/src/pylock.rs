//! PEP 751 lock files (`pylock.toml`, "pylock.toml Specification" in the PyPA specifications):
//! the model, a validating reader, a writer and the installer's selection.
//!
//! Reading ([`Pylock::parse`]) checks what the specification requires, as `packaging.pylock`
//! (the library pip reads lock files with) checks it: the required keys (`lock-version`,
//! `created-by`, `packages`, each package's `name`, each file's `hashes`, a VCS entry's `type`
//! and `commit-id`, a directory's `path`), each key's type, a `lock-version` of major version
//! 1, normalized names, valid versions, markers and specifiers, a `url` or `path` on every
//! file, valid wheel and sdist filenames, and that a package has either `sdist`/`wheels` or
//! exactly one of `vcs`, `directory`, `archive`. Every error names the file and the key path
//! (`packages[2].wheels[0].hashes`). Keys the specification does not define are ignored, as
//! `packaging` ignores them, so a later 1.x lock still reads.
//!
//! Writing ([`Pylock::to_toml`]) uses the specification's key order (the order of its
//! sections, which is also `packaging`'s): top-level keys, then `[[packages]]` with `name`,
//! `version`, `marker`, `requires-python`, `vcs`/`directory`/`archive`, `index`, `sdist` and
//! `[[packages.wheels]]`; a file's keys are `name`, `upload-time`, `url`, `path`, `size`,
//! `hashes` (a table of its own, `[packages.wheels.hashes]`, as pip's writer, tomli_w, lays it
//! out). Keys without a value are left out.
//!
//! Installing ([`Pylock::select`]) follows the specification's "Installation" section: the
//! lock's `requires-python` and `environments` must admit the target; a package whose `marker`
//! is false is skipped (`extras` and `dependency_groups` being those asked for, with the
//! lock's `default-groups` for `-r pylock.toml`, as pip reads them); one whose `requires-python` excludes the target is an error; of the
//! rest, a direct entry (`vcs`, `directory`, `archive`) is used as it is, otherwise the wheel
//! with the best tag priority for the target, else the sdist. A name selected twice is an
//! error. The result is exact URLs with their hashes; nothing is resolved.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use den_dist::{
    HashDigest, MarkerEnvironment, PackageName, SourceDistFilename, Tags, Version,
    VersionSpecifiers, WheelFilename, escape_controls,
};
use toml::Value;
use url::Url;

/// Which of a lock's extras and dependency groups to install (PEP 751 "Installation", pip's
/// `-r 'pylock.toml[EXTRA,...]'` and `--group pylock.toml:GROUP`). Names are compared
/// normalized.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LockSelection {
    /// The extras asked for.
    pub extras: BTreeSet<String>,
    /// The dependency groups asked for.
    pub groups: BTreeSet<String>,
    /// Whether the lock's `default-groups` are installed too (asked for with `-r`).
    pub default_groups: bool,
}

impl LockSelection {
    /// Adds `other`'s extras and groups (two requests naming the same lock, as pip merges
    /// them).
    pub fn merge(&mut self, other: &LockSelection) {
        self.extras.extend(other.extras.iter().cloned());
        self.groups.extend(other.groups.iter().cloned());
        self.default_groups |= other.default_groups;
    }
}

/// The lock version den writes.
pub const LOCK_VERSION: &str = "1.0";

/// Whether `name` is a lock file name the specification allows: `pylock.toml` or
/// `pylock.<name>.toml` (no dot in `<name>`), the rule pip uses to read `-r FILE` as a lock.
pub fn is_pylock_file_name(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    name == "pylock.toml"
        || name
            .strip_prefix("pylock.")
            .and_then(|rest| rest.strip_suffix(".toml"))
            .is_some_and(|middle| !middle.is_empty() && !middle.contains('.'))
}

/// A bad lock file: the file, the key path at fault (empty for the file as a whole) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: {message}", file.display(), if key.is_empty() { String::new() } else { format!(": `{key}`") })]
pub struct PylockError {
    /// The lock file.
    pub file: PathBuf,
    /// The key path, as `packages[0].wheels[1].hashes`; empty when the whole file is at fault
    /// (not TOML, not readable).
    pub key: String,
    /// What is wrong.
    pub message: String,
}

/// What [`PylockError::message`] says of a required key the lock lacks.
const MISSING_KEY: &str = "missing required key";

impl PylockError {
    /// Whether the lock is refused for its `lock-version` (not a version, or not 1.x) rather
    /// than for its shape: what pipenv reports as a version error.
    pub fn is_version_error(&self) -> bool {
        self.key == "lock-version" && self.message != MISSING_KEY
    }
}

/// A whole `pylock.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pylock {
    /// `lock-version`: `1.0` for what den writes; any `1.x` is read.
    pub lock_version: String,
    /// `environments`: markers of which at least one must hold for the lock to apply.
    pub environments: Vec<String>,
    /// `requires-python`.
    pub requires_python: Option<VersionSpecifiers>,
    /// `extras` the lock covers (normalized names).
    pub extras: Vec<String>,
    /// `dependency-groups` the lock covers.
    pub dependency_groups: Vec<String>,
    /// `default-groups`.
    pub default_groups: Vec<String>,
    /// `created-by`: the tool that wrote it.
    pub created_by: String,
    /// `[[packages]]`, in file order.
    pub packages: Vec<LockedPackage>,
}

/// One `[[packages]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedPackage {
    /// `name`, normalized.
    pub name: PackageName,
    /// `version`.
    pub version: Option<Version>,
    /// `marker`: when it is false for the target, the package is not installed.
    pub marker: Option<String>,
    /// `requires-python`.
    pub requires_python: Option<VersionSpecifiers>,
    /// `index`: the index the files came from.
    pub index: Option<String>,
    /// Where it is installed from.
    pub source: LockedSource,
}

/// Where a package is installed from: one of the specification's mutually exclusive forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockedSource {
    /// `[packages.vcs]`.
    Vcs(LockedVcs),
    /// `[packages.directory]`.
    Directory(LockedDirectory),
    /// `[packages.archive]`: an archive named by URL or path, not from an index.
    Archive(LockedFile),
    /// `[packages.sdist]` and `[[packages.wheels]]`: files of a release (at least one).
    Files {
        /// The source distribution.
        sdist: Option<LockedFile>,
        /// The wheels.
        wheels: Vec<LockedFile>,
    },
}

/// A file entry (`sdist`, `wheels`, `archive`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LockedFile {
    /// `name`: the filename (else the last part of `path` or `url`).
    pub name: Option<String>,
    /// `upload-time`, as TOML writes the date-time.
    pub upload_time: Option<String>,
    /// `url`.
    pub url: Option<String>,
    /// `path`, relative to the lock file's directory or absolute.
    pub path: Option<String>,
    /// `size` in bytes.
    pub size: Option<u64>,
    /// `hashes`: algorithm -> hex digest (at least one).
    pub hashes: BTreeMap<String, String>,
    /// `subdirectory` (archives only).
    pub subdirectory: Option<String>,
}

/// A `[packages.vcs]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedVcs {
    /// `type`: `git`, `hg`, `svn`, `bzr`.
    pub kind: String,
    /// `url`.
    pub url: Option<String>,
    /// `path`.
    pub path: Option<String>,
    /// `requested-revision`.
    pub requested_revision: Option<String>,
    /// `commit-id`: what is installed.
    pub commit_id: String,
    /// `subdirectory`.
    pub subdirectory: Option<String>,
}

/// A `[packages.directory]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedDirectory {
    /// `path`, relative to the lock file's directory or absolute.
    pub path: String,
    /// `editable`.
    pub editable: bool,
    /// `subdirectory`.
    pub subdirectory: Option<String>,
}

/// What [`Pylock::select`] chose for one package: an exact URL and what vouches for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectedPackage {
    /// The package's name.
    pub name: PackageName,
    /// The lock's `version`, if it gives one.
    pub version: Option<Version>,
    /// The absolute URL (`https://`, `file://`, `git+https://...@commit`).
    pub url: Url,
    /// The file's hashes den can verify (sha256, sha384, sha512); empty for directories and
    /// VCS entries.
    pub hashes: Vec<HashDigest>,
    /// A directory to install in editable mode.
    pub editable: bool,
    /// A file of a release (`sdist`, `wheels`), not a direct reference: installed as from an
    /// index, without `direct_url.json` (the specification's rule for `sdist` and `wheels`).
    pub release: bool,
    /// The entry's key path, `packages[N]`, for messages.
    pub key: String,
}

/// A key path under construction: `packages[0].wheels[1]`.
#[derive(Clone, Copy)]
struct At<'a> {
    parent: Option<&'a At<'a>>,
    part: Part<'a>,
}

#[derive(Clone, Copy)]
enum Part<'a> {
    Root,
    Key(&'a str),
    Index(usize),
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(parent) = self.parent {
            parent.fmt(f)?;
        }
        match self.part {
            Part::Root => Ok(()),
            Part::Key(key) if matches!(self.parent.map(|p| p.part), Some(Part::Root) | None) => {
                f.write_str(key)
            }
            Part::Key(key) => write!(f, ".{key}"),
            Part::Index(i) => write!(f, "[{i}]"),
        }
    }
}

impl<'a> At<'a> {
    const ROOT: At<'static> = At {
        parent: None,
        part: Part::Root,
    };

    fn key(&'a self, key: &'a str) -> At<'a> {
        At {
            parent: Some(self),
            part: Part::Key(key),
        }
    }

    fn index(&'a self, index: usize) -> At<'a> {
        At {
            parent: Some(self),
            part: Part::Index(index),
        }
    }
}

/// Reads one table, with the file for errors.
struct Reader<'f> {
    file: &'f Path,
}

type Table = toml::map::Map<String, Value>;

impl Reader<'_> {
    /// The error at `at`; a message of several lines (a parser's, with its `^^^` under the
    /// text at fault) keeps them, each line's control characters escaped.
    fn error(&self, at: &At<'_>, message: impl Into<String>) -> PylockError {
        let message = message.into();
        let message: Vec<_> = message.lines().map(escape_controls).collect();
        PylockError {
            file: self.file.to_path_buf(),
            key: escape_controls(&at.to_string()).into_owned(),
            message: message.join("\n").trim_end().to_string(),
        }
    }

    fn wrong_type(&self, at: &At<'_>, expected: &str, found: &Value) -> PylockError {
        self.error(
            at,
            format!("expected {expected}, found {}", found.type_str()),
        )
    }

    fn string(&self, table: &Table, at: &At<'_>, key: &str) -> Result<Option<String>, PylockError> {
        match table.get(key) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(other) => Err(self.wrong_type(&at.key(key), "a string", other)),
        }
    }

    fn required_string(
        &self,
        table: &Table,
        at: &At<'_>,
        key: &str,
    ) -> Result<String, PylockError> {
        self.string(table, at, key)?
            .ok_or_else(|| self.error(&at.key(key), MISSING_KEY))
    }

    fn parsed<T>(
        &self,
        table: &Table,
        at: &At<'_>,
        key: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Option<T>, PylockError> {
        self.string(table, at, key)?
            .map(|text| parse(&text).map_err(|message| self.error(&at.key(key), message)))
            .transpose()
    }

    fn strings(&self, table: &Table, at: &At<'_>, key: &str) -> Result<Vec<String>, PylockError> {
        let at = at.key(key);
        match table.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Value::String(text) => Ok(text.clone()),
                    other => Err(self.wrong_type(&at.index(i), "a string", other)),
                })
                .collect(),
            Some(other) => Err(self.wrong_type(&at, "an array", other)),
        }
    }

    fn table<'t>(
        &self,
        table: &'t Table,
        at: &At<'_>,
        key: &str,
    ) -> Result<Option<&'t Table>, PylockError> {
        match table.get(key) {
            None => Ok(None),
            Some(Value::Table(inner)) => Ok(Some(inner)),
            Some(other) => Err(self.wrong_type(&at.key(key), "a table", other)),
        }
    }

    fn tables<'t>(
        &self,
        table: &'t Table,
        at: &At<'_>,
        key: &str,
    ) -> Result<Option<Vec<&'t Table>>, PylockError> {
        let at = at.key(key);
        match table.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Value::Table(inner) => Ok(inner),
                    other => Err(self.wrong_type(&at.index(i), "a table", other)),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(other) => Err(self.wrong_type(&at, "an array of tables", other)),
        }
    }

    fn lock(&self, root: &Table) -> Result<Pylock, PylockError> {
        let at = At::ROOT;
        let lock_version = self.required_string(root, &at, "lock-version")?;
        let major = Version::from_str(&lock_version)
            .map_err(|e| self.error(&at.key("lock-version"), e.to_string()))?
            .release()
            .first()
            .copied();
        if major != Some(1) {
            return Err(self.error(
                &at.key("lock-version"),
                format!("lock version {lock_version} is not supported (den reads 1.x)"),
            ));
        }
        let created_by = self.required_string(root, &at, "created-by")?;
        let environments = self.strings(root, &at, "environments")?;
        let environments_at = at.key("environments");
        for (i, marker) in environments.iter().enumerate() {
            den_dist::parse_marker(marker)
                .map_err(|e| self.error(&environments_at.index(i), e.message()))?;
        }
        let extras = self.strings(root, &at, "extras")?;
        let extras_at = at.key("extras");
        for (i, extra) in extras.iter().enumerate() {
            normalized(extra).map_err(|message| self.error(&extras_at.index(i), message))?;
        }
        let packages_at = at.key("packages");
        let packages = self
            .tables(root, &at, "packages")?
            .ok_or_else(|| self.error(&packages_at, MISSING_KEY))?
            .into_iter()
            .enumerate()
            .map(|(i, package)| self.package(package, &packages_at.index(i)))
            .collect::<Result<_, _>>()?;
        if let Some(tool) = root.get("tool").filter(|tool| !tool.is_table()) {
            return Err(self.wrong_type(&at.key("tool"), "a table", tool));
        }
        Ok(Pylock {
            lock_version,
            environments,
            requires_python: self.parsed(root, &at, "requires-python", specifiers)?,
            extras,
            dependency_groups: self.strings(root, &at, "dependency-groups")?,
            default_groups: self.strings(root, &at, "default-groups")?,
            created_by,
            packages,
        })
    }

    fn package(&self, table: &Table, at: &At<'_>) -> Result<LockedPackage, PylockError> {
        let name = self.required_string(table, at, "name")?;
        let name = normalized(&name).map_err(|message| self.error(&at.key("name"), message))?;
        let version = self.parsed(table, at, "version", |text| {
            Version::from_str(text).map_err(|e| e.to_string())
        })?;
        let marker = self.parsed(table, at, "marker", |text| {
            marker::lock_marker(text, &BTreeSet::new(), &BTreeSet::new())
                .map(|_| text.to_string())
                .map_err(|e| e.message().to_string())
        })?;
        let requires_python = self.parsed(table, at, "requires-python", specifiers)?;
        self.tables(table, at, "dependencies")?;
        let index = self.string(table, at, "index")?;
        if let Some(identities) = self.tables(table, at, "attestation-identities")? {
            let identities_at = at.key("attestation-identities");
            for (i, identity) in identities.iter().enumerate() {
                self.required_string(identity, &identities_at.index(i), "kind")?;
            }
        }
        if let Some(tool) = table.get("tool").filter(|tool| !tool.is_table()) {
            return Err(self.wrong_type(&at.key("tool"), "a table", tool));
        }
        let vcs = self
            .table(table, at, "vcs")?
            .map(|vcs| self.vcs(vcs, &at.key("vcs")))
            .transpose()?;
        let directory = self
            .table(table, at, "directory")?
            .map(|dir| self.directory(dir, &at.key("directory")))
            .transpose()?;
        let archive = self
            .table(table, at, "archive")?
            .map(|archive| self.file(archive, &at.key("archive"), FileKind::Archive))
            .transpose()?;
        let sdist = self
            .table(table, at, "sdist")?
            .map(|sdist| self.file(sdist, &at.key("sdist"), FileKind::Sdist(&name)))
            .transpose()?;
        let wheels_at = at.key("wheels");
        let wheels = self
            .tables(table, at, "wheels")?
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, wheel)| self.file(wheel, &wheels_at.index(i), FileKind::Wheel))
            .collect::<Result<Vec<_>, _>>()?;
        let files = sdist.is_some() || !wheels.is_empty();
        let direct = [vcs.is_some(), directory.is_some(), archive.is_some()]
            .into_iter()
            .filter(|set| *set)
            .count();
        let source = match (files, vcs, directory, archive) {
            (true, ..) if direct > 0 => {
                return Err(self.error(
                    at,
                    "none of `vcs`, `directory`, `archive` may be set with `sdist` or `wheels`",
                ));
            }
            (true, ..) => LockedSource::Files { sdist, wheels },
            (false, Some(vcs), None, None) => LockedSource::Vcs(vcs),
            (false, None, Some(directory), None) => LockedSource::Directory(directory),
            (false, None, None, Some(archive)) => LockedSource::Archive(archive),
            (false, ..) => {
                return Err(self.error(
                    at,
                    "exactly one of `vcs`, `directory`, `archive` must be set when `sdist` and `wheels` are not",
                ));
            }
        };
        Ok(LockedPackage {
            name,
            version,
            marker,
            requires_python,
            index,
            source,
        })
    }

    fn vcs(&self, table: &Table, at: &At<'_>) -> Result<LockedVcs, PylockError> {
        let vcs = LockedVcs {
            kind: self.required_string(table, at, "type")?,
            url: self.string(table, at, "url")?,
            path: self.string(table, at, "path")?,
            requested_revision: self.string(table, at, "requested-revision")?,
            commit_id: self.required_string(table, at, "commit-id")?,
            subdirectory: self.string(table, at, "subdirectory")?,
        };
        if vcs.url.is_none() && vcs.path.is_none() {
            return Err(self.error(at, "`url` or `path` must be given"));
        }
        Ok(vcs)
    }

    fn directory(&self, table: &Table, at: &At<'_>) -> Result<LockedDirectory, PylockError> {
        let editable = match table.get("editable") {
            None => false,
            Some(Value::Boolean(editable)) => *editable,
            Some(other) => return Err(self.wrong_type(&at.key("editable"), "a boolean", other)),
        };
        Ok(LockedDirectory {
            path: self.required_string(table, at, "path")?,
            editable,
            subdirectory: self.string(table, at, "subdirectory")?,
        })
    }

    fn file(
        &self,
        table: &Table,
        at: &At<'_>,
        kind: FileKind<'_>,
    ) -> Result<LockedFile, PylockError> {
        let upload_time = match table.get("upload-time") {
            None => None,
            Some(Value::Datetime(time)) => Some(time.to_string()),
            Some(other) => {
                return Err(self.wrong_type(&at.key("upload-time"), "a date-time", other));
            }
        };
        let size = match table.get("size") {
            None => None,
            Some(Value::Integer(size)) => Some(u64::try_from(*size).map_err(|_| {
                self.error(&at.key("size"), format!("{size} is not a size in bytes"))
            })?),
            Some(other) => return Err(self.wrong_type(&at.key("size"), "an integer", other)),
        };
        let hashes_at = at.key("hashes");
        let hashes: BTreeMap<String, String> = self
            .table(table, at, "hashes")?
            .ok_or_else(|| self.error(&hashes_at, MISSING_KEY))?
            .iter()
            .map(|(algorithm, digest)| match digest {
                Value::String(hex) => Ok((algorithm.clone(), hex.clone())),
                other => Err(self.wrong_type(&hashes_at.key(algorithm), "a string", other)),
            })
            .collect::<Result<_, _>>()?;
        if hashes.is_empty() {
            return Err(self.error(&hashes_at, "at least one hash must be given"));
        }
        let file = LockedFile {
            name: self.string(table, at, "name")?,
            upload_time,
            url: self.string(table, at, "url")?,
            path: self.string(table, at, "path")?,
            size,
            hashes,
            subdirectory: match kind {
                FileKind::Archive => self.string(table, at, "subdirectory")?,
                _ => None,
            },
        };
        if file.url.is_none() && file.path.is_none() {
            return Err(self.error(at, "`url` or `path` must be given"));
        }
        let filename = file.filename();
        let valid = match kind {
            FileKind::Archive => Ok(()),
            FileKind::Wheel => WheelFilename::from_str(&filename)
                .map(|_| ())
                .map_err(|e| format!("`{filename}` is not a wheel filename: {e}")),
            FileKind::Sdist(name) => SourceDistFilename::parse(&filename, name)
                .map(|_| ())
                .map_err(|e| format!("`{filename}` is not a source distribution filename: {e}")),
        };
        valid.map_err(|message| {
            let key = if file.name.is_some() { "name" } else { "url" };
            self.error(&at.key(key), message)
        })?;
        Ok(file)
    }
}

#[derive(Clone, Copy)]
enum FileKind<'a> {
    Archive,
    Wheel,
    Sdist(&'a PackageName),
}

fn normalized(text: &str) -> Result<PackageName, String> {
    let name = PackageName::from_str(text).map_err(|e| e.to_string())?;
    if name.as_ref() != text {
        return Err(format!("`{text}` is not a normalized name (`{name}`)"));
    }
    Ok(name)
}

fn specifiers(text: &str) -> Result<VersionSpecifiers, String> {
    VersionSpecifiers::from_str(text).map_err(|e| e.to_string())
}

impl LockedFile {
    /// The filename: `name`, else the last part of `path`, else of `url`'s path.
    pub fn filename(&self) -> String {
        if let Some(name) = &self.name {
            return name.clone();
        }
        if let Some(path) = &self.path {
            return path.rsplit(['/', '\\']).next().unwrap_or(path).to_string();
        }
        let url = self.url.as_deref().unwrap_or_default();
        let path = Url::parse(url)
            .map(|u| u.path().to_string())
            .unwrap_or_else(|_| url.to_string());
        let last = path.rsplit('/').next().unwrap_or_default();
        percent_encoding::percent_decode_str(last)
            .decode_utf8_lossy()
            .into_owned()
    }

    /// The hashes den can verify.
    fn digests(&self) -> Vec<HashDigest> {
        self.hashes
            .iter()
            .filter_map(|(algorithm, hex)| HashDigest::new(algorithm, hex).ok())
            .collect()
    }
}

impl Pylock {
    /// Reads and validates lock file `text`; `file` names it in errors and is the base of
    /// relative paths later.
    ///
    /// Errors: [`PylockError`] naming the key at fault (or none, when the text is not TOML).
    pub fn parse(text: &str, file: &Path) -> Result<Self, PylockError> {
        let root: Table = text.parse().map_err(|e: toml::de::Error| PylockError {
            file: file.to_path_buf(),
            key: String::new(),
            message: format!("not valid TOML: {}", escape_controls(e.message())),
        })?;
        Reader { file }.lock(&root)
    }

    /// Reads and validates the lock file at `path`.
    ///
    /// Errors: the file cannot be read, or those of [`Pylock::parse`].
    pub fn read(path: &Path) -> Result<Self, PylockError> {
        let text = std::fs::read_to_string(path).map_err(|e| PylockError {
            file: path.to_path_buf(),
            key: String::new(),
            message: format!("cannot read it: {e}"),
        })?;
        Self::parse(&text, path)
    }

    /// The top-level `requires-python` of the lock file at `path` as written (what
    /// [`Pylock::requires_python`] holds parsed, its clauses reordered), for showing it as
    /// pipenv shows it; `None` when the file has none or cannot be read.
    pub fn requires_python_as_written(path: &Path) -> Option<String> {
        let root: Table = std::fs::read_to_string(path).ok()?.parse().ok()?;
        root.get("requires-python")?.as_str().map(str::to_string)
    }

    /// The lock as TOML text, keys in the specification's order.
    pub fn to_toml(&self) -> String {
        use toml_edit::{ArrayOfTables, DocumentMut, Item, Table as EditTable, value};
        let strings = |items: &[String]| {
            let mut array = toml_edit::Array::new();
            array.extend(items.iter().map(String::as_str));
            value(array)
        };
        let mut doc = DocumentMut::new();
        doc["lock-version"] = value(&self.lock_version);
        if !self.environments.is_empty() {
            doc["environments"] = strings(&self.environments);
        }
        if let Some(requires) = &self.requires_python {
            doc["requires-python"] = value(requires.to_string());
        }
        for (key, items) in [
            ("extras", &self.extras),
            ("dependency-groups", &self.dependency_groups),
            ("default-groups", &self.default_groups),
        ] {
            if !items.is_empty() {
                doc[key] = strings(items);
            }
        }
        doc["created-by"] = value(&self.created_by);
        let mut packages = ArrayOfTables::new();
        for package in &self.packages {
            let mut table = EditTable::new();
            table["name"] = value(package.name.as_ref());
            if let Some(version) = &package.version {
                table["version"] = value(version.to_string());
            }
            if let Some(marker) = &package.marker {
                table["marker"] = value(marker);
            }
            if let Some(requires) = &package.requires_python {
                table["requires-python"] = value(requires.to_string());
            }
            let file_table = |file: &LockedFile| {
                let mut t = EditTable::new();
                if let Some(name) = &file.name {
                    t["name"] = value(name);
                }
                if let Some(time) = file
                    .upload_time
                    .as_deref()
                    .and_then(|time| time.parse::<toml_edit::Datetime>().ok())
                {
                    t["upload-time"] = value(time);
                }
                if let Some(url) = &file.url {
                    t["url"] = value(url);
                }
                if let Some(path) = &file.path {
                    t["path"] = value(path);
                }
                if let Some(size) = file.size.and_then(|size| i64::try_from(size).ok()) {
                    t["size"] = value(size);
                }
                let mut hashes = EditTable::new();
                for (algorithm, hex) in &file.hashes {
                    hashes[algorithm.as_str()] = value(hex);
                }
                t["hashes"] = Item::Table(hashes);
                if let Some(subdirectory) = &file.subdirectory {
                    t["subdirectory"] = value(subdirectory);
                }
                t
            };
            match &package.source {
                LockedSource::Vcs(vcs) => {
                    let mut t = EditTable::new();
                    t["type"] = value(&vcs.kind);
                    for (key, field) in [
                        ("url", &vcs.url),
                        ("path", &vcs.path),
                        ("requested-revision", &vcs.requested_revision),
                    ] {
                        if let Some(text) = field {
                            t[key] = value(text);
                        }
                    }
                    t["commit-id"] = value(&vcs.commit_id);
                    if let Some(subdirectory) = &vcs.subdirectory {
                        t["subdirectory"] = value(subdirectory);
                    }
                    table["vcs"] = Item::Table(t);
                }
                LockedSource::Directory(directory) => {
                    let mut t = EditTable::new();
                    t["path"] = value(&directory.path);
                    if directory.editable {
                        t["editable"] = value(true);
                    }
                    if let Some(subdirectory) = &directory.subdirectory {
                        t["subdirectory"] = value(subdirectory);
                    }
                    table["directory"] = Item::Table(t);
                }
                LockedSource::Archive(archive) => {
                    table["archive"] = Item::Table(file_table(archive));
                }
                LockedSource::Files { .. } => {}
            }
            if let Some(index) = &package.index {
                table["index"] = value(index);
            }
            if let LockedSource::Files { sdist, wheels } = &package.source {
                if let Some(sdist) = sdist {
                    table["sdist"] = Item::Table(file_table(sdist));
                }
                if !wheels.is_empty() {
                    let mut array = ArrayOfTables::new();
                    for wheel in wheels {
                        array.push(file_table(wheel));
                    }
                    table["wheels"] = Item::ArrayOfTables(array);
                }
            }
            packages.push(table);
        }
        doc["packages"] = Item::ArrayOfTables(packages);
        doc.to_string()
    }

    /// What to install of `selection`'s extras and groups for `markers`, `tags` and Python
    /// `python_version`, per the specification's "Installation" section (see the module
    /// documentation); relative paths are joined onto `base`, the lock file's directory.
    /// `file` names the lock in errors.
    ///
    /// Errors: the lock does not apply to the target (`requires-python`, `environments`), a
    /// selected package's `requires-python` excludes it, no wheel fits and there is no sdist,
    /// a name is selected twice, a file has no hash den can verify, or a URL or path is bad.
    pub fn select(
        &self,
        file: &Path,
        base: &Path,
        selection: &LockSelection,
        markers: &MarkerEnvironment,
        tags: &Tags,
        python_version: &Version,
    ) -> Result<Vec<SelectedPackage>, PylockError> {
        let reader = Reader { file };
        let root = At::ROOT;
        if let Some(requires) = &self.requires_python
            && !requires.contains(python_version)
        {
            return Err(reader.error(
                &root.key("requires-python"),
                format!("the lock requires Python {requires}; the target is {python_version}"),
            ));
        }
        if !self.environments.is_empty()
            && !self.environments.iter().any(|marker| {
                den_dist::parse_marker(marker).is_ok_and(|tree| tree.evaluate(markers, &[]))
            })
        {
            return Err(reader.error(
                &root.key("environments"),
                "none of the lock's environments matches the target",
            ));
        }
        let packages_at = root.key("packages");
        let mut selected: Vec<SelectedPackage> = Vec::new();
        let normalized = |names: &mut dyn Iterator<Item = &String>| -> BTreeSet<String> {
            names.map(|name| crate::groups::normalize(name)).collect()
        };
        let extras = normalized(&mut selection.extras.iter());
        let default_groups = selection.default_groups.then_some(&self.default_groups);
        let groups = normalized(
            &mut selection
                .groups
                .iter()
                .chain(default_groups.into_iter().flatten()),
        );
        for (i, package) in self.packages.iter().enumerate() {
            let at = packages_at.index(i);
            if let Some(marker) = &package.marker
                && !marker::lock_marker(marker, &extras, &groups)
                    .is_ok_and(|tree| tree.evaluate(markers, &[]))
            {
                continue;
            }
            if let Some(requires) = &package.requires_python
                && !requires.contains(python_version)
            {
                return Err(reader.error(
                    &at.key("requires-python"),
                    format!(
                        "{} requires Python {requires}; the target is {python_version}",
                        package.name
                    ),
                ));
            }
            if let Some(earlier) = selected.iter().find(|s| s.name == package.name) {
                return Err(reader.error(
                    &at,
                    format!(
                        "{} is selected twice (also by `{}`): the markers must tell them apart",
                        package.name, earlier.key
                    ),
                ));
            }
            let location = |url: &Option<String>, path: &Option<String>, at: &At<'_>| {
                locate(base, url.as_deref(), path.as_deref())
                    .map_err(|message| reader.error(at, message))
            };
            let with_hashes = |file: &LockedFile, at: &At<'_>| {
                let hashes = file.digests();
                if hashes.is_empty() {
                    return Err(reader.error(
                        &at.key("hashes"),
                        "no hash den can verify (sha256, sha384, sha512)",
                    ));
                }
                Ok((location(&file.url, &file.path, at)?, hashes))
            };
            let (url, hashes, editable) = match &package.source {
                LockedSource::Vcs(vcs) => {
                    let at = at.key("vcs");
                    // A repository URL may be `ssh://` or `git://`: only a path is checked.
                    let repository = match (&vcs.path, &vcs.url) {
                        (None, Some(url)) => url.clone(),
                        _ => location(&None, &vcs.path, &at)?.to_string(),
                    };
                    let text = format!("{}+{repository}@{}", vcs.kind, vcs.commit_id);
                    let mut url =
                        Url::parse(&text).map_err(|e| reader.error(&at, e.to_string()))?;
                    if let Some(subdirectory) = &vcs.subdirectory {
                        url.set_fragment(Some(&format!("subdirectory={subdirectory}")));
                    }
                    (url, Vec::new(), false)
                }
                LockedSource::Directory(directory) => {
                    let at = at.key("directory");
                    let path = match &directory.subdirectory {
                        Some(sub) => format!("{}/{sub}", directory.path.trim_end_matches('/')),
                        None => directory.path.clone(),
                    };
                    let url = location(&None, &Some(path), &at)?;
                    (url, Vec::new(), directory.editable)
                }
                LockedSource::Archive(archive) => {
                    let at = at.key("archive");
                    let (mut url, hashes) = with_hashes(archive, &at)?;
                    if let Some(subdirectory) = &archive.subdirectory {
                        url.set_fragment(Some(&format!("subdirectory={subdirectory}")));
                    }
                    (url, hashes, false)
                }
                LockedSource::Files { sdist, wheels } => {
                    let best = wheels
                        .iter()
                        .enumerate()
                        .filter_map(|(j, wheel)| {
                            let filename = WheelFilename::from_str(&wheel.filename()).ok()?;
                            Some((tags.compatibility(&filename)?, j, wheel))
                        })
                        .max_by_key(|(priority, j, _)| (*priority, std::cmp::Reverse(*j)));
                    let (url, hashes) = match (best, sdist) {
                        (Some((_, j, wheel)), _) => with_hashes(wheel, &at.key("wheels").index(j))?,
                        (None, Some(sdist)) => with_hashes(sdist, &at.key("sdist"))?,
                        (None, None) => {
                            return Err(reader.error(
                                &at.key("wheels"),
                                format!(
                                    "no wheel of {} fits this interpreter and there is no sdist",
                                    package.name
                                ),
                            ));
                        }
                    };
                    (url, hashes, false)
                }
            };
            selected.push(SelectedPackage {
                name: package.name.clone(),
                version: package.version.clone(),
                url,
                hashes,
                editable,
                release: matches!(package.source, LockedSource::Files { .. }),
                key: at.to_string(),
            });
        }
        Ok(selected)
    }
}

/// The URL of a file entry: `path` wins over `url` (pip's rule); a relative path is joined onto
/// `base`.
fn locate(base: &Path, url: Option<&str>, path: Option<&str>) -> Result<Url, String> {
    if let Some(path) = path {
        let joined = base.join(path);
        let absolute = std::path::absolute(&joined)
            .map_err(|e| format!("cannot make `{path}` absolute: {e}"))?;
        return Url::from_file_path(den_dist::path::normalize_path(&absolute))
            .map_err(|()| format!("`{path}` is not a usable path"));
    }
    let url = url.unwrap_or_default();
    let parsed = Url::parse(url).map_err(|e| format!("`{url}` is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https" | "file") {
        return Err(format!("`{url}` is not an http, https or file URL"));
    }
    Ok(parsed)
}

mod marker;
#[cfg(test)]
mod tests;
