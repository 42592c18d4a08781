//! The PubGrub dependency provider: packages, candidate selection, dependency lists, and the
//! background fetching that feeds them.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use den_dist::{
    DistFilename, ExtraName, MarkerEnvironment, PackageName, Requirement, Tags, Version,
    VersionOrUrl, VersionSpecifiers, WheelFilename,
};
use pubgrub::{
    Dependencies, DependencyConstraints, DependencyProvider, PackageResolutionStatistics,
    PubGrubError, Ranges, SelectedDependencies,
};
use rustc_hash::{FxHashMap, FxHashSet};
use tokio::runtime::Handle;
use tokio::sync::OnceCell;

use crate::report;
use crate::source::{PackageSource, SourceError, SourceFile};
use crate::specifiers::{display_range, names_prerelease, ranges_of};
use crate::{Resolution, ResolveError, ResolveRequest, ResolvedPackage};

/// A node of the PubGrub graph.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Pkg {
    /// The user's requirements, as a package with the single version `0`.
    Root,
    /// A project.
    Base(PackageName),
    /// A project with one extra: depends on `Base(name) == v` and on the extra's requirements.
    Extra(PackageName, ExtraName),
}

impl Pkg {
    /// The project name, `None` for the root.
    pub(crate) fn name(&self) -> Option<&PackageName> {
        match self {
            Self::Root => None,
            Self::Base(name) | Self::Extra(name, _) => Some(name),
        }
    }
}

impl fmt::Display for Pkg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Root => f.write_str("your requirements"),
            Self::Base(name) => write!(f, "{name}"),
            Self::Extra(name, extra) => write!(f, "{name}[{extra}]"),
        }
    }
}

/// Why a chosen version cannot be used (PubGrub's custom incompatibility).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unusable {
    /// The metadata's Requires-Python excludes the target.
    RequiresPython {
        /// The metadata's specifiers.
        specifiers: VersionSpecifiers,
        /// The target interpreter version.
        python: Version,
    },
    /// A dependency is a URL requirement.
    UrlDependency(String),
}

impl fmt::Display for Unusable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RequiresPython { specifiers, python } => {
                write!(
                    f,
                    "requires Python {specifiers}, but the target is {python}"
                )
            }
            Self::UrlDependency(requirement) => write!(
                f,
                "depends on `{requirement}`, a URL requirement, which den does not support yet"
            ),
        }
    }
}

/// What den can do with one version of a project, decided from the index's file list.
#[derive(Debug, Clone)]
pub(crate) enum Availability<F> {
    /// A compatible wheel exists; `file` is the best one. `yanked` when every compatible wheel is.
    Usable {
        /// The wheel to install.
        file: F,
        /// Whether that wheel is yanked (PEP 592).
        yanked: bool,
    },
    /// Compatible wheels exist, but their Requires-Python excludes the target.
    RequiresPython(VersionSpecifiers),
    /// No wheel matches the target's tags; `published` lists what the version offers instead
    /// (wheel tags like `cp39-cp39-win_amd64`, or `sdist`).
    NoWheel {
        /// The tag string of each wheel, and `sdist` for a source distribution.
        published: Vec<String>,
    },
}

/// Every version of a project, newest last.
#[derive(Debug)]
pub(crate) struct Project<F> {
    pub(crate) versions: BTreeMap<Version, Availability<F>>,
}

impl<F: SourceFile> Project<F> {
    /// Groups `files` by version and picks each version's best wheel for `tags` / `python`.
    fn new(files: Vec<F>, tags: &Tags, python: &Version) -> Self {
        let mut by_version: BTreeMap<Version, Vec<F>> = BTreeMap::new();
        for file in files {
            by_version
                .entry(file.filename().version().clone())
                .or_default()
                .push(file);
        }
        let versions = by_version
            .into_iter()
            .map(|(version, files)| (version, availability(files, tags, python)))
            .collect();
        Self { versions }
    }

    /// Whether versions exist but none has a compatible wheel.
    pub(crate) fn has_no_wheels(&self) -> bool {
        !self.versions.is_empty()
            && self
                .versions
                .values()
                .all(|a| matches!(a, Availability::NoWheel { .. }))
    }
}

/// Decides what one version's files allow.
fn availability<F: SourceFile>(files: Vec<F>, tags: &Tags, python: &Version) -> Availability<F> {
    let mut wheels: Vec<(F, WheelFilename)> = Vec::new();
    let mut published = Vec::new();
    for file in files {
        match file.filename() {
            DistFilename::Wheel(wheel) if tags.compatibility(wheel).is_some() => {
                let wheel = wheel.clone();
                wheels.push((file, wheel));
            }
            DistFilename::Wheel(wheel) => published.push(wheel.tag_string()),
            DistFilename::SourceDist(_) => published.push("sdist".to_string()),
        }
    }
    if wheels.is_empty() {
        published.sort();
        published.dedup();
        return Availability::NoWheel { published };
    }
    let (allowed, excluded): (Vec<_>, Vec<_>) = wheels
        .into_iter()
        .partition(|(f, _)| f.requires_python().is_none_or(|s| s.contains(python)));
    let best = allowed.into_iter().max_by_key(|(f, wheel)| {
        (
            !f.is_yanked(),
            tags.compatibility(wheel),
            build_key(wheel.build.as_deref()),
        )
    });
    match best {
        Some((file, _)) => Availability::Usable {
            yanked: file.is_yanked(),
            file,
        },
        None => Availability::RequiresPython(
            excluded
                .iter()
                .find_map(|(f, _)| f.requires_python().cloned())
                .unwrap_or_default(),
        ),
    }
}

/// Orders build tags (PEP 427): by the leading number, then the rest as a string; no build tag
/// sorts first.
fn build_key(build: Option<&str>) -> Option<(u64, String)> {
    build.map(|tag| {
        let digits = tag.bytes().take_while(u8::is_ascii_digit).count();
        let number = tag[..digits].parse().unwrap_or(0);
        (number, tag[digits..].to_string())
    })
}

type Shared<T> = Arc<OnceCell<Result<Arc<T>, SourceError>>>;

/// Fetches projects and metadata through the source, once each, shareable between the solver
/// thread and background tasks.
struct Fetcher<S: PackageSource> {
    source: Arc<S>,
    tags: Tags,
    python: Version,
    projects: Mutex<FxHashMap<PackageName, Shared<Project<S::File>>>>,
    metadata: Mutex<FxHashMap<(PackageName, Version), Shared<den_dist::CoreMetadata>>>,
}

impl<S: PackageSource> Fetcher<S> {
    fn project_cell(&self, name: &PackageName) -> Shared<Project<S::File>> {
        let mut map = self.projects.lock().unwrap_or_else(PoisonError::into_inner);
        map.entry(name.clone()).or_default().clone()
    }

    /// The project's versions, fetched on first use.
    async fn project(&self, name: &PackageName) -> Result<Arc<Project<S::File>>, SourceError> {
        let cell = self.project_cell(name);
        cell.get_or_init(|| async {
            let files = self.source.files(name).await?;
            Ok(Arc::new(Project::new(files, &self.tags, &self.python)))
        })
        .await
        .clone()
    }

    /// The project's versions if they were already fetched successfully.
    fn cached_project(&self, name: &PackageName) -> Option<Arc<Project<S::File>>> {
        self.project_cell(name).get().and_then(|r| r.clone().ok())
    }

    /// The metadata of `name` `version` from `file`, fetched on first use.
    async fn metadata(
        &self,
        name: &PackageName,
        version: &Version,
        file: &S::File,
    ) -> Result<Arc<den_dist::CoreMetadata>, SourceError> {
        let cell = {
            let mut map = self.metadata.lock().unwrap_or_else(PoisonError::into_inner);
            map.entry((name.clone(), version.clone()))
                .or_default()
                .clone()
        };
        cell.get_or_init(|| async { self.source.metadata(name, file).await.map(Arc::new) })
            .await
            .clone()
    }

    /// Starts fetching `name`'s versions and the metadata of its likely candidate in the
    /// background: `preferred` if it is usable and in `range`, else the newest usable final
    /// release in `range`. Errors are left for the solver to meet again.
    fn prefetch(
        self: &Arc<Self>,
        handle: &Handle,
        name: PackageName,
        range: Ranges<Version>,
        preferred: Option<Version>,
    ) {
        let fetcher = Arc::clone(self);
        handle.spawn(async move {
            let Ok(project) = fetcher.project(&name).await else {
                return;
            };
            let usable = |v: &Version| match project.versions.get(v) {
                Some(Availability::Usable {
                    file,
                    yanked: false,
                }) if range.contains(v) => Some((v.clone(), file.clone())),
                _ => None,
            };
            let likely = preferred.as_ref().and_then(usable).or_else(|| {
                project
                    .versions
                    .keys()
                    .rev()
                    .filter(|v| !v.any_prerelease())
                    .find_map(usable)
            });
            if let Some((version, file)) = likely {
                // A failure here is reported when the solver asks for the metadata itself.
                let _ = fetcher.metadata(&name, &version, &file).await;
            }
        });
    }
}

/// The PubGrub provider for one resolution.
pub(crate) struct Provider<S: PackageSource> {
    fetcher: Arc<Fetcher<S>>,
    handle: Handle,
    markers: MarkerEnvironment,
    prereleases: bool,
    requirements: Vec<Requirement>,
    constraints: FxHashMap<PackageName, Ranges<Version>>,
    preferences: FxHashMap<PackageName, Version>,
    /// Projects where some specifier names a pre-release.
    prerelease_opt_in: Mutex<FxHashSet<PackageName>>,
    /// The dependency names recorded for each expanded `(package, version)`.
    dependencies: Mutex<FxHashMap<(Pkg, Version), Vec<PackageName>>>,
}

impl<S: PackageSource> Provider<S> {
    pub(crate) fn new(source: Arc<S>, request: ResolveRequest, handle: Handle) -> Self {
        let mut constraints: FxHashMap<PackageName, Ranges<Version>> = FxHashMap::default();
        let mut prerelease_opt_in = FxHashSet::default();
        for constraint in &request.constraints {
            if !constraint.evaluate_markers(&request.markers, &[]) {
                continue;
            }
            if let Some(VersionOrUrl::VersionSpecifier(specifiers)) = &constraint.version_or_url {
                if names_prerelease(specifiers) {
                    prerelease_opt_in.insert(constraint.name.clone());
                }
                let range = constraints
                    .entry(constraint.name.clone())
                    .or_insert_with(Ranges::full);
                *range = range.intersection(&ranges_of(specifiers));
            }
        }
        Self {
            fetcher: Arc::new(Fetcher {
                source,
                tags: request.tags,
                python: request.python_version,
                projects: Mutex::default(),
                metadata: Mutex::default(),
            }),
            handle,
            markers: request.markers,
            prereleases: request.prereleases,
            requirements: request.requirements,
            constraints,
            preferences: request.preferences.into_iter().collect(),
            prerelease_opt_in: Mutex::new(prerelease_opt_in),
            dependencies: Mutex::default(),
        }
    }

    /// Runs the solver (blocking) and turns its answer into a [`Resolution`] or a readable error.
    pub(crate) fn run(self) -> Result<Resolution<S::File>, ResolveError> {
        let root_version = Version::new([0]);
        match pubgrub::resolve(&self, Pkg::Root, root_version) {
            Ok(solution) => self.resolution(solution),
            Err(PubGrubError::NoSolution(tree)) => Err(self.explain(&tree)),
            Err(PubGrubError::ErrorChoosingVersion { source, .. })
            | Err(PubGrubError::ErrorRetrievingDependencies { source, .. })
            | Err(PubGrubError::ErrorInShouldCancel(source)) => Err(source),
        }
    }

    /// Blocks on the project's version list, mapping source errors to resolve errors.
    fn project(&self, name: &PackageName) -> Result<Arc<Project<S::File>>, ResolveError> {
        self.handle
            .block_on(self.fetcher.project(name))
            .map_err(|source| self.source_error(name, source))
    }

    /// Maps a source error for `name` to a resolve error, naming who requires a missing project.
    fn source_error(&self, name: &PackageName, source: SourceError) -> ResolveError {
        match source {
            SourceError::NotFound { name, indexes } => ResolveError::NotFound {
                required_by: self.required_by(&name),
                name,
                indexes,
            },
            source => ResolveError::Source {
                name: name.clone(),
                source,
            },
        }
    }

    /// A recorded project version depending on `name` (the smallest, for stable messages);
    /// `None` when the user's requirements name it or nothing recorded does.
    fn required_by(&self, name: &PackageName) -> Option<String> {
        let recorded = self
            .dependencies
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let parents = recorded
            .iter()
            .filter(|(_, names)| names.contains(name))
            .map(|((pkg, version), _)| (pkg, version));
        if parents.clone().any(|(pkg, _)| *pkg == Pkg::Root) {
            return None;
        }
        parents
            .map(|(pkg, version)| format!("{pkg} {version}"))
            .min()
    }

    /// The root's dependencies: the user's requirements whose markers hold.
    fn root_dependencies(&self) -> Result<FxHashMap<Pkg, Ranges<Version>>, ResolveError> {
        let mut deps = FxHashMap::default();
        for requirement in &self.requirements {
            if requirement.evaluate_markers(&self.markers, &[]) {
                self.add_requirement(&mut deps, requirement, None)
                    .map_err(|requirement| ResolveError::UrlRequirement { requirement })?;
            }
        }
        Ok(deps)
    }

    /// Adds `requirement` (and one virtual package per extra) to `deps`, with constraints
    /// applied; `parent` is the project being expanded, whose self-requirement is skipped.
    /// Errors with the requirement's text when it is a URL requirement.
    fn add_requirement(
        &self,
        deps: &mut FxHashMap<Pkg, Ranges<Version>>,
        requirement: &Requirement,
        parent: Option<&PackageName>,
    ) -> Result<(), String> {
        let name = &requirement.name;
        let mut range = match &requirement.version_or_url {
            None => Ranges::full(),
            Some(VersionOrUrl::VersionSpecifier(specifiers)) => {
                if names_prerelease(specifiers) {
                    self.prerelease_opt_in
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .insert(name.clone());
                }
                ranges_of(specifiers)
            }
            Some(VersionOrUrl::Url(_)) => {
                return Err(requirement.to_string());
            }
        };
        if let Some(constraint) = self.constraints.get(name) {
            range = range.intersection(constraint);
        }
        let mut add = |pkg: Pkg| {
            let entry = deps.entry(pkg).or_insert_with(Ranges::full);
            *entry = entry.intersection(&range);
        };
        if parent != Some(name) {
            add(Pkg::Base(name.clone()));
        }
        for extra in &requirement.extras {
            add(Pkg::Extra(name.clone(), extra.clone()));
        }
        Ok(())
    }

    /// Whether `name` may get a pre-release without falling back.
    fn allows_prereleases(&self, name: &PackageName) -> bool {
        self.prereleases
            || self
                .prerelease_opt_in
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .contains(name)
    }

    /// Picks a version of `name` within `range`: the preference if usable, else the newest
    /// usable version that pre-release and yanked rules allow; see the crate docs.
    fn pick(
        &self,
        name: &PackageName,
        range: &Ranges<Version>,
    ) -> Result<Option<Version>, ResolveError> {
        let project = self.project(name)?;
        let pinned = range.as_singleton();
        let usable = |version: &Version| match project.versions.get(version) {
            Some(Availability::Usable { yanked, .. }) => !*yanked || pinned == Some(version),
            _ => false,
        };
        if let Some(preferred) = self.preferences.get(name)
            && range.contains(preferred)
            && usable(preferred)
        {
            return Ok(Some(preferred.clone()));
        }
        let candidates = project
            .versions
            .keys()
            .rev()
            .filter(|v| range.contains(*v) && usable(v));
        let allow_pre = self.allows_prereleases(name);
        let mut first_pre = None;
        for version in candidates {
            if allow_pre || !version.any_prerelease() {
                return Ok(Some(version.clone()));
            }
            first_pre.get_or_insert_with(|| version.clone());
        }
        Ok(first_pre)
    }

    /// The dependencies of `pkg` at `version`, from its metadata.
    fn dependencies_of(
        &self,
        pkg: &Pkg,
        name: &PackageName,
        version: &Version,
    ) -> Result<Dependencies<Pkg, Ranges<Version>, Unusable>, ResolveError> {
        let project = self.project(name)?;
        let Some(Availability::Usable { file, .. }) = project.versions.get(version) else {
            return Err(ResolveError::Internal(format!(
                "{name} {version} was chosen but has no usable wheel"
            )));
        };
        let metadata = self
            .handle
            .block_on(self.fetcher.metadata(name, version, file))
            .map_err(|source| self.source_error(name, source))?;
        if let Some(specifiers) = &metadata.requires_python
            && !specifiers.contains(&self.fetcher.python)
        {
            return Ok(Dependencies::Unavailable(Unusable::RequiresPython {
                specifiers: specifiers.clone(),
                python: self.fetcher.python.clone(),
            }));
        }
        let mut deps = FxHashMap::default();
        let result = match pkg {
            Pkg::Extra(_, extra) => {
                deps.insert(Pkg::Base(name.clone()), Ranges::singleton(version.clone()));
                let extras = std::slice::from_ref(extra);
                metadata
                    .requires_dist
                    .iter()
                    .filter(|r| {
                        r.evaluate_markers(&self.markers, extras)
                            && !r.evaluate_markers(&self.markers, &[])
                    })
                    .try_for_each(|r| self.add_requirement(&mut deps, r, None))
            }
            _ => metadata
                .requires_dist
                .iter()
                .filter(|r| r.evaluate_markers(&self.markers, &[]))
                .try_for_each(|r| self.add_requirement(&mut deps, r, Some(name))),
        };
        if let Err(requirement) = result {
            return Ok(Dependencies::Unavailable(Unusable::UrlDependency(
                requirement,
            )));
        }
        Ok(Dependencies::Available(self.record(pkg, version, deps)))
    }

    /// Remembers `deps` for the resolution, starts prefetching them, and converts them for
    /// PubGrub.
    fn record(
        &self,
        pkg: &Pkg,
        version: &Version,
        deps: FxHashMap<Pkg, Ranges<Version>>,
    ) -> DependencyConstraints<Pkg, Ranges<Version>> {
        let mut names: Vec<PackageName> = Vec::new();
        for (dep, range) in &deps {
            if let Some(name) = dep.name()
                && Some(name) != pkg.name()
                && !names.contains(name)
            {
                names.push(name.clone());
                let preferred = self.preferences.get(name);
                self.fetcher.prefetch(
                    &self.handle,
                    name.clone(),
                    range.clone(),
                    preferred.cloned(),
                );
            }
        }
        self.dependencies
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert((pkg.clone(), version.clone()), names);
        deps.into_iter().collect()
    }

    /// Builds the [`Resolution`] from PubGrub's selection.
    fn resolution(
        &self,
        solution: SelectedDependencies<Pkg, Version>,
    ) -> Result<Resolution<S::File>, ResolveError> {
        let requested: FxHashSet<&PackageName> = self
            .requirements
            .iter()
            .filter(|r| r.evaluate_markers(&self.markers, &[]))
            .map(|r| &r.name)
            .collect();
        let recorded = self
            .dependencies
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut packages: BTreeMap<PackageName, ResolvedPackage<S::File>> = BTreeMap::new();
        let mut extras: Vec<(PackageName, ExtraName, Version)> = Vec::new();
        for (pkg, version) in solution {
            match pkg {
                Pkg::Root => {}
                Pkg::Extra(name, extra) => extras.push((name, extra, version)),
                Pkg::Base(name) => {
                    let project = self.project(&name)?;
                    let Some(Availability::Usable { file, .. }) = project.versions.get(&version)
                    else {
                        return Err(ResolveError::Internal(format!(
                            "{name} {version} was selected but has no usable wheel"
                        )));
                    };
                    let dependencies = recorded
                        .get(&(Pkg::Base(name.clone()), version.clone()))
                        .cloned()
                        .unwrap_or_default();
                    packages.insert(
                        name.clone(),
                        ResolvedPackage {
                            requested: requested.contains(&name),
                            file: file.clone(),
                            name,
                            version,
                            extras: Vec::new(),
                            dependencies,
                        },
                    );
                }
            }
        }
        for (name, extra, version) in extras {
            if let Some(package) = packages.get_mut(&name) {
                let names = recorded.get(&(Pkg::Extra(name.clone(), extra.clone()), version));
                for dep in names.into_iter().flatten() {
                    if !package.dependencies.contains(dep) {
                        package.dependencies.push(dep.clone());
                    }
                }
                package.extras.push(extra);
            }
        }
        let packages = packages
            .into_values()
            .map(|mut p| {
                p.extras.sort();
                p.dependencies.sort();
                p
            })
            .collect();
        Ok(Resolution { packages })
    }

    /// Turns a failed resolution into the most specific error: a project without any
    /// compatible wheel, a direct requirement no version matches, or the full explanation.
    fn explain(
        &self,
        tree: &pubgrub::DerivationTree<Pkg, Ranges<Version>, Unusable>,
    ) -> ResolveError {
        let mut involved: Vec<&PackageName> =
            tree.packages().into_iter().filter_map(Pkg::name).collect();
        involved.sort();
        involved.dedup();
        for name in &involved {
            if let Some(project) = self.fetcher.cached_project(name)
                && project.has_no_wheels()
            {
                let published = match project.versions.values().next_back() {
                    Some(Availability::NoWheel { published }) => published.join(", "),
                    _ => String::new(),
                };
                return ResolveError::NoCompatibleWheel {
                    name: (*name).clone(),
                    versions: newest(project.versions.keys(), 10),
                    published,
                    tags: self
                        .fetcher
                        .tags
                        .iter()
                        .take(5)
                        .collect::<Vec<_>>()
                        .join(", "),
                };
            }
        }
        if let Ok(roots) = self.root_dependencies() {
            for (pkg, range) in roots {
                let (Pkg::Base(name) | Pkg::Extra(name, _)) = &pkg else {
                    continue;
                };
                let Some(project) = self.fetcher.cached_project(name) else {
                    continue;
                };
                let latest = project.versions.keys().next_back();
                if let Some(latest) = latest
                    && !project.versions.keys().any(|v| range.contains(v))
                {
                    return ResolveError::NoMatchingVersion {
                        name: name.clone(),
                        specifiers: display_range(&range),
                        available: newest(project.versions.keys(), 10),
                        latest: latest.clone(),
                    };
                }
            }
        }
        let projects = involved
            .into_iter()
            .filter_map(|name| Some((name.clone(), self.fetcher.cached_project(name)?)))
            .collect();
        ResolveError::NoSolution {
            report: report::explain(tree, &projects),
        }
    }
}

/// The last `count` of ascending `versions`, comma-separated.
fn newest<'a>(versions: impl DoubleEndedIterator<Item = &'a Version>, count: usize) -> String {
    let mut last: Vec<String> = versions
        .rev()
        .take(count)
        .map(ToString::to_string)
        .collect();
    last.reverse();
    last.join(", ")
}

impl<S: PackageSource> DependencyProvider for Provider<S> {
    type P = Pkg;
    type V = Version;
    type VS = Ranges<Version>;
    type M = Unusable;
    type Err = ResolveError;
    /// Conflicts first (PubGrub's advice), then exact pins, then the order packages appear.
    type Priority = (u32, bool);

    fn prioritize(
        &self,
        _package: &Pkg,
        range: &Ranges<Version>,
        stats: &PackageResolutionStatistics,
    ) -> Self::Priority {
        (stats.conflict_count(), range.as_singleton().is_some())
    }

    fn choose_version(
        &self,
        package: &Pkg,
        range: &Ranges<Version>,
    ) -> Result<Option<Version>, ResolveError> {
        match package {
            Pkg::Root => Ok(Some(Version::new([0]))),
            Pkg::Base(name) | Pkg::Extra(name, _) => self.pick(name, range),
        }
    }

    fn get_dependencies(
        &self,
        package: &Pkg,
        version: &Version,
    ) -> Result<Dependencies<Pkg, Ranges<Version>, Unusable>, ResolveError> {
        match package {
            Pkg::Root => {
                let deps = self.root_dependencies()?;
                Ok(Dependencies::Available(self.record(package, version, deps)))
            }
            Pkg::Base(name) | Pkg::Extra(name, _) => self.dependencies_of(package, name, version),
        }
    }
}
