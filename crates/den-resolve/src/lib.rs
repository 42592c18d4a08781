//! Dependency resolution for den: PubGrub (the `pubgrub` crate) over PEP 440 versions, with
//! extras, environment markers, constraints, yanked files, Requires-Python, wheel tags, source
//! distributions, pip's binary options and URL requirements.
//!
//! The solver is synchronous and runs on a blocking thread; it reads project files and metadata
//! through an async [`PackageSource`] (the package index in production, an in-memory table in
//! tests). Whenever a version is chosen, the version lists of its dependencies and the metadata
//! of their likely candidates are fetched in the background, so network round trips overlap;
//! every project and metadata file is fetched at most once.
//!
//! Policy (pip's rules, simplified):
//! - a preference (e.g. the installed version) is kept whenever the requirements allow it
//!   (pip's `only-if-needed` upgrade strategy; to upgrade a project, leave its preference
//!   out); otherwise the newest allowed version is chosen;
//! - pre-releases are chosen only when [`ResolveRequest::releases`] allows them for that
//!   project (`--pre`, `--all-releases`), when a specifier the user wrote on that project (a
//!   requirement or constraint, not a dependency's metadata) names a pre-release (PEP 440
//!   §Handling of pre-releases, as pip and uv apply it), or when no final release in the
//!   allowed range can be used; never for a project `--only-final` names;
//! - a version is usable when it has a file the [`BinaryPolicy`] allows whose Requires-Python
//!   (index data and metadata) admits [`ResolveRequest::python_version`]: the best wheel
//!   compatible with [`ResolveRequest::tags`], else a source distribution (`.tar.gz` before
//!   other archives). The newest usable version wins whatever its files, unless
//!   [`BinaryPolicy::prefer_binary`] puts versions with a usable wheel first;
//! - yanked files (PEP 592) are used only when the version is pinned exactly (`==`) or is the
//!   project's preference (an installed version, an existing lock file's pin);
//! - a version whose metadata is invalid ([`SourceError::InvalidMetadata`], e.g.
//!   `Requires-Dist: pytz (>dev)`) is skipped with a warning (`tracing::warn!`) and the
//!   resolution goes on with other versions, as pip >= 24.1 does; an exact pin of it fails
//!   with a report naming the file and the problem;
//! - a URL requirement (PEP 508 `name @ url`), from the user or from metadata, makes the
//!   distribution at that URL ([`PackageSource::direct`]) the project's only candidate; other
//!   requirements on the project must admit its version, and two different URLs for one project
//!   are an error;
//! - requirement markers are evaluated for [`ResolveRequest::markers`], with `extra` set to the
//!   extra being expanded; extras are modelled as virtual packages `foo[x]` that depend on
//!   `foo ==v` and on the extra's requirements; `foo[x]` tries the version chosen for `foo`
//!   first, and a version of `foo[x]` that contradicts `foo`'s is rejected without reading
//!   its metadata;
//! - constraints narrow the versions of projects that something else requires, without adding
//!   projects;
//! - with [`ResolveRequest::no_deps`] only the user's requirements are resolved.

mod binary;
mod index;
mod priority;
mod project;
mod provider;
mod release;
mod report;
mod source;
mod specifiers;

use std::sync::Arc;

use den_dist::{ExtraName, MarkerEnvironment, PackageName, Requirement, Tags, Version};
use pep508_rs::VerbatimUrl;

pub use binary::{BinaryPolicy, NameSelection, NameSelectionError};
pub use index::index_listing;
/// The version sets of [`PackageSource::files_within`] (PubGrub's ranges).
pub use pubgrub::Ranges;
pub use release::{Prereleases, ReleaseControl};
pub use source::{Grouped, PackageSource, ProjectVersions, SourceError, SourceFile};

/// What to resolve and for which interpreter.
#[derive(Debug, Clone)]
pub struct ResolveRequest {
    /// The user's requirements (with extras and markers); markers that are false for
    /// `markers` drop the requirement.
    pub requirements: Vec<Requirement>,
    /// Constraints (pip's `-c`): they narrow the versions of projects that end up in the
    /// resolution but never add a project. Name and specifiers are used; extras are ignored.
    pub constraints: Vec<Requirement>,
    /// The target interpreter's marker environment (PEP 508 §Environment Markers).
    pub markers: MarkerEnvironment,
    /// The target interpreter's wheel tags (PEP 425), most preferred first.
    pub tags: Tags,
    /// The target interpreter's full version (`3.12.1`), checked against Requires-Python.
    pub python_version: Version,
    /// Do not check Requires-Python (pip's `--ignore-requires-python`): neither the index's
    /// `data-requires-python` nor the metadata's rules out a version.
    pub ignore_requires_python: bool,
    /// Which projects may get pre-releases (`--pre`, `--all-releases`, `--only-final`).
    pub releases: ReleaseControl,
    /// Versions to keep when they are allowed (typically the installed ones, minus those the
    /// user asked to upgrade).
    pub preferences: Vec<(PackageName, Version)>,
    /// Which kinds of files may be used, per project (`--no-binary`, `--only-binary`,
    /// `--prefer-binary`).
    pub binary: BinaryPolicy,
    /// Resolve the user's requirements only, not the dependencies of the chosen versions
    /// (`--no-deps`). Their metadata is still read (for Requires-Python).
    pub no_deps: bool,
    /// Keep every file of each version the source lists, for
    /// [`ResolvedPackage::hashable_files`] (a lock file or `--generate-hashes` records the
    /// hashes of all of a pin's files). Otherwise only the files that may be installed here
    /// are kept (compatible wheels and sdists, as the binary policy allows): a compiled
    /// project publishes dozens of wheels per version for other interpreters, which would
    /// be held in memory for the whole resolution.
    pub every_file: bool,
}

/// A successful resolution: one version of each project to install.
#[derive(Debug, Clone)]
pub struct Resolution<F> {
    /// The projects, sorted by name.
    pub packages: Vec<ResolvedPackage<F>>,
}

/// One project of a [`Resolution`].
#[derive(Debug, Clone)]
pub struct ResolvedPackage<F> {
    /// Normalized project name.
    pub name: PackageName,
    /// The chosen version.
    pub version: Version,
    /// The file to install: for a URL requirement the file [`PackageSource::direct`] returned;
    /// otherwise the non-yanked (unless pinned) compatible wheel with the best tag priority,
    /// then the highest build tag (PEP 427), or, when no wheel may be used, a source
    /// distribution (`.tar.gz` preferred).
    pub file: F,
    /// Every file the source listed for this version that is not yanked, whatever its tags or
    /// kind (wheels and sdists), plus `file` itself if it is yanked: the hashes a lock file or
    /// `pip-compile --generate-hashes` records for the pin. Without
    /// [`ResolveRequest::every_file`], only those of them that may be installed here. For a
    /// URL requirement only `file`.
    pub hashable_files: Vec<F>,
    /// The URL when the project came from a URL requirement (PEP 508 `name @ url`).
    pub url: Option<VerbatimUrl>,
    /// The extras that were requested for it, anywhere in the graph, sorted.
    pub extras: Vec<ExtraName>,
    /// Whether the user's requirements name it directly.
    pub requested: bool,
    /// The projects it depends on for this environment (including through its chosen extras),
    /// sorted, without itself.
    pub dependencies: Vec<PackageName>,
}

/// Why a resolution failed. The messages are meant to be shown as they are.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ResolveError {
    /// The source failed for a project (network, HTTP, metadata...). The cause is the error's
    /// `source()`, not repeated in the message.
    #[error("could not get the files or metadata of `{name}`")]
    Source {
        /// The project being fetched.
        name: PackageName,
        /// The source's error.
        #[source]
        source: SourceError,
    },
    /// A required project does not exist on any index.
    #[error(
        "no project named `{name}` on {}{}: check the spelling, or --index-url",
        source::locations(indexes),
        required_by.as_ref().map(|by| format!(", required by {by}")).unwrap_or_default()
    )]
    NotFound {
        /// The project.
        name: PackageName,
        /// The index URLs asked, credentials redacted (see [`SourceError::NotFound`]).
        indexes: Vec<String>,
        /// For a transitive dependency, a project version that requires it (`bar 1.0`, or
        /// `bar[extra] 1.0`); `None` when the user's requirements name it.
        required_by: Option<String>,
    },
    /// A direct requirement matches none of the project's versions.
    #[error("no version of {name} matches {specifiers}; available: {available}, latest {latest}")]
    NoMatchingVersion {
        /// The project.
        name: PackageName,
        /// The requested specifiers (with constraints applied), e.g. `==99.0`.
        specifiers: String,
        /// The last few versions, ascending, comma-separated.
        available: String,
        /// The newest version.
        latest: Version,
    },
    /// None of a needed project's versions has a file that may be used: no wheel compatible
    /// with the target and no source distribution, or the kinds that exist are excluded by
    /// `--no-binary` / `--only-binary`. The message says which and what to change.
    #[error(
        "{}",
        no_usable_file(.name, .versions, .published, .tags, *.wheels_excluded, *.sdists_excluded)
    )]
    NoUsableFile {
        /// The project.
        name: PackageName,
        /// The versions seen, comma-separated (the newest few).
        versions: String,
        /// What the newest version publishes: wheel tag strings and `sdist`, comma-separated.
        published: String,
        /// The first few wheel tags den accepts, comma-separated.
        tags: String,
        /// Whether `--no-binary` excludes the project's wheels.
        wheels_excluded: bool,
        /// Whether `--only-binary` excludes the project's source distributions.
        sdists_excluded: bool,
    },
    /// The source could not provide the distribution a URL requirement points at. The cause is
    /// the error's `source()`.
    #[error("could not get `{name}` from {url}")]
    Direct {
        /// The project.
        name: PackageName,
        /// The URL, credentials redacted.
        url: String,
        /// The source's error.
        #[source]
        source: SourceError,
    },
    /// Two URL requirements (PEP 508 `name @ url`) name different URLs for one project.
    #[error(
        "{name} is required from two different URLs: {first} and {second}; require it from one \
         URL only"
    )]
    ConflictingUrls {
        /// The project.
        name: PackageName,
        /// The URL met first, credentials redacted.
        first: String,
        /// The other URL, credentials redacted.
        second: String,
    },
    /// The requirements conflict; `report` explains why in sentences.
    #[error("no set of versions satisfies the requirements:\n{report}")]
    NoSolution {
        /// The explanation, one sentence per line.
        report: String,
    },
    /// The resolver thread panicked or was cancelled (a bug).
    #[error("the resolver stopped unexpectedly: {0}")]
    Internal(String),
}

/// The message of [`ResolveError::NoUsableFile`]: what is missing, what was excluded, and
/// what to change.
fn no_usable_file(
    name: &PackageName,
    versions: &str,
    published: &str,
    tags: &str,
    wheels_excluded: bool,
    sdists_excluded: bool,
) -> String {
    let seen = format!("versions seen: {versions}; the newest offers: {published}");
    match (wheels_excluded, sdists_excluded) {
        (true, true) => format!(
            "no file of {name} may be used: --no-binary excludes its wheels and --only-binary \
             its source distributions ({seen}); remove {name} from one of the two options"
        ),
        (true, false) => format!(
            "no version of {name} has a source distribution, and --no-binary excludes its \
             wheels ({seen}); remove {name} (or :all:) from --no-binary"
        ),
        (false, true) => format!(
            "no version of {name} has a wheel compatible with this interpreter, and \
             --only-binary excludes source distributions ({seen}); den looked for tags such as \
             {tags}, ... Allow building {name} from source (remove it or :all: from \
             --only-binary, or add it to --no-binary), or use a Python version or platform for \
             which {name} publishes wheels"
        ),
        (false, false) => format!(
            "no version of {name} has a wheel compatible with this interpreter or a source \
             distribution ({seen}); den looked for tags such as {tags}, ... Use a Python version \
             or platform for which {name} publishes wheels"
        ),
    }
}

/// Resolves `request` against `source`; see the crate documentation for the policy.
///
/// Must be called within a Tokio runtime (the solver runs under
/// `tokio::task::spawn_blocking` and drives `source` through the runtime handle).
///
/// Errors: [`ResolveError::NotFound`], [`ResolveError::NoMatchingVersion`],
/// [`ResolveError::NoUsableFile`], [`ResolveError::ConflictingUrls`] and
/// [`ResolveError::NoSolution`] for requirements that cannot be met; [`ResolveError::Source`]
/// and [`ResolveError::Direct`] when the source fails.
pub async fn resolve<S: PackageSource>(
    source: Arc<S>,
    request: ResolveRequest,
) -> Result<Resolution<S::File>, ResolveError> {
    let handle = tokio::runtime::Handle::current();
    let provider = provider::Provider::new(source, request, handle);
    tokio::task::spawn_blocking(move || provider.run())
        .await
        .map_err(|e| ResolveError::Internal(e.to_string()))?
}
