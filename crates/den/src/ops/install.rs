//! Installing requirements into an environment: `den pip install` and, exactly, `den pip
//! sync`: requirements -> resolution (den-resolve over den-index) -> concurrent downloads into
//! the cache -> parallel unpack and verification -> plan against what is installed
//! (den-install) -> uninstall what an exact install does not list -> parallel install ->
//! pip-style report.
//!
//! Everything that can fail on the network or on bad files (resolution, downloads, index and
//! `--hash` checks, RECORD verification while unpacking) happens before the environment is
//! touched, so such a failure leaves it exactly as it was. Changing it then runs in a critical
//! section ([`crate::interrupt`]): each distribution is placed or removed whole or not at all.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, bail};
use den_cache::Cache;
use den_dist::PackageName;
use den_install::{Chosen, InstallOptions, InstalledDist, UnpackedWheel};
use den_prepare::{Dist, Step};
use den_python::TargetPython;
use den_requirements::{RequirementOrigin, RequirementsSource, RequirementsSpec};

use super::pipeline::{self, ResolvedPackage};
use super::settings::{InstallerSettings, ResolverSettings, UpgradeSettings};
use crate::interrupt::{self, CriticalSection};
use crate::printer::Printer;
use crate::target::Target;

/// Whether an install also removes what its requirements do not list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Exactness {
    /// pip install: add and upgrade what is asked for, resolving its dependencies; leave
    /// everything else.
    #[default]
    Additive,
    /// pip-sync: the requirements are the whole environment (dependencies are not resolved:
    /// they are meant to be complete, as `den pip compile` writes them); every other
    /// distribution is uninstalled, except [`den_venv::SEED_PACKAGES`].
    Exact,
}

/// What an install is asked to do.
#[derive(Debug, Clone, Default)]
pub struct InstallSettings {
    /// Where the requirements come from.
    pub sources: Vec<RequirementsSource>,
    /// Index, build, pre-release and hash-checking options.
    pub resolver: ResolverSettings,
    /// Whether other distributions are removed.
    pub exactness: Exactness,
    /// Which installed versions may move (`-U`, `-P`).
    pub upgrade: UpgradeSettings,
    /// pip's `--upgrade-strategy eager`: with `-U`, every dependency of what is upgraded may
    /// move too, not only those that no longer satisfy.
    pub eager: bool,
    /// The Python resolved for instead of the interpreter's (pip's `--python-version`,
    /// `--platform`, `--abi`, `--implementation`); no lock file may be installed then.
    pub target_python: Option<TargetPython>,
    /// pip's `--root DIR`: every file goes below DIR (the scheme's paths re-rooted there),
    /// while what is installed is still read from the environment itself, as pip does.
    pub install_root: Option<PathBuf>,
    /// Reinstall the chosen distributions even when that version is installed.
    pub reinstall: bool,
    /// Do not resolve dependencies (always so for an exact install).
    pub no_deps: bool,
    /// pip's `--only-deps`: resolve as usual, then install none of the projects the
    /// requirements name, only what they depend on.
    pub only_deps: bool,
    /// Resolve and say what would change, but change nothing.
    pub dry_run: bool,
    /// Write pip's installation report here (`-` for standard output).
    pub report: Option<PathBuf>,
    /// How installed files are placed.
    pub installer: InstallerSettings,
    /// Where editable git requirements are cloned (pip's `--src`); `None`: pip's default,
    /// `src` in the environment (in the working directory outside a virtual environment).
    pub src_dir: Option<PathBuf>,
    /// What to do when an editable git requirement's directory holds something else (pip's
    /// `--exists-action`, first usable answer first).
    pub exists_action: Vec<den_prepare::ExistsAction>,
}

/// What an install changed (or, in a dry run, would change).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Whether anything was (or would be) installed or uninstalled.
    pub changed: bool,
}

/// Installs what `settings` asks for into `target`, with pip's (or, for an exact install,
/// pip-sync's) messages.
///
/// Errors: nothing to install (additive only), unreadable requirements, resolution, hash
/// checks, downloads and builds (the environment is untouched then), and uninstalling or
/// installing.
pub fn install(
    target: &Target,
    settings: &InstallSettings,
    cache: &Cache,
    printer: &Printer,
) -> anyhow::Result<Outcome> {
    let exact = settings.exactness == Exactness::Exact;
    // pip's result lines go to stdout, except when the JSON report does (`--report -`).
    let report_on_stdout = settings.report.as_deref() == Some(std::path::Path::new("-"));
    let say = |line: String| {
        if report_on_stdout {
            printer.status(line);
        } else {
            printer.report(line);
        }
    };
    let interpreter = &target.interpreter;
    tracing::info!(
        "environment {} (Python {}, {})",
        interpreter.prefix.display(),
        interpreter.version,
        interpreter.executable.display()
    );
    let mut spec = pipeline::spec(&settings.sources, &settings.resolver)?;
    // Read with the requirements, as pip does: a wrong path fails even when nothing is built.
    let build_constraints = pipeline::build_constraints(&settings.resolver)?;
    let target_python = match &settings.target_python {
        Some(python) => {
            pipeline::refuse_locks(&spec)?;
            python.clone()
        }
        None => TargetPython::of(interpreter),
    };
    pipeline::check_script_python(&spec, &target_python.version, &settings.resolver)?;
    spec.select_locked(
        &target_python.markers,
        &target_python.tags,
        &target_python.version,
    )?;
    let locked_releases = spec.locked_releases.clone();
    if !exact && spec.is_empty() {
        bail!("you must give at least one requirement to install (see `den pip install --help`)");
    }
    let _lock = target.lock()?;
    // pip clones editable git requirements before it resolves; a dry run changes nothing
    // (their metadata is read from den's own checkout of the commit), and hash-checking mode
    // refuses them (as pip does) before anything is cloned.
    if !settings.dry_run && !spec.hash_mode() {
        check_out_editables(&mut spec, target, settings, cache)?;
    }
    let installed = den_install::installed_distributions(&target.site_packages())?;
    let unchanged = Outcome { changed: false };
    // pip's shortcut: when what is installed already satisfies every requirement, its
    // dependencies and the constraints, nothing needs the index.
    let shortcut = !exact
        && !settings.only_deps
        && settings.upgrade.is_none()
        && !settings.reinstall
        && !spec.hash_mode()
        && settings.report.is_none()
        && spec.unnamed.is_empty();
    if shortcut && let Some(lines) = satisfied_lines(&spec, &target_python.markers, &installed) {
        lines.into_iter().for_each(say);
        return Ok(unchanged);
    }
    let source = pipeline::constrained_source(
        &spec,
        &settings.resolver,
        build_constraints,
        cache,
        &target.interpreter,
        printer,
    )?;
    // What is resolved is built and installed, unless this is a dry run.
    let source = Arc::new(if settings.dry_run {
        source
    } else {
        source.building_wheels()
    });
    let runtime = pipeline::runtime()?;
    let (plan, unpacked) = runtime.block_on(async {
        pipeline::name_unnamed(&mut spec, &source).await?;
        spec.check_pinned()?;
        let requested: Vec<PackageName> =
            spec.requirements.iter().map(|r| r.name.clone()).collect();
        // pip's only-if-needed upgrade strategy: named packages may move, everything
        // installed stays where it is unless a requirement forces it to change. With -U and
        // the eager strategy nothing is held: what the resolution reaches (the requested
        // packages' dependencies, whole) may move.
        let eager = settings.upgrade.all && settings.eager;
        let preferences = installed
            .iter()
            .filter(|_| !eager)
            .filter(|dist| !(settings.upgrade.all && requested.contains(&dist.name)))
            .filter(|dist| !settings.upgrade.packages.contains(&dist.name))
            .map(|dist| (dist.name.clone(), dist.version.clone()))
            .collect();
        // A lock's list is whole: its files are installed as listed, nothing is resolved.
        let no_deps = exact || settings.no_deps || spec.locked;
        let request = pipeline::request(
            &spec,
            &settings.resolver,
            &target_python,
            preferences,
            no_deps,
            false,
        )?;
        let mut packages = pipeline::resolve(&source, request, printer).await?;
        if settings.only_deps {
            pipeline::drop_requested(&spec, &mut packages);
        }
        let plan = den_install::Plan::new(packages, &installed, settings.reinstall, |p| {
            chosen(p, &locked_releases)
        });
        warn_yanked(&plan.install, printer);
        if spec.hash_mode() {
            pipeline::hash_checks(&spec).check_present(&plan.install)?;
        }
        if settings.dry_run {
            return anyhow::Ok((plan, Vec::new()));
        }
        let bar = printer.progress(plan.install.len() as u64, "Preparing");
        // A spinner per build in progress, named, until its wheel is unpacked.
        let builds = std::sync::Mutex::new(std::collections::HashMap::new());
        let unpacked = den_prepare::prepare(&source, cache, &plan.install, |step| {
            let mut builds = builds.lock().unwrap_or_else(|e| e.into_inner());
            match step {
                Step::Building(package) => {
                    let spinner = printer.building(format!("{} {}", package.name, package.version));
                    builds.insert(package.name.clone(), spinner);
                }
                Step::Prepared(package) => {
                    bar.inc(1);
                    if let Some(spinner) = builds.remove(&package.name) {
                        spinner.finish_and_clear();
                    }
                }
            }
        })
        .await;
        bar.finish_and_clear();
        Ok((plan, unpacked?))
    })?;
    if let Some(path) = &settings.report {
        super::report::write(path, &plan.install, &target.interpreter, &source, &runtime)?;
    }
    let extra: Vec<&InstalledDist> = if exact {
        let wanted: HashSet<&PackageName> = plan
            .install
            .iter()
            .chain(&plan.satisfied)
            .map(|p| &p.name)
            .collect();
        installed
            .iter()
            .filter(|dist| !wanted.contains(&dist.name))
            .filter(|dist| !den_venv::SEED_PACKAGES.contains(&dist.name.as_ref()))
            .collect()
    } else {
        Vec::new()
    };
    let changed = Outcome {
        changed: !extra.is_empty() || !plan.install.is_empty(),
    };
    if settings.dry_run {
        if !extra.is_empty() {
            let names: Vec<String> = extra
                .iter()
                .map(|d| format!("{}-{}", d.name, d.version))
                .collect();
            say(format!("Would uninstall {}", names.join(" ")));
        }
        if !plan.install.is_empty() {
            say(format!("Would install {}", names(&plan.install)));
        }
        return Ok(changed);
    }
    if !changed.changed {
        if exact {
            printer.status("Everything up-to-date");
        } else {
            // pip's lines, found as on the way without a resolution (unless that way was
            // tried and did not hold, as it would not now); the resolution's own choice
            // otherwise (a constraint it had to apply, say).
            let walked = if shortcut {
                None
            } else {
                satisfied_lines(&spec, &target_python.markers, &installed)
            };
            match walked {
                Some(lines) => lines.into_iter().for_each(say),
                None => {
                    for package in plan.satisfied.iter().filter(|p| p.requested) {
                        say(format!(
                            "Requirement already satisfied: {}=={}",
                            package.name, package.version
                        ));
                    }
                }
            }
        }
        return Ok(unchanged);
    }
    {
        let _critical = CriticalSection::enter();
        for dist in extra {
            super::uninstall::remove(dist, printer)?;
        }
    }
    if !plan.install.is_empty() {
        // What the resolution read (every project page's files, their metadata) is freed on
        // another thread while the files are placed: on the main thread it took ~20 ms after
        // the last file of a warm jupyter install. Joined before returning, as the source's
        // temporary directories go with it.
        let freeing = std::thread::spawn(move || drop(source));
        let installed = install_all(
            target,
            settings.install_root.as_deref(),
            settings.installer,
            &plan.install,
            &unpacked,
            &locked_releases,
            printer,
        );
        let _ = freeing.join();
        installed?;
        say(format!("Successfully installed {}", names(&plan.install)));
    }
    Ok(changed)
}

/// Clones the editable git requirements of `spec` into the source directory
/// ([`den_prepare::check_out_editables`]) and says where on `-v`.
///
/// Errors: the working directory is gone (for pip's default outside a virtual environment),
/// and those of cloning.
fn check_out_editables(
    spec: &mut den_requirements::RequirementsSpec,
    target: &Target,
    settings: &InstallSettings,
    cache: &Cache,
) -> anyhow::Result<()> {
    // Nothing to clone without an editable requirement (and no directory to find).
    if spec.editables.is_empty() {
        return Ok(());
    }
    let src = match &settings.src_dir {
        Some(dir) => std::path::absolute(dir)
            .with_context(|| format!("cannot find --src {}", dir.display()))?,
        None if target.interpreter.is_virtualenv() => target.interpreter.prefix.join("src"),
        None => std::env::current_dir()
            .context("the working directory can no longer be found")?
            .join("src"),
    };
    for checkout in den_prepare::check_out_editables(spec, cache, &src, &settings.exists_action)? {
        let (url, dir, commit) = (&checkout.url, checkout.dir.display(), &checkout.commit);
        let at = format!("at commit {commit}");
        let done = match checkout.done {
            den_prepare::SourceCheckout::Cloned => format!("cloned {url} to {dir} {at}"),
            den_prepare::SourceCheckout::Updated => format!("updated {dir} from {url} {at}"),
            den_prepare::SourceCheckout::UpToDate => {
                format!("{dir} is up to date with {url} {at}")
            }
            den_prepare::SourceCheckout::Switched => format!("switched {dir} to {url} {at}"),
            den_prepare::SourceCheckout::Ignored => {
                format!("left {dir} as it is (--exists-action i), not a clone of {url}")
            }
        };
        tracing::info!("{}: {done}", checkout.name);
    }
    Ok(())
}

/// Installs the complete, pinned requirements.txt `lines` into `target` without resolving
/// dependencies (a lock's or a freeze's pins: the set is whole), as [`install`] does with
/// `settings` (their index, hash and checkout options; the sources and `no_deps` are these).
/// The lines go through a temporary requirements file, so every requirements.txt form
/// (`--hash`, `-e`, URLs) means what it means there.
///
/// Errors: the temporary file cannot be written, and those of [`install`].
pub fn install_pinned_lines(
    target: &Target,
    lines: &[&str],
    settings: InstallSettings,
    cache: &Cache,
    printer: &Printer,
) -> anyhow::Result<Outcome> {
    let mut file = tempfile::Builder::new()
        .prefix("den-pins-")
        .suffix(".txt")
        .tempfile()
        .context("cannot write a temporary requirements file")?;
    let text = lines.join("\n") + "\n";
    std::io::Write::write_all(&mut file, text.as_bytes())
        .context("cannot write a temporary requirements file")?;
    let settings = InstallSettings {
        sources: vec![RequirementsSource::RequirementsFile(
            file.path().to_path_buf(),
        )],
        no_deps: true,
        ..settings
    };
    install(target, &settings, cache, printer)
}

/// pip's "Requirement already satisfied" lines when `installed` satisfies every requirement
/// of `spec`, their dependencies (under `markers`) and its constraints
/// ([`den_install::satisfied_by_installed`]); `None` when it does not.
fn satisfied_lines(
    spec: &RequirementsSpec,
    markers: &den_dist::MarkerEnvironment,
    installed: &[den_install::InstalledDist],
) -> Option<Vec<String>> {
    let comes_from = pip_comes_from(spec);
    let lines = den_install::satisfied_by_installed(
        &requested(spec, &comes_from),
        &spec.constraints,
        markers,
        installed,
    )?;
    let cwd = std::env::current_dir().ok();
    Some(
        lines
            .iter()
            .map(|line| line.message(cwd.as_deref()))
            .collect(),
    )
}

/// pip's `comes_from` of each of `spec`'s requirements: `-r FILE (line N)` for a
/// requirements file's line, `None` otherwise (the command line).
fn pip_comes_from(spec: &RequirementsSpec) -> Vec<Option<String>> {
    spec.requirement_sources
        .iter()
        .map(|(origin, _)| match origin {
            RequirementOrigin::File { file, line } => {
                Some(format!("-r {} (line {line})", file.display()))
            }
            _ => None,
        })
        .collect()
}

/// `spec`'s requirements as [`den_install::satisfied_by_installed`] takes them, with their
/// text as written and `comes_from` ([`pip_comes_from`]) when `spec` knows them.
fn requested<'s>(
    spec: &'s RequirementsSpec,
    comes_from: &'s [Option<String>],
) -> Vec<den_install::Requested<'s>> {
    spec.requirements
        .iter()
        .enumerate()
        .map(|(at, requirement)| den_install::Requested {
            requirement,
            written: spec
                .requirement_sources
                .get(at)
                .and_then(|(_, written)| written.as_deref()),
            comes_from: comes_from.get(at).and_then(Option::as_deref),
        })
        .collect()
}

/// What the planner needs to know of a resolved package: a direct reference (a local project
/// or URL) is always reinstalled, as pip does, except a release's file a lock lists
/// (`locked_releases`): the version installed already satisfies it.
fn chosen<'a>(package: &'a ResolvedPackage, locked_releases: &HashSet<PackageName>) -> Chosen<'a> {
    Chosen {
        name: &package.name,
        version: &package.version,
        direct: package.url.is_some() && !locked_releases.contains(&package.name),
    }
}

/// Warns about each yanked file to install (PEP 592: used only because a requirement pins
/// that version exactly), with the index's reason, as pip does.
fn warn_yanked(install: &[ResolvedPackage], printer: &Printer) {
    for package in install {
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

/// `name-version` of each package, space-separated (pip's summary).
fn names(packages: &[ResolvedPackage]) -> String {
    packages
        .iter()
        .map(|p| format!("{}-{}", p.name, p.version))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Installs every planned distribution (below `root` when given: pip's `--root`), in
/// parallel, inside a critical section: a signal stops den after the distributions in hand,
/// never in the middle of one.
fn install_all(
    target: &Target,
    root: Option<&std::path::Path>,
    placement: InstallerSettings,
    packages: &[ResolvedPackage],
    unpacked: &[UnpackedWheel],
    locked_releases: &HashSet<PackageName>,
    printer: &Printer,
) -> anyhow::Result<()> {
    let mut install_target = target.install_target();
    if let Some(root) = root {
        install_target.scheme = install_target.scheme.rerooted(root);
    }
    let jobs: Vec<(&ResolvedPackage, &UnpackedWheel)> = packages.iter().zip(unpacked).collect();
    let _critical = CriticalSection::enter();
    let done = AtomicUsize::new(0);
    let result = parallel(printer, "Installing", &jobs, |(package, wheel)| {
        if interrupt::interrupted() {
            return Ok(Vec::new());
        }
        let options = InstallOptions {
            requested: package.requested,
            link_mode: placement.link_mode,
            // A lock's release file is installed as from an index (PEP 751).
            direct_url: package
                .file
                .direct_url()
                .filter(|_| !locked_releases.contains(&package.name)),
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
