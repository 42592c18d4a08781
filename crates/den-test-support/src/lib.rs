//! Test fixtures for den's crates and end-to-end tests (use as a dev-dependency):
//!
//! - [`require`] and [`require_program`]: a test that needs an outside tool (a shell, an
//!   interpreter, pip, git, setuptools, nushell...) reports a missing one instead of passing
//!   silently, and fails when `DEN_TEST_REQUIRE_ALL=1` (as `.ci/run` sets).
//! - [`find_python`], [`pyenv_python`], [`system_python`]: the one place tests look for real
//!   Python interpreters.
//! - [`WheelBuilder`] writes real wheels (PEP 427) with correct `RECORD`s, metadata, data files
//!   and entry points, or deliberately corrupt ones.
//! - [`TestIndex`] serves wheels and source distributions as a simple repository (PEP 503
//!   HTML / PEP 691 JSON, PEP 658/714 metadata files, PEP 592 yanking, HTTP range requests)
//!   over loopback, with fault injection (status codes, delays, corrupted bytes), optional
//!   basic auth and a request log for asserting caching.
//! - [`output_with_input`] runs a program with text on its stdin.
//! - [`http::HttpServer`] is the loopback HTTP(S) server under it, for tests that answer
//!   requests with their own handler.
//! - [`SdistBuilder`] writes real source distributions (`.tar.gz`) built by an in-tree PEP 517
//!   backend or by setuptools; [`setuptools_wheel`] and [`wheel_package_wheel`] find real
//!   backend wheels on this machine to serve offline.
//! - [`shells`] sources an environment's activation scripts in every shell den writes one
//!   for and checks what they set and restore.
//!
//! Everything here panics on setup failures: in a test, that is the clearest report.

pub mod http;
mod index;
mod process;
mod python;
mod require;
mod sdist;
pub mod shells;
mod wheel;

pub use index::{Gate, JSON_MEDIA_TYPE, LoggedRequest, TestIndex};
pub use process::output_with_input;
pub use python::{
    find_python, pyenv_python, pyenv_versions, pyenv_versions_dir, pythons, system_python,
};
pub use require::{
    PIP26_VAR, PIPENV_VAR, REQUIRE_ALL, find_program, pip26_python, pipenv_python, require,
    require_all, require_program,
};
pub use sdist::{SdistBackend, SdistBuilder, setuptools_wheel, wheel_package_wheel};
pub use wheel::WheelBuilder;
