//! Finding the environment a `den pip` command acts on: the CLI's `--python` and `--system`
//! ([`TargetArgs`]) mapped onto den-venv's [`PythonEnvironment`] model.

use std::path::PathBuf;

use anyhow::Context;
use den_cache::Cache;
pub use den_venv::{Access, PythonEnvironment as Target};
use den_venv::{EnvironmentRequest, PythonEnvironment};

use crate::cli::TargetArgs;

/// Finds the target environment for a pip command: `--python` (an environment directory or an
/// interpreter request), else `$VIRTUAL_ENV`, else `.venv` in the current directory or a
/// parent ([`PythonEnvironment::find`]).
///
/// Errors: the current directory cannot be read, nothing found (says where den looked), the
/// interpreter cannot be queried, or `access` is [`Access::Change`] and it is not a virtual
/// environment and `--system` was not given.
pub fn find(args: &TargetArgs, cache: &Cache, access: Access) -> anyhow::Result<Target> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let virtual_env = std::env::var_os("VIRTUAL_ENV").map(PathBuf::from);
    let request = EnvironmentRequest {
        python: args.python.as_deref(),
        system: args.system,
        access,
        cwd: &cwd,
        virtual_env: virtual_env.as_deref(),
    };
    Ok(PythonEnvironment::find(&request, cache)?)
}
