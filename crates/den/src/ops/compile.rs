//! `den pip compile`: pins requirements and their dependencies for the interpreter's or a
//! chosen Python version and platform (den-python's `TargetPython`), and writes them with den-requirements' writer in
//! pip-tools' `pip-compile` format.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use den_cache::Cache;
use den_dist::{PackageName, Version, VersionOrUrl};
use den_prepare::Dist;
use den_python::{Interpreter, TargetPython};
use den_requirements::{Header, Pin, Pinned, PinsFile, RequirementsSource};

use super::pipeline;
use super::settings::{ResolverSettings, UpgradeSettings};
use crate::printer::Printer;

/// What `den pip compile` is asked to do.
#[derive(Debug, Clone, Default)]
pub struct CompileSettings {
    /// The input files (requirements files and project files) and constraints files.
    pub sources: Vec<RequirementsSource>,
    /// Index, build and pre-release options.
    pub resolver: ResolverSettings,
    /// Which pins of an existing output file may move.
    pub upgrade: UpgradeSettings,
    /// The file the pins go to: its pins are kept (unless upgraded) and `-r` annotations are
    /// relative to its directory.
    pub output_file: Option<PathBuf>,
    /// Pin the hashes of every file of each pinned version.
    pub generate_hashes: bool,
    /// Resolve for this Python version (`3.12`) instead of the interpreter's.
    pub python_version: Option<String>,
    /// Resolve for this platform (`linux`, a target triple...) instead of the interpreter's.
    pub python_platform: Option<String>,
    /// The command shown in the header comment; no header when `None`.
    pub header: Option<String>,
    /// Write `# via` annotations.
    pub annotate: bool,
    /// What is written: a requirements.txt, or a PEP 751 lock.
    pub format: OutputFormat,
    /// pip's `--no-deps`: resolve the requirements without their dependencies.
    pub no_deps: bool,
    /// pip's `--only-deps`: resolve as usual, then leave out every project the requirements
    /// name (even one another depends on), as pip drops them from its resolution.
    pub only_deps: bool,
}

/// The output of [`compile()`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OutputFormat {
    /// pip-compile's requirements.txt.
    #[default]
    RequirementsTxt,
    /// A PEP 751 `pylock.toml` listing every file of each pinned version (each with its
    /// hash), so an installer picks the wheel for its own interpreter (`den pip compile
    /// --format pylock.toml`).
    PylockAllFiles,
    /// A PEP 751 `pylock.toml` listing only the file chosen for the interpreter, as `pip
    /// lock` writes it (`den pip lock`).
    PylockChosenFile,
}

/// Resolves what `settings` asks for, with `interpreter` building source distributions, and
/// returns the requirements.txt text.
///
/// Errors: no requirements, unreadable sources or pins, a bad target version or platform,
/// resolution, and fetching what `--generate-hashes` needs.
pub fn compile(
    interpreter: &Interpreter,
    settings: &CompileSettings,
    cache: &Cache,
    printer: &Printer,
) -> anyhow::Result<String> {
    let mut spec = pipeline::spec(&settings.sources, &settings.resolver)?;
    pipeline::refuse_locks(&spec)?;
    if spec.is_empty() {
        let inputs: Vec<String> = settings
            .sources
            .iter()
            .filter_map(|source| match source {
                RequirementsSource::RequirementsFile(path)
                | RequirementsSource::ProjectFile { path, .. } => Some(path.display().to_string()),
                _ => None,
            })
            .collect();
        bail!(
            "{} names no requirements: nothing to compile",
            inputs.join(" ")
        );
    }
    let preferences = existing_pins(
        settings.output_file.as_deref(),
        &settings.upgrade,
        settings.format != OutputFormat::RequirementsTxt,
    )?;
    let environment = TargetPython::describe(
        interpreter,
        settings.python_version.as_deref(),
        settings.python_platform.as_deref(),
    )?;
    pipeline::check_script_python(&spec, &environment.version, &settings.resolver)?;
    let source = Arc::new(pipeline::source(
        &spec,
        &settings.resolver,
        cache,
        interpreter,
        printer,
    )?);
    let runtime = pipeline::runtime()?;
    let packages = runtime.block_on(async {
        pipeline::name_unnamed(&mut spec, &source).await?;
        let request = pipeline::request(
            &spec,
            &settings.resolver,
            &environment,
            preferences,
            settings.no_deps,
            settings.generate_hashes || settings.format == OutputFormat::PylockAllFiles,
        )?;
        let mut packages = pipeline::resolve(&source, request, printer).await?;
        if settings.only_deps {
            pipeline::drop_requested(&spec, &mut packages);
        }
        anyhow::Ok(packages)
    })?;
    if settings.format != OutputFormat::RequirementsTxt {
        let all_files = settings.format == OutputFormat::PylockAllFiles;
        let base = settings
            .output_file
            .as_deref()
            .and_then(Path::parent)
            .filter(|dir| !dir.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let base = std::path::absolute(base).context("cannot find the working directory")?;
        let lock =
            runtime.block_on(super::pylock::lock_of(&source, &packages, all_files, &base))?;
        return Ok(lock.to_toml());
    }
    let mut hashes = if settings.generate_hashes {
        runtime.block_on(den_prepare::hashes_of(&source, &packages))?
    } else {
        HashMap::new()
    };
    let pins: Vec<Pin> = packages
        .iter()
        .map(|package| Pin {
            name: package.name.clone(),
            pinned: match (&package.url, &package.file) {
                (Some(_), Dist::Direct(direct)) if direct.is_editable() => {
                    Pinned::Editable(direct.url.to_string())
                }
                // An editable git requirement, as pip-compile writes it: as given.
                (Some(url), _) if spec.editables.contains(&url.to_url().to_string()) => {
                    Pinned::Editable(url.given().unwrap_or(url.as_str()).to_string())
                }
                (Some(url), _) => Pinned::Url(url.to_url().to_string()),
                _ => Pinned::Version(package.version.clone()),
            },
            extras: package.extras.iter().map(ToString::to_string).collect(),
            hashes: hashes.remove(&package.name).unwrap_or_default(),
            dependencies: package.dependencies.clone(),
            project_file: package
                .url
                .as_ref()
                .and_then(|url| url.to_url().to_file_path().ok())
                .and_then(|dir| spec.project_at(&dir))
                .map(|project| project.file_name.clone()),
        })
        .collect();
    let written_index = written_index_options(&spec.index, &settings.resolver)?;
    Ok(PinsFile {
        header: settings.header.clone().map(|command| Header {
            python: format!(
                "{}.{}",
                environment.major_minor.0, environment.major_minor.1
            ),
            command,
        }),
        index: &written_index,
        annotate: settings.annotate,
        output_file: settings.output_file.as_deref(),
        requested_from: &spec.requested_from,
        constrained_from: &spec.constrained_from,
        pins: &pins,
    }
    .render())
}

/// The index options the output carries so `pip install -r` finds the pins: the command
/// line's and the input files' (`spec`), plus the find-links and extra index URLs that come
/// from pip's environment variables and configuration files (`PIP_FIND_LINKS`,
/// `PIP_EXTRA_INDEX_URL`, pip.conf), as pip-compile writes what pip's options hold.
///
/// Errors: pip's configuration cannot be read.
fn written_index_options(
    spec: &den_requirements::IndexOptions,
    resolver: &super::settings::ResolverSettings,
) -> anyhow::Result<den_requirements::IndexOptions> {
    let config = resolver.index.config(spec)?;
    let mut written = spec.clone();
    for link in config.find_links {
        if !written.find_links.contains(&link) {
            written.find_links.push(link);
        }
    }
    let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
    for url in config.extra_index_urls {
        let url = url.to_string();
        if !written
            .extra_index_urls
            .iter()
            .any(|given| same(given, &url))
        {
            written.extra_index_urls.push(url);
        }
    }
    Ok(written)
}

/// The pins of an existing output file at `path` (a requirements.txt, or with `lock` a
/// pylock.toml), kept unless `upgrade` lets them move (pip-compile's behaviour).
///
/// Errors: the file exists but cannot be read.
fn existing_pins(
    path: Option<&Path>,
    upgrade: &UpgradeSettings,
    lock: bool,
) -> anyhow::Result<Vec<(PackageName, Version)>> {
    let Some(path) = path.filter(|p| p.is_file()) else {
        return Ok(Vec::new());
    };
    if upgrade.all {
        return Ok(Vec::new());
    }
    if lock {
        let lock = den_requirements::pylock::Pylock::read(path)
            .with_context(|| format!("cannot read the existing pins in {}", path.display()))?;
        return Ok(lock
            .packages
            .into_iter()
            .filter(|package| !upgrade.packages.contains(&package.name))
            .filter_map(|package| Some((package.name, package.version?)))
            .collect());
    }
    let file = den_requirements::parse_requirements_file(path)
        .with_context(|| format!("cannot read the existing pins in {}", path.display()))?;
    Ok(file
        .requirements
        .into_iter()
        .filter(|entry| !upgrade.packages.contains(&entry.requirement.name))
        .filter_map(|entry| {
            let Some(VersionOrUrl::VersionSpecifier(specifiers)) =
                &entry.requirement.version_or_url
            else {
                return None;
            };
            let [only] = &specifiers[..] else {
                return None;
            };
            (only.operator() == &den_dist::Operator::Equal)
                .then(|| (entry.requirement.name.clone(), only.version().clone()))
        })
        .collect())
}
