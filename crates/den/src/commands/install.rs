//! `den pip install`: requirements -> resolution (den-resolve over den-index) -> concurrent
//! downloads into the cache -> parallel unpack and install (den-install) -> pip-style report.
//!
//! Everything that can fail on the network (resolution, downloads, hash checks) happens before
//! the environment is touched, so a failure there leaves it exactly as it was; each
//! distribution is then installed whole or not at all by den-install.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use den_cache::Cache;
use den_dist::{PackageName, Requirement};
use den_index::{IndexClient, IndexConfig, IndexFile};
use den_install::{InstallOptions, InstallTarget, InstalledDist};
use den_requirements::RequirementsFile;
use den_resolve::ResolveRequest;
use futures::{StreamExt, TryStreamExt};

use crate::cli::InstallArgs;
use crate::printer::Printer;
use crate::target::{self, Target};

/// A resolved distribution, with the index file chosen for it.
type ResolvedPackage = den_resolve::ResolvedPackage<IndexFile>;

/// How many downloads run at once.
const CONCURRENT_DOWNLOADS: usize = 16;

/// Runs `den pip install`.
pub fn run(args: &InstallArgs, cache: &Cache, printer: &Printer) -> anyhow::Result<ExitCode> {
    let target = target::find(&args.target, cache)?;
    let inputs = collect_requirements(args)?;
    if inputs.requirements.is_empty() {
        bail!("you must give at least one requirement to install (see `den pip install --help`)");
    }
    let index_url = args.index_url.as_deref().or(inputs.index_url.as_deref());
    let mut extra_index_urls = args.extra_index_url.clone();
    extra_index_urls.extend(inputs.extra_index_urls.iter().cloned());
    let config = IndexConfig::from_env(index_url, &extra_index_urls)?;
    let client = IndexClient::new(config, cache.clone())?;

    let installed = den_install::installed_distributions(&target.site_packages())?;
    let requested: Vec<PackageName> = inputs.requirements.iter().map(|r| r.name.clone()).collect();
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
        upgrade: args.upgrade,
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let plan = runtime.block_on(async {
        let spinner = printer.progress(0, "Resolving");
        let resolution = den_resolve::resolve(Arc::new(client.clone()), request).await;
        spinner.finish_and_clear();
        let resolution = resolution?;
        let plan = Plan::new(resolution.packages, &installed);
        let bar = printer.progress(plan.install.len() as u64, "Downloading");
        let downloads: Vec<_> = futures::stream::iter(plan.install.iter())
            .map(|package| {
                let client = &client;
                let bar = &bar;
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
    });
    let (plan, downloads) = plan?;

    if plan.install.is_empty() {
        for package in plan.satisfied.iter().filter(|p| p.requested) {
            printer.status(format!(
                "Requirement already satisfied: {}=={}",
                package.name, package.version
            ));
        }
        return Ok(ExitCode::SUCCESS);
    }
    install_all(&target, cache, &plan, &downloads, printer)?;
    let names: Vec<String> = plan
        .install
        .iter()
        .map(|p| format!("{}-{}", p.name, p.version))
        .collect();
    printer.status(format!("Successfully installed {}", names.join(" ")));
    Ok(ExitCode::SUCCESS)
}

/// Requirements, constraints and index options from the command line and `-r` / `-c` files.
struct Inputs {
    requirements: Vec<Requirement>,
    constraints: Vec<Requirement>,
    index_url: Option<String>,
    extra_index_urls: Vec<String>,
    pre: bool,
}

fn collect_requirements(args: &InstallArgs) -> anyhow::Result<Inputs> {
    let mut inputs = Inputs {
        requirements: Vec::new(),
        constraints: Vec::new(),
        index_url: None,
        extra_index_urls: Vec::new(),
        pre: false,
    };
    for arg in &args.requirements {
        inputs
            .requirements
            .push(den_requirements::parse_requirement_arg(arg)?);
    }
    for path in &args.requirement_files {
        let file = den_requirements::parse_requirements_file(path)?;
        reject_unsupported(&file)?;
        inputs
            .requirements
            .extend(file.requirements.into_iter().map(|e| e.requirement));
        inputs
            .constraints
            .extend(file.constraints.into_iter().map(|e| e.requirement));
        inputs.index_url = inputs.index_url.or(file.index_url);
        inputs.extra_index_urls.extend(file.extra_index_urls);
        inputs.pre |= file.pre;
    }
    for path in &args.constraint_files {
        let file = den_requirements::parse_requirements_file(path)?;
        reject_unsupported(&file)?;
        inputs.constraints.extend(
            file.requirements
                .into_iter()
                .chain(file.constraints)
                .map(|e| e.requirement),
        );
    }
    Ok(inputs)
}

/// Options that parse but that this release cannot honour yet get an error, not silence.
fn reject_unsupported(file: &RequirementsFile) -> anyhow::Result<()> {
    if file.no_index || !file.find_links.is_empty() {
        bail!(
            "--no-index / --find-links in a requirements file are not supported yet by den; \
             serve the wheels from an index and pass --index-url instead"
        );
    }
    Ok(())
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

/// Unpacks (into the cache) and installs every planned distribution, in parallel threads.
fn install_all(
    target: &Target,
    cache: &Cache,
    plan: &Plan,
    downloads: &[std::path::PathBuf],
    printer: &Printer,
) -> anyhow::Result<()> {
    let install_target = InstallTarget {
        scheme: target.scheme(),
        python: target.interpreter.executable.clone(),
        python_version: target.interpreter.major_minor,
    };
    let bar = printer.progress(plan.install.len() as u64, "Installing");
    let jobs: Vec<(&ResolvedPackage, &std::path::PathBuf)> =
        plan.install.iter().zip(downloads).collect();
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(jobs.len());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<anyhow::Result<()>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| -> anyhow::Result<()> {
                    loop {
                        let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some((package, wheel)) = jobs.get(index) else {
                            return Ok(());
                        };
                        let unpacked = den_install::unpack_wheel(cache, wheel)?;
                        let options = InstallOptions {
                            requested: package.requested,
                            ..InstallOptions::default()
                        };
                        den_install::install_wheel(&unpacked, &install_target, &options)
                            .with_context(|| {
                                format!("cannot install {} {}", package.name, package.version)
                            })?;
                        bar.inc(1);
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("an install thread panicked")))
            })
            .collect()
    });
    bar.finish_and_clear();
    results.into_iter().collect()
}
