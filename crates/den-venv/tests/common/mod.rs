//! Shared helpers for den-venv's integration tests: real interpreters, nasty paths, shells.

#![allow(dead_code)] // Each test binary uses a different subset.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use den_cache::Cache;
use den_python::Interpreter;
use den_venv::{VenvOptions, VirtualEnv, create_venv};

/// A directory name with spaces, both quote kinds' enemy, `$`, `&` and non-ASCII letters.
pub const NASTY_DIR: &str = "café 'q' $x & y";

/// The interpreters the tests prefer, most preferred first.
fn candidates() -> Vec<PathBuf> {
    let mut paths = Vec::new();
    if let Some(home) = std::env::var_os("HOME") {
        let versions = Path::new(&home).join(".pyenv/versions");
        paths.push(versions.join("3.12.1/bin/python3.12"));
        paths.push(versions.join("3.13.0/bin/python3.13"));
    }
    paths.push(PathBuf::from("/usr/bin/python3"));
    paths
}

/// Queries `executable` with den-python, or returns `None` (with a printed note) when the
/// interpreter is missing.
pub fn query(executable: &Path) -> Option<Interpreter> {
    if !executable.exists() {
        eprintln!("note: {} is absent, skipping", executable.display());
        return None;
    }
    let cache = Cache::temporary().unwrap();
    Some(Interpreter::query(executable, &cache).unwrap())
}

/// The first available real interpreter, queried.
pub fn interpreter() -> Option<Interpreter> {
    let Some(path) = candidates().into_iter().find(|path| path.exists()) else {
        eprintln!("note: no Python interpreter found, skipping");
        return None;
    };
    query(&path)
}

/// Creates an environment at `<temp>/my envs/<NASTY_DIR>`.
pub fn nasty_venv(
    interpreter: &Interpreter,
    temp: &tempfile::TempDir,
    options: &VenvOptions,
) -> VirtualEnv {
    let location = temp.path().join("my envs").join(NASTY_DIR);
    create_venv(interpreter, &location, options).unwrap()
}

/// Runs `program` with `args`, with a clean environment except `PATH` and `HOME`.
pub fn run(program: &Path, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(program);
    command.args(args).env_clear();
    command.env("PATH", "/usr/local/bin:/usr/bin:/bin");
    command.env("HOME", std::env::temp_dir());
    command.env("LANG", "C.UTF-8");
    for (key, value) in extra_env {
        command.env(key, value);
    }
    command.output().unwrap()
}

/// stdout of a successful run, or a panic showing both streams.
pub fn stdout_of(output: &Output) -> String {
    assert!(
        output.status.success(),
        "failed with {}:\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}
