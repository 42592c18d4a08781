//! The steps `den pip install`, `sync` and `compile` share: reading requirements (command line
//! and requirements files, with their options), configuring the index and the build frontend
//! from them, naming unnamed requirements, and resolving.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use den_cache::Cache;
use den_dist::{PackageName, Requirement};
use den_index::{CachePolicy, IndexClient, IndexConfig};
use den_python::Interpreter;
use den_requirements::{
    ParsedRequirement, RequirementEntry, RequirementOrigin, RequirementsFile, UnnamedRequirement,
};
use den_resolve::{BinaryPolicy, NameSelection, ResolveRequest};

use den_prepare::{Allowed, DenSource, HashChecks};

use crate::cli::{BuildArgs, IndexArgs, RequirementArgs};
use crate::printer::Printer;

/// A resolved distribution, with the file or reference chosen for it.
pub type ResolvedPackage = den_prepare::ResolvedDist;

/// Everything the command line and the requirements files ask for.
#[derive(Debug, Default)]
pub struct Inputs {
    /// Requirements with a name (URL requirements included).
    pub requirements: Vec<Requirement>,
    /// Paths and URLs whose project name is known only from their metadata.
    pub unnamed: Vec<UnnamedRequirement>,
    /// Constraints (`-c`).
    pub constraints: Vec<Requirement>,
    /// `--hash` options, by project and by URL.
    pub hashes: HashChecks,
    /// URLs of editable requirements (`-e`).
    pub editables: Vec<String>,
    /// Index options: the command line's, with the requirements files' added.
    pub index: IndexArgs,
    /// Build options: the command line's, with the requirements files' added.
    pub build: BuildArgs,
    /// `--pre` anywhere.
    pub pre: bool,
    /// `--require-hashes` anywhere.
    pub require_hashes: bool,
    /// The files that name each requirement (for `# via -r FILE` annotations).
    pub requested_from: HashMap<PackageName, BTreeSet<PathBuf>>,
}

impl Inputs {
    /// Starts from the command line's options.
    pub fn new(index: &IndexArgs, build: &BuildArgs, pre: bool, require_hashes: bool) -> Self {
        Self {
            index: index.clone(),
            build: build.clone(),
            pre,
            require_hashes,
            ..Self::default()
        }
    }

    /// What the command line asks for: `requirements` and `-e` values, then the `-r` and `-c`
    /// files with their options.
    ///
    /// Errors: a requirement or file den cannot read.
    pub fn from_args(
        requirements: &[String],
        editables: &[String],
        args: &RequirementArgs,
    ) -> anyhow::Result<Self> {
        let mut inputs = Self::new(&args.index, &args.build, args.pre, args.require_hashes);
        inputs.add_args(requirements, false)?;
        inputs.add_args(editables, true)?;
        for path in &args.requirement_files {
            inputs.add_file(path, false)?;
        }
        for path in &args.constraint_files {
            inputs.add_file(path, true)?;
        }
        Ok(inputs)
    }

    /// Adds command-line requirements (`editable` for `-e` values).
    ///
    /// Errors: a requirement den cannot read.
    pub fn add_args(&mut self, args: &[String], editable: bool) -> anyhow::Result<()> {
        for arg in args {
            match den_requirements::parse_requirement_arg(arg, editable)? {
                ParsedRequirement::Named(entry) => self.add_entry(entry, false),
                ParsedRequirement::Unnamed(unnamed) => self.add_unnamed(unnamed),
            }
        }
        Ok(())
    }

    /// Adds a requirements file: its requirements (or, with `as_constraints`, everything in
    /// it as constraints) and its options.
    ///
    /// Errors: the file cannot be read or has a line den cannot use.
    pub fn add_file(&mut self, path: &std::path::Path, as_constraints: bool) -> anyhow::Result<()> {
        let file = den_requirements::parse_requirements_file(path)?;
        let RequirementsFile {
            requirements,
            unnamed,
            constraints,
            index_url,
            extra_index_urls,
            no_index,
            find_links,
            trusted_hosts,
            only_binary,
            no_binary,
            prefer_binary,
            require_hashes,
            pre,
        } = file;
        for entry in requirements {
            self.add_entry(entry, as_constraints);
        }
        for entry in constraints {
            self.add_entry(entry, true);
        }
        if as_constraints {
            return Ok(());
        }
        for unnamed in unnamed {
            self.add_unnamed(unnamed);
        }
        // The command line's --index-url wins over a file's, as in pip.
        self.index.index_url = self.index.index_url.take().or(index_url);
        self.index.extra_index_url.extend(extra_index_urls);
        self.index.no_index |= no_index;
        self.index.find_links.extend(find_links);
        self.index.trusted_host.extend(trusted_hosts);
        self.build.only_binary.extend(only_binary);
        self.build.no_binary.extend(no_binary);
        self.build.prefer_binary |= prefer_binary;
        self.require_hashes |= require_hashes;
        self.pre |= pre;
        Ok(())
    }

    fn add_entry(&mut self, entry: RequirementEntry, as_constraint: bool) {
        if !entry.hashes.is_empty() {
            // A project's hashes from several lines (a requirement and a constraint) add up,
            // as in pip.
            let allowed = (entry.hashes, entry.origin.clone());
            if let Some(den_dist::VersionOrUrl::Url(url)) = &entry.requirement.version_or_url {
                merge(
                    &mut self.hashes.by_url,
                    url.to_url().to_string(),
                    allowed.clone(),
                );
            }
            merge(
                &mut self.hashes.by_name,
                entry.requirement.name.clone(),
                allowed,
            );
        }
        if as_constraint {
            self.constraints.push(entry.requirement);
            return;
        }
        if let RequirementOrigin::File { file, .. } = &entry.origin {
            self.requested_from
                .entry(entry.requirement.name.clone())
                .or_default()
                .insert(file.clone());
        }
        if entry.editable
            && let Some(den_dist::VersionOrUrl::Url(url)) = &entry.requirement.version_or_url
        {
            self.editables.push(url.to_url().to_string());
        }
        self.requirements.push(entry.requirement);
    }

    fn add_unnamed(&mut self, unnamed: UnnamedRequirement) {
        if !unnamed.hashes.is_empty() {
            let allowed = (unnamed.hashes.clone(), unnamed.origin.clone());
            merge(
                &mut self.hashes.by_url,
                unnamed.url.to_url().to_string(),
                allowed,
            );
        }
        if unnamed.editable {
            self.editables.push(unnamed.url.to_url().to_string());
        }
        self.unnamed.push(unnamed);
    }

    /// Whether pip's hash-checking mode is on: `--require-hashes`, or any `--hash`.
    pub fn hash_mode(&self) -> bool {
        self.require_hashes || !self.hashes.by_name.is_empty() || !self.hashes.by_url.is_empty()
    }

    /// In hash-checking mode, every named requirement must be pinned to one version with `==`
    /// or `===` (or be a URL), as pip requires: a range could pick a file no --hash covers.
    ///
    /// Errors: the unpinned requirements, named.
    pub fn check_pinned(&self) -> anyhow::Result<()> {
        if !self.hash_mode() {
            return Ok(());
        }
        let unpinned: Vec<String> = self
            .requirements
            .iter()
            .filter(|requirement| match &requirement.version_or_url {
                Some(den_dist::VersionOrUrl::Url(_)) => false,
                Some(den_dist::VersionOrUrl::VersionSpecifier(specifiers)) => !matches!(
                    &specifiers[..],
                    [only] if matches!(
                        only.operator(),
                        den_dist::Operator::Equal | den_dist::Operator::ExactEqual
                    )
                ),
                None => true,
            })
            .map(ToString::to_string)
            .collect();
        if !unpinned.is_empty() {
            anyhow::bail!(
                "hash-checking mode is on, so every requirement must be pinned with == (or be a \
                 URL) and carry its --hash options; these are not pinned: {}",
                unpinned.join(", ")
            );
        }
        Ok(())
    }

    /// Whether nothing at all was asked for.
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty() && self.unnamed.is_empty()
    }

    /// The index configuration: pip's environment and config files, then these options.
    ///
    /// Errors: an index URL or configuration value den cannot use.
    pub fn index_config(&self) -> anyhow::Result<IndexConfig> {
        let mut config =
            IndexConfig::from_env(self.index.index_url.as_deref(), &self.index.extra_index_url)?;
        config
            .find_links
            .extend(self.index.find_links.iter().cloned());
        config.no_index |= self.index.no_index;
        config
            .trusted_hosts
            .extend(self.index.trusted_host.iter().cloned());
        config.cache_policy = if self.index.offline {
            CachePolicy::Offline
        } else if self.index.refresh {
            CachePolicy::Refresh
        } else {
            config.cache_policy
        };
        Ok(config)
    }

    /// `--no-binary` / `--only-binary` / `--prefer-binary`.
    ///
    /// Errors: a value that is not a project name, `:all:` or `:none:`.
    pub fn binary_policy(&self) -> anyhow::Result<BinaryPolicy> {
        Ok(BinaryPolicy {
            no_binary: NameSelection::parse(&self.build.no_binary)
                .context("invalid --no-binary value")?,
            only_binary: NameSelection::parse(&self.build.only_binary)
                .context("invalid --only-binary value")?,
            prefer_binary: self.build.prefer_binary,
        })
    }

    /// The source (index client and build frontend) these options describe, building for
    /// `interpreter`.
    ///
    /// Errors: bad index configuration.
    pub fn source(&self, cache: &Cache, interpreter: &Interpreter) -> anyhow::Result<DenSource> {
        let client = IndexClient::new(self.index_config()?, cache.clone())?;
        let build = den_prepare::BuildOptions {
            isolation: !self.build.no_build_isolation,
        };
        let hashes = HashChecks {
            enabled: self.hash_mode(),
            ..self.hashes.clone()
        };
        Ok(DenSource::new(
            client,
            cache.clone(),
            interpreter.clone(),
            build,
            self.editables.clone(),
            hashes,
        )?)
    }

    /// Reads the metadata of every unnamed requirement (fetching and, if needed, building it)
    /// and adds it as a named URL requirement.
    ///
    /// Errors: fetching or reading one failed.
    pub async fn name_unnamed(&mut self, source: &DenSource) -> anyhow::Result<()> {
        for unnamed in std::mem::take(&mut self.unnamed) {
            let (_, metadata) = source
                .fetch_direct(&unnamed.url.to_url(), None)
                .await
                .with_context(|| format!("cannot install {}", unnamed.given))?;
            self.add_entry(unnamed.named(metadata.name), false);
        }
        Ok(())
    }

    /// A resolution request for `interpreter`'s markers and tags.
    pub fn request(
        &self,
        interpreter: &Interpreter,
        preferences: Vec<(PackageName, den_dist::Version)>,
        no_deps: bool,
    ) -> anyhow::Result<ResolveRequest> {
        Ok(ResolveRequest {
            requirements: self.requirements.clone(),
            constraints: self.constraints.clone(),
            markers: interpreter.markers.clone(),
            tags: interpreter.tags.clone(),
            python_version: interpreter.version.clone(),
            prereleases: self.pre,
            preferences,
            binary: self.binary_policy()?,
            no_deps,
        })
    }
}

/// Project names given to an option (`-P`), normalized.
///
/// Errors: a value that is not a valid project name, naming the option.
pub fn package_names(values: &[String], option: &str) -> anyhow::Result<Vec<PackageName>> {
    values
        .iter()
        .map(|name| {
            PackageName::new(name.clone())
                .with_context(|| format!("invalid {option} value `{name}`: not a project name"))
        })
        .collect()
}

/// Adds `allowed` to what `key` already allows (the first line stays the one errors name).
fn merge<K: std::hash::Hash + Eq>(map: &mut HashMap<K, Allowed>, key: K, allowed: Allowed) {
    match map.entry(key) {
        std::collections::hash_map::Entry::Occupied(mut entry) => {
            entry.get_mut().0.extend(allowed.0);
        }
        std::collections::hash_map::Entry::Vacant(entry) => {
            entry.insert(allowed);
        }
    }
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

/// The files named by `paths`, as given.
pub fn display_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" ")
}
