//! [`PackageSource`] over den's index client (PEP 503 / PEP 691 project pages, PEP 658
//! metadata), so [`resolve`](crate::resolve) can run against real indexes.
//!
//! This source reads wheel metadata only: it cannot build, so a source distribution's metadata
//! and URL requirements are errors. Resolve with `only_binary: NameSelection::All` through it
//! (as build requirements are) so no sdist is ever chosen.

use std::sync::Arc;

use den_dist::{
    CoreMetadata, DistFilename, PackageName, Version, VersionSpecifiers, redact_credentials,
};
use den_index::{FileFilter, IndexClient, IndexError, IndexFile, ProjectFiles, ProjectListing};
use pep508_rs::VerbatimUrl;
use pubgrub::Ranges;

use crate::source::{PackageSource, ProjectVersions, SourceError, SourceFile};

impl SourceFile for Arc<IndexFile> {
    fn filename(&self) -> &DistFilename {
        &self.filename
    }

    fn requires_python(&self) -> Option<&VersionSpecifiers> {
        self.requires_python.as_ref()
    }

    fn is_yanked(&self) -> bool {
        self.yanked.is_some()
    }
}

impl PackageSource for IndexClient {
    type File = Arc<IndexFile>;

    /// Every file of the project on all configured indexes; [`SourceError::NotFound`] with the
    /// (redacted) URLs of the indexes asked when none knows it.
    async fn files(&self, name: &PackageName) -> Result<Vec<Arc<IndexFile>>, SourceError> {
        listed(name, self.project_files(name).await)
    }

    /// Every version of the project with the files `keep` admits, each version's built when
    /// asked ([`IndexClient::project_listing`]).
    async fn listing(
        &self,
        name: &PackageName,
        keep: FileFilter<'_>,
    ) -> Result<Box<dyn ProjectVersions<Arc<IndexFile>>>, SourceError> {
        let listing = index_listing(self, name, &|_| true, keep).await?;
        Ok(Box::new(listing))
    }

    /// The files of the versions in `within` only, through
    /// [`IndexClient::project_files_where`] (the others are never built); every file when none
    /// is within.
    async fn files_within(
        &self,
        name: &PackageName,
        within: &Ranges<Version>,
    ) -> Result<Vec<Arc<IndexFile>>, SourceError> {
        let wanted = |version: &Version| within.contains(version);
        listed(name, self.project_files_where(name, &wanted).await)
    }

    /// The wheel's metadata, by PEP 658 file, range request or download (the client decides).
    /// [`SourceError::InvalidMetadata`] when a wheel's metadata is unreadable, does not parse or
    /// does not match its filename ([`IndexError::Metadata`]); [`SourceError::Other`] for a
    /// source distribution, which would need a build, and for network errors.
    async fn metadata(
        &self,
        _name: &PackageName,
        file: &Arc<IndexFile>,
    ) -> Result<CoreMetadata, SourceError> {
        match self.wheel_metadata(file).await {
            Ok(metadata) => Ok(metadata),
            Err(IndexError::Metadata { filename, reason })
                if matches!(file.filename, DistFilename::Wheel(_)) =>
            {
                Err(SourceError::InvalidMetadata { filename, reason })
            }
            Err(error) => Err(SourceError::Other(Arc::new(error))),
        }
    }

    /// Always [`SourceError::Other`]: the index client cannot fetch or build a distribution
    /// from an arbitrary URL.
    async fn direct(
        &self,
        name: &PackageName,
        url: &VerbatimUrl,
    ) -> Result<(Arc<IndexFile>, CoreMetadata), SourceError> {
        Err(SourceError::Other(Arc::new(UrlNotSupported {
            requirement: format!("{name} @ {}", redact_credentials(url.as_str())),
        })))
    }
}

/// The files of a project as the index client listed them, its errors as [`SourceError`]s
/// ([`SourceError::NotFound`] with the redacted URLs of the indexes asked).
fn listed(
    name: &PackageName,
    project: Result<Arc<ProjectFiles>, IndexError>,
) -> Result<Vec<Arc<IndexFile>>, SourceError> {
    project
        .map(|project| project.files.clone())
        .map_err(|error| source_error(name, error))
}

/// An index client's error for project `name` as a [`SourceError`]
/// ([`SourceError::NotFound`] with the redacted URLs of the indexes asked).
fn source_error(name: &PackageName, error: IndexError) -> SourceError {
    match error {
        IndexError::NotFound { indexes, .. } => SourceError::NotFound {
            name: name.clone(),
            indexes,
        },
        error => SourceError::Other(Arc::new(error)),
    }
}

/// The versions of project `name` with the files `keep` admits, each version's built when
/// asked, through [`IndexClient::project_listing`], counting only the files `list` admits;
/// for a [`PackageSource`] over the index client that uses only some kinds of files.
/// Errors: as [`PackageSource::files`].
pub async fn index_listing(
    client: &IndexClient,
    name: &PackageName,
    list: FileFilter<'_>,
    keep: FileFilter<'_>,
) -> Result<ProjectListing, SourceError> {
    client
        .project_listing(name, list, keep)
        .await
        .map_err(|error| source_error(name, error))
}

impl ProjectVersions<Arc<IndexFile>> for ProjectListing {
    fn versions(&self) -> Vec<Version> {
        ProjectListing::versions(self).cloned().collect()
    }

    fn files(&self, version: &Version) -> Vec<Arc<IndexFile>> {
        ProjectListing::files(self, version)
    }
}

/// A URL requirement met while resolving against the index alone.
#[derive(Debug, thiserror::Error)]
#[error(
    "URL requirements are not supported here: `{requirement}` (build requirements must come \
     from the index)"
)]
struct UrlNotSupported {
    /// The requirement, credentials redacted.
    requirement: String,
}
