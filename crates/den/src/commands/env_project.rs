//! `den env mkproject-dir NAME [--force] [--check]`: the project half of virtualenvwrapper's
//! `mkproject`, which the shell integration runs after the environment NAME was created and
//! activated (mkvirtualenv's hooks first, then premkproject, as virtualenvwrapper orders them);
//! and `den env template`, the project templates `mkproject -t` applies.

use std::process::{Command, ExitCode};

use anyhow::{Context, bail};
use den_workon::WorkonError;
use den_workon::hooks::RunHook;

use super::env::Ctx;
use crate::cli::{EnvMkprojectDirArgs, EnvTemplateArgs};

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

/// The Python `den env template` runs: `list` prints each template of the entry-point group
/// `virtualenvwrapper.project.template` as virtualenvwrapper's hook loader lists plugins (`  NAME
/// -- DOCSTRING`, or `  No templates installed.`); `apply NAME PROJECT DIR` calls every entry
/// point named NAME with `[PROJECT, DIR]`, as virtualenvwrapper calls a template, and exits 3
/// when there is none. Entry points come from importlib.metadata (Python 3.8+), else
/// pkg_resources.
const TEMPLATE_SCRIPT: &str = r#"
import inspect, sys
GROUP = 'virtualenvwrapper.project.template'
def templates():
    try:
        from importlib.metadata import entry_points
    except ImportError:
        import pkg_resources
        return list(pkg_resources.iter_entry_points(GROUP))
    found = entry_points()
    if hasattr(found, 'select'):
        return list(found.select(group=GROUP))
    return list(found.get(GROUP, []))
if sys.argv[1] == 'list':
    found = templates()
    for ep in found:
        sys.stdout.write('  %-10s -- %s\n' % (ep.name, inspect.getdoc(ep.load()) or ''))
    if not found:
        sys.stdout.write('  No templates installed.\n')
else:
    chosen = [ep for ep in templates() if ep.name == sys.argv[2]]
    for ep in chosen:
        ep.load()(sys.argv[3:])
    sys.exit(0 if chosen else 3)
"#;

/// Lists virtualenvwrapper's project templates installed for `args.python`, or applies the
/// template `args.name` to the project, running in its directory with the output going to
/// this process's stdout and stderr (virtualenvwrapper's `mkproject -t` and `mkproject -h`).
/// Templates are Python plugins, so this is the one `den env` command that starts Python.
///
/// # Errors
/// No Python given, or it cannot start; no template of that name (exit 3 from the script);
/// the template failing (its traceback is on stderr).
pub(super) fn template(args: &EnvTemplateArgs) -> anyhow::Result<ExitCode> {
    if args.python.as_os_str().is_empty() {
        bail!(
            "no Python to run virtualenvwrapper's project templates with: set \
             VIRTUALENVWRAPPER_PYTHON to the interpreter they are installed for"
        );
    }
    let mut command = Command::new(&args.python);
    command.args(["-c", TEMPLATE_SCRIPT]);
    match (&args.name, &args.project, &args.dir) {
        (Some(name), Some(project), Some(dir)) => {
            command.arg("apply").arg(name).arg(project).arg(dir);
            command.current_dir(dir);
        }
        _ => {
            command.arg("list");
        }
    }
    let status = command
        .status()
        .with_context(|| format!("cannot run {}", args.python.display()))?;
    match (status.code(), &args.name) {
        (Some(0), _) => Ok(ExitCode::SUCCESS),
        (Some(3), Some(name)) => bail!(
            "no project template named {name} is installed for {} (mkproject -h lists them)",
            args.python.display()
        ),
        (_, Some(name)) => bail!("project template {name} failed ({status})"),
        (_, None) => bail!(
            "{} could not list virtualenvwrapper's project templates ({status})",
            args.python.display()
        ),
    }
}
