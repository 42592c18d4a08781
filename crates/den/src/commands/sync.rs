//! `den pip sync`: makes an environment exactly match requirements files (pip-tools'
//! `pip-sync`): the listed distributions are installed or moved to the listed versions, and
//! every other one is uninstalled, except pip, setuptools and wheel (the tools that manage the
//! environment), which stay unless listed. Dependencies are not resolved: the files are meant
//! to be complete, as `den pip compile` writes them.

use std::collections::HashSet;
use std::process::ExitCode;
use std::sync::Arc;

use den_cache::Cache;
use den_dist::PackageName;

use crate::cli::{RequirementArgs, SyncArgs};
use crate::interrupt::CriticalSection;
use crate::pipeline::Inputs;
use crate::printer::Printer;
use crate::target::{self, Access};

use super::install::{Changes, Placement, install_all};

/// Runs `den pip sync`.
pub fn run(args: &SyncArgs, cache: &Cache, printer: &Printer) -> anyhow::Result<ExitCode> {
    let target = target::find(&args.target, cache, Access::Change)?;
    let mut files = args.inputs.requirement_files.clone();
    files.extend(args.files.iter().cloned());
    let inputs_args = RequirementArgs {
        requirement_files: files,
        ..args.inputs.clone()
    };
    let mut inputs = Inputs::from_args(&[], &[], &inputs_args)?;
    let _lock = target.lock(cache)?;
    let installed = den_install::installed_distributions(&target.site_packages())?;
    let source = Arc::new(inputs.source(cache, &target.interpreter)?);
    let runtime = crate::pipeline::runtime()?;
    let (plan, unpacked) = runtime.block_on(async {
        inputs.name_unnamed(&source).await?;
        inputs.check_pinned()?;
        let preferences = installed
            .iter()
            .map(|dist| (dist.name.clone(), dist.version.clone()))
            .collect();
        let request = inputs.request(&target.interpreter, preferences, true)?;
        let changes = Changes {
            installed: &installed,
            reinstall: false,
            dry_run: args.dry_run,
        };
        changes
            .plan_and_prepare(&source, &inputs, request, cache, printer)
            .await
    })?;
    let wanted: HashSet<&PackageName> = plan
        .install
        .iter()
        .chain(&plan.satisfied)
        .map(|p| &p.name)
        .collect();
    let extra: Vec<&den_install::InstalledDist> = installed
        .iter()
        .filter(|dist| !wanted.contains(&dist.name))
        .filter(|dist| !den_venv::SEED_PACKAGES.contains(&dist.name.as_ref()))
        .collect();
    if args.dry_run {
        if !extra.is_empty() {
            let names: Vec<String> = extra
                .iter()
                .map(|d| format!("{}-{}", d.name, d.version))
                .collect();
            printer.status(format!("Would uninstall {}", names.join(" ")));
        }
        if !plan.install.is_empty() {
            printer.status(format!("Would install {}", plan.names()));
        }
        // As pip-sync: a dry run fails when something would change, so checks can use it.
        let pending = !extra.is_empty() || !plan.install.is_empty();
        return Ok(if pending {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        });
    }
    if extra.is_empty() && plan.install.is_empty() {
        printer.status("Everything up-to-date");
        return Ok(ExitCode::SUCCESS);
    }
    {
        let _critical = CriticalSection::enter();
        for dist in extra {
            super::uninstall::remove(dist, printer)?;
        }
    }
    if !plan.install.is_empty() {
        let placement = Placement {
            link_mode: args.link_mode,
            compile_bytecode: false,
        };
        install_all(&target, placement, &plan.install, &unpacked, printer)?;
        printer.status(format!("Successfully installed {}", plan.names()));
    }
    Ok(ExitCode::SUCCESS)
}
