//! One model of a Python environment ([`PythonEnvironment`]): finding the one a command acts on
//! (an environment directory or interpreter request, else `$VIRTUAL_ENV`, else `.venv` in the
//! working directory or a parent), its install scheme and site-packages directories, and the
//! lock that serializes changes to it. A base interpreter that is not a virtual environment is
//! refused for changes unless the caller allows it (`--system`), because installing into it can
//! break the system's own tools (PEP 668's concern).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use den_cache::Cache;
use den_dist::IoResultExt;
use den_install::InstallScheme;
use den_python::{Interpreter, PythonRequest, SysconfigPaths};

use crate::{PyVenvConfig, VirtualEnv};

/// A Python environment a command acts on: a virtual environment, or a base interpreter.
#[derive(Debug)]
pub struct PythonEnvironment {
    /// Its interpreter (inside the environment, for a virtual environment).
    pub interpreter: Interpreter,
    /// Where to install instead of the interpreter's own scheme (`--target`, `--prefix`).
    layout: Option<InstallScheme>,
}

/// What a command does with its environment: reading (freeze, list, show) works on any
/// interpreter, changing (install, uninstall) a base interpreter needs `--system`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The command only reads installed distributions.
    Read,
    /// The command installs or removes distributions.
    Change,
}

/// How to find the environment: pip's `--python` and `--system`, and where to look.
#[derive(Debug, Clone, Copy)]
pub struct EnvironmentRequest<'a> {
    /// `--python`: an environment directory (relative to `cwd`) or an interpreter request.
    pub python: Option<&'a str>,
    /// `--system`: a base interpreter may be changed.
    pub system: bool,
    /// Whether the command reads or changes the environment.
    pub access: Access,
    /// The working directory, where `.venv` is looked for (then in its parents).
    pub cwd: &'a Path,
    /// `$VIRTUAL_ENV` (an empty value counts as unset).
    pub virtual_env: Option<&'a Path>,
}

/// Why no environment could be used.
#[derive(Debug, thiserror::Error)]
pub enum EnvironmentError {
    /// No `--python`, no `$VIRTUAL_ENV` and no `.venv` from the working directory up.
    #[error(
        "no virtual environment found: $VIRTUAL_ENV is not set and there is no .venv in {} or its parents. Create one with `den venv`, activate one, or pass --python <environment or interpreter> (add --system to use a base interpreter)",
        cwd.display()
    )]
    NotFound {
        /// The working directory.
        cwd: PathBuf,
    },
    /// The `--python` value is neither an environment directory nor an interpreter request.
    #[error("invalid --python value `{value}`: {source}")]
    InvalidRequest {
        /// The value given.
        value: String,
        /// Why it is not an interpreter request.
        source: den_python::RequestParseError,
    },
    /// No interpreter matches the request.
    #[error(transparent)]
    Discovery(#[from] den_python::DiscoveryError),
    /// The interpreter could not be queried.
    #[error(transparent)]
    Interpreter(#[from] den_python::InterpreterError),
    /// The directory has no `pyvenv.cfg`.
    #[error(
        "{} is not a virtual environment (it has no pyvenv.cfg). Create one there with `den venv {}`",
        root.display(),
        root.display()
    )]
    NoPyvenvCfg {
        /// The directory.
        root: PathBuf,
    },
    /// The environment has no interpreter executable.
    #[error(
        "the virtual environment at {} has no bin/python; recreate it with `den venv --clear {}`",
        root.display(),
        root.display()
    )]
    NoPython {
        /// The environment root.
        root: PathBuf,
    },
    /// A base interpreter was to be changed without `--system`.
    #[error(
        "{} is not a virtual environment (it is the base interpreter at prefix {}). Installing into it can break tools that depend on it. Create an environment with `den venv` and pass --python <env>, or add --system if you really mean it",
        executable.display(),
        prefix.display()
    )]
    BaseInterpreter {
        /// The interpreter.
        executable: PathBuf,
        /// Its prefix.
        prefix: PathBuf,
    },
    /// The environment's lock could not be taken.
    #[error(transparent)]
    Lock(#[from] den_cache::CacheError),
    /// Repairing a half-done change failed.
    #[error(transparent)]
    Install(#[from] den_install::InstallError),
}

impl PythonEnvironment {
    /// The environment den just created at `env` from the `base` interpreter. Its facts
    /// follow from the base's (same version, tags and markers) and den-venv's layout, so its
    /// own interpreter is not started to learn them.
    pub fn from_created(base: &Interpreter, env: &VirtualEnv) -> Self {
        let interpreter = Interpreter {
            executable: env.python.clone(),
            sys_executable: env.python.clone(),
            prefix: env.root.clone(),
            paths: env.scheme(),
            ..base.clone()
        };
        Self {
            interpreter,
            layout: None,
        }
    }

    /// Installs and reads distributions in `scheme` instead of the interpreter's own
    /// (pip's `--target` and `--prefix`).
    pub fn set_layout(&mut self, scheme: InstallScheme) {
        self.layout = Some(scheme);
    }

    /// The distinct site-packages directories (purelib, platlib) to read and write.
    pub fn site_packages(&self) -> Vec<PathBuf> {
        self.scheme().site_packages()
    }

    /// The distributions pip would list: those in [`PythonEnvironment::site_packages`] and, for a base
    /// interpreter or in an environment whose pyvenv.cfg has
    /// `include-system-site-packages = true`, those in the other site-packages directories the
    /// interpreter's `site` puts on `sys.path` (the base's `lib/pythonX.Y[t]/site-packages`,
    /// Debian's `dist-packages`). A name found twice is reported once, from the directory
    /// earlier on `sys.path`, which shadows the later one.
    ///
    /// # Errors
    ///
    /// A site-packages directory cannot be read.
    pub fn visible_distributions(
        &self,
    ) -> Result<Vec<den_install::InstalledDist>, den_install::InstallError> {
        let mut dirs = self.site_packages();
        if !self.interpreter.is_virtualenv() || self.includes_system_site_packages() {
            for dir in &self.interpreter.site_dirs {
                if dir.is_dir() && !dirs.contains(dir) {
                    dirs.push(dir.clone());
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        let mut dists = den_install::installed_distributions(&dirs)?;
        dists.retain(|d| seen.insert(d.name.clone()));
        Ok(dists)
    }

    /// Whether the environment's pyvenv.cfg says `include-system-site-packages = true`.
    fn includes_system_site_packages(&self) -> bool {
        PyVenvConfig::read(&self.interpreter.prefix)
            .is_ok_and(|cfg| cfg.include_system_site_packages())
    }

    /// Where the installer puts each part of a wheel.
    pub fn scheme(&self) -> InstallScheme {
        self.layout
            .clone()
            .unwrap_or_else(|| scheme_for(&self.interpreter))
    }

    /// Where and for which interpreter wheels are installed: [`PythonEnvironment::scheme`],
    /// the interpreter's executable in shebangs, relative ones in a relocatable virtual
    /// environment (`relocatable = true` in its pyvenv.cfg) installed into its own scheme.
    pub fn install_target(&self) -> den_install::InstallTarget {
        let relocatable = self.layout.is_none()
            && self.interpreter.is_virtualenv()
            && PyVenvConfig::read(&self.interpreter.prefix).is_ok_and(|cfg| cfg.relocatable());
        den_install::InstallTarget {
            scheme: self.scheme(),
            python: self.interpreter.executable.clone(),
            python_version: self.interpreter.major_minor,
            relocatable,
        }
    }

    /// The directory whose lock serializes den processes changing this environment: its
    /// purelib site-packages directory (see [`PythonEnvironment::lock`]).
    pub fn lock_dir(&self) -> PathBuf {
        self.scheme().purelib
    }

    /// Takes the lock that serializes den processes changing this environment, waiting (with
    /// an info log naming the environment) while another process holds it, then repairs
    /// whatever a killed den process left half-done there ([`den_install::recover`]). Hold the
    /// returned guard for the whole change.
    ///
    /// The lock is taken on the environment itself, on its purelib site-packages directory
    /// ([`den_cache::lock_directory`]: an `flock` on the directory, or on a `.den-lock` file
    /// in it where the file system does not lock directories), not in the cache: every
    /// spelling of the environment's path (a symlink, `..`, a bind mount) and every cache
    /// directory reach the same lock, so a second process waits instead of running its
    /// recovery over the first one's live install. Site-packages rather than the environment
    /// root because it is the directory every change writes and recovery repairs, and it
    /// exists in every layout (a virtual environment, a base interpreter with `--system`,
    /// `--target`, `--prefix`), where the root may be `/usr`. It is created if missing. The
    /// directory lock needs no write permission and adds no file, so an environment den cannot
    /// write still fails where the change writes, with that file's name, as before.
    ///
    /// # Errors
    ///
    /// Site-packages cannot be created or locked ([`EnvironmentError::Lock`], naming it), or
    /// the repair fails.
    pub fn lock(&self) -> Result<den_cache::LockGuard, EnvironmentError> {
        let dir = self.lock_dir();
        if !dir.is_dir() {
            std::fs::create_dir_all(&dir)
                .at("create directory", &dir)
                .map_err(den_cache::CacheError)?;
        }
        let guard = den_cache::lock_directory(&dir, || {
            tracing::info!(
                "waiting for another den process to finish changing the environment at {}",
                self.interpreter.prefix.display()
            );
        })?;
        let report = den_install::recover(&self.site_packages())?;
        for line in report.lines() {
            tracing::warn!("{line}");
        }
        Ok(guard)
    }

    /// PEP 668: the `Error` text of the `EXTERNALLY-MANAGED` file in the interpreter's
    /// standard library directory (`[externally-managed]` section, continuation lines joined
    /// with newlines), or pip's default text when the file has none; `None` when there is no
    /// such file or this is a virtual environment (whose base's marker does not apply).
    pub fn externally_managed(&self) -> Option<String> {
        if self.interpreter.is_virtualenv() {
            return None;
        }
        let text =
            std::fs::read_to_string(self.interpreter.paths.stdlib.join("EXTERNALLY-MANAGED"))
                .ok()?;
        let mut in_section = false;
        let mut error: Option<Vec<String>> = None;
        for line in text.lines() {
            let trimmed = line.trim();
            if trimmed.starts_with('[') {
                in_section = trimmed == "[externally-managed]";
                if error.is_some() {
                    break;
                }
                continue;
            }
            if !in_section {
                continue;
            }
            match &mut error {
                Some(lines) if line.starts_with([' ', '\t']) && !trimmed.is_empty() => {
                    lines.push(trimmed.to_string());
                }
                Some(lines) if trimmed.is_empty() => lines.push(String::new()),
                Some(_) => break,
                None => {
                    if let Some((key, value)) = line.split_once(['=', ':'])
                        && key.trim().eq_ignore_ascii_case("Error")
                    {
                        error = Some(vec![value.trim().to_string()]);
                    }
                }
            }
        }
        let error = error.map(|lines| lines.join("\n").trim_end().to_string());
        Some(error.filter(|e| !e.is_empty()).unwrap_or_else(|| {
            "The Python environment under the interpreter's prefix is managed externally, and may not be manipulated by the user. Please use specific tooling from the distributor of the Python installation to interact with this environment instead.".to_string()
        }))
    }

    /// Before reading what is installed: when a den process left a change half-done here
    /// ([`den_install::needs_recovery`]), takes the lock as [`PythonEnvironment::lock`] does
    /// (waiting for a live one to finish, repairing what a killed one left) and releases it,
    /// so what is read is whole. An environment den may not write is read as it is (the
    /// reason is logged).
    pub fn settle(&self) {
        if !den_install::needs_recovery(&self.site_packages()) {
            return;
        }
        if let Err(err) = self.lock() {
            tracing::warn!("reading the environment as it is: {err}");
        }
    }
}

impl PythonEnvironment {
    /// Finds the environment `request` asks for: `--python` as an environment directory
    /// (one with `pyvenv.cfg`) or an interpreter request, else `$VIRTUAL_ENV`, else the
    /// nearest `.venv` with a `pyvenv.cfg` from the working directory up.
    ///
    /// # Errors
    ///
    /// Nothing found ([`EnvironmentError::NotFound`] says where den looked), an invalid
    /// request, the interpreter cannot be found or queried, or the access is
    /// [`Access::Change`] on a base interpreter without `system`.
    pub fn find(request: &EnvironmentRequest<'_>, cache: &Cache) -> Result<Self, EnvironmentError> {
        let cwd = request.cwd;
        let interpreter = match request.python {
            Some(python) => from_python_arg(python, cwd, cache)?,
            None => {
                let root = request
                    .virtual_env
                    .filter(|v| !v.as_os_str().is_empty())
                    .map(Path::to_path_buf)
                    .or_else(|| find_dot_venv(cwd));
                let Some(root) = root else {
                    return Err(EnvironmentError::NotFound {
                        cwd: cwd.to_path_buf(),
                    });
                };
                from_env_dir(&root, cache)?
            }
        };
        if request.access == Access::Change && !interpreter.is_virtualenv() && !request.system {
            return Err(EnvironmentError::BaseInterpreter {
                executable: interpreter.executable.clone(),
                prefix: interpreter.prefix.clone(),
            });
        }
        Ok(Self {
            interpreter,
            layout: None,
        })
    }
}

impl PythonEnvironment {
    /// The virtual environment rooted at `root` (a directory with `pyvenv.cfg`), e.g. a named
    /// environment of WORKON_HOME.
    ///
    /// # Errors
    ///
    /// [`EnvironmentError::NoPyvenvCfg`], [`EnvironmentError::NoPython`], or its interpreter
    /// cannot be queried.
    pub fn at_root(root: &Path, cache: &Cache) -> Result<Self, EnvironmentError> {
        Ok(Self {
            interpreter: from_env_dir(root, cache)?,
            layout: None,
        })
    }
}

fn from_python_arg(
    python: &str,
    cwd: &Path,
    cache: &Cache,
) -> Result<Interpreter, EnvironmentError> {
    let as_path = cwd.join(python);
    if PyVenvConfig::path_in(&as_path).is_file() {
        return from_env_dir(&as_path, cache);
    }
    let request =
        PythonRequest::from_str(python).map_err(|source| EnvironmentError::InvalidRequest {
            value: python.to_string(),
            source,
        })?;
    Ok(den_python::find_interpreter(Some(&request), cwd, cache)?)
}

fn from_env_dir(root: &Path, cache: &Cache) -> Result<Interpreter, EnvironmentError> {
    if !PyVenvConfig::path_in(root).is_file() {
        return Err(EnvironmentError::NoPyvenvCfg {
            root: root.to_path_buf(),
        });
    }
    let python = ["bin/python", "bin/python3", "Scripts/python.exe"]
        .iter()
        .map(|p| root.join(p))
        .find(|p| p.exists())
        .ok_or_else(|| EnvironmentError::NoPython {
            root: root.to_path_buf(),
        })?;
    Ok(Interpreter::query(&python, cache)?)
}

/// The nearest `.venv` containing a pyvenv.cfg, from `start` upward.
pub fn find_dot_venv(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(".venv"))
        .find(|candidate| PyVenvConfig::path_in(candidate).is_file())
}

/// The install scheme of an interpreter: its sysconfig paths, with headers under
/// `<prefix>/include/site/pythonX.Y` in a virtual environment as pip does.
fn scheme_for(interpreter: &Interpreter) -> InstallScheme {
    let paths = &interpreter.paths;
    let headers = if interpreter.is_virtualenv() {
        den_install::venv_headers_dir(&interpreter.prefix, interpreter.major_minor)
    } else {
        paths.include.clone()
    };
    install_scheme(paths, headers)
}

/// An install scheme from sysconfig paths, with C headers going to `headers`.
fn install_scheme(paths: &SysconfigPaths, headers: PathBuf) -> InstallScheme {
    InstallScheme {
        purelib: paths.purelib.clone(),
        platlib: paths.platlib.clone(),
        scripts: paths.scripts.clone(),
        data: paths.data.clone(),
        headers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Writes a minimal installed distribution `name` 1.0 into `site_packages`.
    fn install_fake(site_packages: &Path, name: &str) {
        let dist_info = site_packages.join(format!("{name}-1.0.dist-info"));
        std::fs::create_dir_all(&dist_info).unwrap();
        std::fs::write(
            dist_info.join("METADATA"),
            format!("Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n"),
        )
        .unwrap();
        std::fs::write(dist_info.join("RECORD"), "").unwrap();
    }

    /// An environment including system site-packages sees its base's distributions, found
    /// where the base's `site` says they are: for a free-threaded base,
    /// `lib/python3.13t/site-packages` (which a `lib/python3.13` guess misses).
    #[test]
    fn free_threaded_base_site_packages_are_visible() {
        let Some(python) = ["/usr/bin/python3", "/usr/local/bin/python3"]
            .into_iter()
            .map(Path::new)
            .find(|p| p.is_file())
        else {
            eprintln!("skipped: no python3 to take interpreter facts from");
            return;
        };
        let temp = tempfile::tempdir().unwrap();
        let cache = Cache::open(temp.path().join("cache")).unwrap();
        let mut interpreter = Interpreter::query(python, &cache).unwrap();
        let base = temp.path().join("base");
        let base_site = base.join("lib/python3.13t/site-packages");
        let env = temp.path().join("env");
        let env_site = env.join("lib/python3.13t/site-packages");
        install_fake(&base_site, "from-base");
        install_fake(&env_site, "from-env");
        std::fs::write(
            env.join("pyvenv.cfg"),
            "home = /x\ninclude-system-site-packages = true\n",
        )
        .unwrap();
        interpreter.major_minor = (3, 13);
        interpreter.gil_disabled = true;
        interpreter.prefix = env.clone();
        interpreter.base_prefix = base;
        interpreter.paths.purelib = env_site.clone();
        interpreter.paths.platlib = env_site.clone();
        interpreter.site_dirs = vec![env_site, base_site];
        let target = PythonEnvironment {
            interpreter,
            layout: None,
        };
        let names: Vec<String> = target
            .visible_distributions()
            .unwrap()
            .into_iter()
            .map(|d| d.name.to_string())
            .collect();
        assert_eq!(names, ["from-env", "from-base"]);
    }
}
