//! Shared helpers for den-venv's integration tests: real interpreters, nasty paths, shells.

#![allow(dead_code)] // Each test binary uses a different subset.

use std::path::Path;
use std::process::{Command, Output};

use den_cache::Cache;
use den_python::Interpreter;
use den_venv::{VenvOptions, VirtualEnv, create_venv};

/// A directory name with spaces, both quote kinds' enemy, `$`, `&` and non-ASCII letters.
pub const NASTY_DIR: &str = "café 'q' $x & y";

/// The preferred test interpreter, queried: pyenv's 3.12.1, else its 3.13.0, else the
/// system's `/usr/bin/python3`; or a report that there is none (a failure under
/// `DEN_TEST_REQUIRE_ALL=1`) and `None`.
pub fn interpreter() -> Option<Interpreter> {
    let pyenv = den_test_support::pyenv_versions_dir().unwrap_or_default();
    let found = [
        pyenv.join("3.12.1/bin/python3.12"),
        pyenv.join("3.13.0/bin/python3.13"),
    ]
    .into_iter()
    .find(|path| path.is_file())
    .or_else(den_test_support::system_python);
    let path = den_test_support::require(
        found,
        "a CPython (pyenv's 3.12.1 or 3.13.0, or /usr/bin/python3)",
        "environments made from a real interpreter",
    )?;
    Some(query(&path))
}

/// Queries `executable` with den-python.
///
/// # Panics
///
/// When it cannot be queried (it is missing or not a Python).
pub fn query(executable: &Path) -> Interpreter {
    let cache = Cache::temporary().unwrap();
    Interpreter::query(executable, &cache)
        .unwrap_or_else(|e| panic!("querying {}: {e}", executable.display()))
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
