//! Where the resolver gets project files and metadata from: the [`PackageSource`] trait.

use std::fmt::Debug;
use std::future::Future;
use std::sync::Arc;

use den_dist::{CoreMetadata, DistFilename, PackageName, Version, VersionSpecifiers};
use den_index::FileFilter;
use pep508_rs::VerbatimUrl;
use pubgrub::Ranges;

/// A failure of a [`PackageSource`]. Cheap to clone, because one fetch can be awaited by
/// several parts of the resolver.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SourceError {
    /// No index has a project of that name.
    #[error(
        "no project named `{name}` on {}: check the spelling, or --index-url",
        locations(indexes)
    )]
    NotFound {
        /// The normalized project name.
        name: PackageName,
        /// The index URLs asked, first the main one, credentials redacted; empty when the source
        /// has no URL to show.
        indexes: Vec<String>,
    },
    /// A distribution's core metadata is invalid: it does not parse (e.g. `Requires-Dist: pytz
    /// (>dev)`, `Requires-Python: >=3.7,`), cannot be read from the file, or names another
    /// project or version than the filename. The resolver treats that version as unusable and
    /// tries others (as pip >= 24.1 does), so only an exact pin of it fails.
    #[error("invalid metadata in {filename}: {reason}")]
    InvalidMetadata {
        /// The distribution's filename (`celery-5.2.6-py3-none-any.whl`), or its URL for a
        /// URL requirement, credentials redacted.
        filename: String,
        /// What is wrong, e.g. the parser's message with the offending line.
        reason: String,
    },
    /// Any other failure (network, HTTP status, a failed build...): the source's own typed
    /// error, which callers may downcast. The message is its whole chain of causes joined by
    /// `: `, so the resolver's error shows it on one line.
    #[error("{}", chain(.0.as_ref()))]
    Other(Arc<dyn std::error::Error + Send + Sync>),
}

/// `error` and each of its causes, joined by `: `.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        text.push_str(": ");
        text.push_str(&next.to_string());
        cause = next.source();
    }
    text
}

/// Names the indexes that were asked, for messages: `http://a/simple/ (checked also
/// http://b/simple/)`, or `the package index` when `indexes` is empty.
pub(crate) fn locations(indexes: &[String]) -> String {
    match indexes {
        [] => "the package index".to_string(),
        [only] => only.clone(),
        [first, rest @ ..] => format!("{first} (checked also {})", rest.join(", ")),
    }
}

/// One distribution file of a project as an index lists it (PEP 503 / PEP 691 file entry).
/// The resolver only reads these properties; the value itself is handed back in the
/// [`Resolution`](crate::Resolution) so the installer can download it.
pub trait SourceFile: Clone + Debug + Send + Sync + 'static {
    /// The parsed filename (wheel or sdist), which gives version and tags.
    fn filename(&self) -> &DistFilename;
    /// The file's `data-requires-python` / `requires-python` (PEP 503, PEP 691), if any.
    fn requires_python(&self) -> Option<&VersionSpecifiers>;
    /// Whether the file is yanked (PEP 592).
    fn is_yanked(&self) -> bool;
}

/// A project's files grouped by version, as [`PackageSource::listing`] gives them: a source
/// may build a version's files only when [`ProjectVersions::files`] asks (the resolver looks
/// at a few versions of projects that publish thousands of files).
pub trait ProjectVersions<F>: Send + Sync {
    /// Every version that has files, oldest first, each once.
    fn versions(&self) -> Vec<Version>;

    /// The files of `version`, in the source's order; empty for a version not listed. The
    /// resolver asks once per version.
    fn files(&self, version: &Version) -> Vec<F>;
}

/// Files grouped by version, all built already: the default [`PackageSource::listing`].
#[derive(Debug)]
pub struct Grouped<F>(std::collections::BTreeMap<Version, Vec<F>>);

impl<F: SourceFile> Grouped<F> {
    /// Groups `files` by their filename's version, keeping their order within a version.
    pub fn new(files: Vec<F>) -> Self {
        Self::kept(files, &|_| true)
    }

    /// Groups `files` as [`Grouped::new`], holding only those `keep` admits: the version of
    /// a file left out is listed, with no file from it.
    pub fn kept(files: Vec<F>, keep: FileFilter<'_>) -> Self {
        let mut by_version: std::collections::BTreeMap<Version, Vec<F>> = Default::default();
        for file in files {
            let held = by_version
                .entry(file.filename().version().clone())
                .or_default();
            if keep(file.filename()) {
                held.push(file);
            }
        }
        Self(by_version)
    }
}

impl<F: SourceFile> ProjectVersions<F> for Grouped<F> {
    fn versions(&self) -> Vec<Version> {
        self.0.keys().cloned().collect()
    }

    fn files(&self, version: &Version) -> Vec<F> {
        self.0.get(version).cloned().unwrap_or_default()
    }
}

/// The resolver's view of a package index (and of direct URLs). Implementations return raw
/// data; the resolver filters by tags, yanked status, Requires-Python and the
/// [`BinaryPolicy`](crate::BinaryPolicy) itself.
pub trait PackageSource: Send + Sync + 'static {
    /// The file type this source lists.
    type File: SourceFile;

    /// Every file of project `name`, in any order. Errors: [`SourceError::NotFound`] (with the
    /// redacted index URLs asked) when the project does not exist, [`SourceError::Other`] for
    /// anything else.
    fn files(
        &self,
        name: &PackageName,
    ) -> impl Future<Output = Result<Vec<Self::File>, SourceError>> + Send;

    /// Every version of project `name` with the files of it that `keep` admits, from
    /// [`PackageSource::files`] but grouped by version, which a source may build only when
    /// asked ([`ProjectVersions`]); a version none of whose files `keep` admits is listed
    /// with none. The resolver keeps only what it may install unless it needs every file's
    /// hash ([`ResolveRequest::every_file`](crate::ResolveRequest::every_file)). The
    /// default groups [`PackageSource::files`] ([`Grouped::kept`]). Errors: as
    /// [`PackageSource::files`].
    fn listing(
        &self,
        name: &PackageName,
        keep: FileFilter<'_>,
    ) -> impl Future<Output = Result<Box<dyn ProjectVersions<Self::File>>, SourceError>> + Send
    {
        async move {
            let files = self.files(name).await?;
            Ok(Box::new(Grouped::kept(files, keep)) as Box<dyn ProjectVersions<Self::File>>)
        }
    }

    /// The files of project `name` whose version is in `within`, for a project the user
    /// pinned (no other version can be chosen, so a source may skip building the others). A
    /// source may return more (the default returns [`PackageSource::files`]); it should return
    /// every file when none is within, so that "no usable version" can say what exists.
    /// Errors: as [`PackageSource::files`].
    fn files_within(
        &self,
        name: &PackageName,
        within: &Ranges<Version>,
    ) -> impl Future<Output = Result<Vec<Self::File>, SourceError>> + Send {
        let _ = within;
        self.files(name)
    }

    /// The core metadata of `file`, a wheel or source distribution of project `name`: a wheel's
    /// `METADATA` (e.g. through PEP 658 or a range request), an sdist's static `PKG-INFO`
    /// (PEP 643) or the metadata of a build. The resolver asks for an sdist's metadata only when
    /// it is about to choose that version or, for a project the user's requirements name, when
    /// it is the version likely to be chosen; never speculatively for a version that has a
    /// usable wheel. Errors: [`SourceError::InvalidMetadata`] when the file's metadata is
    /// invalid (the resolver then skips that version), [`SourceError::Other`] for anything else
    /// (which stops the resolution).
    fn metadata(
        &self,
        name: &PackageName,
        file: &Self::File,
    ) -> impl Future<Output = Result<CoreMetadata, SourceError>> + Send;

    /// [`PackageSource::metadata`] of `file` when its version is the only one the user's `==`
    /// requirements leave to project `name`: a successful resolution holds it. A source that
    /// goes on to build every source distribution it resolves (an install) may build this one's
    /// wheel now and read its metadata from it; the default is [`PackageSource::metadata`].
    /// Errors: as [`PackageSource::metadata`].
    fn pinned_metadata(
        &self,
        name: &PackageName,
        file: &Self::File,
    ) -> impl Future<Output = Result<CoreMetadata, SourceError>> + Send {
        self.metadata(name, file)
    }

    /// Called in the background, while the resolution goes on, for `file` of a project the
    /// user pinned with `==` to it alone, once its metadata has been read: a source that goes
    /// on to install what it resolves may start downloading (and building) it now, so that
    /// this work overlaps the rest of the resolution. Errors are the source's to keep or
    /// report later (the default does nothing).
    fn prepare_pinned(
        &self,
        name: &PackageName,
        file: &Self::File,
    ) -> impl Future<Output = ()> + Send {
        let _ = (name, file);
        async {}
    }

    /// The distribution a URL requirement (PEP 508 `name @ url`, PEP 440 §Direct references)
    /// points at, and its core metadata, whose `version` becomes the only candidate of `name`.
    /// Called once per project and URL, as soon as the requirement is met (the user's URL
    /// requirements before any other project is looked at). The source checks that the
    /// metadata's name is `name`. Errors: [`SourceError::Other`] (unreachable URL, failed
    /// build, unsupported scheme...).
    fn direct(
        &self,
        name: &PackageName,
        url: &VerbatimUrl,
    ) -> impl Future<Output = Result<(Self::File, CoreMetadata), SourceError>> + Send;
}
