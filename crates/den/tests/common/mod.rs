//! What the binary's test files share: finding a real interpreter, and starting `den` isolated
//! from the machine's own environment and pip configuration.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The first interpreter, newest pyenv CPython 3 first and then `python3` on PATH, for which
/// `python -c probe` succeeds; `None` when there is none. Each test file wraps this with its own
/// requirement (the probe) and its rule for a machine without one.
pub fn find_python(probe: &str) -> Option<PathBuf> {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let mut candidates: Vec<PathBuf> = std::fs::read_dir(home.join(".pyenv/versions"))
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path().join("bin/python3"))
        .collect();
    candidates.sort();
    candidates.reverse();
    candidates.push(PathBuf::from("python3"));
    candidates.into_iter().find(|python| {
        Command::new(python)
            .args(["-c", probe])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// `den` (the binary under test) with a private cache and index, and none of the ambient
/// settings that would change what it does: no active environment, no pip index or config, no
/// pyenv pin from the caller.
#[allow(dead_code)] // the shell sessions start den through the shell, not through this
pub fn den_command(cache: &Path, index_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_den"));
    command
        .env("DEN_CACHE_DIR", cache)
        .env("DEN_INDEX_URL", index_url)
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env_remove("VIRTUAL_ENV")
        .env_remove("PIP_INDEX_URL")
        .env_remove("PIP_EXTRA_INDEX_URL")
        .env_remove("PYENV_VERSION");
    command
}

/// Asserts that `den args` succeeded, showing both streams if not; returns its stdout.
#[allow(dead_code)] // the shell sessions start den through the shell, not through this
pub fn success_stdout(args: &[&str], out: Output) -> String {
    assert!(
        out.status.success(),
        "den {args:?} failed:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
