//! Python interpreter discovery: `-p/--python` requests, pyenv pins and shims, `PATH`
//! search, and the facts den needs about an interpreter (version, paths, tags, markers),
//! read by running it once and cached.
//!
//! Entry points: [`find_interpreter`] (what a command should use), [`find_all`] (listing),
//! [`Interpreter::query`] (facts about one executable), [`check_supported`] (CPython 3.8+ or
//! PyPy 3), [`PythonRequest`] (parsing `-p` values).

mod discovery;
#[cfg(test)]
mod fake;
mod interpreter;
mod pyenv;
mod pyenv_order;
mod request;
mod target;

pub use discovery::{
    DiscoveryEnv, DiscoveryError, InterpreterSource, NotFound, check_supported, find_all,
    find_interpreter, find_interpreter_in,
};
pub use interpreter::{Interpreter, InterpreterError, SysconfigPaths};
pub use pyenv::{
    INSTALL_MARKER, InstalledVersion, PinOrigin, Pyenv, VersionFile, VersionGuess, VersionPin,
    find_version_file, latest_of, minor_alias_of, parse_version_file, split_versions,
    without_free_threaded,
};
pub use pyenv_order::version_sort;
pub use request::{ImplementationName, PythonRequest, RequestParseError, VersionRequest};
pub use target::{PipTarget, TargetPython, TargetPythonError};
