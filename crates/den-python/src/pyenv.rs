//! pyenv's layout and version selection, read from files without running pyenv.
//!
//! `$PYENV_ROOT` (default `~/.pyenv`) holds `versions/<name>/` (one installation each),
//! `shims/` (scripts that run `pyenv exec <name>`) and `version` (the global pin). The selected
//! version comes from, in order: `PYENV_VERSION` (names separated by `:`), the nearest
//! `.python-version` from the current directory upward, the global `version` file, else
//! `system` (the first non-shim interpreter on `PATH`). A version file holds one or more
//! names: the first word of each line, lines starting with `#` ignored, a word with `:`
//! naming several. A name may be a prefix (`3.12` selects the newest installed `3.12.x`,
//! like `pyenv latest`).

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use den_dist::IoError;

use crate::request::{ImplementationName, VersionRequest};

/// A pyenv installation rooted at `$PYENV_ROOT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pyenv {
    root: PathBuf,
}

/// One directory under `$PYENV_ROOT/versions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledVersion {
    /// The directory name (`3.12.1`, `pypy3.10-7.3.13`, `3.13.0t`).
    pub name: String,
    /// `$PYENV_ROOT/versions/<name>`.
    pub dir: PathBuf,
    /// What the name says about the interpreter inside, without running it.
    pub guess: VersionGuess,
}

/// What a version directory's name says about its interpreter (pyenv's naming conventions:
/// `3.12.1`, `3.13.0t`, `3.14-dev`, `pypy3.10-7.3.13`, `graalpy-23.1.0`, `miniconda3-latest`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VersionGuess {
    /// The implementation, when the name tells (`None` for distributions like conda).
    pub implementation: Option<ImplementationName>,
    /// The Python language release numbers the name gives: `[3, 12, 1]`, `[3, 10]`, or empty.
    pub release: Vec<u64>,
    /// A free-threaded build (`t` suffix).
    pub free_threaded: bool,
    /// A pre-release or development build (`3.13.0rc1`, `3.14-dev`).
    pub prerelease: bool,
}

impl VersionGuess {
    /// Reads a pyenv version directory name.
    pub fn from_name(name: &str) -> Self {
        let (implementation, rest) = if name.starts_with(|c: char| c.is_ascii_digit()) {
            (Some(ImplementationName::CPython), name)
        } else if let Some(rest) = name.strip_prefix("pypy") {
            (Some(ImplementationName::PyPy), rest)
        } else if name.starts_with("graalpy") {
            // GraalPy directories carry GraalPy's own version, not Python's.
            return Self {
                implementation: Some(ImplementationName::GraalPy),
                ..Self::default()
            };
        } else {
            return Self::default();
        };
        let numeric_end = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        let release: Vec<u64> = rest[..numeric_end]
            .split('.')
            .map_while(|part| part.parse().ok())
            .collect();
        let suffix = &rest[numeric_end..];
        let free_threaded = implementation == Some(ImplementationName::CPython)
            && (suffix == "t" || suffix.starts_with("t-"));
        let suffix = if free_threaded { &suffix[1..] } else { suffix };
        let prerelease = implementation == Some(ImplementationName::CPython) && !suffix.is_empty();
        Self {
            implementation,
            release,
            free_threaded,
            prerelease,
        }
    }

    /// Whether the interpreter may satisfy `version`; `false` only when the name rules it out.
    pub fn may_satisfy(&self, version: &VersionRequest) -> bool {
        if version.free_threaded() && self.implementation.is_some() && !self.free_threaded {
            return false;
        }
        match (version, self.release.as_slice()) {
            (_, [] | [_]) => true,
            (VersionRequest::Prefix { version, .. }, known) => version
                .release()
                .iter()
                .zip(known)
                .all(|(wanted, have)| wanted == have),
            (VersionRequest::Specifiers(specifiers), [major, minor, patch]) if !self.prerelease => {
                specifiers.contains(&den_dist::Version::new([*major, *minor, *patch]))
            }
            (_, [major, minor, ..]) => version.may_match_minor(*major, *minor),
        }
    }
}

/// Where a pyenv version selection came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinOrigin {
    /// The `PYENV_VERSION` environment variable.
    EnvVar,
    /// A `.python-version` file (the nearest one from `PYENV_DIR`, else the working
    /// directory, upward).
    LocalFile(PathBuf),
    /// pyenv's global version file, `$PYENV_ROOT/version` (named even when it does not
    /// exist: the selection is then `system`).
    GlobalFile(PathBuf),
}

impl PinOrigin {
    /// The origin as `pyenv version-origin` prints it: `PYENV_VERSION environment
    /// variable`, or the version file's path.
    pub fn pyenv_text(&self) -> String {
        match self {
            Self::EnvVar => "PYENV_VERSION environment variable".to_string(),
            Self::LocalFile(path) | Self::GlobalFile(path) => path.display().to_string(),
        }
    }
}

impl fmt::Display for PinOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EnvVar => f.write_str("the PYENV_VERSION environment variable"),
            Self::LocalFile(path) => write!(f, "{}", path.display()),
            Self::GlobalFile(path) => write!(f, "pyenv's global version file {}", path.display()),
        }
    }
}

/// The versions pyenv would select, most preferred first, and where they were set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionPin {
    /// Version names as written (`3.12`, `3.11.7`, `system`, `pypy3.10-7.3.13`); `system`
    /// alone when the version file is missing or names nothing.
    pub versions: Vec<String>,
    /// Where they were set.
    pub origin: PinOrigin,
    /// Names the version file held that pyenv refuses (see [`VersionFile::invalid`]).
    pub invalid: Vec<String>,
}

/// What a version file says, read as `pyenv version-file-read` reads it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VersionFile {
    /// The first word of each line, in order, skipping blank lines and `#` comments (`\r`
    /// counts as blank space); a word may hold several names (`3.13.0:3.9.18`, see
    /// [`Self::names`]).
    pub versions: Vec<String>,
    /// Names refused because they could leave `$PYENV_ROOT/versions` (CVE-2022-35861): `..`,
    /// or a name with `/` that is not a directory inside it. pyenv warns "invalid version
    /// `NAME' ignored in `FILE'" for each.
    pub invalid: Vec<String>,
}

impl VersionFile {
    /// The names the file selects: its words joined with `:` (`pyenv version-file-read`'s
    /// answer) and split again as pyenv's scripts split that answer ([`split_versions`]), so
    /// a line `3.13.0:3.9.18` names two versions.
    pub fn names(&self) -> Vec<String> {
        split_versions(&self.versions.join(":"))
    }
}

/// A `:`-separated list of version names (`PYENV_VERSION`, `pyenv version-file-read`'s
/// answer) split as bash splits it with `IFS=:`: every `:` ends a name, so names may be
/// empty (`3.12::3.11` has three, `:` one), and an empty text has none.
pub fn split_versions(text: &str) -> Vec<String> {
    if text.is_empty() {
        return Vec::new();
    }
    let ended = text.strip_suffix(':').unwrap_or(text);
    ended.split(':').map(str::to_string).collect()
}

/// Parses a version file's text; `versions_dir` (`$PYENV_ROOT/versions`) judges names with
/// a `/`, which must name a directory inside it (pyenv-virtualenv's `3.12.1/envs/tools`).
pub fn parse_version_file(text: &str, versions_dir: &Path) -> VersionFile {
    let mut file = VersionFile::default();
    for line in text.lines() {
        let Some(word) = line.split([' ', '\t', '\r']).find(|word| !word.is_empty()) else {
            continue;
        };
        if word.starts_with('#') {
            continue;
        }
        if is_version_safe(word, versions_dir) {
            file.versions.push(word.to_string());
        } else {
            file.invalid.push(word.to_string());
        }
    }
    file
}

/// Whether a version name stays inside `versions_dir`: names without `/` (other than `..`)
/// always do; others must be a directory whose path, with `..` taken away lexically (as
/// `cd` does), is inside it.
fn is_version_safe(name: &str, versions_dir: &Path) -> bool {
    if name != ".." && !name.contains('/') {
        return true;
    }
    let mut resolved = versions_dir.to_path_buf();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                resolved.pop();
            }
            part => resolved.push(part),
        }
    }
    resolved.starts_with(versions_dir) && resolved != versions_dir && resolved.is_dir()
}

/// The nearest `.python-version` in `start` or one of its ancestors (a regular file, or a
/// link to one).
pub fn find_version_file(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(".python-version"))
        .find(|file| file.is_file())
}

impl Pyenv {
    /// pyenv at `root`, or `None` when `root` has neither `versions` nor `shims`.
    pub fn at(root: &Path) -> Option<Self> {
        (root.join("versions").is_dir() || root.join("shims").is_dir()).then(|| Self::new(root))
    }

    /// pyenv at `root`, whether or not anything is there yet (pyenv's own commands work on
    /// an empty root).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// `$PYENV_ROOT` (a trailing `/` dropped), else `~/.pyenv`, as pyenv reads it.
    pub fn from_env() -> Self {
        let root = match std::env::var_os("PYENV_ROOT").filter(|root| !root.is_empty()) {
            Some(root) => {
                let text = root.to_string_lossy();
                match text.strip_suffix('/').filter(|rest| !rest.is_empty()) {
                    Some(rest) => PathBuf::from(rest),
                    None => PathBuf::from(root),
                }
            }
            None => dirs::home_dir().unwrap_or_default().join(".pyenv"),
        };
        Self::new(root)
    }

    /// `$PYENV_ROOT`.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `$PYENV_ROOT/shims`.
    pub fn shims_dir(&self) -> PathBuf {
        self.root.join("shims")
    }

    /// `$PYENV_ROOT/versions`.
    pub fn versions_dir(&self) -> PathBuf {
        self.root.join("versions")
    }

    /// `$PYENV_ROOT/version`, the global version file.
    pub fn global_version_file(&self) -> PathBuf {
        self.root.join("version")
    }

    /// Whether `path` is one of pyenv's shims (a file directly in the shims directory, also
    /// when `PATH` spells that directory through a symlink).
    pub fn is_shim(&self, path: &Path) -> bool {
        let Some(dir) = path.parent() else {
            return false;
        };
        let shims = self.shims_dir();
        dir == shims
            || (dir.file_name() == Some("shims".as_ref())
                && fs::canonicalize(dir)
                    .ok()
                    .zip(fs::canonicalize(&shims).ok())
                    .is_some_and(|(a, b)| a == b))
    }

    /// The installed versions, newest Python release first (names without a release last,
    /// alphabetically). An unreadable versions directory counts as empty.
    pub fn installed_versions(&self) -> Vec<InstalledVersion> {
        let mut versions: Vec<InstalledVersion> = self
            .version_names()
            .into_iter()
            .map(|name| InstalledVersion {
                guess: VersionGuess::from_name(&name),
                dir: self.versions_dir().join(&name),
                name,
            })
            .collect();
        versions.sort_by(|a, b| {
            b.guess
                .release
                .cmp(&a.guess.release)
                .then(a.guess.prerelease.cmp(&b.guess.prerelease))
                .then(a.name.cmp(&b.name))
        });
        versions
    }

    /// The names of the directories (or links to directories) in `$PYENV_ROOT/versions`,
    /// hidden ones included, in `sort --version-sort` order: `pyenv versions --bare
    /// --skip-envs`. An unreadable versions directory counts as empty.
    pub fn version_names(&self) -> Vec<String> {
        let Ok(entries) = fs::read_dir(self.versions_dir()) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|entry| entry.path().is_dir())
            .filter_map(|entry| entry.file_name().into_string().ok())
            .collect();
        names.sort_by(|a, b| crate::pyenv_order::version_sort(a, b));
        names
    }

    /// The version file that sets the version in `cwd` (`pyenv version-file`): the nearest
    /// `.python-version` from `pyenv_dir` (`PYENV_DIR`, a relative one taken from `cwd` and
    /// its `..` and `.` resolved as `cd` resolves them) upward, else from `cwd` upward, else
    /// the global file, whether or not it exists.
    pub fn version_file(&self, pyenv_dir: Option<&Path>, cwd: &Path) -> PathBuf {
        pyenv_dir
            .and_then(|dir| find_version_file(&den_dist::path::normalize_path(&cwd.join(dir))))
            .or_else(|| find_version_file(cwd))
            .unwrap_or_else(|| self.global_version_file())
    }

    /// Reads a version file (`pyenv version-file-read`); a missing file names nothing.
    ///
    /// Errors: the file exists but cannot be read (`cannot read pyenv version file <path>:
    /// ...`).
    pub fn read_version_file(&self, path: &Path) -> Result<VersionFile, IoError> {
        match fs::read(path) {
            Ok(bytes) => Ok(parse_version_file(
                &String::from_utf8_lossy(&bytes),
                &self.versions_dir(),
            )),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(VersionFile::default()),
            Err(err) => Err(IoError::new("read pyenv version file", path, err)),
        }
    }

    /// The selection in `cwd`, by pyenv's rules: `pyenv_version` (`PYENV_VERSION`, names
    /// separated by `:`, [`split_versions`]) when set and not empty, else the names in
    /// [`Self::version_file`] ([`VersionFile::names`]; `system` when it names none).
    ///
    /// Errors: the version file exists but cannot be read.
    pub fn selection(
        &self,
        pyenv_version: Option<&str>,
        pyenv_dir: Option<&Path>,
        cwd: &Path,
    ) -> Result<VersionPin, IoError> {
        if let Some(value) = pyenv_version.filter(|value| !value.is_empty()) {
            return Ok(VersionPin {
                versions: split_versions(value),
                origin: PinOrigin::EnvVar,
                invalid: Vec::new(),
            });
        }
        let path = self.version_file(pyenv_dir, cwd);
        let file = self.read_version_file(&path)?;
        let origin = if path == self.global_version_file() {
            PinOrigin::GlobalFile(path)
        } else {
            PinOrigin::LocalFile(path)
        };
        let mut versions = file.names();
        if versions.is_empty() {
            versions.push("system".to_string());
        }
        Ok(VersionPin {
            versions,
            origin,
            invalid: file.invalid,
        })
    }

    /// The installed version a selected name means (`pyenv version-name` for one name):
    /// `system`; the directory of that name; the name without a `python-` prefix; else the
    /// newest installed match of the name as a prefix ([`Self::latest`]), with and without
    /// that prefix. `None` when it is not installed.
    pub fn resolve_name(&self, name: &str) -> Option<String> {
        let normalized = name.strip_prefix("python-").unwrap_or(name);
        if name == "system" || self.version_exists(name) {
            return Some(name.to_string());
        }
        if self.version_exists(normalized) {
            return Some(normalized.to_string());
        }
        self.latest(name).or_else(|| self.latest(normalized))
    }

    /// `$PYENV_ROOT/versions/<name>` as pyenv's scripts spell it, by appending `/` and the
    /// name: an absolute name (`/usr`) stays inside `versions/` instead of replacing it.
    pub fn version_dir(&self, name: &str) -> PathBuf {
        let mut dir = self.versions_dir().into_os_string();
        dir.push("/");
        dir.push(name);
        PathBuf::from(dir)
    }

    /// Whether [`Self::version_dir`] of `name` is a directory (for the empty name, the
    /// versions directory itself, as in pyenv).
    fn version_exists(&self, name: &str) -> bool {
        self.version_dir(name).is_dir()
    }

    /// The newest installed version for `prefix` (`pyenv latest PREFIX`): the directory of
    /// that name, else [`latest_of`] over [`Self::version_names`].
    pub fn latest(&self, prefix: &str) -> Option<String> {
        if self.version_exists(prefix) {
            return Some(prefix.to_string());
        }
        latest_of(prefix, &self.version_names())
    }

    /// `pyenv latest -f PREFIX`: [`Self::latest`], else the prefix without a free-threaded
    /// `t` after a digit (`3.13.0t` without a `3.13.0t` build names `3.13.0`), else the
    /// prefix as written.
    pub fn latest_forced(&self, prefix: &str) -> String {
        self.latest(prefix)
            .unwrap_or_else(|| without_free_threaded(prefix).to_string())
    }

    /// The directory of an installed version name or prefix (`pyenv prefix NAME` for one
    /// pyenv version; `system` is the caller's): [`Self::version_dir`] of
    /// [`Self::latest_forced`].
    ///
    /// Errors: that directory does not exist; the error is the name pyenv then reports
    /// (`version `NAME' not installed`).
    pub fn prefix(&self, name: &str) -> Result<PathBuf, String> {
        let (resolved, dir) = self.forced_dir(name);
        if dir.is_dir() { Ok(dir) } else { Err(resolved) }
    }

    /// [`Self::latest_forced`] of `name`, with its [`Self::version_dir`].
    fn forced_dir(&self, name: &str) -> (String, PathBuf) {
        let resolved = self.latest_forced(name);
        let dir = self.version_dir(&resolved);
        (resolved, dir)
    }

    /// The installed version a pin name runs, with its directory, as pyenv's shims find it
    /// (`pyenv exec` and `pyenv which`): the name resolved by [`Self::resolve_name`] (kept
    /// as written, without `python-`, when that finds nothing), then its [`Self::prefix`],
    /// so `3.13.0t` runs `3.13.0` when no `3.13.0t` is installed. `None` for `system` and
    /// names not installed.
    pub fn resolve_version(&self, name: &str) -> Option<InstalledVersion> {
        let resolved = self
            .resolve_name(name)
            .unwrap_or_else(|| name.strip_prefix("python-").unwrap_or(name).to_string());
        if resolved == "system" {
            return None;
        }
        let (name, dir) = self.forced_dir(&resolved);
        if !dir.is_dir() {
            return None;
        }
        let base = name.split('/').next().unwrap_or(&name);
        Some(InstalledVersion {
            guess: VersionGuess::from_name(base),
            dir,
            name,
        })
    }
}

/// `name` without a free-threaded `t` after a digit (`3.13t` -> `3.13`), as `pyenv latest`
/// strips it before matching (and names the prefix when nothing matches); otherwise `name`.
pub fn without_free_threaded(name: &str) -> &str {
    name.strip_suffix('t')
        .filter(|stem| stem.ends_with(|c: char| c.is_ascii_digit()))
        .unwrap_or(name)
}

/// The best of `candidates` for `prefix`, by `pyenv latest`'s rules: `prefix` itself when a
/// candidate has that exact name; else candidates named `prefix` + `.` or `-` + more, without
/// `-dev`, `-src`, `-latest` and `a`/`b`/`rc` pre-releases, and without free-threaded `t`
/// builds unless the prefix ends in a digit and `t` (`3.13t` selects among `3.13.*t`); the
/// first in `pyenv latest`'s order (the first `.`-field descending as text, fields 2 to 4
/// descending as numbers, then the whole line). `None` when nothing matches.
pub fn latest_of(prefix: &str, candidates: &[String]) -> Option<String> {
    if candidates.iter().any(|name| name == prefix) {
        return Some(prefix.to_string());
    }
    let stem = without_free_threaded(prefix);
    let suffix = if stem.len() < prefix.len() { "t" } else { "" };
    let is_prerelease = |name: &str| {
        let digits = name.trim_end_matches(|c: char| c.is_ascii_digit());
        digits.len() < name.len()
            && (digits.ends_with('a') || digits.ends_with('b') || digits.ends_with("rc"))
    };
    let free_threaded = |name: &str| without_free_threaded(name).len() < name.len();
    candidates
        .iter()
        .filter(|name| {
            name.strip_prefix(stem)
                .is_some_and(|rest| rest.starts_with(['.', '-']) && rest[1..].ends_with(suffix))
        })
        .filter(|name| {
            let rolling = ["-dev", "-src", "-latest"]
                .iter()
                .any(|tail| name.ends_with(tail));
            !(rolling || is_prerelease(name) || (suffix.is_empty() && free_threaded(name)))
        })
        .min_by(|a, b| crate::pyenv_order::latest_order(a, b))
        .cloned()
}

/// The file den writes into each version it installs (`versions/3.12.8/.den-python`): the
/// archive's file name and SHA-256, one per line. Marks the versions whose minor alias den
/// keeps (`versions/3.12 -> 3.12.8`).
pub const INSTALL_MARKER: &str = ".den-python";

/// For a version den installed (`prefix` = `.../versions/3.12.8`, holding
/// [`INSTALL_MARKER`]) whose minor alias (`.../versions/3.12`, `3.13t` for a free-threaded
/// build) points at it: the alias. Environments made on it go through the alias, so a newer
/// patch release den installs later, which moves the alias, is what they run.
pub fn minor_alias_of(prefix: &Path) -> Option<PathBuf> {
    let version = prefix.file_name()?.to_str()?;
    if !prefix.join(INSTALL_MARKER).is_file() {
        return None;
    }
    let threaded = version.ends_with('t');
    let mut parts = version.trim_end_matches('t').split('.');
    let (major, minor) = (parts.next()?, parts.next()?);
    let alias = prefix.with_file_name(format!(
        "{major}.{minor}{}",
        if threaded { "t" } else { "" }
    ));
    if alias.file_name()? == prefix.file_name()? {
        return None;
    }
    (std::fs::read_link(&alias).ok()? == Path::new(version)).then_some(alias)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_version_files_like_pyenv() {
        let dir = tempfile::tempdir().unwrap();
        let versions = dir.path().join("versions");
        fs::create_dir_all(versions.join("3.10.3/test")).unwrap();
        fs::create_dir_all(dir.path().join("3.10.3/envs/test")).unwrap();
        let read = |text: &str| parse_version_file(text, &versions);
        let text = "# project pins\n3.12  # newest\n\n  3.11.7 extra words\n  # 3.4\n#3.10\n../evil\nsystem\n..\n";
        let file = read(text);
        assert_eq!(file.versions, ["3.12", "3.11.7", "system"]);
        assert_eq!(file.invalid, ["../evil", ".."]);
        assert_eq!(read(""), VersionFile::default());
        assert_eq!(read("3.9.18\r\n").versions, ["3.9.18"]);
        assert_eq!(read("\r3.9.18\r").versions, ["3.9.18"]);
        assert_eq!(read("2.7.6").versions, ["2.7.6"]);
        // Paths with `/` count when they stay inside versions/ (after `..`) and exist.
        assert_eq!(
            read("3.10.3/envs/../test").versions,
            ["3.10.3/envs/../test"]
        );
        assert_eq!(read("../3.10.3/envs/test").invalid, ["../3.10.3/envs/test"]);
        assert_eq!(read("3.10.3/missing").invalid, ["3.10.3/missing"]);
    }

    #[test]
    fn latest_follows_pyenv() {
        let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let pool = names(&[
            "3.8.5-dev",
            "3.8.5-src",
            "3.8.5-latest",
            "3.8.5a2",
            "3.8.5b3",
            "3.8.5rc2",
            "3.8.5t",
            "3.8.5b3t",
            "3.8.5rc2t",
            "3.8.1",
        ]);
        assert_eq!(latest_of("3.8", &pool).as_deref(), Some("3.8.1"));
        // pyenv's own answer: `t` pre-releases are not filtered, and ties sort by bytes.
        assert_eq!(latest_of("3.8t", &pool).as_deref(), Some("3.8.5b3t"));
        let pool = names(&["3.13.2t", "3.13.5", "3.13.5t", "3.14.6"]);
        assert_eq!(latest_of("3t", &pool).as_deref(), Some("3.13.5t"));
        assert_eq!(latest_of("3", &pool).as_deref(), Some("3.14.6"));
        assert_eq!(
            latest_of("foo", &names(&["foo", "foo.bar"])).as_deref(),
            Some("foo")
        );
        assert_eq!(latest_of("3.8", &names(&["3.5.6", "3.10.8"])), None);
        assert_eq!(
            latest_of("pypy3.10", &names(&["pypy3.10-7.3.12", "pypy3.10-7.3.13"])).as_deref(),
            Some("pypy3.10-7.3.13")
        );
    }

    #[test]
    fn guesses_from_directory_names() {
        let cp = Some(ImplementationName::CPython);
        let g = VersionGuess::from_name("3.12.1");
        assert_eq!(
            (g.implementation, g.release, g.free_threaded, g.prerelease),
            (cp, vec![3, 12, 1], false, false)
        );
        let g = VersionGuess::from_name("3.13.0t");
        assert!(g.free_threaded && !g.prerelease);
        let g = VersionGuess::from_name("3.14-dev");
        assert_eq!((g.release, g.prerelease), (vec![3, 14], true));
        let g = VersionGuess::from_name("pypy3.10-7.3.13");
        assert_eq!(
            (g.implementation, g.release),
            (Some(ImplementationName::PyPy), vec![3, 10])
        );
        assert_eq!(
            VersionGuess::from_name("miniconda3-latest"),
            VersionGuess::default()
        );
    }

    #[test]
    fn guesses_filter_requests() {
        let v = |text: &str| match text.parse::<crate::PythonRequest>().unwrap() {
            crate::PythonRequest::Version(v) => v,
            other => panic!("{other:?}"),
        };
        let g = VersionGuess::from_name("3.12.1");
        assert!(g.may_satisfy(&v("3.12")));
        assert!(g.may_satisfy(&v("3")));
        assert!(g.may_satisfy(&v(">=3.10,<3.13")));
        assert!(!g.may_satisfy(&v("3.11")));
        assert!(!g.may_satisfy(&v("3.12.2")));
        assert!(!g.may_satisfy(&v(">=3.13")));
        assert!(!g.may_satisfy(&v("3.12t")));
        assert!(VersionGuess::from_name("3.14-dev").may_satisfy(&v(">=3.14.0a1")));
        assert!(VersionGuess::from_name("anaconda3-2024.02").may_satisfy(&v("3.11")));
    }

    fn fake_root(names: &[&str]) -> (tempfile::TempDir, Pyenv) {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("versions")).unwrap();
        for name in names {
            fs::create_dir_all(dir.path().join("versions").join(name).join("bin")).unwrap();
        }
        let pyenv = Pyenv::at(dir.path()).unwrap();
        (dir, pyenv)
    }

    #[test]
    fn resolves_prefixes_to_newest_release() {
        let (_dir, pyenv) = fake_root(&[
            "3.12.1",
            "3.12.10",
            "3.12.11rc1",
            "3.13.0t",
            "3.13.0",
            "3.9.18",
            "pypy3.10-7.3.13",
        ]);
        let name = |pin: &str| pyenv.resolve_version(pin).map(|v| v.name);
        assert_eq!(name("3.12").as_deref(), Some("3.12.10"));
        assert_eq!(name("3.12.1").as_deref(), Some("3.12.1"));
        assert_eq!(name("python-3.9.18").as_deref(), Some("3.9.18"));
        assert_eq!(name("3.13").as_deref(), Some("3.13.0"));
        assert_eq!(name("3").as_deref(), Some("3.13.0"));
        assert_eq!(name("pypy3.10").as_deref(), Some("pypy3.10-7.3.13"));
        assert_eq!(name("3.11"), None);
        fs::create_dir_all(pyenv.versions_dir().join("3.12.1/envs/tools")).unwrap();
        let env = pyenv.resolve_version("3.12.1/envs/tools").unwrap();
        assert_eq!(env.dir, pyenv.versions_dir().join("3.12.1/envs/tools"));
        assert_eq!(env.guess.release, [3, 12, 1]);
        assert_eq!(name("3.12.1/envs/missing"), None);
        let order: Vec<String> = pyenv
            .installed_versions()
            .into_iter()
            .map(|v| v.name)
            .collect();
        assert_eq!(
            order,
            [
                "3.13.0",
                "3.13.0t",
                "3.12.11rc1",
                "3.12.10",
                "3.12.1",
                "pypy3.10-7.3.13",
                "3.9.18"
            ]
        );
    }

    #[test]
    fn a_missing_free_threaded_build_falls_back_to_its_default_build() {
        let (dir, pyenv) = fake_root(&["3.13.0", "3.12.1"]);
        // pyenv's `latest -f` drops the `t` when nothing matches; its shims run that.
        assert_eq!(pyenv.latest_forced("3.13.0t"), "3.13.0");
        assert_eq!(pyenv.latest_forced("3.13t"), "3.13");
        assert_eq!(pyenv.latest_forced("3.14"), "3.14");
        let name = |pin: &str| pyenv.resolve_version(pin).map(|v| v.name);
        assert_eq!(name("3.13.0t").as_deref(), Some("3.13.0"));
        assert_eq!(name("python-3.13.0t").as_deref(), Some("3.13.0"));
        assert_eq!(name("3.12t"), None);
        assert_eq!(pyenv.resolve_name("3.13.0t"), None);
        assert_eq!(
            pyenv.prefix("3.13.0t"),
            Ok(dir.path().join("versions/3.13.0"))
        );
        assert_eq!(pyenv.prefix("3.13t"), Err("3.13".to_string()));
        assert_eq!(pyenv.prefix("3.13"), Ok(dir.path().join("versions/3.13.0")));
    }

    #[test]
    fn absolute_names_stay_inside_the_versions_directory() {
        let (dir, pyenv) = fake_root(&["3.12.1"]);
        let outside = dir.path().join("outside");
        fs::create_dir_all(&outside).unwrap();
        let absolute = outside.display().to_string();
        assert_eq!(pyenv.resolve_name(&absolute), None);
        assert_eq!(pyenv.latest(&absolute), None);
        assert_eq!(pyenv.prefix(&absolute), Err(absolute.clone()));
        assert!(pyenv.resolve_version(&absolute).is_none());
        assert_eq!(
            pyenv.version_dir("/3.12.1"),
            PathBuf::from(format!("{}//3.12.1", pyenv.versions_dir().display()))
        );
        assert_eq!(pyenv.resolve_name("/3.12.1").as_deref(), Some("/3.12.1"));
    }

    #[test]
    fn splits_version_lists_as_bash_does() {
        let split = |text: &str| split_versions(text);
        assert_eq!(split(""), Vec::<String>::new());
        assert_eq!(split("3.12"), ["3.12"]);
        assert_eq!(split("3.12:"), ["3.12"]);
        assert_eq!(split(":"), [""]);
        assert_eq!(split("3.12::3.11"), ["3.12", "", "3.11"]);
        assert_eq!(split(":3.12::"), ["", "3.12", ""]);
        let file = parse_version_file("3.13.0:3.9.18\n3.12\n", Path::new("/nonexistent"));
        assert_eq!(file.versions, ["3.13.0:3.9.18", "3.12"]);
        assert_eq!(file.names(), ["3.13.0", "3.9.18", "3.12"]);
    }

    #[test]
    fn selection_follows_pyenv() {
        let (dir, pyenv) = fake_root(&[]);
        let project = dir.path().join("project/src/deep");
        fs::create_dir_all(&project).unwrap();
        let file = dir.path().join("project/.python-version");
        fs::write(&file, "3.11.7\n3.12\n").unwrap();
        let pin = pyenv.selection(None, None, &project).unwrap();
        assert_eq!(pin.versions, ["3.11.7", "3.12"]);
        assert_eq!(pin.origin, PinOrigin::LocalFile(file.clone()));
        let pin = pyenv
            .selection(Some("3.10.13:system"), None, &project)
            .unwrap();
        assert_eq!(pin.versions, ["3.10.13", "system"]);
        assert_eq!(pin.origin, PinOrigin::EnvVar);
        assert_eq!(
            pin.origin.pyenv_text(),
            "PYENV_VERSION environment variable"
        );
        // PYENV_DIR is searched before the working directory.
        let widget = dir.path().join("widget");
        fs::create_dir_all(&widget).unwrap();
        fs::write(widget.join(".python-version"), "3.9.1\n").unwrap();
        let pin = pyenv.selection(None, Some(&widget), &project).unwrap();
        assert_eq!(pin.versions, ["3.9.1"]);
        // A relative PYENV_DIR is taken from the working directory, `..` resolved as `cd`
        // resolves it.
        for relative in ["../../../widget", "./../../src/../../widget/."] {
            let pin = pyenv.selection(None, Some(Path::new(relative)), &project);
            let file = widget.join(".python-version");
            assert_eq!(pin.unwrap().origin, PinOrigin::LocalFile(file));
        }
        // The nearest file wins even when it names nothing: that is `system`.
        fs::write(&file, "# nothing\n").unwrap();
        let pin = pyenv.selection(None, None, &project).unwrap();
        assert_eq!(pin.versions, ["system"]);
        assert_eq!(pin.origin, PinOrigin::LocalFile(file));
    }

    #[cfg(unix)]
    #[test]
    fn recognizes_shims_through_symlinks() {
        let (dir, pyenv) = fake_root(&[]);
        fs::create_dir_all(pyenv.shims_dir()).unwrap();
        let alias = dir.path().join("alias");
        fs::create_dir_all(&alias).unwrap();
        std::os::unix::fs::symlink(pyenv.shims_dir(), alias.join("shims")).unwrap();
        assert!(pyenv.is_shim(&pyenv.shims_dir().join("python3")));
        assert!(pyenv.is_shim(&alias.join("shims/python3")));
        assert!(!pyenv.is_shim(&dir.path().join("versions/python3")));
        assert!(!pyenv.is_shim(&dir.path().join("elsewhere/shims/python3")));
    }

    #[test]
    fn global_file_defaults_to_system() {
        let (dir, pyenv) = fake_root(&["3.12.1"]);
        let pin = pyenv.selection(None, None, dir.path()).unwrap();
        assert_eq!(pin.versions, ["system"]);
        assert_eq!(
            pin.origin,
            PinOrigin::GlobalFile(dir.path().join("version"))
        );
        assert_eq!(
            pin.origin.pyenv_text(),
            dir.path().join("version").display().to_string()
        );
        fs::write(dir.path().join("version"), "3.12.1\n").unwrap();
        let pin = pyenv.selection(None, None, dir.path()).unwrap();
        assert_eq!(pin.versions, ["3.12.1"]);
        assert!(matches!(pin.origin, PinOrigin::GlobalFile(_)));
    }
}
