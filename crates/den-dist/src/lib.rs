//! The vocabulary every den crate shares: project names (PEP 503), versions (PEP 440),
//! requirements and markers (PEP 508), wheel filenames and compatibility tags (PEP 425 /
//! PEP 427), file hashes, core metadata (the `METADATA` / `PKG-INFO` format), PEP 610
//! `direct_url.json` ([`DirectUrl`]), the credential redaction every printed URL goes
//! through ([`redact_credentials`]), the escaping of control characters in quoted text
//! ([`escape_controls`]), and the error every crate gives a failed file-system operation
//! ([`IoError`], made with [`IoResultExt::at`]).
//!
//! This crate holds data types and pure functions only (besides [`path::expand_home`], which
//! asks the process for its home directory, and [`parse_requirement`], which asks for the
//! current directory when a requirement names `${PROJECT_ROOT}`); it does no I/O, so every
//! other crate can depend on it without pulling in a runtime. Names, versions, requirements and
//! markers are re-exported from `pep440_rs` / `pep508_rs` rather than wrapped, so values flow
//! between crates without conversion; but every requirement and marker text is parsed through
//! [`parse_requirement`] / [`parse_marker`], never `Requirement::from_str` /
//! `MarkerTree::from_str`, because `pep508_rs` panics or overflows the stack on some texts
//! (see [`Pep508ParseError`] and the checks those functions run first).

mod direct_url;
mod escape;
mod filename;
mod hash;
mod io;
mod limits;
mod metadata;
pub mod path;
mod pep508;
mod redact;
mod tags;

pub use direct_url::{
    ArchiveInfo, DirInfo, DirectUrl, DirectUrlError, DirectUrlInfo, VcsInfo, write_python_string,
};
pub use escape::{escape_controls, python_json, python_json_object, python_repr};
pub use filename::{
    DistFilename, FilenameError, SDIST_EXTENSIONS, SourceDistFilename, WheelFilename,
    sdist_extension,
};
pub use hash::{HashAlgorithm, HashDigest, HashError, Hasher, record_hash};
pub use io::{IoError, IoResultExt};
pub use limits::{
    DEFAULT_MAX_UNPACKED_SIZE, MAX_UNPACKED_SIZE_VAR, UnpackLimitError, max_unpacked_size,
    parse_size,
};
pub use metadata::{CoreMetadata, MetadataError, metadata_body};
pub use pep440_rs::{Operator, Version, VersionSpecifier, VersionSpecifiers};
pub use pep508::{
    MAX_MARKER_DEPTH, MAX_MARKER_NUMBER, MAX_MARKER_VALUES, Pep508ParseError, parse_marker,
    parse_requirement,
};
pub use pep508_rs::{
    ExtraName, MarkerEnvironment, MarkerEnvironmentBuilder, MarkerTree, PackageName, Requirement,
    VersionOrUrl,
};
pub use redact::redact_credentials;

/// PEP 503 normalization of any text that names a project or an extra (a file-name stem, a
/// marker value): lower-cased, every run of `-`, `_` and `.` made one `-`. Unlike
/// [`PackageName`], it accepts text that is not a valid name (a cache file name, say). Pure.
pub fn canonical_name(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}
pub use tags::{Implementation, Libc, Platform, PlatformTagError, TagPriority, Tags};

#[cfg(test)]
mod tests {
    #[test]
    fn canonical_names_fold_case_and_separator_runs() {
        assert_eq!(super::canonical_name("Foo__Bar.-baz"), "foo-bar-baz");
        assert_eq!(super::canonical_name("zope.interface"), "zope-interface");
    }
}
