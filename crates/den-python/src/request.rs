//! What the user asked for with `-p/--python`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use den_dist::{Version, VersionSpecifiers};

use crate::Interpreter;

/// A `-p/--python` request.
///
/// Forms (parsed by [`FromStr`], printed back by [`Display`](fmt::Display)):
/// - a version: `3`, `3.12`, `3.12.1`, `3.13.0rc1`, `3.13t` (free-threaded), or PEP 440
///   specifiers: `>=3.10,<3.13`;
/// - an implementation with an optional version: `cpython`, `cpython3.12`, `cpython@3.12`,
///   `cp312`, `cp3.12`, `pypy`, `pypy3.10`, `pp310`, `graalpy`;
/// - an executable name looked up on `PATH` and in pyenv's versions: `python3.11`, `python`;
/// - a path (anything with a `/`, or starting with `.` or `~`): an interpreter executable, a
///   virtual environment directory (its `bin/python` is used) or an installation prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PythonRequest {
    /// A version or version range, of any implementation.
    Version(VersionRequest),
    /// One implementation, optionally with a version.
    Implementation(ImplementationName, Option<VersionRequest>),
    /// An executable file name, looked up on `PATH` and in pyenv's versions.
    ExecutableName(String),
    /// A path to an interpreter, a virtual environment or an installation directory (`~`
    /// expanded; may be relative to the current directory).
    Path(PathBuf),
}

/// A Python implementation that can be requested by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImplementationName {
    /// CPython (`cpython`, `cp`).
    CPython,
    /// PyPy (`pypy`, `pp`).
    PyPy,
    /// GraalPy (`graalpy`, `gp`).
    GraalPy,
}

impl ImplementationName {
    /// The PEP 508 `implementation_name` marker value: `cpython`, `pypy`, `graalpy`.
    pub fn marker_name(self) -> &'static str {
        match self {
            Self::CPython => "cpython",
            Self::PyPy => "pypy",
            Self::GraalPy => "graalpy",
        }
    }

    /// The conventional executable name stem: `python`, `pypy`, `graalpy`.
    fn executable_stem(self) -> &'static str {
        match self {
            Self::CPython => "python",
            Self::PyPy => "pypy",
            Self::GraalPy => "graalpy",
        }
    }
}

/// The Python language version part of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionRequest {
    /// A version prefix: `3` matches every 3.x, `3.12` every 3.12.x, `3.12.1` only 3.12.1; a
    /// pre-release (`3.13.0rc1`) matches exactly. With `free_threaded` (a `t` suffix, PEP 703)
    /// only free-threaded builds match; without it, both kinds do.
    Prefix {
        /// The version as written.
        version: Version,
        /// Whether a free-threaded build is required.
        free_threaded: bool,
    },
    /// PEP 440 specifiers such as `>=3.10,<3.13`.
    Specifiers(VersionSpecifiers),
}

/// A `-p/--python` value that is not a valid request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid Python request `{input}`: {reason}; expected a version (`3.12`, `>=3.10,<3.13`), \
     an implementation (`cpython3.12`, `pypy3.10`), an executable name (`python3.11`) or a path"
)]
pub struct RequestParseError {
    /// The text as given.
    pub input: String,
    /// What is wrong with it.
    pub reason: String,
}

impl VersionRequest {
    /// Parses `3.12`, `3.13t`, `3.12.1` or specifiers like `>=3.10,<3.13`.
    fn parse(text: &str) -> Result<Self, String> {
        if text.starts_with(|c: char| c.is_ascii_digit()) && !text.contains([',', '*', ' ']) {
            let (text, free_threaded) = match text.strip_suffix('t') {
                Some(rest) => (rest, true),
                None => (text, false),
            };
            let version = Version::from_str(text).map_err(|err| err.to_string())?;
            if version.is_local() || version.is_post() || version.is_dev() || version.epoch() != 0 {
                return Err(format!("`{text}` is not a Python release version"));
            }
            return Ok(Self::Prefix {
                version,
                free_threaded,
            });
        }
        VersionSpecifiers::from_str(text)
            .map(Self::Specifiers)
            .map_err(|err| err.to_string())
    }

    /// Parses the compact form after an implementation tag: `312` is 3.12, `3` is 3,
    /// `313t` is free-threaded 3.13; dotted versions are accepted too.
    fn parse_compact(text: &str) -> Result<Self, String> {
        let digits = text.strip_suffix('t').unwrap_or(text);
        if digits.len() > 1 && digits.bytes().all(|b| b.is_ascii_digit()) {
            let dotted = format!("{}.{}", &text[..1], &text[1..]);
            return Self::parse(&dotted);
        }
        Self::parse(text)
    }

    /// Whether an interpreter with this version and build satisfies the request.
    pub fn matches_version(&self, version: &Version, gil_disabled: bool) -> bool {
        match self {
            Self::Prefix {
                version: wanted,
                free_threaded,
            } => {
                if *free_threaded && !gil_disabled {
                    return false;
                }
                if wanted.any_prerelease() {
                    return version == wanted;
                }
                let prefix = wanted.release();
                version.release().get(..prefix.len()) == Some(prefix)
            }
            Self::Specifiers(specifiers) => specifiers.contains(version),
        }
    }

    /// Whether some `major.minor.x` release could satisfy the request (checks `.0` and a very
    /// late patch release, which is exact for every specifier a user would write).
    pub(crate) fn may_match_minor(&self, major: u64, minor: u64) -> bool {
        match self {
            Self::Prefix { version, .. } => {
                let release = version.release();
                release.first() == Some(&major) && release.get(1).is_none_or(|m| *m == minor)
            }
            Self::Specifiers(specifiers) => [0, 9999]
                .iter()
                .any(|patch| specifiers.contains(&Version::new([major, minor, *patch]))),
        }
    }

    /// The `(major, minor)` the request names exactly, if any (`3.12`, `3.12.1`; not `3`).
    pub(crate) fn major_minor(&self) -> Option<(u64, u64)> {
        match self {
            Self::Prefix { version, .. } => match version.release() {
                [major, minor, ..] => Some((*major, *minor)),
                _ => None,
            },
            Self::Specifiers(_) => None,
        }
    }

    /// Whether only free-threaded builds are wanted.
    pub(crate) fn free_threaded(&self) -> bool {
        matches!(
            self,
            Self::Prefix {
                free_threaded: true,
                ..
            }
        )
    }
}

impl fmt::Display for VersionRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Prefix {
                version,
                free_threaded,
            } => write!(f, "{version}{}", if *free_threaded { "t" } else { "" }),
            Self::Specifiers(specifiers) => write!(f, "{specifiers}"),
        }
    }
}

impl FromStr for PythonRequest {
    type Err = RequestParseError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let error = |reason: String| RequestParseError {
            input: input.to_string(),
            reason,
        };
        let text = input.trim();
        if text.is_empty() {
            return Err(error("it is empty".to_string()));
        }
        if text.contains('/')
            || (cfg!(windows) && text.contains('\\'))
            || text.starts_with('.')
            || text.starts_with('~')
        {
            return Ok(Self::Path(PathBuf::from(
                den_dist::path::expand_home(text).as_ref(),
            )));
        }
        if text.starts_with(|c: char| c.is_ascii_digit() || "<>=!~".contains(c)) {
            return VersionRequest::parse(text)
                .map(Self::Version)
                .map_err(error);
        }
        let lower = text.to_ascii_lowercase();
        // Longest names first, so `cpython3` is not read as `cp` + `ython3`.
        let implementations = [
            ("cpython", ImplementationName::CPython),
            ("graalpy", ImplementationName::GraalPy),
            ("pypy", ImplementationName::PyPy),
            ("cp", ImplementationName::CPython),
            ("pp", ImplementationName::PyPy),
            ("gp", ImplementationName::GraalPy),
        ];
        for (prefix, implementation) in implementations {
            let Some(rest) = lower.strip_prefix(prefix) else {
                continue;
            };
            let rest = rest.strip_prefix(['@', '-']).unwrap_or(rest);
            if rest.is_empty() {
                return Ok(Self::Implementation(implementation, None));
            }
            // Not a version after all (`pypy3-custom`): an executable name, below.
            if let Ok(version) = VersionRequest::parse_compact(rest) {
                return Ok(Self::Implementation(implementation, Some(version)));
            }
        }
        if text.contains(char::is_whitespace) {
            return Err(error(
                "an executable name cannot contain whitespace".to_string(),
            ));
        }
        Ok(Self::ExecutableName(text.to_string()))
    }
}

impl fmt::Display for PythonRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Version(version) => write!(f, "{version}"),
            Self::Implementation(implementation, None) => f.write_str(implementation.marker_name()),
            Self::Implementation(implementation, Some(version)) => {
                write!(f, "{}{version}", implementation.marker_name())
            }
            Self::ExecutableName(name) => f.write_str(name),
            Self::Path(path) => write!(f, "{}", path.display()),
        }
    }
}

impl PythonRequest {
    /// Whether `interpreter` satisfies the request.
    ///
    /// A path request matches the interpreter at that path or, for a directory, any
    /// interpreter whose executable lies inside it; an executable name matches the file name
    /// the interpreter was found under.
    pub fn matches(&self, interpreter: &Interpreter) -> bool {
        match self {
            Self::Version(version) => {
                version.matches_version(&interpreter.version, interpreter.gil_disabled)
            }
            Self::Implementation(implementation, version) => {
                interpreter.implementation_name() == implementation.marker_name()
                    && version.as_ref().is_none_or(|version| {
                        version.matches_version(&interpreter.version, interpreter.gil_disabled)
                    })
            }
            Self::ExecutableName(name) => interpreter
                .executable
                .file_name()
                .is_some_and(|file| file == name.as_str()),
            Self::Path(path) => {
                let path = std::path::absolute(path).unwrap_or_else(|_| path.clone());
                interpreter.executable == path || interpreter.executable.starts_with(&path)
            }
        }
    }

    /// The version part of the request, if any.
    pub fn version(&self) -> Option<&VersionRequest> {
        match self {
            Self::Version(version) => Some(version),
            Self::Implementation(_, version) => version.as_ref(),
            Self::ExecutableName(_) | Self::Path(_) => None,
        }
    }

    /// The implementation the request is limited to, if any.
    pub fn implementation(&self) -> Option<ImplementationName> {
        match self {
            Self::Implementation(implementation, _) => Some(*implementation),
            _ => None,
        }
    }

    /// The executable names to look for in each `PATH` directory, most specific first:
    /// `python3.12`, `python3`, `python` for `3.12`; for a range, `python3`, `python`, then
    /// every `python3.N` that could satisfy it, newest first. Empty for a path request.
    pub(crate) fn executable_names(&self) -> Vec<String> {
        if let Self::ExecutableName(name) = self {
            return vec![name.clone()];
        }
        if let Self::Path(_) = self {
            return Vec::new();
        }
        let stem = self
            .implementation()
            .unwrap_or(ImplementationName::CPython)
            .executable_stem();
        let version = self.version();
        let t = if version.is_some_and(VersionRequest::free_threaded) {
            "t"
        } else {
            ""
        };
        let mut names = Vec::new();
        if let Some((major, minor)) = version.and_then(VersionRequest::major_minor) {
            names.push(format!("{stem}{major}.{minor}{t}"));
        }
        names.push(format!("{stem}3"));
        names.push(stem.to_string());
        if let Some(version @ VersionRequest::Specifiers(_)) = version {
            names.extend(
                (0..=MAX_MINOR)
                    .rev()
                    .filter(|minor| version.may_match_minor(3, *minor))
                    .map(|minor| format!("{stem}3.{minor}")),
            );
        }
        names
    }

    /// Whether an interpreter whose version directory name suggests `guess` may satisfy the
    /// request; `false` only when it certainly cannot (so it need not be run).
    pub(crate) fn may_match(&self, guess: &crate::pyenv::VersionGuess) -> bool {
        match self {
            Self::Path(_) => false,
            Self::ExecutableName(_) => true,
            Self::Version(version) => guess.may_satisfy(version),
            Self::Implementation(implementation, version) => {
                guess
                    .implementation
                    .is_none_or(|guessed| guessed == *implementation)
                    && version.as_ref().is_none_or(|v| guess.may_satisfy(v))
            }
        }
    }

    /// For a path request, the path as given.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Self::Path(path) => Some(path),
            _ => None,
        }
    }
}

/// The newest `3.N` minor version den probes executable names for.
const MAX_MINOR: u64 = 20;

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> PythonRequest {
        text.parse().unwrap()
    }

    fn prefix(text: &str, free_threaded: bool) -> VersionRequest {
        VersionRequest::Prefix {
            version: text.parse().unwrap(),
            free_threaded,
        }
    }

    #[test]
    fn parses_versions() {
        assert_eq!(parse("3.12"), PythonRequest::Version(prefix("3.12", false)));
        assert_eq!(
            parse("3.12.1"),
            PythonRequest::Version(prefix("3.12.1", false))
        );
        assert_eq!(parse("3.13t"), PythonRequest::Version(prefix("3.13", true)));
        assert_eq!(parse(" 3 "), PythonRequest::Version(prefix("3", false)));
        let PythonRequest::Version(VersionRequest::Specifiers(specifiers)) = parse(">=3.10,<3.13")
        else {
            panic!("not specifiers");
        };
        assert!(specifiers.contains(&"3.12.1".parse().unwrap()));
        assert!(!specifiers.contains(&"3.13.0".parse().unwrap()));
    }

    #[test]
    fn parses_implementations() {
        use ImplementationName::*;
        let v = |text, t| Some(prefix(text, t));
        assert_eq!(
            parse("cpython3.12"),
            PythonRequest::Implementation(CPython, v("3.12", false))
        );
        assert_eq!(
            parse("cpython@3.12"),
            PythonRequest::Implementation(CPython, v("3.12", false))
        );
        assert_eq!(
            parse("CPython"),
            PythonRequest::Implementation(CPython, None)
        );
        assert_eq!(
            parse("cp312"),
            PythonRequest::Implementation(CPython, v("3.12", false))
        );
        assert_eq!(
            parse("cp313t"),
            PythonRequest::Implementation(CPython, v("3.13", true))
        );
        assert_eq!(
            parse("cp3"),
            PythonRequest::Implementation(CPython, v("3", false))
        );
        assert_eq!(
            parse("pypy3.10"),
            PythonRequest::Implementation(PyPy, v("3.10", false))
        );
        assert_eq!(parse("pypy"), PythonRequest::Implementation(PyPy, None));
        assert_eq!(
            parse("pp310"),
            PythonRequest::Implementation(PyPy, v("3.10", false))
        );
        assert_eq!(
            parse("graalpy"),
            PythonRequest::Implementation(GraalPy, None)
        );
    }

    #[test]
    fn parses_names_and_paths() {
        assert_eq!(
            parse("python3.11"),
            PythonRequest::ExecutableName("python3.11".into())
        );
        assert_eq!(
            parse("python"),
            PythonRequest::ExecutableName("python".into())
        );
        assert_eq!(
            parse("pypy3-custom"),
            PythonRequest::ExecutableName("pypy3-custom".into())
        );
        assert_eq!(
            parse("/usr/bin/python3"),
            PythonRequest::Path("/usr/bin/python3".into())
        );
        assert_eq!(parse(".venv"), PythonRequest::Path(".venv".into()));
        assert_eq!(parse("venvs/a"), PythonRequest::Path("venvs/a".into()));
        if let Some(home) = dirs::home_dir() {
            assert_eq!(
                parse("~/py/bin/python"),
                PythonRequest::Path(home.join("py/bin/python"))
            );
        }
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "3.x",
            ">=banana",
            "my python",
            "3.12+local",
            "3.12.post1",
        ] {
            let err = bad.parse::<PythonRequest>().unwrap_err();
            assert!(
                err.to_string().contains("invalid Python request"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn displays_canonically() {
        for (input, shown) in [
            ("3.12", "3.12"),
            ("3.13t", "3.13t"),
            ("cp312", "cpython3.12"),
            ("PyPy", "pypy"),
            ("python3.11", "python3.11"),
            (">=3.10,<3.13", ">=3.10, <3.13"),
        ] {
            assert_eq!(parse(input).to_string(), shown);
            assert_eq!(parse(shown), parse(input), "{shown} round-trips");
        }
    }

    #[test]
    fn matches_versions() {
        let v = |text: &str| text.parse::<Version>().unwrap();
        let minor = prefix("3.12", false);
        assert!(minor.matches_version(&v("3.12.1"), false));
        assert!(minor.matches_version(&v("3.12.0rc1"), false));
        assert!(!minor.matches_version(&v("3.13.0"), false));
        assert!(!minor.matches_version(&v("3.1.2"), false));
        assert!(prefix("3", false).matches_version(&v("3.8.18"), false));
        assert!(!prefix("3.12.1", false).matches_version(&v("3.12.10"), false));
        assert!(!prefix("3.13.0rc1", false).matches_version(&v("3.13.0"), false));
        assert!(!prefix("3.13", true).matches_version(&v("3.13.0"), false));
        assert!(prefix("3.13", true).matches_version(&v("3.13.0"), true));
    }

    #[test]
    fn names_to_probe() {
        assert_eq!(
            parse("3.12").executable_names(),
            ["python3.12", "python3", "python"]
        );
        assert_eq!(
            parse("pypy3.10").executable_names(),
            ["pypy3.10", "pypy3", "pypy"]
        );
        assert_eq!(
            parse("3.13t").executable_names(),
            ["python3.13t", "python3", "python"]
        );
        assert_eq!(
            parse(">=3.10,<3.13").executable_names(),
            [
                "python3",
                "python",
                "python3.12",
                "python3.11",
                "python3.10"
            ]
        );
        assert_eq!(parse("python3.11").executable_names(), ["python3.11"]);
        assert!(parse("/x/python").executable_names().is_empty());
    }
}
