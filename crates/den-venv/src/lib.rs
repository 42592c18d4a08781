//! Virtual environments: creating PEP 405 environments and their activation scripts.
//!
//! [`create_venv`] lays out an environment the base interpreter itself accepts (PEP 405
//! §Specification; the layout of CPython's `venv` module on POSIX): `pyvenv.cfg`, the
//! interpreter executables in `bin/`, `lib/pythonX.Y/site-packages`, the `lib64 -> lib` link
//! on 64-bit Linux, a `.gitignore`, a `CACHEDIR.TAG` and activation scripts for POSIX shells,
//! fish, csh/tcsh, Nushell, PowerShell and `activate_this.py`. It writes files directly and
//! runs no process. Seeding packages (pip) is the installer's job: [`VirtualEnv::scheme`] gives
//! the paths it needs.
//!
//! Environments that move: [`relocate`] rewrites what a copied or moved environment says of
//! its old place ([`clone_env`] copies and relocates), and [`Relocation`] / [`make_relocatable`]
//! make one that needs no rewriting at all (`relocatable = true`).

mod activators;
mod cfg;
mod clone;
mod create;
mod environment;
mod health;
pub mod quote;
mod relocate;
mod seed;

use std::io;
use std::path::{Path, PathBuf};

pub use activators::{activation_script_names, activator_file_name};
pub use cfg::PyVenvConfig;
pub use clone::clone_env;
pub use create::{activation_scripts, create_seeded, create_venv, write_activation_scripts};
use den_dist::Version;
use den_python::SysconfigPaths;
pub use environment::{
    Access, EnvironmentError, EnvironmentRequest, PythonEnvironment, find_dot_venv,
};
pub use health::{BaseHealth, base_health};
pub use relocate::{Relocation, find_site_packages, make_relocatable, relocate};
pub use seed::seed;

/// The packages environment makers seed (`virtualenv` installs all three, `python -m venv`
/// some of them, see [`ensurepip_packages`]): `den pip sync` and `den env wipe` leave them in
/// place unless asked otherwise, and `pip freeze` hides them before Python 3.12.
pub const SEED_PACKAGES: [&str; 3] = ["pip", "setuptools", "wheel"];

/// The packages `python -m venv` seeds through `ensurepip` for Python `(major, minor)`: pip,
/// plus setuptools before Python 3.12 (CPython's `ensurepip._PACKAGE_NAMES`).
pub fn ensurepip_packages(major_minor: (u8, u8)) -> &'static [&'static str] {
    if major_minor < (3, 12) {
        &SEED_PACKAGES[..2]
    } else {
        &SEED_PACKAGES[..1]
    }
}

/// The scripts directory of the environment rooted at `root`: `<root>/bin` (PEP 405 and
/// CPython's `venv` on POSIX); the environment's interpreter is `python` in it.
pub fn scripts_dir(root: &Path) -> PathBuf {
    root.join("bin")
}

/// The prompt name shown as `(name) ` in an activated shell, from `--prompt`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Prompt {
    /// No `--prompt`: the environment directory's name is shown and `pyvenv.cfg` has no
    /// `prompt` key.
    #[default]
    None,
    /// `--prompt .`: the name of the current working directory (read when the environment is
    /// created), also written to `pyvenv.cfg`.
    CurrentDirName,
    /// `--prompt NAME`: this name, also written to `pyvenv.cfg`.
    Named(String),
}

impl Prompt {
    /// Interprets a `--prompt` argument the way `python -m venv` does: absent is
    /// [`Prompt::None`], `.` is [`Prompt::CurrentDirName`], anything else is
    /// [`Prompt::Named`].
    pub fn from_arg(arg: Option<&str>) -> Self {
        match arg {
            None => Self::None,
            Some(".") => Self::CurrentDirName,
            Some(name) => Self::Named(name.to_string()),
        }
    }
}

/// How [`create_venv`] builds the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VenvOptions {
    /// The prompt name (`--prompt`).
    pub prompt: Prompt,
    /// Whether the environment also sees the base interpreter's site-packages
    /// (`include-system-site-packages = true` in `pyvenv.cfg`, PEP 405 §Isolation from system
    /// site-packages).
    pub system_site_packages: bool,
    /// Whether to delete everything in an existing target directory first (`--clear`);
    /// without it an existing environment is updated in place (its packages are kept) and a
    /// non-empty directory that is not an environment is refused.
    pub clear: bool,
    /// Whether to copy the interpreter executable into `bin/` (`--copies`) instead of
    /// symlinking it.
    pub copies: bool,
    /// Whether the environment works wherever it is moved (`--relocatable`): activation
    /// scripts find it from their own path, console scripts run the `python` beside them,
    /// and `pyvenv.cfg` says `relocatable = true`, which later installs keep.
    pub relocatable: bool,
    /// Whether to write the `.gitignore` that keeps the environment out of git (`python -m
    /// venv` 3.13 does; `--without-scm-ignore-files` turns it off).
    pub scm_ignore_files: bool,
    /// Whether seeding installs setuptools where `python -m venv` would (before Python 3.12;
    /// virtualenv's `--no-setuptools` turns it off).
    pub seed_setuptools: bool,
    /// The activation scripts to write, by virtualenv's names (`bash`, `cshell`, `fish`,
    /// `nushell`, `powershell`, `python`; [`activator_file_name`]); `None` writes all.
    pub activators: Option<Vec<String>>,
    /// The den version recorded as `den = <version>` in `pyvenv.cfg`.
    pub den_version: String,
}

impl Default for VenvOptions {
    /// No prompt, isolated from system site-packages, no clearing, symlinks, and this crate's
    /// version as the den version.
    fn default() -> Self {
        Self {
            prompt: Prompt::None,
            system_site_packages: false,
            clear: false,
            copies: false,
            relocatable: false,
            scm_ignore_files: true,
            seed_setuptools: true,
            activators: None,
            den_version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// A created environment: where everything is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VirtualEnv {
    /// The environment root, absolute and lexically normalized (the value of `VIRTUAL_ENV`).
    pub root: PathBuf,
    /// The scripts directory, `<root>/bin`.
    pub scripts: PathBuf,
    /// The environment's interpreter, `<root>/bin/python`.
    pub python: PathBuf,
    /// Pure and platform packages, `<root>/lib/pythonX.Y/site-packages` (CPython, PyPy 3.8+).
    pub site_packages: PathBuf,
    /// The base interpreter's version (`sys.version_info`, e.g. `3.12.1`).
    pub version: Version,
    /// `(major, minor)` of the base interpreter.
    pub major_minor: (u8, u8),
    /// The base interpreter's implementation name (`CPython`, `PyPy`).
    pub implementation: String,
    /// The base interpreter's executable, symlinks resolved; its directory is `home` in
    /// `pyvenv.cfg`.
    pub base_executable: PathBuf,
    /// The base interpreter's standard library directory.
    pub stdlib: PathBuf,
    /// The prompt name the activation scripts show as `(name) `.
    pub prompt: String,
    /// Whether it was made relocatable ([`VenvOptions::relocatable`]).
    pub relocatable: bool,
}

impl VirtualEnv {
    /// The install scheme of the environment (`sysconfig`'s `venv` scheme on POSIX), for
    /// installing packages into it: purelib and platlib are site-packages, scripts is `bin`,
    /// data is the root and include is `<root>/include/site/pythonX.Y` (pip's choice for
    /// headers in a virtual environment).
    pub fn scheme(&self) -> SysconfigPaths {
        SysconfigPaths {
            purelib: self.site_packages.clone(),
            platlib: self.site_packages.clone(),
            scripts: self.scripts.clone(),
            data: self.root.clone(),
            include: den_install::venv_headers_dir(&self.root, self.major_minor),
            stdlib: self.stdlib.clone(),
        }
    }
}

impl VirtualEnv {
    /// Where the installer puts each part of a wheel in this environment: the venv scheme
    /// of [`VirtualEnv::scheme`], headers in `<root>/include/site/pythonX.Y`.
    pub fn install_scheme(&self) -> den_install::InstallScheme {
        let paths = self.scheme();
        den_install::InstallScheme {
            purelib: paths.purelib,
            platlib: paths.platlib,
            scripts: paths.scripts,
            data: paths.data,
            headers: paths.include,
        }
    }
}

/// Why an environment could not be created.
#[derive(Debug, thiserror::Error)]
pub enum VenvError {
    /// The base interpreter is not CPython 3.8+ or PyPy 3.
    #[error(
        "{} is {implementation} {version}, but den creates environments for CPython 3.8 or newer and PyPy 3 only; choose another interpreter (e.g. --python 3.12)",
        executable.display()
    )]
    UnsupportedPython {
        /// The interpreter's executable.
        executable: PathBuf,
        /// Its implementation name.
        implementation: String,
        /// Its version.
        version: String,
    },
    /// The base interpreter's executable could not be resolved.
    #[error(
        "cannot resolve the base interpreter {}: {source}; is the interpreter still installed?",
        path.display()
    )]
    BaseInterpreter {
        /// The executable that failed to resolve.
        path: PathBuf,
        /// The file-system error.
        source: io::Error,
    },
    /// The target exists and is not a directory.
    #[error("{} exists and is not a directory; choose another location or remove it", path.display())]
    NotADirectory {
        /// The target.
        path: PathBuf,
    },
    /// The target is a non-empty directory without `pyvenv.cfg` and `clear` was not given.
    #[error(
        "{} is not empty and is not a virtual environment (it has no pyvenv.cfg); choose another location, or pass --clear to delete its contents",
        path.display()
    )]
    NotAnEnvironment {
        /// The target.
        path: PathBuf,
    },
    /// `--activators` names a script den does not write.
    #[error(
        "unknown activator '{name}': den writes bash, cshell, fish, nushell, powershell and python"
    )]
    UnknownActivator {
        /// The name given.
        name: String,
    },
    /// A clone's destination exists.
    #[error("{} already exists; clone into a new directory", path.display())]
    CloneTargetExists {
        /// The destination.
        path: PathBuf,
    },
    /// The target is an environment of another Python version: updating it in place would
    /// leave its installed packages in the old version's site-packages, unseen.
    #[error(
        "{} is an environment of Python {existing}, not {requested}: its packages would be left behind; pass --clear to replace it, or choose another location",
        path.display()
    )]
    OtherPythonVersion {
        /// The target.
        path: PathBuf,
        /// The existing environment's version (`version_info` in its pyvenv.cfg).
        existing: String,
        /// The requested interpreter's version.
        requested: String,
    },
    /// The target path is not valid UTF-8, which activation scripts cannot hold.
    #[error("the environment path {} is not valid UTF-8; choose a UTF-8 path", path.display())]
    NonUtf8Path {
        /// The target.
        path: PathBuf,
    },
    /// The prompt name contains a line break, which `pyvenv.cfg` cannot hold.
    #[error("the prompt {prompt:?} contains a line break; choose a prompt on one line")]
    InvalidPrompt {
        /// The prompt given.
        prompt: String,
    },
    /// The current directory's name was asked for (`--prompt .`) but could not be read.
    #[error("cannot read the current directory's name for --prompt .: {source}")]
    CurrentDir {
        /// The error from reading the current directory.
        source: io::Error,
    },
    /// [`write_activation_scripts`] was given a site-packages directory outside the root.
    #[error(
        "the site-packages directory {} is not inside the environment {}; pass the environment's own lib/pythonX.Y/site-packages",
        site_packages.display(),
        root.display()
    )]
    SitePackagesOutsideRoot {
        /// The environment root.
        root: PathBuf,
        /// The site-packages directory given.
        site_packages: PathBuf,
    },
    /// The environment has no `lib/*/site-packages` directory.
    #[error("the environment at {} has no site-packages directory (lib/pythonX.Y/site-packages); is it a virtual environment?", root.display())]
    NoSitePackages {
        /// The environment root.
        root: PathBuf,
    },
    /// The base interpreter bundles no pip wheel to seed the environment with.
    #[error(
        "cannot seed pip: {} bundles no pip wheel (looked in {}). Install your distribution's python3-venv / python3-pip-whl package, or pass --without-pip",
        executable.display(),
        searched.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(" and ")
    )]
    NoBundledPip {
        /// The base interpreter.
        executable: PathBuf,
        /// The directories searched for wheels.
        searched: Vec<PathBuf>,
    },
    /// A seed wheel could not be unpacked or installed.
    #[error(transparent)]
    Seed(#[from] den_install::InstallError),
    /// Environments are created on Unix-like systems only.
    #[error("den creates virtual environments on Unix-like systems only")]
    UnsupportedPlatform,
    /// A file-system operation failed: `cannot {action} {path}: {cause}`.
    #[error(transparent)]
    Io(#[from] den_dist::IoError),
}
