//! The vocabulary every den crate shares: project names (PEP 503), versions (PEP 440),
//! requirements and markers (PEP 508), wheel filenames and compatibility tags (PEP 425 /
//! PEP 427), file hashes, core metadata (the `METADATA` / `PKG-INFO` format), PEP 610
//! `direct_url.json` ([`DirectUrl`]), and the credential redaction every printed URL goes
//! through ([`redact_credentials`]).
//!
//! This crate holds data types and pure functions only; it does no I/O, so every other crate
//! can depend on it without pulling in a runtime. Names, versions, requirements and markers are
//! re-exported from `pep440_rs` / `pep508_rs` rather than wrapped, so values flow between
//! crates without conversion.

mod direct_url;
mod filename;
mod hash;
mod metadata;
mod redact;
mod tags;

pub use direct_url::{ArchiveInfo, DirInfo, DirectUrl, DirectUrlError, DirectUrlInfo, VcsInfo};
pub use filename::{DistFilename, FilenameError, SourceDistFilename, WheelFilename};
pub use hash::{HashAlgorithm, HashDigest, HashError, Hasher, record_hash};
pub use metadata::{CoreMetadata, MetadataError};
pub use pep440_rs::{Operator, Version, VersionSpecifier, VersionSpecifiers};
pub use pep508_rs::{
    ExtraName, MarkerEnvironment, MarkerEnvironmentBuilder, MarkerTree, PackageName, Requirement,
    VersionOrUrl,
};
pub use redact::redact_credentials;
pub use tags::{Implementation, Libc, Platform, TagPriority, Tags};
