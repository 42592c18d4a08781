//! den-prepare: the preparation step between resolution and installation, in pip's and uv's
//! terms. It turns a resolved distribution into an unpacked wheel in the cache: fetch (an index
//! file, or a direct reference: URL, local path, git), verify `--hash`es (pip's hash-checking
//! mode), build through den-build's PEP 517 frontend when it is not a wheel, unpack.
//!
//! - [`DenSource`] is den-resolve's [`PackageSource`](den_resolve::PackageSource) over the
//!   index client and the build frontend, and gives each resolved distribution an installable
//!   wheel ([`DenSource::wheel`]). An index sdist tarball not in the cache yet is unpacked as
//!   it downloads (`streaming.rs`), its tree used only once the archive has passed its hashes.
//! - [`IndexBuildContext`] fills den-build's build environments: it resolves build
//!   requirements from wheels and installs them.
//! - [`HashChecks`] is hash-checking mode: what each downloaded archive is checked against.
//! - [`prepare`] readies a whole resolution concurrently; [`hashes_of`] gives the `--hash`
//!   values a lock file records for one.
//! - [`check_out_editables`] clones editable git requirements into the source directory
//!   (pip's `--src`) and makes them editable requirements of their clones.
//! - [`save`] puts a resolution's archives or wheels into a wheelhouse directory (`pip
//!   download`, `pip wheel`).

mod build_context;
mod editable_git;
mod error;
mod hashes;
mod prepare;
mod source;
mod streaming;
mod wheelhouse;

pub use build_context::IndexBuildContext;
pub use den_build::{BuildOptions, ExistsAction, SourceCheckout};
pub use editable_git::{EditableCheckout, check_out_editables};
pub use error::PrepareError;
pub use hashes::HashChecks;
pub use prepare::{ResolvedDist, Step, hashes_of, prepare, sha256_of};
pub use source::{DenSource, DirectDist, DirectKind, Dist};
pub use wheelhouse::{Keep, SavedFile, save};
