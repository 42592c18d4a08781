//! The PubGrub dependency provider: packages, candidate selection, dependency lists, and the
//! background fetching that feeds them.

use std::collections::BTreeMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use den_dist::{
    CoreMetadata, DistFilename, ExtraName, MarkerEnvironment, Operator, PackageName, Requirement,
    Version, VersionOrUrl, VersionSpecifiers, redact_credentials,
};
use den_index::FileFilter;
use pep508_rs::VerbatimUrl;
use pubgrub::{
    Dependencies, DependencyConstraints, DependencyProvider, PackageResolutionStatistics,
    PubGrubError, Ranges, SelectedDependencies,
};
use rustc_hash::{FxHashMap, FxHashSet};
use tokio::runtime::Handle;
use tokio::sync::OnceCell;

use crate::binary::BinaryPolicy;
use crate::priority::{CONFLICT_THRESHOLD, Marked, Priorities, Priority};
use crate::project::{self, Project, Rules, Status};
use crate::release::{Prereleases, ReleaseControl};
use crate::report;
use crate::source::{Grouped, PackageSource, SourceError};
use crate::specifiers::{display_range, names_prerelease, ranges_of};
use crate::{Resolution, ResolveError, ResolveRequest, ResolvedPackage};

/// A node of the PubGrub graph.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Pkg {
    /// The user's requirements, as a package with the single version `0`.
    Root,
    /// A project.
    Base(PackageName),
    /// A project with one extra, what a requirement `name[extra]` points at: version `v`
    /// depends on `Base(name) == v` and `ExtraDeps(name, extra) == v`, without reading any
    /// metadata, so a version that contradicts the one chosen for the project is rejected
    /// without fetching (or building) its distribution.
    Extra(PackageName, ExtraName),
    /// The requirements one extra of a project adds (PEP 508 `extra == "..."` markers), read
    /// from the metadata of version `v`. Only `Extra(name, extra)` depends on it; shown like
    /// it (`name[extra]`).
    ExtraDeps(PackageName, ExtraName),
}

impl Pkg {
    /// The project name, `None` for the root.
    pub(crate) fn name(&self) -> Option<&PackageName> {
        match self {
            Self::Root => None,
            Self::Base(name) | Self::Extra(name, _) | Self::ExtraDeps(name, _) => Some(name),
        }
    }
}

impl fmt::Display for Pkg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Root => f.write_str("your requirements"),
            Self::Base(name) => write!(f, "{name}"),
            Self::Extra(name, extra) | Self::ExtraDeps(name, extra) => {
                write!(f, "{name}[{extra}]")
            }
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
    /// A URL requirement's version is outside what the same requirer (with constraints)
    /// otherwise allows for that project. Displayed as the object of "require(s)".
    UrlExcluded {
        /// The URL requirement, `name @ url`, credentials redacted.
        requirement: String,
        /// The version of the distribution at the URL.
        version: Version,
        /// The project with the other specifiers, e.g. `foo>=2`.
        allowed: String,
    },
    /// The version's core metadata is invalid ([`SourceError::InvalidMetadata`]).
    InvalidMetadata {
        /// The distribution's filename.
        filename: String,
        /// What is wrong.
        reason: String,
    },
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
            Self::UrlExcluded {
                requirement,
                version,
                allowed,
            } => write!(
                f,
                "{requirement} (version {version}) and {allowed}, which excludes that version"
            ),
            // The first line: parsers add lines pointing at the offending text, which would
            // break the report's sentences (the warning logged shows them).
            Self::InvalidMetadata { filename, reason } => {
                let reason = reason.lines().next().unwrap_or_default();
                write!(f, "has invalid metadata ({filename}): {reason}")
            }
        }
    }
}

/// The distribution a URL requirement points at.
#[derive(Debug)]
pub(crate) struct Direct<F> {
    /// The project.
    pub(crate) name: PackageName,
    /// The URL as required.
    pub(crate) url: VerbatimUrl,
    /// The file the source returned.
    pub(crate) file: F,
    /// Its metadata; `metadata.version` is the project's only candidate.
    pub(crate) metadata: Arc<CoreMetadata>,
    /// Who required the URL first, as the start of a sentence: `you require`,
    /// `app 1.0 requires`.
    pub(crate) required_by: String,
}

impl<F> Direct<F> {
    /// The version at the URL.
    pub(crate) fn version(&self) -> &Version {
        &self.metadata.version
    }

    /// `name @ url` with credentials redacted, for messages.
    pub(crate) fn requirement(&self) -> String {
        format!("{} @ {}", self.name, shown(&self.url))
    }
}

/// A URL for messages: its text with credentials redacted.
pub(crate) fn shown(url: &VerbatimUrl) -> String {
    redact_credentials(url.as_str()).into_owned()
}

/// Whether two URL requirements point at the same distribution: equal URLs once the fragment
/// (`#sha256=...`, `#egg=...`) is dropped.
fn same_url(a: &VerbatimUrl, b: &VerbatimUrl) -> bool {
    let without_fragment = |url: &VerbatimUrl| {
        let mut url = url.to_url();
        url.set_fragment(None);
        url
    };
    without_fragment(a) == without_fragment(b)
}

type Shared<T> = Arc<OnceCell<Result<Arc<T>, SourceError>>>;

/// Locks `mutex`, recovering the data if a thread panicked while holding it (every critical
/// section leaves the data consistent).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// For each project that the user's `requirements` or `constraints` (those whose markers hold
/// for `markers`) pin with `==` or `===`, the versions all the requirements on it and
/// `constraint_ranges` leave: no other version can be in a resolution, since the user's
/// requirements always apply and a constraint applies to every chosen version of its project.
fn pinned(
    requirements: &[Requirement],
    constraints: &[Requirement],
    markers: &MarkerEnvironment,
    constraint_ranges: &FxHashMap<PackageName, Ranges<Version>>,
) -> FxHashMap<PackageName, Ranges<Version>> {
    let mut pinned: FxHashMap<PackageName, Ranges<Version>> = specified(requirements, markers)
        .chain(specified(constraints, markers))
        .filter(|(_, specifiers)| {
            specifiers
                .iter()
                .any(|s| matches!(s.operator(), Operator::Equal | Operator::ExactEqual))
        })
        .map(|(name, _)| {
            let range = constraint_ranges
                .get(name)
                .cloned()
                .unwrap_or_else(Ranges::full);
            (name.clone(), range)
        })
        .collect();
    for (name, specifiers) in specified(requirements, markers) {
        if let Some(range) = pinned.get_mut(name) {
            *range = range.intersection(&ranges_of(specifiers));
        }
    }
    pinned
}

/// The project and version specifiers of each of `requirements` whose markers hold for
/// `markers` and that has specifiers (not a URL).
fn specified<'a>(
    requirements: &'a [Requirement],
    markers: &'a MarkerEnvironment,
) -> impl Iterator<Item = (&'a PackageName, &'a VersionSpecifiers)> {
    requirements
        .iter()
        .filter(|r| r.evaluate_markers(markers, &[]))
        .filter_map(|r| match &r.version_or_url {
            Some(VersionOrUrl::VersionSpecifier(specifiers)) => Some((&r.name, specifiers)),
            _ => None,
        })
}

/// The URL a URL requirement registered for a project, and its distribution once fetched.
type Registered<F> = (VerbatimUrl, Shared<Direct<F>>);

/// Fetches projects, metadata and URL distributions through the source, once each, shareable
/// between the solver thread and background tasks.
struct Fetcher<S: PackageSource> {
    source: Arc<S>,
    /// The target's tags and Python, which pick each version's file.
    rules: Rules,
    binary: BinaryPolicy,
    /// Whether every file of a version is kept ([`crate::ResolveRequest::every_file`]).
    every_file: bool,
    /// The versions the user's requirements leave to projects they pin with `==` (with the
    /// constraints on them): no other version of these can be chosen, so only these versions'
    /// files are asked for.
    pinned: FxHashMap<PackageName, Ranges<Version>>,
    projects: Mutex<FxHashMap<PackageName, Shared<Project<S::File>>>>,
    metadata: Mutex<FxHashMap<(PackageName, Version), Shared<CoreMetadata>>>,
    /// The URL registered for each project by a URL requirement, and its distribution.
    directs: Mutex<FxHashMap<PackageName, Registered<S::File>>>,
}

impl<S: PackageSource> Fetcher<S> {
    fn project_cell(&self, name: &PackageName) -> Shared<Project<S::File>> {
        let mut map = lock(&self.projects);
        map.entry(name.clone()).or_default().clone()
    }

    /// The project's versions, fetched on first use.
    async fn project(&self, name: &PackageName) -> Result<Arc<Project<S::File>>, SourceError> {
        let cell = self.project_cell(name);
        cell.get_or_init(|| async {
            let (wheels, sdists) = (
                self.binary.allows_wheel(name),
                self.binary.allows_sdist(name),
            );
            let listing = match self.pinned.get(name) {
                Some(within) => {
                    let files = self.source.files_within(name, within).await?;
                    Box::new(Grouped::new(files))
                }
                None => {
                    let keep = |filename: &DistFilename| {
                        self.every_file
                            || project::may_pick(filename, &self.rules.tags, wheels, sdists)
                    };
                    self.source.listing(name, &keep).await?
                }
            };
            Ok(Arc::new(Project::new(
                listing,
                self.rules.clone(),
                wheels,
                sdists,
            )))
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
    ) -> Result<Arc<CoreMetadata>, SourceError> {
        let cell = {
            let mut map = lock(&self.metadata);
            map.entry((name.clone(), version.clone()))
                .or_default()
                .clone()
        };
        cell.get_or_init(|| async {
            let metadata = if self.only_version(name, version) {
                self.source.pinned_metadata(name, file).await
            } else {
                self.source.metadata(name, file).await
            };
            // Kept for the whole resolution, which reads none of the other headers (a
            // version's `Classifier`s, `Project-URL`s and copies of the fields parsed).
            metadata.map(|metadata| {
                Arc::new(CoreMetadata {
                    headers: Vec::new(),
                    ..metadata
                })
            })
        })
        .await
        .clone()
    }

    /// Whether `version` is the only version of `name` the user's `==` requirements leave.
    fn only_version(&self, name: &PackageName, version: &Version) -> bool {
        self.pinned
            .get(name)
            .and_then(|range| range.as_singleton())
            .is_some_and(|only| only == version)
    }

    /// Registers `url` as the URL of `name`, required by `required_by` (see
    /// [`Direct::required_by`]), and starts fetching its distribution in the background, unless
    /// it is already registered. Errors: [`ResolveError::ConflictingUrls`] when another URL is
    /// registered for `name`.
    fn register_direct(
        self: &Arc<Self>,
        handle: &Handle,
        name: &PackageName,
        url: &VerbatimUrl,
        required_by: &str,
    ) -> Result<Shared<Direct<S::File>>, ResolveError> {
        let mut map = lock(&self.directs);
        let cell = match map.entry(name.clone()) {
            Entry::Occupied(entry) => {
                let (first, cell) = entry.get();
                if !same_url(first, url) {
                    return Err(ResolveError::ConflictingUrls {
                        name: name.clone(),
                        first: shown(first),
                        second: shown(url),
                    });
                }
                return Ok(cell.clone());
            }
            Entry::Vacant(entry) => entry.insert((url.clone(), Shared::default())).1.clone(),
        };
        drop(map);
        let fetcher = Arc::clone(self);
        let task = (
            cell.clone(),
            name.clone(),
            url.clone(),
            required_by.to_string(),
        );
        handle.spawn(async move {
            let (cell, name, url, required_by) = task;
            // The solver awaits the same cell and reports the outcome.
            let _ = fetcher.fetch_direct(&cell, &name, &url, &required_by).await;
        });
        Ok(cell)
    }

    /// The distribution at `url` for `name`, through `cell` (fetched once; `required_by` is
    /// recorded by the fetch that runs).
    async fn fetch_direct(
        &self,
        cell: &Shared<Direct<S::File>>,
        name: &PackageName,
        url: &VerbatimUrl,
        required_by: &str,
    ) -> Result<Arc<Direct<S::File>>, SourceError> {
        cell.get_or_init(|| async {
            let (file, metadata) = self.source.direct(name, url).await?;
            Ok(Arc::new(Direct {
                name: name.clone(),
                url: url.clone(),
                file,
                metadata: Arc::new(metadata),
                required_by: required_by.to_string(),
            }))
        })
        .await
        .clone()
    }

    /// Whether a URL requirement has been met for `name`.
    fn has_direct(&self, name: &PackageName) -> bool {
        lock(&self.directs).contains_key(name)
    }

    /// The distribution of `name`'s URL requirement, once fetched successfully.
    fn direct_of(&self, name: &PackageName) -> Option<Arc<Direct<S::File>>> {
        let map = lock(&self.directs);
        map.get(name)
            .and_then(|(_, cell)| cell.get())
            .and_then(|result| result.clone().ok())
    }

    /// Every URL distribution fetched successfully, by project.
    fn directs(&self) -> FxHashMap<PackageName, Arc<Direct<S::File>>> {
        let map = lock(&self.directs);
        map.iter()
            .filter_map(|(name, (_, cell))| Some((name.clone(), cell.get()?.clone().ok()?)))
            .collect()
    }

    /// Starts fetching `name`'s versions and the metadata of the version the solver is likely
    /// to choose ([`Project::choose`] with what is known now) in the background. When that
    /// version's file is a source distribution its metadata may need a build: that starts here
    /// only when `build` is set (a requirement the user wrote: the solver decides it early and
    /// a build of it is rarely wasted; uv prepares them all at once too), else it waits until
    /// the solver decides that version (a conflict may rule it out first); with `build`, the
    /// only version the user's `==` leaves a project is then handed to
    /// [`PackageSource::prepare_pinned`]. Nothing for a project pinned by a URL requirement. Errors
    /// are left for the solver to meet again.
    fn prefetch(
        self: &Arc<Self>,
        handle: &Handle,
        name: PackageName,
        range: Ranges<Version>,
        preferred: Option<Version>,
        prereleases: Prereleases,
        build: bool,
    ) {
        if self.has_direct(&name) {
            return;
        }
        let fetcher = Arc::clone(self);
        handle.spawn(async move {
            let Ok(project) = fetcher.project(&name).await else {
                return;
            };
            let prefer_binary = fetcher.binary.prefer_binary;
            let likely = project
                .choose(&range, preferred.as_ref(), prereleases, prefer_binary)
                .and_then(|v| Some((v, project.release(v)?)))
                .filter(|(_, release)| match release.status {
                    Status::Usable { wheel, .. } => wheel || build,
                    _ => false,
                })
                .and_then(|(v, release)| Some((v, release.file()?)));
            if let Some((version, file)) = likely {
                // A failure here is reported when the solver asks for the metadata itself.
                let read = fetcher.metadata(&name, version, file).await;
                if read.is_ok() && build && fetcher.only_version(&name, version) {
                    fetcher.source.prepare_pinned(&name, file).await;
                }
            }
        });
    }

    /// Starts reading, in the background and all at once, the metadata of the versions of
    /// `name` the solver is likely to try after rejecting `rejected`: the next `count`
    /// [`Project::candidates`] older than it within `range`, those whose file is a wheel (a
    /// guess never builds a source distribution), skipping versions already asked for.
    /// Errors are left for the solver to meet, if it asks.
    fn prefetch_older(
        self: &Arc<Self>,
        handle: &Handle,
        name: &PackageName,
        range: &Ranges<Version>,
        rejected: &Version,
        prereleases: Prereleases,
        count: usize,
    ) {
        let Some(project) = self.cached_project(name) else {
            return;
        };
        let mut older: Vec<(Version, S::File)> = project
            .candidates(range, prereleases)
            .skip_while(|(version, _)| *version >= rejected)
            .filter(|(_, release)| matches!(release.status, Status::Usable { wheel: true, .. }))
            .take(count)
            .filter_map(|(version, release)| Some((version.clone(), release.file()?.clone())))
            .collect();
        {
            let requested = lock(&self.metadata);
            older.retain(|(version, _)| !requested.contains_key(&(name.clone(), version.clone())));
        }
        match older.len() {
            0 => {}
            1 => tracing::debug!("{name}: reading ahead the metadata of 1 older version"),
            n => tracing::debug!("{name}: reading ahead the metadata of {n} older versions"),
        }
        for (version, file) in older {
            let (fetcher, name) = (Arc::clone(self), name.clone());
            handle.spawn(async move {
                // A failure here is reported when the solver asks for the metadata itself.
                let _ = fetcher.metadata(&name, &version, &file).await;
            });
        }
    }
}

/// After how many rejected versions of one project the solver is taken to be walking its
/// versions down, and the metadata of the next ones is read ahead ([`Fetcher::prefetch_older`]).
const WALK_AFTER: usize = 2;

/// How many versions are read ahead per rejection so far ...
const READ_AHEAD_PER_REJECTION: usize = 4;
/// ... and at most (uv's batch prefetch reads up to 50).
const READ_AHEAD_MAX: usize = 48;

/// One package version's dependencies in the order its metadata lists them (which sets the
/// discovery order of [`Priorities`]).
type Deps = Vec<(Pkg, Ranges<Version>)>;

/// Projects with the range of versions required of each.
type Requires = Vec<(PackageName, Ranges<Version>)>;

/// Why the solver stopped without an answer: a failure, or a change of the decision order
/// that needs a fresh start ([`Priorities`]).
#[derive(Debug, thiserror::Error)]
pub(crate) enum Stop {
    /// The resolution failed.
    #[error(transparent)]
    Failed(#[from] ResolveError),
    /// A project was marked as a culprit: start over with the new order.
    #[error("the decision order changed")]
    Restart,
}

/// The dependencies of one package version, as PubGrub takes them, or why that version
/// cannot be used.
type Collected = Result<Deps, Unusable>;

/// The PubGrub provider for one resolution.
pub(crate) struct Provider<S: PackageSource> {
    fetcher: Arc<Fetcher<S>>,
    handle: Handle,
    markers: MarkerEnvironment,
    releases: ReleaseControl,
    no_deps: bool,
    requirements: Vec<Requirement>,
    constraints: FxHashMap<PackageName, Ranges<Version>>,
    preferences: FxHashMap<PackageName, Version>,
    /// Projects where some specifier names a pre-release.
    prerelease_opt_in: Mutex<FxHashSet<PackageName>>,
    /// The projects each expanded `(package, version)` depends on, in metadata order, each
    /// once with the range it requires.
    dependencies: Mutex<FxHashMap<(Pkg, Version), Requires>>,
    /// The version last chosen for each project (`Pkg::Base`), which its extras and the
    /// prefetching of its metadata try first.
    chosen: Mutex<FxHashMap<PackageName, Version>>,
    /// The decision order and what conflicts taught about it.
    priorities: Mutex<Priorities>,
    /// The version last chosen for each package whose metadata has dependencies, with the
    /// projects whose chosen versions its dependencies exclude (the suspects, should that
    /// version be rejected).
    pending: Mutex<FxHashMap<Pkg, (Version, Requires)>>,
    /// How many choices this attempt made.
    choices: AtomicUsize,
    /// The version last chosen for each package in this attempt, with its choice number.
    decided: Mutex<FxHashMap<Pkg, (usize, Version)>>,
    /// The versions a restart keeps: those chosen before the culprit's in the attempt given
    /// up, tried first (with [`Priorities::keep`] deciding them first).
    kept: Mutex<FxHashMap<Pkg, Version>>,
    /// The projects marked as culprits in this attempt: the solver starts over when any is.
    culprits: Mutex<Vec<PackageName>>,
    /// How many versions of each project were rejected, across attempts.
    rejections: Mutex<FxHashMap<PackageName, usize>>,
    /// The versions skipped for invalid metadata that were already logged.
    warned: Mutex<FxHashSet<(PackageName, Version)>>,
}

impl<S: PackageSource> Provider<S> {
    pub(crate) fn new(source: Arc<S>, request: ResolveRequest, handle: Handle) -> Self {
        let mut constraints: FxHashMap<PackageName, Ranges<Version>> = FxHashMap::default();
        let mut prerelease_opt_in = FxHashSet::default();
        for (name, specifiers) in specified(&request.constraints, &request.markers) {
            if names_prerelease(specifiers) {
                prerelease_opt_in.insert(name.clone());
            }
            let range = constraints.entry(name.clone()).or_insert_with(Ranges::full);
            *range = range.intersection(&ranges_of(specifiers));
        }
        let pinned = pinned(
            &request.requirements,
            &request.constraints,
            &request.markers,
            &constraints,
        );
        Self {
            fetcher: Arc::new(Fetcher {
                source,
                rules: Rules {
                    tags: Arc::new(request.tags),
                    python: (!request.ignore_requires_python).then_some(request.python_version),
                },
                binary: request.binary,
                every_file: request.every_file,
                pinned,
                projects: Mutex::default(),
                metadata: Mutex::default(),
                directs: Mutex::default(),
            }),
            handle,
            markers: request.markers,
            releases: request.releases,
            no_deps: request.no_deps,
            requirements: request.requirements,
            constraints,
            preferences: request.preferences.into_iter().collect(),
            prerelease_opt_in: Mutex::new(prerelease_opt_in),
            dependencies: Mutex::default(),
            chosen: Mutex::default(),
            priorities: Mutex::default(),
            pending: Mutex::default(),
            choices: AtomicUsize::new(0),
            decided: Mutex::default(),
            kept: Mutex::default(),
            culprits: Mutex::default(),
            rejections: Mutex::default(),
            warned: Mutex::default(),
        }
    }

    /// Runs the solver (blocking) and turns its answer into a [`Resolution`] or a readable error.
    /// When conflicts mark a culprit ([`Priorities`]) the solver starts over with the new
    /// order; what was fetched is kept.
    pub(crate) fn run(self) -> Result<Resolution<S::File>, ResolveError> {
        loop {
            let error = match pubgrub::resolve(&self, Pkg::Root, Version::new([0])) {
                Ok(solution) => return self.resolution(solution),
                Err(PubGrubError::NoSolution(tree)) => return Err(self.explain(&tree)),
                Err(PubGrubError::ErrorInShouldCancel(Stop::Restart)) => {
                    self.start_over();
                    continue;
                }
                Err(PubGrubError::ErrorChoosingVersion { source, .. })
                | Err(PubGrubError::ErrorRetrievingDependencies { source, .. })
                | Err(PubGrubError::ErrorInShouldCancel(source)) => source,
            };
            return Err(match error {
                Stop::Failed(error) => error,
                Stop::Restart => ResolveError::Internal("a restart escaped the solver".into()),
            });
        }
    }

    /// Forgets the decisions of an abandoned attempt (not what was fetched or learned), but
    /// for those made before the first decision of a culprit project (its extras may come
    /// before it): the next attempt makes them first, as a backtrack to just before the
    /// culprit's decision would keep them.
    fn start_over(&self) {
        self.choices.store(0, Ordering::Relaxed);
        let decided = std::mem::take(&mut *lock(&self.decided));
        let culprits = std::mem::take(&mut *lock(&self.culprits));
        let cut = decided
            .iter()
            .filter(|(pkg, _)| matches!(pkg, Pkg::Base(name) if culprits.contains(name)))
            .map(|(_, (when, _))| *when)
            .min()
            .unwrap_or(usize::MAX);
        let mut kept: Vec<(Pkg, usize, Version)> = decided
            .into_iter()
            .filter(|(_, (when, _))| *when < cut)
            .map(|(pkg, (when, version))| (pkg, when, version))
            .collect();
        kept.sort_by_key(|(_, when, _)| *when);
        lock(&self.priorities).keep(kept.iter().map(|(pkg, ..)| pkg));
        *lock(&self.kept) = kept.into_iter().map(|(pkg, _, v)| (pkg, v)).collect();
        lock(&self.chosen).clear();
        lock(&self.pending).clear();
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
        let recorded = lock(&self.dependencies);
        let parents = recorded
            .iter()
            .filter(|(_, requires)| requires.iter().any(|(n, _)| n == name))
            .map(|((pkg, version), _)| (pkg, version));
        if parents.clone().any(|(pkg, _)| *pkg == Pkg::Root) {
            return None;
        }
        parents
            .map(|(pkg, version)| format!("{pkg} {version}"))
            .min()
    }

    /// The root's dependencies: the user's requirements whose markers hold.
    fn root_dependencies(&self) -> Result<Collected, ResolveError> {
        let requirements: Vec<&Requirement> = self
            .requirements
            .iter()
            .filter(|r| r.evaluate_markers(&self.markers, &[]))
            .collect();
        self.collect(&requirements, &Pkg::Root, &Version::new([0]))
    }

    /// Turns `requirements` of `pkg` `version` into PubGrub dependencies (one virtual package
    /// per extra), with constraints applied; a project's requirement on itself is skipped.
    /// URL requirements are registered and their
    /// distributions fetched (all at once, then awaited in order); each pins its project to the
    /// version at the URL, which the other requirements on that project must admit, else the
    /// version is [`Unusable::UrlExcluded`].
    ///
    /// Errors: [`ResolveError::ConflictingUrls`], [`ResolveError::Direct`].
    fn collect(
        &self,
        requirements: &[&Requirement],
        pkg: &Pkg,
        version: &Version,
    ) -> Result<Collected, ResolveError> {
        let required_by = match pkg {
            Pkg::Root => "you require".to_string(),
            _ => format!("{pkg} {version} requires"),
        };
        let mut cells = Vec::new();
        for requirement in requirements {
            if let Some(VersionOrUrl::Url(url)) = &requirement.version_or_url {
                let name = &requirement.name;
                let fetcher = &self.fetcher;
                let cell = fetcher.register_direct(&self.handle, name, url, &required_by)?;
                cells.push((cell, name, url));
            }
        }
        let mut pins = Vec::new();
        for (cell, name, url) in cells {
            let direct = self
                .handle
                .block_on(self.fetcher.fetch_direct(&cell, name, url, &required_by))
                .map_err(|source| ResolveError::Direct {
                    name: name.clone(),
                    url: shown(url),
                    source,
                })?;
            pins.push(direct);
        }
        let parent = match pkg {
            Pkg::Base(name) => Some(name),
            _ => None,
        };
        let mut deps = Deps::new();
        let first_party = matches!(pkg, Pkg::Root);
        for requirement in requirements {
            self.add_requirement(&mut deps, requirement, parent, first_party);
        }
        for direct in pins {
            let version = direct.version();
            let entries = deps
                .iter_mut()
                .filter(|(pkg, _)| pkg.name() == Some(&direct.name));
            for (_, range) in entries {
                if !range.contains(version) {
                    return Ok(Err(Unusable::UrlExcluded {
                        requirement: direct.requirement(),
                        version: version.clone(),
                        allowed: format!("{}{}", direct.name, display_range(range)),
                    }));
                }
                *range = Ranges::singleton(version.clone());
            }
        }
        Ok(Ok(deps))
    }

    /// Adds `requirement` (and one virtual package per extra) to `deps`, with constraints
    /// applied; `parent` is the project being expanded, whose self-requirement is skipped. A
    /// URL requirement adds no bound here; [`Provider::collect`] pins it. A `first_party`
    /// requirement (one the user wrote) that names a pre-release lets that project have
    /// pre-releases; one in a dependency's metadata does not (pip's rule as uv applies it).
    fn add_requirement(
        &self,
        deps: &mut Deps,
        requirement: &Requirement,
        parent: Option<&PackageName>,
        first_party: bool,
    ) {
        let name = &requirement.name;
        let mut range = match &requirement.version_or_url {
            None | Some(VersionOrUrl::Url(_)) => Ranges::full(),
            Some(VersionOrUrl::VersionSpecifier(specifiers)) => {
                if first_party && names_prerelease(specifiers) {
                    lock(&self.prerelease_opt_in).insert(name.clone());
                }
                ranges_of(specifiers)
            }
        };
        if let Some(constraint) = self.constraints.get(name) {
            range = range.intersection(constraint);
        }
        let mut add = |pkg: Pkg| match deps.iter_mut().find(|(p, _)| *p == pkg) {
            Some((_, entry)) => *entry = entry.intersection(&range),
            None => deps.push((pkg, range.clone())),
        };
        // The extras first: deciding one pins its project (as uv discovers them).
        for extra in &requirement.extras {
            add(Pkg::Extra(name.clone(), extra.clone()));
        }
        if parent != Some(name) {
            add(Pkg::Base(name.clone()));
        }
    }

    /// How `name` may get pre-releases: the request's release control, with the user's
    /// specifiers that name a pre-release.
    fn prereleases(&self, name: &PackageName) -> Prereleases {
        let opted_in = lock(&self.prerelease_opt_in).contains(name);
        self.releases.prereleases(name, opted_in)
    }

    /// Picks a version of `name` within `range`: the version at its URL if a URL requirement
    /// pins it, else [`Project::choose`] with `preferred` and the request's options.
    fn pick(
        &self,
        name: &PackageName,
        range: &Ranges<Version>,
        preferred: Option<&Version>,
    ) -> Result<Option<Version>, ResolveError> {
        if let Some(direct) = self.fetcher.direct_of(name) {
            return Ok(Some(direct.version().clone()).filter(|v| range.contains(v)));
        }
        let project = self.project(name)?;
        let chosen = project.choose(
            range,
            preferred,
            self.prereleases(name),
            self.fetcher.binary.prefer_binary,
        );
        Ok(chosen.cloned())
    }

    /// The version an extra of `name` (or a prefetch of `name`) should try first within
    /// `range`: the version last chosen for the project itself if `range` allows it (an extra
    /// can only be used at its project's version), else the request's preference.
    fn likely(&self, name: &PackageName, range: &Ranges<Version>) -> Option<Version> {
        let chosen = lock(&self.chosen);
        chosen
            .get(name)
            .filter(|v| range.contains(v))
            .or_else(|| self.preferences.get(name))
            .cloned()
    }

    /// The metadata of `name` `version`: from its URL distribution if it is that version,
    /// else from the index file chosen for the version.
    fn metadata_of(
        &self,
        name: &PackageName,
        version: &Version,
    ) -> Result<Arc<CoreMetadata>, ResolveError> {
        if let Some(direct) = self.fetcher.direct_of(name)
            && direct.version() == version
        {
            return Ok(Arc::clone(&direct.metadata));
        }
        let project = self.project(name)?;
        let Some(file) = project.release(version).and_then(|r| r.file()) else {
            return Err(ResolveError::Internal(format!(
                "{name} {version} was chosen but has no usable file"
            )));
        };
        self.handle
            .block_on(self.fetcher.metadata(name, version, file))
            .map_err(|source| self.source_error(name, source))
    }

    /// The dependencies of `pkg` (a project or the requirements of one of its extras) at
    /// `version`, from its metadata (none with `no_deps`). A version whose metadata is invalid
    /// is [`Unusable::InvalidMetadata`], logged once as a warning.
    fn dependencies_of(
        &self,
        pkg: &Pkg,
        name: &PackageName,
        version: &Version,
    ) -> Result<Dependencies<Pkg, Ranges<Version>, Unusable>, ResolveError> {
        let metadata = match self.metadata_of(name, version) {
            Ok(metadata) => metadata,
            Err(ResolveError::Source {
                source: SourceError::InvalidMetadata { filename, reason },
                ..
            }) => {
                let mut warned = lock(&self.warned);
                if warned.insert((name.clone(), version.clone())) {
                    tracing::warn!(
                        "skipping {name} {version}: invalid metadata in {filename}: {reason}"
                    );
                }
                return Ok(Dependencies::Unavailable(Unusable::InvalidMetadata {
                    filename,
                    reason,
                }));
            }
            Err(error) => return Err(error),
        };
        if let Some(specifiers) = &metadata.requires_python
            && let Some(python) = &self.fetcher.rules.python
            && !specifiers.contains(python)
        {
            return Ok(Dependencies::Unavailable(Unusable::RequiresPython {
                specifiers: specifiers.clone(),
                python: python.clone(),
            }));
        }
        let dist = &metadata.requires_dist;
        let requirements: Vec<&Requirement> = match pkg {
            _ if self.no_deps => Vec::new(),
            Pkg::ExtraDeps(_, extra) => {
                let extras = std::slice::from_ref(extra);
                let only_with_extra = |r: &&Requirement| {
                    r.evaluate_markers(&self.markers, extras)
                        && !r.evaluate_markers(&self.markers, &[])
                };
                dist.iter().filter(only_with_extra).collect()
            }
            _ => {
                let active = |r: &&Requirement| r.evaluate_markers(&self.markers, &[]);
                dist.iter().filter(active).collect()
            }
        };
        let deps = match self.collect(&requirements, pkg, version)? {
            Ok(deps) => deps,
            Err(unusable) => return Ok(Dependencies::Unavailable(unusable)),
        };
        Ok(Dependencies::Available(self.record(pkg, version, deps)))
    }

    /// The dependencies of `name[extra]` at `version`: the project and the extra's requirements
    /// at that same version (just the project with `no_deps`); no metadata is read.
    fn extra_dependencies(
        &self,
        name: &PackageName,
        extra: &ExtraName,
        version: &Version,
    ) -> DependencyConstraints<Pkg, Ranges<Version>> {
        let exactly = Ranges::singleton(version.clone());
        let mut deps = vec![(Pkg::Base(name.clone()), exactly.clone())];
        if !self.no_deps {
            deps.push((Pkg::ExtraDeps(name.clone(), extra.clone()), exactly));
        }
        deps.into_iter().collect()
    }

    /// Remembers `deps` for the resolution (their discovery order, what they require, the
    /// suspects should this version be rejected), starts prefetching them, and converts them
    /// for PubGrub.
    fn record(
        &self,
        pkg: &Pkg,
        version: &Version,
        deps: Deps,
    ) -> DependencyConstraints<Pkg, Ranges<Version>> {
        let mut requires = Requires::new();
        {
            let mut priorities = lock(&self.priorities);
            for (dep, _) in &deps {
                priorities.discover(dep);
            }
        }
        for (dep, range) in &deps {
            if let Some(name) = dep.name()
                && Some(name) != pkg.name()
                && !requires.iter().any(|(n, _)| n == name)
            {
                requires.push((name.clone(), range.clone()));
                self.fetcher.prefetch(
                    &self.handle,
                    name.clone(),
                    range.clone(),
                    self.likely(name, range),
                    self.prereleases(name),
                    *pkg == Pkg::Root,
                );
            }
        }
        lock(&self.dependencies).insert((pkg.clone(), version.clone()), requires);
        let mut pending = lock(&self.pending);
        if let Some((chosen, suspects)) = pending.get_mut(pkg)
            && chosen == version
        {
            *suspects = self.suspects(pkg, version);
        }
        drop(pending);
        deps.into_iter().collect()
    }

    /// What `pkg` `version` requires of other projects that excludes their chosen versions.
    /// Empty when its dependencies were not read yet.
    fn suspects(&self, pkg: &Pkg, version: &Version) -> Requires {
        let recorded = lock(&self.dependencies);
        let Some(requires) = recorded.get(&(pkg.clone(), version.clone())) else {
            return Requires::new();
        };
        let chosen = lock(&self.chosen);
        requires
            .iter()
            .filter(|(name, range)| chosen.get(name).is_some_and(|v| !range.contains(v)))
            .cloned()
            .collect()
    }

    /// Follows the choices for `pkg` (a project or an extra's requirements) within `range`:
    /// when the version chosen before is now outside `range` it was rejected, and if its
    /// dependencies excluded other projects' chosen versions, those are its culprits
    /// ([`Priorities::conflict`]). Logs the backtrack, marks a restart when a culprit is
    /// marked, and remembers `next` with its suspects.
    fn follow(&self, pkg: &Pkg, range: &Ranges<Version>, next: Option<&Version>) {
        let previous = lock(&self.pending).remove(pkg);
        if let Some((rejected, suspects)) = previous
            && !range.contains(&rejected)
            && let Some(name) = pkg.name()
        {
            if tracing::enabled!(tracing::Level::INFO) {
                tracing::info!("{}", self.backtrack(pkg, &rejected, &suspects, next));
            }
            self.read_ahead(name, range, &rejected);
            let culprits: Vec<PackageName> = suspects.into_iter().map(|(n, _)| n).collect();
            let marked = lock(&self.priorities).conflict(name, &culprits);
            for (project, how) in marked {
                match how {
                    Marked::Rejected => tracing::info!(
                        "{project}: versions rejected {CONFLICT_THRESHOLD} times because of \
                         projects decided before it; deciding {project} earlier"
                    ),
                    Marked::Culprit => {
                        tracing::info!(
                            "{project}: its versions conflicted {CONFLICT_THRESHOLD} times with \
                             projects decided after it; starting over, deciding {project} later"
                        );
                        lock(&self.culprits).push(project);
                    }
                }
            }
        }
        if let Some(version) = next {
            let suspects = self.suspects(pkg, version);
            lock(&self.pending).insert(pkg.clone(), (version.clone(), suspects));
        }
    }

    /// Counts the rejection of `name` `rejected` and, once the solver is walking the
    /// project's versions down ([`WALK_AFTER`]), has the metadata of the next ones within
    /// `range` read ahead, more the longer the walk (uv's batch prefetch does the same).
    fn read_ahead(&self, name: &PackageName, range: &Ranges<Version>, rejected: &Version) {
        let rejections = {
            let mut rejections = lock(&self.rejections);
            let count = rejections.entry(name.clone()).or_default();
            *count += 1;
            *count
        };
        if rejections >= WALK_AFTER {
            let count = (rejections * READ_AHEAD_PER_REJECTION).min(READ_AHEAD_MAX);
            let prereleases = self.prereleases(name);
            let handle = &self.handle;
            self.fetcher
                .prefetch_older(handle, name, range, rejected, prereleases, count);
        }
    }

    /// A line telling why `pkg` `rejected` was dropped and what comes next: a dependency of it
    /// that excludes a chosen version (`suspects`), else a chosen project's requirement that
    /// excludes it.
    fn backtrack(
        &self,
        pkg: &Pkg,
        rejected: &Version,
        suspects: &Requires,
        next: Option<&Version>,
    ) -> String {
        let then = match next {
            Some(version) => format!("trying {pkg} {version}"),
            None => format!("no other version of {pkg} fits"),
        };
        let chosen = lock(&self.chosen).clone();
        if let Some((name, range)) = suspects.first()
            && let Some(version) = chosen.get(name)
        {
            return format!(
                "{pkg} {rejected} needs {name}{}, which conflicts with {name} {version}; {then}",
                display_range(range)
            );
        }
        let recorded = lock(&self.dependencies);
        // A chosen project requiring a range of `pkg` without `rejected`; the first by name,
        // for a stable message.
        let blamed = pkg.name().and_then(|name| {
            chosen
                .iter()
                .filter_map(|(requirer, version)| {
                    let requires = recorded.get(&(Pkg::Base(requirer.clone()), version.clone()))?;
                    let (_, range) = requires.iter().find(|(n, _)| n == name)?;
                    (!range.contains(rejected)).then_some((requirer, version, name, range))
                })
                .min_by_key(|(requirer, ..)| *requirer)
        });
        match blamed {
            Some((requirer, version, name, range)) => format!(
                "{pkg} {rejected} conflicts with {requirer} {version} (needs {name}{}); {then}",
                display_range(range)
            ),
            None => format!("{pkg} {rejected} is ruled out by the versions chosen so far; {then}"),
        }
    }

    /// The resolved package `name` `version` without extras: its file from the URL
    /// distribution or the index.
    fn resolved(
        &self,
        name: PackageName,
        version: Version,
    ) -> Result<ResolvedPackage<S::File>, ResolveError> {
        let (file, hashable_files, url) = match self.fetcher.direct_of(&name) {
            Some(direct) if *direct.version() == version => (
                direct.file.clone(),
                vec![direct.file.clone()],
                Some(direct.url.clone()),
            ),
            _ => {
                let project = self.project(&name)?;
                let release = project.release(&version);
                let Some((release, file)) = release.and_then(|r| Some((r, r.file()?))) else {
                    return Err(ResolveError::Internal(format!(
                        "{name} {version} was selected but has no usable file"
                    )));
                };
                (file.clone(), release.hashable_files(), None)
            }
        };
        Ok(ResolvedPackage {
            name,
            version,
            file,
            hashable_files,
            url,
            extras: Vec::new(),
            requested: false,
            dependencies: Vec::new(),
        })
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
        let recorded = lock(&self.dependencies);
        let mut packages: BTreeMap<PackageName, ResolvedPackage<S::File>> = BTreeMap::new();
        let mut extras: Vec<(PackageName, ExtraName, Version)> = Vec::new();
        for (pkg, version) in solution {
            match pkg {
                Pkg::Root | Pkg::ExtraDeps(..) => {}
                Pkg::Extra(name, extra) => extras.push((name, extra, version)),
                Pkg::Base(name) => {
                    if version.any_prerelease() && self.prereleases(&name) != Prereleases::Allowed {
                        tracing::warn!(
                            "using the pre-release {name} {version}: no final release of {name} satisfies the requirements"
                        );
                    }
                    let mut package = self.resolved(name.clone(), version.clone())?;
                    package.requested = requested.contains(&name);
                    package.dependencies = recorded
                        .get(&(Pkg::Base(name.clone()), version))
                        .map(|requires| requires.iter().map(|(n, _)| n.clone()).collect())
                        .unwrap_or_default();
                    packages.insert(name, package);
                }
            }
        }
        for (name, extra, version) in extras {
            if let Some(package) = packages.get_mut(&name) {
                let names = recorded.get(&(Pkg::ExtraDeps(name.clone(), extra.clone()), version));
                for (dep, _) in names.into_iter().flatten() {
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

    /// What `version` of `name` publishes, for messages ([`project::published`]): every file
    /// the source lists, asked for again since the resolution kept only those it may
    /// install; those it kept if the source fails now.
    fn published(&self, name: &PackageName, version: &Version) -> String {
        let all: FileFilter<'_> = &|_| true;
        let files = match self.handle.block_on(self.fetcher.source.listing(name, all)) {
            Ok(listing) => listing.files(version),
            Err(_) => self
                .fetcher
                .cached_project(name)
                .and_then(|project| Some(project.release(version)?.files.clone()))
                .unwrap_or_default(),
        };
        project::published(&files)
    }

    /// Turns a failed resolution into the most specific error: a project without any usable
    /// file, a direct requirement no version matches, or the full explanation.
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
                && project.has_no_usable_files()
            {
                let published = project
                    .versions()
                    .next_back()
                    .map(|newest| self.published(name, newest))
                    .unwrap_or_default();
                return ResolveError::NoUsableFile {
                    name: (*name).clone(),
                    versions: newest_versions(project.versions(), 10),
                    published,
                    tags: self
                        .fetcher
                        .rules
                        .tags
                        .iter()
                        .take(5)
                        .collect::<Vec<_>>()
                        .join(", "),
                    wheels_excluded: !project.wheels,
                    sdists_excluded: !project.sdists,
                };
            }
        }
        if let Ok(Ok(roots)) = self.root_dependencies() {
            for (pkg, range) in roots {
                let (Pkg::Base(name) | Pkg::Extra(name, _)) = &pkg else {
                    continue;
                };
                let Some(project) = self.fetcher.cached_project(name) else {
                    continue;
                };
                let latest = project.versions().next_back();
                if let Some(latest) = latest
                    && !project.versions().any(|v| range.contains(v))
                {
                    return ResolveError::NoMatchingVersion {
                        name: name.clone(),
                        specifiers: display_range(&range),
                        available: newest_versions(project.versions(), 10),
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
            report: report::explain(tree, &projects, &self.fetcher.directs()),
        }
    }
}

/// The last `count` of ascending `versions`, comma-separated.
fn newest_versions<'a>(
    versions: impl DoubleEndedIterator<Item = &'a Version>,
    count: usize,
) -> String {
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
    type Err = Stop;
    /// See [`Priorities`]: pins, then conflicts, then the order packages were discovered.
    type Priority = Priority;

    fn prioritize(
        &self,
        package: &Pkg,
        range: &Ranges<Version>,
        _stats: &PackageResolutionStatistics,
    ) -> Priority {
        lock(&self.priorities).get(package, range.as_singleton().is_some())
    }

    fn choose_version(
        &self,
        package: &Pkg,
        range: &Ranges<Version>,
    ) -> Result<Option<Version>, Stop> {
        let kept = lock(&self.kept).get(package).cloned();
        let version = match package {
            Pkg::Root => return Ok(Some(Version::new([0]))),
            Pkg::Base(name) => {
                let preferred = kept.as_ref().or_else(|| self.preferences.get(name));
                let version = self.pick(name, range, preferred)?;
                if let Some(version) = &version {
                    lock(&self.chosen).insert(name.clone(), version.clone());
                }
                version
            }
            Pkg::Extra(name, _) | Pkg::ExtraDeps(name, _) => {
                let preferred = kept.or_else(|| self.likely(name, range));
                self.pick(name, range, preferred.as_ref())?
            }
        };
        if let Some(version) = &version {
            let when = self.choices.fetch_add(1, Ordering::Relaxed);
            lock(&self.decided).insert(package.clone(), (when, version.clone()));
        }
        if !matches!(package, Pkg::Extra(..)) {
            self.follow(package, range, version.as_ref());
        }
        Ok(version)
    }

    fn get_dependencies(
        &self,
        package: &Pkg,
        version: &Version,
    ) -> Result<Dependencies<Pkg, Ranges<Version>, Unusable>, Stop> {
        Ok(match package {
            Pkg::Root => match self.root_dependencies()? {
                Ok(deps) => Dependencies::Available(self.record(package, version, deps)),
                Err(unusable) => Dependencies::Unavailable(unusable),
            },
            Pkg::Base(name) | Pkg::ExtraDeps(name, _) => {
                self.dependencies_of(package, name, version)?
            }
            Pkg::Extra(name, extra) => {
                Dependencies::Available(self.extra_dependencies(name, extra, version))
            }
        })
    }

    /// Stops the attempt when a culprit was marked, so [`Provider::run`] starts over.
    fn should_cancel(&self) -> Result<(), Stop> {
        if !lock(&self.culprits).is_empty() {
            return Err(Stop::Restart);
        }
        Ok(())
    }
}
