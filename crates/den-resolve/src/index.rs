//! [`PackageSource`] over den's index client (PEP 503 / PEP 691 project pages, PEP 658
//! metadata), so [`resolve`](crate::resolve) can run against real indexes.
//!
//! This source reads wheel metadata only: it cannot build, so a source distribution's metadata
//! and URL requirements are errors. Resolve with `only_binary: NameSelection::All` through it
//! (as build requirements are) so no sdist is ever chosen.

use std::sync::Arc;

use den_dist::{CoreMetadata, DistFilename, PackageName, VersionSpecifiers, redact_credentials};
use den_index::{IndexClient, IndexError, IndexFile};
use pep508_rs::VerbatimUrl;

use crate::source::{PackageSource, SourceError, SourceFile};

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
        match self.project_files(name).await {
            Ok(project) => Ok(project.files.clone()),
            Err(IndexError::NotFound { indexes, .. }) => Err(SourceError::NotFound {
                name: name.clone(),
                indexes,
            }),
            Err(error) => Err(SourceError::Other(Arc::new(error))),
        }
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
