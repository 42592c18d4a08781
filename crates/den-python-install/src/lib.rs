//! den-python-install: CPython builds from python-build-standalone installed into pyenv's
//! versions directory, so pyenv and den see the same Pythons.
//!
//! - [`DownloadIndex`]: the download index in the format of uv's `download-metadata.json`
//!   (one index serves uv and den). den ships a copy trimmed to the `install_only` /
//!   `install_only_stripped` `.tar.gz` archives of CPython for linux x86_64/aarch64 (gnu,
//!   musl) and macOS (`data/download-metadata.json.gz`; where it came from and how to refresh
//!   it: `data/trim-download-metadata.py` and `data/SOURCE`). `DEN_PYTHON_DOWNLOADS_JSON_URL`
//!   (a path or URL) replaces it ([`DOWNLOADS_JSON_VARIABLE`]), `DEN_PYTHON_INSTALL_MIRROR`
//!   replaces the download prefix ([`MIRROR_VARIABLE`], [`DEFAULT_DOWNLOAD_PREFIX`]).
//! - [`Platform`]: which entries fit this machine; [`DownloadIndex::find`] picks the default
//!   variant (no debug or free-threaded build).
//! - [`install_archive`]: SHA-256 checked before anything is unpacked; the archive's
//!   `python/` tree unpacked safely (no member may leave the target: `..`, absolute paths,
//!   links leading out, also through other links) into a temporary directory beside
//!   `versions/` (den-cache's [`den_cache::OwnedTempDir`], swept when its process died),
//!   the sysconfig data rewritten to the real prefix ([`fix_prefix`]), then renamed into
//!   place, so a killed install leaves nothing half-made.
//! - [`update_minor_alias`]: `versions/3.12` -> the newest 3.12.x den installed;
//!   [`uninstall`]; [`environments_using`] finds environments whose base is a version.
//!
//! Downloads go through den-index's client (`IndexClient::download_url`), which checks the
//! SHA-256 while streaming and keeps the archive in den's cache by URL.

mod downloads;
mod install;
mod sysconfig;
mod unpack;

use std::path::PathBuf;

pub use downloads::{
    DEFAULT_DOWNLOAD_PREFIX, DOWNLOADS_JSON_VARIABLE, Download, DownloadArch, DownloadIndex,
    MIRROR_VARIABLE, Platform, load_index, mirror_url,
};
pub use install::{
    INSTALL_MARKER, archive_version, den_installed, environments_using, install_archive,
    sha256_file, uninstall, update_minor_alias,
};
pub use sysconfig::fix_prefix;
pub use unpack::unpack_python_archive;

/// Why installing or removing a Python failed. Every variant names the file, URL or version
/// it is about.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// A file-system operation failed (`cannot read <path>: ...`).
    #[error(transparent)]
    Io(#[from] den_dist::IoError),
    /// The temporary directory could not be made.
    #[error(transparent)]
    Cache(#[from] den_cache::CacheError),
    /// Downloading the archive or the index failed.
    #[error(transparent)]
    Index(#[from] den_index::IndexError),
    /// The download index could not be read or parsed.
    #[error("cannot read the Python download index {origin}: {reason}")]
    BadIndex {
        /// The path or URL (credentials removed), or `den's bundled index`.
        origin: String,
        /// What was wrong.
        reason: String,
    },
    /// The archive's SHA-256 is not the one the index gives: nothing was unpacked.
    #[error(
        "the SHA-256 of {} is {actual}, but {expected} was expected; nothing was installed (download it again, or check the mirror)",
        archive.display()
    )]
    HashMismatch {
        /// The archive.
        archive: PathBuf,
        /// The expected digest (hex).
        expected: String,
        /// The digest of the file (hex).
        actual: String,
    },
    /// A member would land outside the target, or is of a kind den refuses; nothing was
    /// installed.
    #[error("refusing to unpack {}: member `{member}` {reason}; nothing was installed", archive.display())]
    UnsafeArchive {
        /// The archive.
        archive: PathBuf,
        /// The member as stored.
        member: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// The archive is corrupt or not a python-build-standalone install archive.
    #[error("cannot unpack {}: {reason}", archive.display())]
    Archive {
        /// The archive.
        archive: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// The version directory exists already.
    #[error("{} already exists", prefix.display())]
    Exists {
        /// The version directory.
        prefix: PathBuf,
    },
}
