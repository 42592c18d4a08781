//! den-build: a PEP 517 / PEP 660 build frontend. It turns source distributions, local
//! project directories and git checkouts into wheels (and their metadata) for one target
//! interpreter.
//!
//! - [`extract_sdist`] unpacks `.tar.gz` / `.zip` sdists, refusing members that would land
//!   outside the destination; [`stage_sdist_from`] unpacks a `.tar.gz` as it downloads, with the
//!   same checks, and leaves it staged until the caller has checked the archive's hashes.
//! - [`BuildSystem`] reads `[build-system]` (PEP 518, PEP 517), with pip's setuptools fallback.
//! - [`static_metadata`] and [`project_name`] answer without running any Python when the
//!   project allows it (PEP 643 `PKG-INFO`, PEP 621 `[project]`).
//! - [`Builder`] runs the backend's hooks: [`Builder::metadata`] (or
//!   [`Builder::metadata_by_building`] for a project about to be installed),
//!   [`Builder::build_wheel`]
//!   (cached by the sdist's SHA-256) and [`Builder::build_editable`] (PEP 660).
//! - [`BuildContext`] is what a builder asks of resolution and installation.
//! - [`git_checkout`] clones and checks out git sources into the cache.
//!
//! # Design
//!
//! Hooks run in a separate Python process through a small runner den ships (`frontend.py`,
//! Python 3.7+): it imports the backend (`backend-path` first on `sys.path`), calls one hook
//! with JSON arguments and writes the JSON result to a file, so the backend's own printing
//! never mixes with the answer. stdout and stderr go to one log; a failure shows its last 60
//! lines in [`BuildError::Hook`]. The environment is den's minus `PYTHONPATH`/`PYTHONHOME`,
//! with `PYTHONNOUSERSITE=1` and the build environment's `bin` first on `PATH`.
//!
//! Build isolation (PEP 517 §Build environment): a build environment is a virtual
//! environment of the target interpreter (den-venv, no pip) holding exactly a set of build
//! requirements, which the caller's [`BuildContext`] resolves and installs (den-prepare's
//! resolves them with den-resolve against the configured indexes and installs them with
//! den-install; den-build depends on neither). Build requirements come from wheels only; a
//! build requirement that publishes only an sdist is an error rather than a recursive build.
//! The requirements `get_requires_for_build_wheel` adds get a second environment keyed by the
//! union. Environments are keyed by the interpreter and the sorted requirement set in the Builds bucket and reused
//! across calls and processes; unlike other cache entries they are made in place under their
//! lock (scripts carry the environment's path in their shebangs, so a renamed environment would
//! break them) and marked complete last.
//!
//! Built wheels of sdists are cached in the BuiltWheels bucket by the sdist's SHA-256 with
//! their metadata; local directories and editable wheels are never cached. A caller that
//! knows that SHA-256 before it has the sdist (an index publishes it) finds them by the key
//! alone ([`Builder::cached_wheel_of`], [`Builder::cached_metadata`]).

mod builder;
mod context;
mod error;
mod extract;
mod git;
mod hooks;
mod pyproject;

pub use builder::{BuildOptions, Builder, SourceTree};
pub use context::BuildContext;
pub use error::{BuildError, ContextError};
pub use extract::{
    StagedSdist, archived_pkg_info, can_extract, can_stream, extract_sdist, extract_sdist_within,
    stage_sdist_from,
};
pub use git::{ExistsAction, SourceCheckout, git_checkout, git_source_checkout};
pub use pyproject::{
    BuildSystem, LEGACY_BACKEND, project_name, static_metadata, static_sdist_metadata,
};
