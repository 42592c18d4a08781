//! `den env ...`: named environments in WORKON_HOME (den-workon), created and filled with the
//! same code as `den venv` and `den pip install`, with virtualenvwrapper's hooks and messages.
//!
//! Listing, paths and completion read directories and pyvenv.cfg only: no Python starts and
//! the cache is not opened.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::bail;
use den_python::DiscoveryEnv;
use den_venv::{Prompt, VenvOptions};
use den_workon::hooks::{
    HookReport, RunHook, run_hook, write_env_hook_files, write_global_hook_files,
};
use den_workon::{EnvInfo, Homes, WorkonError};

use crate::cli::{
    EnvAddPathArgs, EnvCommand, EnvCopyArgs, EnvCreateArgs, EnvCreateOptions, EnvHookArgs,
    EnvListArgs, EnvNameArg, EnvPathArgs, EnvProjectArgs, EnvRemoveArgs, GlobalArgs,
};
use crate::interrupt::DiscardOnSignal;
use crate::printer::Printer;
use crate::target::Target;

/// Runs a `den env` command.
pub fn run(
    command: EnvCommand,
    global: &GlobalArgs,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    let (homes, cwd) = homes(printer);
    let ctx = Ctx {
        homes,
        cwd,
        global,
        printer,
    };
    match command {
        EnvCommand::Create(args) => ctx.create(&args),
        EnvCommand::Tmp(args) => ctx.tmp(&args.options),
        EnvCommand::List(args) => ctx.list(&args),
        EnvCommand::Show(args) => ctx.show(args.name.as_deref(), args.hooks_only),
        EnvCommand::Path(args) => ctx.path(&args),
        EnvCommand::Remove(args) => ctx.remove(&args),
        EnvCommand::Copy(args) => ctx.copy(&args),
        EnvCommand::Wipe(args) => ctx.wipe(&args),
        EnvCommand::Project(args) => ctx.project(&args),
        EnvCommand::AddPath(args) => ctx.add_path(&args),
        EnvCommand::ToggleGlobalSitePackages(args) => ctx.toggle(&args),
        EnvCommand::Hook(args) => ctx.hook(&args),
        EnvCommand::InitHooks => {
            write_global_hook_files(&ctx.homes, &user_shell())?;
            Ok(ExitCode::SUCCESS)
        }
        EnvCommand::MkprojectDir(args) => super::env_project::run(&ctx, &args),
        EnvCommand::Template(args) => super::env_project::template(&args),
        EnvCommand::ExpandPath(args) => {
            printer.out(den_workon::expand_path(&args.path));
            Ok(ExitCode::SUCCESS)
        }
        EnvCommand::Functions => {
            let help = den_workon::shell::functions_help(&ctx.homes, env!("CARGO_PKG_VERSION"));
            printer.out(help.trim_end());
            Ok(ExitCode::SUCCESS)
        }
        EnvCommand::Complete(args) => {
            for name in den_workon::list_names(&ctx.homes)? {
                if name.starts_with(&args.prefix) {
                    printer.out(name);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// WORKON_HOME, the hook directory and PROJECT_HOME from this process's environment, and the
/// current directory ([`current_dir`]).
pub fn homes(printer: &Printer) -> (Homes, PathBuf) {
    let cwd = current_dir(printer);
    (Homes::from_vars(|key| std::env::var_os(key), &cwd), cwd)
}

/// The variables [`Homes::from_vars`] resolves against the current directory when relative.
const HOME_VARS: [&str; 4] = [
    "WORKON_HOME",
    "VIRTUALENVWRAPPER_HOOK_DIR",
    "PROJECT_HOME",
    "VIRTUALENVWRAPPER_LOG_FILE",
];

/// The current directory. When it cannot be read (it was deleted, e.g. the temporary
/// environment the shell was in was removed on deactivate), falls back to `$PWD` if that is an
/// existing absolute directory, else `/`, and moves this process there so later steps (hooks,
/// interpreter discovery) run somewhere real; relative WORKON_HOME, VIRTUALENVWRAPPER_HOOK_DIR,
/// PROJECT_HOME or VIRTUALENVWRAPPER_LOG_FILE values are then resolved against the fallback,
/// with a warning saying so.
pub fn current_dir(printer: &Printer) -> PathBuf {
    let err = match std::env::current_dir() {
        Ok(cwd) => return cwd,
        Err(err) => err,
    };
    let fallback = std::env::var_os("PWD")
        .map(PathBuf::from)
        .filter(|pwd| pwd.is_absolute() && pwd.is_dir())
        .unwrap_or_else(|| PathBuf::from("/"));
    // Best effort: if even the fallback cannot be entered, paths are still resolved against it.
    let _ = std::env::set_current_dir(&fallback);
    let relative: Vec<&str> = HOME_VARS
        .into_iter()
        .filter(|key| {
            std::env::var_os(key).is_some_and(|value| {
                let value = Path::new(&value);
                !value.as_os_str().is_empty() && !value.is_absolute() && !value.starts_with("~")
            })
        })
        .collect();
    if !relative.is_empty() {
        printer.warn(format!(
            "the current directory cannot be read ({err}); {} {} relative, so it is taken from {}; \
             set absolute paths to avoid this",
            relative.join(", "),
            if relative.len() == 1 { "is" } else { "are" },
            fallback.display()
        ));
    }
    fallback
}

/// What every `den env` command works with.
pub(super) struct Ctx<'a> {
    pub(super) homes: Homes,
    pub(super) cwd: PathBuf,
    global: &'a GlobalArgs,
    pub(super) printer: &'a Printer,
}

impl Ctx<'_> {
    /// The active environment ($VIRTUAL_ENV), if any.
    fn active(&self) -> Option<PathBuf> {
        std::env::var_os("VIRTUAL_ENV")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    }

    /// The root of `name`, or of the active environment when `name` is `None`; with its name.
    fn named_or_active(&self, name: Option<&str>) -> anyhow::Result<(String, PathBuf)> {
        match name {
            Some(name) => Ok((name.to_string(), den_workon::find_env(&self.homes, name)?)),
            None => {
                let Some(active) = self.active() else {
                    bail!(
                        "no virtualenv active: name an environment, or activate one with `workon NAME`"
                    );
                };
                Ok((den_workon::active_name(&active)?, active))
            }
        }
    }

    /// Creates WORKON_HOME if needed (with virtualenvwrapper's note).
    fn ensure_home(&self) -> anyhow::Result<()> {
        if !self.homes.workon_home.is_dir() {
            self.printer.status(format!(
                "NOTE: Virtual environments directory {} does not exist. Creating...",
                self.homes.workon_home.display()
            ));
        }
        self.homes.ensure_workon_home()?;
        Ok(())
    }

    /// Prints hook files that exist but could not be started, as virtualenvwrapper logs them.
    pub(super) fn report(&self, report: &HookReport) {
        for (path, reason) in &report.not_run {
            self.printer
                .warn(format!("could not run hook {}: {reason}", path.display()));
        }
    }

    /// Runs a hook with WORKON_HOME as the working directory (virtualenvwrapper runs the
    /// mk/rm/cp/mkproject hooks from there).
    pub(super) fn hook_in_home(&self, hook: RunHook, args: &[&str]) -> Result<(), WorkonError> {
        let report = run_hook(&self.homes, hook, None, args, Some(&self.homes.workon_home))?;
        self.report(&report);
        Ok(())
    }

    fn create(&self, args: &EnvCreateArgs) -> anyhow::Result<ExitCode> {
        if args.adopt {
            self.adopt_env(&args.name, &args.options)?;
        } else {
            self.make_env(&args.name, &args.options, args.reuse)?;
        }
        Ok(ExitCode::SUCCESS)
    }

    /// mkvirtualenv's work: the environment (its base interpreter found as if no environment
    /// were active), its hook files, premkvirtualenv, .project, then the -i/-r packages; a
    /// failure after the environment was made removes it again, so the same command can be
    /// retried. An existing environment is refused, or with `reuse` updated in place as
    /// virtualenv does over an existing directory (its packages kept, under its lock: see
    /// [`den_venv::create_seeded`]) and never removed on failure. Returns its root.
    fn make_env(
        &self,
        name: &str,
        options: &EnvCreateOptions,
        reuse: bool,
    ) -> anyhow::Result<PathBuf> {
        // The name is checked first (env_path validates it), before anything is created.
        let root = self.homes.env_path(name)?;
        let project = options
            .project_dir
            .as_deref()
            .map(|dir| den_workon::project_dir(dir, &self.cwd))
            .transpose()?;
        self.ensure_home()?;
        let existing = root.exists() || root.is_symlink();
        if existing && !reuse {
            return Err(WorkonError::AlreadyExists {
                name: name.to_string(),
                path: root,
            }
            .into());
        }
        if existing && !den_venv::PyVenvConfig::path_in(&root).is_file() {
            bail!(
                "{} exists and is not a virtual environment den can update (it has no \
                 pyvenv.cfg); remove it or choose another name",
                root.display()
            );
        }
        // What a failure does: a new environment is removed again (a half-made one under the
        // wanted name would make a retry fail with "already exists"); an existing one stays.
        let undo = |err: anyhow::Error, note: Option<String>| {
            if existing {
                err
            } else {
                discard(&root, err, note)
            }
        };
        let cache = crate::open_cache(self.global)?;
        let _shared = cache.shared_lock()?;
        let _discard_on_signal = (!existing).then(|| DiscardOnSignal::new(root.clone()));
        let venv_options = VenvOptions {
            prompt: Prompt::from_arg(options.prompt.as_deref()),
            system_site_packages: options.system_site_packages,
            ..VenvOptions::default()
        };
        let discovery = discovery_outside_active_env();
        // Without --python an existing environment keeps its Python, as virtualenv (which
        // makes environments with its own interpreter) keeps it.
        let recorded = if existing && options.python.is_none() {
            den_venv::PyVenvConfig::read(&root)
                .ok()
                .and_then(|cfg| cfg.version().map(str::to_string))
        } else {
            None
        };
        let interpreter = match &recorded {
            Some(recorded) => {
                super::venv::find_recorded(&root, recorded, &self.cwd, &discovery, &cache)?
            }
            None => {
                super::venv::find_base(options.python.as_deref(), &self.cwd, &discovery, &cache)?
            }
        };
        let created = super::venv::create_from(
            interpreter,
            &root,
            &venv_options,
            !options.without_pip,
            &cache,
        )
        .map_err(|err| undo(other_python_hint(name, err), None))?;
        let finish = || -> anyhow::Result<()> {
            write_env_hook_files(&root, &user_shell())?;
            self.hook_in_home(RunHook::PreMkVirtualenv, &[name])?;
            Ok(())
        };
        finish().map_err(|err| undo(err, Some(format!("environment '{name}' was not created"))))?;
        self.printer.status(format!(
            "{} virtual environment '{name}' at {} with Python {} ({}){}",
            if existing { "Updated" } else { "Created" },
            root.display(),
            created.interpreter.version,
            created.interpreter.executable.display(),
            if existing {
                ", keeping its packages"
            } else {
                ""
            }
        ));
        created.report_seeded(self.printer);
        // .project first: it is there even while packages install, as mkvirtualenv -a does.
        let fill = || -> anyhow::Result<()> {
            if let Some(project) = &project {
                den_workon::write_project(&self.homes.project_file(&root), project, &self.cwd)?;
            }
            if !options.install.is_empty() || !options.requirement_files.is_empty() {
                self.install(
                    &Target::from_created(&created.interpreter, &created.env),
                    options,
                    &cache,
                )?;
            }
            Ok(())
        };
        fill().map_err(|err| {
            let note = format!(
                "environment '{name}' was removed again because setting it up failed; fix the \
                 problem below and run the same command again"
            );
            undo(err, Some(note))
        })?;
        Ok(root)
    }

    /// What mkvirtualenv does after VIRTUALENVWRAPPER_VIRTUALENV made environment `name` in
    /// WORKON_HOME: its hook files, premkvirtualenv, .project, then the -i/-r packages. The
    /// environment is the creator's, so a failure leaves it in place.
    fn adopt_env(&self, name: &str, options: &EnvCreateOptions) -> anyhow::Result<()> {
        let root = self.homes.env_path(name)?;
        if !den_workon::is_environment(&root) {
            bail!(
                "{} is not an environment: the creator did not make '{name}'",
                root.display()
            );
        }
        write_env_hook_files(&root, &user_shell())?;
        self.hook_in_home(RunHook::PreMkVirtualenv, &[name])?;
        if let Some(dir) = &options.project_dir {
            let project = den_workon::project_dir(dir, &self.cwd)?;
            den_workon::write_project(&self.homes.project_file(&root), &project, &self.cwd)?;
        }
        if !options.install.is_empty() || !options.requirement_files.is_empty() {
            let cache = crate::open_cache(self.global)?;
            let target = crate::target::Target::at_root(&root, &cache)?;
            self.install(&target, options, &cache)?;
        }
        Ok(())
    }

    /// Installs -i / -r packages into the new environment `target` with `den pip install`'s
    /// code.
    fn install(
        &self,
        target: &Target,
        options: &EnvCreateOptions,
        cache: &den_cache::Cache,
    ) -> anyhow::Result<()> {
        let sources = options
            .install
            .iter()
            .cloned()
            .map(den_requirements::RequirementsSource::Argument)
            .chain(
                options
                    .requirement_files
                    .iter()
                    .cloned()
                    .map(den_requirements::RequirementsSource::RequirementsFile),
            )
            .collect();
        let settings = crate::ops::InstallSettings {
            sources,
            ..crate::ops::InstallSettings::default()
        };
        crate::ops::install(target, &settings, cache, self.printer)?;
        Ok(())
    }

    fn tmp(&self, options: &EnvCreateOptions) -> anyhow::Result<ExitCode> {
        let name = format!("tmp-{:016x}", random());
        let root = self.make_env(&name, options, false)?;
        // Unmarked, it would outlive `deactivate` under a name the user never saw.
        den_workon::mark_temporary(&root).map_err(|err| discard(&root, err.into(), None))?;
        self.printer.out(name);
        Ok(ExitCode::SUCCESS)
    }

    fn list(&self, args: &EnvListArgs) -> anyhow::Result<ExitCode> {
        let names = den_workon::list_names(&self.homes)?;
        if args.json {
            let entries: Vec<serde_json::Value> = names
                .iter()
                .map(|name| {
                    let info = EnvInfo::read(&self.homes, name, &self.homes.workon_home.join(name));
                    serde_json::json!({
                        "name": info.name,
                        "path": info.path,
                        "python": info.python,
                        "project": info.project,
                    })
                })
                .collect();
            self.printer.out(serde_json::to_string_pretty(&entries)?);
        } else if args.long {
            for name in &names {
                self.printer.out(name);
                self.printer.out("=".repeat(name.chars().count()));
                // One environment's failing hook must not hide the others' details.
                if let Err(err) = self.details(name, &self.homes.workon_home.join(name)) {
                    self.printer.warn(format!("details of '{name}': {err}"));
                }
                self.printer.out("");
            }
        } else {
            for name in &names {
                self.printer.out(name);
            }
        }
        Ok(ExitCode::SUCCESS)
    }

    /// Runs the get_env_details hooks of one environment.
    fn details(&self, name: &str, root: &Path) -> Result<(), WorkonError> {
        let report = run_hook(
            &self.homes,
            RunHook::GetEnvDetails,
            Some(root),
            &[name],
            None,
        )?;
        self.report(&report);
        Ok(())
    }

    /// `den env show`: name, path, Python version and project, then the get_env_details
    /// hooks' output; with `hooks_only`, the hooks' output and a blank line, exactly what
    /// virtualenvwrapper's `showvirtualenv` prints.
    fn show(&self, name: Option<&str>, hooks_only: bool) -> anyhow::Result<ExitCode> {
        let (name, root) = self.named_or_active(name)?;
        if !hooks_only {
            let info = EnvInfo::read(&self.homes, &name, &root);
            self.printer.out(format!("name:    {}", info.name));
            self.printer
                .out(format!("path:    {}", info.path.display()));
            self.printer.out(format!(
                "python:  {}",
                info.python.as_deref().unwrap_or("unknown (no pyvenv.cfg)")
            ));
            if let Some(project) = &info.project {
                self.printer.out(format!("project: {}", project.display()));
            }
        }
        self.details(&name, &root)?;
        if hooks_only {
            self.printer.out("");
        }
        Ok(ExitCode::SUCCESS)
    }

    fn path(&self, args: &EnvPathArgs) -> anyhow::Result<ExitCode> {
        let root = den_workon::find_env(&self.homes, &args.name)?;
        let path = if args.project {
            let file = self.homes.project_file(&root);
            den_workon::read_project(&file).ok_or_else(|| WorkonError::NoProject {
                name: args.name.clone(),
                path: file,
            })?
        } else if args.site_packages {
            den_workon::site_packages(&root)?
        } else {
            root
        };
        self.printer.out(path.display());
        Ok(ExitCode::SUCCESS)
    }

    fn remove(&self, args: &EnvRemoveArgs) -> anyhow::Result<ExitCode> {
        let mut failed = false;
        for name in &args.names {
            if let Err(err) = self.remove_one(name) {
                self.printer.error(&err);
                failed = true;
            }
        }
        Ok(if failed {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        })
    }

    fn remove_one(&self, name: &str) -> anyhow::Result<()> {
        let root = den_workon::find_env(&self.homes, name)?;
        self.printer.out(format!("Removing {name}..."));
        if let Some(active) = self.active() {
            let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
                (Ok(a), Ok(b)) => a == b,
                _ => a == b,
            };
            if same(&active, &root) {
                bail!(
                    "You cannot remove the active environment ('{name}').\n\
                     Either switch to another environment, or run 'deactivate'."
                );
            }
        }
        self.hook_in_home(RunHook::PreRmVirtualenv, &[name])?;
        den_workon::remove_env(&root)?;
        self.hook_in_home(RunHook::PostRmVirtualenv, &[name])?;
        Ok(())
    }

    fn copy(&self, args: &EnvCopyArgs) -> anyhow::Result<ExitCode> {
        let in_home = self.homes.workon_home.join(&args.source);
        let source = if !args.source.contains('/') && den_workon::is_environment(&in_home) {
            in_home
        } else {
            let path = self.cwd.join(&args.source);
            if !den_workon::is_environment(&path) {
                if args.source.contains('/') {
                    return Err(WorkonError::NoEnvironmentAt {
                        path: PathBuf::from(&args.source),
                    }
                    .into());
                }
                // Report it as a missing name, with near names, like every other command.
                den_workon::find_env(&self.homes, &args.source)?;
            }
            path
        };
        let source_name = den_workon::active_name(&source)?;
        let target_name = args.target.clone().unwrap_or_else(|| source_name.clone());
        let target = self.homes.env_path(&target_name)?;
        if target.exists() || target.is_symlink() {
            return Err(WorkonError::AlreadyExists {
                name: target_name,
                path: target,
            }
            .into());
        }
        self.ensure_home()?;
        self.printer
            .out(format!("Copying {source_name} as {target_name}..."));
        den_venv::clone_env(&source, &target, &[den_workon::TMP_MARKER])?;
        let source_text = source.to_string_lossy();
        let hooks = || -> anyhow::Result<()> {
            write_env_hook_files(&target, &user_shell())?;
            self.hook_in_home(RunHook::PreCpVirtualenv, &[&source_text, &target_name])?;
            self.hook_in_home(RunHook::PreMkVirtualenv, &[&target_name])?;
            Ok(())
        };
        hooks().map_err(|err| {
            let note = format!("environment '{target_name}' was not created");
            discard(&target, err, Some(note))
        })?;
        Ok(ExitCode::SUCCESS)
    }

    fn wipe(&self, args: &EnvNameArg) -> anyhow::Result<ExitCode> {
        let (_, root) = self.named_or_active(args.name.as_deref())?;
        let site = den_workon::site_packages(&root)?;
        let installed = den_install::installed_distributions(&[site])?;
        let packages: Vec<den_dist::PackageName> = installed
            .iter()
            .filter(|d| !den_venv::SEED_PACKAGES.contains(&d.name.as_ref()))
            .map(|d| d.name.clone())
            .collect();
        if packages.is_empty() {
            self.printer.out("Nothing to remove.");
            return Ok(ExitCode::SUCCESS);
        }
        self.printer.out("Uninstalling packages:\n");
        for name in &packages {
            self.printer.out(name);
        }
        let cache = crate::open_cache(self.global)?;
        let target = crate::target::Target::at_root(&root, &cache)?;
        crate::ops::uninstall(&target, &packages, self.printer)?;
        Ok(ExitCode::SUCCESS)
    }

    fn project(&self, args: &EnvProjectArgs) -> anyhow::Result<ExitCode> {
        let root = den_workon::find_env(&self.homes, &args.name)?;
        let project =
            den_workon::write_project(&self.homes.project_file(&root), &args.dir, &self.cwd)?;
        self.printer.out(format!(
            "Setting project for {} to {}",
            args.name,
            project.display()
        ));
        Ok(ExitCode::SUCCESS)
    }

    fn add_path(&self, args: &EnvAddPathArgs) -> anyhow::Result<ExitCode> {
        let Some(root) = self.active().filter(|root| root.is_dir()) else {
            bail!(
                "no virtualenv active, or active virtualenv is missing: activate one with `workon NAME`"
            );
        };
        if args.dirs.is_empty() {
            // add2virtualenv's answer to no directories: usage, the current list, status 1.
            self.printer.out("Usage: add2virtualenv dir [dir ...]");
            let paths = den_workon::add_path::list_paths(&root)?;
            if den_workon::add_path::path_file(&root)?.is_file() {
                self.printer.out("");
                self.printer.out("Existing paths:");
                for dir in paths {
                    self.printer.out(dir.display());
                }
            }
            return Ok(ExitCode::FAILURE);
        }
        let mut absolute = Vec::new();
        for dir in &args.dirs {
            let resolved = den_workon::absolute_path(dir, &self.cwd);
            if resolved != *dir {
                self.printer.warn(format!(
                    "Converting \"{}\" to \"{}\"",
                    dir.display(),
                    resolved.display()
                ));
            }
            absolute.push(resolved);
        }
        den_workon::add_path::change_paths(&root, &absolute, args.remove)?;
        Ok(ExitCode::SUCCESS)
    }

    fn toggle(&self, args: &EnvNameArg) -> anyhow::Result<ExitCode> {
        let (_, root) = self.named_or_active(args.name.as_deref())?;
        let enabled = den_workon::toggle_global_site_packages(&root)?;
        if self.global.quiet == 0 {
            self.printer.out(if enabled {
                "Enabled global site-packages"
            } else {
                "Disabled global site-packages"
            });
        }
        Ok(ExitCode::SUCCESS)
    }

    fn hook(&self, args: &EnvHookArgs) -> anyhow::Result<ExitCode> {
        let Some(hook) = RunHook::from_name(&args.hook) else {
            let names: Vec<&str> = RunHook::ALL.iter().map(|h| h.file_name()).collect();
            bail!(
                "'{}' is not a hook den runs as a process; choose one of: {}",
                args.hook,
                names.join(", ")
            );
        };
        let root = if args.env.is_empty() {
            None
        } else {
            Some(den_workon::find_env(&self.homes, &args.env)?)
        };
        let mut hook_args: Vec<&str> = Vec::new();
        if !args.env.is_empty() {
            hook_args.push(&args.env);
        }
        hook_args.extend(args.args.iter().map(String::as_str));
        let report = run_hook(&self.homes, hook, root.as_deref(), &hook_args, None)?;
        self.report(&report);
        Ok(ExitCode::SUCCESS)
    }
}

/// `err`, after removing the half-made environment at `root` so the same command can be
/// retried, with `note` (what happened to the environment) as context. When the removal fails
/// too, the context says so and names the directory to delete instead, and the original cause
/// is kept.
fn discard(root: &Path, err: anyhow::Error, note: Option<String>) -> anyhow::Error {
    let removal = if root.exists() || root.is_symlink() {
        den_workon::remove_env(root)
    } else {
        Ok(())
    };
    match (removal, note) {
        (Ok(()), None) => err,
        (Ok(()), Some(note)) => err.context(note),
        (Err(removal), _) => err.context(format!(
            "the half-made environment could not be removed ({removal}); delete {} before \
             running the command again",
            root.display()
        )),
    }
}

/// `err` from updating environment `name` in place; when the environment is of another
/// Python version than the one asked for, the advice is den env create's (den-venv's names
/// `--clear`, which `den env create` does not have).
fn other_python_hint(name: &str, err: anyhow::Error) -> anyhow::Error {
    match err.downcast_ref::<den_venv::VenvError>() {
        Some(den_venv::VenvError::OtherPythonVersion {
            existing,
            requested,
            ..
        }) => {
            let minor: Vec<&str> = existing.split('.').take(2).collect();
            anyhow::anyhow!(
                "environment '{name}' is of Python {existing}, not {requested}: updating it \
                 would leave its packages behind; leave out -p (or pass -p {}) to keep its \
                 Python, or remove it first (rmvirtualenv {name})",
                minor.join(".")
            )
        }
        _ => err,
    }
}

/// The user's shell ($SHELL, else /bin/sh), the one per-environment hook files are for.
fn user_shell() -> String {
    std::env::var("SHELL").unwrap_or_else(|_| "/bin/sh".to_string())
}

/// Interpreter discovery for a new environment, blind to the active one: `$VIRTUAL_ENV/bin` is
/// dropped from `PATH`, so a `python3` found there (the active environment's) does not become
/// the base of the new environment. virtualenvwrapper likewise creates environments with its
/// own configured Python, whatever environment is active.
fn discovery_outside_active_env() -> DiscoveryEnv {
    let mut env = DiscoveryEnv::from_process();
    if let Some(active) = std::env::var_os("VIRTUAL_ENV").filter(|v| !v.is_empty()) {
        let bin = PathBuf::from(active).join("bin");
        let bin_real = bin.canonicalize().ok();
        env.path.retain(|dir| {
            *dir != bin && (bin_real.is_none() || dir.canonicalize().ok() != bin_real)
        });
    }
    env
}

/// 64 random bits for temporary names (std's randomly keyed hasher over the time and pid).
fn random() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    if let Ok(elapsed) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        hasher.write_u128(elapsed.as_nanos());
    }
    hasher.finish()
}
