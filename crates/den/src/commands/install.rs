//! `den pip install`: requirements -> resolution (den-resolve over den-index) -> concurrent
//! downloads into the cache -> parallel unpack and verification -> parallel install
//! (den-install) -> pip-style report.
//!
//! Everything that can fail on the network or on bad files (resolution, downloads, index and
//! `--hash` checks, RECORD verification while unpacking) happens before the environment is
//! touched, so such a failure leaves it exactly as it was. Installation then runs in a
//! critical section ([`crate::interrupt`]): each distribution is placed whole or not at all.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, bail};
use den_cache::Cache;
use den_dist::{ExtraName, PackageName, Requirement, VersionOrUrl};
use den_install::{InstallOptions, InstallTarget, InstalledDist, UnpackedWheel};
use den_prepare::{DenSource, Dist};

use crate::cli::{InstallArgs, LinkModeArg};
use crate::interrupt::{self, CriticalSection};
use crate::pipeline::{Inputs, ResolvedPackage};
use crate::printer::Printer;
use crate::target::{self, Access, Target};

/// Runs `den pip install`.
pub fn run(args: &InstallArgs, cache: &Cache, printer: &Printer) -> anyhow::Result<ExitCode> {
    // --target and --prefix install next to an interpreter, not into it, so it may be a base
    // interpreter without --system.
    let layout = args.target_dir.is_some() || args.prefix.is_some();
    let access = if layout { Access::Read } else { Access::Change };
    let mut target = target::find(&args.target, cache, access)?;
    let python = den_install::SchemePython {
        version: target.interpreter.major_minor,
        free_threaded: target.interpreter.gil_disabled,
        virtualenv: target.interpreter.is_virtualenv(),
    };
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
    }
    install_into(&target, args, cache, printer)
}

fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    std::path::absolute(path).with_context(|| format!("cannot use {}", path.display()))
}

/// Installs what `args` asks for into `target` (`args.target` is not looked at).
pub fn install_into(
    target: &Target,
    args: &InstallArgs,
    cache: &Cache,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    let mut inputs = Inputs::from_args(&args.requirements, &args.editables, &args.inputs)?;
    if inputs.is_empty() {
        bail!("you must give at least one requirement to install (see `den pip install --help`)");
    }
    let _lock = target.lock(cache)?;
    let installed = den_install::installed_distributions(&target.site_packages())?;
    let upgrade = crate::pipeline::package_names(&args.upgrade_package, "--upgrade-package")?;
    // pip's shortcut: when what is installed already satisfies every requirement, its
    // dependencies and the constraints, nothing needs the index.
    if !args.upgrade
        && upgrade.is_empty()
        && !args.force_reinstall
        && !inputs.hash_mode()
        && args.report.is_none()
        && inputs.unnamed.is_empty()
        && let Some(satisfied) = satisfied_by_installed(&inputs, &installed, target)
    {
        for dist in satisfied {
            printer.status(format!(
                "Requirement already satisfied: {}=={}",
                dist.name, dist.version
            ));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let source = Arc::new(inputs.source(cache, &target.interpreter)?);
    let runtime = crate::pipeline::runtime()?;
    let (plan, unpacked) = runtime.block_on(async {
        inputs.name_unnamed(&source).await?;
        inputs.check_pinned()?;
        let requested: Vec<PackageName> =
            inputs.requirements.iter().map(|r| r.name.clone()).collect();
        // pip's only-if-needed upgrade strategy: named packages may move, everything
        // installed stays where it is unless a requirement forces it to change.
        let preferences = installed
            .iter()
            .filter(|dist| !(args.upgrade && requested.contains(&dist.name)))
            .filter(|dist| !upgrade.contains(&dist.name))
            .map(|dist| (dist.name.clone(), dist.version.clone()))
            .collect();
        let request = inputs.request(&target.interpreter, preferences, args.no_deps)?;
        let changes = Changes {
            installed: &installed,
            reinstall: args.force_reinstall,
            dry_run: args.dry_run,
        };
        changes
            .plan_and_prepare(&source, &inputs, request, cache, printer)
            .await
    })?;
    if let Some(path) = &args.report {
        super::report::write(path, &plan.install, &target.interpreter, &source, &runtime)?;
    }
    if args.dry_run {
        if !plan.install.is_empty() {
            printer.status(format!("Would install {}", plan.names()));
        }
        return Ok(ExitCode::SUCCESS);
    }
    if plan.install.is_empty() {
        for package in plan.satisfied.iter().filter(|p| p.requested) {
            printer.status(format!(
                "Requirement already satisfied: {}=={}",
                package.name, package.version
            ));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let placement = Placement {
        link_mode: args.link_mode,
        compile_bytecode: args.compile,
    };
    install_all(target, placement, &plan.install, &unpacked, printer)?;
    printer.status(format!("Successfully installed {}", plan.names()));
    Ok(ExitCode::SUCCESS)
}

/// How a resolution becomes changes to an environment (shared by install and sync).
pub struct Changes<'a> {
    /// What the environment has.
    pub installed: &'a [InstalledDist],
    /// pip's `--force-reinstall`.
    pub reinstall: bool,
    /// Plan only: nothing is downloaded or built.
    pub dry_run: bool,
}

impl Changes<'_> {
    /// Resolves `request`, splits the result into what to install and what is satisfied
    /// (warning about yanked pins), checks that hash-checking mode has hashes for everything
    /// to install, then, unless a dry run, downloads or builds and unpacks it
    /// ([`den_prepare::prepare`], with a progress bar).
    ///
    /// Errors: resolution, missing hashes, and [`den_prepare::prepare`]'s.
    pub async fn plan_and_prepare(
        &self,
        source: &Arc<DenSource>,
        inputs: &Inputs,
        request: den_resolve::ResolveRequest,
        cache: &Cache,
        printer: &Printer,
    ) -> anyhow::Result<(Plan, Vec<UnpackedWheel>)> {
        let packages = crate::pipeline::resolve(source, request, printer).await?;
        let plan = Plan::new(packages, self.installed, self.reinstall);
        plan.warn_yanked(printer);
        if inputs.hash_mode() {
            inputs.hashes.check_present(&plan.install)?;
        }
        if self.dry_run {
            return Ok((plan, Vec::new()));
        }
        let bar = printer.progress(plan.install.len() as u64, "Preparing");
        let unpacked = den_prepare::prepare(source, cache, &plan.install, |_| bar.inc(1)).await;
        bar.finish_and_clear();
        Ok((plan, unpacked?))
    }
}

/// The installed distributions the user asked for, when the environment already satisfies
/// every requirement (markers evaluated for the target), recursively every dependency with the
/// extras asked of it, and every constraint on those; `None` as soon as anything is missing, at
/// a version the specifiers exclude, or named by URL, so the resolver decides.
fn satisfied_by_installed<'a>(
    inputs: &Inputs,
    installed: &'a [InstalledDist],
    target: &Target,
) -> Option<Vec<&'a InstalledDist>> {
    let markers = &target.interpreter.markers;
    let by_name: HashMap<&PackageName, &InstalledDist> =
        installed.iter().map(|d| (&d.name, d)).collect();
    let fits = |requirement: &Requirement, dist: &InstalledDist| match &requirement.version_or_url {
        None => true,
        Some(VersionOrUrl::VersionSpecifier(specifiers)) => specifiers.contains(&dist.version),
        Some(VersionOrUrl::Url(_)) => false,
    };
    let mut requested = Vec::new();
    let mut queue: Vec<(Requirement, Vec<ExtraName>)> = inputs
        .requirements
        .iter()
        .map(|r| (r.clone(), Vec::new()))
        .collect();
    let mut seen: HashSet<(PackageName, Vec<ExtraName>)> = HashSet::new();
    let top_level = queue.len();
    let mut index = 0;
    while let Some((requirement, parent_extras)) = queue.get(index).cloned() {
        index += 1;
        if !requirement.marker.evaluate(markers, &parent_extras) {
            continue;
        }
        let dist = by_name.get(&requirement.name)?;
        if !fits(&requirement, dist) {
            return None;
        }
        if index <= top_level {
            requested.push(*dist);
        }
        let mut extras = requirement.extras.clone();
        extras.sort();
        if !seen.insert((requirement.name.clone(), extras.clone())) {
            continue;
        }
        let metadata = dist.metadata().ok()?;
        queue.extend(
            metadata
                .requires_dist
                .into_iter()
                .map(|dependency| (dependency, extras.clone())),
        );
    }
    let closure: HashSet<&PackageName> = seen.iter().map(|(name, _)| name).collect();
    let constraints_hold = inputs.constraints.iter().all(|constraint| {
        !closure.contains(&constraint.name)
            || !constraint.marker.evaluate(markers, &[])
            || by_name
                .get(&constraint.name)
                .is_some_and(|dist| fits(constraint, dist))
    });
    constraints_hold.then_some(requested)
}

/// What to change: packages to install (new, or replacing another installed version, which
/// den-install swaps in one transaction) and those already satisfied.
pub struct Plan {
    /// To install.
    pub install: Vec<ResolvedPackage>,
    /// Installed already at the chosen version.
    pub satisfied: Vec<ResolvedPackage>,
}

impl Plan {
    /// Splits a resolution: a package is satisfied when that version is installed and it is
    /// not a direct reference (a local project or URL is always reinstalled, as pip does), unless
    /// `reinstall` (pip's `--force-reinstall`).
    pub fn new(
        packages: Vec<ResolvedPackage>,
        installed: &[InstalledDist],
        reinstall: bool,
    ) -> Self {
        let by_name: HashMap<&PackageName, &InstalledDist> =
            installed.iter().map(|d| (&d.name, d)).collect();
        let (satisfied, install) = packages.into_iter().partition(|package| {
            !reinstall
                && package.url.is_none()
                && by_name
                    .get(&package.name)
                    .is_some_and(|d| d.version == package.version)
        });
        Plan { install, satisfied }
    }

    /// Warns about each yanked file to install (PEP 592: used only because a requirement pins
    /// that version exactly), with the index's reason, as pip does.
    pub fn warn_yanked(&self, printer: &Printer) {
        for package in &self.install {
            if let Dist::Index(file) = &package.file
                && let Some(reason) = &file.yanked
            {
                let reason = if reason.is_empty() {
                    "no reason given".to_string()
                } else {
                    format!("reason: {reason}")
                };
                printer.warn(format!(
                    "{} {} is a yanked version ({reason}); it is used because the requirements pin it exactly",
                    package.name, package.version
                ));
            }
        }
    }

    /// `name-version` of each package to install, space-separated (pip's summary).
    pub fn names(&self) -> String {
        self.install
            .iter()
            .map(|p| format!("{}-{}", p.name, p.version))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// How installed files are placed: `--link-mode` and `--compile`.
#[derive(Debug, Clone, Copy)]
pub struct Placement {
    /// How files get from the cache into the environment.
    pub link_mode: LinkModeArg,
    /// Compile `.py` files to bytecode.
    pub compile_bytecode: bool,
}

/// Installs every planned distribution, in parallel, inside a critical section: a signal stops
/// den after the distributions in hand, never in the middle of one.
pub fn install_all(
    target: &Target,
    placement: Placement,
    packages: &[ResolvedPackage],
    unpacked: &[UnpackedWheel],
    printer: &Printer,
) -> anyhow::Result<()> {
    let install_target = InstallTarget {
        scheme: target.scheme(),
        python: target.interpreter.executable.clone(),
        python_version: target.interpreter.major_minor,
    };
    let jobs: Vec<(&ResolvedPackage, &UnpackedWheel)> = packages.iter().zip(unpacked).collect();
    let _critical = CriticalSection::enter();
    let done = AtomicUsize::new(0);
    let result = parallel(printer, "Installing", &jobs, |(package, wheel)| {
        if interrupt::interrupted() {
            return Ok(Vec::new());
        }
        let options = InstallOptions {
            requested: package.requested,
            link_mode: placement.link_mode.into(),
            direct_url: package.file.direct_url(),
            compile_bytecode: placement.compile_bytecode,
            ..InstallOptions::default()
        };
        let installed = den_install::install_wheel(wheel, &install_target, &options)
            .with_context(|| format!("cannot install {} {}", package.name, package.version))?;
        done.fetch_add(1, Ordering::SeqCst);
        // Files of the replaced version that its RECORD listed outside the environment.
        Ok(installed.skipped)
    });
    if let Ok(skipped) = &result {
        super::uninstall::warn_skipped(printer, &skipped.concat());
    }
    let done = done.load(Ordering::SeqCst);
    if interrupt::interrupted() {
        bail!(
            "interrupted: {done} of {} distributions were installed, each completely; the others \
             were not touched. Run the command again to finish",
            jobs.len()
        );
    }
    result.map(drop)
}

/// Runs `work` over `items` on up to one thread per core, with a progress bar; returns the
/// results in item order, or the first error.
pub fn parallel<T: Sync, R: Send>(
    printer: &Printer,
    phase: &str,
    items: &[T],
    work: impl Fn(&T) -> anyhow::Result<R> + Sync,
) -> anyhow::Result<Vec<R>> {
    let bar = printer.progress(items.len() as u64, phase);
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(items.len())
        .max(1);
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, anyhow::Result<R>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(index) else {
                            return out;
                        };
                        out.push((index, work(item)));
                        bar.inc(1);
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                w.join()
                    .unwrap_or_else(|_| vec![(0, Err(anyhow::anyhow!("a worker thread panicked")))])
            })
            .collect()
    });
    bar.finish_and_clear();
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, r)| r).collect()
}
