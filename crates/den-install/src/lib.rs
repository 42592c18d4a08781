//! Installing wheels into Python environments and managing what is installed.
//!
//! - [`unpack_wheel`]: unpack a wheel once into the cache, verifying RECORD (PEP 427).
//! - [`install_wheel`]: spread an unpacked wheel into an environment's scheme directories,
//!   generate scripts, write the `.dist-info` bookkeeping (PEP 376, PEP 610) — all or
//!   nothing.
//! - [`installed_distributions`], [`find_installed`], [`InstalledDist`]: what an environment
//!   has (also legacy `.egg-info`), `pip freeze` lines.
//! - [`Plan`], [`satisfied_by_installed`]: what a resolution changes in an environment, and
//!   pip's "already satisfied" shortcut.
//! - [`check`]: `pip check`, dependencies missing or at an excluded version.
//! - [`uninstall`]: remove a distribution from its RECORD, whoever installed it, or a
//!   setuptools `.egg-info` from its `installed-files.txt` / `top_level.txt` (never outside
//!   the environment's prefix).
//! - [`recover`]: finish or undo installs a killed den process left half-done.
//! - [`relative_site_file`]: the site-packages files naming places by absolute path (`.pth`,
//!   setuptools' editable finders), made relative for relocatable environments.
//!
//! Not done in this release: Windows `.exe` launchers.

#![warn(missing_docs)]

mod bytecode;
mod check;
mod error;
mod install;
mod installed;
mod paths;
mod plan;
mod record;
mod recover;
mod relocatable;
mod scripts;
mod transaction;
mod uninstall;
mod unpack;
mod vcs;
mod window;

pub use check::{CheckProblem, check};
pub use error::InstallError;
pub use install::{
    InstallOptions, InstallScheme, InstallTarget, Installed, SchemePython, install_wheel,
    install_wheel_with_kill_switch, posix_site_packages, venv_headers_dir,
};
pub use installed::{DistKind, InstalledDist, find_installed, installed_distributions};
pub use plan::{AlreadySatisfied, Chosen, Plan, Requested, satisfied_by_installed};
pub use record::{RecordEntry, parse_record, write_record};
pub use recover::{RecoveryReport, needs_recovery, recover};
pub use relocatable::{
    edit_finder_paths, edited_lines, is_editable_finder, is_path_file, relative_site_file,
};
pub use scripts::{relative_shebang, shebang_with_args};
pub use uninstall::{Uninstalled, planned_uninstall, uninstall};
pub use unpack::{
    DamagedEntry, UnpackedWheel, unpack_wheel, unpack_wheel_of, unpack_wheel_within, verify_cache,
};
