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
use den_dist::{ExtraName, HashDigest, Hasher, PackageName, Requirement, VersionOrUrl};
use den_index::{IndexClient, IndexConfig, IndexFile};
use den_install::{InstallOptions, InstallTarget, InstalledDist, UnpackedWheel};
use den_requirements::{RequirementEntry, RequirementOrigin};
use den_resolve::ResolveRequest;
use futures::{StreamExt, TryStreamExt};

use crate::cli::InstallArgs;
use crate::interrupt::{self, CriticalSection};
use crate::printer::Printer;
use crate::target::{self, Access, Target};

/// A resolved distribution, with the index file chosen for it.
type ResolvedPackage = den_resolve::ResolvedPackage<IndexFile>;

/// How many downloads run at once.
const CONCURRENT_DOWNLOADS: usize = 16;

/// Runs `den pip install`.
pub fn run(args: &InstallArgs, cache: &Cache, printer: &Printer) -> anyhow::Result<ExitCode> {
    let target = target::find(&args.target, cache, Access::Change)?;
    install_into(&target, args, cache, printer)
}

/// Installs what `args` asks for into `target` (`args.target` is not looked at).
pub fn install_into(
    target: &Target,
    args: &InstallArgs,
    cache: &Cache,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    let inputs = collect_requirements(args)?;
    if inputs.requirements.is_empty() {
        bail!("you must give at least one requirement to install (see `den pip install --help`)");
    }
    let hash_mode = args.require_hashes || !inputs.hashes.is_empty();
    let _lock = target.lock(cache)?;
    let installed = den_install::installed_distributions(&target.site_packages())?;
    // pip's shortcut: when what is installed already satisfies every requirement, its
    // dependencies and the constraints, nothing needs the index.
    if !args.upgrade
        && !hash_mode
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
    let index_url = args.index_url.as_deref().or(inputs.index_url.as_deref());
    let mut extra_index_urls = args.extra_index_url.clone();
    extra_index_urls.extend(inputs.extra_index_urls.iter().cloned());
    let config = IndexConfig::from_env(index_url, &extra_index_urls)?;
    let client = IndexClient::new(config, cache.clone())?;
    let requested: Vec<PackageName> = inputs.requirements.iter().map(|r| r.name.clone()).collect();
    // pip's only-if-needed upgrade strategy: named packages may move, everything installed
    // stays where it is unless a requirement forces it to change.
    let preferences = installed
        .iter()
        .filter(|dist| !(args.upgrade && requested.contains(&dist.name)))
        .map(|dist| (dist.name.clone(), dist.version.clone()))
        .collect();
    let request = ResolveRequest {
        requirements: inputs.requirements,
        constraints: inputs.constraints,
        markers: target.interpreter.markers.clone(),
        tags: target.interpreter.tags.clone(),
        python_version: target.interpreter.version.clone(),
        prereleases: args.pre || inputs.pre,
        preferences,
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let (plan, downloads) = runtime.block_on(async {
        let spinner = printer.progress(0, "Resolving");
        let resolution = den_resolve::resolve(Arc::new(client.clone()), request).await;
        spinner.finish_and_clear();
        let plan = Plan::new(resolution?.packages, &installed);
        if hash_mode {
            check_hashes_present(&plan.install, &inputs.hashes)?;
        }
        let bar = printer.progress(plan.install.len() as u64, "Downloading");
        let downloads: Vec<PathBuf> = futures::stream::iter(plan.install.iter())
            .map(|package| {
                let (client, bar) = (&client, &bar);
                async move {
                    let path = client.download(&package.file).await?;
                    bar.inc(1);
                    anyhow::Ok(path)
                }
            })
            .buffered(CONCURRENT_DOWNLOADS)
            .try_collect()
            .await?;
        bar.finish_and_clear();
        anyhow::Ok((plan, downloads))
    })?;

    if plan.install.is_empty() {
        for package in plan.satisfied.iter().filter(|p| p.requested) {
            printer.status(format!(
                "Requirement already satisfied: {}=={}",
                package.name, package.version
            ));
        }
        return Ok(ExitCode::SUCCESS);
    }
    if hash_mode {
        for (package, path) in plan.install.iter().zip(&downloads) {
            check_hash(package, path, &inputs.hashes)?;
        }
    }
    let unpacked = parallel(printer, "Preparing", &downloads, |wheel| {
        den_install::unpack_wheel(cache, wheel)
            .with_context(|| format!("cannot use {}", wheel.display()))
    })?;
    install_all(target, args, &plan, &unpacked, printer)?;
    let names: Vec<String> = plan
        .install
        .iter()
        .map(|p| format!("{}-{}", p.name, p.version))
        .collect();
    printer.status(format!("Successfully installed {}", names.join(" ")));
    Ok(ExitCode::SUCCESS)
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

/// Requirements, constraints, hashes and index options from the command line and `-r` / `-c`
/// files.
#[derive(Default)]
struct Inputs {
    requirements: Vec<Requirement>,
    constraints: Vec<Requirement>,
    /// `--hash` options by project, with the line that gave them.
    hashes: HashMap<PackageName, (Vec<HashDigest>, RequirementOrigin)>,
    index_url: Option<String>,
    extra_index_urls: Vec<String>,
    pre: bool,
}

impl Inputs {
    /// Adds requirements-file entries as requirements, or as constraints when
    /// `into_constraints`, keeping their `--hash` options.
    fn take(&mut self, entries: Vec<RequirementEntry>, into_constraints: bool) {
        for entry in entries {
            if !entry.hashes.is_empty() {
                self.hashes
                    .insert(entry.requirement.name.clone(), (entry.hashes, entry.origin));
            }
            if into_constraints {
                self.constraints.push(entry.requirement);
            } else {
                self.requirements.push(entry.requirement);
            }
        }
    }
}

fn collect_requirements(args: &InstallArgs) -> anyhow::Result<Inputs> {
    let mut inputs = Inputs::default();
    for arg in &args.requirements {
        inputs
            .requirements
            .push(den_requirements::parse_requirement_arg(arg)?);
    }
    for path in &args.requirement_files {
        let file = den_requirements::parse_requirements_file(path)?;
        inputs.take(file.requirements, false);
        inputs.take(file.constraints, true);
        inputs.index_url = inputs.index_url.or(file.index_url);
        inputs.extra_index_urls.extend(file.extra_index_urls);
        inputs.pre |= file.pre;
    }
    for path in &args.constraint_files {
        let file = den_requirements::parse_requirements_file(path)?;
        inputs.take(file.requirements, true);
        inputs.take(file.constraints, true);
    }
    Ok(inputs)
}

/// Hash-checking mode (pip's `--require-hashes`, on automatically when any line has a
/// `--hash`): every distribution to install needs hashes. Checked before anything downloads.
fn check_hashes_present(
    install: &[ResolvedPackage],
    hashes: &HashMap<PackageName, (Vec<HashDigest>, RequirementOrigin)>,
) -> anyhow::Result<()> {
    let missing: Vec<String> = install
        .iter()
        .filter(|p| !hashes.contains_key(&p.name))
        .map(|p| format!("{}=={}", p.name, p.version))
        .collect();
    if !missing.is_empty() {
        bail!(
            "hash-checking mode is on (a requirement has --hash, or --require-hashes was given), \
             but these distributions to install have no --hash: {}. Pin each with == and add \
             its hashes to the requirements file",
            missing.join(", ")
        );
    }
    Ok(())
}

/// Checks a downloaded file against the `--hash` options of its requirement line.
fn check_hash(
    package: &ResolvedPackage,
    path: &Path,
    hashes: &HashMap<PackageName, (Vec<HashDigest>, RequirementOrigin)>,
) -> anyhow::Result<()> {
    let Some((expected, origin)) = hashes.get(&package.name) else {
        return Ok(());
    };
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut actual = Vec::new();
    for algorithm in expected.iter().map(|d| d.algorithm) {
        let mut hasher = Hasher::new(algorithm);
        hasher.update(&bytes);
        let digest = hasher.finalize();
        if expected.contains(&digest) {
            return Ok(());
        }
        actual.push(digest.to_string());
    }
    actual.dedup();
    bail!(
        "hash mismatch for {} (from {origin}): the file has {}, but the requirement allows only {}. \
         Nothing was installed. If the new file is legitimate, update the --hash in {}",
        package.file.raw_filename,
        actual.join(", "),
        expected
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        origin.file.display()
    )
}

/// What to change: packages to install (new, or replacing another installed version, which
/// den-install swaps in one transaction) and those already satisfied.
struct Plan {
    install: Vec<ResolvedPackage>,
    satisfied: Vec<ResolvedPackage>,
}

impl Plan {
    fn new(packages: Vec<ResolvedPackage>, installed: &[InstalledDist]) -> Self {
        let by_name: HashMap<&PackageName, &InstalledDist> =
            installed.iter().map(|d| (&d.name, d)).collect();
        let (satisfied, install) = packages.into_iter().partition(|package| {
            by_name
                .get(&package.name)
                .is_some_and(|d| d.version == package.version)
        });
        Plan { install, satisfied }
    }
}

/// Installs every planned distribution, in parallel, inside a critical section: a signal stops
/// den after the distributions in hand, never in the middle of one.
fn install_all(
    target: &Target,
    args: &InstallArgs,
    plan: &Plan,
    unpacked: &[UnpackedWheel],
    printer: &Printer,
) -> anyhow::Result<()> {
    let install_target = InstallTarget {
        scheme: target.scheme(),
        python: target.interpreter.executable.clone(),
        python_version: target.interpreter.major_minor,
    };
    let jobs: Vec<(&ResolvedPackage, &UnpackedWheel)> = plan.install.iter().zip(unpacked).collect();
    let _critical = CriticalSection::enter();
    let done = AtomicUsize::new(0);
    let result = parallel(printer, "Installing", &jobs, |(package, wheel)| {
        if interrupt::interrupted() {
            return Ok(Vec::new());
        }
        let options = InstallOptions {
            requested: package.requested,
            link_mode: args.link_mode.into(),
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
fn parallel<T: Sync, R: Send>(
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
