//! [`BuildError`]: everything that can go wrong while reading, unpacking or building a project.

use std::io;
use std::path::PathBuf;

use den_cache::CacheError;
use den_dist::{IoError, MetadataError};
use den_venv::VenvError;

/// The error of another part of den, reported through the [`BuildContext`](crate::BuildContext)
/// (the resolver's, the index client's, the installer's).
pub type ContextError = Box<dyn std::error::Error + Send + Sync>;

/// Why a project could not be read, unpacked or built. Every variant names the file, package,
/// hook or command at fault; the messages are meant to be shown as they are.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// `pyproject.toml` is not valid TOML or its `[build-system]` / `[project]` table breaks
    /// PEP 518 / PEP 621 (the reason carries the TOML parser's line and column).
    #[error("invalid {}: {reason}", path.display())]
    PyProject {
        /// The `pyproject.toml` at fault.
        path: PathBuf,
        /// What is wrong, with the key at fault.
        reason: String,
    },
    /// A requirement string in `pyproject.toml` is not valid PEP 508.
    #[error("invalid requirement `{requirement}` in {}: {reason}", path.display())]
    InvalidRequirement {
        /// The file holding it.
        path: PathBuf,
        /// The requirement as written.
        requirement: String,
        /// The parser's message.
        reason: String,
    },
    /// The archive's extension is not one den unpacks.
    #[error(
        "cannot unpack {}: only .tar.gz, .tgz and .zip source distributions are supported",
        archive.display()
    )]
    UnsupportedArchive {
        /// The archive.
        archive: PathBuf,
    },
    /// The archive is corrupt or unreadable.
    #[error("cannot read the archive {}: {reason}", archive.display())]
    Archive {
        /// The archive.
        archive: PathBuf,
        /// The decompressor's or reader's message.
        reason: String,
    },
    /// The archive's members declare more than the ceiling on unpacked size
    /// (`DEN_MAX_UNPACKED_SIZE`, [`den_dist::max_unpacked_size`]); nothing was kept.
    #[error(
        "refusing to unpack {}: it would unpack to {size} bytes, more than den's limit of {limit} \
         bytes (if you trust it, raise the limit, e.g. DEN_MAX_UNPACKED_SIZE=16G)",
        archive.display()
    )]
    TooLarge {
        /// The archive.
        archive: PathBuf,
        /// The total size its members declare (up to where it was refused).
        size: u64,
        /// The ceiling.
        limit: u64,
    },
    /// `DEN_MAX_UNPACKED_SIZE` is not a size.
    #[error(transparent)]
    Limit(#[from] den_dist::UnpackLimitError),
    /// An archive member would be written outside the destination, or is a device file; the
    /// destination was left as it was.
    #[error(
        "refusing to unpack {}: member `{member}` {reason}; the archive is malformed or malicious",
        archive.display()
    )]
    UnsafeArchive {
        /// The archive.
        archive: PathBuf,
        /// The member's name as stored.
        member: String,
        /// Why it is refused (`climbs out with ..`, `is an absolute path`, ...).
        reason: &'static str,
    },
    /// Core metadata (`PKG-INFO`, `METADATA`) that does not parse.
    #[error("invalid core metadata in {}: {source}", path.display())]
    Metadata {
        /// The metadata file (or the wheel holding it).
        path: PathBuf,
        /// The parser's error.
        #[source]
        source: MetadataError,
    },
    /// The build environment could not be created.
    #[error("cannot create the build environment at {}: {source}", path.display())]
    Venv {
        /// Where the environment was being created.
        path: PathBuf,
        /// den-venv's error.
        #[source]
        source: Box<VenvError>,
    },
    /// The build requirements could not be resolved. Build requirements are installed from
    /// wheels only (building a build requirement from source is not supported).
    #[error(
        "cannot resolve the build requirements of {package} ({requirements}); build requirements are installed from wheels only: {source}"
    )]
    BuildRequirements {
        /// The project being built.
        package: String,
        /// The requirements, comma-separated.
        requirements: String,
        /// The resolver's error.
        #[source]
        source: ContextError,
    },
    /// A build requirement's wheel could not be downloaded.
    #[error("cannot download {filename}, a build requirement of {package}: {source}")]
    Download {
        /// The project being built.
        package: String,
        /// The wheel's filename.
        filename: String,
        /// The index client's error.
        #[source]
        source: ContextError,
    },
    /// A build requirement's wheel could not be unpacked or installed into the build environment.
    #[error("cannot install {wheel} into the build environment of {package}: {source}")]
    Install {
        /// The project being built.
        package: String,
        /// The wheel file.
        wheel: String,
        /// The installer's error.
        #[source]
        source: ContextError,
    },
    /// The interpreter could not be started for a hook.
    #[error("cannot run {} for the {hook} hook of {package}: {source}", python.display())]
    Spawn {
        /// The project being built.
        package: String,
        /// The PEP 517 hook.
        hook: String,
        /// The interpreter.
        python: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// A PEP 517 / PEP 660 hook failed; `output` is the end of what the backend printed.
    #[error(
        "the build backend of {package} failed in its {hook} hook; its output (last lines):\n{output}"
    )]
    Hook {
        /// The project being built.
        package: String,
        /// The hook (`build_wheel`, `prepare_metadata_for_build_wheel`, ...).
        hook: String,
        /// The backend's stdout and stderr, interleaved, last ~60 lines.
        output: String,
    },
    /// The backend lacks a mandatory hook (e.g. `build_editable` for PEP 660 editable installs).
    #[error("the build backend of {package} has no {hook} hook; {hint}")]
    MissingHook {
        /// The project being built.
        package: String,
        /// The missing hook.
        hook: String,
        /// What to do about it.
        hint: &'static str,
    },
    /// A hook returned something other than PEP 517 promises (a missing file, a bad name).
    #[error("the {hook} hook of {package} returned an invalid result: {reason}")]
    HookResult {
        /// The project being built.
        package: String,
        /// The hook.
        hook: String,
        /// What is wrong with the result.
        reason: String,
    },
    /// A `git` command failed.
    #[error("git failed for {repository} (`git {command}`): {output}")]
    Git {
        /// The repository URL or path.
        repository: String,
        /// The git arguments.
        command: String,
        /// git's message, or why it could not be started.
        output: String,
    },
    /// The directory an editable git checkout goes to holds something else, and no
    /// `--exists-action` says what to do with it (or it says to stop).
    #[error("cannot clone {repository} to {}: it {what}; {hint}", dest.display())]
    SourceExists {
        /// The directory.
        dest: PathBuf,
        /// The repository URL, credentials redacted.
        repository: String,
        /// What the directory is (`is not a git clone`, `is a clone of <URL>`).
        what: String,
        /// What can be done.
        hint: String,
    },
    /// A clone could not take its directory's place, and what was there, moved aside for it
    /// (`--exists-action w`/`b`), could not be put back: it is kept where it was moved.
    #[error(
        "cannot move the clone to {}; what was there could not be put back and is kept at {}: move it back by hand",
        dest.display(),
        kept.display()
    )]
    CloneNotPlaced {
        /// The clone's directory.
        dest: PathBuf,
        /// Where what was there is now.
        kept: PathBuf,
        /// Why the clone could not be moved.
        #[source]
        source: std::io::Error,
    },
    /// A git reference or repository argument that git would take for an option.
    #[error("invalid git {what} `{value}`: it must not start with `-`")]
    GitArgument {
        /// `reference` or `repository`.
        what: &'static str,
        /// The value given.
        value: String,
    },
    /// The cache failed.
    #[error(transparent)]
    Cache(#[from] CacheError),
    /// Any other file-system failure, with what den was doing and the path.
    #[error(transparent)]
    Io(#[from] IoError),
}
