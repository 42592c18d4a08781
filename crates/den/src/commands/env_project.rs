//! `den env mkproject-dir NAME [--force] [--check]`: the project half of virtualenvwrapper's
//! `mkproject`, which the shell integration runs after the environment NAME was created and
//! activated (mkvirtualenv's hooks first, then premkproject, as virtualenvwrapper orders them).

use std::process::ExitCode;

use anyhow::Context;
use den_workon::WorkonError;
use den_workon::hooks::RunHook;

use super::env::Ctx;
use crate::cli::EnvMkprojectDirArgs;

/// Makes PROJECT_HOME/NAME the project of environment NAME: checks PROJECT_HOME (set, an
/// existing directory) and refuses an existing project directory unless `--force`; with
/// `--check` stops there (mkproject checks before creating the environment). Otherwise runs the
/// premkproject hooks with NAME (from WORKON_HOME, where virtualenvwrapper runs every hook it
/// starts as a process), creates the directory when missing and writes the environment's
/// project file (`.project`, or VIRTUALENVWRAPPER_PROJECT_FILENAME).
///
/// # Errors
/// PROJECT_HOME unset or missing, an invalid or existing project name, an unknown environment,
/// a failing premkproject hook (its status), or the directory or `.project` not writable.
pub(super) fn run(ctx: &Ctx<'_>, args: &EnvMkprojectDirArgs) -> anyhow::Result<ExitCode> {
    let project_home = ctx.homes.verified_project_home()?.to_path_buf();
    den_workon::validate_name(&args.name)?;
    let project = project_home.join(&args.name);
    if project.exists() && !args.force {
        return Err(WorkonError::ProjectExists { path: project }.into());
    }
    if args.check {
        return Ok(ExitCode::SUCCESS);
    }
    let root = den_workon::find_env(&ctx.homes, &args.name)?;
    ctx.hook_in_home(RunHook::PreMkProject, &[&args.name])?;
    if !project.exists() {
        ctx.printer
            .status(format!("Creating {}", project.display()));
        std::fs::create_dir_all(&project)
            .with_context(|| format!("cannot create {}", project.display()))?;
    }
    den_workon::write_project(&ctx.homes.project_file(&root), &project, &ctx.cwd)?;
    Ok(ExitCode::SUCCESS)
}
