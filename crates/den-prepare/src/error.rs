//! [`PrepareError`]: why a distribution could not be fetched, checked, built or unpacked.

use std::path::PathBuf;

use den_build::BuildError;
use den_dist::{FilenameError, IoError, MetadataError, PackageName, Version};
use den_index::IndexError;
use den_install::InstallError;
use den_requirements::RequirementOrigin;

/// A failure of the preparation step. Messages name the distribution, file or URL at fault
/// (URLs with credentials redacted); wrapped errors are the `source()`, not repeated.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    /// A file could not be read; the message names it and what den was doing.
    #[error(transparent)]
    Io(#[from] IoError),
    /// The index client failed: download, HTTP status, network.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// den-build failed: unpacking, a PEP 517 hook, a build environment, a git checkout.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The temporary directory source distributions are unpacked into could not be created.
    #[error("cannot create a temporary directory for source distributions")]
    Scratch(#[source] std::io::Error),
    /// Work handed to a blocking thread (unpacking, git, reading a wheel) ended without an
    /// answer: it panicked or the runtime is shutting down.
    #[error("{task} stopped")]
    Stopped {
        /// What was running: `unpacking`, `git`...
        task: &'static str,
        /// Why it ended.
        #[source]
        source: tokio::task::JoinError,
    },
    /// A source distribution archive could not be unpacked. den-build's message already
    /// names the archive (`refusing to unpack <archive>: ...`, `cannot read the archive
    /// <archive>: ...`), so it is the whole message, said once.
    #[error("{reason}")]
    Unpack {
        /// The archive.
        archive: PathBuf,
        /// den-build's error.
        reason: BuildError,
    },
    /// A wheel could not be unpacked into the cache (or its RECORD does not match).
    #[error("cannot use {}", wheel.display())]
    UnpackWheel {
        /// The wheel file.
        wheel: PathBuf,
        /// den-install's error.
        #[source]
        source: InstallError,
    },
    /// A wheel's `.dist-info/METADATA` does not parse.
    #[error("invalid metadata in {}", path.display())]
    Metadata {
        /// The METADATA file, in the unpacked wheel.
        path: PathBuf,
        /// The parser's error.
        #[source]
        source: MetadataError,
    },
    /// den-build could not produce an index sdist's metadata (a failing build, not invalid
    /// metadata, which makes that version unusable instead).
    #[error("cannot build the metadata of {filename}")]
    BuildMetadata {
        /// The sdist's filename.
        filename: String,
        /// den-build's error.
        #[source]
        source: BuildError,
    },
    /// A direct reference could not be fetched or read.
    #[error("cannot get {url}")]
    Direct {
        /// The URL, credentials redacted.
        url: String,
        /// What failed.
        #[source]
        source: Box<PrepareError>,
    },
    /// A direct reference's metadata could not be read or built.
    #[error("cannot read its metadata")]
    DirectMetadata(#[source] Box<PrepareError>),
    /// A `name @ url` requirement whose URL holds another project.
    #[error("{url} holds the project `{found}`, not `{expected}`: correct the name before the `@`")]
    WrongProject {
        /// The URL, credentials redacted.
        url: String,
        /// The name its metadata gives.
        found: PackageName,
        /// The name the requirement gives.
        expected: PackageName,
    },
    /// A direct reference's file name ends in `.whl` but is not a valid wheel filename.
    #[error("`{filename}` is not a valid wheel filename")]
    WheelFilename {
        /// The file name.
        filename: String,
        /// The parser's error.
        #[source]
        source: FilenameError,
    },
    /// An editable `git+` requirement without a project name: pip needs `#egg=NAME` to name
    /// its directory in the source directory, and so does den.
    #[error(
        "Could not detect requirement name for '{given}', please specify one with \
         #egg=your_package_name"
    )]
    EditableGitName {
        /// The requirement as written, credentials redacted.
        given: String,
    },
    /// A file (not a directory) asked for in editable mode.
    #[error(
        "{} is not a directory: only project directories and git URLs can be installed in \
         editable mode",
        path.display()
    )]
    EditableFile {
        /// The file.
        path: PathBuf,
    },
    /// A `file:` URL that names no local path.
    #[error("not a local path")]
    NotLocalPath,
    /// A local archive whose path has no usable (UTF-8) file name.
    #[error("{} has no usable file name", path.display())]
    NoFileName {
        /// The path.
        path: PathBuf,
    },
    /// A file copied into a wheelhouse does not have the digest it had to have (the cache
    /// entry changed since it was checked).
    #[error("{} changed in the cache: expected {expected}, found {actual}", path.display())]
    SavedMismatch {
        /// The cached file.
        path: PathBuf,
        /// The digest it must have.
        expected: String,
        /// The digest of the bytes copied.
        actual: String,
    },
    /// A direct reference with a URL scheme den cannot fetch.
    #[error("den can install http(s), file and git+ URLs, not `{scheme}:` ones")]
    UnsupportedScheme {
        /// The scheme, e.g. `ftp` or `hg+https`.
        scheme: String,
    },
    /// Hash-checking mode: a directory or git checkout, whose contents no `--hash` covers.
    #[error(
        "hash-checking mode is on, and {shown} is a directory or a git checkout, whose contents \
         no --hash can vouch for: install it from a wheel or sdist file with its --hash, or leave \
         hash-checking mode"
    )]
    Unhashable {
        /// The URL, credentials redacted.
        shown: String,
    },
    /// Hash-checking mode: an archive whose requirement has no `--hash`.
    #[error(
        "hash-checking mode is on, but {shown} has no --hash: pin its requirement and add the \
         file's hashes (`den pip compile --generate-hashes` writes them)"
    )]
    NoHash {
        /// The filename or URL, credentials redacted.
        shown: String,
    },
    /// An archive whose hash is not among its requirement's `--hash`es.
    #[error(
        "hash mismatch for {shown} (from {origin}): the file has {actual}, but the requirement \
         allows only {expected}. Nothing was built or installed. If the new file is legitimate, \
         {}",
        hash_fix(origin)
    )]
    HashMismatch {
        /// The filename or URL, credentials redacted.
        shown: String,
        /// The requirement line that gave the hashes.
        origin: RequirementOrigin,
        /// The file's digests (`sha256:...`), comma-separated, one per algorithm allowed.
        actual: String,
        /// The allowed digests, comma-separated.
        expected: String,
    },
    /// Hash-checking mode: distributions to install whose requirements have no `--hash`.
    #[error(
        "hash-checking mode is on (a requirement has --hash, or --require-hashes was given), but \
         these distributions to install have no --hash: {}. Pin each with == and add its hashes \
         to the requirements file",
        missing.join(", ")
    )]
    MissingHashes {
        /// `name==version` of each.
        missing: Vec<String>,
    },
    /// One resolved distribution could not be prepared.
    #[error("cannot prepare {name} {version} ({file})")]
    Prepare {
        /// The project.
        name: PackageName,
        /// The version chosen.
        version: Version,
        /// The file or URL (credentials redacted).
        file: String,
        /// What failed.
        #[source]
        source: Box<PrepareError>,
    },
}

/// What to do about a hash mismatch, depending on where the `--hash` came from.
fn hash_fix(origin: &RequirementOrigin) -> String {
    match origin {
        RequirementOrigin::File { file, .. } => {
            format!("update the --hash in {}", file.display())
        }
        RequirementOrigin::Lock { file, .. } => {
            format!("lock again to record its hash in {}", file.display())
        }
        RequirementOrigin::CommandLine => "update the --hash".to_string(),
    }
}
