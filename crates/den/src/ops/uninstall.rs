//! Uninstalling distributions (`den pip uninstall`, `den env wipe`): each is removed using its
//! RECORD (den-install), with pip's messages. A name that is not installed is a warning, as in
//! pip.

use anyhow::Context;
use den_dist::PackageName;
use den_install::InstalledDist;

use crate::printer::Printer;
use crate::target::Target;

/// Uninstalls the distributions named `names` from `target`, under its lock.
///
/// Errors: the environment cannot be locked or read, or a distribution cannot be removed.
pub fn uninstall(target: &Target, names: &[PackageName], printer: &Printer) -> anyhow::Result<()> {
    uninstall_asking(target, names, &|_| Ok(true), printer)
}

/// As [`uninstall`], asking `proceed` about each distribution once pip's "Uninstalling X:"
/// is shown (pip's `Proceed (Y/n)?`): one it declines is left installed.
///
/// Errors: [`uninstall`]'s, and `proceed`'s.
pub fn uninstall_asking(
    target: &Target,
    names: &[PackageName],
    proceed: &dyn Fn(&InstalledDist) -> anyhow::Result<bool>,
    printer: &Printer,
) -> anyhow::Result<()> {
    let _lock = target.lock()?;
    let installed = den_install::installed_distributions(&target.site_packages())?;
    for name in names {
        let Some(dist) = installed.iter().find(|d| &d.name == name) else {
            printer.pip_warning(format!("Skipping {name} as it is not installed."));
            continue;
        };
        remove_asking(dist, proceed, printer)?;
    }
    Ok(())
}

/// Uninstalls one distribution with pip's messages.
///
/// Errors: den-install's, naming the distribution.
pub fn remove(dist: &InstalledDist, printer: &Printer) -> anyhow::Result<()> {
    remove_asking(dist, &|_| Ok(true), printer)
}

/// Uninstalls one distribution with pip's messages if `proceed` says so (else leaves it).
///
/// Errors: den-install's, naming the distribution, and `proceed`'s.
fn remove_asking(
    dist: &InstalledDist,
    proceed: &dyn Fn(&InstalledDist) -> anyhow::Result<bool>,
    printer: &Printer,
) -> anyhow::Result<()> {
    // Read before the metadata is removed with the rest.
    let shown = dist.display_name();
    printer.report(format!(
        "Found existing installation: {shown} {}",
        dist.version
    ));
    printer.report(format!("Uninstalling {shown}-{}:", dist.version));
    if !proceed(dist)? {
        return Ok(());
    }
    let removed = den_install::uninstall(dist)
        .with_context(|| format!("cannot uninstall {} {}", dist.name, dist.version))?;
    printer.detail(format!("  removed {} files", removed.removed.len()));
    warn_skipped(printer, &removed.skipped);
    printer.report(format!(
        "  Successfully uninstalled {shown}-{}",
        dist.version
    ));
    Ok(())
}

/// Tells the user about files a RECORD listed outside the environment, which den left alone
/// (see `den_install::uninstall`).
pub fn warn_skipped(printer: &Printer, skipped: &[std::path::PathBuf]) {
    for path in skipped {
        printer.warn(format!(
            "left {} alone: it is outside the environment",
            path.display()
        ));
    }
}
