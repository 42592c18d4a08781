//! Finding the environment a `den pip` command acts on: `--python` (an environment directory or
//! an interpreter request), else `$VIRTUAL_ENV`, else `.venv` in the current directory or a
//! parent. A base interpreter that is not a virtual environment is refused unless `--system`,
//! because installing into it can break the system's own tools (PEP 668's concern).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, bail};
use den_cache::Cache;
use den_install::InstallScheme;
use den_python::{Interpreter, PythonRequest, SysconfigPaths};
use den_venv::VirtualEnv;

use crate::cli::TargetArgs;

/// The environment a command acts on.
#[derive(Debug)]
pub struct Target {
    /// Its interpreter (inside the environment, for a virtual environment).
    pub interpreter: Interpreter,
    /// Where to install instead of the interpreter's own scheme (`--target`, `--prefix`).
    layout: Option<InstallScheme>,
}

impl Target {
    /// The environment den just created at `env` from the `base` interpreter. Its facts
    /// follow from the base's (same version, tags and markers) and den-venv's layout, so its
    /// own interpreter is not started to learn them.
    pub fn new_env(base: &Interpreter, env: &VirtualEnv) -> Self {
        let interpreter = Interpreter {
            executable: env.python.clone(),
            sys_executable: env.python.clone(),
            prefix: env.root.clone(),
            paths: env.scheme(),
            ..base.clone()
        };
        Target {
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

    /// The distributions pip would list: those in [`Target::site_packages`] and, for a base
    /// interpreter or in an environment whose pyvenv.cfg has
    /// `include-system-site-packages = true`, those in the other site-packages directories the
    /// interpreter's `site` puts on `sys.path` (the base's `lib/pythonX.Y[t]/site-packages`,
    /// Debian's `dist-packages`). A name found twice is reported once, from the directory
    /// earlier on `sys.path`, which shadows the later one.
    pub fn visible_distributions(&self) -> anyhow::Result<Vec<den_install::InstalledDist>> {
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
        den_venv::PyVenvConfig::read(&self.interpreter.prefix)
            .is_ok_and(|cfg| cfg.include_system_site_packages())
    }

    /// Where the installer puts each part of a wheel.
    pub fn scheme(&self) -> InstallScheme {
        self.layout
            .clone()
            .unwrap_or_else(|| scheme_for(&self.interpreter))
    }

    /// Takes the lock that serializes den processes changing this environment (held in the
    /// cache, keyed by the environment's prefix, so the environment itself gains no file), then
    /// repairs whatever a killed den process left half-done there.
    pub fn lock(&self, cache: &Cache) -> anyhow::Result<den_cache::LockGuard> {
        let root = match &self.layout {
            Some(scheme) => &scheme.purelib,
            None => &self.interpreter.prefix,
        };
        let key = den_cache::safe_key(&root.to_string_lossy());
        let guard = cache.lock(den_cache::CacheBucket::Environments, &key)?;
        let report = den_install::recover(&self.site_packages())?;
        for line in report.lines() {
            tracing::warn!("{line}");
        }
        Ok(guard)
    }
}

/// The install scheme of an interpreter: its sysconfig paths, with headers under
/// `<prefix>/include/site/pythonX.Y` in a virtual environment as pip does.
pub fn scheme_for(interpreter: &Interpreter) -> InstallScheme {
    let paths = &interpreter.paths;
    let headers = if interpreter.is_virtualenv() {
        den_venv::headers_dir(&interpreter.prefix, interpreter.major_minor)
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

/// What a command does with its target: reading (freeze, list, show) works on any interpreter,
/// changing (install, uninstall) a base interpreter needs `--system`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The command only reads installed distributions.
    Read,
    /// The command installs or removes distributions.
    Change,
}

/// Finds the target environment for a pip command.
///
/// Errors: nothing found (says where den looked), the interpreter cannot be queried, or `access`
/// is [`Access::Change`] and it is not a virtual environment and `--system` was not given.
pub fn find(args: &TargetArgs, cache: &Cache, access: Access) -> anyhow::Result<Target> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let interpreter = match &args.python {
        Some(python) => from_python_arg(python, &cwd, cache)?,
        None => {
            let root = std::env::var_os("VIRTUAL_ENV")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .or_else(|| find_dot_venv(&cwd));
            let Some(root) = root else {
                bail!(
                    "no virtual environment found: $VIRTUAL_ENV is not set and there is no .venv \
                     in {} or its parents. Create one with `den venv`, activate one, or pass \
                     --python <environment or interpreter> (add --system to use a base interpreter)",
                    cwd.display()
                );
            };
            from_env_dir(&root, cache)?
        }
    };
    if access == Access::Change && !interpreter.is_virtualenv() && !args.system {
        bail!(
            "{} is not a virtual environment (it is the base interpreter at prefix {}). Installing \
             into it can break tools that depend on it. Create an environment with `den venv` and \
             pass --python <env>, or add --system if you really mean it",
            interpreter.executable.display(),
            interpreter.prefix.display()
        );
    }
    Ok(Target {
        interpreter,
        layout: None,
    })
}

fn from_python_arg(python: &str, cwd: &Path, cache: &Cache) -> anyhow::Result<Interpreter> {
    let as_path = cwd.join(python);
    if as_path.join("pyvenv.cfg").is_file() {
        return from_env_dir(&as_path, cache);
    }
    let request = PythonRequest::from_str(python)
        .with_context(|| format!("invalid --python value `{python}`"))?;
    Ok(den_python::find_interpreter(Some(&request), cwd, cache)?)
}

fn from_env_dir(root: &Path, cache: &Cache) -> anyhow::Result<Interpreter> {
    if !root.join("pyvenv.cfg").is_file() {
        bail!(
            "{} is not a virtual environment (it has no pyvenv.cfg). Create one there with \
             `den venv {}`",
            root.display(),
            root.display()
        );
    }
    let python = ["bin/python", "bin/python3", "Scripts/python.exe"]
        .iter()
        .map(|p| root.join(p))
        .find(|p| p.exists())
        .with_context(|| {
            format!(
                "the virtual environment at {} has no bin/python; recreate it with `den venv --clear {}`",
                root.display(),
                root.display()
            )
        })?;
    Ok(Interpreter::query(&python, cache)?)
}

/// The nearest `.venv` containing a pyvenv.cfg, from `start` upward.
fn find_dot_venv(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(".venv"))
        .find(|candidate| candidate.join("pyvenv.cfg").is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let target = Target {
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
