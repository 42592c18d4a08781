//! Errors of named-environment operations.

use std::path::PathBuf;

/// Why a named-environment operation failed. Messages name the environment, file or hook at
/// fault and say what to do.
#[derive(Debug, thiserror::Error)]
pub enum WorkonError {
    /// The name is empty, `.`/`..`, or contains `/` (or a NUL byte or line break).
    #[error(
        "invalid environment name {name:?}: a name must be non-empty, not `.` or `..`, and contain no `/` or line break"
    )]
    InvalidName {
        /// The name given.
        name: String,
    },
    /// No environment of that name in WORKON_HOME. The message lists the near names, then
    /// how to create it.
    #[error(
        "environment '{name}' does not exist{}\ncreate it with `mkvirtualenv {name}` (or `den env create {name}`)",
        did_you_mean(near)
    )]
    NotFound {
        /// The name given.
        name: String,
        /// Existing names close to it, best first (may be empty).
        near: Vec<String>,
    },
    /// A path given for an environment (it contains `/`) is not one: it has neither
    /// `bin/activate` nor `pyvenv.cfg`.
    #[error(
        "no environment at {}: it has neither bin/activate nor pyvenv.cfg; give the path of a virtual environment or the name of one in WORKON_HOME",
        path.display()
    )]
    NoEnvironmentAt {
        /// The path as given.
        path: PathBuf,
    },
    /// An environment (or anything else) already exists under that name.
    #[error("environment '{name}' already exists at {}; choose another name or remove it first", path.display())]
    AlreadyExists {
        /// The name given.
        name: String,
        /// The existing path.
        path: PathBuf,
    },
    /// WORKON_HOME exists but is not a writable directory, or cannot be created.
    #[error(
        "WORKON_HOME {} is not a writable directory ({reason}); fix its permissions or set WORKON_HOME to a directory you own",
        path.display()
    )]
    HomeNotWritable {
        /// The WORKON_HOME path.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// PROJECT_HOME is not set.
    #[error(
        "PROJECT_HOME is not set: set the PROJECT_HOME shell variable to the directory where projects should be created"
    )]
    ProjectHomeNotSet,
    /// PROJECT_HOME does not name an existing directory.
    #[error(
        "project directory '{}' does not exist: create it or set PROJECT_HOME to an existing directory",
        path.display()
    )]
    ProjectHomeMissing {
        /// The PROJECT_HOME value.
        path: PathBuf,
    },
    /// The project directory exists already (mkproject without --force).
    #[error("project {} already exists, pass --force to use it anyway", path.display())]
    ProjectExists {
        /// The project directory.
        path: PathBuf,
    },
    /// A project directory to associate is not an existing directory.
    #[error("cannot use {} as a project directory: it is not a directory; create it first or give an existing one", path.display())]
    ProjectNotDirectory {
        /// The absolute path.
        path: PathBuf,
    },
    /// The environment has no `.project` file.
    #[error("environment '{name}' has no project directory ({} does not exist); set one with `den env project {name} DIR`", path.display())]
    NoProject {
        /// The environment name.
        name: String,
        /// The missing `.project` file.
        path: PathBuf,
    },
    /// The environment has no `lib/*/site-packages` directory.
    #[error("the environment at {} has no site-packages directory (lib/pythonX.Y/site-packages); is it a virtual environment?", root.display())]
    NoSitePackages {
        /// The environment root.
        root: PathBuf,
    },
    /// The environment has no `pyvenv.cfg` (an old virtualenv one cannot be toggled).
    #[error("the environment at {} has no pyvenv.cfg; recreate it with `den env create`", root.display())]
    NoPyvenvCfg {
        /// The environment root.
        root: PathBuf,
    },
    /// A hook exited with a non-zero status (or was killed by a signal: code 1).
    #[error("hook {} failed with exit status {code}", path.display())]
    HookFailed {
        /// The hook file.
        path: PathBuf,
        /// Its exit status.
        code: i32,
    },
    /// The environment's activation scripts could not be rewritten.
    #[error(transparent)]
    Venv(#[from] den_venv::VenvError),
    /// A file-system operation failed: `cannot {action} {path}: {cause}`.
    #[error(transparent)]
    Io(#[from] den_dist::IoError),
}

/// A second line `did you mean: a, b`, or nothing when there are no near names.
fn did_you_mean(near: &[String]) -> String {
    if near.is_empty() {
        String::new()
    } else {
        format!("\ndid you mean: {}", near.join(", "))
    }
}
