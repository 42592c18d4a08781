//! `den pip install`: finds the environment (or the `--target` / `--prefix` layout next to
//! its interpreter) and runs [`ops::install()`].

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use den_cache::Cache;

use crate::cli::InstallArgs;
use crate::ops::{self, InstallSettings};
use crate::printer::Printer;
use crate::target::{self, Access, Target};

/// Runs `den pip install`.
pub fn run(args: &InstallArgs, cache: &Cache, printer: &Printer) -> anyhow::Result<ExitCode> {
    for option in args.compat.given() {
        printer.detail(format!(
            "{option}: pip's option, accepted; it changes nothing in den"
        ));
    }
    let sources = args.requested.sources();
    let settings = InstallSettings {
        sources,
        resolver: args.requested.inputs.settings(),
        upgrade: args.upgrade.settings()?,
        reinstall: args.force_reinstall || args.compat.ignore_installed,
        no_deps: args.no_deps,
        dry_run: args.dry_run,
        report: args.report.clone(),
        installer: args.installer.settings(),
        ..InstallSettings::default()
    };
    // --target and --prefix install next to an interpreter, not into it, so it may be a base
    // interpreter without --system.
    let layout = args.target_dir.is_some() || args.prefix.is_some() || args.user;
    let access = if layout { Access::Read } else { Access::Change };
    let mut target = target::find(&args.target, cache, access)?;
    if args.user {
        if target.interpreter.is_virtualenv() {
            anyhow::bail!(
                "Can not perform a '--user' install. User site-packages are not visible in this virtualenv."
            );
        }
        target::refuse_externally_managed(&target, &args.target)?;
    }
    let python = scheme_python(&target);
    if let Some(dir) = &args.target_dir {
        target.set_layout(den_install::InstallScheme::for_target(
            &absolute(dir)?,
            &python,
        ));
    } else if let Some(prefix) = &args.prefix {
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
