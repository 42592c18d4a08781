//! pyenv's layout and version selection, read from files without running pyenv.
//!
//! `$PYENV_ROOT` (default `~/.pyenv`) holds `versions/<name>/` (one installation each),
//! `shims/` (scripts that run `pyenv exec <name>`) and `version` (the global pin). The selected
//! version comes from, in order: `PYENV_VERSION` (names separated by `:`), the nearest
//! `.python-version` from the current directory upward, the global `version` file, else
//! `system` (the first non-shim interpreter on `PATH`). A version file holds one or more
//! names: the first word of each line, lines starting with `#` ignored. A name may be a
//! prefix (`3.12` selects the newest installed `3.12.x`, like `pyenv latest`).

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use den_dist::{IoError, IoResultExt};

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
    /// A `.python-version` file (the nearest one from the working directory upward).
    LocalFile(PathBuf),
    /// pyenv's global version file, `$PYENV_ROOT/version`.
    GlobalFile(PathBuf),
    /// No pin anywhere: pyenv's default, `system`.
    Default,
}

impl fmt::Display for PinOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EnvVar => f.write_str("the PYENV_VERSION environment variable"),
            Self::LocalFile(path) => write!(f, "{}", path.display()),
            Self::GlobalFile(path) => write!(f, "pyenv's global version file {}", path.display()),
            Self::Default => f.write_str("pyenv's default (no version set)"),
        }
    }
}

/// The versions pyenv would select, most preferred first, and where they were set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionPin {
    /// Version names as written (`3.12`, `3.11.7`, `system`, `pypy3.10-7.3.13`).
    pub versions: Vec<String>,
    /// Where they were set.
    pub origin: PinOrigin,
}

/// Parses a pyenv version file: the first word of each line, skipping blank lines, `#`
/// comments and names with a `..` path component (pyenv refuses those too).
pub fn parse_version_file(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|word| !word.starts_with('#'))
        .filter(|word| !word.split('/').any(|part| part == ".."))
        .map(str::to_string)
        .collect()
}

/// The nearest `.python-version` in `start` or one of its ancestors.
pub fn find_version_file(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(".python-version"))
        .find(|file| file.is_file())
}

/// Reads and parses a version file. Errors: the file cannot be read (`cannot read pyenv
/// version file <path>: ...`).
fn read_version_file(path: &Path) -> Result<Vec<String>, IoError> {
    let text = fs::read_to_string(path).at("read pyenv version file", path)?;
    Ok(parse_version_file(&text))
}

impl Pyenv {
    /// pyenv at `root`, or `None` when `root` has neither `versions` nor `shims`.
    pub fn at(root: &Path) -> Option<Self> {
        (root.join("versions").is_dir() || root.join("shims").is_dir()).then(|| Self {
            root: root.to_path_buf(),
        })
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
        let Ok(entries) = fs::read_dir(self.versions_dir()) else {
            return Vec::new();
        };
        let mut versions: Vec<InstalledVersion> = entries
            .filter_map(Result::ok)
            .filter(|entry| entry.path().is_dir())
            .filter_map(|entry| {
                let name = entry.file_name().into_string().ok()?;
                Some(InstalledVersion {
                    guess: VersionGuess::from_name(&name),
                    dir: entry.path(),
                    name,
                })
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

    /// The installed version a pin name selects: the directory of that exact name (also
    /// without a `python-` prefix), else the newest `<name>.x` / `<name>-x` release, preferring
    /// final releases, like `pyenv latest`. `None` when nothing matches.
    pub fn resolve_version(&self, name: &str) -> Option<InstalledVersion> {
        let stripped = name.strip_prefix("python-").unwrap_or(name);
        // pyenv-virtualenv environments are pinned as `3.12.1/envs/name`.
        if name.contains('/') {
            let dir = self.versions_dir().join(name);
            return dir.is_dir().then(|| InstalledVersion {
                guess: VersionGuess::from_name(name.split('/').next().unwrap_or(name)),
                name: name.to_string(),
                dir,
            });
        }
        let installed = self.installed_versions();
        if let Some(exact) = installed
            .iter()
            .find(|version| version.name == name || version.name == stripped)
        {
            return Some(exact.clone());
        }
        let extends = |version: &&InstalledVersion| {
            version
                .name
                .strip_prefix(stripped)
                .is_some_and(|rest| rest.starts_with(['.', '-']))
        };
        installed
            .iter()
            .filter(extends)
            .find(|version| !version.guess.prerelease && !version.guess.free_threaded)
            .or_else(|| installed.iter().find(extends))
            .cloned()
    }

    /// The pin that applies in `cwd` before the global file: `PYENV_VERSION` (given as
    /// `pyenv_version`, names separated by `:`), else the nearest `.python-version`.
    ///
    /// Errors: the `.python-version` file exists but cannot be read.
    pub fn local_pin(
        pyenv_version: Option<&str>,
        cwd: &Path,
    ) -> Result<Option<VersionPin>, IoError> {
        if let Some(value) = pyenv_version {
            let versions: Vec<String> = value
                .split(':')
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(str::to_string)
                .collect();
            if !versions.is_empty() {
                return Ok(Some(VersionPin {
                    versions,
                    origin: PinOrigin::EnvVar,
                }));
            }
        }
        let Some(file) = find_version_file(cwd) else {
            return Ok(None);
        };
        let versions = read_version_file(&file)?;
        // An empty file pins nothing; pyenv then keeps looking.
        Ok((!versions.is_empty()).then_some(VersionPin {
            versions,
            origin: PinOrigin::LocalFile(file),
        }))
    }

    /// The global pin (`$PYENV_ROOT/version`), or `system` when it is absent or empty.
    ///
    /// Errors: the file exists but cannot be read.
    pub fn global_pin(&self) -> Result<VersionPin, IoError> {
        let file = self.root.join("version");
        if file.is_file() {
            let versions = read_version_file(&file)?;
            if !versions.is_empty() {
                return Ok(VersionPin {
                    versions,
                    origin: PinOrigin::GlobalFile(file),
                });
            }
        }
        Ok(VersionPin {
            versions: vec!["system".to_string()],
            origin: PinOrigin::Default,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_version_files_like_pyenv() {
        let text =
            "# project pins\n3.12  # newest\n\n  3.11.7 extra words\n#3.10\n../evil\nsystem\n";
        assert_eq!(parse_version_file(text), ["3.12", "3.11.7", "system"]);
        assert!(parse_version_file("").is_empty());
        assert_eq!(parse_version_file("3.9.18\r\n"), ["3.9.18"]);
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
    fn pyenv_version_beats_local_file() {
        let (dir, _pyenv) = fake_root(&[]);
        let project = dir.path().join("project/src/deep");
        fs::create_dir_all(&project).unwrap();
        let file = dir.path().join("project/.python-version");
        fs::write(&file, "3.11.7\n3.12\n").unwrap();
        let pin = Pyenv::local_pin(None, &project).unwrap().unwrap();
        assert_eq!(pin.versions, ["3.11.7", "3.12"]);
        assert_eq!(pin.origin, PinOrigin::LocalFile(file));
        let pin = Pyenv::local_pin(Some("3.10.13:system"), &project)
            .unwrap()
            .unwrap();
        assert_eq!(pin.versions, ["3.10.13", "system"]);
        assert_eq!(pin.origin, PinOrigin::EnvVar);
        assert_eq!(Pyenv::local_pin(None, dir.path()).unwrap(), None);
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
    fn global_pin_defaults_to_system() {
        let (dir, pyenv) = fake_root(&["3.12.1"]);
        assert_eq!(pyenv.global_pin().unwrap().versions, ["system"]);
        fs::write(dir.path().join("version"), "3.12.1\n").unwrap();
        let pin = pyenv.global_pin().unwrap();
        assert_eq!(pin.versions, ["3.12.1"]);
        assert!(matches!(pin.origin, PinOrigin::GlobalFile(_)));
    }
}
