//! The steps the operations share: gathering a [`RequirementsSpec`] from its sources and the
//! command line's options, configuring the index and the build frontend from it, naming
//! unnamed requirements, and resolving.

use std::sync::Arc;

use anyhow::{Context, anyhow, bail};
use den_cache::Cache;
use den_dist::{PackageName, Requirement};
use den_index::IndexClient;
use den_python::{Interpreter, TargetPython};
use den_requirements::{RequirementsSource, RequirementsSpec};
use den_resolve::ResolveRequest;

use den_prepare::{DenSource, HashChecks};

use super::settings::{ResolverSettings, binary_policy};
use crate::printer::Printer;

/// A resolved distribution, with the file or reference chosen for it.
pub type ResolvedPackage = den_prepare::ResolvedDist;

/// The requirements `sources` ask for, with the command line's options from `settings`
/// added: its index and binary options first (its index URL wins over a file's), and its
/// `--pre` and `--require-hashes`.
///
/// Errors: a source den cannot read.
pub fn spec(
    sources: &[RequirementsSource],
    settings: &ResolverSettings,
) -> anyhow::Result<RequirementsSpec> {
    let scripts = sources
        .iter()
        .filter(|source| matches!(source, RequirementsSource::ScriptFile(_)))
        .count();
    if scripts > 1 {
        bail!("--requirements-from-script can only be given once");
    }
    // Refused now, as pip refuses it before it does anything.
    settings.releases(false)?;
    if settings.require_hashes && settings.no_require_hashes {
        bail!("--require-hashes and --no-require-hashes are mutually exclusive");
    }
    let mut spec = RequirementsSpec::from_sources(sources)?;
    let mut index = settings.index.options.clone();
    index.extend(std::mem::take(&mut spec.index));
    spec.index = index;
    let mut binary = settings.build.binary.clone();
    binary.extend(std::mem::take(&mut spec.binary));
    spec.binary = binary;
    spec.pre |= settings.pre;
    spec.require_hashes |= settings.require_hashes;
    // pip's --no-require-hashes: `--hash` lines alone do not turn the mode on.
    spec.hash_options &= !settings.no_require_hashes;
    Ok(spec)
}

/// Refuses, as pip does, to install for Python `version` what a script asks for when its
/// PEP 723 `requires-python` excludes that version (unless `--ignore-requires-python`).
///
/// Errors: pip's message, naming the script, the version and the specifiers; a
/// `requires-python` that is not a specifier set.
pub fn check_script_python(
    spec: &RequirementsSpec,
    version: &den_dist::Version,
    settings: &ResolverSettings,
) -> anyhow::Result<()> {
    if settings.ignore_requires_python {
        return Ok(());
    }
    for (script, requires) in &spec.script_requires_python {
        let specifiers: den_dist::VersionSpecifiers = requires.parse().map_err(|err| {
            anyhow!(
                "{}: `requires-python = {requires:?}` is not a version specifier set: {err}",
                script.display()
            )
        })?;
        if !specifiers.contains(version) {
            bail!(
                "Script {:?} requires a different Python: {version} not in {requires:?}",
                script.display().to_string()
            );
        }
    }
    Ok(())
}

/// Refuses a lock file among the sources of an operation that resolves (compile, lock,
/// download): a pylock.toml is installed as it is, never resolved again.
///
/// Errors: `spec` read a lock file, named.
pub fn refuse_locks(spec: &RequirementsSpec) -> anyhow::Result<()> {
    if let Some((file, ..)) = spec.locks.first() {
        anyhow::bail!(
            "{} is a lock file: install it with `den pip install -r {0}` or `den pip sync {0}`; \
             it is not an input to resolve",
            file.display()
        );
    }
    Ok(())
}

/// The source (index client and build frontend) `spec` and `settings` describe, building for
/// `interpreter`; its downloads are drawn as progress bars on `printer`'s terminal.
///
/// Errors: bad index configuration, a `--build-constraint` file that cannot be read.
pub fn source(
    spec: &RequirementsSpec,
    settings: &ResolverSettings,
    cache: &Cache,
    interpreter: &Interpreter,
    printer: &Printer,
) -> anyhow::Result<DenSource> {
    let build_constraints = build_constraints(settings)?;
    constrained_source(
        spec,
        settings,
        build_constraints,
        cache,
        interpreter,
        printer,
    )
}

/// The constraints of `settings`' `--build-constraint` files, read as pip reads them before
/// it does anything else.
///
/// Errors: a file that cannot be read or parsed, naming it.
pub fn build_constraints(settings: &ResolverSettings) -> anyhow::Result<Vec<Requirement>> {
    let files: Vec<RequirementsSource> = settings
        .build
        .build_constraints
        .iter()
        .cloned()
        .map(RequirementsSource::ConstraintsFile)
        .collect();
    Ok(RequirementsSpec::from_sources(&files)?.constraints)
}

/// [`source`] with the build constraints read already ([`build_constraints`]).
///
/// Errors: bad index configuration.
pub fn constrained_source(
    spec: &RequirementsSpec,
    settings: &ResolverSettings,
    build_constraints: Vec<Requirement>,
    cache: &Cache,
    interpreter: &Interpreter,
    printer: &Printer,
) -> anyhow::Result<DenSource> {
    let client = IndexClient::new(settings.index.config(&spec.index)?, cache.clone())?;
    if let Some(reporter) = printer.download_reporter() {
        client.set_download_reporter(reporter);
    }
    let build = den_prepare::BuildOptions {
        isolation: settings.build.isolation,
        config_settings: settings.build.config_settings.clone(),
    };
    Ok(DenSource::new(
        client,
        cache.clone(),
        interpreter.clone(),
        build,
        build_constraints,
        spec.editables.clone(),
        hash_checks(spec),
    )?)
}

/// What hash-checking mode allows, from `spec`'s hashes.
pub fn hash_checks(spec: &RequirementsSpec) -> HashChecks {
    HashChecks {
        enabled: spec.hash_mode(),
        hashes: spec.hashes.clone(),
    }
}

/// Reads the metadata of every unnamed requirement of `spec` (fetching and, if needed,
/// building it) and adds it as a named URL requirement.
///
/// Errors: fetching or reading one failed.
pub async fn name_unnamed(spec: &mut RequirementsSpec, source: &DenSource) -> anyhow::Result<()> {
    for unnamed in std::mem::take(&mut spec.unnamed) {
        let (_, metadata) = source
            .fetch_direct(&unnamed.url.to_url(), None)
            .await
            .with_context(|| format!("cannot install {}", unnamed.given))?;
        spec.add_requirement(unnamed.named(metadata.name));
    }
    Ok(())
}

/// A resolution request for `spec` for `target`'s markers, tags and version (an
/// interpreter's own: [`TargetPython::of`]), with `settings`' Requires-Python rule (pip's
/// `--ignore-requires-python`) and release control ([`ResolverSettings::releases`], with
/// `spec`'s `--pre`); `every_file` when the hashes of every file of each pin are wanted
/// ([`ResolveRequest::every_file`]).
///
/// Errors: a bad `--no-binary` / `--only-binary`, `--all-releases` or `--only-final` value.
pub fn request(
    spec: &RequirementsSpec,
    settings: &ResolverSettings,
    target: &TargetPython,
    preferences: Vec<(PackageName, den_dist::Version)>,
    no_deps: bool,
    every_file: bool,
) -> anyhow::Result<ResolveRequest> {
    Ok(ResolveRequest {
        requirements: spec.requirements.clone(),
        constraints: spec.constraints.clone(),
        markers: target.markers.clone(),
        tags: target.tags.clone(),
        python_version: target.version.clone(),
        ignore_requires_python: settings.ignore_requires_python,
        releases: settings.releases(spec.pre)?,
        preferences,
        binary: binary_policy(&spec.binary)?,
        no_deps,
        every_file,
    })
}

/// pip's `--only-deps`: `packages` without the projects `spec`'s requirements name, even one
/// another of them depends on.
pub fn drop_requested(spec: &RequirementsSpec, packages: &mut Vec<ResolvedPackage>) {
    packages.retain(|package| !spec.requirements.iter().any(|r| r.name == package.name));
}

/// The async runtime den's network and build work runs on.
///
/// Errors: the runtime cannot start (out of threads).
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Resolves `request` against `source`, with a spinner on a terminal.
///
/// Errors: the resolver's, shown as they are.
pub async fn resolve(
    source: &Arc<DenSource>,
    request: ResolveRequest,
    printer: &Printer,
) -> anyhow::Result<Vec<ResolvedPackage>> {
    let with_extras: Vec<Requirement> = request
        .requirements
        .iter()
        .filter(|requirement| !requirement.extras.is_empty())
        .cloned()
        .collect();
    let spinner = printer.progress(0, "Resolving");
    let resolution = den_resolve::resolve(source.clone(), request).await;
    spinner.finish_and_clear();
    let packages = resolution?.packages;
    warn_unknown_extras(source, &with_extras, &packages, printer).await;
    Ok(packages)
}

/// Warns, as pip does, about each extra a requirement asks for that the chosen distribution
/// does not provide (a typo such as `requests[sockz]` installs nothing extra, silently
/// otherwise). Metadata that cannot be read again is not warned about.
async fn warn_unknown_extras(
    source: &DenSource,
    requirements: &[Requirement],
    packages: &[ResolvedPackage],
    printer: &Printer,
) {
    use den_resolve::PackageSource;
    for requirement in requirements {
        let Some(package) = packages.iter().find(|p| p.name == requirement.name) else {
            continue;
        };
        let Ok(metadata) = source.metadata(&package.name, &package.file).await else {
            continue;
        };
        for extra in &requirement.extras {
            if !metadata.provides_extras.contains(extra) {
                printer.warn(format!(
                    "{} {} does not provide the extra '{extra}'",
                    package.name, package.version
                ));
            }
        }
    }
}
