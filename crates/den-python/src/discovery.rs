//! Finding the interpreter a command should use.
//!
//! With a request (`-p`): a path is used as given (a directory means its `bin/python`);
//! anything else is looked up by executable name in each `PATH` directory (pyenv shims
//! resolved without running them), then in pyenv's versions directory, newest first. Names
//! and version directory names are checked before any interpreter is run, and answers are
//! cached, so a warm lookup starts no process.
//!
//! Without a request, pyenv's selection applies: `PYENV_VERSION`, the nearest
//! `.python-version`, then — only when pyenv's shims come first on `PATH`, as they would for
//! a `python3` typed in the shell — pyenv's global version file; otherwise the first `python3`
//! (else `python`) on `PATH` that is not a shim.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use den_cache::Cache;

use crate::pyenv::{PinOrigin, Pyenv, VersionPin};
use crate::request::{ImplementationName, PythonRequest};
use crate::{Interpreter, InterpreterError};

/// How an interpreter was found, for messages ("Using CPython 3.12.1 at ... (pinned to `3.12`
/// by /project/.python-version)").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InterpreterSource {
    /// Queried by path ([`Interpreter::query`], or `-p` with a path).
    Explicit,
    /// An executable in this `PATH` directory.
    SearchPath(PathBuf),
    /// An installation in pyenv's versions directory (given), not selected by any pin.
    PyenvVersions(PathBuf),
    /// Selected by a pyenv version pin.
    Pin {
        /// The version name as pinned (`3.12`, `system`).
        version: String,
        /// Where the pin was set.
        origin: PinOrigin,
    },
}

impl fmt::Display for InterpreterSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Explicit => f.write_str("given explicitly"),
            Self::SearchPath(dir) => write!(f, "found on PATH in {}", dir.display()),
            Self::PyenvVersions(dir) => write!(f, "found in pyenv versions {}", dir.display()),
            Self::Pin { version, origin } => write!(f, "pinned to `{version}` by {origin}"),
        }
    }
}

/// The process environment discovery reads, passed explicitly so tests (and callers that
/// override it) need not mutate the real environment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DiscoveryEnv {
    /// `PATH`, split into directories (empty entries dropped).
    pub path: Vec<PathBuf>,
    /// `$PYENV_ROOT`, else `~/.pyenv`; `None` when neither is known.
    pub pyenv_root: Option<PathBuf>,
    /// `PYENV_VERSION`, when set and not blank.
    pub pyenv_version: Option<String>,
}

impl DiscoveryEnv {
    /// Reads `PATH`, `PYENV_ROOT` (default `~/.pyenv`) and `PYENV_VERSION` from the process.
    pub fn from_process() -> Self {
        let path = std::env::var_os("PATH")
            .map(|value| {
                std::env::split_paths(&value)
                    .filter(|dir| !dir.as_os_str().is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let pyenv_root = std::env::var_os("PYENV_ROOT")
            .filter(|value| !value.is_empty())
            .map(PathBuf::from)
            .or_else(|| dirs::home_dir().map(|home| home.join(".pyenv")));
        let pyenv_version = std::env::var("PYENV_VERSION")
            .ok()
            .filter(|value| !value.trim().is_empty());
        Self {
            path,
            pyenv_root,
            pyenv_version,
        }
    }
}

/// Why no usable interpreter was found.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    /// Nothing matched; the message lists what was found and where den looked.
    #[error(transparent)]
    NotFound(Box<NotFound>),
    /// The interpreter given or pinned could not be run.
    #[error(transparent)]
    Query(#[from] InterpreterError),
    /// The interpreter is too old or of an unsupported implementation.
    #[error(
        "{interpreter} is not supported; den needs CPython 3.8 or newer, or PyPy 3 \
         (pass -p with a supported interpreter, e.g. `-p 3.12`)"
    )]
    Unsupported {
        /// The interpreter, as `CPython 2.7.18 at /path`.
        interpreter: String,
    },
    /// A pyenv version file exists but cannot be read.
    #[error("could not read pyenv version file {}: {source}", path.display())]
    PinFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// The details of [`DiscoveryError::NotFound`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotFound {
    /// What was wanted: "Python `3.14`", "Python `3.99` (pinned by /p/.python-version)".
    pub wanted: String,
    /// Where den looked: "PATH (/usr/local/bin, /usr/bin)", "pyenv versions in /root/.pyenv/versions".
    pub searched: Vec<String>,
    /// Interpreters that were found but did not match: "CPython 3.11.2 at /usr/bin/python3";
    /// also interpreters that could not be queried, with the reason.
    pub found: Vec<String>,
    /// What to do about it.
    pub hint: String,
}

impl fmt::Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no interpreter found for {}", self.wanted)?;
        write!(f, "\n  searched: {}", self.searched.join("; "))?;
        if self.found.is_empty() {
            f.write_str("\n  found: no Python interpreters at all")?;
        } else {
            f.write_str("\n  found:")?;
            for found in &self.found {
                write!(f, "\n    - {found}")?;
            }
        }
        write!(f, "\n  hint: {}", self.hint)
    }
}

impl std::error::Error for NotFound {}

/// Finds the interpreter for `request` (or, with `None`, the one pyenv / `PATH` would select)
/// as seen from `cwd`, reading `PATH`, `PYENV_ROOT` and `PYENV_VERSION` from the process.
/// See [`find_interpreter_in`].
pub fn find_interpreter(
    request: Option<&PythonRequest>,
    cwd: &Path,
    cache: &Cache,
) -> Result<Interpreter, DiscoveryError> {
    find_interpreter_in(request, cwd, cache, &DiscoveryEnv::from_process())
}

/// Finds the interpreter for `request` with an explicit environment.
///
/// The result's [`Interpreter::source`] says how it was found. It is not checked for support;
/// call [`check_supported`].
///
/// Errors: [`DiscoveryError::NotFound`] when nothing matches (or a pinned version is not
/// installed); [`DiscoveryError::Query`] when the interpreter given by path or pin cannot
/// be run; [`DiscoveryError::PinFile`] when a version file cannot be read.
pub fn find_interpreter_in(
    request: Option<&PythonRequest>,
    cwd: &Path,
    cache: &Cache,
    env: &DiscoveryEnv,
) -> Result<Interpreter, DiscoveryError> {
    let mut search = Search::new(cwd, cache, env);
    match request {
        Some(PythonRequest::Path(path)) => search.by_path(path),
        Some(request) => search.by_request(request),
        None => search.default(),
    }
}

/// Every interpreter on `PATH` (executables named `python`, `python3`, `python3.N`, `pypy3`...,
/// shims resolved) and in pyenv's versions directory, in discovery order, each once.
/// Interpreters that cannot be queried are skipped (logged at debug level).
pub fn find_all(cwd: &Path, cache: &Cache, env: &DiscoveryEnv) -> Vec<Interpreter> {
    Search::new(cwd, cache, env).all()
}

/// Checks that den supports `interpreter`: CPython 3.8 or newer, or PyPy 3.
///
/// Errors: [`DiscoveryError::Unsupported`] naming the interpreter and its version.
pub fn check_supported(interpreter: &Interpreter) -> Result<(), DiscoveryError> {
    let (major, minor) = interpreter.major_minor;
    let supported = match interpreter.implementation_name() {
        "cpython" => (major, minor) >= (3, 8),
        "pypy" => major == 3,
        _ => false,
    };
    if supported {
        Ok(())
    } else {
        Err(DiscoveryError::Unsupported {
            interpreter: interpreter.to_string(),
        })
    }
}

/// Names of Python executables as `find_all` recognizes them: `python`, `python3`,
/// `python3.12`, `python3.13t`, `pypy3.10`, `graalpy`.
fn is_python_name(name: &str) -> bool {
    let Some(rest) = ["python", "pypy", "graalpy"]
        .iter()
        .find_map(|stem| name.strip_prefix(stem))
    else {
        return false;
    };
    let rest = rest.strip_suffix('t').unwrap_or(rest);
    rest.is_empty()
        || (rest.split('.').count() <= 2
            && rest
                .split('.')
                .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit())))
}

/// Whether `path` is a file the current user may execute.
fn is_executable(path: &Path) -> bool {
    let Ok(metadata) = path.metadata() else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        metadata.is_file() && metadata.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        metadata.is_file()
    }
}

/// The interpreter executable inside a directory: a venv or installation prefix.
fn executable_in_dir(dir: &Path) -> Option<PathBuf> {
    [
        "bin/python",
        "bin/python3",
        "Scripts/python.exe",
        "python.exe",
    ]
    .iter()
    .map(|name| dir.join(name))
    .find(|candidate| is_executable(candidate))
}

/// One discovery run: remembers which executables were already tried and what they were.
struct Search<'a> {
    cwd: &'a Path,
    cache: &'a Cache,
    env: &'a DiscoveryEnv,
    pyenv: Option<Pyenv>,
    /// Canonical `(directory, executable)` pairs already considered.
    seen: HashSet<(PathBuf, PathBuf)>,
    /// Interpreters considered that did not match, or could not be queried, for messages.
    rejected: Vec<String>,
}

impl<'a> Search<'a> {
    fn new(cwd: &'a Path, cache: &'a Cache, env: &'a DiscoveryEnv) -> Self {
        Self {
            cwd,
            cache,
            env,
            pyenv: env.pyenv_root.as_deref().and_then(Pyenv::at),
            seen: HashSet::new(),
            rejected: Vec::new(),
        }
    }

    fn is_shim(&self, path: &Path) -> bool {
        self.pyenv.as_ref().is_some_and(|pyenv| pyenv.is_shim(path))
    }

    /// The first executable `name` on `PATH`, skipping pyenv's shims when asked.
    fn on_path(&self, name: &str, skip_shims: bool) -> Option<(PathBuf, PathBuf)> {
        self.env.path.iter().find_map(|dir| {
            let file = dir.join(name);
            (is_executable(&file) && !(skip_shims && self.is_shim(&file)))
                .then(|| (dir.clone(), file))
        })
    }

    /// The pin pyenv's shims obey in `cwd`: local, else global, else `system`.
    fn shim_pin(&self, pyenv: &Pyenv) -> Result<VersionPin, DiscoveryError> {
        match Pyenv::local_pin(self.env.pyenv_version.as_deref(), self.cwd) {
            Ok(Some(pin)) => Ok(pin),
            Ok(None) => pyenv.global_pin().map_err(pin_file_error),
            Err(err) => Err(pin_file_error(err)),
        }
    }

    /// What the shim `name` would run, found by name: in each pinned version (or on `PATH`
    /// for `system`), else in any installed version, newest first. Runs nothing.
    fn resolve_shim(
        &self,
        name: &str,
    ) -> Result<Option<(PathBuf, InterpreterSource)>, DiscoveryError> {
        let Some(pyenv) = &self.pyenv else {
            return Ok(None);
        };
        let pin = self.shim_pin(pyenv)?;
        for version in &pin.versions {
            let file = if version == "system" {
                self.on_path(name, true).map(|(_, file)| file)
            } else {
                pyenv
                    .resolve_version(version)
                    .map(|installed| installed.dir.join("bin").join(name))
                    .filter(|file| is_executable(file))
            };
            if let Some(file) = file {
                let source = InterpreterSource::Pin {
                    version: version.clone(),
                    origin: pin.origin.clone(),
                };
                return Ok(Some((file, source)));
            }
        }
        Ok(pyenv
            .installed_versions()
            .into_iter()
            .find_map(|installed| {
                let file = installed.dir.join("bin").join(name);
                is_executable(&file)
                    .then(|| (file, InterpreterSource::PyenvVersions(pyenv.versions_dir())))
            }))
    }

    /// Queries `file` unless an equivalent executable was already considered; returns it when
    /// `wanted` accepts it, else records it for the error message.
    fn consider(
        &mut self,
        file: &Path,
        source: InterpreterSource,
        wanted: &dyn Fn(&Interpreter) -> bool,
    ) -> Option<Interpreter> {
        let canonical =
            |path: &Path| std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let dir = file.parent().map(canonical).unwrap_or_default();
        if !self.seen.insert((dir, canonical(file))) {
            return None;
        }
        match Interpreter::query(file, self.cache) {
            Ok(mut interpreter) => {
                if wanted(&interpreter) {
                    interpreter.source = source;
                    return Some(interpreter);
                }
                self.rejected.push(interpreter.to_string());
            }
            Err(err) => {
                tracing::debug!("{err}");
                self.rejected.push(err.to_string());
            }
        }
        None
    }

    /// `-p <path>`: the executable, or a directory's `bin/python`; a shim is resolved.
    fn by_path(&mut self, path: &Path) -> Result<Interpreter, DiscoveryError> {
        let path = self.cwd.join(path);
        let executable = if path.is_dir() {
            executable_in_dir(&path).ok_or_else(|| {
                not_found(
                    format!("the directory {}", path.display()),
                    vec![format!("{} for bin/python and bin/python3", path.display())],
                    Vec::new(),
                    "pass the interpreter executable itself, or a virtual environment directory"
                        .to_string(),
                )
            })?
        } else if path.exists() {
            path
        } else {
            return Err(not_found(
                format!("the path {}", path.display()),
                vec![format!("{} (it does not exist)", path.display())],
                Vec::new(),
                "check the path; relative paths are taken from the current directory".to_string(),
            ));
        };
        if self.is_shim(&executable) {
            let name = executable
                .file_name()
                .and_then(|name| name.to_str())
                .unwrap_or_default()
                .to_string();
            if let Some((real, source)) = self.resolve_shim(&name)? {
                let mut interpreter = Interpreter::query(&real, self.cache)?;
                interpreter.source = source;
                return Ok(interpreter);
            }
        }
        Ok(Interpreter::query(&executable, self.cache)?)
    }

    /// A version, implementation or executable-name request.
    fn by_request(&mut self, request: &PythonRequest) -> Result<Interpreter, DiscoveryError> {
        let names = request.executable_names();
        let wanted = |interpreter: &Interpreter| request.matches(interpreter);
        for dir in &self.env.path {
            for name in &names {
                let file = dir.join(name);
                if !is_executable(&file) {
                    continue;
                }
                let candidate = if self.is_shim(&file) {
                    self.resolve_shim(name)?
                } else {
                    Some((file, InterpreterSource::SearchPath(dir.clone())))
                };
                if let Some((file, source)) = candidate
                    && let Some(found) = self.consider(&file, source, &wanted)
                {
                    return Ok(found);
                }
            }
        }
        if let Some(pyenv) = self.pyenv.clone() {
            let bin_names: Vec<String> = match request {
                PythonRequest::ExecutableName(name) => vec![name.clone()],
                _ => vec!["python3".to_string(), "python".to_string()],
            };
            for installed in pyenv.installed_versions() {
                if !request.may_match(&installed.guess) {
                    continue;
                }
                let bin = installed.dir.join("bin");
                let Some(file) = bin_names
                    .iter()
                    .map(|name| bin.join(name))
                    .find(|f| is_executable(f))
                else {
                    continue;
                };
                let source = InterpreterSource::PyenvVersions(pyenv.versions_dir());
                if let Some(found) = self.consider(&file, source, &wanted) {
                    return Ok(found);
                }
            }
        }
        Err(self.request_not_found(request))
    }

    fn request_not_found(&mut self, request: &PythonRequest) -> DiscoveryError {
        // List everything there is, not only what was worth querying for this request.
        let mut found = std::mem::take(&mut self.rejected);
        for interpreter in self.all() {
            found.push(interpreter.to_string());
        }
        found.dedup();
        let hint = match (request.implementation(), request.version()) {
            (None | Some(ImplementationName::CPython), Some(version)) => format!(
                "install it (e.g. `pyenv install {version}`), or pass -p with the path of an interpreter"
            ),
            (Some(ImplementationName::PyPy), _) => "install it (e.g. `pyenv install pypy3.10`, see `pyenv install --list`), or pass -p with the path of an interpreter".to_string(),
            _ => "check the name, or pass -p with the path of an interpreter".to_string(),
        };
        let wanted = match request {
            PythonRequest::ExecutableName(name) => format!("executable name `{name}`"),
            _ => format!("Python `{request}`"),
        };
        not_found(wanted, self.searched(), found, hint)
    }

    fn searched(&self) -> Vec<String> {
        let dirs: Vec<String> = self
            .env
            .path
            .iter()
            .map(|dir| dir.display().to_string())
            .collect();
        let mut searched = vec![format!("PATH ({})", dirs.join(", "))];
        if let Some(pyenv) = &self.pyenv {
            searched.push(format!(
                "pyenv versions in {}",
                pyenv.versions_dir().display()
            ));
        }
        searched
    }

    /// No request: PYENV_VERSION, `.python-version`, pyenv's global pin if its shims come
    /// first on PATH, else the first non-shim `python3` / `python` on PATH.
    fn default(&mut self) -> Result<Interpreter, DiscoveryError> {
        let local = Pyenv::local_pin(self.env.pyenv_version.as_deref(), self.cwd)
            .map_err(pin_file_error)?;
        if let Some(pin) = local {
            return self.by_pin(&pin);
        }
        if let Some(pyenv) = self.pyenv.clone() {
            let shims_first = self
                .on_path("python3", false)
                .is_some_and(|(_, file)| pyenv.is_shim(&file));
            if shims_first {
                let pin = pyenv.global_pin().map_err(pin_file_error)?;
                return self.by_pin(&pin);
            }
        }
        self.system().ok_or_else(|| {
            not_found(
                "`python3` or `python` on PATH".to_string(),
                self.searched(),
                std::mem::take(&mut self.rejected),
                "install Python, put it on PATH, or pass -p with a version or path".to_string(),
            )
        })
    }

    /// The first non-shim `python3`, else `python`, on PATH (pyenv's `system`).
    fn system(&mut self) -> Option<Interpreter> {
        ["python3", "python"].iter().find_map(|name| {
            let (dir, file) = self.on_path(name, true)?;
            self.consider(&file, InterpreterSource::SearchPath(dir), &|_| true)
        })
    }

    /// The first installed version of a pin; warns about pinned versions that are missing.
    fn by_pin(&mut self, pin: &VersionPin) -> Result<Interpreter, DiscoveryError> {
        let mut missing = Vec::new();
        for version in &pin.versions {
            let source = InterpreterSource::Pin {
                version: version.clone(),
                origin: pin.origin.clone(),
            };
            let interpreter = if version == "system" {
                self.system()
            } else {
                let executable = self
                    .pyenv
                    .as_ref()
                    .and_then(|pyenv| pyenv.resolve_version(version))
                    .and_then(|installed| executable_in_dir(&installed.dir));
                match executable {
                    Some(executable) => Some(Interpreter::query(&executable, self.cache)?),
                    None => None,
                }
            };
            match interpreter {
                Some(mut interpreter) => {
                    for name in &missing {
                        tracing::warn!(
                            "Python `{name}` pinned by {} is not installed; using `{version}`",
                            pin.origin
                        );
                    }
                    interpreter.source = source;
                    return Ok(interpreter);
                }
                None => missing.push(version.clone()),
            }
        }
        let installed: Vec<String> = self
            .pyenv
            .as_ref()
            .map(|pyenv| {
                pyenv
                    .installed_versions()
                    .into_iter()
                    .map(|v| format!("pyenv version {}", v.name))
                    .collect()
            })
            .unwrap_or_default();
        let mut searched = self.searched();
        searched.push(format!("the pin in {}", pin.origin));
        let first = pin.versions.first().cloned().unwrap_or_default();
        Err(not_found(
            format!(
                "Python `{}` (pinned by {})",
                missing.join("`, `"),
                pin.origin
            ),
            searched,
            installed,
            format!(
                "install it with `pyenv install {first}`, change the pin, or pass -p with a version or path"
            ),
        ))
    }

    fn all(&mut self) -> Vec<Interpreter> {
        let mut all = Vec::new();
        for dir in self.env.path.clone() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut names: Vec<String> = entries
                .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
                .filter(|name| is_python_name(name))
                .collect();
            names.sort();
            for name in names {
                let file = dir.join(&name);
                if !is_executable(&file) {
                    continue;
                }
                let candidate = if self.is_shim(&file) {
                    self.resolve_shim(&name).ok().flatten()
                } else {
                    Some((file, InterpreterSource::SearchPath(dir.clone())))
                };
                if let Some((file, source)) = candidate {
                    all.extend(self.consider(&file, source, &|_| true));
                }
            }
        }
        if let Some(pyenv) = self.pyenv.clone() {
            for installed in pyenv.installed_versions() {
                if let Some(file) = executable_in_dir(&installed.dir) {
                    let source = InterpreterSource::PyenvVersions(pyenv.versions_dir());
                    all.extend(self.consider(&file, source, &|_| true));
                }
            }
        }
        all
    }
}

fn pin_file_error((path, source): (PathBuf, std::io::Error)) -> DiscoveryError {
    DiscoveryError::PinFile { path, source }
}

fn not_found(
    wanted: String,
    searched: Vec<String>,
    found: Vec<String>,
    hint: String,
) -> DiscoveryError {
    DiscoveryError::NotFound(Box::new(NotFound {
        wanted,
        searched,
        found,
        hint,
    }))
}
