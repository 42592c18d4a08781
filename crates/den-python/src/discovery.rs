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
    /// `$PYENV_ROOT`, else `~/.pyenv`; `None` when neither is known. When it holds no pyenv,
    /// a `<root>/shims` directory on `PATH` next to `<root>/versions` is used instead.
    pub pyenv_root: Option<PathBuf>,
    /// `PYENV_VERSION`, when set and not blank.
    pub pyenv_version: Option<String>,
    /// `PYENV_DIR`: where pyenv looks for `.python-version` before the working directory.
    pub pyenv_dir: Option<PathBuf>,
}

impl DiscoveryEnv {
    /// Reads `PATH`, `PYENV_ROOT` (default `~/.pyenv`), `PYENV_VERSION` and `PYENV_DIR` from
    /// the process.
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
        let pyenv_dir = std::env::var_os("PYENV_DIR")
            .filter(|value| !value.is_empty())
            .map(PathBuf::from);
        Self {
            path,
            pyenv_root,
            pyenv_version,
            pyenv_dir,
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
    /// A pyenv version file exists but cannot be read: `cannot read pyenv version file
    /// {path}: {cause}`.
    #[error(transparent)]
    PinFile(den_dist::IoError),
    /// The pinned version's directory exists under pyenv's `versions/` (so pyenv selects it)
    /// but holds no interpreter that runs: the message names the directory and what to do.
    #[error(
        "pyenv version `{version}` (pinned by {origin}) has no working interpreter in {}: \
         {reason}\n  hint: reinstall it (`den pyenv install -f {version}`), remove {}, or \
         change the pin",
        dir.display(),
        dir.display()
    )]
    BrokenPyenvVersion {
        /// The version name as pinned.
        version: String,
        /// Where the pin was set.
        origin: PinOrigin,
        /// The version's directory (`$PYENV_ROOT/versions/NAME`).
        dir: PathBuf,
        /// Why: no `bin/python3` or `bin/python`, or why it could not be run.
        reason: String,
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

/// The interpreter of a pyenv version directory: `bin/python3`, else `bin/python` (which is
/// Python 2 in 2.x installations, so it comes second).
fn pyenv_executable(dir: &Path) -> Option<PathBuf> {
    ["bin/python3", "bin/python"]
        .iter()
        .map(|name| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

/// A pyenv whose `shims` directory is on `PATH` although `$PYENV_ROOT` does not point to it
/// (pyenv installed elsewhere, variable unset): `<root>/shims` next to `<root>/versions`.
fn pyenv_from_path(path: &[PathBuf]) -> Option<Pyenv> {
    path.iter()
        .filter(|dir| dir.file_name() == Some("shims".as_ref()))
        .filter_map(|dir| dir.parent())
        .filter(|root| root.join("versions").is_dir())
        .find_map(Pyenv::at)
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
            pyenv: env
                .pyenv_root
                .as_deref()
                .and_then(Pyenv::at)
                .or_else(|| pyenv_from_path(&env.path)),
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

    /// The pin pyenv selects in `cwd` (`PYENV_VERSION`, the nearest `.python-version`, the
    /// global file, else `system`); with `global` false, `None` when only the global file
    /// (or nothing) sets it. Names pyenv refuses in the version file are warned about.
    fn pin(&self, global: bool) -> Result<Option<VersionPin>, DiscoveryError> {
        let pyenv = self
            .pyenv
            .clone()
            .unwrap_or_else(|| Pyenv::new(self.env.pyenv_root.clone().unwrap_or_default()));
        let pin = pyenv
            .selection(
                self.env.pyenv_version.as_deref(),
                self.env.pyenv_dir.as_deref(),
                self.cwd,
            )
            .map_err(DiscoveryError::PinFile)?;
        for name in &pin.invalid {
            tracing::warn!("invalid pyenv version `{name}` ignored in {}", pin.origin);
        }
        Ok((global || !matches!(pin.origin, PinOrigin::GlobalFile(_))).then_some(pin))
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
        let Some(pin) = self.pin(true)? else {
            return Ok(None);
        };
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
            for installed in pyenv.installed_versions() {
                if !request.may_match(&installed.guess) {
                    continue;
                }
                let file = match request {
                    PythonRequest::ExecutableName(name) => {
                        Some(installed.dir.join("bin").join(name)).filter(|f| is_executable(f))
                    }
                    _ => pyenv_executable(&installed.dir),
                };
                let Some(file) = file else {
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
        if let Some(pin) = self.pin(false)? {
            return self.by_pin(&pin);
        }
        if let Some(pyenv) = self.pyenv.clone() {
            let shims_first = self
                .on_path("python3", false)
                .is_some_and(|(_, file)| pyenv.is_shim(&file));
            if shims_first && let Some(pin) = self.pin(true)? {
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
                let installed = self
                    .pyenv
                    .as_ref()
                    .and_then(|pyenv| pyenv.resolve_version(version));
                match installed {
                    Some(installed) => {
                        let broken = |reason: String| DiscoveryError::BrokenPyenvVersion {
                            version: version.clone(),
                            origin: pin.origin.clone(),
                            dir: installed.dir.clone(),
                            reason,
                        };
                        let executable = pyenv_executable(&installed.dir).ok_or_else(|| {
                            broken("no executable bin/python3 or bin/python".to_string())
                        })?;
                        Some(
                            Interpreter::query(&executable, self.cache)
                                .map_err(|err| broken(err.to_string()))?,
                        )
                    }
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
        let hint = match missing.iter().find(|name| *name != "system") {
            Some(name) => format!(
                "install it with `pyenv install {name}`, change the pin, or pass -p with a version or path"
            ),
            None => "`system` means the first python3 on PATH outside pyenv: install one, \
                     change the pin, or pass -p with a version or path"
                .to_string(),
        };
        Err(not_found(
            format!(
                "Python `{}` (pinned by {})",
                missing.join("`, `"),
                pin.origin
            ),
            searched,
            installed,
            hint,
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
                if let Some(file) = pyenv_executable(&installed.dir) {
                    let source = InterpreterSource::PyenvVersions(pyenv.versions_dir());
                    all.extend(self.consider(&file, source, &|_| true));
                }
            }
        }
        all
    }
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

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;
    use crate::fake::{fake_free_threaded, fake_interpreter, fake_python, runs, write_script};

    /// A fake machine: pyenv with 3.12.1, 3.11.7 (also `python3.11`) and 3.13.0t installed,
    /// pyenv shims that record being run (they must never be), a "system" dir with CPython
    /// 3.10.4 as `python3` and a project directory.
    struct World {
        dir: tempfile::TempDir,
        cache: Cache,
    }

    impl World {
        fn new() -> Self {
            let world = Self {
                dir: tempfile::tempdir().unwrap(),
                cache: Cache::temporary().unwrap(),
            };
            let versions = world.pyenv().join("versions");
            fake_python(&versions.join("3.12.1/bin/python3"), "3.12.1");
            fake_python(&versions.join("3.11.7/bin/python3"), "3.11.7");
            std::os::unix::fs::symlink("python3", versions.join("3.11.7/bin/python3.11")).unwrap();
            fake_free_threaded(&versions.join("3.13.0t/bin/python3"), "3.13.0");
            fake_interpreter(
                &versions.join("pypy3.10-7.3.13/bin/python3"),
                "pypy",
                "3.10.14",
            );
            for shim in ["python3", "python3.11", "python3.12", "python"] {
                write_script(
                    &world.pyenv().join("shims").join(shim),
                    &format!("echo ran >> '{}'\nexit 99\n", world.shim_log().display()),
                );
            }
            fake_python(&world.system().join("python3"), "3.10.4");
            fs::create_dir_all(world.project()).unwrap();
            world
        }

        fn pyenv(&self) -> PathBuf {
            self.dir.path().join("pyenv")
        }
        fn shims(&self) -> PathBuf {
            self.pyenv().join("shims")
        }
        fn system(&self) -> PathBuf {
            self.dir.path().join("usr/bin")
        }
        fn project(&self) -> PathBuf {
            self.dir.path().join("project/sub")
        }
        fn shim_log(&self) -> PathBuf {
            self.dir.path().join("shims-ran")
        }
        fn version_python(&self, name: &str) -> PathBuf {
            self.pyenv().join("versions").join(name).join("bin/python3")
        }

        /// PATH = `dirs`, pyenv root set, PYENV_VERSION as given.
        fn env(&self, dirs: &[PathBuf], pyenv_version: Option<&str>) -> DiscoveryEnv {
            DiscoveryEnv {
                path: dirs.to_vec(),
                pyenv_root: Some(self.pyenv()),
                pyenv_version: pyenv_version.map(str::to_string),
                pyenv_dir: None,
            }
        }
        fn shims_first(&self, pyenv_version: Option<&str>) -> DiscoveryEnv {
            self.env(&[self.shims(), self.system()], pyenv_version)
        }

        fn find(
            &self,
            request: Option<&str>,
            env: &DiscoveryEnv,
        ) -> Result<Interpreter, DiscoveryError> {
            let request: Option<PythonRequest> = request.map(|r| r.parse().unwrap());
            let found = find_interpreter_in(request.as_ref(), &self.project(), &self.cache, env);
            assert!(!self.shim_log().exists(), "a pyenv shim was run");
            found
        }
        fn version_of(&self, request: Option<&str>, env: &DiscoveryEnv) -> String {
            self.find(request, env).unwrap().version.to_string()
        }
    }

    #[test]
    fn pyenv_version_beats_python_version_file() {
        let world = World::new();
        fs::write(world.dir.path().join("project/.python-version"), "3.12\n").unwrap();
        let found = world.find(None, &world.shims_first(Some("3.11"))).unwrap();
        assert_eq!(found.version.to_string(), "3.11.7");
        assert_eq!(
            found.source,
            InterpreterSource::Pin {
                version: "3.11".into(),
                origin: PinOrigin::EnvVar
            }
        );
        let found = world.find(None, &world.shims_first(None)).unwrap();
        assert_eq!(found.version.to_string(), "3.12.1");
        assert_eq!(found.executable, world.version_python("3.12.1"));
        let InterpreterSource::Pin { origin, .. } = &found.source else {
            panic!("{:?}", found.source);
        };
        assert_eq!(
            origin,
            &PinOrigin::LocalFile(world.dir.path().join("project/.python-version"))
        );
        assert!(found.source.to_string().contains(".python-version"));
    }

    #[test]
    fn python_version_file_applies_without_shims_on_path() {
        let world = World::new();
        fs::write(
            world.dir.path().join("project/.python-version"),
            "# pinned\n3.13.0t\n",
        )
        .unwrap();
        let env = world.env(&[world.system()], None);
        assert_eq!(world.version_of(None, &env), "3.13.0");
    }

    #[test]
    fn first_installed_pin_wins_and_system_means_path() {
        let world = World::new();
        let file = world.dir.path().join("project/.python-version");
        fs::write(&file, "3.99.0\nsystem\n3.12.1\n").unwrap();
        let found = world.find(None, &world.shims_first(None)).unwrap();
        assert_eq!(found.version.to_string(), "3.10.4");
        assert_eq!(found.executable, world.system().join("python3"));
    }

    #[test]
    fn global_version_only_when_shims_come_first() {
        let world = World::new();
        fs::write(world.pyenv().join("version"), "3.11.7\n").unwrap();
        let found = world.find(None, &world.shims_first(None)).unwrap();
        assert_eq!(found.version.to_string(), "3.11.7");
        assert!(matches!(
            found.source,
            InterpreterSource::Pin {
                origin: PinOrigin::GlobalFile(_),
                ..
            }
        ));
        let system_first = world.env(&[world.system(), world.shims()], None);
        let found = world.find(None, &system_first).unwrap();
        assert_eq!(found.version.to_string(), "3.10.4");
        assert_eq!(found.source, InterpreterSource::SearchPath(world.system()));
    }

    #[test]
    fn no_global_version_means_system() {
        let world = World::new();
        assert_eq!(world.version_of(None, &world.shims_first(None)), "3.10.4");
    }

    #[test]
    fn missing_pin_is_reported_with_its_origin() {
        let world = World::new();
        let file = world.dir.path().join("project/.python-version");
        fs::write(&file, "3.99\n").unwrap();
        let err = world
            .find(None, &world.shims_first(None))
            .unwrap_err()
            .to_string();
        assert!(err.contains("`3.99`"), "{err}");
        assert!(err.contains(&file.display().to_string()), "{err}");
        assert!(err.contains("pyenv install 3.99"), "{err}");
        assert!(err.contains("pyenv version 3.12.1"), "{err}");

        let no_system = world.env(&[world.shims()], Some("system"));
        let err = world.find(None, &no_system).unwrap_err().to_string();
        assert!(
            err.contains("`system` means the first python3 on PATH"),
            "{err}"
        );
    }

    #[test]
    fn version_request_resolves_shims_by_pin_then_searches_versions() {
        let world = World::new();
        fs::write(world.pyenv().join("version"), "3.11.7\n").unwrap();
        let env = world.shims_first(None);
        // The python3 shim maps to the pinned 3.11.7.
        let found = world.find(Some("3.11"), &env).unwrap();
        assert_eq!(
            found.executable,
            world.version_python("3.11.7").with_file_name("python3.11")
        );
        assert!(matches!(found.source, InterpreterSource::Pin { .. }));
        // 3.12 is no shim's pinned target and not on PATH: found under versions.
        let found = world.find(Some("3.12"), &env).unwrap();
        assert_eq!(found.executable, world.version_python("3.12.1"));
        assert_eq!(
            found.source,
            InterpreterSource::PyenvVersions(world.pyenv().join("versions"))
        );
        assert_eq!(world.version_of(Some(">=3.10,<3.11"), &env), "3.10.4");
        assert_eq!(world.version_of(Some("cpython3.13t"), &env), "3.13.0");
        assert_eq!(world.version_of(Some("pypy"), &env), "3.10.14");
        assert_eq!(world.version_of(Some("pp310"), &env), "3.10.14");
    }

    #[test]
    fn versions_are_filtered_by_name_before_running() {
        let world = World::new();
        let env = world.env(&[], None);
        assert_eq!(world.version_of(Some("3.12"), &env), "3.12.1");
        for name in ["3.11.7", "3.13.0t", "pypy3.10-7.3.13"] {
            assert_eq!(runs(&world.version_python(name)), 0, "{name} was run");
        }
    }

    #[test]
    fn executable_name_shim_falls_back_to_any_version() {
        let world = World::new();
        fs::write(world.pyenv().join("version"), "3.12.1\n").unwrap();
        let found = world
            .find(Some("python3.11"), &world.shims_first(None))
            .unwrap();
        assert_eq!(found.version.to_string(), "3.11.7");
        assert_eq!(
            found.source,
            InterpreterSource::PyenvVersions(world.pyenv().join("versions"))
        );
    }

    #[test]
    fn warm_discovery_starts_no_process() {
        let world = World::new();
        let env = world.shims_first(Some("3.12.1"));
        world.find(Some("3.12"), &env).unwrap();
        world.find(None, &env).unwrap();
        world.find(Some("3.12"), &env).unwrap();
        assert_eq!(runs(&world.version_python("3.12.1")), 1);
    }

    #[test]
    fn not_found_lists_what_exists_and_where_it_looked() {
        let world = World::new();
        let err = world
            .find(Some("3.14"), &world.shims_first(None))
            .unwrap_err();
        let DiscoveryError::NotFound(details) = &err else {
            panic!("{err:?}");
        };
        assert_eq!(details.wanted, "Python `3.14`");
        let text = err.to_string();
        for needle in [
            "CPython 3.10.4 at",
            "CPython 3.12.1 at",
            "PyPy 3.10.14 at",
            "pyenv install 3.14",
            &world.system().display().to_string(),
            &format!(
                "pyenv versions in {}",
                world.pyenv().join("versions").display()
            ),
        ] {
            assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
        }
        let err = world
            .find(Some("python9"), &world.shims_first(None))
            .unwrap_err()
            .to_string();
        assert!(err.contains("executable name `python9`"), "{err}");
    }

    #[test]
    fn path_requests() {
        let world = World::new();
        let env = world.env(&[world.system()], None);
        let venv = world.project().join(".venv");
        fake_python(&venv.join("bin/python"), "3.12.1");
        fs::write(venv.join("pyvenv.cfg"), "home = /x\n").unwrap();
        let found = world.find(Some(".venv"), &env).unwrap();
        assert_eq!(found.executable, venv.join("bin/python"));
        assert_eq!(found.source, InterpreterSource::Explicit);
        let request: PythonRequest = ".venv".parse().unwrap();
        let absolute = PythonRequest::Path(venv.clone());
        assert!(absolute.matches(&found));
        assert!(!request.matches(&world.find(None, &env).unwrap()));

        let direct = world.version_python("3.11.7");
        let found = world.find(Some(direct.to_str().unwrap()), &env).unwrap();
        assert_eq!(found.version.to_string(), "3.11.7");

        let err = world.find(Some("./nope"), &env).unwrap_err().to_string();
        assert!(err.contains("does not exist"), "{err}");
        let err = world
            .find(Some(world.dir.path().to_str().unwrap()), &env)
            .unwrap_err()
            .to_string();
        assert!(err.contains("bin/python"), "{err}");

        // A shim given by path is resolved, not run.
        let env = world.shims_first(Some("3.12.1"));
        let shim = world.shims().join("python3");
        let found = world.find(Some(shim.to_str().unwrap()), &env).unwrap();
        assert_eq!(found.version.to_string(), "3.12.1");
    }

    #[test]
    fn unreadable_interpreter_by_path_is_a_query_error() {
        let world = World::new();
        let broken = world.dir.path().join("broken");
        write_script(&broken, "exit 1\n");
        let err = world
            .find(Some(broken.to_str().unwrap()), &world.env(&[], None))
            .unwrap_err();
        assert!(matches!(err, DiscoveryError::Query(_)), "{err:?}");
    }

    #[test]
    fn lists_everything_once() {
        let world = World::new();
        fs::write(world.pyenv().join("version"), "3.11.7\n").unwrap();
        let all = find_all(&world.project(), &world.cache, &world.shims_first(None));
        let versions: Vec<String> = all.iter().map(|i| i.version.to_string()).collect();
        // Shims `python3` and `python3.11` resolve to 3.11.7's (one file); `python` and
        // `python3.12` to nothing; then system 3.10.4, then the other versions, newest first.
        assert_eq!(
            versions,
            ["3.11.7", "3.10.4", "3.13.0", "3.12.1", "3.10.14"]
        );
        assert!(!world.shim_log().exists());
    }

    #[test]
    fn finds_real_pyenv_versions() {
        let root = dirs::home_dir().unwrap_or_default().join(".pyenv");
        let python = root.join("versions/3.12.1/bin/python3");
        if den_test_support::require(
            Some(()).filter(|()| python.is_file()),
            &python.display().to_string(),
            "finding pyenv's real versions",
        )
        .is_none()
        {
            return;
        }
        let cache = Cache::temporary().unwrap();
        let env = DiscoveryEnv {
            path: Vec::new(),
            pyenv_root: Some(root.clone()),
            pyenv_version: Some("3.12".to_string()),
            pyenv_dir: None,
        };
        let cwd = tempfile::tempdir().unwrap();
        let request: PythonRequest = "cp312".parse().unwrap();
        let found = find_interpreter_in(Some(&request), cwd.path(), &cache, &env).unwrap();
        assert_eq!(found.version.to_string(), "3.12.1");
        let pinned = find_interpreter_in(None, cwd.path(), &cache, &env).unwrap();
        assert_eq!(pinned.executable, root.join("versions/3.12.1/bin/python3"));
        assert!(check_supported(&pinned).is_ok());
    }

    #[test]
    fn finds_pyenv_from_its_shims_on_path() {
        let world = World::new();
        let env = DiscoveryEnv {
            path: vec![world.shims(), world.system()],
            pyenv_root: Some(world.dir.path().join("no-pyenv-here")),
            pyenv_version: Some("3.12.1".to_string()),
            pyenv_dir: None,
        };
        assert_eq!(world.version_of(None, &env), "3.12.1");
        assert_eq!(world.version_of(Some("python3"), &env), "3.12.1");
    }

    #[test]
    fn recognizes_python_names() {
        for name in [
            "python",
            "python3",
            "python3.12",
            "python3.13t",
            "pypy3.10",
            "graalpy",
        ] {
            assert!(is_python_name(name), "{name}");
        }
        for name in [
            "python3-config",
            "python3.12-config",
            "python3.runs",
            "pythonw",
            "pip3",
            "python3.1.2",
        ] {
            assert!(!is_python_name(name), "{name}");
        }
    }
}
