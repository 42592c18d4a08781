//! The one error type of this crate.

use std::path::PathBuf;

use den_dist::IoError;

/// Everything that can go wrong while unpacking, installing, listing or uninstalling
/// distributions. Each variant names the wheel, file or directory at fault.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// A file-system operation failed: `cannot {action} {path}: {cause}`.
    #[error(transparent)]
    Io(#[from] IoError),
    /// The cache could not be used.
    #[error(transparent)]
    Cache(#[from] den_cache::CacheError),
    /// The wheel is not a readable zip archive.
    #[error("wheel {} is not a valid zip archive: {source}; download it again", wheel.display())]
    Zip {
        /// The wheel file.
        wheel: PathBuf,
        /// The zip reader's message.
        #[source]
        source: zip::result::ZipError,
    },
    /// The wheel breaks the binary distribution format in a way den cannot work around.
    #[error("wheel {wheel} is invalid: {reason}")]
    InvalidWheel {
        /// The wheel's filename (or unpacked directory).
        wheel: String,
        /// What is wrong.
        reason: String,
    },
    /// The archive's members declare more than the ceiling on unpacked size
    /// (`DEN_MAX_UNPACKED_SIZE`, [`den_dist::max_unpacked_size`]).
    #[error(
        "wheel {archive} would unpack to {size} bytes, more than den's limit of {limit} bytes; \
         refusing to unpack it (if you trust it, raise the limit, e.g. DEN_MAX_UNPACKED_SIZE=16G)"
    )]
    TooLarge {
        /// The wheel's filename.
        archive: String,
        /// The total size its members declare.
        size: u64,
        /// The ceiling.
        limit: u64,
    },
    /// `DEN_MAX_UNPACKED_SIZE` is not a size.
    #[error(transparent)]
    Limit(#[from] den_dist::UnpackLimitError),
    /// A wheel member would be written outside the unpack directory (absolute, `..`, drive).
    #[error(
        "wheel {wheel} contains an unsafe path `{member}` (absolute or escaping with `..`); refusing to unpack it"
    )]
    UnsafePath {
        /// The wheel's filename.
        wheel: String,
        /// The member name as stored in the archive.
        member: String,
    },
    /// A member's content does not match its RECORD line (PEP 427 §The .dist-info directory).
    #[error(
        "wheel {wheel}: member `{member}` does not match RECORD ({detail}); the wheel is corrupt or was tampered with"
    )]
    RecordMismatch {
        /// The wheel's filename.
        wheel: String,
        /// The member path.
        member: String,
        /// Expected versus actual hash or size, or a member missing from one side.
        detail: String,
    },
    /// A RECORD file is not valid CSV of `path,hash,size` rows.
    #[error("{}: line {line}: {reason}", path.display())]
    Record {
        /// The RECORD file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// An `entry_points.txt` line does not parse or names an unsafe script.
    #[error("{}: line {line}: {reason}", path.display())]
    EntryPoint {
        /// The entry_points.txt file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A METADATA or PKG-INFO file does not parse.
    #[error("{}: {source}", path.display())]
    Metadata {
        /// The metadata file.
        path: PathBuf,
        /// The parser's error.
        #[source]
        source: den_dist::MetadataError,
    },
    /// A `direct_url.json` (PEP 610) is not valid.
    #[error("{}: {reason}", path.display())]
    DirectUrl {
        /// The direct_url.json file.
        path: PathBuf,
        /// What is wrong, starting `invalid direct_url.json (PEP 610)`.
        reason: String,
    },
    /// Byte-compiling the installed `.py` files failed as a whole (the interpreter could not
    /// run); single files that do not compile are skipped instead.
    #[error(
        "failed to byte-compile the installed files with {}: {reason}; install without \
         bytecode compilation or repair that interpreter",
        python.display()
    )]
    Bytecode {
        /// The interpreter that was to compile.
        python: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The operation needs a `.dist-info` (reading RECORD) or a list of installed files
    /// (uninstalling), but the distribution only has legacy `.egg-info` metadata that lacks
    /// it (a distutils `.egg-info` file lists no files; pip refuses to uninstall it too).
    #[error("{} is a legacy .egg-info distribution; den can list it but not {action} it; remove it with the tool that installed it", path.display())]
    LegacyDistribution {
        /// The `.egg-info` file or directory.
        path: PathBuf,
        /// What was attempted (`uninstall`, `read RECORD of`).
        action: &'static str,
    },
}
