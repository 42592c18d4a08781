//! `den pip install`: finds the environment (or the `--target` / `--prefix` layout next to
//! its interpreter) and runs [`ops::install()`].

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use den_cache::Cache;

use crate::cli::{InstallArgs, RequirementArgs};
use crate::ops::{self, InstallSettings};
use crate::printer::Printer;
use crate::target::{self, Access, Target};

/// pip's refusal of target options without `--target` or `--dry-run`, word for word.
const TARGET_OPTIONS_NEED_TARGET: &str = "Can not use any platform or abi specific options unless installing via '--target' or using '--dry-run'";

/// Refuses `--only-deps` with the options pip refuses it with, in pip's words (pip's
/// `check_only_deps_option_does_not_conflict`, for `install`, `download`, `wheel` and
/// `lock`).
///
/// Errors: `--only-deps` with `--no-deps`, `-r`, `--requirements-from-script` or `--group`.
pub(crate) fn only_deps_conflicts(
    only_deps: bool,
    no_deps: bool,
    inputs: &RequirementArgs,
) -> anyhow::Result<()> {
    if !only_deps {
        return Ok(());
    }
    let mut conflicts: Vec<String> = [
        (no_deps, "'--no-deps'"),
        (!inputs.requirement_files.is_empty(), "'--requirement'"),
        (
            !inputs.requirements_from_script.is_empty(),
            "'--requirements-from-script'",
        ),
        (!inputs.groups.is_empty(), "'--group'"),
    ]
    .into_iter()
    .filter(|(given, _)| *given)
    .map(|(_, name)| name.to_string())
    .collect();
    if conflicts.is_empty() {
        return Ok(());
    }
    if conflicts.len() > 1
        && let Some(last) = conflicts.last_mut()
    {
        *last = format!("or {last}");
    }
    bail!(
        "Cannot use '--only-dependencies' in combination with {}. If this is unexpected, \
         please refer to the user guide:\n\n    \
         https://pip.pypa.io/en/stable/user_guide/#installing-only-dependencies",
        conflicts.join(", ")
    )
}

/// Runs `den pip install`; `exists_action` are pip's `--exists-action` answers.
pub fn run(
    args: &InstallArgs,
    exists_action: &[den_prepare::ExistsAction],
    cache: &Cache,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    for (option, why) in args.compat.given() {
        printer.no_effect(option, why);
    }
    only_deps_conflicts(args.only_deps, args.no_deps, &args.requested.inputs)?;
    let sources = args.requested.sources();
    let mut settings = InstallSettings {
        sources,
        resolver: args.requested.inputs.settings(),
        upgrade: args.upgrade.settings()?,
        eager: args.compat.eager(),
        reinstall: args.force_reinstall || args.compat.ignore_installed,
        no_deps: args.no_deps,
        only_deps: args.only_deps,
        dry_run: args.dry_run,
        report: args.report.clone(),
        installer: args.installer.settings(),
        install_root: args.root.as_deref().map(absolute).transpose()?,
        src_dir: args.compat.build.src.clone(),
        exists_action: exists_action.to_vec(),
        ..InstallSettings::default()
    };
    // pip's order: the dependency rule first, then where target options may be used.
    let pip_targets = args.platform.targets();
    ops::download::check_dist_restriction(
        !pip_targets.is_empty(),
        args.no_deps,
        &settings.resolver,
    )?;
    if !pip_targets.is_empty() && !args.dry_run && args.target_dir.is_none() {
        bail!(TARGET_OPTIONS_NEED_TARGET);
    }
    if pip_targets.len() > 1 {
        bail!(
            "--platform: den pip install resolves for one platform; give one --platform (den pip download takes several)"
        );
    }
    let mut target = target::find(&args.target, cache, access(args))?;
    if let Some(pip_target) = pip_targets.first() {
        let python = den_python::TargetPython::from_pip(&target.interpreter, pip_target)?;
        settings.target_python = Some(python);
    }
    if args.user {
        if target.interpreter.is_virtualenv() {
            bail!(
                "Can not perform a '--user' install. User site-packages are not visible in this virtualenv."
            );
        }
        target::refuse_externally_managed(&target, &args.target)?;
    }
    let python = scheme_python(&target);
    if let Some(dir) = &args.target_dir {
        return install_into_target_dir(&absolute(dir)?, &mut target, &settings, cache, printer);
    }
    if let Some(prefix) = &args.prefix {
        target.set_layout(den_install::InstallScheme::for_prefix(
            &absolute(prefix)?,
            &python,
        ));
    } else if args.user {
        // pip's posix_user scheme is the prefix scheme rooted at the user base.
        target.set_layout(den_install::InstallScheme::for_prefix(
            &user_base()?,
            &python,
        ));
    }
    ops::install(&target, &settings, cache, printer)?;
    Ok(ExitCode::SUCCESS)
}

/// What `den pip install` does with the environment it finds: `--target`, `--prefix`,
/// `--user` and `--root` install next to an interpreter, not into it, and `--dry-run` with
/// `--report` only reports, so it may be a base interpreter without `--system` (and, as with
/// pip, PEP 668 does not apply): [`Access::Read`] then, else [`Access::Change`].
pub fn access(args: &InstallArgs) -> Access {
    let layout =
        args.target_dir.is_some() || args.prefix.is_some() || args.user || args.root.is_some();
    let report_only = args.dry_run && args.report.is_some();
    if layout || report_only {
        Access::Read
    } else {
        Access::Change
    }
}

/// pip's `--target DIR`: everything is installed into an empty staging directory (so what DIR
/// holds is not looked at: pip ignores it), then each top-level entry is moved into DIR; an
/// entry DIR already has is kept, with pip's warning, unless `--upgrade` (then replaced; a
/// link is never replaced). A dry run stages nowhere near DIR and moves nothing.
///
/// Errors: DIR exists and is not a directory (pip's message), cannot be created or locked,
/// those of [`ops::install()`], and a move that fails.
fn install_into_target_dir(
    dir: &Path,
    target: &mut Target,
    settings: &InstallSettings,
    cache: &Cache,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    if dir.exists() && !dir.is_dir() {
        bail!("Target path exists but is not a directory, will not continue.");
    }
    let mut staging = tempfile::Builder::new();
    staging.prefix(STAGING_PREFIX);
    let (staging, _lock) = if settings.dry_run {
        (staging.tempdir(), None)
    } else {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        // One den at a time moves into DIR.
        let lock = den_cache::lock_directory(dir, || {
            tracing::info!(
                "waiting for another den process to finish with {}",
                dir.display()
            );
        })?;
        (staging.tempdir_in(dir), Some(lock))
    };
    let staging = staging.context("cannot create a staging directory for --target")?;
    target.set_layout(den_install::InstallScheme::for_target(
        staging.path(),
        &scheme_python(target),
    ));
    ops::install(target, settings, cache, printer)?;
    if !settings.dry_run {
        move_into(staging.path(), dir, settings.upgrade.all, printer)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The name of `--target`'s staging directory in DIR (never moved into DIR itself).
const STAGING_PREFIX: &str = ".den-target-";

/// Moves each top-level entry of `staging` into `dir`, in name order, as pip's `--target`
/// does: an existing entry is kept with a warning unless `upgrade`, which replaces it (but a
/// link, with a warning). den's own files (`.den-*`) stay.
///
/// Errors: an entry cannot be read, removed or moved.
fn move_into(staging: &Path, dir: &Path, upgrade: bool, printer: &Printer) -> anyhow::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(staging)
        .with_context(|| format!("cannot read {}", staging.display()))?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<_, _>>()
        .with_context(|| format!("cannot read {}", staging.display()))?;
    entries.sort();
    for from in entries {
        let Some(name) = from.file_name() else {
            continue;
        };
        if name.to_string_lossy().starts_with(".den-") {
            continue;
        }
        let to = dir.join(name);
        if let Ok(existing) = to.symlink_metadata() {
            if !upgrade {
                printer.pip_warning(format!(
                    "Target directory {} already exists. Specify --upgrade to force replacement.",
                    to.display()
                ));
                continue;
            }
            if existing.file_type().is_symlink() {
                printer.pip_warning(format!(
                    "Target directory {} already exists and is a link. den will not replace links; remove it if replacement is desired.",
                    to.display()
                ));
                continue;
            }
            // The old entry goes into the staging directory (deleted with it) before the new
            // one takes its place, and comes back if that fails: DIR never lacks the entry
            // because a replacement failed half-way.
            let aside = staging.join(format!(".den-replaced-{}", name.to_string_lossy()));
            std::fs::rename(&to, &aside)
                .with_context(|| format!("cannot replace {}", to.display()))?;
            if let Err(error) = std::fs::rename(&from, &to) {
                let _ = std::fs::rename(&aside, &to);
                return Err(error).with_context(|| {
                    format!("cannot move {} to {}", from.display(), to.display())
                });
            }
            continue;
        }
        std::fs::rename(&from, &to)
            .with_context(|| format!("cannot move {} to {}", from.display(), to.display()))?;
    }
    Ok(())
}

/// The user site-packages of `target`'s interpreter (`site.USER_SITE` on POSIX:
/// `<user base>/lib/pythonX.Y/site-packages`), where `--user` installs go.
///
/// Errors: neither PYTHONUSERBASE nor HOME is set.
pub fn user_site_packages(target: &Target) -> anyhow::Result<PathBuf> {
    let python = scheme_python(target);
    Ok(den_install::posix_site_packages(&user_base()?, &python))
}

/// The facts of `target`'s interpreter pip's layouts depend on.
fn scheme_python(target: &Target) -> den_install::SchemePython {
    den_install::SchemePython {
        version: target.interpreter.major_minor,
        free_threaded: target.interpreter.gil_disabled,
        virtualenv: target.interpreter.is_virtualenv(),
    }
}

/// Python's user base (`site.USER_BASE` on POSIX): `$PYTHONUSERBASE`, else `~/.local`.
///
/// Errors: neither PYTHONUSERBASE nor HOME is set.
fn user_base() -> anyhow::Result<PathBuf> {
    if let Some(base) = std::env::var_os("PYTHONUSERBASE").filter(|b| !b.is_empty()) {
        return absolute(Path::new(&base));
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .context("--user: neither PYTHONUSERBASE nor HOME is set")?;
    Ok(PathBuf::from(home).join(".local"))
}

fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    std::path::absolute(path).with_context(|| format!("cannot use {}", path.display()))
}
