//! Facts about one interpreter, read by running it once, cached by path and mtime.

use std::path::{Path, PathBuf};

use den_cache::Cache;
use den_dist::{Implementation, MarkerEnvironment, Platform, Tags, Version};

/// The sysconfig install scheme paths of an interpreter (`sysconfig.get_paths()`), absolute.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SysconfigPaths {
    /// Pure-Python packages (`site-packages`).
    pub purelib: PathBuf,
    /// Platform-specific packages (usually the same as purelib).
    pub platlib: PathBuf,
    /// Console scripts (`bin`).
    pub scripts: PathBuf,
    /// The data scheme root (the prefix).
    pub data: PathBuf,
    /// C headers (`include/pythonX.Y` or, in a venv, `include/site/pythonX.Y`).
    pub include: PathBuf,
    /// The standard library.
    pub stdlib: PathBuf,
}

/// Everything den needs to know about an interpreter.
#[derive(Debug, Clone)]
pub struct Interpreter {
    /// The executable as discovered (may be a symlink, e.g. `.venv/bin/python`).
    pub executable: PathBuf,
    /// `sys.executable` as the interpreter reports it.
    pub sys_executable: PathBuf,
    /// `sys._base_executable` (the base interpreter of a venv) or `sys.executable`.
    pub base_executable: PathBuf,
    /// CPython (with free-threading flag) or another implementation.
    pub implementation: Implementation,
    /// `platform.python_implementation()`: `CPython`, `PyPy`.
    pub implementation_display: String,
    /// `sys.version_info` as a PEP 440 version (`3.12.1`, `3.13.0rc1`).
    pub version: Version,
    /// `(major, minor)`.
    pub major_minor: (u8, u8),
    /// `sys.prefix`.
    pub prefix: PathBuf,
    /// `sys.base_prefix`.
    pub base_prefix: PathBuf,
    /// `sys.base_exec_prefix`.
    pub base_exec_prefix: PathBuf,
    /// Scheme paths for this interpreter's prefix.
    pub paths: SysconfigPaths,
    /// PEP 508 marker values.
    pub markers: MarkerEnvironment,
    /// Wheel platform.
    pub platform: Platform,
    /// PEP 425 tags, most preferred first.
    pub tags: Tags,
    /// Pointer size in bits (32 or 64).
    pub pointer_size: u8,
    /// Free-threaded build (PEP 703).
    pub gil_disabled: bool,
}

/// An interpreter that could not be queried.
#[derive(Debug, thiserror::Error)]
#[error("could not query Python interpreter {}: {reason}", path.display())]
pub struct InterpreterError {
    /// The executable.
    pub path: PathBuf,
    /// What went wrong.
    pub reason: String,
}

impl Interpreter {
    /// Runs `executable` once (or reads the cache) and returns its facts.
    pub fn query(_executable: &Path, _cache: &Cache) -> Result<Self, InterpreterError> {
        unimplemented!("den-python work in progress")
    }

    /// Whether this interpreter runs inside a virtual environment (`sys.prefix != sys.base_prefix`).
    pub fn is_virtualenv(&self) -> bool {
        self.prefix != self.base_prefix
    }
}
