//! Finding real Python interpreters on this machine for tests: pyenv's versions, `python3` on
//! `PATH` and the system's `/usr/bin/python3`. Pair a finder with [`crate::require`] so a
//! missing interpreter is reported (and fails under `DEN_TEST_REQUIRE_ALL=1`).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::require::{find_program, is_executable};

/// pyenv's versions directory: `$PYENV_ROOT/versions`, else `~/.pyenv/versions`; `None` when
/// neither variable is set.
pub fn pyenv_versions_dir() -> Option<PathBuf> {
    let root = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".pyenv")))?;
    Some(root.join("versions"))
}

/// The installed pyenv versions as `(version, prefix)`, newest first by the numeric value of
/// the version's dotted parts (`3.13.0` before `3.9.18`). Empty without pyenv.
pub fn pyenv_versions() -> Vec<(String, PathBuf)> {
    let mut versions: Vec<(Vec<u64>, String, PathBuf)> = pyenv_versions_dir()
        .and_then(|dir| std::fs::read_dir(dir).ok())
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let key = name.split('.').map(|p| p.parse().unwrap_or(0)).collect();
            Some((key, name, entry.path()))
        })
        .collect();
    versions.sort();
    versions
        .into_iter()
        .rev()
        .map(|(_, name, prefix)| (name, prefix))
        .collect()
}

/// The interpreter of pyenv's `version` (an exact version such as `3.12.1`, or a prefix such
/// as `3.12` for the newest 3.12): its `bin/python3`, else `bin/python` (Python 2). `None`
/// when that version is not installed.
pub fn pyenv_python(version: &str) -> Option<PathBuf> {
    pyenv_versions()
        .into_iter()
        .filter(|(name, _)| {
            name == version
                || name
                    .strip_prefix(version)
                    .is_some_and(|rest| rest.starts_with('.'))
        })
        .find_map(|(_, prefix)| {
            ["bin/python3", "bin/python"]
                .into_iter()
                .map(|bin| prefix.join(bin))
                .find(|path| is_executable(path))
        })
}

/// The system's interpreter, `/usr/bin/python3`, when it exists.
pub fn system_python() -> Option<PathBuf> {
    Some(PathBuf::from("/usr/bin/python3")).filter(|path| is_executable(path))
}

/// Every interpreter tests may use, most preferred first: pyenv's versions' `bin/python3`
/// (newest first), then `python3` on `PATH`, then [`system_python`].
pub fn pythons() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = pyenv_versions()
        .into_iter()
        .map(|(_, prefix)| prefix.join("bin/python3"))
        .filter(|path| is_executable(path))
        .collect();
    found.extend(find_program("python3"));
    found.extend(system_python());
    found
}

/// The first of [`pythons`] for which `python -c probe` succeeds (the probe asserts what the
/// test needs, e.g. `import sys; assert sys.version_info >= (3, 10)`); `None` when none does.
pub fn find_python(probe: &str) -> Option<PathBuf> {
    pythons().into_iter().find(|python| {
        Command::new(python)
            .args(["-c", probe])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}
