//! Named environments: a home of virtual environments (WORKON_HOME, virtualenvwrapper's model),
//! projects (PROJECT_HOME), hooks, and the shell integration scripts `den init` prints.
//!
//! Everything here reads directories and small files; nothing starts Python, so listing,
//! finding and completing names stays instant. Creating environments and installing into them
//! is the den binary's job (den-venv, den-install); this crate decides where and with which
//! hooks.

pub mod add_path;
mod envs;
mod error;
mod home;
pub mod hook_log;
pub mod hooks;
mod names;
pub mod shell;

pub use envs::{
    EnvInfo, PROJECT_FILE, TMP_MARKER, absolute_path, active_name, expand_path, find_env,
    is_environment, list_names, mark_temporary, project_dir, read_project, remove_env,
    site_packages, toggle_global_site_packages, write_project,
};
pub use error::WorkonError;
pub use home::Homes;
pub use names::{near_names, validate_name};
